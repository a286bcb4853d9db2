// SPDX-License-Identifier: Apache-2.0
// launch.cuh: launch helpers shared by the kernel files: grid sizes (grid-stride loops
// everywhere, so a capped grid covers any n) and launch() in place of <<<...>>>.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace mos {
namespace cuda {

constexpr int kThreads = 256;
// Enough blocks to fill an H100/H200 many times over; grid-stride loops cover the rest.
constexpr int64_t kMaxBlocks = 8192;

inline unsigned blocks_for(int64_t n, int threads = kThreads, int64_t cap = kMaxBlocks) {
  int64_t b = (n + threads - 1) / threads;
  if (b < 1) b = 1;
  if (b > cap) b = cap;
  return static_cast<unsigned>(b);
}

// First element and stride of a 1-D grid-stride loop, in 64 bits.
__device__ __forceinline__ int64_t grid_start() {
  return static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}
__device__ __forceinline__ int64_t grid_stride() {
  return static_cast<int64_t>(gridDim.x) * blockDim.x;
}

// kernel<<<grid, block, 0, stream>>>(args...). A function rather than the launch syntax so that
// the tests' CPU emulator (tests/native/cuda/emu, MOS_CUDA_EMULATION) runs the very same kernels
// through g++; callers still return cudaGetLastError() afterwards.
template <class... Params, class... Args>
inline void launch(void (*kernel)(Params...), dim3 grid, dim3 block, cudaStream_t stream,
                   Args... args) {
#if defined(MOS_CUDA_EMULATION)
  (void)stream;
  mos_emu::launch(grid, block, [=] { kernel(static_cast<Params>(args)...); });
#else
  // clang-format 14 splits the launch brackets in a .cuh file:
  // clang-format off
  kernel<<<grid, block, 0, stream>>>(static_cast<Params>(args)...);
  // clang-format on
#endif
}

}  // namespace cuda
}  // namespace mos
