// SPDX-License-Identifier: Apache-2.0
// cublas_loader.h: finds libcublas at run time (dlopen) and resolves the functions the CUDA
// backend calls. Search order: $MOS_CUBLAS_LIB, libcublas.so.13, libcublas.so.12, libcublas.so.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cublas_api.h"

namespace mos {
namespace cublas {

// One opened libcublas with its resolved entry points. Required: create, destroy, set_stream,
// gemm_ex. Optional (nullptr when absent): set_math_mode, get_version.
struct Library {
  Library() = default;
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;
  ~Library();  // dlclose

  void* dl = nullptr;
  std::string path;  // the name or path that dlopen accepted
  mos_cublasCreate_fn create = nullptr;
  mos_cublasDestroy_fn destroy = nullptr;
  mos_cublasSetStream_fn set_stream = nullptr;
  mos_cublasGemmEx_fn gemm_ex = nullptr;
  mos_cublasSetMathMode_fn set_math_mode = nullptr;
  mos_cublasGetVersion_fn get_version = nullptr;
};

// The names tried, in order: $MOS_CUBLAS_LIB when set and non-empty, then the sonames.
std::vector<std::string> candidates();

// Try every candidate in order; return the first that opens and has every required symbol.
// On failure returns nullptr and sets *error to
//   "cuBLAS not found: tried $MOS_CUBLAS_LIB=/x (cannot open: ...), libcublas.so.13 (...), ..."
// naming, for a library that opened, the required symbols it lacks.
std::unique_ptr<Library> load(std::string* error);

// Row-major C[m x n] = alpha op(A) op(B) + beta C through column-major cublasGemmEx: a
// row-major matrix is its transpose in column-major, so C^T = op(B)^T op(A)^T, i.e. the operands
// swap and m/n swap while each op and leading dimension stays with its operand. Returns the
// cuBLAS status. alpha/beta are host f32 (CUBLAS_POINTER_MODE_HOST, f32 compute types).
int gemm_row_major(const Library& lib, cublasHandle_t handle, bool trans_a, bool trans_b, int m,
                   int n, int k, const float* alpha, const void* a, cudaDataType a_type, int lda,
                   const void* b, cudaDataType b_type, int ldb, const float* beta, void* c,
                   cudaDataType c_type, int ldc, int compute_type);

// The process-wide library: loaded on first use (thread-safe), never unloaded, not even by static
// destruction at exit (contexts freed after that still call into it). The outcome, success or
// failure, is cached for the life of the process.
const Library* shared(std::string* error);

}  // namespace cublas
}  // namespace mos
