// SPDX-License-Identifier: Apache-2.0
// bank_apply_tile.cpp: the bank's CPU micro-kernels. Shrink: dot products of token rows with
// A-shard rows; expand: y rows += u-weighted B-shard rows. 1-token forms (decode) and 4-token
// register tiles (prefill: each shard row loaded once for 4 tokens). AVX2+FMA when the CPU has it.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cpu/bank_apply.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define MOS_BANK_X86 1
#endif

namespace mos {
namespace bank {
namespace cpu {

namespace {
constexpr int64_t kPrefetchChunk = 64;   // floats between prefetches: 4 cache lines
constexpr int64_t kPrefetchAhead = 512;  // floats ahead: 2 KiB, half a page
inline void prefetch4(const float* a, const float* b, const float* c, const float* d, int64_t at,
                      int64_t n) {
  if (at >= n) return;
  for (int64_t o = at; o < at + kPrefetchChunk && o < n; o += 16) {
    __builtin_prefetch(a + o);
    __builtin_prefetch(b + o);
    __builtin_prefetch(c + o);
    __builtin_prefetch(d + o);
  }
}
}  // namespace

// ---- 1 token: out[q] += <x, a_q> for 4 shard rows (x loaded once) ----------------------------
MOS_BANK_CLONES
void dot_1x4(const float* __restrict x, const float* __restrict a0, const float* __restrict a1,
             const float* __restrict a2, const float* __restrict a3, int64_t n, float* out) {
  float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
  for (int64_t c = 0; c < n; c += kPrefetchChunk) {
    // Shard rows start at random places: prefetch ahead so that a new page's first lines are on
    // their way before the hardware prefetcher (which stops at page ends) has caught up.
    prefetch4(a0, a1, a2, a3, c + kPrefetchAhead, n);
    const int64_t e = c + kPrefetchChunk < n ? c + kPrefetchChunk : n;
#pragma omp simd reduction(+ : s0, s1, s2, s3)
    for (int64_t i = c; i < e; ++i) {
      const float xv = x[i];
      s0 += a0[i] * xv;
      s1 += a1[i] * xv;
      s2 += a2[i] * xv;
      s3 += a3[i] * xv;
    }
  }
  out[0] += s0;
  out[1] += s1;
  out[2] += s2;
  out[3] += s3;
}

// ---- 1 token, 8 shard rows: twice the memory streams in flight of the 4-row forms --------------
namespace {
void dot_1x8_generic(const float* __restrict x, const float* const* a, int64_t n, float* out) {
  const float* __restrict a0 = a[0];
  const float* __restrict a1 = a[1];
  const float* __restrict a2 = a[2];
  const float* __restrict a3 = a[3];
  const float* __restrict a4 = a[4];
  const float* __restrict a5 = a[5];
  const float* __restrict a6 = a[6];
  const float* __restrict a7 = a[7];
  float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f, s4 = 0.0f, s5 = 0.0f, s6 = 0.0f, s7 = 0.0f;
  for (int64_t c = 0; c < n; c += kPrefetchChunk) {
    prefetch4(a0, a1, a2, a3, c + kPrefetchAhead, n);
    prefetch4(a4, a5, a6, a7, c + kPrefetchAhead, n);
    const int64_t e = c + kPrefetchChunk < n ? c + kPrefetchChunk : n;
#pragma omp simd reduction(+ : s0, s1, s2, s3, s4, s5, s6, s7)
    for (int64_t i = c; i < e; ++i) {
      const float xv = x[i];
      s0 += a0[i] * xv;
      s1 += a1[i] * xv;
      s2 += a2[i] * xv;
      s3 += a3[i] * xv;
      s4 += a4[i] * xv;
      s5 += a5[i] * xv;
      s6 += a6[i] * xv;
      s7 += a7[i] * xv;
    }
  }
  out[0] += s0;
  out[1] += s1;
  out[2] += s2;
  out[3] += s3;
  out[4] += s4;
  out[5] += s5;
  out[6] += s6;
  out[7] += s7;
}

void axpy_1x8_generic(float* __restrict y, const float* const* b, const float* u, int64_t n) {
  const float* __restrict b0 = b[0];
  const float* __restrict b1 = b[1];
  const float* __restrict b2 = b[2];
  const float* __restrict b3 = b[3];
  const float* __restrict b4 = b[4];
  const float* __restrict b5 = b[5];
  const float* __restrict b6 = b[6];
  const float* __restrict b7 = b[7];
  const float u0 = u[0], u1 = u[1], u2 = u[2], u3 = u[3], u4 = u[4], u5 = u[5], u6 = u[6],
              u7 = u[7];
  for (int64_t c = 0; c < n; c += kPrefetchChunk) {
    prefetch4(b0, b1, b2, b3, c + kPrefetchAhead, n);
    prefetch4(b4, b5, b6, b7, c + kPrefetchAhead, n);
    const int64_t e = c + kPrefetchChunk < n ? c + kPrefetchChunk : n;
#pragma omp simd
    for (int64_t i = c; i < e; ++i)
      y[i] += ((u0 * b0[i] + u1 * b1[i]) + (u2 * b2[i] + u3 * b3[i])) +
              ((u4 * b4[i] + u5 * b5[i]) + (u6 * b6[i] + u7 * b7[i]));
  }
}

}  // namespace

MOS_BANK_CLONES
float dot_1x1(const float* __restrict x, const float* __restrict a, int64_t n) {
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (int64_t i = 0; i < n; ++i) s += a[i] * x[i];
  return s;
}

// ---- 1 token: y += u0 b0 + u1 b1 + u2 b2 + u3 b3 (one pass over y for 4 shard rows) ------------
MOS_BANK_CLONES
void axpy_1x4(float* __restrict y, const float* __restrict b0, const float* __restrict b1,
              const float* __restrict b2, const float* __restrict b3, const float* u, int64_t n) {
  const float u0 = u[0], u1 = u[1], u2 = u[2], u3 = u[3];
  for (int64_t c = 0; c < n; c += kPrefetchChunk) {
    prefetch4(b0, b1, b2, b3, c + kPrefetchAhead, n);
    const int64_t e = c + kPrefetchChunk < n ? c + kPrefetchChunk : n;
#pragma omp simd
    for (int64_t i = c; i < e; ++i) y[i] += u0 * b0[i] + u1 * b1[i] + u2 * b2[i] + u3 * b3[i];
  }
}

MOS_BANK_CLONES
void axpy_1x1(float* __restrict y, const float* __restrict b, float u, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) y[i] += u * b[i];
}

// ---- 4 tokens x 2 rank vectors: out[q*2 + j] += <x_q, a_j> --------------------------------------
namespace {

void dot_4x2_generic(const float* const* x, const float* a0, const float* a1, int64_t n,
                     float* out) {
  for (int q = 0; q < 4; ++q) {
    out[q * 2 + 0] += dot_1x1(x[q], a0, n);
    out[q * 2 + 1] += dot_1x1(x[q], a1, n);
  }
}

void expand_4x_generic(float* const* y, const float* const* b, const float* u, int64_t ldu,
                       int32_t r, int64_t n) {
  for (int q = 0; q < 4; ++q)
    for (int32_t j = 0; j < r; ++j) axpy_1x1(y[q], b[j], u[q * ldu + j], n);
}

#ifdef MOS_BANK_X86
__attribute__((target("avx2,fma"))) inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// 8 accumulators + 4 x registers + 2 a registers: within AVX2's 16.
__attribute__((target("avx2,fma"))) void dot_4x2_avx2(const float* const* x, const float* a0,
                                                      const float* a1, int64_t n, float* out) {
  const float *x0 = x[0], *x1 = x[1], *x2 = x[2], *x3 = x[3];
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c10 = _mm256_setzero_ps(),
         c11 = _mm256_setzero_ps(), c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps(),
         c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 va = _mm256_loadu_ps(a0 + i), vb = _mm256_loadu_ps(a1 + i);
    __m256 v = _mm256_loadu_ps(x0 + i);
    c00 = _mm256_fmadd_ps(v, va, c00);
    c01 = _mm256_fmadd_ps(v, vb, c01);
    v = _mm256_loadu_ps(x1 + i);
    c10 = _mm256_fmadd_ps(v, va, c10);
    c11 = _mm256_fmadd_ps(v, vb, c11);
    v = _mm256_loadu_ps(x2 + i);
    c20 = _mm256_fmadd_ps(v, va, c20);
    c21 = _mm256_fmadd_ps(v, vb, c21);
    v = _mm256_loadu_ps(x3 + i);
    c30 = _mm256_fmadd_ps(v, va, c30);
    c31 = _mm256_fmadd_ps(v, vb, c31);
  }
  float s[8] = {hsum(c00), hsum(c01), hsum(c10), hsum(c11),
                hsum(c20), hsum(c21), hsum(c30), hsum(c31)};
  for (; i < n; ++i) {
    for (int q = 0; q < 4; ++q) {
      s[q * 2 + 0] += x[q][i] * a0[i];
      s[q * 2 + 1] += x[q][i] * a1[i];
    }
  }
  for (int e = 0; e < 8; ++e) out[e] += s[e];
}

// y_q[0, n) += sum_j u[q*ldu + j] b_j[0, n) for 4 tokens: 16 columns of 4 rows stay in registers
// while j runs, so y is read and written once and each B row is loaded once for 4 tokens.
__attribute__((target("avx2,fma"))) void expand_4x_avx2(float* const* y, const float* const* b,
                                                        const float* u, int64_t ldu, int32_t r,
                                                        int64_t n) {
  float *y0 = y[0], *y1 = y[1], *y2 = y[2], *y3 = y[3];
  const float *u0 = u, *u1 = u + ldu, *u2 = u + 2 * ldu, *u3 = u + 3 * ldu;
  int64_t c = 0;
  for (; c + 16 <= n; c += 16) {
    __m256 a00 = _mm256_loadu_ps(y0 + c), a01 = _mm256_loadu_ps(y0 + c + 8);
    __m256 a10 = _mm256_loadu_ps(y1 + c), a11 = _mm256_loadu_ps(y1 + c + 8);
    __m256 a20 = _mm256_loadu_ps(y2 + c), a21 = _mm256_loadu_ps(y2 + c + 8);
    __m256 a30 = _mm256_loadu_ps(y3 + c), a31 = _mm256_loadu_ps(y3 + c + 8);
    for (int32_t j = 0; j < r; ++j) {
      const __m256 b0 = _mm256_loadu_ps(b[j] + c), b1 = _mm256_loadu_ps(b[j] + c + 8);
      __m256 w = _mm256_broadcast_ss(u0 + j);
      a00 = _mm256_fmadd_ps(w, b0, a00);
      a01 = _mm256_fmadd_ps(w, b1, a01);
      w = _mm256_broadcast_ss(u1 + j);
      a10 = _mm256_fmadd_ps(w, b0, a10);
      a11 = _mm256_fmadd_ps(w, b1, a11);
      w = _mm256_broadcast_ss(u2 + j);
      a20 = _mm256_fmadd_ps(w, b0, a20);
      a21 = _mm256_fmadd_ps(w, b1, a21);
      w = _mm256_broadcast_ss(u3 + j);
      a30 = _mm256_fmadd_ps(w, b0, a30);
      a31 = _mm256_fmadd_ps(w, b1, a31);
    }
    _mm256_storeu_ps(y0 + c, a00);
    _mm256_storeu_ps(y0 + c + 8, a01);
    _mm256_storeu_ps(y1 + c, a10);
    _mm256_storeu_ps(y1 + c + 8, a11);
    _mm256_storeu_ps(y2 + c, a20);
    _mm256_storeu_ps(y2 + c + 8, a21);
    _mm256_storeu_ps(y3 + c, a30);
    _mm256_storeu_ps(y3 + c + 8, a31);
  }
  for (; c < n; ++c) {
    float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
    for (int32_t j = 0; j < r; ++j) {
      const float bv = b[j][c];
      s0 += u0[j] * bv;
      s1 += u1[j] * bv;
      s2 += u2[j] * bv;
      s3 += u3[j] * bv;
    }
    y0[c] += s0;
    y1[c] += s1;
    y2[c] += s2;
    y3[c] += s3;
  }
}

// 8 row accumulators, x, and one row load: 10 of AVX2's 16 registers. Two vectors (one cache line
// per row) per iteration, with one prefetch per row kPrefetchAhead floats ahead.
__attribute__((target("avx2,fma"))) void dot_1x8_avx2(const float* x, const float* const* a,
                                                      int64_t n, float* out) {
  const float *a0 = a[0], *a1 = a[1], *a2 = a[2], *a3 = a[3], *a4 = a[4], *a5 = a[5], *a6 = a[6],
              *a7 = a[7];
  __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    if (i + kPrefetchAhead < n) {
      __builtin_prefetch(a0 + i + kPrefetchAhead);
      __builtin_prefetch(a1 + i + kPrefetchAhead);
      __builtin_prefetch(a2 + i + kPrefetchAhead);
      __builtin_prefetch(a3 + i + kPrefetchAhead);
      __builtin_prefetch(a4 + i + kPrefetchAhead);
      __builtin_prefetch(a5 + i + kPrefetchAhead);
      __builtin_prefetch(a6 + i + kPrefetchAhead);
      __builtin_prefetch(a7 + i + kPrefetchAhead);
    }
    for (int64_t h = i; h < i + 16; h += 8) {
      const __m256 xv = _mm256_loadu_ps(x + h);
      s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a0 + h), xv, s0);
      s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a1 + h), xv, s1);
      s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a2 + h), xv, s2);
      s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a3 + h), xv, s3);
      s4 = _mm256_fmadd_ps(_mm256_loadu_ps(a4 + h), xv, s4);
      s5 = _mm256_fmadd_ps(_mm256_loadu_ps(a5 + h), xv, s5);
      s6 = _mm256_fmadd_ps(_mm256_loadu_ps(a6 + h), xv, s6);
      s7 = _mm256_fmadd_ps(_mm256_loadu_ps(a7 + h), xv, s7);
    }
  }
  float t[8] = {hsum(s0), hsum(s1), hsum(s2), hsum(s3), hsum(s4), hsum(s5), hsum(s6), hsum(s7)};
  for (; i < n; ++i) {
    for (int q = 0; q < 8; ++q) t[q] += a[q][i] * x[i];
  }
  for (int q = 0; q < 8; ++q) out[q] += t[q];
}

