// SPDX-License-Identifier: Apache-2.0
// context.cpp: creation of a Context on the CPU or a CUDA device; the rest of the context API
// is a thin pass-through to the Backend (api.cpp).
#include "context.h"

#include "error.h"

namespace mos {

std::shared_ptr<Context> make_context(mos_backend_t kind, int32_t device) {
  switch (kind) {
    case MOS_BACKEND_CPU:
      check(device == 0, MOS_STATUS_INVALID_ARGUMENT, "device must be 0 for the CPU backend, got ",
            device);
      return std::make_shared<Context>(make_cpu_backend(), kind, device);
    case MOS_BACKEND_CUDA:
      check(device >= 0, MOS_STATUS_INVALID_ARGUMENT, "CUDA device ordinal must be >= 0, got ",
            device);
      return std::make_shared<Context>(make_cuda_backend(device), kind, device);
  }
  fail(MOS_STATUS_INVALID_ARGUMENT, "unknown backend ", static_cast<int>(kind),
       " (expected MOS_BACKEND_CPU = 0 or MOS_BACKEND_CUDA = 1)");
}

}  // namespace mos
