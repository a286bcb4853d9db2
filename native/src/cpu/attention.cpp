// SPDX-License-Identifier: Apache-2.0
// attention.cpp: CpuBackend's causal attention. Training: packed sequences, one (sequence, head)
// at a time, query rows in blocks whose scores and values are BLAS products (threaded by BLAS
// itself: a multi-threaded BLAS must not be called from inside an OpenMP region); the forward keeps
// each row's log-sum-exp and the backward recomputes the probabilities from it (FlashAttention-2's
// split). Inference over the paged KV cache: decode-sized queries (a few rows) of all (sequence,
// KV head) pairs in parallel with plain loops straight from the pages; prefill chunks one at a
// time, their keys and values gathered from the pages, through BLAS.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/paged_kv.h"
#include "cpu/cpu_backend.h"
#include "cpu/gemm_fallback.h"

#ifdef MOS_HAVE_CBLAS
#include <cblas.h>
#endif
#ifdef _OPENMP
#include <omp.h>
#endif

namespace mos {
namespace cpu {

namespace {

constexpr int32_t kQueryBlock = 64;  // query rows whose scores are one product
constexpr int32_t kFewQueries = 8;   // paged: up to this many new rows take the parallel loops

int thread_id() {
#ifdef _OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}

// A row-major product outside any OpenMP region (BLAS threads it as it sees fit).
void mm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
        const float* b, int64_t ldb, float beta, float* c, int64_t ldc, int threads) {
  if (m == 0 || n == 0) return;
#ifdef MOS_HAVE_CBLAS
  (void)threads;
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
              static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), alpha, a,
              static_cast<int>(lda), b, static_cast<int>(ldb), beta, c, static_cast<int>(ldc));
#else
  gemm_fallback(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads);
#endif
}

// Rows of s [nb x n] become probabilities: row r may see keys [0, first_key + r], the rest is 0.
// With lse_out, each row's log-sum-exp is stored there; with lse_in, that one is used instead
// (backward: the forward's probabilities exactly).
void softmax_row(float* row, int64_t n, int64_t valid, float* lse_out, const float* lse_in) {
  float lse;
  if (lse_in) {
    lse = *lse_in;
  } else {
    float m = row[0];
    for (int64_t j = 1; j < valid; ++j) m = std::max(m, row[j]);
    double sum = 0.0;
    for (int64_t j = 0; j < valid; ++j) sum += static_cast<double>(std::exp(row[j] - m));
    lse = static_cast<float>(static_cast<double>(m) + std::log(sum));
    if (lse_out) *lse_out = lse;
  }
  for (int64_t j = 0; j < valid; ++j) row[j] = std::exp(row[j] - lse);
  for (int64_t j = valid; j < n; ++j) row[j] = 0.0f;
}

// One thread: these rows sit between two threaded BLAS calls (see the top of the file).
void softmax_rows(float* s, int64_t nb, int64_t n, int64_t first_key, float* lse_out,
                  int64_t lse_stride, const float* lse_in) {
  for (int64_t r = 0; r < nb; ++r)
    softmax_row(s + r * n, n, std::min<int64_t>(n, first_key + r + 1),
                lse_out ? lse_out + r * lse_stride : nullptr,
                lse_in ? lse_in + r * lse_stride : nullptr);
}

// out rows [n_q x head_dim] = softmax(scale q k^T) v over keys [0, first_key + row] for query
// rows q [n_q x head_dim] (stride ldq) and keys / values [>= first_key + n_q rows] (stride ldk).
void attend(int64_t n_q, int64_t first_key, int32_t head_dim, float scale, const float* q,
            int64_t ldq, const float* k, const float* v, int64_t ldk, float* out, int64_t ldo,
            float* lse, int64_t lse_stride, float* s, int threads) {
  for (int64_t i0 = 0; i0 < n_q; i0 += kQueryBlock) {
    const int64_t nb = std::min<int64_t>(kQueryBlock, n_q - i0);
    const int64_t n = first_key + i0 + nb;  // keys any row of the block sees
    mm(false, true, nb, n, head_dim, scale, q + i0 * ldq, ldq, k, ldk, 0.0f, s, n, threads);
    softmax_rows(s, nb, n, first_key + i0, lse ? lse + i0 * lse_stride : nullptr, lse_stride,
                 nullptr);
    mm(false, false, nb, head_dim, n, 1.0f, s, n, v, ldk, 0.0f, out + i0 * ldo, ldo, threads);
  }
}

}  // namespace

