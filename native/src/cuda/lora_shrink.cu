// SPDX-License-Identifier: Apache-2.0
// lora_shrink.cu: C[m x n] = alpha * A[m x k] op(B) + beta * C for few rows (tokens) and a small
// n (the rank): u = x A_k^T in forward, du = s * G B_k in backward (Punica/vLLM "shrink").
// cuBLAS tiles such a skinny output poorly; here the long k is split over the grid, each block
// keeps its n partial sums in registers, and a second pass adds the splits in a fixed order
// (deterministic, no atomics). Accumulation in f32, like cuBLAS's CUBLAS_COMPUTE_32F.
#include "kernels.h"
#include "launch.cuh"

namespace mos {
namespace cuda {
namespace {

constexpr int kShrinkThreads = 256;
constexpr int kWarps = kShrinkThreads / 32;

// Block (s, row): partial[row, s, j] = sum over k in split s of A[row, k] * opB[k, j].
// opB[k, j] = b[j * sj + k * sk] with (sj, sk) = (ldb, 1) for B^T, (1, ldb) for B.
template <int NMAX>
__global__ void __launch_bounds__(kShrinkThreads)
    shrink_partial(int64_t n, int64_t k, int64_t chunk, const float* __restrict__ a, int64_t lda,
                   const float* __restrict__ b, int64_t sj, int64_t sk,
                   float* __restrict__ partial) {
  const int64_t row = blockIdx.y;
  const int64_t k0 = static_cast<int64_t>(blockIdx.x) * chunk;
  const int64_t k1 = k0 + chunk < k ? k0 + chunk : k;
  float acc[NMAX];
#pragma unroll
  for (int j = 0; j < NMAX; ++j) acc[j] = 0.0f;
  const float* arow = a + row * lda;
  for (int64_t kk = k0 + threadIdx.x; kk < k1; kk += kShrinkThreads) {
    const float x = arow[kk];
    const float* bk = b + kk * sk;
#pragma unroll
    for (int j = 0; j < NMAX; ++j) {
      if (j < n) acc[j] += x * bk[j * sj];
    }
  }
  __shared__ float red[kWarps][NMAX];
  const int lane = threadIdx.x & 31;
  const int warp = threadIdx.x >> 5;
#pragma unroll
  for (int j = 0; j < NMAX; ++j) {
    float v = acc[j];
#pragma unroll
    for (int off = 16; off > 0; off >>= 1) v += __shfl_xor_sync(0xffffffffu, v, off);
    if (lane == 0) red[warp][j] = v;
  }
  __syncthreads();
  if (threadIdx.x < n) {
    float sum = 0.0f;
#pragma unroll
    for (int w = 0; w < kWarps; ++w) sum += red[w][threadIdx.x];
    partial[(row * gridDim.x + blockIdx.x) * n + threadIdx.x] = sum;
  }
}

__global__ void shrink_finish(int64_t m, int64_t n, int32_t splits, float alpha,
                              const float* __restrict__ partial, float beta, float* c,
                              int64_t ldc) {
  for (int64_t e = grid_start(); e < m * n; e += grid_stride()) {
    const int64_t row = e / n;
    const int64_t j = e - row * n;
    float sum = 0.0f;
    for (int32_t s = 0; s < splits; ++s) sum += partial[(row * splits + s) * n + j];
    float* out = c + row * ldc + j;
    *out = beta == 0.0f ? alpha * sum : alpha * sum + beta * *out;
  }
}

}  // namespace

int32_t shrink_splits(int64_t m, int64_t k, int32_t sm_count) {
  if (m < 1) m = 1;
  if (sm_count < 1) sm_count = 1;
  // About two blocks per SM in total, each thread doing at least four steps of its split.
  int64_t s = (2 * static_cast<int64_t>(sm_count) + m - 1) / m;
  const int64_t by_k = (k + 4 * kShrinkThreads - 1) / (4 * kShrinkThreads);
  if (s > by_k) s = by_k;
  if (s < 1) s = 1;
  return static_cast<int32_t>(s);
}

size_t shrink_scratch_bytes(int64_t m, int64_t n, int32_t splits) {
  return static_cast<size_t>(m) * static_cast<size_t>(n) * static_cast<size_t>(splits) *
         sizeof(float);
}

cudaError_t lora_shrink(bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                        int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc,
                        int32_t splits, void* scratch, cudaStream_t stream) {
  if (m <= 0 || n <= 0) return cudaSuccess;
  if (m > kShrinkMaxM || n > kShrinkMaxN || splits < 1) return cudaErrorInvalidValue;
  const int64_t sj = trans_b ? ldb : 1;
  const int64_t sk = trans_b ? 1 : ldb;
  const int64_t chunk = (k + splits - 1) / splits;
  float* partial = static_cast<float*>(scratch);
  dim3 grid(static_cast<unsigned>(splits), static_cast<unsigned>(m));
  if (n <= 16) {
    launch(shrink_partial<16>, grid, kShrinkThreads, stream, n, k, chunk, a, lda, b, sj, sk,
           partial);
  } else if (n <= 32) {
    launch(shrink_partial<32>, grid, kShrinkThreads, stream, n, k, chunk, a, lda, b, sj, sk,
           partial);
  } else {
    launch(shrink_partial<64>, grid, kShrinkThreads, stream, n, k, chunk, a, lda, b, sj, sk,
           partial);
  }
  cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess) return e;
  launch(shrink_finish, blocks_for(m * n), kThreads, stream, m, n, splits, alpha, partial, beta, c,
         ldc);
  return cudaGetLastError();
}

}  // namespace cuda
}  // namespace mos
