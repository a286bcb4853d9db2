// SPDX-License-Identifier: Apache-2.0
// gemm_bf16.cu: products of f32 rows with a frozen BF16 weight W [n x k] for few rows (decode):
// y = x W^T + beta y and dx = dy W + beta dx, streaming W once from memory and widening it in
// registers (exact: common/bf16.h). x stays f32 and every product and sum is f32, as a
// float32-loaded Hugging Face model computes. More rows go through cuBLAS on widened panels of W
// (CudaBackend::gemm_bf16_nt / _nn, cuda_backend.cpp).
#include "common/bf16.h"
#include "kernels.h"
#include "launch.cuh"

namespace mos {
namespace cuda {
namespace {

constexpr int kGemvThreads = 256;
constexpr int kGemvWarps = kGemvThreads / 32;
constexpr int kRowsPerWarp = 4;        // nt: W rows (outputs) a warp computes together
constexpr int64_t kSplitMinRows = 16;  // nn: fewest W rows one split walks

__device__ __forceinline__ void widen8(uint4 h, float (&w)[8]) {
  const unsigned v[4] = {h.x, h.y, h.z, h.w};
#pragma unroll
  for (int e = 0; e < 4; ++e) {
    w[2 * e] = bf16::to_f32(static_cast<uint16_t>(v[e] & 0xffffu));
    w[2 * e + 1] = bf16::to_f32(static_cast<uint16_t>(v[e] >> 16));
  }
}

// y[r, j] = sum_c x[r, c] W[j, c] (+ beta y) for r < m <= M. Each warp computes kRowsPerWarp
// outputs j at once; its lanes stride over c, 8 bf16 (16 bytes) at a time when kVec (k % 8 == 0,
// x 16-byte aligned with ldx % 4 == 0), one at a time otherwise; a warp shuffle adds the lanes.
template <int M, bool kVec>
__global__ void __launch_bounds__(kGemvThreads)
    nt_stream_kernel(int64_t m, int64_t n, int64_t k, const float* __restrict__ x, int64_t ldx,
                     const uint16_t* __restrict__ w, float beta, float* __restrict__ y,
                     int64_t ldy) {
  const int lane = threadIdx.x & 31;
  const int64_t warp = static_cast<int64_t>(blockIdx.x) * kGemvWarps + (threadIdx.x >> 5);
  const int64_t warps = static_cast<int64_t>(gridDim.x) * kGemvWarps;
  for (int64_t j0 = warp * kRowsPerWarp; j0 < n; j0 += warps * kRowsPerWarp) {
    float acc[kRowsPerWarp][M];
#pragma unroll
    for (int q = 0; q < kRowsPerWarp; ++q)
#pragma unroll
      for (int r = 0; r < M; ++r) acc[q][r] = 0.0f;
    if (kVec) {
      for (int64_t c = static_cast<int64_t>(lane) * 8; c < k; c += 32 * 8) {
        float xv[M][8];
#pragma unroll
        for (int r = 0; r < M; ++r) {
          if (r < m) {
            const float4 a = *reinterpret_cast<const float4*>(x + r * ldx + c);
            const float4 b = *reinterpret_cast<const float4*>(x + r * ldx + c + 4);
            xv[r][0] = a.x, xv[r][1] = a.y, xv[r][2] = a.z, xv[r][3] = a.w;
            xv[r][4] = b.x, xv[r][5] = b.y, xv[r][6] = b.z, xv[r][7] = b.w;
          } else {
#pragma unroll
            for (int e = 0; e < 8; ++e) xv[r][e] = 0.0f;
          }
        }
#pragma unroll
        for (int q = 0; q < kRowsPerWarp; ++q) {
          if (j0 + q >= n) continue;
          float wv[8];
          widen8(*reinterpret_cast<const uint4*>(w + (j0 + q) * k + c), wv);
#pragma unroll
          for (int r = 0; r < M; ++r)
#pragma unroll
            for (int e = 0; e < 8; ++e) acc[q][r] += xv[r][e] * wv[e];
        }
      }
    } else {
      for (int64_t c = lane; c < k; c += 32) {
#pragma unroll
        for (int q = 0; q < kRowsPerWarp; ++q) {
          if (j0 + q >= n) continue;
          const float wv = bf16::to_f32(w[(j0 + q) * k + c]);
#pragma unroll
          for (int r = 0; r < M; ++r)
            if (r < m) acc[q][r] += x[r * ldx + c] * wv;
        }
      }
    }
#pragma unroll
    for (int q = 0; q < kRowsPerWarp; ++q) {
#pragma unroll
      for (int r = 0; r < M; ++r) {
        float v = acc[q][r];
#pragma unroll
        for (int off = 16; off > 0; off >>= 1) v += __shfl_xor_sync(0xffffffffu, v, off);
        acc[q][r] = v;
      }
    }
    if (lane == 0) {
#pragma unroll
      for (int q = 0; q < kRowsPerWarp; ++q) {
        if (j0 + q >= n) continue;
#pragma unroll
        for (int r = 0; r < M; ++r) {
          if (r >= m) continue;
          float* out = y + r * ldy + j0 + q;
          *out = beta == 0.0f ? acc[q][r] : acc[q][r] + beta * *out;
        }
      }
    }
  }
}

// dx[r, c] (split s) = sum over W rows j of split s of dy[r, j] W[j, c]. A thread owns 8
// consecutive columns c (kVec: k % 8 == 0) or one; blockIdx.y is the split. One split writes dx
// directly (with beta); several write partials [split][m][k] that nn_finish adds in order.
template <int M, bool kVec>
__global__ void __launch_bounds__(kGemvThreads)
    nn_stream_kernel(int64_t m, int64_t n, int64_t k, const float* __restrict__ dy, int64_t lddy,
                     const uint16_t* __restrict__ w, int64_t split_rows, float beta,
                     float* __restrict__ dx, int64_t lddx, float* __restrict__ partial) {
  constexpr int kCols = kVec ? 8 : 1;
  const int64_t j0 = static_cast<int64_t>(blockIdx.y) * split_rows;
  const int64_t j1 = j0 + split_rows < n ? j0 + split_rows : n;
  for (int64_t c = grid_start() * kCols; c < k; c += grid_stride() * kCols) {
    float acc[M][kCols];
#pragma unroll
    for (int r = 0; r < M; ++r)
#pragma unroll
      for (int e = 0; e < kCols; ++e) acc[r][e] = 0.0f;
    for (int64_t j = j0; j < j1; ++j) {
      float wv[kCols];
      if (kVec) {
        float w8[8];
        widen8(*reinterpret_cast<const uint4*>(w + j * k + c), w8);
#pragma unroll
        for (int e = 0; e < kCols; ++e) wv[e] = w8[e];
      } else {
        wv[0] = bf16::to_f32(w[j * k + c]);
      }
#pragma unroll
      for (int r = 0; r < M; ++r) {
        if (r >= m) continue;
        const float g = dy[r * lddy + j];
#pragma unroll
        for (int e = 0; e < kCols; ++e) acc[r][e] += g * wv[e];
      }
    }
#pragma unroll
    for (int r = 0; r < M; ++r) {
      if (r >= m) continue;
#pragma unroll
      for (int e = 0; e < kCols; ++e) {
        if (partial != nullptr) {
          partial[(static_cast<int64_t>(blockIdx.y) * m + r) * k + c + e] = acc[r][e];
        } else {
          float* out = dx + r * lddx + c + e;
          *out = beta == 0.0f ? acc[r][e] : acc[r][e] + beta * *out;
        }
      }
    }
  }
}

__global__ void nn_finish(int64_t m, int64_t k, int32_t splits, const float* __restrict__ partial,
                          float beta, float* __restrict__ dx, int64_t lddx) {
  for (int64_t e = grid_start(); e < m * k; e += grid_stride()) {
    const int64_t r = e / k, c = e - r * k;
    float sum = 0.0f;
    for (int32_t s = 0; s < splits; ++s) sum += partial[(static_cast<int64_t>(s) * m + r) * k + c];
    float* out = dx + r * lddx + c;
    *out = beta == 0.0f ? sum : sum + beta * *out;
  }
}

bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15u) == 0; }

template <bool kVec>
cudaError_t nt_dispatch(int64_t m, int64_t n, int64_t k, const float* x, int64_t ldx,
                        const uint16_t* w, float beta, float* y, int64_t ldy, cudaStream_t stream) {
  const unsigned blocks = blocks_for(n, kGemvWarps * kRowsPerWarp);
  if (m == 1) {
    launch(nt_stream_kernel<1, kVec>, blocks, kGemvThreads, stream, m, n, k, x, ldx, w, beta, y,
           ldy);
  } else if (m == 2) {
    launch(nt_stream_kernel<2, kVec>, blocks, kGemvThreads, stream, m, n, k, x, ldx, w, beta, y,
           ldy);
  } else if (m <= 4) {
    launch(nt_stream_kernel<4, kVec>, blocks, kGemvThreads, stream, m, n, k, x, ldx, w, beta, y,
           ldy);
  } else {
    launch(nt_stream_kernel<8, kVec>, blocks, kGemvThreads, stream, m, n, k, x, ldx, w, beta, y,
           ldy);
  }
  return cudaGetLastError();
}

template <bool kVec>
cudaError_t nn_dispatch(dim3 grid, int64_t m, int64_t n, int64_t k, const float* dy, int64_t lddy,
                        const uint16_t* w, int64_t split_rows, float beta, float* dx, int64_t lddx,
                        float* partial, cudaStream_t stream) {
  if (m == 1) {
    launch(nn_stream_kernel<1, kVec>, grid, kGemvThreads, stream, m, n, k, dy, lddy, w, split_rows,
           beta, dx, lddx, partial);
  } else if (m == 2) {
    launch(nn_stream_kernel<2, kVec>, grid, kGemvThreads, stream, m, n, k, dy, lddy, w, split_rows,
           beta, dx, lddx, partial);
  } else if (m <= 4) {
    launch(nn_stream_kernel<4, kVec>, grid, kGemvThreads, stream, m, n, k, dy, lddy, w, split_rows,
           beta, dx, lddx, partial);
  } else {
    launch(nn_stream_kernel<8, kVec>, grid, kGemvThreads, stream, m, n, k, dy, lddy, w, split_rows,
           beta, dx, lddx, partial);
  }
  return cudaGetLastError();
}

unsigned nn_col_blocks(int64_t k, bool vec) {
  return blocks_for(vec ? (k + 7) / 8 : k, kGemvThreads);
}

}  // namespace