int64_t CpuBackend::attention_scratch_floats(int32_t max_len, int32_t /*head_dim*/) {
  // The scores and their gradient for one block of query rows.
  return 2 * kQueryBlock * static_cast<int64_t>(std::max<int32_t>(max_len, 1));
}

void CpuBackend::attention_forward(int32_t num_seqs, const int32_t* starts, int32_t /*max_len*/,
                                   int32_t heads, int32_t kv_heads, int32_t head_dim, float scale,
                                   const float* q, const float* k, const float* v, float* out,
                                   float* lse, float* scratch) {
  const int64_t ldq = static_cast<int64_t>(heads) * head_dim;
  const int64_t ldk = static_cast<int64_t>(kv_heads) * head_dim;
  const int32_t group = heads / kv_heads;
  for (int32_t s = 0; s < num_seqs; ++s) {
    const int64_t base = starts[s], len = starts[s + 1] - starts[s];
    for (int32_t h = 0; h < heads; ++h) {
      const int64_t kv = (h / group) * static_cast<int64_t>(head_dim);
      const int64_t qo = base * ldq + static_cast<int64_t>(h) * head_dim;
      attend(len, 0, head_dim, scale, q + qo, ldq, k + base * ldk + kv, v + base * ldk + kv, ldk,
             out + qo, ldq, lse + base * heads + h, heads, scratch, threads());
    }
  }
}

void CpuBackend::attention_backward(int32_t num_seqs, const int32_t* starts, int32_t max_len,
                                    int32_t heads, int32_t kv_heads, int32_t head_dim, float scale,
                                    const float* q, const float* k, const float* v,
                                    const float* out, const float* lse, const float* dout,
                                    float* dq, float* dk, float* dv, float* scratch) {
  const int64_t ldq = static_cast<int64_t>(heads) * head_dim;
  const int64_t ldk = static_cast<int64_t>(kv_heads) * head_dim;
  const int32_t group = heads / kv_heads;
  const int nt = threads();
  float* p = scratch;
  float* dp = p + kQueryBlock * static_cast<int64_t>(std::max<int32_t>(max_len, 1));
  for (int32_t s = 0; s < num_seqs; ++s) {
    const int64_t base = starts[s], len = starts[s + 1] - starts[s];
    for (int32_t g = 0; g < kv_heads; ++g) {
      // The group's query heads all add into this KV head's dk / dv.
      const int64_t kvo = base * ldk + static_cast<int64_t>(g) * head_dim;
      for (int64_t t = 0; t < len; ++t) {
        std::memset(dk + kvo + t * ldk, 0, sizeof(float) * head_dim);
        std::memset(dv + kvo + t * ldk, 0, sizeof(float) * head_dim);
      }
      for (int32_t h = g * group; h < (g + 1) * group; ++h) {
        const int64_t qo = base * ldq + static_cast<int64_t>(h) * head_dim;
        for (int64_t i0 = 0; i0 < len; i0 += kQueryBlock) {
          const int64_t nb = std::min<int64_t>(kQueryBlock, len - i0);
          const int64_t n = i0 + nb;
          const float* qb = q + qo + i0 * ldq;
          const float* ob = out + qo + i0 * ldq;
          const float* gb = dout + qo + i0 * ldq;
          // P from the saved log-sum-exp; dV += P^T dO; dP = dO V^T.
          mm(false, true, nb, n, head_dim, scale, qb, ldq, k + kvo, ldk, 0.0f, p, n, nt);
          softmax_rows(p, nb, n, i0, nullptr, heads, lse + (base + i0) * heads + h);
          mm(true, false, n, head_dim, nb, 1.0f, p, n, gb, ldq, 1.0f, dv + kvo, ldk, nt);
          mm(false, true, nb, n, head_dim, 1.0f, gb, ldq, v + kvo, ldk, 0.0f, dp, n, nt);
          // dS = P (dP - D), D_r = dO_r . O_r (the softmax's Jacobian applied row by row).
          for (int64_t r = 0; r < nb; ++r) {
            double d = 0.0;
            for (int32_t e = 0; e < head_dim; ++e)
              d += static_cast<double>(gb[r * ldq + e]) * ob[r * ldq + e];
            const float df = static_cast<float>(d);
            const float* pr = p + r * n;
            float* dr = dp + r * n;
            for (int64_t j = 0; j < n; ++j) dr[j] = pr[j] * (dr[j] - df);
          }
          // dQ = scale dS K; dK += scale dS^T Q.
          mm(false, false, nb, head_dim, n, scale, dp, n, k + kvo, ldk, 0.0f, dq + qo + i0 * ldq,
             ldq, nt);
          mm(true, false, n, head_dim, nb, scale, dp, n, qb, ldq, 1.0f, dk + kvo, ldk, nt);
        }
      }
    }
  }
}

