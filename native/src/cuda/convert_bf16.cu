// SPDX-License-Identifier: Apache-2.0
// convert_bf16.cu: bf16 <-> f32 conversion of activations and base weights stored as
// MOS_DTYPE_BF16, with the rounding of common/bf16.h (the CPU backend's, bit for bit).
// Grid-stride and coalesced: one 2-byte load and one 4-byte store per element, or the reverse.
#include "common/bf16.h"
#include "kernels.h"
#include "launch.cuh"

namespace mos {
namespace cuda {
namespace {

__global__ void bf16_to_f32_kernel(const uint16_t* __restrict__ src, int64_t n,
                                   float* __restrict__ dst) {
  for (int64_t e = grid_start(); e < n; e += grid_stride()) dst[e] = bf16::to_f32(src[e]);
}

__global__ void f32_to_bf16_kernel(const float* __restrict__ src, int64_t n,
                                   uint16_t* __restrict__ dst) {
  for (int64_t e = grid_start(); e < n; e += grid_stride()) dst[e] = bf16::from_f32(src[e]);
}

}  // namespace

cudaError_t bf16_to_f32(const void* src, int64_t n, float* dst, cudaStream_t stream) {
  if (n <= 0) return cudaSuccess;
  launch(bf16_to_f32_kernel, blocks_for(n), kThreads, stream, static_cast<const uint16_t*>(src), n,
         dst);
  return cudaGetLastError();
}

cudaError_t f32_to_bf16(const float* src, int64_t n, void* dst, cudaStream_t stream) {
  if (n <= 0) return cudaSuccess;
  launch(f32_to_bf16_kernel, blocks_for(n), kThreads, stream, src, n, static_cast<uint16_t*>(dst));
  return cudaGetLastError();
}

}  // namespace cuda
}  // namespace mos
