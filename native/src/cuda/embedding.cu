// SPDX-License-Identifier: Apache-2.0
// embedding.cu: token rows of an F32 or BF16 table widened to f32, the f32 row gather / scatter of
// the decoder (lm_head rows, last tokens), and the embedding's gradient (training the base).
#include "common/bf16.h"
#include "kernels.h"
#include "launch.cuh"

namespace mos {
namespace cuda {
namespace {

constexpr int32_t kGradBuckets = 32;  // embedding_grad: destination rows split by id % buckets

unsigned rows_grid(int64_t n) { return static_cast<unsigned>(n < 65535 ? n : 65535); }

// blockIdx.y walks the rows, x-threads the columns (coalesced on both sides).
template <bool kBf16>
__global__ void embedding_kernel(int64_t n, const int32_t* __restrict__ ids,
                                 const void* __restrict__ table, int64_t cols,
                                 float* __restrict__ out) {
  for (int64_t i = blockIdx.y; i < n; i += gridDim.y) {
    const int64_t row = ids[i];
    for (int64_t j = grid_start(); j < cols; j += grid_stride()) {
      out[i * cols + j] = kBf16 ? bf16::to_f32(static_cast<const uint16_t*>(table)[row * cols + j])
                                : static_cast<const float*>(table)[row * cols + j];
    }
  }
}

// gather: dst[i,:] = src[rows[i],:]; scatter: dst[rows[i],:] = src[i,:].
template <bool kScatter>
__global__ void rows_kernel(int64_t n, const int32_t* __restrict__ rows, int64_t cols,
                            const float* __restrict__ src, float* __restrict__ dst) {
  for (int64_t i = blockIdx.y; i < n; i += gridDim.y) {
    const int64_t r = rows[i];
    const int64_t from = (kScatter ? i : r) * cols, to = (kScatter ? r : i) * cols;
    for (int64_t j = grid_start(); j < cols; j += grid_stride()) dst[to + j] = src[from + j];
  }
}

// dtable[ids[i], j] += dout[i, j] for i ascending. A thread owns column j of the destination
// rows whose id falls in its bucket (blockIdx.y): no destination has two writers, and each one's
// additions come in ascending i, exactly the CPU's order, so the result equals the CPU's bit for
// bit and every run gives the same bits. Ids are read by all threads of a warp at once (a
// broadcast); with many repeats of one id the work of that id is serial, as on the CPU.
__global__ void embedding_grad_kernel(int64_t n, const int32_t* __restrict__ ids, int64_t cols,
                                      const float* __restrict__ dout, float* dtable) {
  const uint32_t bucket = blockIdx.y;
  for (int64_t j = grid_start(); j < cols; j += grid_stride()) {
    for (int64_t i = 0; i < n; ++i) {
      const int32_t id = ids[i];
      if (static_cast<uint32_t>(id) % kGradBuckets != bucket) continue;
      float* d = dtable + static_cast<int64_t>(id) * cols + j;
      *d = *d + dout[i * cols + j];
    }
  }
}

}  // namespace

cudaError_t embedding(int64_t n, const int32_t* ids, const void* table, bool bf16_table,
                      int64_t cols, float* out, cudaStream_t stream) {
  if (n <= 0 || cols <= 0) return cudaSuccess;
  const dim3 grid(blocks_for(cols, kThreads, 16), rows_grid(n));
  if (bf16_table) {
    launch(embedding_kernel<true>, grid, kThreads, stream, n, ids, table, cols, out);
  } else {
    launch(embedding_kernel<false>, grid, kThreads, stream, n, ids, table, cols, out);
  }
  return cudaGetLastError();
}

cudaError_t gather_rows(int64_t n, const int32_t* rows, int64_t cols, const float* src, float* dst,
                        cudaStream_t stream) {
  if (n <= 0 || cols <= 0) return cudaSuccess;
  const dim3 grid(blocks_for(cols, kThreads, 16), rows_grid(n));
  launch(rows_kernel<false>, grid, kThreads, stream, n, rows, cols, src, dst);
  return cudaGetLastError();
}

cudaError_t scatter_rows(int64_t n, const int32_t* rows, int64_t cols, const float* src, float* dst,
                         cudaStream_t stream) {
  if (n <= 0 || cols <= 0) return cudaSuccess;
  const dim3 grid(blocks_for(cols, kThreads, 16), rows_grid(n));
  launch(rows_kernel<true>, grid, kThreads, stream, n, rows, cols, src, dst);
  return cudaGetLastError();
}

cudaError_t embedding_grad(int64_t n, const int32_t* ids, int64_t cols, const float* dout,
                           float* dtable, cudaStream_t stream) {
  if (n <= 0 || cols <= 0) return cudaSuccess;
  const dim3 grid(blocks_for(cols, kThreads, 64), kGradBuckets);
  launch(embedding_grad_kernel, grid, kThreads, stream, n, ids, cols, dout, dtable);
  return cudaGetLastError();
}

}  // namespace cuda
}  // namespace mos
