// SPDX-License-Identifier: Apache-2.0
// lora_expand.cu: C[m x n] = alpha * op(A)[m x k] op(B)[k x n] + beta * C for few rows m and a
// small inner k (the rank or the token count): y += s * u B_k^T, dx += du A_k, dA = du^T x_d.
// Each thread owns one column of C: it keeps op(B)'s k values of that column in registers and
// the whole small op(A) sits in shared memory, so C and B stream through once, coalesced over n.
#include "kernels.h"
#include "launch.cuh"

namespace mos {
namespace cuda {
namespace {

template <int KMAX>
__global__ void __launch_bounds__(kThreads)
    expand_kernel(int64_t m, int64_t n, int64_t k, float alpha, const float* __restrict__ a,
                  int64_t ai, int64_t ak, const float* __restrict__ b, int64_t bk, int64_t bn,
                  float beta, float* c, int64_t ldc) {
  // op(A)[row, kk] = a[row * ai + kk * ak]; op(B)[kk, col] = b[kk * bk + col * bn].
  __shared__ float sa[kExpandMaxM * KMAX];
  // Padding columns kk >= k are zero (never garbage: 0 * NaN would poison the dot product).
  for (int e = threadIdx.x; e < static_cast<int>(m) * KMAX; e += blockDim.x) {
    const int row = e / KMAX;
    const int kk = e - row * KMAX;
    sa[e] = kk < k ? a[row * ai + kk * ak] : 0.0f;
  }
  __syncthreads();
  for (int64_t col = grid_start(); col < n; col += grid_stride()) {
    float bv[KMAX];
#pragma unroll
    for (int kk = 0; kk < KMAX; ++kk) bv[kk] = kk < k ? b[kk * bk + col * bn] : 0.0f;
    for (int64_t row = 0; row < m; ++row) {
      float dot = 0.0f;
#pragma unroll
      for (int kk = 0; kk < KMAX; ++kk) dot += sa[row * KMAX + kk] * bv[kk];
      float* out = c + row * ldc + col;
      *out = beta == 0.0f ? alpha * dot : alpha * dot + beta * *out;
    }
  }
}

}  // namespace

cudaError_t lora_expand(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                        const float* a, int64_t lda, const float* b, int64_t ldb, float beta,
                        float* c, int64_t ldc, cudaStream_t stream) {
  if (m <= 0 || n <= 0) return cudaSuccess;
  if (m > kExpandMaxM || k > kExpandMaxK || k < 0) return cudaErrorInvalidValue;
  const int64_t ai = trans_a ? 1 : lda;
  const int64_t ak = trans_a ? lda : 1;
  const int64_t bk = trans_b ? 1 : ldb;
  const int64_t bn = trans_b ? ldb : 1;
  // One column per thread: narrow blocks for a few thousand columns so the grid still spreads
  // over all SMs (4096 columns -> 64 blocks), full blocks for wide outputs.
  const int threads = n >= 32768 ? kThreads : 64;
  const unsigned grid = blocks_for(n, threads);
  if (k <= 16) {
    launch(expand_kernel<16>, grid, threads, stream, m, n, k, alpha, a, ai, ak, b, bk, bn, beta, c,
           ldc);
  } else if (k <= 32) {
    launch(expand_kernel<32>, grid, threads, stream, m, n, k, alpha, a, ai, ak, b, bk, bn, beta, c,
           ldc);
  } else {
    launch(expand_kernel<64>, grid, threads, stream, m, n, k, alpha, a, ai, ak, b, bk, bn, beta, c,
           ldc);
  }
  return cudaGetLastError();
}

}  // namespace cuda
}  // namespace mos