void CpuBackend::kv_cache_write(int64_t tokens, const int32_t* slots, int32_t kv_heads,
                                int32_t head_dim, const float* k, const float* v, float* cache,
                                int64_t num_pages) {
  const int64_t ld = static_cast<int64_t>(kv_heads) * head_dim;
#pragma omp parallel for num_threads(threads()) \
    schedule(static) if (tokens * ld >= kBetweenBlasParallelMin)
  for (int64_t t = 0; t < tokens; ++t) {
    for (int32_t h = 0; h < kv_heads; ++h) {
      const size_t bytes = sizeof(float) * head_dim;
      std::memcpy(cache + kv::offset(num_pages, kv_heads, head_dim, 0, slots[t], h),
                  k + t * ld + static_cast<int64_t>(h) * head_dim, bytes);
      std::memcpy(cache + kv::offset(num_pages, kv_heads, head_dim, 1, slots[t], h),
                  v + t * ld + static_cast<int64_t>(h) * head_dim, bytes);
    }
  }
}

int64_t CpuBackend::paged_attention_scratch_floats(int32_t max_q, int32_t max_ctx, int32_t heads,
                                                   int32_t kv_heads, int32_t head_dim) {
  // Parallel part, per thread: the scores of up to kFewQueries new rows of each head of one
  // query group. Chunk part: one KV head's keys and values gathered, and one block of scores.
  const int64_t ctx = std::max<int32_t>(max_ctx, 1);
  const int64_t few =
      static_cast<int64_t>(std::min<int32_t>(max_q, kFewQueries)) * (heads / kv_heads);
  return static_cast<int64_t>(threads()) * few * ctx + 2 * ctx * head_dim + kQueryBlock * ctx;
}

