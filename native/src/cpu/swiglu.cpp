// SPDX-License-Identifier: Apache-2.0
// swiglu.cpp: CpuBackend::swiglu_forward / swiglu_backward, the gated MLP activation
// silu(gate) * up of HF's LlamaMLP (silu(z) = z / (1 + exp(-z)) in f32).
#include <cmath>

#include "cpu/cpu_backend.h"

namespace mos {
namespace cpu {

void CpuBackend::swiglu_forward(int64_t n, const float* gate, const float* up, float* out) {
#pragma omp parallel for num_threads(threads()) schedule(static) if (n >= kBetweenBlasParallelMin)
  for (int64_t e = 0; e < n; ++e) {
    const float g = gate[e];
    out[e] = g / (1.0f + std::exp(-g)) * up[e];
  }
}

// silu'(g) = s (1 + g (1 - s)) with s = sigmoid(g).
void CpuBackend::swiglu_backward(int64_t n, const float* gate, const float* up, const float* dout,
                                 float* dgate, float* dup) {
#pragma omp parallel for num_threads(threads()) schedule(static) if (n >= kBetweenBlasParallelMin)
  for (int64_t e = 0; e < n; ++e) {
    const float g = gate[e], u = up[e], d = dout[e];
    const float s = 1.0f / (1.0f + std::exp(-g));
    const float silu = g * s;
    dgate[e] = d * u * (s * (1.0f + g * (1.0f - s)));
    dup[e] = d * silu;
  }
}

}  // namespace cpu
}  // namespace mos
