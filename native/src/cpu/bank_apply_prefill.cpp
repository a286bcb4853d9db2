// bank_apply_prefill.cpp: the bank's prefill kernel (SGMV-like): one adapter's tokens as a group,
// its block-k shards gathered once into small per-thread tiles (A_k, B_k^T), then two GEMMs.
// The tiles are scratch reused by every group and call, not a per-request copy of the adapter.
#include <algorithm>
#include <cstring>

#include "cpu/bank_apply.h"
#include "cpu/cpu_backend.h"

namespace mos {
namespace bank {
namespace cpu {

namespace {

// tile[j, i*s : (i+1)*s] = pool[idx[j*l + i], :] (spec §3's closed form; pool_bt gives B_k^T).
void gather_rows(const float* pool, int64_t s, const int32_t* idx, int32_t r, int32_t l,
                 float* tile, int threads) {
  const int64_t slots = static_cast<int64_t>(r) * l;
  const int nt = slots * s >= 4 * mos::cpu::kParallelMin ? threads : 1;
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
  for (int64_t sl = 0; sl < slots; ++sl)
    std::memcpy(tile + sl * s, pool + static_cast<int64_t>(idx[sl]) * s, sizeof(float) * s);
}

// Rows of a token chunk per GEMM when the group's tokens are scattered: keeps the gathered
// x and y rows near 1 MiB.
int64_t chunk_rows(int64_t d_in, int64_t d_out) {
  const int64_t m = (int64_t{1} << 18) / std::max(d_in, d_out);
  return std::clamp<int64_t>(m, 8, 256);
}

}  // namespace

void apply_prefill_group(Backend& backend, const ApplyPlan& plan, const ProjAdapter& a,
                         const int32_t* tok, int64_t n, int threads, Scratch& s) {
  const int64_t d_in = plan.d_in, d_out = plan.d_out, r = a.r;
  grow(s.a_tile, static_cast<size_t>(r * d_in));
  grow(s.b_tile, static_cast<size_t>(r * d_out));
  // A row j of the tiles is rank vector j: slot j*l + i lands at columns [i*s, (i+1)*s).
  gather_rows(a.a(), a.s_a, a.ia(plan.block), a.r, a.l, s.a_tile.data(), threads);
  gather_rows(a.bt(), a.s_b, a.ib(plan.block), a.r, a.l, s.b_tile.data(), threads);
  const float* at = s.a_tile.data();  // A_k   [r x d_in]
  const float* bt = s.b_tile.data();  // B_k^T [r x d_out]

  if (tok[n - 1] - tok[0] == n - 1) {
    // The tokens are one contiguous run (a sequence's prefill): GEMMs straight on x and y.
    grow(s.u, static_cast<size_t>(n * r));
    const float* x = plan.x + tok[0] * d_in;
    float* y = plan.y + tok[0] * d_out;
    backend.gemm(false, true, n, r, d_in, a.scaling, x, d_in, at, d_in, 0.0f, s.u.data(), r);
    backend.gemm(false, false, n, d_out, r, 1.0f, s.u.data(), r, bt, d_out, 1.0f, y, d_out);
    return;
  }
  // Scattered tokens: gather a chunk of x rows, two GEMMs, add the rows back into y.
  const int64_t m = std::min(n, chunk_rows(d_in, d_out));
  grow(s.u, static_cast<size_t>(m * r));
  grow(s.xc, static_cast<size_t>(m * d_in));
  grow(s.yc, static_cast<size_t>(m * d_out));
  for (int64_t c0 = 0; c0 < n; c0 += m) {
    const int64_t mc = std::min(m, n - c0);
    const int nt = mc * (d_in + d_out) >= 4 * mos::cpu::kParallelMin ? threads : 1;
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
    for (int64_t q = 0; q < mc; ++q)
      std::memcpy(s.xc.data() + q * d_in, plan.x + tok[c0 + q] * d_in, sizeof(float) * d_in);
    backend.gemm(false, true, mc, r, d_in, a.scaling, s.xc.data(), d_in, at, d_in, 0.0f,
                 s.u.data(), r);
    backend.gemm(false, false, mc, d_out, r, 1.0f, s.u.data(), r, bt, d_out, 0.0f, s.yc.data(),
                 d_out);
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
    for (int64_t q = 0; q < mc; ++q) {
      float* yr = plan.y + tok[c0 + q] * d_out;
      const float* src = s.yc.data() + q * d_out;
#pragma omp simd
      for (int64_t c = 0; c < d_out; ++c) yr[c] += src[c];
    }
  }
}

}  // namespace cpu
}  // namespace bank
}  // namespace mos
