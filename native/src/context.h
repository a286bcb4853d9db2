// SPDX-License-Identifier: Apache-2.0
// context.h: mos::Context, one backend instance (CPU or CUDA device) that every tensor, pool,
// layer and optimizer of the context allocates from and computes on.
#pragma once

#include <cstdint>
#include <memory>

#include "backend.h"
#include "buffer.h"

namespace mos {

struct Context {
  Context(std::unique_ptr<Backend> b, mos_backend_t k, int32_t dev)
      : backend(std::move(b)), kind(k), device(dev) {
    for (Buffer& s : gemm_scratch) s.bind(backend.get());
  }
  std::unique_ptr<Backend> backend;
  mos_backend_t kind;
  int32_t device;
  // mos_gemm on BF16 tensors: A, B, C widened to f32 (grow-only). Declared after `backend`, so
  // freed before it.
  Buffer gemm_scratch[3];
};

// Builds the backend; CUDA throws BACKEND_UNAVAILABLE with the reason when it cannot be used.
std::shared_ptr<Context> make_context(mos_backend_t kind, int32_t device);

}  // namespace mos
