// SPDX-License-Identifier: Apache-2.0
// cuda_fake_cublas: the run-time cuBLAS loader (native/src/cuda/cublas_loader.cpp, linked in)
// against the fake libcublas.so.13 built by the tests: search order, the "tried ..." message,
// missing symbols, and the row-major -> column-major GemmEx mapping (exact vs a double loop).
//   cuda_fake_cublas <complete fake .so> <fake .so lacking cublasGemmEx>   (MOS_CUBLAS_LIB path)
//   cuda_fake_cublas --soname        (LD_LIBRARY_PATH holds the complete fake: found by soname)
// Needs no GPU; runs in CI.
#include <dlfcn.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "cublas_loader.h"
#include "test_util.h"

namespace {

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

int fake_version(const mos::cublas::Library& lib) {
  int v = 0;
  if (lib.get_version == nullptr) return -1;
  cublasHandle_t h = nullptr;
  lib.create(&h);
  lib.get_version(h, &v);
  lib.destroy(h);
  return v;
}

// Row-major C = alpha op(A) op(B) + beta C through gemm_row_major + the fake's column-major
// GEMM, against a double loop, for all four transpose cases and padded leading dimensions.
void check_row_major_mapping(const mos::cublas::Library& lib) {
  cublasHandle_t h = nullptr;
  T_CHECK(lib.create(&h) == 0, "cublasCreate_v2 of the fake failed");
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  const int m = 5, n = 3, k = 4;
  for (int ta = 0; ta < 2; ++ta) {
    for (int tb = 0; tb < 2; ++tb) {
      // Stored shapes (row-major): A is [m x k] or, transposed, [k x m]; B [k x n] or [n x k].
      const int a_rows = ta ? k : m, a_cols = ta ? m : k;
      const int b_rows = tb ? n : k, b_cols = tb ? k : n;
      const int lda = a_cols + 2, ldb = b_cols + 1, ldc = n + 3;
      std::vector<float> a(static_cast<size_t>(a_rows) * lda), b(static_cast<size_t>(b_rows) * ldb);
      std::vector<float> c(static_cast<size_t>(m) * ldc);
      for (auto& v : a) v = d(rng);
      for (auto& v : b) v = d(rng);
      for (auto& v : c) v = d(rng);
      const std::vector<float> c0 = c;
      const float alpha = 0.75f, beta = -0.5f;
      const int st = mos::cublas::gemm_row_major(
          lib, h, ta, tb, m, n, k, &alpha, a.data(), CUDA_R_32F, lda, b.data(), CUDA_R_32F, ldb,
          &beta, c.data(), CUDA_R_32F, ldc, mos::cublas::kComputeF32);
      T_CHECK(st == 0, "gemm_row_major returned %d (trans_a=%d trans_b=%d)", st, ta, tb);
      double worst = 0.0;
      for (int i = 0; i < m; ++i) {
        for (int j = 0; j < n; ++j) {
          double acc = 0.0;
          for (int p = 0; p < k; ++p) {
            const double av =
                ta ? a[static_cast<size_t>(p) * lda + i] : a[static_cast<size_t>(i) * lda + p];
            const double bv =
                tb ? b[static_cast<size_t>(j) * ldb + p] : b[static_cast<size_t>(p) * ldb + j];
            acc += av * bv;
          }
          const double ref = alpha * acc + beta * c0[static_cast<size_t>(i) * ldc + j];
          worst = std::fmax(worst, std::fabs(ref - c[static_cast<size_t>(i) * ldc + j]));
        }
        // Padding columns of C must be untouched.
        for (int j = n; j < ldc; ++j) {
          T_CHECK(c[static_cast<size_t>(i) * ldc + j] == c0[static_cast<size_t>(i) * ldc + j],
                  "padding of C row %d col %d was written (trans_a=%d trans_b=%d)", i, j, ta, tb);
        }
      }
      T_CHECK(worst < 1e-5,
              "row-major mapping wrong: worst |diff| %.3e (trans_a=%d trans_b=%d, "
              "m=%d n=%d k=%d)",
              worst, ta, tb, m, n, k);
    }
  }
  lib.destroy(h);
}

int run_paths(const char* complete, const char* partial) {
  // 1. MOS_CUBLAS_LIB names the complete fake: it is tried first and accepted.
  setenv("MOS_CUBLAS_LIB", complete, 1);
  const auto names = mos::cublas::candidates();
  T_CHECK(names.size() == 4 && names[0] == complete && names[1] == "libcublas.so.13" &&
              names[2] == "libcublas.so.12" && names[3] == "libcublas.so",
          "candidates: expected [$MOS_CUBLAS_LIB, libcublas.so.13, libcublas.so.12, libcublas.so], "
          "got %zu names",
          names.size());
  std::string err;
  auto lib = mos::cublas::load(&err);
  T_CHECK(lib != nullptr, "loading the complete fake failed: %s", err.c_str());
  if (lib) {
    T_CHECK(lib->path == complete, "loaded %s, expected %s", lib->path.c_str(), complete);
    T_CHECK(lib->create && lib->destroy && lib->set_stream && lib->gemm_ex,
            "a required entry point is null");
    T_CHECK(lib->set_math_mode != nullptr, "optional cublasSetMathMode not resolved");
    T_CHECK(fake_version(*lib) == 130099, "did not load the fake (version %d)", fake_version(*lib));
    check_row_major_mapping(*lib);
  }
  // Unload it: while a library with soname libcublas.so.13 is loaded, dlopen("libcublas.so.13")
  // would return it instead of searching.
  lib.reset();

  // 2. MOS_CUBLAS_LIB names a library without cublasGemmEx: the message names the path and the
  //    missing symbol, and lists the sonames tried after it.
  setenv("MOS_CUBLAS_LIB", partial, 1);
  err.clear();
  auto bad = mos::cublas::load(&err);
  // A real libcublas.so.13 on a GPU machine may legitimately be found after the bad one.
  if (bad == nullptr) {
    std::printf("message (lacking symbol): %s\n", err.c_str());
    T_CHECK(contains(err, "cuBLAS not found: tried $MOS_CUBLAS_LIB=" + std::string(partial)),
            "message does not start with the env path: %s", err.c_str());
    T_CHECK(contains(err, "lacks cublasGemmEx"), "message does not name cublasGemmEx: %s",
            err.c_str());
    T_CHECK(!contains(err, "lacks cublasCreate_v2"), "message names a symbol that exists: %s",
            err.c_str());
    T_CHECK(contains(err, "libcublas.so.13") && contains(err, "libcublas.so ("),
            "message does not list the sonames tried: %s", err.c_str());
  } else {
    std::printf("note: after the partial fake, %s was found (a real cuBLAS?)\n", bad->path.c_str());
    T_CHECK(bad->path != partial, "the library lacking cublasGemmEx was accepted");
  }

  // 3. A path that does not exist: "cannot open" with dlopen's reason.
  setenv("MOS_CUBLAS_LIB", "/nonexistent/libcublas.so.13", 1);
  err.clear();
  auto none = mos::cublas::load(&err);
  if (none == nullptr) {
    std::printf("message (missing file): %s\n", err.c_str());
    T_CHECK(contains(err, "$MOS_CUBLAS_LIB=/nonexistent/libcublas.so.13 (cannot open:"),
            "message does not explain the missing file: %s", err.c_str());
    T_CHECK(contains(err, "MOS_CUBLAS_LIB"), "message does not suggest MOS_CUBLAS_LIB: %s",
            err.c_str());
  }

  // 4. Empty MOS_CUBLAS_LIB counts as unset.
  setenv("MOS_CUBLAS_LIB", "", 1);
  T_CHECK(mos::cublas::candidates().size() == 3, "an empty MOS_CUBLAS_LIB was tried");
  return 0;
}

int run_soname() {
  unsetenv("MOS_CUBLAS_LIB");
  std::string err;
  auto lib = mos::cublas::load(&err);
  T_CHECK(lib != nullptr, "libcublas.so.13 not found by soname: %s", err.c_str());
  if (lib) {
    T_CHECK(lib->path == "libcublas.so.13", "loaded %s, expected the soname", lib->path.c_str());
    T_CHECK(fake_version(*lib) == 130099,
            "the soname resolved to a real cuBLAS, not the fake "
            "(version %d): LD_LIBRARY_PATH should put the fake first",
            fake_version(*lib));
  }
  // The process-wide instance loads once and then answers from its cache.
  const mos::cublas::Library* s1 = mos::cublas::shared(&err);
  const mos::cublas::Library* s2 = mos::cublas::shared(&err);
  T_CHECK(s1 != nullptr && s1 == s2, "shared() did not cache the library");
  return 0;
}

// Only libcublas.so.12 is on the search path: the loader finds it by that soname (unless a real
// libcublas.so.13 sits in the system's default paths, which comes first by design).
int run_soname12() {
  unsetenv("MOS_CUBLAS_LIB");
  std::string err;
  auto lib = mos::cublas::load(&err);
  T_CHECK(lib != nullptr, "libcublas.so.12 not found by soname: %s", err.c_str());
  if (lib && lib->path == "libcublas.so.13") {
    std::printf("note: a real libcublas.so.13 (version %d) is in the default search path\n",
                fake_version(*lib));
  } else if (lib) {
    T_CHECK(lib->path == "libcublas.so.12", "loaded %s, expected libcublas.so.12",
            lib->path.c_str());
    T_CHECK(fake_version(*lib) == 130099, "libcublas.so.12 is not the fake (version %d)",
            fake_version(*lib));
    check_row_major_mapping(*lib);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--soname12") {
    run_soname12();
  } else if (argc == 2 && std::string(argv[1]) == "--soname") {
    run_soname();
  } else if (argc == 3) {
    run_paths(argv[1], argv[2]);
  } else {
    std::printf("usage: %s <complete fake> <fake lacking cublasGemmEx> | --soname | --soname12\n",
                argv[0]);
    return 2;
  }
  std::printf("cuda_fake_cublas: %d checks, %d failures\n", t::checks(), t::failures());
  return t::failures() == 0 ? 0 : 1;
}
