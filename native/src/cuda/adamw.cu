// SPDX-License-Identifier: Apache-2.0
// adamw.cu: one fused AdamW step over a flat f32 array, element update adamw_update from
// common/adamw_update.h (the CPU backend runs the same function). cuda.cmake compiles this file with
// --fmad=false so nvcc does not contract it into FMAs: the step rounds operation by operation,
// as the CPU does, and both backends agree bit for bit.
#include "common/adamw_update.h"
#include "kernels.h"
#include "launch.cuh"

namespace mos {
namespace cuda {
namespace {

__global__ void adamw_kernel(int64_t n, AdamWArgs hp, const float* __restrict__ grad,
                             float* __restrict__ param, float* __restrict__ m,
                             float* __restrict__ v) {
  for (int64_t e = grid_start(); e < n; e += grid_stride()) {
    adamw_update(grad[e], param + e, m + e, v + e, hp.lr, hp.beta1, hp.beta2, hp.eps,
                 hp.weight_decay, hp.bias_correction1, hp.bias_correction2);
  }
}

}  // namespace

cudaError_t adamw(int64_t n, AdamWArgs hp, const float* grad, float* param, float* m, float* v,
                  cudaStream_t stream) {
  if (n <= 0) return cudaSuccess;
  launch(adamw_kernel, blocks_for(n), kThreads, stream, n, hp, grad, param, m, v);
  return cudaGetLastError();
}

}  // namespace cuda
}  // namespace mos