// y += sum_q u[q] b_q, 16 floats (one cache line of each row) per iteration.
__attribute__((target("avx2,fma"))) void axpy_1x8_avx2(float* y, const float* const* b,
                                                       const float* u, int64_t n) {
  const float *b0 = b[0], *b1 = b[1], *b2 = b[2], *b3 = b[3], *b4 = b[4], *b5 = b[5], *b6 = b[6],
              *b7 = b[7];
  const __m256 u0 = _mm256_set1_ps(u[0]), u1 = _mm256_set1_ps(u[1]), u2 = _mm256_set1_ps(u[2]),
               u3 = _mm256_set1_ps(u[3]), u4 = _mm256_set1_ps(u[4]), u5 = _mm256_set1_ps(u[5]),
               u6 = _mm256_set1_ps(u[6]), u7 = _mm256_set1_ps(u[7]);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    if (i + kPrefetchAhead < n) {
      __builtin_prefetch(b0 + i + kPrefetchAhead);
      __builtin_prefetch(b1 + i + kPrefetchAhead);
      __builtin_prefetch(b2 + i + kPrefetchAhead);
      __builtin_prefetch(b3 + i + kPrefetchAhead);
      __builtin_prefetch(b4 + i + kPrefetchAhead);
      __builtin_prefetch(b5 + i + kPrefetchAhead);
      __builtin_prefetch(b6 + i + kPrefetchAhead);
      __builtin_prefetch(b7 + i + kPrefetchAhead);
    }
    for (int64_t h = i; h < i + 16; h += 8) {
      __m256 lo = _mm256_mul_ps(u0, _mm256_loadu_ps(b0 + h));
      __m256 hi = _mm256_mul_ps(u4, _mm256_loadu_ps(b4 + h));
      lo = _mm256_fmadd_ps(u1, _mm256_loadu_ps(b1 + h), lo);
      hi = _mm256_fmadd_ps(u5, _mm256_loadu_ps(b5 + h), hi);
      lo = _mm256_fmadd_ps(u2, _mm256_loadu_ps(b2 + h), lo);
      hi = _mm256_fmadd_ps(u6, _mm256_loadu_ps(b6 + h), hi);
      lo = _mm256_fmadd_ps(u3, _mm256_loadu_ps(b3 + h), lo);
      hi = _mm256_fmadd_ps(u7, _mm256_loadu_ps(b7 + h), hi);
      _mm256_storeu_ps(y + h, _mm256_add_ps(_mm256_loadu_ps(y + h), _mm256_add_ps(lo, hi)));
    }
  }
  for (; i < n; ++i) {
    float acc = 0.0f;
    for (int q = 0; q < 8; ++q) acc += u[q] * b[q][i];
    y[i] += acc;
  }
}

