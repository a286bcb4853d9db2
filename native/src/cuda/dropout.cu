// SPDX-License-Identifier: Apache-2.0
// dropout.cu: inverted dropout with the counter-based mask of common/rng.h
// (dropout_keep), so the CPU and the GPU drop exactly the same elements for the same keys.
#include "common/rng.h"
#include "kernels.h"
#include "launch.cuh"

namespace mos {
namespace cuda {
namespace {

__global__ void dropout_kernel(const float* x, int64_t n, float rate, uint64_t seed,
                               uint64_t counter, float* out) {
  const float keep_scale = 1.0f - rate;
  for (int64_t e = grid_start(); e < n; e += grid_stride()) {
    // x and out may alias: read before write, one element per thread.
    const float v = x[e];
    out[e] = rng::dropout_keep(seed, counter, e, rate) ? v / keep_scale : 0.0f;
  }
}

}  // namespace

cudaError_t dropout(const float* x, int64_t n, float rate, uint64_t seed, uint64_t counter,
                    float* out, cudaStream_t stream) {
  if (n <= 0) return cudaSuccess;
  launch(dropout_kernel, blocks_for(n), kThreads, stream, x, n, rate, seed, counter, out);
  return cudaGetLastError();
}

}  // namespace cuda
}  // namespace mos
