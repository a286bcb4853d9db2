// SPDX-License-Identifier: Apache-2.0
// rmsnorm.cu: HF's LlamaRMSNorm in f32 (forward, input gradient, weight gradient), as the CPU's
// rmsnorm.cpp computes it: each row's mean of squares accumulated in double, then rounded.
#include <math.h>

#include "block_reduce.cuh"
#include "kernels.h"
#include "launch.cuh"

namespace mos {
namespace cuda {
namespace {

constexpr int kNormThreads = 256;
constexpr int64_t kRowsPerChunk = 32;  // weight gradient: rows summed by one partial
constexpr int64_t kMaxChunks = 1024;

unsigned row_blocks(int64_t rows) { return static_cast<unsigned>(rows < 65535 ? rows : 65535); }

// One block per row: r = 1 / sqrt(float(sum x^2 / cols) + eps) (sqrt and division in f32, like
// torch.rsqrt on the CPU); y = w * (x * r). y may equal x: the row is read whole before any write.
__global__ void __launch_bounds__(kNormThreads)
    rmsnorm_forward_kernel(int64_t rows, int64_t cols, const float* x, const float* __restrict__ w,
                           float eps, float* y, float* __restrict__ inv_rms) {
  __shared__ double red[kNormThreads / 32];
  for (int64_t i = blockIdx.x; i < rows; i += gridDim.x) {
    const float* xi = x + i * cols;
    float* yi = y + i * cols;
    double ss = 0.0;
    for (int64_t j = threadIdx.x; j < cols; j += kNormThreads)
      ss += static_cast<double>(xi[j]) * xi[j];
    ss = block_allreduce<kNormThreads>(ss, red, SumOp());
    const float var = static_cast<float>(ss / static_cast<double>(cols));
    const float r = 1.0f / sqrtf(var + eps);
    for (int64_t j = threadIdx.x; j < cols; j += kNormThreads) yi[j] = w[j] * (xi[j] * r);
    if (inv_rms != nullptr && threadIdx.x == 0) inv_rms[i] = r;
  }
}

// dx_j += r w_j dy_j - x_j c, c = (r^3 / cols) sum_k w_k dy_k x_k (the dot in double).
__global__ void __launch_bounds__(kNormThreads)
    rmsnorm_backward_kernel(int64_t rows, int64_t cols, const float* __restrict__ x,
                            const float* __restrict__ w, const float* __restrict__ inv_rms,
                            const float* __restrict__ dy, float* __restrict__ dx) {
  __shared__ double red[kNormThreads / 32];
  for (int64_t i = blockIdx.x; i < rows; i += gridDim.x) {
    const float* xi = x + i * cols;
    const float* gi = dy + i * cols;
    float* di = dx + i * cols;
    const float r = inv_rms[i];
    double dot = 0.0;
    for (int64_t j = threadIdx.x; j < cols; j += kNormThreads)
      dot += static_cast<double>(w[j]) * gi[j] * xi[j];
    dot = block_allreduce<kNormThreads>(dot, red, SumOp());
    const float c = static_cast<float>(dot * r * r * r / static_cast<double>(cols));
    for (int64_t j = threadIdx.x; j < cols; j += kNormThreads)
      di[j] += r * (w[j] * gi[j]) - xi[j] * c;
  }
}

// Weight gradient, pass 1: partial[chunk, j] = sum over the chunk's rows, ascending, of
// dy[i,j] x[i,j] r[i] in double. Threads walk columns (coalesced), blockIdx.y the chunks.
__global__ void weight_grad_partial(int64_t rows, int64_t cols, int64_t chunk_rows,
                                    const float* __restrict__ x, const float* __restrict__ inv_rms,
                                    const float* __restrict__ dy, double* __restrict__ partial) {
  const int64_t i0 = static_cast<int64_t>(blockIdx.y) * chunk_rows;
  const int64_t i1 = i0 + chunk_rows < rows ? i0 + chunk_rows : rows;
  for (int64_t j = grid_start(); j < cols; j += grid_stride()) {
    double acc = 0.0;
    for (int64_t i = i0; i < i1; ++i)
      acc +=
          static_cast<double>(dy[i * cols + j]) * x[i * cols + j] * static_cast<double>(inv_rms[i]);
    partial[blockIdx.y * cols + j] = acc;
  }
}

// Pass 2: dweight[j] += float(sum of the chunks in order): the same sum every run.
__global__ void weight_grad_finish(int64_t cols, int64_t chunks, const double* __restrict__ partial,
                                   float* __restrict__ dweight) {
  for (int64_t j = grid_start(); j < cols; j += grid_stride()) {
    double acc = 0.0;
    for (int64_t c = 0; c < chunks; ++c) acc += partial[c * cols + j];
    dweight[j] += static_cast<float>(acc);
  }
}

int64_t weight_grad_chunks(int64_t rows) {
  int64_t c = (rows + kRowsPerChunk - 1) / kRowsPerChunk;
  if (c > kMaxChunks) c = kMaxChunks;
  return c < 1 ? 1 : c;
}

}  // namespace

cudaError_t rmsnorm_forward(int64_t rows, int64_t cols, const float* x, const float* weight,
                            float eps, float* y, float* inv_rms, cudaStream_t stream) {
  if (rows <= 0 || cols <= 0) return cudaSuccess;
  launch(rmsnorm_forward_kernel, row_blocks(rows), kNormThreads, stream, rows, cols, x, weight, eps,
         y, inv_rms);
  return cudaGetLastError();
}

cudaError_t rmsnorm_backward(int64_t rows, int64_t cols, const float* x, const float* weight,
                             const float* inv_rms, const float* dy, float* dx,
                             cudaStream_t stream) {
  if (rows <= 0 || cols <= 0) return cudaSuccess;
  launch(rmsnorm_backward_kernel, row_blocks(rows), kNormThreads, stream, rows, cols, x, weight,
         inv_rms, dy, dx);
  return cudaGetLastError();
}

size_t rmsnorm_weight_grad_scratch_bytes(int64_t rows, int64_t cols) {
  if (rows <= 0 || cols <= 0) return 0;
  return static_cast<size_t>(weight_grad_chunks(rows)) * static_cast<size_t>(cols) * sizeof(double);
}

cudaError_t rmsnorm_weight_grad(int64_t rows, int64_t cols, const float* x, const float* inv_rms,
                                const float* dy, float* dweight, void* scratch,
                                cudaStream_t stream) {
  if (rows <= 0 || cols <= 0) return cudaSuccess;
  const int64_t chunks = weight_grad_chunks(rows);
  const int64_t chunk_rows = (rows + chunks - 1) / chunks;
  double* partial = static_cast<double*>(scratch);
  const dim3 grid(blocks_for(cols, kThreads, 64), static_cast<unsigned>(chunks));
  launch(weight_grad_partial, grid, kThreads, stream, rows, cols, chunk_rows, x, inv_rms, dy,
         partial);
  const cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess) return e;
  launch(weight_grad_finish, blocks_for(cols), kThreads, stream, cols, chunks, partial, dweight);
  return cudaGetLastError();
}

}  // namespace cuda
}  // namespace mos
