// bank_apply.cpp: the bank's CPU apply: dispatch of each adapter group to the decode or prefill
// kernel, and the decode kernel (BGMV-like: per token, shrink over its A-shards, expand over its
// B-shards, reading shard rows straight from the bank's pools; nothing is assembled).
#include "cpu/bank_apply.h"

#include <algorithm>

#include "cpu/cpu_backend.h"

namespace mos {
namespace bank {
namespace cpu {

namespace {

constexpr int64_t kCol = 1024;  // expand: y columns per work item (4 KiB of y_t stays in L1)
constexpr int64_t kSerialBelow = int64_t{1} << 16;  // multiply-adds under which a loop stays serial

thread_local Scratch t_scratch;

// out[q] += <x, a_q> for 4 shard rows: x is loaded once for all four.
MOS_BANK_CLONES
void dot4(const float* __restrict x, const float* __restrict a0, const float* __restrict a1,
          const float* __restrict a2, const float* __restrict a3, int64_t n, float* out) {
  float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
#pragma omp simd reduction(+ : s0, s1, s2, s3)
  for (int64_t i = 0; i < n; ++i) {
    const float xv = x[i];
    s0 += a0[i] * xv;
    s1 += a1[i] * xv;
    s2 += a2[i] * xv;
    s3 += a3[i] * xv;
  }
  out[0] += s0;
  out[1] += s1;
  out[2] += s2;
  out[3] += s3;
}

MOS_BANK_CLONES
float dot1(const float* __restrict x, const float* __restrict a, int64_t n) {
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (int64_t i = 0; i < n; ++i) s += a[i] * x[i];
  return s;
}

// y += u0 b0 + u1 b1 + u2 b2 + u3 b3: one pass over y for four B-shard rows.
MOS_BANK_CLONES
void axpy4(float* __restrict y, const float* __restrict b0, const float* __restrict b1,
           const float* __restrict b2, const float* __restrict b3, float u0, float u1, float u2,
           float u3, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) y[i] += u0 * b0[i] + u1 * b1[i] + u2 * b2[i] + u3 * b3[i];
}

MOS_BANK_CLONES
void axpy1(float* __restrict y, const float* __restrict b, float u, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) y[i] += u * b[i];
}

// u[j0..j0+4) of one token: sum over the l shards of each rank vector (spec §3: A_k[j, i*s_a + t]
// = pool_A[idx[j*l+i], t]), times the adapter's scaling.
void shrink_item(const ProjAdapter& a, int32_t block, const float* xt, int32_t j0, float* u) {
  const int32_t nj = std::min<int32_t>(4, a.r - j0);
  const int32_t* ia = a.ia(block);
  float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f};
  for (int32_t i = 0; i < a.l; ++i) {
    const float* xs = xt + i * a.s_a;
    if (nj == 4) {
      dot4(xs, a.a() + ia[(j0 + 0) * a.l + i] * a.s_a, a.a() + ia[(j0 + 1) * a.l + i] * a.s_a,
           a.a() + ia[(j0 + 2) * a.l + i] * a.s_a, a.a() + ia[(j0 + 3) * a.l + i] * a.s_a, a.s_a,
           acc);
    } else {
      for (int32_t q = 0; q < nj; ++q)
        acc[q] += dot1(xs, a.a() + ia[(j0 + q) * a.l + i] * a.s_a, a.s_a);
    }
  }
  for (int32_t q = 0; q < nj; ++q) u[j0 + q] = acc[q] * a.scaling;
}

// y_t[c0, c1) += sum_j u[j] B_k[c, j], with B_k[i*s_b + t, j] = pool_bt[idx[j*l+i], t].
void expand_item(const ProjAdapter& a, int32_t block, const float* u, int64_t c0, int64_t c1,
                 float* yt) {
  const int32_t* ib = a.ib(block);
  for (int64_t c = c0; c < c1;) {
    const int64_t i = c / a.s_b;
    const int64_t e = std::min(c1, (i + 1) * a.s_b);
    const int64_t off = c - i * a.s_b, len = e - c;
    float* ys = yt + c;
    auto row = [&](int32_t j) { return a.bt() + ib[j * a.l + i] * a.s_b + off; };
    int32_t j = 0;
    for (; j + 4 <= a.r; j += 4)
      axpy4(ys, row(j), row(j + 1), row(j + 2), row(j + 3), u[j], u[j + 1], u[j + 2], u[j + 3], len);
    for (; j < a.r; ++j) axpy1(ys, row(j), u[j], len);
    c = e;
  }
}

}  // namespace

