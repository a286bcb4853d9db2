// SPDX-License-Identifier: Apache-2.0
// attention.cu: causal attention over packed sequences for training (HF's eager attention with
// GQA): the forward keeps each row's log-sum-exp, the backward recomputes the probabilities from
// it (FlashAttention-2's split) in two deterministic passes without atomics: dK and dV by key
// tiles, dQ by query tiles. Tiles and the online softmax: attention_tile.cuh.
#include "attention_tile.cuh"
#include "kernels.h"
#include "launch.cuh"

namespace mos {
namespace cuda {
namespace {

using attn::imin;
using attn::kAttnThreads;
using attn::kTileFloats;

// Keys and values of one (sequence, KV head) in the packed k / v [T x kv_heads*head_dim].
struct PackedKeys {
  const float* k;
  const float* v;
  int64_t ld;
  __device__ __forceinline__ const float* key(int32_t j) const { return k + j * ld; }
  __device__ __forceinline__ const float* value(int32_t j) const { return v + j * ld; }
};

struct Packed {
  const int32_t* starts;
  const float* q;
  const float* k;
  const float* v;
  float* out;
  float* lse;
  int32_t heads, kv_heads, head_dim;
  int64_t ldq, ldk;
  __device__ __forceinline__ void seq(int32_t s, int64_t* qbase, attn::Rows* rows,
                                      int32_t* nkeys) const {
    const int32_t b = starts[s], len = starts[s + 1] - b;
    *qbase = b;
    *rows = attn::Rows{len, heads / kv_heads, 0};
    *nkeys = len;
  }
  __device__ __forceinline__ PackedKeys keys(int32_t s, int32_t g) const {
    const int64_t off = static_cast<int64_t>(starts[s]) * ldk + static_cast<int64_t>(g) * head_dim;
    return PackedKeys{k + off, v + off, ldk};
  }
  __device__ __forceinline__ const float* q_row(int64_t t, int32_t h) const {
    return q + t * ldq + static_cast<int64_t>(h) * head_dim;
  }
  __device__ __forceinline__ float* out_row(int64_t t, int32_t h) const {
    return out + t * ldq + static_cast<int64_t>(h) * head_dim;
  }
};

// rowdot[t * heads + h] = float(sum_d double(dO) O) of every row (the softmax Jacobian's D):
// one warp per row, lanes over d, fixed order.
__global__ void row_dot_kernel(const int32_t* __restrict__ starts, int32_t num_seqs, int32_t heads,
                               int32_t head_dim, const float* __restrict__ dout,
                               const float* __restrict__ out, float* __restrict__ rowdot) {
  const int64_t rows = static_cast<int64_t>(starts[num_seqs]) * heads;
  const int lane = threadIdx.x & 31;
  const int64_t warp = static_cast<int64_t>(blockIdx.x) * (kThreads / 32) + (threadIdx.x >> 5);
  const int64_t warps = static_cast<int64_t>(gridDim.x) * (kThreads / 32);
  for (int64_t r = warp; r < rows; r += warps) {
    const float* g = dout + r * head_dim;
    const float* o = out + r * head_dim;
    double acc = 0.0;
    for (int32_t d = lane; d < head_dim; d += 32) acc += static_cast<double>(g[d]) * o[d];
    acc = group_sum<32>(acc);
    if (lane == 0) rowdot[r] = static_cast<float>(acc);
  }
}

// dK and dV of one (sequence, KV head, tile of kRows keys): each key's G lanes hold its k, v and
// their gradients; the query rows of the group's heads at positions >= the tile's first key
// stream through shared memory with their dO, lse and D. dk = scale sum ds q, dv = sum p dO.
template <class L>
__global__ void __launch_bounds__(kAttnThreads)
    dkdv_kernel(Packed p, const float* __restrict__ dout, const float* __restrict__ rowdot,
                float* __restrict__ dk, float* __restrict__ dv, int32_t num_seqs, int32_t key_tiles,
                float scale) {
  __shared__ __align__(16) float qs[kTileFloats];
  __shared__ __align__(16) float gs[kTileFloats];
  __shared__ float lse_s[L::kTile];
  __shared__ float dd_s[L::kTile];
  const int lane = threadIdx.x % L::G;
  const int rloc = threadIdx.x / L::G;
  const int32_t group = p.heads / p.kv_heads;
  const int64_t items = static_cast<int64_t>(num_seqs) * p.kv_heads * key_tiles;
  for (int64_t it = blockIdx.x; it < items; it += gridDim.x) {
    const int32_t kt = static_cast<int32_t>(it % key_tiles);
    const int32_t g = static_cast<int32_t>((it / key_tiles) % p.kv_heads);
    const int32_t s = static_cast<int32_t>(it / key_tiles / p.kv_heads);
    const int64_t base = p.starts[s];
    const int32_t len = p.starts[s + 1] - p.starts[s];
    const int32_t j0 = kt * L::kRows;
    if (j0 >= len) continue;  // the whole block
    const int32_t j = j0 + rloc;
    const bool valid = j < len;
    const int64_t kv_off = (base + (valid ? j : 0)) * p.ldk + static_cast<int64_t>(g) * p.head_dim;
    float kr[L::DPT], vr[L::DPT], dk_acc[L::DPT], dv_acc[L::DPT];
    attn::load_row<L>(p.k + kv_off, p.head_dim, lane, valid, kr);
    attn::load_row<L>(p.v + kv_off, p.head_dim, lane, valid, vr);
#pragma unroll
    for (int i = 0; i < L::DPT; ++i) dk_acc[i] = dv_acc[i] = 0.0f;
    const int32_t row_end = len * group;
    for (int32_t rb = j0 * group; rb < row_end; rb += L::kTile) {
      const int n = imin(L::kTile, row_end - rb);
      auto row_of = [&](const float* a, int i) {
        const int32_t r = rb + i;
        return a + (base + r / group) * p.ldq +
               static_cast<int64_t>(g * group + r % group) * p.head_dim;
      };
      __syncthreads();
      attn::load_tile<L>(qs, n, p.head_dim, [&](int i) { return row_of(p.q, i); });
      attn::load_tile<L>(gs, n, p.head_dim, [&](int i) { return row_of(dout, i); });
      for (int i = threadIdx.x; i < n; i += kAttnThreads) {
        const int32_t r = rb + i;
        const int64_t row_id = (base + r / group) * p.heads + g * group + r % group;
        lse_s[i] = p.lse[row_id];
        dd_s[i] = rowdot[row_id];
      }
      __syncthreads();
      for (int i = 0; i < n; ++i) {
        const float* qrow = qs + i * L::kDp;
        const float* grow = gs + i * L::kDp;
        const float sdot = group_sum<L::G>(attn::dot_part<L>(kr, qrow, lane));
        const float dpdot = group_sum<L::G>(attn::dot_part<L>(vr, grow, lane));
        const int32_t pos = (rb + i) / group;
        const float pr = valid && pos >= j ? expf(scale * sdot - lse_s[i]) : 0.0f;
        const float ds = pr * (dpdot - dd_s[i]);
        attn::axpy_row<L>(pr, grow, lane, dv_acc);
        attn::axpy_row<L>(ds, qrow, lane, dk_acc);
      }
    }
    if (valid) {
      attn::store_row<L>(dk + kv_off, p.head_dim, lane, scale, dk_acc);
      attn::store_row<L>(dv + kv_off, p.head_dim, lane, 1.0f, dv_acc);
    }
  }
}

// dQ of one (sequence, KV head, row tile), rows as in the forward: keys and values stream through
// shared memory; dq = scale sum_j ds_j k_j with ds = p (dO . v - D), p = exp(scale q.k - lse).
template <class L>
__global__ void __launch_bounds__(kAttnThreads)
    dq_kernel(Packed p, const float* __restrict__ dout, const float* __restrict__ rowdot,
              float* __restrict__ dq, int32_t num_seqs, int32_t row_tiles, float scale) {
  __shared__ __align__(16) float ks[kTileFloats];
  __shared__ __align__(16) float vs[kTileFloats];
  const int lane = threadIdx.x % L::G;
  const int rloc = threadIdx.x / L::G;
  const int64_t items = static_cast<int64_t>(num_seqs) * p.kv_heads * row_tiles;
  for (int64_t it = blockIdx.x; it < items; it += gridDim.x) {
    const int32_t rt = static_cast<int32_t>(it % row_tiles);
    const int32_t g = static_cast<int32_t>((it / row_tiles) % p.kv_heads);
    const int32_t s = static_cast<int32_t>(it / row_tiles / p.kv_heads);
    int64_t qbase = 0;
    attn::Rows rows{};
    int32_t nkeys = 0;
    p.seq(s, &qbase, &rows, &nkeys);
    const int32_t r0 = rt * L::kRows;
    if (r0 >= rows.count()) continue;
    const int32_t r = r0 + rloc;
    const bool valid = r < rows.count();
    const int32_t j = valid ? rows.token(r) : 0;
    const int32_t h = g * rows.group + (valid ? rows.head_in_group(r) : 0);
    const int32_t last = imin(rows.count() - 1, r0 + L::kRows - 1);
    const int32_t k_end = rows.token(last) + 1;
    const int64_t row_id = (qbase + j) * p.heads + h;
    float qr[L::DPT], gr[L::DPT], acc[L::DPT];
    attn::load_row<L>(p.q_row(qbase + j, h), p.head_dim, lane, valid, qr);
    attn::load_row<L>(dout + (qbase + j) * p.ldq + static_cast<int64_t>(h) * p.head_dim, p.head_dim,
                      lane, valid, gr);
#pragma unroll
    for (int i = 0; i < L::DPT; ++i) acc[i] = 0.0f;
    const float lse_r = valid ? p.lse[row_id] : 0.0f;
    const float dd_r = valid ? rowdot[row_id] : 0.0f;
    const PackedKeys src = p.keys(s, g);
    for (int32_t kt = 0; kt < k_end; kt += L::kTile) {
      const int n = imin(L::kTile, k_end - kt);
      __syncthreads();
      attn::load_tile<L>(ks, n, p.head_dim, [&](int i) { return src.key(kt + i); });
      attn::load_tile<L>(vs, n, p.head_dim, [&](int i) { return src.value(kt + i); });
      __syncthreads();
      for (int i = 0; i < n; ++i) {
        const float* krow = ks + i * L::kDp;
        const float sdot = group_sum<L::G>(attn::dot_part<L>(qr, krow, lane));
        const float dpdot = group_sum<L::G>(attn::dot_part<L>(gr, vs + i * L::kDp, lane));
        const float pr = valid && kt + i <= j ? expf(scale * sdot - lse_r) : 0.0f;
        attn::axpy_row<L>(pr * (dpdot - dd_r), krow, lane, acc);
      }
    }
    if (valid)
      attn::store_row<L>(dq + (qbase + j) * p.ldq + static_cast<int64_t>(h) * p.head_dim,
                         p.head_dim, lane, scale, acc);
  }
}

Packed packed(const int32_t* starts, int32_t heads, int32_t kv_heads, int32_t head_dim,
              const float* q, const float* k, const float* v, float* out, float* lse) {
  return Packed{starts,
                q,
                k,
                v,
                out,
                lse,
                heads,
                kv_heads,
                head_dim,
                static_cast<int64_t>(heads) * head_dim,
                static_cast<int64_t>(kv_heads) * head_dim};
}

}  // namespace

size_t attention_backward_scratch_bytes(int32_t num_seqs, int32_t max_len, int32_t heads) {
  return static_cast<size_t>(num_seqs) * static_cast<size_t>(max_len) * static_cast<size_t>(heads) *
         sizeof(float);
}

cudaError_t attention_forward(int32_t num_seqs, const int32_t* starts, int32_t max_len,
                              int32_t heads, int32_t kv_heads, int32_t head_dim, float scale,
                              const float* q, const float* k, const float* v, float* out,
                              float* lse, cudaStream_t stream) {
  if (num_seqs <= 0 || max_len <= 0) return cudaSuccess;
  const Packed p = packed(starts, heads, kv_heads, head_dim, q, k, v, out, lse);
  const int64_t rows = static_cast<int64_t>(max_len) * (heads / kv_heads);
  return attn::with_tile_layout(head_dim, [&](auto layout) {
    using L = decltype(layout);
    const int32_t row_tiles = static_cast<int32_t>((rows + L::kRows - 1) / L::kRows);
    const int64_t items = static_cast<int64_t>(num_seqs) * kv_heads * row_tiles;
    launch(attn::forward_kernel<L, Packed>, attn::item_blocks(items), kAttnThreads, stream, p,
           num_seqs, row_tiles, 1, 0, scale, static_cast<float*>(nullptr));
    return cudaGetLastError();
  });
}

cudaError_t attention_backward(int32_t num_seqs, const int32_t* starts, int32_t max_len,
                               int32_t heads, int32_t kv_heads, int32_t head_dim, float scale,
                               const float* q, const float* k, const float* v, const float* out,
                               const float* lse, const float* dout, float* dq, float* dk, float* dv,
                               void* scratch, cudaStream_t stream) {
  if (num_seqs <= 0 || max_len <= 0) return cudaSuccess;
  if (head_dim > attn::kMaxHeadDim) return cudaErrorInvalidValue;
  // D of every row: the packed [T x heads*head_dim] arrays are T*heads rows of head_dim. The
  // kernel reads T = starts[num_seqs]; T <= num_seqs * max_len sizes the grid and the scratch.
  float* rowdot = static_cast<float*>(scratch);
  const int64_t max_rows = static_cast<int64_t>(num_seqs) * max_len * heads;
  launch(row_dot_kernel, blocks_for(max_rows, kThreads / 32), kThreads, stream, starts, num_seqs,
         heads, head_dim, dout, out, rowdot);
  cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess) return e;
  const Packed p =
      packed(starts, heads, kv_heads, head_dim, q, k, v, nullptr, const_cast<float*>(lse));
  const int64_t rows = static_cast<int64_t>(max_len) * (heads / kv_heads);
  return attn::with_tile_layout(head_dim, [&](auto layout) {
    using L = decltype(layout);
    const int32_t key_tiles = static_cast<int32_t>((max_len + L::kRows - 1) / L::kRows);
    launch(dkdv_kernel<L>, attn::item_blocks(static_cast<int64_t>(num_seqs) * kv_heads * key_tiles),
           kAttnThreads, stream, p, dout, rowdot, dk, dv, num_seqs, key_tiles, scale);
    cudaError_t err = cudaGetLastError();
    if (err != cudaSuccess) return err;
    const int32_t row_tiles = static_cast<int32_t>((rows + L::kRows - 1) / L::kRows);
    launch(dq_kernel<L>, attn::item_blocks(static_cast<int64_t>(num_seqs) * kv_heads * row_tiles),
           kAttnThreads, stream, p, dout, rowdot, dq, num_seqs, row_tiles, scale);
    return cudaGetLastError();
  });
}

}  // namespace cuda
}  // namespace mos
