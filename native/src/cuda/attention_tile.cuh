// SPDX-License-Identifier: Apache-2.0
// attention_tile.cuh: the tile machinery of the attention kernels (attention.cu: packed causal
// training attention, paged_attention.cu: the paged KV cache). A block of kAttnThreads threads
// owns kRows query rows (or keys) of one KV head; each row is shared by G consecutive lanes that
// hold DPT of its dimensions in registers, so a dot product is DPT multiply-adds and a G-lane
// shuffle sum. Keys and values (or queries and output gradients) stream through shared memory in
// tiles; softmax is online (running max and sum, FlashAttention's rescaling).
#pragma once

#include <cuda_runtime.h>
#include <math.h>

#include <cstdint>

#include "block_reduce.cuh"

namespace mos {
namespace cuda {
namespace attn {

constexpr int kAttnThreads = 128;
constexpr int kTileFloats = 4096;  // one tile (K, V, Q or dO rows) in shared memory: 16 KiB
constexpr int kChunk = 16;         // keys per online-softmax update
constexpr int kMaxHeadDim = 256;

// G lanes per row, DPT dimensions per lane. Lane q's dimensions come in kChunks chunks of kVec:
// chunk c holds (c * G + q) * kVec + [0, kVec), so the lanes of a row read consecutive 16-byte
// words of a shared-memory row (no bank conflicts). Rows in shared memory are kDp floats
// (head_dim padded with zeros).
template <int G_, int DPT_>
struct Layout {
  static constexpr int G = G_;
  static constexpr int DPT = DPT_;
  static constexpr int kVec = DPT % 4 == 0 ? 4 : 1;
  static constexpr int kChunks = DPT / kVec;
  static constexpr int kDp = G * DPT;
  static constexpr int kRows = kAttnThreads / G;   // rows of one block
  static constexpr int kTile = kTileFloats / kDp;  // rows of one shared-memory tile
  static_assert(32 % G == 0 && kTile % kChunk == 0, "layout");
  __device__ __forceinline__ static int dim(int lane, int c, int e) {
    return (c * G + lane) * kVec + e;
  }
};

// r[] = the lane's dimensions of a global row (zero beyond head_dim, or when !valid).
template <class L>
__device__ __forceinline__ void load_row(const float* src, int32_t head_dim, int lane, bool valid,
                                         float (&r)[L::DPT]) {
#pragma unroll
  for (int c = 0; c < L::kChunks; ++c)
#pragma unroll
    for (int e = 0; e < L::kVec; ++e) {
      const int d = L::dim(lane, c, e);
      r[c * L::kVec + e] = valid && d < head_dim ? src[d] : 0.0f;
    }
}

// The lane's part of the dot product of r[] with a shared-memory row.
template <class L>
__device__ __forceinline__ float dot_part(const float (&r)[L::DPT], const float* row, int lane) {
  float acc = 0.0f;
#pragma unroll
  for (int c = 0; c < L::kChunks; ++c) {
    if (L::kVec == 4) {
      const float4 v = reinterpret_cast<const float4*>(row)[c * L::G + lane];
      acc += r[4 * c] * v.x + r[4 * c + 1] * v.y + r[4 * c + 2] * v.z + r[4 * c + 3] * v.w;
    } else {
      acc += r[c] * row[c * L::G + lane];
    }
  }
  return acc;
}

// acc[] += p * (the lane's dimensions of a shared-memory row).
template <class L>
__device__ __forceinline__ void axpy_row(float p, const float* row, int lane,
                                         float (&acc)[L::DPT]) {
#pragma unroll
  for (int c = 0; c < L::kChunks; ++c) {
    if (L::kVec == 4) {
      const float4 v = reinterpret_cast<const float4*>(row)[c * L::G + lane];
      acc[4 * c] += p * v.x;
      acc[4 * c + 1] += p * v.y;
      acc[4 * c + 2] += p * v.z;
      acc[4 * c + 3] += p * v.w;
    } else {
      acc[c] += p * row[c * L::G + lane];
    }
  }
}

// Writes the lane's dimensions of r[] * s to a global row (those below head_dim).
template <class L>
__device__ __forceinline__ void store_row(float* dst, int32_t head_dim, int lane, float s,
                                          const float (&r)[L::DPT]) {
#pragma unroll
  for (int c = 0; c < L::kChunks; ++c)
#pragma unroll
    for (int e = 0; e < L::kVec; ++e) {
      const int d = L::dim(lane, c, e);
      if (d < head_dim) dst[d] = r[c * L::kVec + e] * s;
    }
}

// Shared tile [kTile x kDp] = rows [0, n) from row_ptr(i) (head_dim floats each), zeros elsewhere.
// All threads of the block take part; the caller synchronizes around it.
template <class L, class RowPtr>
__device__ __forceinline__ void load_tile(float* tile, int n, int32_t head_dim, RowPtr row_ptr) {
  for (int e = threadIdx.x; e < L::kTile * L::kDp; e += kAttnThreads) {
    const int i = e / L::kDp, d = e - (e / L::kDp) * L::kDp;
    tile[e] = i < n && d < head_dim ? row_ptr(i)[d] : 0.0f;
  }
}

// The query rows of one (sequence, KV head): the n_rows new tokens times the `group` query heads
// that read this KV head, row r = token j * group + head hh (GQA: one key tile serves them all).
// Token j sits at position pos0 + j and sees the keys at positions <= its own.
struct Rows {
  int32_t n_rows, group, pos0;
  __device__ __forceinline__ int32_t count() const { return n_rows * group; }
  __device__ __forceinline__ int32_t token(int32_t r) const { return r / group; }
  __device__ __forceinline__ int32_t head_in_group(int32_t r) const {
    return r - (r / group) * group;
  }
};

// Online softmax state of one row: out = o / l, lse = m + log(l).
template <class L>
struct Online {
  float o[L::DPT];
  float m;
  double l;
  __device__ __forceinline__ void init() {
#pragma unroll
    for (int i = 0; i < L::DPT; ++i) o[i] = 0.0f;
    m = -INFINITY;
    l = 0.0;
  }
};

// One kChunk of keys (rows c0 .. c0 + kChunk of the K and V tiles) for one row: s[jj] is the
// scaled score of key first_key + c0 + jj, masked to -inf when the key is not visible
// (`visible(key)`, false for keys past the tile). All threads call it (shuffles).
template <class L, class Visible>
__device__ __forceinline__ void chunk_update(Online<L>& st, const float (&q)[L::DPT],
                                             const float* ks, const float* vs, int c0,
                                             int32_t first_key, float scale, int lane,
                                             Visible visible) {
  float s[kChunk];
  float cmax = -INFINITY;
#pragma unroll
  for (int jj = 0; jj < kChunk; ++jj) {
    const float dot = group_sum<L::G>(dot_part<L>(q, ks + (c0 + jj) * L::kDp, lane));
    s[jj] = visible(first_key + c0 + jj) ? scale * dot : -INFINITY;
    cmax = s[jj] > cmax ? s[jj] : cmax;
  }
  const float m_new = cmax > st.m ? cmax : st.m;
  if (m_new == -INFINITY) return;         // nothing visible yet
  const float corr = expf(st.m - m_new);  // 0 when st.m == -inf
  st.l *= static_cast<double>(corr);
#pragma unroll
  for (int i = 0; i < L::DPT; ++i) st.o[i] *= corr;
#pragma unroll
  for (int jj = 0; jj < kChunk; ++jj) {
    const float p = expf(s[jj] - m_new);  // 0 for a masked key
    st.l += static_cast<double>(p);
    axpy_row<L>(p, vs + (c0 + jj) * L::kDp, lane, st.o);
  }
  st.m = m_new;
}

}  // namespace attn
}  // namespace cuda
}  // namespace mos

