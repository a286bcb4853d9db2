// SPDX-License-Identifier: Apache-2.0
// buffer.h: Buffer, a grow-only block of backend memory owned RAII-style (scratch space of
// layers, pool arrays). The owner must keep the Backend alive longer than its Buffers.
#pragma once

#include <cstddef>
#include <cstdint>

#include "backend.h"

namespace mos {

class Buffer {
 public:
  Buffer() = default;
  Buffer(Backend* backend, size_t bytes) : backend_(backend) { reserve(bytes); }
  ~Buffer() { release(); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  Buffer(Buffer&& o) noexcept : backend_(o.backend_), ptr_(o.ptr_), bytes_(o.bytes_) {
    o.ptr_ = nullptr;
    o.bytes_ = 0;
  }

  void bind(Backend* backend) { backend_ = backend; }
  // Ensures at least `bytes` (contents are NOT kept on growth: scratch only). Allocation happens
  // first, so on failure the old block is still intact.
  void reserve(size_t bytes) {
    if (bytes <= bytes_) return;
    void* p = backend_->alloc(bytes);
    release();
    ptr_ = p;
    bytes_ = bytes;
  }
  size_t bytes() const { return bytes_; }
  float* f32() const { return static_cast<float*>(ptr_); }
  int32_t* i32() const { return static_cast<int32_t*>(ptr_); }
  void* data() const { return ptr_; }

 private:
  void release() noexcept {
    if (ptr_) backend_->free(ptr_);
    ptr_ = nullptr;
    bytes_ = 0;
  }
  Backend* backend_ = nullptr;
  void* ptr_ = nullptr;
  size_t bytes_ = 0;
};

}  // namespace mos
