// SPDX-License-Identifier: Apache-2.0
// rope.cu: rotary position embedding in HF's rotate_half convention (dimension i pairs with
// i + head_dim/2): the cos / sin table of the tokens' positions and its in-place application.
#include <math.h>

#include "common/rope_math.h"
#include "kernels.h"
#include "launch.cuh"

namespace mos {
namespace cuda {
namespace {

// cos and sin of the f32 angle (common/rope_math.h) evaluated in double and rounded once, as the
// CPU does: the correctly rounded value in all but the rarest ties.
__global__ void rope_table_kernel(int64_t tokens, const int32_t* __restrict__ positions,
                                  int32_t half, const float* __restrict__ inv_freq,
                                  float* __restrict__ cos_out, float* __restrict__ sin_out) {
  const int64_t n = tokens * half;
  for (int64_t e = grid_start(); e < n; e += grid_stride()) {
    const int64_t t = e / half;
    const int32_t i = static_cast<int32_t>(e - t * half);
    const double a = static_cast<double>(rope::angle(positions[t], inv_freq[i]));
    cos_out[e] = static_cast<float>(cos(a));
    sin_out[e] = static_cast<float>(sin(a));
  }
}

// One thread per pair (i, i + half) of one head of one token; blockIdx.y walks tokens.
__global__ void rope_apply_kernel(int64_t tokens, int32_t heads, int32_t head_dim, int64_t ld,
                                  const float* __restrict__ cos_tab,
                                  const float* __restrict__ sin_tab, float sign, float* x) {
  const int32_t half = head_dim / 2;
  const int64_t pairs = static_cast<int64_t>(heads) * half;
  for (int64_t t = blockIdx.y; t < tokens; t += gridDim.y) {
    const float* c = cos_tab + t * half;
    const float* s = sin_tab + t * half;
    for (int64_t e = grid_start(); e < pairs; e += grid_stride()) {
      const int64_t h = e / half;
      const int32_t i = static_cast<int32_t>(e - h * half);
      float* v = x + t * ld + h * head_dim;
      const float a = v[i], b = v[i + half], si = sign * s[i];
      v[i] = a * c[i] + (-b) * si;
      v[i + half] = b * c[i] + a * si;
    }
  }
}

}  // namespace

cudaError_t rope_table(int64_t tokens, const int32_t* positions, int32_t half,
                       const float* inv_freq, float* cos_out, float* sin_out, cudaStream_t stream) {
  if (tokens <= 0 || half <= 0) return cudaSuccess;
  launch(rope_table_kernel, blocks_for(tokens * half), kThreads, stream, tokens, positions, half,
         inv_freq, cos_out, sin_out);
  return cudaGetLastError();
}

cudaError_t rope_apply(int64_t tokens, int32_t heads, int32_t head_dim, int64_t ld,
                       const float* cos_tab, const float* sin_tab, bool inverse, float* x,
                       cudaStream_t stream) {
  if (tokens <= 0 || heads <= 0 || head_dim < 2) return cudaSuccess;
  const int64_t pairs = static_cast<int64_t>(heads) * (head_dim / 2);
  const dim3 grid(blocks_for(pairs, kThreads, 64),
                  static_cast<unsigned>(tokens < 65535 ? tokens : 65535));
  launch(rope_apply_kernel, grid, kThreads, stream, tokens, heads, head_dim, ld, cos_tab, sin_tab,
         inverse ? -1.0f : 1.0f, x);
  return cudaGetLastError();
}

}  // namespace cuda
}  // namespace mos
