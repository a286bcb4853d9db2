// SPDX-License-Identifier: Apache-2.0
// cuda_runtime.h (EMULATED, tests only): a CPU stand-in for the slice of the CUDA runtime and of
// the device language that native/src/cuda uses, so that the CUDA backend's kernels and host code
// run under g++ on machines without a GPU (target mos_emu in tests/native/cuda/CMakeLists.txt).
//
// Each kernel launch runs its blocks one after another; the threads of a block are fibers
// (emu_runtime.cpp) scheduled round-robin, each running until __syncthreads() / a warp shuffle or
// its end, so block-wide barriers, shared memory (a `static` per kernel, one block at a time) and
// shuffles behave as on a GPU. "Device" memory is host memory. What it cannot show: performance,
// coalescing, races between blocks (they never overlap here), and nvcc-only compile errors.
#pragma once

#define MOS_CUDA_EMULATION 1

#include <library_types.h>  // the real one (plain C): cudaDataType, CUDA_R_32F, ...

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <vector>

// ---- device language ----------------------------------------------------------------------
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static
#define __align__(n) __attribute__((aligned(n)))

struct dim3 {
  unsigned x, y, z;
  constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};
struct float4 {
  float x, y, z, w;
};
// Eight bf16 values read as one 16-byte load (gemm_bf16.cu); may_alias: the memory holds uint16_t.
struct __attribute__((may_alias)) uint4 {
  unsigned x, y, z, w;
};

inline dim3 blockIdx, threadIdx, blockDim, gridDim;

inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline float __fsqrt_rn(float a) { return std::sqrt(a); }

// Blocks never overlap and fibers switch only at barriers: a plain read-modify-write is atomic.
inline float atomicAdd(float* p, float v) {
  const float old = *p;
  *p = old + v;
  return old;
}

namespace mos_emu {

// Runs `body` once per thread of every block of `grid` (emu_runtime.cpp).
void run_grid(dim3 grid, dim3 block, const std::function<void()>& body);
// Back to the scheduler; resumed once every other live thread of the block got here too.
void barrier();
// The warp-shuffle mailbox of the running block, one slot per thread.
double* mailbox();

template <class F>
void launch(dim3 grid, dim3 block, F fn) {
  run_grid(grid, block, std::function<void()>(fn));
}

inline unsigned linear_tid() {
  return threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
}

}  // namespace mos_emu

inline void __syncthreads() { mos_emu::barrier(); }

// All threads of the block take part (as in every kernel of native/src/cuda): write, barrier,
// read the partner's value, barrier.
template <class T>
inline T __shfl_xor_sync(unsigned /*mask*/, T v, int lane_mask) {
  double* box = mos_emu::mailbox();
  const unsigned tid = mos_emu::linear_tid();
  box[tid] = static_cast<double>(v);
  mos_emu::barrier();
  const T other = static_cast<T>(box[tid ^ static_cast<unsigned>(lane_mask)]);
  mos_emu::barrier();
  return other;
}

// ---- runtime API ---------------------------------------------------------------------------
typedef enum cudaError {
  cudaSuccess = 0,
  cudaErrorInvalidValue = 1,
  cudaErrorMemoryAllocation = 2,
  cudaErrorInsufficientDriver = 35,
  cudaErrorInvalidDevice = 101,
  cudaErrorNoDevice = 100,
  cudaErrorNoKernelImageForDevice = 209
} cudaError_t;

struct CUstream_st {
  int id;
};
typedef CUstream_st* cudaStream_t;
struct CUmemPoolHandle_st {
  int id;
};
typedef CUmemPoolHandle_st* cudaMemPool_t;

enum cudaMemcpyKind {
  cudaMemcpyHostToHost = 0,
  cudaMemcpyHostToDevice = 1,
  cudaMemcpyDeviceToHost = 2,
  cudaMemcpyDeviceToDevice = 3,
  cudaMemcpyDefault = 4
};
enum cudaDeviceAttr { cudaDevAttrMultiProcessorCount = 16, cudaDevAttrMemoryPoolsSupported = 115 };
enum cudaMemAllocationType { cudaMemAllocationTypePinned = 1 };
enum cudaMemLocationType { cudaMemLocationTypeDevice = 1 };
enum cudaMemPoolAttr {
  cudaMemPoolAttrReleaseThreshold = 4,
  cudaMemPoolAttrReservedMemCurrent = 5,
  cudaMemPoolAttrUsedMemCurrent = 7
};
constexpr unsigned cudaStreamNonBlocking = 1;

struct cudaMemLocation {
  cudaMemLocationType type;
  int id;
};
struct cudaMemPoolProps {
  cudaMemAllocationType allocType;
  int handleTypes;
  cudaMemLocation location;
  void* win32SecurityAttributes;
  size_t maxSize;
  unsigned char reserved[56];
};
struct cudaDeviceProp {
  char name[256];
  size_t totalGlobalMem;
  int multiProcessorCount;
  int major, minor;
  int l2CacheSize;
};
struct cudaFuncAttributes {
  int maxThreadsPerBlock;
};