void apply_decode(const ApplyPlan& plan, const int32_t* tok, const ProjAdapter* const* ad,
                  int64_t n, int threads, Scratch& s) {
  if (n == 0) return;
  const int64_t rm = plan.r_max;
  grow(s.u, static_cast<size_t>(n * rm));
  float* u = s.u.data();
  const int64_t jblocks = (rm + 3) / 4;
  const int64_t work = n * rm * (plan.d_in + plan.d_out);
  const int nt = work < kSerialBelow ? 1 : threads;

  // Shrink: items (token, block of 4 rank vectors); a thread's items are consecutive, so x_t
  // stays in cache across the rank vectors of one token.
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
  for (int64_t it = 0; it < n * jblocks; ++it) {
    const int64_t p = it / jblocks;
    const int32_t j0 = static_cast<int32_t>((it - p * jblocks) * 4);
    const ProjAdapter& a = *ad[p];
    if (j0 >= a.r) continue;
    shrink_item(a, plan.block, plan.x + tok[p] * plan.d_in, j0, u + p * rm);
  }

  // Expand: items (token, kCol columns of y); each y element is written by one item.
  const int64_t chunks = (plan.d_out + kCol - 1) / kCol;
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
  for (int64_t it = 0; it < n * chunks; ++it) {
    const int64_t p = it / chunks;
    const int64_t c0 = (it - p * chunks) * kCol;
    expand_item(*ad[p], plan.block, u + p * rm, c0, std::min(plan.d_out, c0 + kCol),
                plan.y + tok[p] * plan.d_out);
  }
}

void apply(Backend& backend, const ApplyPlan& plan) {
  Scratch& s = t_scratch;
  const int total = static_cast<mos::cpu::CpuBackend&>(backend).threads();
  const int threads = std::max(1, total / std::max(1, plan.concurrent));

  // Decode tokens first (one pass, all adapters together), then each prefill group.
  grow(s.dec_tok, static_cast<size_t>(plan.group_start[plan.num_groups]));
  grow(s.dec_ad, s.dec_tok.size());
  int64_t n_dec = 0;
  for (int32_t g = 0; g < plan.num_groups; ++g) {
    const int32_t n = plan.group_start[g + 1] - plan.group_start[g];
    const bool decode = plan.path == MOS_BANK_PATH_DECODE ||
                        (plan.path == MOS_BANK_PATH_AUTO && n < kPrefillMinTokens);
    if (!decode) continue;
    for (int32_t q = plan.group_start[g]; q < plan.group_start[g + 1]; ++q) {
      s.dec_tok[n_dec] = plan.order[q];
      s.dec_ad[n_dec] = plan.group_adapter[g];
      ++n_dec;
    }
  }
  apply_decode(plan, s.dec_tok.data(), s.dec_ad.data(), n_dec, threads, s);
  for (int32_t g = 0; g < plan.num_groups; ++g) {
    const int32_t n = plan.group_start[g + 1] - plan.group_start[g];
    const bool decode = plan.path == MOS_BANK_PATH_DECODE ||
                        (plan.path == MOS_BANK_PATH_AUTO && n < kPrefillMinTokens);
    if (decode) continue;
    apply_prefill_group(backend, plan, *plan.group_adapter[g], plan.order + plan.group_start[g], n,
                        threads, s);
  }
}

}  // namespace cpu
}  // namespace bank
}  // namespace mos