int32_t bf16_nn_splits(int64_t m, int64_t n, int64_t k, int32_t sm_count) {
  if (m <= 0 || n <= 0 || k <= 0) return 1;
  // About two blocks per SM, each split walking at least kSplitMinRows rows of W.
  const int64_t cols = nn_col_blocks(k, k % 8 == 0);
  int64_t s = (2 * static_cast<int64_t>(sm_count < 1 ? 1 : sm_count) + cols - 1) / cols;
  const int64_t by_rows = (n + kSplitMinRows - 1) / kSplitMinRows;
  if (s > by_rows) s = by_rows;
  if (s > 1024) s = 1024;
  return static_cast<int32_t>(s < 1 ? 1 : s);
}

size_t bf16_nn_scratch_bytes(int64_t m, int32_t splits, int64_t k) {
  return splits > 1 ? static_cast<size_t>(splits) * static_cast<size_t>(m) *
                          static_cast<size_t>(k) * sizeof(float)
                    : 0;
}

cudaError_t gemm_bf16_nt_stream(int64_t m, int64_t n, int64_t k, const float* x, int64_t ldx,
                                const uint16_t* w, float beta, float* y, int64_t ldy,
                                cudaStream_t stream) {
  if (m <= 0 || n <= 0) return cudaSuccess;
  if (m > kBf16StreamMaxM) return cudaErrorInvalidValue;
  const bool vec = k % 8 == 0 && ldx % 4 == 0 && aligned16(x) && aligned16(w);
  return vec ? nt_dispatch<true>(m, n, k, x, ldx, w, beta, y, ldy, stream)
             : nt_dispatch<false>(m, n, k, x, ldx, w, beta, y, ldy, stream);
}

