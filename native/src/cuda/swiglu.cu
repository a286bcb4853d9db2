// SPDX-License-Identifier: Apache-2.0
// swiglu.cu: the gated MLP activation of HF's LlamaMLP, out = silu(gate) * up with
// silu(z) = z / (1 + exp(-z)) in f32, and its gradient (element-wise, grid-stride).
#include <math.h>

#include "kernels.h"
#include "launch.cuh"

namespace mos {
namespace cuda {
namespace {

__global__ void swiglu_forward_kernel(int64_t n, const float* __restrict__ gate,
                                      const float* __restrict__ up, float* __restrict__ out) {
  for (int64_t e = grid_start(); e < n; e += grid_stride()) {
    const float g = gate[e];
    out[e] = g / (1.0f + expf(-g)) * up[e];
  }
}

// silu'(g) = s (1 + g (1 - s)), s = sigmoid(g). dgate / dup may alias dout (read first).
__global__ void swiglu_backward_kernel(int64_t n, const float* __restrict__ gate,
                                       const float* __restrict__ up, const float* dout,
                                       float* dgate, float* dup) {
  for (int64_t e = grid_start(); e < n; e += grid_stride()) {
    const float g = gate[e], u = up[e], d = dout[e];
    const float s = 1.0f / (1.0f + expf(-g));
    const float silu = g * s;
    dgate[e] = d * u * (s * (1.0f + g * (1.0f - s)));
    dup[e] = d * silu;
  }
}

}  // namespace

cudaError_t swiglu_forward(int64_t n, const float* gate, const float* up, float* out,
                           cudaStream_t stream) {
  if (n <= 0) return cudaSuccess;
  launch(swiglu_forward_kernel, blocks_for(n), kThreads, stream, n, gate, up, out);
  return cudaGetLastError();
}

cudaError_t swiglu_backward(int64_t n, const float* gate, const float* up, const float* dout,
                            float* dgate, float* dup, cudaStream_t stream) {
  if (n <= 0) return cudaSuccess;
  launch(swiglu_backward_kernel, blocks_for(n), kThreads, stream, n, gate, up, dout, dgate, dup);
  return cudaGetLastError();
}

}  // namespace cuda
}  // namespace mos
