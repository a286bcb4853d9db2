// SPDX-License-Identifier: Apache-2.0
// cuda_no_device: "absent, not fatal". The test asks the CUDA runtime itself whether a device is
// visible, then checks that libmos agrees: without one, mos_backend_available(CUDA) is 0 with a
// non-empty reason and mos_context_create(CUDA) fails with MOS_STATUS_BACKEND_UNAVAILABLE and a
// clear message (never a crash); with one (and cuBLAS found), both succeed. Runs in CI.
#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "mos/mos.h"
#include "test_util.h"

namespace {

bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

}  // namespace

int main() {
  int devices = 0;
  const cudaError_t e = cudaGetDeviceCount(&devices);
  if (e != cudaSuccess) devices = 0;
  std::printf("CUDA runtime: cudaGetDeviceCount -> %d (%s), %d device(s)\n", static_cast<int>(e),
              cudaGetErrorName(e), devices);
  std::printf("libmos: %s\n", mos_version_string());

  int32_t available = -1;
  char reason[512];
  std::memset(reason, 'x', sizeof(reason));
  T_CHECK(
      mos_backend_available(MOS_BACKEND_CUDA, &available, reason, sizeof(reason)) == MOS_STATUS_OK,
      "mos_backend_available failed: %s", mos_last_error());
  const std::string why(reason);
  std::printf("mos_backend_available(CUDA) = %d, reason \"%s\"\n", available, reason);
  // A tiny buffer gets a truncated, NUL-terminated reason and no overflow.
  char tiny[8];
  std::memset(tiny, 'x', sizeof(tiny));
  int32_t again = -1;
  T_CHECK(mos_backend_available(MOS_BACKEND_CUDA, &again, tiny, sizeof(tiny)) == MOS_STATUS_OK &&
              again == available,
          "second call disagrees");
  T_CHECK(std::memchr(tiny, '\0', sizeof(tiny)) != nullptr, "reason not NUL-terminated in 8 bytes");

  mos_context_t ctx = nullptr;
  const mos_status_t st = mos_context_create(MOS_BACKEND_CUDA, 0, &ctx);
  const std::string msg = mos_last_error();

  if (devices == 0) {
    T_CHECK(available == 0, "no device, yet mos_backend_available says 1");
    T_CHECK(!why.empty(), "no device, but the reason is empty");
    T_CHECK(contains(why, "CUDA"), "reason does not mention CUDA: %s", why.c_str());
    if (e == cudaErrorInsufficientDriver) {
      T_CHECK(contains(why, "error 35"), "reason does not quote error 35: %s", why.c_str());
    }
    T_CHECK(st == MOS_STATUS_BACKEND_UNAVAILABLE,
            "mos_context_create returned %d (expected %d): %s", static_cast<int>(st),
            static_cast<int>(MOS_STATUS_BACKEND_UNAVAILABLE), msg.c_str());
    T_CHECK(ctx == nullptr, "a context came back although creation failed");
    T_CHECK(contains(msg, "mos_context_create") && contains(msg, why.c_str()),
            "message should name the function and carry the reason: \"%s\"", msg.c_str());
    std::printf("mos_context_create(CUDA): status %d, \"%s\"\n", static_cast<int>(st), msg.c_str());
  } else if (available == 1) {
    T_CHECK(st == MOS_STATUS_OK && ctx != nullptr, "CUDA available but context creation failed: %s",
            msg.c_str());
    mos_backend_t kind = MOS_BACKEND_CPU;
    if (ctx) {
      T_CHECK(mos_context_backend(ctx, &kind) == MOS_STATUS_OK && kind == MOS_BACKEND_CUDA,
              "context backend is %d", static_cast<int>(kind));
      T_CHECK(mos_context_synchronize(ctx) == MOS_STATUS_OK, "synchronize: %s", mos_last_error());
      mos_context_t bad = nullptr;
      T_CHECK(
          mos_context_create(MOS_BACKEND_CUDA, devices, &bad) != MOS_STATUS_OK && bad == nullptr,
          "device ordinal %d (one past the last) was accepted", devices);
      std::printf("out-of-range device: \"%s\"\n", mos_last_error());
      T_CHECK(mos_context_free(ctx) == MOS_STATUS_OK, "free: %s", mos_last_error());
    }
  } else {
    // A device but no usable cuBLAS: the reason must say so, and creation must agree.
    T_CHECK(contains(why, "cuBLAS"), "device present, CUDA unavailable, reason: %s", why.c_str());
    T_CHECK(st == MOS_STATUS_BACKEND_UNAVAILABLE, "mos_context_create returned %d: %s",
            static_cast<int>(st), msg.c_str());
    const char* env = std::getenv("MOS_CUBLAS_LIB");
    T_CHECK(env == nullptr || env[0] == '\0',
            "MOS_CUBLAS_LIB=%s is set, yet cuBLAS was not usable: %s", env ? env : "", why.c_str());
  }
  // The CPU backend is always there.
  int32_t cpu = 0;
  T_CHECK(mos_backend_available(MOS_BACKEND_CPU, &cpu, nullptr, 0) == MOS_STATUS_OK && cpu == 1,
          "CPU backend unavailable");
  std::printf("cuda_no_device: %d checks, %d failures\n", t::checks(), t::failures());
  return t::failures() == 0 ? 0 : 1;
}
