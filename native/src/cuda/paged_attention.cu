// SPDX-License-Identifier: Apache-2.0
// paged_attention.cu: inference attention over the decoder's paged KV cache (common/paged_kv.h):
// kv_cache_write puts new keys and values into their slots; paged_attention lets every new query
// row attend to its sequence's cached positions <= its own, reading keys and values straight from
// the pages through the page table. Prefill chunks use the training forward's tiles (4 or 8
// lanes a row); decode-sized steps a whole warp per row. When (sequence, KV head) items are too
// few to fill the GPU, the keys are split over blocks (flash-decoding) and a second pass combines
// the partial softmaxes in split order (deterministic).
#include "attention_tile.cuh"
#include "common/paged_kv.h"
#include "kernels.h"
#include "launch.cuh"

namespace mos {
namespace cuda {
namespace {

using attn::kAttnThreads;
using attn::Layout;

__global__ void kv_write_kernel(int64_t tokens, const int32_t* __restrict__ slots, int32_t kv_heads,
                                int32_t head_dim, const float* __restrict__ k,
                                const float* __restrict__ v, float* __restrict__ cache,
                                int64_t num_pages) {
  const int64_t ld = static_cast<int64_t>(kv_heads) * head_dim;
  for (int64_t t = blockIdx.y; t < tokens; t += gridDim.y) {
    const int64_t slot = slots[t];
    for (int64_t e = grid_start(); e < ld; e += grid_stride()) {
      const int32_t h = static_cast<int32_t>(e / head_dim);
      const int64_t d = e - static_cast<int64_t>(h) * head_dim;
      cache[kv::offset(num_pages, kv_heads, head_dim, 0, slot, h) + d] = k[t * ld + e];
      cache[kv::offset(num_pages, kv_heads, head_dim, 1, slot, h) + d] = v[t * ld + e];
    }
  }
}

// Keys and values of one (sequence, KV head): position j is in page table[j / 16].
struct PagedKeys {
  const float* cache;
  const int32_t* table;
  int64_t num_pages;
  int32_t kv_heads, head_dim, g;
  __device__ __forceinline__ const float* key(int32_t j) const {
    return cache + kv::offset(num_pages, kv_heads, head_dim, 0, kv::slot_of(table, j), g);
  }
  __device__ __forceinline__ const float* value(int32_t j) const {
    return cache + kv::offset(num_pages, kv_heads, head_dim, 1, kv::slot_of(table, j), g);
  }
};

struct Paged {
  const int32_t* q_starts;
  const int32_t* ctx_lens;
  const int32_t* page_tables;
  int32_t max_pages;
  const float* q;
  float* out;
  float* lse;  // always null: inference keeps no log-sum-exp
  const float* cache;
  int64_t num_pages;
  int32_t heads, kv_heads, head_dim;
  int64_t ldq;
  // New row j of sequence s sits at position ctx - n + j.
  __device__ __forceinline__ void seq(int32_t s, int64_t* qbase, attn::Rows* rows,
                                      int32_t* nkeys) const {
    const int32_t b = q_starts[s], n = q_starts[s + 1] - b, ctx = ctx_lens[s];
    *qbase = b;
    *rows = attn::Rows{n, heads / kv_heads, ctx - n};
    *nkeys = ctx;
  }
  __device__ __forceinline__ PagedKeys keys(int32_t s, int32_t g) const {
    return PagedKeys{
        cache, page_tables + static_cast<int64_t>(s) * max_pages, num_pages, kv_heads, head_dim, g};
  }
  __device__ __forceinline__ const float* q_row(int64_t t, int32_t h) const {
    return q + t * ldq + static_cast<int64_t>(h) * head_dim;
  }
  __device__ __forceinline__ float* out_row(int64_t t, int32_t h) const {
    return out + t * ldq + static_cast<int64_t>(h) * head_dim;
  }
};

// out = sum_sp o_sp e^(m_sp - M) / sum_sp l_sp e^(m_sp - M), M = max_sp m_sp, splits in order.
__global__ void combine_kernel(const int32_t* __restrict__ q_starts, int32_t num_seqs,
                               int32_t heads, int32_t head_dim, int32_t splits,
                               const float* __restrict__ partial, float* __restrict__ out) {
  const int64_t total = static_cast<int64_t>(q_starts[num_seqs]) * heads * head_dim;
  const int64_t stride = head_dim + 2;
  for (int64_t e = grid_start(); e < total; e += grid_stride()) {
    const int64_t row = e / head_dim;
    const int64_t d = e - row * head_dim;
    const float* part = partial + row * splits * stride;
    float mx = -INFINITY;
    for (int32_t sp = 0; sp < splits; ++sp) {
      const float m = part[sp * stride + head_dim];
      mx = m > mx ? m : mx;
    }
    double l = 0.0;
    float acc = 0.0f;
    for (int32_t sp = 0; sp < splits; ++sp) {
      const float m = part[sp * stride + head_dim];
      if (m == -INFINITY) continue;  // a split with no key this row sees
      const float w = expf(m - mx);
      l += static_cast<double>(part[sp * stride + head_dim + 1]) * w;
      acc += part[sp * stride + d] * w;
    }
    out[row * head_dim + d] = acc * static_cast<float>(1.0 / l);
  }
}

// Decode-sized steps: a warp per row (G = 32), DPT = head_dim / 32 rounded up to 1, 2, 4, 8.
template <class F>
cudaError_t with_decode_layout(int32_t head_dim, F f) {
  if (head_dim <= 32) return f(Layout<32, 1>());
  if (head_dim <= 64) return f(Layout<32, 2>());
  if (head_dim <= 128) return f(Layout<32, 4>());
  if (head_dim <= attn::kMaxHeadDim) return f(Layout<32, 8>());
  return cudaErrorInvalidValue;
}

constexpr int32_t kDecodeRows = 16;    // rows (new tokens x group) up to which a warp takes a row
constexpr int32_t kSplitMinCtx = 128;  // shorter contexts are never split
constexpr int32_t kSplitMinKeys = 64;  // fewest keys of one split
constexpr int32_t kMaxSplits = 64;

}  // namespace

cudaError_t kv_cache_write(int64_t tokens, const int32_t* slots, int32_t kv_heads, int32_t head_dim,
                           const float* k, const float* v, float* cache, int64_t num_pages,
                           cudaStream_t stream) {
  if (tokens <= 0 || kv_heads <= 0 || head_dim <= 0) return cudaSuccess;
  const int64_t ld = static_cast<int64_t>(kv_heads) * head_dim;
  const dim3 grid(blocks_for(ld, kThreads, 16),
                  static_cast<unsigned>(tokens < 65535 ? tokens : 65535));
  launch(kv_write_kernel, grid, kThreads, stream, tokens, slots, kv_heads, head_dim, k, v, cache,
         num_pages);
  return cudaGetLastError();
}

PagedPlan paged_attention_plan(int32_t num_seqs, int32_t max_q, int32_t max_ctx, int32_t heads,
                               int32_t kv_heads, int32_t head_dim, int32_t sm_count) {
  PagedPlan plan;
  const int64_t rows = static_cast<int64_t>(max_q) * (heads / kv_heads);
  plan.decode = rows <= kDecodeRows;
  const int64_t block_rows = plan.decode       ? attn::kAttnThreads / 32
                             : head_dim <= 128 ? attn::kAttnThreads / 4
                                               : attn::kAttnThreads / 8;
  plan.row_tiles = static_cast<int32_t>((rows + block_rows - 1) / block_rows);
  const int64_t items = static_cast<int64_t>(num_seqs) * kv_heads * plan.row_tiles;
  const int64_t want = 2 * static_cast<int64_t>(sm_count < 1 ? 1 : sm_count);
  if (items < want && max_ctx >= kSplitMinCtx) {
    int64_t s = (want + items - 1) / items;
    const int64_t by_keys = max_ctx / kSplitMinKeys;
    if (s > by_keys) s = by_keys;
    if (s > kMaxSplits) s = kMaxSplits;
    if (s > 1) {
      int64_t keys = (max_ctx + s - 1) / s;
      keys = (keys + attn::kChunk - 1) / attn::kChunk * attn::kChunk;
      plan.split_keys = static_cast<int32_t>(keys);
      plan.splits = static_cast<int32_t>((max_ctx + keys - 1) / keys);
    }
  }
  if (plan.splits <= 1) {
    plan.splits = 1;
    plan.split_keys = 0;
  }
  return plan;
}

size_t paged_attention_scratch_bytes(const PagedPlan& plan, int32_t num_seqs, int32_t max_q,
                                     int32_t heads, int32_t head_dim) {
  if (plan.splits <= 1) return 0;
  return static_cast<size_t>(num_seqs) * static_cast<size_t>(max_q) * static_cast<size_t>(heads) *
         static_cast<size_t>(plan.splits) * static_cast<size_t>(head_dim + 2) * sizeof(float);
}

cudaError_t paged_attention(const PagedPlan& plan, int32_t num_seqs, const int32_t* q_starts,
                            const int32_t* ctx_lens, const int32_t* page_tables, int32_t max_pages,
                            int32_t max_q, int32_t heads, int32_t kv_heads, int32_t head_dim,
                            float scale, const float* q, const float* cache, int64_t num_pages,
                            float* out, void* scratch, cudaStream_t stream) {
  if (num_seqs <= 0) return cudaSuccess;
  const Paged p{q_starts,
                ctx_lens,
                page_tables,
                max_pages,
                q,
                out,
                nullptr,
                cache,
                num_pages,
                heads,
                kv_heads,
                head_dim,
                static_cast<int64_t>(heads) * head_dim};
  float* partial = plan.splits > 1 ? static_cast<float*>(scratch) : nullptr;
  auto run = [&](auto layout) {
    using L = decltype(layout);
    const int64_t items = static_cast<int64_t>(num_seqs) * kv_heads * plan.row_tiles * plan.splits;
    launch(attn::forward_kernel<L, Paged>, attn::item_blocks(items), kAttnThreads, stream, p,
           num_seqs, plan.row_tiles, plan.splits, plan.split_keys, scale, partial);
    return cudaGetLastError();
  };
  const cudaError_t e =
      plan.decode ? with_decode_layout(head_dim, run) : attn::with_tile_layout(head_dim, run);
  if (e != cudaSuccess || plan.splits <= 1) return e;
  // The kernel reads the token count from q_starts; num_seqs * max_q bounds it for the grid.
  const int64_t max_elems = static_cast<int64_t>(num_seqs) * max_q * heads * head_dim;
  launch(combine_kernel, blocks_for(max_elems), kThreads, stream, q_starts, num_seqs, heads,
         head_dim, plan.splits, partial, out);
  return cudaGetLastError();
}

}  // namespace cuda
}  // namespace mos
