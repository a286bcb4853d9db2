// SPDX-License-Identifier: Apache-2.0
// tensor.h: mos::Tensor, a 2-D row-major array in a context's memory (owned) or in caller host
// memory (wrapped), and the shape / dtype / context checks the layer and pool ops apply to it.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "context.h"

namespace mos {

size_t dtype_size(mos_dtype_t dtype);  // throws INVALID_ARGUMENT for an unknown dtype
const char* dtype_name(mos_dtype_t dtype);

struct Tensor {
  Tensor(std::shared_ptr<Context> c, mos_dtype_t dt, int64_t r, int64_t cl, void* d, bool own)
      : ctx(std::move(c)), id(next_id()), dtype(dt), rows(r), cols(cl), data(d), owned(own) {}
  ~Tensor() {
    if (owned) ctx->backend->free(data);
  }
  Tensor(const Tensor&) = delete;
  Tensor& operator=(const Tensor&) = delete;

  int64_t numel() const { return rows * cols; }
  size_t bytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype); }
  float* f32() const { return static_cast<float*>(data); }
  // Whether the two tensors' bytes share any address (same context: same address space).
  bool overlaps(const Tensor& o) const {
    const auto* a = static_cast<const unsigned char*>(data);
    const auto* b = static_cast<const unsigned char*>(o.data);
    return a < b + o.bytes() && b < a + bytes();
  }

  // Every write through the API (mos_tensor_write, being an output of an operation) counts, so a
  // layer's backward can tell whether its x is still what the forward read. Writes to wrapped
  // host memory made by the caller directly are not seen.
  void mark_written() { generation.fetch_add(1, std::memory_order_relaxed); }
  uint64_t written() const { return generation.load(std::memory_order_relaxed); }

  std::shared_ptr<Context> ctx;
  const uint64_t id;  // unique per process: a freed tensor's address may come back, its id not
  mos_dtype_t dtype;
  int64_t rows, cols;
  void* data;
  bool owned;

 private:
  static uint64_t next_id() {
    static std::atomic<uint64_t> counter{0};
    return counter.fetch_add(1, std::memory_order_relaxed) + 1;
  }
  std::atomic<uint64_t> generation{0};
};

// New zero-filled tensor, or a view of caller memory (CPU contexts only).
std::shared_ptr<Tensor> make_tensor(std::shared_ptr<Context> ctx, mos_dtype_t dtype, int64_t rows,
                                    int64_t cols);
std::shared_ptr<Tensor> wrap_host_tensor(std::shared_ptr<Context> ctx, mos_dtype_t dtype,
                                         int64_t rows, int64_t cols, void* data);
// num_elements must be rows * cols (SHAPE_MISMATCH otherwise).
void tensor_write(Tensor& t, const void* src, int64_t num_elements);
void tensor_read(const Tensor& t, void* dst, int64_t num_elements);

// Operand checks used by layers, pools and mos_gemm; `name` is the C argument name.
// F32 (else UNSUPPORTED) and in `ctx` (else INVALID_ARGUMENT).
void require_f32_in(const Tensor& t, const char* name, const Context& ctx);
// F32 or BF16 (else UNSUPPORTED) and in `ctx` (else INVALID_ARGUMENT): layer operands, mos_gemm.
void require_float_in(const Tensor& t, const char* name, const Context& ctx);
// t.dtype == dtype, else INVALID_ARGUMENT "<name> has dtype BF16 but <ref> has dtype F32: <rule>".
void require_same_dtype(const Tensor& t, const char* name, mos_dtype_t dtype, const char* ref,
                        const char* rule);
// "x has 512 columns but the layer's d_in is 768" (SHAPE_MISMATCH).
void require_cols(const Tensor& t, const char* name, int64_t cols, const char* what);
void require_rows(const Tensor& t, const char* name, int64_t rows, const char* what);

}  // namespace mos
