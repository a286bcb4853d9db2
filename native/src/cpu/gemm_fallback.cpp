// SPDX-License-Identifier: Apache-2.0
// gemm_fallback.cpp: cache-blocked SGEMM without BLAS. op(B) is packed in [kc x nc] panels so the
// inner loop is a contiguous, vectorizable axpy over a row of C; rows of C run in parallel.
#include "cpu/gemm_fallback.h"

#include <algorithm>
#include <vector>

namespace mos {
namespace cpu {

namespace {
constexpr int64_t kKc = 256;   // depth of a panel: a panel of B stays in L2
constexpr int64_t kNc = 1024;  // width of a panel
}  // namespace

void gemm_fallback(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                   const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
                   int64_t ldc, int threads) {
  (void)threads;
  if (m <= 0 || n <= 0) return;
  for (int64_t i = 0; i < m; ++i) {
    float* ci = c + i * ldc;
    if (beta == 0.0f) {
      std::fill(ci, ci + n, 0.0f);
    } else if (beta != 1.0f) {
      for (int64_t j = 0; j < n; ++j) ci[j] *= beta;
    }
  }
  if (k <= 0 || alpha == 0.0f) return;

  thread_local std::vector<float> panel;  // grows once per thread, reused afterwards
  panel.resize(static_cast<size_t>(std::min(k, kKc) * std::min(n, kNc)));
  for (int64_t j0 = 0; j0 < n; j0 += kNc) {
    const int64_t nb = std::min(kNc, n - j0);
    for (int64_t p0 = 0; p0 < k; p0 += kKc) {
      const int64_t kb = std::min(kKc, k - p0);
      float* pk = panel.data();
      for (int64_t p = 0; p < kb; ++p)  // panel[p][j] = op(B)(p0 + p, j0 + j)
        for (int64_t j = 0; j < nb; ++j)
          pk[p * nb + j] = trans_b ? b[(j0 + j) * ldb + p0 + p] : b[(p0 + p) * ldb + j0 + j];
#pragma omp parallel for num_threads(threads) schedule(static) if (m * nb * kb >= (1 << 16))
      for (int64_t i = 0; i < m; ++i) {
        float* ci = c + i * ldc + j0;
        for (int64_t p = 0; p < kb; ++p) {
          const float aip = alpha * (trans_a ? a[(p0 + p) * lda + i] : a[i * lda + p0 + p]);
          const float* bp = pk + p * nb;
          for (int64_t j = 0; j < nb; ++j) ci[j] += aip * bp[j];
        }
      }
    }
  }
}

}  // namespace cpu
}  // namespace mos
