// SPDX-License-Identifier: Apache-2.0
// bank_apply.cpp: the bank's CPU apply: the grouped tokens cut into tiles (1 token: decode, BGMV-
// like; up to 4 tokens of one adapter: prefill, SGMV-like), each tile shrunk over its A-shards and
// expanded over its B-shards straight from the bank's pools. Nothing is assembled or gathered.
#include "cpu/bank_apply.h"

#include <algorithm>

#include "cpu/cpu_backend.h"

namespace mos {
namespace bank {
namespace cpu {

namespace {

constexpr int64_t kCol = 1024;  // expand: y columns per work item (4 KiB of a y row stays in L1)
constexpr int kJb = 4;          // shrink: rank vectors per work item
constexpr int64_t kSerialBelow = int64_t{1} << 16;  // multiply-adds under which a loop stays serial

thread_local Scratch t_scratch;

// u[q][j0, j0+4) of a tile's tokens: the sum over the l shards of each rank vector (method.md §3:
// A_k[j, i*s_a + t] = pool_A[idx[j*l+i], t]) of <x segment i, shard row>, times the scaling.
void shrink_item(const ApplyPlan& plan, const Tile& tl, const int32_t* tok, int32_t j0, float* u,
                 int64_t ldu) {
  const ProjAdapter& a = *tl.a;
  const int32_t nj = std::min<int32_t>(kJb, a.r - j0);
  const int32_t* ia = a.ia(plan.block) + static_cast<int64_t>(j0) * a.l;
  auto row = [&](int32_t jj, int32_t i) { return a.a() + ia[jj * a.l + i] * a.s_a; };
  float acc[4][kJb] = {};
  // Up to 4 tokens share every shard row load; missing tokens repeat the last one (discarded).
  // (1-token tiles go to shrink_one.)
  for (int32_t i = 0; i < a.l; ++i) {
    const float* xs[4];
    for (int q = 0; q < 4; ++q)
      xs[q] = plan.x + tok[tl.pos + std::min(q, tl.n - 1)] * plan.d_in + i * a.s_a;
    for (int32_t jj = 0; jj < nj; jj += 2) {
      const float* a1 = jj + 1 < nj ? row(jj + 1, i) : row(jj, i);
      float o[8] = {};
      dot_4x2(xs, row(jj, i), a1, a.s_a, o);
      for (int q = 0; q < 4; ++q) {
        acc[q][jj] += o[q * 2];
        if (jj + 1 < kJb) acc[q][jj + 1] += o[q * 2 + 1];
      }
    }
  }
  for (int32_t q = 0; q < tl.n; ++q)
    for (int32_t jj = 0; jj < nj; ++jj) u[(tl.pos + q) * ldu + j0 + jj] = acc[q][jj] * a.scaling;
}

// A 1-token tile's u over all r rank vectors: 8 shard rows at a time (more memory streams in
// flight: a decode token's shards are cold), then 4, then 1.
void shrink_one(const ApplyPlan& plan, const Tile& tl, const int32_t* tok, float* u, int64_t ldu) {
  const ProjAdapter& a = *tl.a;
  const int32_t* ia = a.ia(plan.block);
  const float* xt = plan.x + tok[tl.pos] * plan.d_in;
  float* ut = u + tl.pos * ldu;
  for (int32_t j = 0; j < a.r; ++j) ut[j] = 0.0f;
  for (int32_t i = 0; i < a.l; ++i) {
    const float* xs = xt + i * a.s_a;
    auto row = [&](int32_t j) { return a.a() + ia[j * a.l + i] * a.s_a; };
    int32_t j = 0;
    for (; j + 8 <= a.r; j += 8) {
      const float* rows[8];
      for (int q = 0; q < 8; ++q) rows[q] = row(j + q);
      dot_1x8(xs, rows, a.s_a, ut + j);
    }
    for (; j + 4 <= a.r; j += 4)
      dot_1x4(xs, row(j), row(j + 1), row(j + 2), row(j + 3), a.s_a, ut + j);
    for (; j < a.r; ++j) ut[j] += dot_1x1(xs, row(j), a.s_a);
  }
  for (int32_t j = 0; j < a.r; ++j) ut[j] *= a.scaling;
}

// y_t[c0, c1) += sum_j u_t[j] B_k[c, j] for a tile's tokens, with B_k[i*s_b + t, j] =
// pool_bt[idx[j*l+i], t]: B-shard rows are contiguous, read once per tile.
void expand_item(const ApplyPlan& plan, const Tile& tl, const int32_t* tok, const float* u,
                 int64_t ldu, int64_t c0, int64_t c1) {
  const ProjAdapter& a = *tl.a;
  const int32_t* ib = a.ib(plan.block);
  float dummy[4][kCol];  // y rows of the missing tokens of a partial tile (results discarded)
  for (int64_t c = c0; c < c1;) {
    const int64_t i = c / a.s_b;
    const int64_t e = std::min(c1, (i + 1) * a.s_b);
    const int64_t off = c - i * a.s_b, len = e - c;
    auto row = [&](int32_t j) { return a.bt() + ib[j * a.l + i] * a.s_b + off; };
    if (tl.n == 1) {
      float* ys = plan.y + tok[tl.pos] * plan.d_out + c;
      const float* ut = u + tl.pos * ldu;
      int32_t j = 0;
      for (; j + 8 <= a.r; j += 8) {
        const float* rows[8];
        for (int q = 0; q < 8; ++q) rows[q] = row(j + q);
        axpy_1x8(ys, rows, ut + j, len);
      }
      for (; j + 4 <= a.r; j += 4)
        axpy_1x4(ys, row(j), row(j + 1), row(j + 2), row(j + 3), ut + j, len);
      for (; j < a.r; ++j) axpy_1x1(ys, row(j), ut[j], len);
    } else {
      float* ys[4];
      for (int q = 0; q < 4; ++q)
        ys[q] = q < tl.n ? plan.y + tok[tl.pos + q] * plan.d_out + c : dummy[q];
      const float* rows[64];
      for (int32_t j0 = 0; j0 < a.r; j0 += 64) {
        const int32_t nj = std::min<int32_t>(64, a.r - j0);
        for (int32_t j = 0; j < nj; ++j) rows[j] = row(j0 + j);
        expand_4x(ys, rows, u + tl.pos * ldu + j0, ldu, nj, len);
      }
    }
    c = e;
  }
}

// The first lines of every shard row of a 1-token tile, requested before the tile is reached: a
// decode token's rows are cold and start at unrelated addresses, so their first misses are
// otherwise paid one row group at a time.
void prefetch_tile_rows(const ApplyPlan& plan, const Tile& tl) {
  if (tl.n != 1) return;
  const ProjAdapter& a = *tl.a;
  const int32_t* ia = a.ia(plan.block);
  const int32_t* ib = a.ib(plan.block);
  for (int64_t sl = 0; sl < a.slots(); ++sl) {
    const float* ra = a.a() + ia[sl] * a.s_a;
    const float* rb = a.bt() + ib[sl] * a.s_b;
    for (int o = 0; o < 64 && o < a.s_a; o += 16) __builtin_prefetch(ra + o);
    for (int o = 0; o < 64 && o < a.s_b; o += 16) __builtin_prefetch(rb + o);
  }
}

}  // namespace

void apply_tiles(const ApplyPlan& plan, const Tile* tiles, int64_t n_tiles, int threads,
                 Scratch& s) {
  if (n_tiles == 0) return;
  const int64_t rm = plan.r_max;
  const int64_t positions = plan.group_start[plan.num_groups];
  // +3 rows: a partial tile's missing tokens read (and discard) u rows past its end.
  grow(s.u, static_cast<size_t>((positions + 3) * rm));
  float* u = s.u.data();
  const int32_t* tok = plan.order;
  int64_t tokens = 0;
  for (int64_t t = 0; t < n_tiles; ++t) tokens += tiles[t].n;
  const int64_t work = tokens * rm * (plan.d_in + plan.d_out);
  const int nt = work < kSerialBelow || n_tiles < 2 ? 1 : threads;

  // One parallel loop over tiles, each shrunk then expanded by one thread: no barrier inside the
  // call, u stays in that thread's cache, every y row is written by one thread. Dynamic
  // scheduling evens out adapters of different r. The team is `threads` (the context's threads
  // shared among the applies in flight), never libgomp's dynamic team size: that one subtracts
  // the 15-minute load average, so a busy server (whose own work raises it) would fall back to
  // one thread for good, and benchmark ratios moved 3x with what ran in the last 15 minutes.
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) if (nt > 1)
  for (int64_t t = 0; t < n_tiles; ++t) {
    const Tile& tl = tiles[t];
    if (t + 1 < n_tiles) prefetch_tile_rows(plan, tiles[t + 1]);
    if (tl.n == 1) {
      shrink_one(plan, tl, tok, u, rm);
    } else {
      for (int32_t j0 = 0; j0 < tl.a->r; j0 += kJb) shrink_item(plan, tl, tok, j0, u, rm);
    }
    for (int64_t c0 = 0; c0 < plan.d_out; c0 += kCol)
      expand_item(plan, tl, tok, u, rm, c0, std::min(plan.d_out, c0 + kCol));
  }
}

}  // namespace cpu
}  // namespace bank

