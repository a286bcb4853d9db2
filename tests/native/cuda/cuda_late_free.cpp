// SPDX-License-Identifier: Apache-2.0
// cuda_late_free: a CUDA context freed after main has returned. The atexit handler is registered
// before libmos first loads cuBLAS, so it runs after every static destructor libmos registers
// later -- the situation of a Java Cleaner or daemon thread at JVM exit, or a leaked context.
// cuBLAS must still be mapped then (the loader never unloads it): the free must not crash.
// Emulated in CI (fake cuBLAS, cuda_late_free_emulated); on a GPU with the real one.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "test_util.h"

namespace {

mos_context_t g_ctx = nullptr;

void free_late() {
  const mos_status_t st = mos_context_free(g_ctx);
  if (st != MOS_STATUS_OK) {
    std::printf("FAIL: late mos_context_free returned %d: %s\n", static_cast<int>(st),
                mos_last_error());
    std::fflush(stdout);
    _exit(1);
  }
  std::printf("cuda_late_free: the context was freed after static destruction\n");
  std::fflush(stdout);
}

}  // namespace

int main() {
  std::atexit(free_late);  // registered first, so it runs last
  int skip_code = 0;
  if (!t::cuda_usable("cuda_late_free", &skip_code)) return skip_code;
  T_OK(mos_context_create(MOS_BACKEND_CUDA, 0, &g_ctx));
  if (g_ctx == nullptr) return t::report("cuda_late_free");
  // Use cuBLAS once, so the handle the late free destroys is a live one.
  mos_tensor_t a = t::tensor(g_ctx, 4, 3, std::vector<float>(12, 1.0f));
  mos_tensor_t c = t::tensor(g_ctx, 4, 4);
  T_OK(mos_gemm(g_ctx, 0, 1, 1.0f, a, a, 0.0f, c));
  const std::vector<float> got = t::read(c);
  T_CHECK(got.size() == 16 && got[5] == 3.0f, "a A^T: element (1,1) is %g, expected 3",
          got.size() == 16 ? got[5] : -1.0f);
  mos_tensor_free(a);
  mos_tensor_free(c);
  return t::report("cuda_late_free");  // g_ctx stays alive until free_late
}
