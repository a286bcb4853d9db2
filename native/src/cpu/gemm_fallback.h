// SPDX-License-Identifier: Apache-2.0
// gemm_fallback.h: a plain, cache-blocked row-major SGEMM with BLAS semantics, used only when
// libmos is built without OpenBLAS (e.g. on a GPU machine lacking it) and by its own test.
#pragma once

#include <cstdint>

namespace mos {
namespace cpu {

// C[m x n] = alpha * op(A) op(B) + beta * C; beta == 0 does not read C. `threads` OpenMP threads.
void gemm_fallback(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                   const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
                   int64_t ldc, int threads);

}  // namespace cpu
}  // namespace mos
