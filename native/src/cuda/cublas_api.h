// SPDX-License-Identifier: Apache-2.0
// cublas_api.h: the few cuBLAS types, constants and prototypes the CUDA backend uses, declared
// here so that libmos builds without cuBLAS headers and loads libcublas at run time (dlopen).
#pragma once

#include <library_types.h>  // cudaDataType (ships with cudart)

extern "C" {

struct cublasContext;
typedef struct cublasContext* cublasHandle_t;
struct CUstream_st;

// Values from cublas_api.h of cuBLAS 12/13 (see docs/toolchain.md); only those we use.
typedef int mos_cublasStatus_t;     // CUBLAS_STATUS_SUCCESS = 0
typedef int mos_cublasOperation_t;  // CUBLAS_OP_N = 0, CUBLAS_OP_T = 1
typedef int mos_cublasComputeType_t;
typedef int mos_cublasGemmAlgo_t;
typedef int mos_cublasMath_t;

typedef mos_cublasStatus_t (*mos_cublasCreate_fn)(cublasHandle_t* handle);
typedef mos_cublasStatus_t (*mos_cublasDestroy_fn)(cublasHandle_t handle);
typedef mos_cublasStatus_t (*mos_cublasSetStream_fn)(cublasHandle_t handle, CUstream_st* stream);
typedef mos_cublasStatus_t (*mos_cublasGemmEx_fn)(
    cublasHandle_t handle, mos_cublasOperation_t transa, mos_cublasOperation_t transb, int m, int n,
    int k, const void* alpha, const void* A, cudaDataType Atype, int lda, const void* B,
    cudaDataType Btype, int ldb, const void* beta, void* C, cudaDataType Ctype, int ldc,
    mos_cublasComputeType_t computeType, mos_cublasGemmAlgo_t algo);
typedef mos_cublasStatus_t (*mos_cublasSetMathMode_fn)(cublasHandle_t handle,
                                                       mos_cublasMath_t mode);
typedef mos_cublasStatus_t (*mos_cublasGetVersion_fn)(cublasHandle_t handle, int* version);

}  // extern "C"

namespace mos {
namespace cublas {

constexpr int kStatusSuccess = 0;
constexpr int kOpN = 0;
constexpr int kOpT = 1;
constexpr int kComputeF32 = 68;          // CUBLAS_COMPUTE_32F
constexpr int kComputeF32FastTF32 = 77;  // CUBLAS_COMPUTE_32F_FAST_TF32
constexpr int kComputeF32FastBF16 = 75;  // CUBLAS_COMPUTE_32F_FAST_16BF
constexpr int kGemmDefault = -1;         // CUBLAS_GEMM_DEFAULT
constexpr int kDefaultMath = 0;          // CUBLAS_DEFAULT_MATH

}  // namespace cublas
}  // namespace mos
