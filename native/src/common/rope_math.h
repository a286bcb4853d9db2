// SPDX-License-Identifier: Apache-2.0
// rope_math.h: the rotary-embedding numbers of the decoder exactly as Hugging Face computes them in
// float32 (inv_freq, the llama3 rescale, the angle), for the CPU backend and the CUDA kernels alike.
#pragma once

#include <math.h>

#include <cstdint>

#include "common/index_math.h"  // MOS_HD

namespace mos {
namespace rope {

// HF: 1.0 / (theta ** (arange(0, dim, 2).float() / dim)), all in f32. The exponent is an f32
// division; the power is taken in double and rounded once (what an accurate f32 pow gives).
MOS_HD float inv_freq_default(int32_t i, int32_t head_dim, float theta) {
  const float e = static_cast<float>(2 * i) / static_cast<float>(head_dim);
  const float p = static_cast<float>(pow(static_cast<double>(theta), static_cast<double>(e)));
  return 1.0f / p;
}

// HF's _compute_llama3_parameters on one f32 inv_freq, operation by operation in f32 as torch
// runs it: python scalars become f32 operands, and `scalar / tensor` is reciprocal(tensor) * scalar.
MOS_HD float inv_freq_llama3(float inv, float factor, float low_freq_factor, float high_freq_factor,
                             int32_t original_max_positions) {
  const double old_ctx = static_cast<double>(original_max_positions);
  const float low_wavelen = static_cast<float>(old_ctx / low_freq_factor);
  const float high_wavelen = static_cast<float>(old_ctx / high_freq_factor);
  const float two_pi = static_cast<float>(2.0 * 3.141592653589793);
  const float wavelen = (1.0f / inv) * two_pi;
  float scaled = wavelen > low_wavelen ? inv / factor : inv;
  const float smooth = ((1.0f / wavelen) * static_cast<float>(old_ctx) - low_freq_factor) /
                       static_cast<float>(static_cast<double>(high_freq_factor) - low_freq_factor);
  const float smoothed = (1.0f - smooth) * scaled / factor + smooth * scaled;
  const bool medium = !(wavelen < high_wavelen) && !(wavelen > low_wavelen);
  if (medium) scaled = smoothed;
  return scaled;
}

// HF: freqs = inv_freq (f32) @ position_ids.float(): one f32 product per element.
MOS_HD float angle(int32_t position, float inv_freq) {
  return static_cast<float>(position) * inv_freq;
}

}  // namespace rope
}  // namespace mos
