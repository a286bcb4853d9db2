// SPDX-License-Identifier: Apache-2.0
// cuda_no_kernel_image (emulated only): a device this build holds no kernel image for (the
// emulator plays one under MOS_EMU_NO_KERNEL_IMAGE=1). mos_backend_available(CUDA) must say 0 with
// the "rebuild with CMAKE_CUDA_ARCHITECTURES including NN" reason -- so GPU tests skip with it
// instead of failing at the first kernel -- and mos_context_create must refuse with the same.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "test_util.h"

int main() {
  setenv("MOS_EMU_NO_KERNEL_IMAGE", "1", 1);
  int32_t available = -1;
  char reason[512] = "";
  T_OK(mos_backend_available(MOS_BACKEND_CUDA, &available, reason, sizeof(reason)));
  const std::string why(reason);
  std::printf("mos_backend_available(CUDA) = %d: %s\n", available, reason);
  T_CHECK(available == 0, "available = %d although no kernel image fits the device", available);
  T_CHECK(why.find("cannot run this libmos's kernels") != std::string::npos &&
              why.find("rebuild with CMAKE_CUDA_ARCHITECTURES including 90") != std::string::npos,
          "reason does not say what to rebuild: %s", reason);
  mos_context_t ctx = nullptr;
  T_STATUS(mos_context_create(MOS_BACKEND_CUDA, 0, &ctx), MOS_STATUS_BACKEND_UNAVAILABLE,
           "mos_context_create");
  T_CHECK(ctx == nullptr, "a context came back although creation failed");
  T_CHECK(std::string(mos_last_error()).find("CMAKE_CUDA_ARCHITECTURES including 90") !=
              std::string::npos,
          "mos_context_create's message lacks the rebuild hint: %s", mos_last_error());
  return t::report("cuda_no_kernel_image");
}