void CpuBackend::paged_attention(int32_t num_seqs, const int32_t* q_starts, const int32_t* ctx_lens,
                                 const int32_t* page_tables, int32_t max_pages, int32_t max_q,
                                 int32_t max_ctx, int32_t heads, int32_t kv_heads, int32_t head_dim,
                                 float scale, const float* q, const float* cache, int64_t num_pages,
                                 float* out, float* scratch) {
  const int64_t ldq = static_cast<int64_t>(heads) * head_dim;
  const int32_t group = heads / kv_heads;
  const int64_t ctx_cap = std::max<int32_t>(max_ctx, 1);
  const int64_t few_rows = std::min<int32_t>(max_q, kFewQueries);
  const int64_t per_thread = few_rows * group * ctx_cap;
  const int nt = threads();
  // Decode-sized sequences: every (sequence, KV head) in parallel; each reads its keys and values
  // once from the pages for all query rows of its group.
  const int64_t items = static_cast<int64_t>(num_seqs) * kv_heads;
  int64_t few_work = 0, many = 0;  // multiply-adds of the decode-sized items; longer chunks
  for (int32_t s = 0; s < num_seqs; ++s) {
    const int64_t nq = q_starts[s + 1] - q_starts[s];
    if (nq > kFewQueries) {
      ++many;
    } else {
      few_work += nq * ctx_lens[s] * ldq;
    }
  }
#pragma omp parallel for num_threads(nt) \
    schedule(dynamic, 1) if (items > 1 && few_work >= kParallelMin)
  for (int64_t it = 0; it < (few_work > 0 ? items : 0); ++it) {
    const int32_t s = static_cast<int32_t>(it / kv_heads), g = static_cast<int32_t>(it % kv_heads);
    const int64_t q0 = q_starts[s], nq = q_starts[s + 1] - q_starts[s];
    if (nq > kFewQueries) continue;
    const int32_t ctx = ctx_lens[s];
    const int32_t* table = page_tables + static_cast<int64_t>(s) * max_pages;
    const int64_t rows = nq * group;                 // (query row, head of the group) pairs
    float* sc = scratch + thread_id() * per_thread;  // [rows x ctx] scores, then probabilities
    for (int32_t t = 0; t < ctx; ++t) {
      const float* kt =
          cache + kv::offset(num_pages, kv_heads, head_dim, 0, kv::slot_of(table, t), g);
      for (int64_t j = 0; j < nq; ++j) {
        for (int32_t hh = 0; hh < group; ++hh) {
          const float* qr = q + (q0 + j) * ldq + static_cast<int64_t>(g * group + hh) * head_dim;
          float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
          for (int32_t e = 0; e < head_dim; ++e) acc += qr[e] * kt[e];
          sc[(j * group + hh) * ctx_cap + t] = scale * acc;
        }
      }
    }
    for (int64_t j = 0; j < nq; ++j)
      for (int32_t hh = 0; hh < group; ++hh)
        softmax_row(sc + (j * group + hh) * ctx_cap, ctx, ctx - nq + j + 1, nullptr, nullptr);
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t j = r / group, hh = r % group;
      std::memset(out + (q0 + j) * ldq + (g * group + hh) * head_dim, 0, sizeof(float) * head_dim);
    }
    for (int32_t t = 0; t < ctx; ++t) {
      const float* vt =
          cache + kv::offset(num_pages, kv_heads, head_dim, 1, kv::slot_of(table, t), g);
      for (int64_t r = 0; r < rows; ++r) {
        const int64_t j = r / group, hh = r % group;
        const float pr = sc[r * ctx_cap + t];
        if (pr == 0.0f) continue;  // a causal zero of a prefill row (or an underflow)
        float* o = out + (q0 + j) * ldq + (g * group + hh) * head_dim;
#pragma omp simd
        for (int32_t e = 0; e < head_dim; ++e) o[e] += pr * vt[e];
      }
    }
  }
  // Longer chunks (prefill): one (sequence, KV head) at a time through BLAS.
  if (many == 0) return;
  float* kc = scratch + nt * per_thread;
  float* vc = kc + ctx_cap * head_dim;
  float* sc = vc + ctx_cap * head_dim;
  for (int32_t s = 0; s < num_seqs; ++s) {
    const int64_t q0 = q_starts[s], nq = q_starts[s + 1] - q_starts[s];
    if (nq <= kFewQueries) continue;
    const int32_t ctx = ctx_lens[s];
    const int32_t* table = page_tables + static_cast<int64_t>(s) * max_pages;
    for (int32_t g = 0; g < kv_heads; ++g) {
      for (int32_t pos = 0; pos < ctx; ++pos) {  // one thread: BLAS calls come next
        const int64_t slot = kv::slot_of(table, pos);
        std::memcpy(kc + static_cast<int64_t>(pos) * head_dim,
                    cache + kv::offset(num_pages, kv_heads, head_dim, 0, slot, g),
                    sizeof(float) * head_dim);
        std::memcpy(vc + static_cast<int64_t>(pos) * head_dim,
                    cache + kv::offset(num_pages, kv_heads, head_dim, 1, slot, g),
                    sizeof(float) * head_dim);
      }
      for (int32_t h = g * group; h < (g + 1) * group; ++h) {
        const int64_t qo = q0 * ldq + static_cast<int64_t>(h) * head_dim;
        attend(nq, ctx - nq, head_dim, scale, q + qo, ldq, kc, vc, head_dim, out + qo, ldq, nullptr,
               0, sc, nt);
      }
    }
  }
}

}  // namespace cpu
}  // namespace mos