namespace cpu {

void CpuBackend::bank_apply(const bank::ApplyPlan& plan, bank::ApplyScratch&) {
  using bank::cpu::kTileTokens;
  using bank::cpu::Tile;
  bank::cpu::Scratch& s = bank::cpu::t_scratch;
  const int threads = std::max(1, this->threads() / std::max(1, plan.concurrent));
  // DECODE: every token its own tile (BGMV-like). PREFILL and AUTO: each adapter's tokens cut
  // into tiles of up to kTileTokens (SGMV-like; an adapter with one token is a 1-token tile).
  const int32_t step = plan.path == MOS_BANK_PATH_DECODE ? 1 : kTileTokens;
  bank::cpu::grow(s.tiles, static_cast<size_t>(plan.group_start[plan.num_groups]));
  int64_t n_tiles = 0;
  for (int32_t g = 0; g < plan.num_groups; ++g)
    for (int64_t p = plan.group_start[g]; p < plan.group_start[g + 1];
         p += step)  // int64: no overflow near 2^31
      s.tiles[n_tiles++] =
          Tile{static_cast<int32_t>(p),
               static_cast<int32_t>(std::min<int64_t>(step, plan.group_start[g + 1] - p)),
               plan.group_adapter[g]};
  bank::cpu::apply_tiles(plan, s.tiles.data(), n_tiles, threads, s);
}

}  // namespace cpu
}  // namespace mos
