// SPDX-License-Identifier: Apache-2.0
// gemm_bf16.cpp: CpuBackend::gemm_bf16_nt / gemm_bf16_nn, products with a frozen BF16 weight that
// never widen the whole matrix. Few rows (decode): W streams once through the cores, widened in
// registers (AVX-512 or AVX2 + FMA when the CPU has them, else plain loops), output rows split
// over the threads. Many rows: W is widened panel by panel into the caller's scratch and each
// panel goes to cblas_sgemm. x stays f32: f32 x f32 products of the exact bf16 values, as a
// float32-loaded Hugging Face model computes.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

#include "common/bf16.h"
#include "common/index_math.h"
#include "cpu/cpu_backend.h"
#include "cpu/gemm_fallback.h"
#include "error.h"

#ifdef MOS_HAVE_CBLAS
#include <cblas.h>
#endif
#if defined(__x86_64__)
#include <immintrin.h>
#define MOS_X86 1
#endif

namespace mos {
namespace cpu {

namespace {

constexpr int64_t kFewRows = 8;  // up to this many rows: the streaming kernels
constexpr int64_t kPanel = 256;  // W rows widened per panel on the many-rows path
constexpr int64_t kStrip = 256;  // gemm_bf16_nn streaming: dx columns per work item

enum class Isa { kGeneric, kAvx2, kAvx512 };

// The kernels the CPU can run; MOS_CPU_KERNELS=generic|avx2 lowers the choice (tests run every
// path on one machine), never raises it above what the CPU has.
Isa detect_isa() {
  Isa isa = Isa::kGeneric;
#ifdef MOS_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) isa = Isa::kAvx2;
  if (isa == Isa::kAvx2 && __builtin_cpu_supports("avx512f")) isa = Isa::kAvx512;
#endif
  if (const char* env = std::getenv("MOS_CPU_KERNELS")) {
    const std::string v = env;
    if (v == "generic") isa = Isa::kGeneric;
    if (v == "avx2" && isa == Isa::kAvx512) isa = Isa::kAvx2;
  }
  return isa;
}
Isa isa() {
  static const Isa v = detect_isa();
  return v;
}

void widen_row(const uint16_t* w, int64_t n, float* out) {
  for (int64_t e = 0; e < n; ++e) out[e] = bf16::to_f32(w[e]);
}

// ---- nt streaming: y[r, j] = sum_c x[r, c] w[j, c] for r < m <= kFewRows, one W row at a time ----
void dot_rows_generic(int64_t m, int64_t k, const float* x, int64_t ldx, const uint16_t* w,
                      float* acc) {
  for (int64_t r = 0; r < m; ++r) acc[r] = 0.0f;
  for (int64_t c = 0; c < k; ++c) {
    const float wv = bf16::to_f32(w[c]);
    for (int64_t r = 0; r < m; ++r) acc[r] += x[r * ldx + c] * wv;
  }
}

#ifdef MOS_X86
// 8 (AVX2) or 16 (AVX-512) bf16 weights at p, widened to f32 (a macro: a lambda would not inherit
// the function's target attribute).
#define WIDEN8(p)                        \
  _mm256_castsi256_ps(_mm256_slli_epi32( \
      _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))), 16))
#define WIDEN16(p)                                                                          \
  _mm512_castsi512_ps(_mm512_maskz_slli_epi32(                                              \
      0xffff,                                                                               \
      _mm512_maskz_cvtepu16_epi32(0xffff,                                                   \
                                  _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))), \
      16))

// One row (decode at batch 1): four independent accumulators, so the loop runs at the rate W
// arrives, not at one FMA latency per 8 weights (which held a thread to about 10 GB/s of W).
__attribute__((target("avx2,fma"))) void dot_row1_avx2(int64_t k, const float* x, const uint16_t* w,
                                                       float* acc) {
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  int64_t c = 0;
  for (; c + 32 <= k; c += 32) {
    a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + c), WIDEN8(w + c), a0);
    a1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + c + 8), WIDEN8(w + c + 8), a1);
    a2 = _mm256_fmadd_ps(_mm256_loadu_ps(x + c + 16), WIDEN8(w + c + 16), a2);
    a3 = _mm256_fmadd_ps(_mm256_loadu_ps(x + c + 24), WIDEN8(w + c + 24), a3);
  }
  for (; c + 8 <= k; c += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + c), WIDEN8(w + c), a0);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
  float s = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) +
            ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
  for (; c < k; ++c) s += x[c] * bf16::to_f32(w[c]);
  acc[0] = s;
}

