// SPDX-License-Identifier: Apache-2.0
// block_reduce.cuh: warp and block reductions of the decoder kernels (rmsnorm.cu,
// cross_entropy.cu, attention), in a fixed order so that every result is run-to-run deterministic.
#pragma once

#include <cuda_runtime.h>

namespace mos {
namespace cuda {

struct SumOp {
  template <class T>
  __device__ __forceinline__ T operator()(T a, T b) const {
    return a + b;
  }
};
struct MaxOp {  // the CPU's `b > a ? b : a`
  __device__ __forceinline__ float operator()(float a, float b) const { return b > a ? b : a; }
};

// Sum over the G consecutive lanes of a group (G divides 32; every lane of the warp calls it).
template <int G, class T>
__device__ __forceinline__ T group_sum(T v) {
#pragma unroll
  for (int off = G / 2; off > 0; off >>= 1) v += __shfl_xor_sync(0xffffffffu, v, off);
  return v;
}

// Every thread of a block of THREADS (a multiple of 32) gets op over all threads' v. shm holds
// THREADS / 32 values; all threads must call it (it synchronizes twice).
template <int THREADS, class T, class Op>
__device__ __forceinline__ T block_allreduce(T v, T* shm, Op op) {
#pragma unroll
  for (int off = 16; off > 0; off >>= 1) v = op(v, __shfl_xor_sync(0xffffffffu, v, off));
  if ((threadIdx.x & 31) == 0) shm[threadIdx.x >> 5] = v;
  __syncthreads();
  T r = shm[0];
#pragma unroll
  for (int w = 1; w < THREADS / 32; ++w) r = op(r, shm[w]);
  __syncthreads();  // shm may be reused by the next call
  return r;
}

}  // namespace cuda
}  // namespace mos