inline const char* cudaGetErrorName(cudaError_t e) {
  switch (e) {
    case cudaSuccess: return "cudaSuccess";
    case cudaErrorInvalidValue: return "cudaErrorInvalidValue";
    case cudaErrorMemoryAllocation: return "cudaErrorMemoryAllocation";
    case cudaErrorInsufficientDriver: return "cudaErrorInsufficientDriver";
    case cudaErrorNoDevice: return "cudaErrorNoDevice";
    case cudaErrorNoKernelImageForDevice: return "cudaErrorNoKernelImageForDevice";
    default: return "cudaErrorUnknown";
  }
}
inline const char* cudaGetErrorString(cudaError_t e) { return cudaGetErrorName(e); }
inline cudaError_t cudaGetLastError() { return cudaSuccess; }
inline cudaError_t cudaPeekAtLastError() { return cudaSuccess; }

inline cudaError_t cudaGetDeviceCount(int* n) {
  *n = 1;
  return cudaSuccess;
}
inline cudaError_t cudaDriverGetVersion(int* v) {
  *v = 13000;
  return cudaSuccess;
}
inline cudaError_t cudaRuntimeGetVersion(int* v) {
  *v = 13000;
  return cudaSuccess;
}
inline cudaError_t cudaSetDevice(int d) { return d == 0 ? cudaSuccess : cudaErrorInvalidDevice; }
inline cudaError_t cudaGetDevice(int* d) {
  *d = 0;
  return cudaSuccess;
}
inline cudaError_t cudaGetDeviceProperties(cudaDeviceProp* p, int d) {
  if (d != 0) return cudaErrorInvalidDevice;
  std::memset(p, 0, sizeof(*p));
  std::strcpy(p->name, "mos CPU emulator");
  p->totalGlobalMem = size_t{1} << 32;
  p->multiProcessorCount = 4;
  p->major = 9;
  p->minor = 0;
  p->l2CacheSize = 1 << 20;
  return cudaSuccess;
}
inline cudaError_t cudaDeviceGetAttribute(int* v, cudaDeviceAttr a, int d) {
  if (d != 0) return cudaErrorInvalidDevice;
  *v = a == cudaDevAttrMultiProcessorCount ? 4 : 1;
  return cudaSuccess;
}
// MOS_EMU_NO_KERNEL_IMAGE=1 plays a device this build has no kernel image for (a GPU of a newer
// architecture than CMAKE_CUDA_ARCHITECTURES lists).
template <class F>
inline cudaError_t cudaFuncGetAttributes(cudaFuncAttributes* a, F) {
  const char* no_image = std::getenv("MOS_EMU_NO_KERNEL_IMAGE");
  if (no_image != nullptr && no_image[0] == '1') return cudaErrorNoKernelImageForDevice;
  a->maxThreadsPerBlock = 1024;
  return cudaSuccess;
}

inline cudaError_t cudaStreamCreateWithFlags(cudaStream_t* s, unsigned) {
  *s = new CUstream_st{1};
  return cudaSuccess;
}
inline cudaError_t cudaStreamSynchronize(cudaStream_t) { return cudaSuccess; }
inline cudaError_t cudaStreamDestroy(cudaStream_t s) {
  delete s;
  return cudaSuccess;
}

inline cudaError_t cudaMemPoolCreate(cudaMemPool_t* p, const cudaMemPoolProps*) {
  *p = new CUmemPoolHandle_st{1};
  return cudaSuccess;
}
inline cudaError_t cudaMemPoolSetAttribute(cudaMemPool_t, cudaMemPoolAttr, void*) {
  return cudaSuccess;
}
// The emulated pool caches nothing (frees go straight back to the host).
inline cudaError_t cudaMemPoolGetAttribute(cudaMemPool_t, cudaMemPoolAttr, void* value) {
  *static_cast<uint64_t*>(value) = 0;
  return cudaSuccess;
}
// "Device" memory is host memory: a fixed 80 GiB device, all free (enough for every test).
inline cudaError_t cudaMemGetInfo(size_t* free_bytes, size_t* total_bytes) {
  *free_bytes = *total_bytes = size_t{80} << 30;
  return cudaSuccess;
}
inline cudaError_t cudaMemPoolTrimTo(cudaMemPool_t, size_t) { return cudaSuccess; }
inline cudaError_t cudaMemPoolDestroy(cudaMemPool_t p) {
  delete p;
  return cudaSuccess;
}
inline cudaError_t cudaMalloc(void** p, size_t bytes) {
  *p = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
  return *p ? cudaSuccess : cudaErrorMemoryAllocation;
}
inline cudaError_t cudaMallocFromPoolAsync(void** p, size_t bytes, cudaMemPool_t, cudaStream_t) {
  return cudaMalloc(p, bytes);
}
inline cudaError_t cudaFree(void* p) {
  std::free(p);
  return cudaSuccess;
}
inline cudaError_t cudaFreeAsync(void* p, cudaStream_t) { return cudaFree(p); }
inline cudaError_t cudaMemsetAsync(void* p, int v, size_t bytes, cudaStream_t = nullptr) {
  std::memset(p, v, bytes);
  return cudaSuccess;
}
inline cudaError_t cudaMemcpyAsync(void* d, const void* s, size_t bytes, cudaMemcpyKind,
                                   cudaStream_t = nullptr) {
  std::memmove(d, s, bytes);
  return cudaSuccess;
}
inline cudaError_t cudaMemcpy(void* d, const void* s, size_t bytes, cudaMemcpyKind k) {
  return cudaMemcpyAsync(d, s, bytes, k);
}
