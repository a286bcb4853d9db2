// SPDX-License-Identifier: Apache-2.0
// tensor.cpp: creation, wrapping, host copies and operand checks of mos::Tensor.
// Sizes are checked for overflow before anything is allocated.
#include "tensor.h"

#include <cstdint>
#include <limits>

#include "error.h"
#include "memory.h"

namespace mos {

size_t dtype_size(mos_dtype_t dtype) {
  switch (dtype) {
    case MOS_DTYPE_F32: return 4;
    case MOS_DTYPE_BF16: return 2;
    case MOS_DTYPE_I32: return 4;
    case MOS_DTYPE_F16: break;  // a source dtype of mos_decoder_set_weight only
  }
  fail(MOS_STATUS_INVALID_ARGUMENT, "unknown dtype ", static_cast<int>(dtype),
       " (expected F32 = 0, BF16 = 1 or I32 = 2)");
}

const char* dtype_name(mos_dtype_t dtype) {
  switch (dtype) {
    case MOS_DTYPE_F32: return "F32";
    case MOS_DTYPE_BF16: return "BF16";
    case MOS_DTYPE_I32: return "I32";
    case MOS_DTYPE_F16: return "F16";
  }
  return "unknown";
}

namespace {

size_t checked_bytes(mos_dtype_t dtype, int64_t rows, int64_t cols) {
  const size_t es = dtype_size(dtype);
  check(rows >= 1 && cols >= 1, MOS_STATUS_INVALID_ARGUMENT,
        "a tensor needs rows >= 1 and cols >= 1, got [", rows, " x ", cols, "]");
  const int64_t max_elems = std::numeric_limits<int64_t>::max() / static_cast<int64_t>(es);
  check(rows <= max_elems / cols, MOS_STATUS_INVALID_ARGUMENT, "a tensor of [", rows, " x ", cols,
        "] ", dtype_name(dtype), " elements is too large to address");
  return static_cast<size_t>(rows * cols) * es;
}

}  // namespace

std::shared_ptr<Tensor> make_tensor(std::shared_ptr<Context> ctx, mos_dtype_t dtype, int64_t rows,
                                    int64_t cols) {
  const size_t bytes = checked_bytes(dtype, rows, cols);
  Backend* backend = ctx->backend.get();
  if (bytes >= kMemoryCheckFromBytes)  // (the message is not built for small tensors)
    require_memory(*backend, bytes,
                   cat("a [", rows, " x ", cols, "] ", dtype_name(dtype), " tensor"));
  void* data = backend->alloc(bytes);  // zero-filled
  try {
    return std::make_shared<Tensor>(ctx, dtype, rows, cols, data, true);
  } catch (...) {
    backend->free(data);  // nothing owns data yet
    throw;
  }
}

std::shared_ptr<Tensor> wrap_host_tensor(std::shared_ptr<Context> ctx, mos_dtype_t dtype,
                                         int64_t rows, int64_t cols, void* data) {
  checked_bytes(dtype, rows, cols);
  check(ctx->backend->host_addressable(), MOS_STATUS_UNSUPPORTED,
        "wrapping host memory needs a CPU context; this context's backend is ",
        ctx->backend->describe(), " (use mos_tensor_create + mos_tensor_write)");
  const auto addr = reinterpret_cast<uintptr_t>(data);
  check(addr % dtype_size(dtype) == 0, MOS_STATUS_INVALID_ARGUMENT, "data (address 0x", std::hex,
        addr, std::dec, ") is not aligned to the ", dtype_size(dtype), "-byte size of ",
        dtype_name(dtype));
  return std::make_shared<Tensor>(std::move(ctx), dtype, rows, cols, data, false);
}

namespace {
void require_numel(const Tensor& t, int64_t num_elements) {
  check(num_elements == t.numel(), MOS_STATUS_SHAPE_MISMATCH, "num_elements is ", num_elements,
        " but the tensor [", t.rows, " x ", t.cols, "] holds ", t.numel(), " elements (",
        dtype_name(t.dtype), ")");
}
}  // namespace

void tensor_write(Tensor& t, const void* src, int64_t num_elements) {
  require_numel(t, num_elements);
  t.ctx->backend->copy_to_device(t.data, src, t.bytes());
  t.mark_written();
}

void tensor_read(const Tensor& t, void* dst, int64_t num_elements) {
  require_numel(t, num_elements);
  t.ctx->backend->copy_to_host(dst, t.data, t.bytes());
}

void require_f32_in(const Tensor& t, const char* name, const Context& ctx) {
  check(t.dtype == MOS_DTYPE_F32, MOS_STATUS_UNSUPPORTED, name, " has dtype ", dtype_name(t.dtype),
        " but this operation supports only F32 tensors");
  check(t.ctx.get() == &ctx, MOS_STATUS_INVALID_ARGUMENT, name,
        " belongs to another context than the pool / layer it is used with");
}

void require_float_in(const Tensor& t, const char* name, const Context& ctx) {
  check(t.dtype == MOS_DTYPE_F32 || t.dtype == MOS_DTYPE_BF16, MOS_STATUS_UNSUPPORTED, name,
        " has dtype ", dtype_name(t.dtype),
        " but this operation supports only F32 and BF16 tensors");
  check(t.ctx.get() == &ctx, MOS_STATUS_INVALID_ARGUMENT, name,
        " belongs to another context than the pool / layer it is used with");
}

void require_same_dtype(const Tensor& t, const char* name, mos_dtype_t dtype, const char* ref,
                        const char* rule) {
  check(t.dtype == dtype, MOS_STATUS_INVALID_ARGUMENT, name, " has dtype ", dtype_name(t.dtype),
        " but ", ref, " has dtype ", dtype_name(dtype), ": ", rule);
}

void require_cols(const Tensor& t, const char* name, int64_t cols, const char* what) {
  check(t.cols == cols, MOS_STATUS_SHAPE_MISMATCH, name, " has ", t.cols, " columns but ", what,
        " is ", cols);
}

void require_rows(const Tensor& t, const char* name, int64_t rows, const char* what) {
  check(t.rows == rows, MOS_STATUS_SHAPE_MISMATCH, name, " has ", t.rows, " rows but ", what,
        " is ", rows);
}

}  // namespace mos
