// SPDX-License-Identifier: Apache-2.0
// cublas_loader.cpp: dlopen-based loading of libcublas (no link-time dependency, so libmos loads
// where cuBLAS is absent), with an error that lists every place tried and why it failed.
#include "cublas_loader.h"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>

namespace mos {
namespace cublas {

Library::~Library() {
  if (dl != nullptr) dlclose(dl);
}

std::vector<std::string> candidates() {
  std::vector<std::string> names;
  const char* env = std::getenv("MOS_CUBLAS_LIB");
  if (env != nullptr && env[0] != '\0') names.emplace_back(env);
  names.emplace_back("libcublas.so.13");
  // cuBLAS 12 (e.g. a cu12 wheel, which ships no unversioned link): the entry points used here
  // (Create/Destroy/SetStream/GemmEx/SetMathMode/GetVersion) have the same ABI in 12 and 13.
  names.emplace_back("libcublas.so.12");
  names.emplace_back("libcublas.so");
  return names;
}

namespace {

template <class Fn>
void resolve(void* dl, const char* name, Fn* out, std::string* missing) {
  dlerror();  // clear
  void* sym = dlsym(dl, name);
  *out = reinterpret_cast<Fn>(sym);
  if (sym == nullptr && missing != nullptr) {
    if (!missing->empty()) *missing += ", ";
    *missing += name;
  }
}

}  // namespace

std::unique_ptr<Library> load(std::string* error) {
  const char* env = std::getenv("MOS_CUBLAS_LIB");
  const bool have_env = env != nullptr && env[0] != '\0';
  std::string tried;
  bool first = true;
  for (const std::string& name : candidates()) {
    const bool is_env = first && have_env;
    first = false;
    if (!tried.empty()) tried += ", ";
    tried += is_env ? "$MOS_CUBLAS_LIB=" + name : name;

    dlerror();
    void* dl = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (dl == nullptr) {
      const char* why = dlerror();
      tried +=
          std::string(" (cannot open: ") + (why != nullptr ? why : "unknown dlopen error") + ")";
      continue;
    }
    auto lib = std::make_unique<Library>();
    lib->dl = dl;
    lib->path = name;
    std::string missing;
    resolve(dl, "cublasCreate_v2", &lib->create, &missing);
    resolve(dl, "cublasDestroy_v2", &lib->destroy, &missing);
    resolve(dl, "cublasSetStream_v2", &lib->set_stream, &missing);
    resolve(dl, "cublasGemmEx", &lib->gemm_ex, &missing);
    resolve(dl, "cublasSetMathMode", &lib->set_math_mode, nullptr);  // optional
    resolve(dl, "cublasGetVersion_v2", &lib->get_version, nullptr);  // optional
    if (!missing.empty()) {
      tried += " (opened, but lacks " + missing + ")";
      continue;  // lib's destructor closes it
    }
    if (error != nullptr) error->clear();
    return lib;
  }
  if (error != nullptr) {
    *error = "cuBLAS not found: tried " + tried +
             ". Point MOS_CUBLAS_LIB at libcublas.so.13 (e.g. from the nvidia-cublas wheel)";
  }
  return nullptr;
}

int gemm_row_major(const Library& lib, cublasHandle_t handle, bool trans_a, bool trans_b, int m,
                   int n, int k, const float* alpha, const void* a, cudaDataType a_type, int lda,
                   const void* b, cudaDataType b_type, int ldb, const float* beta, void* c,
                   cudaDataType c_type, int ldc, int compute_type) {
  return lib.gemm_ex(handle, trans_b ? kOpT : kOpN, trans_a ? kOpT : kOpN, n, m, k, alpha, b,
                     b_type, ldb, a, a_type, lda, beta, c, c_type, ldc, compute_type, kGemmDefault);
}

const Library* shared(std::string* error) {
  // Plain pointers with no destructor: the library stays mapped until the process is gone. A
  // context freed late (a Java Cleaner or daemon thread at JVM exit, an atexit handler, a leaked
  // context) still calls cublasDestroy_v2; a static unique_ptr would have dlclose'd it first.
  static std::once_flag once;
  static const Library* lib = nullptr;
  static const std::string* load_error = nullptr;
  std::call_once(once, [] {
    std::string why;
    lib = load(&why).release();
    load_error = new std::string(why);
  });
  if (lib == nullptr && error != nullptr) *error = *load_error;
  return lib;
}

}  // namespace cublas
}  // namespace mos
