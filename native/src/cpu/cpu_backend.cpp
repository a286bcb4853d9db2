// SPDX-License-Identifier: Apache-2.0
// cpu_backend.cpp: memory, copies and threading of the CPU backend, and make_cpu_backend.
// Allocations are 64-byte aligned (SIMD loads, BLAS packing) and zero-filled like the CUDA ones.
#include "cpu/cpu_backend.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <thread>

#include "error.h"
#include "memory.h"

#ifdef _OPENMP
#include <omp.h>
#endif
#ifdef MOS_HAVE_CBLAS
#include <cblas.h>
// OpenBLAS extensions; declared again in case the cblas.h found is not OpenBLAS's own.
extern "C" void openblas_set_num_threads(int num_threads);
extern "C" int openblas_get_num_threads(void);
#endif

namespace mos {
namespace cpu {

namespace {
#ifdef MOS_HAVE_CBLAS
// OpenBLAS's own default, captured once so that set_num_threads(0) can restore it.
int default_blas_threads() {
  static const int n = openblas_get_num_threads();
  return n;
}
#endif
}  // namespace

CpuBackend::CpuBackend() {
#ifdef MOS_HAVE_CBLAS
  default_blas_threads();
#endif
}

std::string CpuBackend::describe() const {
  return cat("CPU (", MOS_BLAS_KIND, ", ", threads(), " threads)");
}

int CpuBackend::threads() const {
  if (threads_ > 0) return threads_;
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

int32_t CpuBackend::max_threads() {
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  return static_cast<int32_t>(std::min(1024u, 16u * hw));
}

void CpuBackend::set_num_threads(int32_t n) {
  check(n >= 0, MOS_STATUS_INVALID_ARGUMENT, "num_threads must be >= 0 (0 = default), got ", n);
  // libgomp exits the process when it cannot create the threads asked for; a cap keeps every
  // count this call accepts one the machine can start (oversubscription up to 16x is allowed).
  const int32_t cap = max_threads();
  check(n <= cap, MOS_STATUS_INVALID_ARGUMENT, "num_threads ", n, " is more than ", cap,
        " (16 x the ", std::max(1u, std::thread::hardware_concurrency()),
        " hardware threads, at most 1024)");
  threads_ = n;
#ifdef MOS_HAVE_CBLAS
  // OpenBLAS keeps one process-wide thread count; the last context to set it wins.
  openblas_set_num_threads(n > 0 ? n : default_blas_threads());
#endif
}

Backend::MemoryInfo CpuBackend::memory_available() const {
  return MemoryInfo{host_memory_available(), "on this machine"};
}

void* CpuBackend::alloc(size_t bytes) {
  void* p = nullptr;
  const size_t rounded = ((checked_add(bytes, 63, "an allocation")) / 64) * 64;
  // Linux overcommits: too large a block would be granted, then the memset below would get the
  // process OOM-killed. Refusing it here keeps the caller (a JVM) alive.
  require_memory(*this, rounded, "an allocation");
  if (posix_memalign(&p, 64, rounded == 0 ? 64 : rounded) != 0) throw std::bad_alloc();
  std::memset(p, 0, rounded);
  return p;
}

void CpuBackend::free(void* p) noexcept { std::free(p); }

void CpuBackend::copy_to_device(void* dst, const void* host_src, size_t bytes) {
  if (bytes) std::memmove(dst, host_src, bytes);
}
void CpuBackend::copy_to_host(void* host_dst, const void* src, size_t bytes) {
  if (bytes) std::memmove(host_dst, src, bytes);
}
void CpuBackend::copy(void* dst, const void* src, size_t bytes) {
  if (bytes) std::memmove(dst, src, bytes);
}
void CpuBackend::fill_zero(void* p, size_t bytes) {
  if (bytes) std::memset(p, 0, bytes);
}

}  // namespace cpu

std::unique_ptr<Backend> make_cpu_backend() { return std::make_unique<cpu::CpuBackend>(); }

}  // namespace mos