namespace mos {
namespace cuda {
namespace attn {

__device__ __forceinline__ int32_t imin(int32_t a, int32_t b) { return a < b ? a : b; }

inline unsigned item_blocks(int64_t items) {
  return static_cast<unsigned>(items < 65535 ? (items < 1 ? 1 : items) : 65535);
}

// The forward of one block item (sequence s, KV head g, row tile rt, key split sp) for a problem
// P: P::seq(s, &qbase, &rows, &nkeys) describes the sequence (its first query token in q / out,
// its rows and its number of keys); P::keys(s, g) gives key(j) / value(j), the rows of key j.
// Without a split (partial == null) it writes out = o / l and, when P has one, lse; with splits
// it writes each row's (o, m, l) to partial [(token * heads + h) * splits + sp][head_dim + 2].
template <class L, class P>
__global__ void __launch_bounds__(kAttnThreads)
    forward_kernel(P p, int32_t num_seqs, int32_t row_tiles, int32_t splits, int32_t split_keys,
                   float scale, float* __restrict__ partial) {
  __shared__ __align__(16) float ks[kTileFloats];
  __shared__ __align__(16) float vs[kTileFloats];
  const int lane = threadIdx.x % L::G;
  const int rloc = threadIdx.x / L::G;
  const int64_t items = static_cast<int64_t>(num_seqs) * p.kv_heads * row_tiles * splits;
  for (int64_t it = blockIdx.x; it < items; it += gridDim.x) {
    const int32_t sp = static_cast<int32_t>(it % splits);
    int64_t rest = it / splits;
    const int32_t rt = static_cast<int32_t>(rest % row_tiles);
    rest /= row_tiles;
    const int32_t g = static_cast<int32_t>(rest % p.kv_heads);
    const int32_t s = static_cast<int32_t>(rest / p.kv_heads);
    int64_t qbase = 0;
    Rows rows{};
    int32_t nkeys = 0;
    p.seq(s, &qbase, &rows, &nkeys);
    const int32_t r0 = rt * L::kRows;
    if (r0 >= rows.count()) continue;  // the whole block: this sequence has fewer rows
    const int32_t r = r0 + rloc;
    const bool valid = r < rows.count();
    const int32_t j = valid ? rows.token(r) : 0;
    const int32_t h = g * rows.group + (valid ? rows.head_in_group(r) : 0);
    const int32_t pos = rows.pos0 + j;
    const int32_t last = imin(rows.count() - 1, r0 + L::kRows - 1);
    const int32_t k_end = imin(nkeys, rows.pos0 + rows.token(last) + 1);
    const int32_t k_lo = sp * split_keys;
    const int32_t k_hi = splits > 1 ? imin(k_end, k_lo + split_keys) : k_end;
    const auto src = p.keys(s, g);
    float q[L::DPT];
    load_row<L>(p.q_row(qbase + j, h), p.head_dim, lane, valid, q);
    Online<L> st;
    st.init();
    for (int32_t kt = k_lo; kt < k_hi; kt += L::kTile) {
      const int n = imin(L::kTile, k_hi - kt);
      __syncthreads();  // the previous tile has been read by every thread
      load_tile<L>(ks, n, p.head_dim, [&](int i) { return src.key(kt + i); });
      load_tile<L>(vs, n, p.head_dim, [&](int i) { return src.value(kt + i); });
      __syncthreads();
      for (int c0 = 0; c0 < n; c0 += kChunk)
        chunk_update<L>(st, q, ks, vs, c0, kt, scale, lane,
                        [&](int32_t key) { return valid && key < k_hi && key <= pos; });
    }
    if (!valid) continue;
    const int64_t row_id = (qbase + j) * p.heads + h;
    if (partial == nullptr) {
      store_row<L>(p.out_row(qbase + j, h), p.head_dim, lane, static_cast<float>(1.0 / st.l), st.o);
      if (p.lse != nullptr && lane == 0)
        p.lse[row_id] = static_cast<float>(static_cast<double>(st.m) + log(st.l));
    } else {
      float* part = partial + (row_id * splits + sp) * (p.head_dim + 2);
      store_row<L>(part, p.head_dim, lane, 1.0f, st.o);
      if (lane == 0) {
        part[p.head_dim] = st.m;
        part[p.head_dim + 1] = static_cast<float>(st.l);
      }
    }
  }
}

// Calls f(Layout<G, DPT>()) for the tile layout of head_dim (G = 4 lanes per row: 32 rows a
// block; 8 lanes above 128); cudaErrorInvalidValue above kMaxHeadDim.
template <class F>
cudaError_t with_tile_layout(int32_t head_dim, F f) {
  if (head_dim <= 32) return f(Layout<4, 8>());
  if (head_dim <= 64) return f(Layout<4, 16>());
  if (head_dim <= 128) return f(Layout<4, 32>());
  if (head_dim <= kMaxHeadDim) return f(Layout<8, 32>());
  return cudaErrorInvalidValue;
}

}  // namespace attn
}  // namespace cuda
}  // namespace mos