cudaError_t gemm_bf16_nn_stream(int64_t m, int64_t n, int64_t k, const float* dy, int64_t lddy,
                                const uint16_t* w, float beta, float* dx, int64_t lddx,
                                int32_t splits, void* scratch, cudaStream_t stream) {
  if (m <= 0 || k <= 0) return cudaSuccess;
  if (m > kBf16StreamMaxM || splits < 1) return cudaErrorInvalidValue;
  if (n <= 0) return scale_matrix(m, k, beta, dx, lddx, stream);
  const bool vec = k % 8 == 0 && aligned16(w);
  const int64_t split_rows = (n + splits - 1) / splits;
  float* partial = splits > 1 ? static_cast<float*>(scratch) : nullptr;
  const dim3 grid(nn_col_blocks(k, vec), static_cast<unsigned>(splits));
  const cudaError_t e = vec ? nn_dispatch<true>(grid, m, n, k, dy, lddy, w, split_rows, beta, dx,
                                                lddx, partial, stream)
                            : nn_dispatch<false>(grid, m, n, k, dy, lddy, w, split_rows, beta, dx,
                                                 lddx, partial, stream);
  if (e != cudaSuccess || splits == 1) return e;
  launch(nn_finish, blocks_for(m * k), kThreads, stream, m, k, splits, partial, beta, dx, lddx);
  return cudaGetLastError();
}

}  // namespace cuda
}  // namespace mos
