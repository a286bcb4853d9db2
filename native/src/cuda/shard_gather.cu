// SPDX-License-Identifier: Apache-2.0
// shard_gather.cu: assembles A_k [r x d_in] and B_k [d_out x r] from the shard pools (method.md §3),
// with the index arithmetic of common/index_math.h (a_source, b_source).
//
// Memory mapping (why each kernel is shaped the way it is):
//  * A: slot q = j*l + i of the index is one row of pool_A (s_a contiguous floats) and lands in
//    one contiguous run of A_k (A_k viewed as [r*l x s_a] has slot q as row q). One block row per
//    slot, consecutive threads on consecutive t: reads and writes are both fully coalesced (and
//    float4-wide when s_a % 4 == 0 and the pointers are 16-byte aligned).
//  * B: pool_B is [s_b x P] row-major, so a B-shard is a COLUMN (stride P). Walking a shard
//    along t (the A mapping) would make every read and every write strided. But B_k's row
//    i*s_b + t and pool_B's row t share t: B_k row (i, t) is r elements gathered from the single
//    pool_B row t. So threads walk B_k in its natural row-major order (j fastest): writes are
//    one contiguous stream, and the reads of a warp stay within one or a few pool_B rows, where
//    distinct needed columns cost one 32-byte sector each; that is the minimum the [s_b x P]
//    layout allows, so a shared-memory transpose would buy nothing (there is nothing to
//    transpose: both sides are indexed by row t). See docs/cuda.md.
#include <type_traits>

#include "common/index_math.h"
#include "kernels.h"
#include "launch.cuh"

namespace mos {
namespace cuda {
namespace {

template <int VEC>
__global__ void gather_a_kernel(const float* __restrict__ pool_a, int64_t s_a,
                                const int32_t* __restrict__ index, int32_t r, int32_t l,
                                float* __restrict__ a_out) {
  using V = typename std::conditional<VEC == 4, float4, float>::type;
  const int64_t slots = static_cast<int64_t>(r) * l;
  const int64_t width = s_a / VEC;
  for (int64_t q = blockIdx.y; q < slots; q += gridDim.y) {
    const int32_t j = static_cast<int32_t>(q / l);
    const int32_t i = static_cast<int32_t>(q - static_cast<int64_t>(j) * l);
    // Shard start in pool_A (t = 0); the shard is contiguous from there.
    const int64_t src = idx::a_source(index, l, s_a, j, static_cast<int64_t>(i) * s_a);
    const V* in = reinterpret_cast<const V*>(pool_a + src);
    V* out = reinterpret_cast<V*>(a_out + q * s_a);
    for (int64_t t = grid_start(); t < width; t += grid_stride()) out[t] = in[t];
  }
}

__global__ void gather_b_kernel(const float* __restrict__ pool_b, int64_t s_b, int64_t num_shards,
                                const int32_t* __restrict__ index, int32_t r, int32_t l,
                                float* __restrict__ b_out) {
  const int lanes = r < static_cast<int32_t>(blockDim.x) ? r : static_cast<int32_t>(blockDim.x);
  const int rows_per_block = blockDim.x / lanes;
  const int jj = threadIdx.x % lanes;
  const int rr = threadIdx.x / lanes;
  if (rr >= rows_per_block) return;
  const int64_t rows = static_cast<int64_t>(l) * s_b;
  for (int64_t row = static_cast<int64_t>(blockIdx.x) * rows_per_block + rr; row < rows;
       row += static_cast<int64_t>(gridDim.x) * rows_per_block) {
    for (int32_t j = jj; j < r; j += lanes) {
      b_out[row * r + j] = pool_b[idx::b_source(index, l, s_b, num_shards, row, j)];
    }
  }
}

}  // namespace

cudaError_t gather_a(const float* pool_a, int64_t s_a, const int32_t* index, int32_t r, int32_t l,
                     float* a_out, cudaStream_t stream) {
  const int64_t slots = static_cast<int64_t>(r) * l;
  if (slots <= 0 || s_a <= 0) return cudaSuccess;
  const bool vec4 = s_a % 4 == 0 && reinterpret_cast<uintptr_t>(pool_a) % 16 == 0 &&
                    reinterpret_cast<uintptr_t>(a_out) % 16 == 0;
  const int64_t width = vec4 ? s_a / 4 : s_a;
  // Small shards: fewer threads per block, more blocks.
  const int threads = width >= kThreads ? kThreads : static_cast<int>((width + 31) / 32 * 32);
  dim3 grid(blocks_for(width, threads, 1024), static_cast<unsigned>(slots < 65535 ? slots : 65535));
  if (vec4) {
    launch(gather_a_kernel<4>, grid, threads, stream, pool_a, s_a, index, r, l, a_out);
  } else {
    launch(gather_a_kernel<1>, grid, threads, stream, pool_a, s_a, index, r, l, a_out);
  }
  return cudaGetLastError();
}

cudaError_t gather_b(const float* pool_b, int64_t s_b, int64_t num_shards, const int32_t* index,
                     int32_t r, int32_t l, float* b_out, cudaStream_t stream) {
  const int64_t rows = static_cast<int64_t>(l) * s_b;
  if (rows <= 0 || r <= 0) return cudaSuccess;
  const int lanes = r < kThreads ? r : kThreads;
  const int64_t rows_per_block = kThreads / lanes;
  const int64_t blocks = (rows + rows_per_block - 1) / rows_per_block;
  launch(gather_b_kernel, static_cast<unsigned>(blocks < kMaxBlocks ? blocks : kMaxBlocks),
         kThreads, stream, pool_b, s_b, num_shards, index, r, l, b_out);
  return cudaGetLastError();
}

}  // namespace cuda
}  // namespace mos
