// SPDX-License-Identifier: Apache-2.0
// grad_norm.cu: sum of squares of a flat f32 array, accumulated in double, for the global
// gradient norm (clip_grad_norm_). A fixed grid writes one partial per block and one block adds
// the partials in index order, so the result is bit-identical from run to run.
#include "kernels.h"
#include "launch.cuh"

namespace mos {
namespace cuda {
namespace {

constexpr int kPartials = 1024;  // blocks of the first pass (at most)

__device__ double block_sum(double v, double* shared) {
  for (int off = 16; off > 0; off >>= 1) v += __shfl_xor_sync(0xffffffffu, v, off);
  const int lane = threadIdx.x & 31;
  const int warp = threadIdx.x >> 5;
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  double total = 0.0;
  if (threadIdx.x == 0) {
    for (int w = 0; w < static_cast<int>(blockDim.x >> 5); ++w) total += shared[w];
  }
  return total;  // valid in thread 0
}

__global__ void sum_squares_partial(int64_t n, const float* __restrict__ x, double* partial) {
  __shared__ double shared[32];
  double acc = 0.0;
  for (int64_t e = grid_start(); e < n; e += grid_stride()) {
    const double v = x[e];
    acc += v * v;
  }
  const double total = block_sum(acc, shared);
  if (threadIdx.x == 0) partial[blockIdx.x] = total;
}

__global__ void sum_squares_finish(int num_partials, const double* __restrict__ partial,
                                   double* out) {
  __shared__ double shared[32];
  double acc = 0.0;
  for (int i = threadIdx.x; i < num_partials; i += blockDim.x) acc += partial[i];
  const double total = block_sum(acc, shared);
  if (threadIdx.x == 0) *out = total;
}

}  // namespace

size_t sum_squares_scratch_bytes() { return (kPartials + 1) * sizeof(double); }

cudaError_t sum_squares(int64_t n, const float* x, void* scratch, double** result,
                        cudaStream_t stream) {
  double* partial = static_cast<double*>(scratch);
  double* out = partial + kPartials;
  *result = out;
  if (n <= 0) return cudaMemsetAsync(out, 0, sizeof(double), stream);
  const unsigned blocks = blocks_for(n, kThreads, kPartials);
  launch(sum_squares_partial, blocks, kThreads, stream, n, x, partial);
  cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess) return e;
  launch(sum_squares_finish, 1, kThreads, stream, static_cast<int>(blocks), partial, out);
  return cudaGetLastError();
}

}  // namespace cuda
}  // namespace mos
