// SPDX-License-Identifier: Apache-2.0
// cuda_unavailable.cpp: the CUDA entry points of a build without the CUDA backend. They answer
// "unsupported: built without CUDA" and never crash, so a CPU-only libmos stays fully usable.
#include <memory>
#include <string>

#include "backend.h"
#include "error.h"

namespace mos {

std::unique_ptr<Backend> make_cuda_backend(int32_t device) {
  fail(MOS_STATUS_BACKEND_UNAVAILABLE, "unsupported: built without CUDA (requested CUDA device ",
       device, ")");
}

bool cuda_backend_available(std::string* reason) {
  if (reason) *reason = "unsupported: built without CUDA";
  return false;
}

const char* cuda_build_info() { return "off"; }

}  // namespace mos
