// SPDX-License-Identifier: Apache-2.0
// gemm.cpp: CpuBackend::gemm, row-major cblas_sgemm when built with OpenBLAS, else the plain
// blocked fallback. CBLAS takes 32-bit ints here, so larger dimensions are refused, not wrapped.
#include <limits>

#include "cpu/cpu_backend.h"
#include "cpu/gemm_fallback.h"
#include "error.h"

#ifdef MOS_HAVE_CBLAS
#include <cblas.h>
#endif

namespace mos {
namespace cpu {

void CpuBackend::gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                      const float* a, int64_t lda, const float* b, int64_t ldb, float beta,
                      float* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
#ifdef MOS_HAVE_CBLAS
  constexpr int64_t kMax = std::numeric_limits<int>::max();
  check(m <= kMax && n <= kMax && k <= kMax && lda <= kMax && ldb <= kMax && ldc <= kMax,
        MOS_STATUS_UNSUPPORTED, "a product of [", m, " x ", k, "] by [", k, " x ", n,
        "] exceeds the 32-bit dimensions of this BLAS");
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, static_cast<int>(m), static_cast<int>(n),
              static_cast<int>(k), alpha, a, static_cast<int>(lda), b, static_cast<int>(ldb), beta,
              c, static_cast<int>(ldc));
#else
  gemm_fallback(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads());
#endif
}

}  // namespace cpu
}  // namespace mos
