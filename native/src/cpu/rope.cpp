// SPDX-License-Identifier: Apache-2.0
// rope.cpp: CpuBackend::rope_table / rope_apply, rotary position embedding in HF's rotate_half
// convention (dimension i pairs with i + head_dim/2), angles from common/rope_math.h.
#include <cmath>

#include "common/rope_math.h"
#include "cpu/cpu_backend.h"

namespace mos {
namespace cpu {

void CpuBackend::rope_table(int64_t tokens, const int32_t* positions, int32_t half,
                            const float* inv_freq, float* cos_out, float* sin_out) {
#pragma omp parallel for num_threads(threads()) \
    schedule(static) if (tokens * half >= kBetweenBlasParallelMin / 16)
  for (int64_t t = 0; t < tokens; ++t) {
    for (int32_t i = 0; i < half; ++i) {
      // HF takes cos / sin of the f32 angle in f32; the double evaluation rounded once is the
      // correctly rounded value of that.
      const double a = static_cast<double>(rope::angle(positions[t], inv_freq[i]));
      cos_out[t * half + i] = static_cast<float>(std::cos(a));
      sin_out[t * half + i] = static_cast<float>(std::sin(a));
    }
  }
}

void CpuBackend::rope_apply(int64_t tokens, int32_t heads, int32_t head_dim, int64_t ld,
                            const float* cos_tab, const float* sin_tab, bool inverse, float* x) {
  const int32_t half = head_dim / 2;
  const float sign = inverse ? -1.0f : 1.0f;
#pragma omp parallel for num_threads(threads()) \
    schedule(static) if (tokens * heads * head_dim >= kBetweenBlasParallelMin)
  for (int64_t t = 0; t < tokens; ++t) {
    const float* c = cos_tab + t * half;
    const float* s = sin_tab + t * half;
    for (int32_t h = 0; h < heads; ++h) {
      float* v = x + t * ld + static_cast<int64_t>(h) * head_dim;
      for (int32_t i = 0; i < half; ++i) {
        const float a = v[i], b = v[i + half], si = sign * s[i];
        // q*cos + rotate_half(q)*sin with rotate_half(q) = cat(-q[half:], q[:half]).
        v[i] = a * c[i] + (-b) * si;
        v[i + half] = b * c[i] + a * si;
      }
    }
  }
}

}  // namespace cpu
}  // namespace mos
