// SPDX-License-Identifier: Apache-2.0
/* fake_cublas.c: a stand-in libcublas.so.13 for CI (no GPU, no cuBLAS). It exports the entry
 * points libmos resolves; its cublasGemmEx runs a plain column-major f32 GEMM on HOST memory, so
 * the loader test can also check libmos's row-major -> column-major operand mapping.
 * Built twice: complete, and with -DMOS_FAKE_LACKS_GEMM (no cublasGemmEx) for the error path. */
#include <stddef.h>
#include <stdlib.h>

#define FAKE_API __attribute__((visibility("default")))

static int fake_handle;
static int fake_gemm_calls;

FAKE_API int cublasCreate_v2(void** handle) {
  *handle = &fake_handle;
  return 0;
}
FAKE_API int cublasDestroy_v2(void* handle) { return handle == &fake_handle ? 0 : 1; }
FAKE_API int cublasSetStream_v2(void* handle, void* stream) {
  (void)stream;
  return handle == &fake_handle ? 0 : 1;
}
FAKE_API int cublasSetMathMode(void* handle, int mode) {
  (void)mode;
  return handle == &fake_handle ? 0 : 1;
}
/* 130099: a version no real cuBLAS has, so the test knows it loaded the fake. */
FAKE_API int cublasGetVersion_v2(void* handle, int* version) {
  (void)handle;
  *version = 130099;
  return 0;
}
FAKE_API int mos_fake_gemm_calls(void) { return fake_gemm_calls; }

#ifndef MOS_FAKE_LACKS_GEMM
/* Column-major: C[m x n] = alpha op(A)[m x k] op(B)[k x n] + beta C; CUDA_R_32F (0) only. */
FAKE_API int cublasGemmEx(void* handle, int transa, int transb, int m, int n, int k,
                          const void* alpha, const void* A, int Atype, int lda, const void* B,
                          int Btype, int ldb, const void* beta, void* C, int Ctype, int ldc,
                          int computeType, int algo) {
  (void)computeType;
  (void)algo;
  if (handle != &fake_handle) return 1;
  if (Atype != 0 || Btype != 0 || Ctype != 0) return 15; /* CUBLAS_STATUS_NOT_SUPPORTED */
  const float* a = (const float*)A;
  const float* b = (const float*)B;
  float* c = (float*)C;
  const float al = *(const float*)alpha, be = *(const float*)beta;
  ++fake_gemm_calls;
  /* Pack op(A) row-wise ([m][k]) and op(B) column-wise ([n][k]): contiguous dot products. */
  float* pa = (float*)malloc(sizeof(float) * (size_t)m * (k > 0 ? k : 1));
  float* pb = (float*)malloc(sizeof(float) * (size_t)n * (k > 0 ? k : 1));
  if (pa == NULL || pb == NULL) {
    free(pa);
    free(pb);
    return 3; /* CUBLAS_STATUS_ALLOC_FAILED */
  }
  for (int i = 0; i < m; ++i)
    for (int p = 0; p < k; ++p)
      pa[(size_t)i * k + p] = transa ? a[p + (size_t)i * lda] : a[i + (size_t)p * lda];
  for (int j = 0; j < n; ++j)
    for (int p = 0; p < k; ++p)
      pb[(size_t)j * k + p] = transb ? b[j + (size_t)p * ldb] : b[p + (size_t)j * ldb];
  for (int j = 0; j < n; ++j) {
    for (int i = 0; i < m; ++i) {
      const float* x = pa + (size_t)i * k;
      const float* y = pb + (size_t)j * k;
      double acc = 0.0;
      for (int p = 0; p < k; ++p) acc += (double)x[p] * y[p];
      float* out = c + i + (size_t)j * ldc;
      *out = be == 0.0f ? (float)(al * acc) : (float)(al * acc + be * *out);
    }
  }
  free(pa);
  free(pb);
  return 0;
}
#endif
