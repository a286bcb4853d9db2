// SPDX-License-Identifier: Apache-2.0
// pool_scatter_add.cu: adds dA_k / dB_k into the pool gradients (method.md §5): ADD, never overwrite,
// over repeated indices and across layers. Two modes:
//  * atomic (default): one atomicAdd per element. Repeated indices inside one call race, so the
//    rounding order (not the value) may differ between runs.
//  * deterministic: a rank kernel sorts the r*l slots by (index, the CPU's visiting order) into
//    scratch; then the first slot of each run of equal indices owns that destination and adds
//    the run's values one by one in that order. No atomics, so two runs are bit-identical, and
//    the sums are the CPU backend's own: the CPU visits A's slots q = j*l + i in order, and B's
//    rank-inside-shard (i outer, j inner), so B sorts its ties by i*r + j. The sort costs
//    (r*l)^2 index compares (r*l = 2,048 at r = 256, l = 8: 4M compares, spread over the grid).
// Mappings follow shard_gather.cu: A by slot row with t fastest, B in B_k's row-major order.
#include "common/index_math.h"
#include "kernels.h"
#include "launch.cuh"

namespace mos {
namespace cuda {
namespace {

// ---- atomic mode ----------------------------------------------------------------------------
__global__ void scatter_a_atomic(const float* __restrict__ d_a, int64_t s_a,
                                 const int32_t* __restrict__ index, int32_t r, int32_t l,
                                 float* grad_a) {
  const int64_t slots = static_cast<int64_t>(r) * l;
  for (int64_t q = blockIdx.y; q < slots; q += gridDim.y) {
    const int32_t j = static_cast<int32_t>(q / l);
    const int32_t i = static_cast<int32_t>(q - static_cast<int64_t>(j) * l);
    const int64_t dst = idx::a_source(index, l, s_a, j, static_cast<int64_t>(i) * s_a);
    const float* src = d_a + q * s_a;
    for (int64_t t = grid_start(); t < s_a; t += grid_stride()) atomicAdd(grad_a + dst + t, src[t]);
  }
}

__global__ void scatter_b_atomic(const float* __restrict__ d_b, int64_t s_b, int64_t num_shards,
                                 const int32_t* __restrict__ index, int32_t r, int32_t l,
                                 float* grad_b) {
  const int lanes = r < static_cast<int32_t>(blockDim.x) ? r : static_cast<int32_t>(blockDim.x);
  const int rows_per_block = blockDim.x / lanes;
  const int jj = threadIdx.x % lanes;
  const int rr = threadIdx.x / lanes;
  if (rr >= rows_per_block) return;
  const int64_t rows = static_cast<int64_t>(l) * s_b;
  for (int64_t row = static_cast<int64_t>(blockIdx.x) * rows_per_block + rr; row < rows;
       row += static_cast<int64_t>(gridDim.x) * rows_per_block) {
    for (int32_t j = jj; j < r; j += lanes) {
      atomicAdd(grad_b + idx::b_source(index, l, s_b, num_shards, row, j), d_b[row * r + j]);
    }
  }
}

// ---- deterministic mode ---------------------------------------------------------------------
// The position of slot q = j*l + i in the CPU backend's loop: q itself for A; i*r + j for B.
__device__ __forceinline__ int32_t cpu_order(int32_t q, int32_t r, int32_t l, bool b_order) {
  if (!b_order) return q;
  const int32_t j = q / l;
  return (q - j * l) * r + j;
}

// perm[rank(q)] = q, rank by (index[q], cpu_order(q)). O(n^2) compares over n = r*l slots,
// spread over the grid; the index array stays in L1.
__global__ void sort_slots(const int32_t* __restrict__ index, int32_t r, int32_t l, bool b_order,
                           int32_t* perm) {
  const int32_t n = r * l;
  for (int32_t q = blockIdx.x * blockDim.x + threadIdx.x; q < n; q += gridDim.x * blockDim.x) {
    const int32_t key = index[q];
    const int32_t order = cpu_order(q, r, l, b_order);
    int32_t rank = 0;
    for (int32_t p = 0; p < n; ++p) {
      const int32_t other = index[p];
      rank += (other < key) || (other == key && cpu_order(p, r, l, b_order) < order);
    }
    perm[rank] = q;
  }
}

__global__ void scatter_a_sorted(const float* __restrict__ d_a, int64_t s_a,
                                 const int32_t* __restrict__ index, int32_t r, int32_t l,
                                 const int32_t* __restrict__ perm, float* grad_a) {
  const int32_t n = r * l;
  for (int32_t k = blockIdx.y; k < n; k += gridDim.y) {
    const int32_t q = perm[k];
    const int32_t m = index[q];
    if (k > 0 && index[perm[k - 1]] == m) continue;  // not the head of its run
    const int32_t j = q / l;
    const int64_t dst = idx::a_source(index, l, s_a, j, static_cast<int64_t>(q - j * l) * s_a);
    for (int64_t t = grid_start(); t < s_a; t += grid_stride()) {
      float acc = grad_a[dst + t];
      for (int32_t kk = k; kk < n && index[perm[kk]] == m; ++kk) {
        acc += d_a[static_cast<int64_t>(perm[kk]) * s_a + t];
      }
      grad_a[dst + t] = acc;
    }
  }
}

// Threads: x over sorted slots (so a warp updates nearby columns of one pool_B row), y over t.
__global__ void scatter_b_sorted(const float* __restrict__ d_b, int64_t s_b, int64_t num_shards,
                                 const int32_t* __restrict__ index, int32_t r, int32_t l,
                                 const int32_t* __restrict__ perm, float* grad_b) {
  const int32_t n = r * l;
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.y + threadIdx.y; t < s_b;
       t += static_cast<int64_t>(gridDim.x) * blockDim.y) {
    for (int32_t k = threadIdx.x; k < n; k += blockDim.x) {
      const int32_t q = perm[k];
      const int32_t m = index[q];
      if (k > 0 && index[perm[k - 1]] == m) continue;
      const int32_t j = q / l;
      const int64_t dst =
          idx::b_source(index, l, s_b, num_shards, static_cast<int64_t>(q - j * l) * s_b + t, j);
      float acc = grad_b[dst];
      for (int32_t kk = k; kk < n && index[perm[kk]] == m; ++kk) {
        const int32_t qq = perm[kk];
        const int32_t jq = qq / l;
        // dB_k[i*s_b + t, j] for slot qq = j*l + i.
        acc += d_b[(static_cast<int64_t>(qq - jq * l) * s_b + t) * r + jq];
      }
      grad_b[dst] = acc;
    }
  }
}

cudaError_t sort_into_scratch(const int32_t* index, int32_t r, int32_t l, bool b_order,
                              void* scratch, cudaStream_t stream) {
  launch(sort_slots, blocks_for(static_cast<int64_t>(r) * l, 128, 1024), 128, stream, index, r, l,
         b_order, static_cast<int32_t*>(scratch));
  return cudaGetLastError();
}

}  // namespace

size_t scatter_scratch_bytes(int32_t r, int32_t l) {
  return static_cast<size_t>(r) * static_cast<size_t>(l) * sizeof(int32_t);
}

cudaError_t scatter_add_a(const float* d_a, int64_t s_a, const int32_t* index, int32_t r, int32_t l,
                          float* grad_a, bool deterministic, void* scratch, cudaStream_t stream) {
  const int64_t slots = static_cast<int64_t>(r) * l;
  if (slots <= 0 || s_a <= 0) return cudaSuccess;
  const int threads = s_a >= kThreads ? kThreads : static_cast<int>((s_a + 31) / 32 * 32);
  dim3 grid(blocks_for(s_a, threads, 1024), static_cast<unsigned>(slots < 65535 ? slots : 65535));
  if (!deterministic) {
    launch(scatter_a_atomic, grid, threads, stream, d_a, s_a, index, r, l, grad_a);
    return cudaGetLastError();
  }
  cudaError_t e = sort_into_scratch(index, r, l, false, scratch, stream);
  if (e != cudaSuccess) return e;
  launch(scatter_a_sorted, grid, threads, stream, d_a, s_a, index, r, l,
         static_cast<const int32_t*>(scratch), grad_a);
  return cudaGetLastError();
}

cudaError_t scatter_add_b(const float* d_b, int64_t s_b, int64_t num_shards, const int32_t* index,
                          int32_t r, int32_t l, float* grad_b, bool deterministic, void* scratch,
                          cudaStream_t stream) {
  const int64_t rows = static_cast<int64_t>(l) * s_b;
  if (rows <= 0 || r <= 0) return cudaSuccess;
  if (!deterministic) {
    const int lanes = r < kThreads ? r : kThreads;
    const int64_t rows_per_block = kThreads / lanes;
    const int64_t blocks = (rows + rows_per_block - 1) / rows_per_block;
    launch(scatter_b_atomic, static_cast<unsigned>(blocks < kMaxBlocks ? blocks : kMaxBlocks),
           kThreads, stream, d_b, s_b, num_shards, index, r, l, grad_b);
    return cudaGetLastError();
  }
  cudaError_t e = sort_into_scratch(index, r, l, true, scratch, stream);
  if (e != cudaSuccess) return e;
  dim3 block(32, 8);
  launch(scatter_b_sorted, blocks_for(s_b, 8, kMaxBlocks), block, stream, d_b, s_b, num_shards,
         index, r, l, static_cast<const int32_t*>(scratch), grad_b);
  return cudaGetLastError();
}

}  // namespace cuda
}  // namespace mos