__attribute__((target("avx2,fma"))) void dot_rows_avx2(int64_t m, int64_t k, const float* x,
                                                       int64_t ldx, const uint16_t* w, float* acc) {
  if (m == 1) return dot_row1_avx2(k, x, w, acc);
  __m256 a[kFewRows];
  for (int64_t r = 0; r < m; ++r) a[r] = _mm256_setzero_ps();
  int64_t c = 0;
  for (; c + 8 <= k; c += 8) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w + c));
    const __m256 wv = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
    for (int64_t r = 0; r < m; ++r)
      a[r] = _mm256_fmadd_ps(_mm256_loadu_ps(x + r * ldx + c), wv, a[r]);
  }
  for (int64_t r = 0; r < m; ++r) {
    alignas(32) float lanes[8];
    _mm256_store_ps(lanes, a[r]);
    float s = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) +
              ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
    for (int64_t e = c; e < k; ++e) s += x[r * ldx + e] * bf16::to_f32(w[e]);
    acc[r] = s;
  }
}

// One row: four independent accumulators (see dot_row1_avx2).
__attribute__((target("avx512f"))) void dot_row1_avx512(int64_t k, const float* x,
                                                        const uint16_t* w, float* acc) {
  __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  int64_t c = 0;
  for (; c + 64 <= k; c += 64) {
    a0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + c), WIDEN16(w + c), a0);
    a1 = _mm512_fmadd_ps(_mm512_loadu_ps(x + c + 16), WIDEN16(w + c + 16), a1);
    a2 = _mm512_fmadd_ps(_mm512_loadu_ps(x + c + 32), WIDEN16(w + c + 32), a2);
    a3 = _mm512_fmadd_ps(_mm512_loadu_ps(x + c + 48), WIDEN16(w + c + 48), a3);
  }
  for (; c + 16 <= k; c += 16) a0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + c), WIDEN16(w + c), a0);
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, _mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
  float s = 0.0f;
  for (int e = 0; e < 16; ++e) s += lanes[e];
  for (; c < k; ++c) s += x[c] * bf16::to_f32(w[c]);
  acc[0] = s;
}

__attribute__((target("avx512f"))) void dot_rows_avx512(int64_t m, int64_t k, const float* x,
                                                        int64_t ldx, const uint16_t* w,
                                                        float* acc) {
  if (m == 1) return dot_row1_avx512(k, x, w, acc);
  __m512 a[kFewRows];
  for (int64_t r = 0; r < m; ++r) a[r] = _mm512_setzero_ps();
  int64_t c = 0;
  for (; c + 16 <= k; c += 16) {
    const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + c));
    // The maskz forms: GCC 12 warns about the plain ones' undefined pass-through operand.
    const __m512i wi = _mm512_maskz_cvtepu16_epi32(0xffff, h);
    const __m512 wv = _mm512_castsi512_ps(_mm512_maskz_slli_epi32(0xffff, wi, 16));
    for (int64_t r = 0; r < m; ++r)
      a[r] = _mm512_fmadd_ps(_mm512_loadu_ps(x + r * ldx + c), wv, a[r]);
  }
  for (int64_t r = 0; r < m; ++r) {
    alignas(64) float lanes[16];
    _mm512_store_ps(lanes, a[r]);
    float s = 0.0f;
    for (int e = 0; e < 16; ++e) s += lanes[e];
    for (int64_t e = c; e < k; ++e) s += x[r * ldx + e] * bf16::to_f32(w[e]);
    acc[r] = s;
  }
}
#endif

void dot_rows(Isa which, int64_t m, int64_t k, const float* x, int64_t ldx, const uint16_t* w,
              float* acc) {
#ifdef MOS_X86
  if (which == Isa::kAvx512) return dot_rows_avx512(m, k, x, ldx, w, acc);
  if (which == Isa::kAvx2) return dot_rows_avx2(m, k, x, ldx, w, acc);
#endif
  dot_rows_generic(m, k, x, ldx, w, acc);
}

void sgemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
           int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc,
           int threads) {
#ifdef MOS_HAVE_CBLAS
  (void)threads;
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
              static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), alpha, a,
              static_cast<int>(lda), b, static_cast<int>(ldb), beta, c, static_cast<int>(ldc));