// MOS_CPU_KERNELS=generic turns the AVX2 kernels off (tests run both on one machine).
bool have_avx2_fma() {
  static const bool ok =
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
      !(std::getenv("MOS_CPU_KERNELS") && std::string(std::getenv("MOS_CPU_KERNELS")) == "generic");
  return ok;
}
#endif

}  // namespace

void dot_4x2(const float* const* x, const float* a0, const float* a1, int64_t n, float* out) {
#ifdef MOS_BANK_X86
  if (have_avx2_fma()) return dot_4x2_avx2(x, a0, a1, n, out);
#endif
  dot_4x2_generic(x, a0, a1, n, out);
}

void dot_1x8(const float* x, const float* const* a, int64_t n, float* out) {
#ifdef MOS_BANK_X86
  if (have_avx2_fma()) return dot_1x8_avx2(x, a, n, out);
#endif
  dot_1x8_generic(x, a, n, out);
}

void axpy_1x8(float* y, const float* const* b, const float* u, int64_t n) {
#ifdef MOS_BANK_X86
  if (have_avx2_fma()) return axpy_1x8_avx2(y, b, u, n);
#endif
  axpy_1x8_generic(y, b, u, n);
}

void expand_4x(float* const* y, const float* const* b, const float* u, int64_t ldu, int32_t r,
               int64_t n) {
#ifdef MOS_BANK_X86
  if (have_avx2_fma()) return expand_4x_avx2(y, b, u, ldu, r, n);
#endif
  expand_4x_generic(y, b, u, ldu, r, n);
}

}  // namespace cpu
}  // namespace bank
}  // namespace mos
