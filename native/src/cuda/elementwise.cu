// SPDX-License-Identifier: Apache-2.0
// elementwise.cu: the small element-wise operations of the backend (axpy, scale, row bias,
// seeded uniform fill, scaled matrix), all grid-stride and coalesced.
#include "common/rng.h"
#include "kernels.h"
#include "launch.cuh"

namespace mos {
namespace cuda {
namespace {

__global__ void axpy_kernel(int64_t n, float alpha, const float* __restrict__ x,
                            float* __restrict__ y) {
  // Rounded like the CPU loop (no FMA contraction): y + (alpha * x).
  for (int64_t e = grid_start(); e < n; e += grid_stride())
    y[e] = __fadd_rn(y[e], __fmul_rn(alpha, x[e]));
}

__global__ void scale_kernel(int64_t n, float s, float* x) {
  for (int64_t e = grid_start(); e < n; e += grid_stride()) x[e] *= s;
}

// blockIdx.y walks rows, x-threads walk columns (no per-element division).
__global__ void row_bias_kernel(int64_t rows, int64_t cols, const float* __restrict__ bias,
                                float* __restrict__ y) {
  for (int64_t row = blockIdx.y; row < rows; row += gridDim.y) {
    for (int64_t col = grid_start(); col < cols; col += grid_stride())
      y[row * cols + col] += bias[col];
  }
}

// Rounded explicitly so the value is bit-identical to the CPU's lo + (hi - lo) * u.
__global__ void uniform_kernel(int64_t n, float lo, float hi, uint64_t seed, uint64_t stream_id,
                               float* p) {
  const float width = __fsub_rn(hi, lo);
  for (int64_t e = grid_start(); e < n; e += grid_stride()) {
    const float u = rng::uniform01(rng::hash3(seed, stream_id, static_cast<uint64_t>(e)));
    p[e] = __fadd_rn(lo, __fmul_rn(width, u));
  }
}

__global__ void scale_matrix_kernel(int64_t m, int64_t n, float beta, float* c, int64_t ldc) {
  for (int64_t row = blockIdx.y; row < m; row += gridDim.y) {
    for (int64_t col = grid_start(); col < n; col += grid_stride()) {
      float* v = c + row * ldc + col;
      *v = beta == 0.0f ? 0.0f : beta * *v;
    }
  }
}

unsigned rows_grid(int64_t rows) { return static_cast<unsigned>(rows < 65535 ? rows : 65535); }

}  // namespace

cudaError_t axpy(int64_t n, float alpha, const float* x, float* y, cudaStream_t stream) {
  if (n <= 0) return cudaSuccess;
  launch(axpy_kernel, blocks_for(n), kThreads, stream, n, alpha, x, y);
  return cudaGetLastError();
}

cudaError_t scale(int64_t n, float s, float* x, cudaStream_t stream) {
  if (n <= 0) return cudaSuccess;
  launch(scale_kernel, blocks_for(n), kThreads, stream, n, s, x);
  return cudaGetLastError();
}

cudaError_t add_row_bias(int64_t rows, int64_t cols, const float* bias, float* y,
                         cudaStream_t stream) {
  if (rows <= 0 || cols <= 0) return cudaSuccess;
  dim3 grid(blocks_for(cols, kThreads, 64), rows_grid(rows));
  launch(row_bias_kernel, grid, kThreads, stream, rows, cols, bias, y);
  return cudaGetLastError();
}

cudaError_t uniform_fill(int64_t n, float lo, float hi, uint64_t seed, uint64_t stream_id, float* p,
                         cudaStream_t stream) {
  if (n <= 0) return cudaSuccess;
  launch(uniform_kernel, blocks_for(n), kThreads, stream, n, lo, hi, seed, stream_id, p);
  return cudaGetLastError();
}

cudaError_t scale_matrix(int64_t m, int64_t n, float beta, float* c, int64_t ldc,
                         cudaStream_t stream) {
  if (m <= 0 || n <= 0) return cudaSuccess;
  dim3 grid(blocks_for(n, kThreads, 64), rows_grid(m));
  launch(scale_matrix_kernel, grid, kThreads, stream, m, n, beta, c, ldc);
  return cudaGetLastError();
}

cudaError_t probe_kernel_image() {
  cudaFuncAttributes attr;
  return cudaFuncGetAttributes(&attr, scale_kernel);
}

}  // namespace cuda
}  // namespace mos