#else
  gemm_fallback(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads);
#endif
}

void check_dims(int64_t m, int64_t n, int64_t k) {
  constexpr int64_t kMax = std::numeric_limits<int>::max();
  check(m <= kMax && n <= kMax && k <= kMax && kPanel * k <= kMax, MOS_STATUS_UNSUPPORTED,
        "a product of [", m, " x ", k, "] by a BF16 weight [", n, " x ", k,
        "] exceeds the 32-bit dimensions of this BLAS");
}

}  // namespace

int64_t CpuBackend::gemm_bf16_scratch_floats(int64_t m, int64_t n, int64_t k) {
  if (m <= kFewRows) return 0;
  return std::min(kPanel, n) * k;
}

void CpuBackend::gemm_bf16_nt(int64_t m, int64_t n, int64_t k, const float* x, int64_t ldx,
                              const uint16_t* w, float beta, float* y, int64_t ldy,
                              float* scratch) {
  if (m == 0 || n == 0) return;
  check_dims(m, n, k);
  if (m <= kFewRows) {
    const Isa which = isa();
#pragma omp parallel for num_threads(threads()) schedule(static) if (n * k >= kParallelMin)
    for (int64_t j = 0; j < n; ++j) {
      float acc[kFewRows];
      dot_rows(which, m, k, x, ldx, w + j * k, acc);
      for (int64_t r = 0; r < m; ++r)
        y[r * ldy + j] = beta == 0.0f ? acc[r] : acc[r] + beta * y[r * ldy + j];
    }
    return;
  }
  // The panel is widened by this thread alone: with m > kFewRows rows that is at most a ninth of
  // the multiply-adds, and an OpenMP region between two threaded BLAS calls would make the two
  // thread pools wait for each other (OpenBLAS's workers spin for a while after each call).
  for (int64_t j0 = 0; j0 < n; j0 += kPanel) {
    const int64_t nb = std::min(kPanel, n - j0);
    widen_row(w + j0 * k, nb * k, scratch);
    sgemm(false, true, m, nb, k, 1.0f, x, ldx, scratch, k, beta, y + j0, ldy, threads());
  }
}

void CpuBackend::gemm_bf16_nn(int64_t m, int64_t n, int64_t k, const float* dy, int64_t lddy,
                              const uint16_t* w, float beta, float* dx, int64_t lddx,
                              float* scratch) {
  if (m == 0 || k == 0) return;
  check_dims(m, n, k);
  if (m <= kFewRows) {
    // dx[r, strip] = beta dx[r, strip] + sum_j dy[r, j] W[j, strip]: each item owns a column strip
    // of dx and reads the matching strip of every W row, so W is read once in all.
    const int64_t strips = (k + kStrip - 1) / kStrip;
#pragma omp parallel for num_threads(threads()) schedule(static) if (n * k >= kParallelMin)
    for (int64_t sidx = 0; sidx < strips; ++sidx) {
      const int64_t c0 = sidx * kStrip, len = std::min(kStrip, k - c0);
      float acc[kFewRows][kStrip];
      float wr[kStrip];
      for (int64_t r = 0; r < m; ++r) {
        for (int64_t e = 0; e < len; ++e)
          acc[r][e] = beta == 0.0f ? 0.0f : beta * dx[r * lddx + c0 + e];
      }
      for (int64_t j = 0; j < n; ++j) {
        widen_row(w + j * k + c0, len, wr);
        for (int64_t r = 0; r < m; ++r) {
          const float g = dy[r * lddy + j];
          for (int64_t e = 0; e < len; ++e) acc[r][e] += g * wr[e];
        }
      }
      for (int64_t r = 0; r < m; ++r) std::memcpy(dx + r * lddx + c0, acc[r], sizeof(float) * len);
    }
    return;
  }
  for (int64_t j0 = 0; j0 < n; j0 += kPanel) {
    const int64_t nb = std::min(kPanel, n - j0);
    widen_row(w + j0 * k, nb * k, scratch);  // one thread, as in gemm_bf16_nt
    sgemm(false, false, m, k, nb, 1.0f, dy + j0, lddy, scratch, k, j0 == 0 ? beta : 1.0f, dx, lddx,
          threads());
  }
}

}  // namespace cpu
}  // namespace mos
