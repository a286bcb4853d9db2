// SPDX-License-Identifier: Apache-2.0
// cuda_backend.cpp: mos::CudaBackend (memory, copies, cuBLAS products, kernel dispatch) and the
// availability probe. Every CUDA failure becomes a mos::Error; nothing aborts.
#include "cuda_backend.h"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>

#include "error.h"
#include "kernels.h"
#include "memory.h"

namespace mos {
namespace {

[[noreturn]] void throw_cuda(const char* what, cudaError_t e) {
  cudaGetLastError();  // clear a non-sticky error so the next call starts clean
  const mos_status_t st =
      e == cudaErrorMemoryAllocation ? MOS_STATUS_OUT_OF_MEMORY : MOS_STATUS_INTERNAL;
  fail(st, "CUDA backend: ", what, " failed: error ", static_cast<int>(e), " ", cudaGetErrorName(e),
       " (", cudaGetErrorString(e), ")");
}

#define MOS_CUDA_CHECK(call)                                  \
  do {                                                        \
    const cudaError_t mos_err_ = (call);                      \
    if (mos_err_ != cudaSuccess) throw_cuda(#call, mos_err_); \
  } while (0)

bool env_flag(const char* name, bool fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || v[0] == '\0') return fallback;
  return !(std::strcmp(v, "0") == 0 || std::strcmp(v, "off") == 0 || std::strcmp(v, "OFF") == 0 ||
           std::strcmp(v, "false") == 0);
}

std::string error_words(cudaError_t e) {
  return cat("error ", static_cast<int>(e), " ", cudaGetErrorName(e), ": ", cudaGetErrorString(e));
}

int checked_int(int64_t v, const char* what) {
  check(v >= 0 && v <= INT_MAX, MOS_STATUS_UNSUPPORTED, "CUDA gemm: ", what, " = ", v,
        " exceeds cuBLAS's 32-bit limit ", INT_MAX);
  return static_cast<int>(v);
}

constexpr size_t kInitialScratch = size_t{1} << 20;  // 1 MiB: every common call fits

// The memory pool's release threshold: MOS_CUDA_POOL_KEEP_BYTES when set (0 gives every freed
// block back at the next synchronization), else 1/16 of the device's memory, at most 1 GiB.
uint64_t pool_keep_bytes(size_t total_mem) {
  const char* env = std::getenv("MOS_CUDA_POOL_KEEP_BYTES");
  if (env != nullptr && env[0] != '\0') {
    char* end = nullptr;
    const unsigned long long v = std::strtoull(env, &end, 10);
    check(end != env && *end == '\0', MOS_STATUS_INVALID_ARGUMENT,
          "MOS_CUDA_POOL_KEEP_BYTES must be a number of bytes, got '", env, "'");
    return v;
  }
  const uint64_t sixteenth = static_cast<uint64_t>(total_mem) / 16;
  return sixteenth < (uint64_t{1} << 30) ? sixteenth : (uint64_t{1} << 30);
}
constexpr size_t kScratchGranule = size_t{1} << 20;

}  // namespace

// ---- build info and availability ---------------------------------------------------------------

// For mos_version_string: the architectures compiled in, e.g. "sm_80;sm_90".
const char* cuda_build_info() {
#ifdef MOS_CUDA_ARCHS
  static const std::string info = [] {
    std::string s = MOS_CUDA_ARCHS;  // "sm_80 sm_90" (cuda.cmake cannot pass a ';')
    for (char& ch : s) {
      if (ch == ' ') ch = ';';
    }
    return s;
  }();
  return info.c_str();
#else
  return "on";
#endif
}

bool cuda_probe_devices(int* count, std::string* reason) {
  // The driver's answer does not change within a process: probe once.
  static std::once_flag once;
  static int found = 0;
  static std::string why;
  std::call_once(once, [] {
    int n = 0;
    const cudaError_t e = cudaGetDeviceCount(&n);
    cudaGetLastError();
    if (e == cudaErrorInsufficientDriver) {
      int driver = 0;
      cudaDriverGetVersion(&driver);
      cudaGetLastError();
      int runtime = 0;
      cudaRuntimeGetVersion(&runtime);
      if (driver == 0) {
        why = cat("no CUDA driver (cudaGetDeviceCount: ", error_words(e),
                  "; libcuda.so.1 is not installed or not loadable)");
      } else {
        why = cat("CUDA driver too old (cudaGetDeviceCount: ", error_words(e),
                  "; the driver supports CUDA ", driver / 1000, ".", (driver % 1000) / 10,
                  ", libmos needs ", runtime / 1000, ".", (runtime % 1000) / 10, ")");
      }
    } else if (e == cudaErrorNoDevice) {
      why = cat("no CUDA device (cudaGetDeviceCount: ", error_words(e), ")");
    } else if (e != cudaSuccess) {
      why = cat("CUDA unavailable (cudaGetDeviceCount: ", error_words(e), ")");
    } else if (n <= 0) {
      why = "no CUDA device (cudaGetDeviceCount: 0 devices)";
    } else {
      found = n;
    }
  });
  if (count != nullptr) *count = found;
  if (found == 0 && reason != nullptr) *reason = why;
  return found > 0;
}

namespace {

// "CUDA device 0 (NVIDIA H100, sm_90) cannot run this libmos's kernels (...); rebuild with
// CMAKE_CUDA_ARCHITECTURES including 90", or "" when the build holds an image for the device.
// Leaves the calling thread's current device as it found it.
std::string kernel_image_problem(int32_t device) {
  int previous = 0;
  const bool restore = cudaGetDevice(&previous) == cudaSuccess;
  std::string why;
  cudaDeviceProp prop;
  cudaError_t e = cudaSetDevice(device);
  if (e == cudaSuccess) e = cudaGetDeviceProperties(&prop, device);
  if (e != cudaSuccess) {
    why = cat("CUDA device ", device, " cannot be used (", error_words(e), ")");
  } else {
    const cudaError_t image = cuda::probe_kernel_image();
    if (image != cudaSuccess) {
      why = cat("CUDA device ", device, " (", prop.name, ", sm_", prop.major, prop.minor,
                ") cannot run this libmos's kernels (", error_words(image), "; built for ",
                cuda_build_info(), "); rebuild with CMAKE_CUDA_ARCHITECTURES including ",
                prop.major, prop.minor);
    }
  }
  if (restore) cudaSetDevice(previous);
  cudaGetLastError();
  return why;
}

}  // namespace

bool cuda_backend_available(std::string* reason) {
  std::string why;
  if (!cuda_probe_devices(nullptr, &why)) {
    if (reason != nullptr) *reason = why;
    return false;
  }
  // Device 0 must be able to run the kernels compiled in (a context on another device checks that
  // device when it is created). Probed once: the build and the device do not change.
  static std::once_flag image_once;
  static std::string image_problem;
  std::call_once(image_once, [] { image_problem = kernel_image_problem(0); });
  if (!image_problem.empty()) {
    if (reason != nullptr) *reason = image_problem;
    return false;
  }
  if (cublas::shared(&why) == nullptr) {
    if (reason != nullptr) *reason = why;
    return false;
  }
  if (reason != nullptr) reason->clear();
  return true;
}

std::unique_ptr<Backend> make_cuda_backend(int32_t device) {
  std::string why;
  int count = 0;
  if (!cuda_probe_devices(&count, &why)) fail(MOS_STATUS_BACKEND_UNAVAILABLE, why);
  check(device >= 0 && device < count, MOS_STATUS_INVALID_ARGUMENT, "CUDA device ", device,
        " does not exist: ", count, " device(s) visible (check CUDA_VISIBLE_DEVICES)");
  const cublas::Library* lib = cublas::shared(&why);
  if (lib == nullptr) fail(MOS_STATUS_BACKEND_UNAVAILABLE, why);
  return std::make_unique<CudaBackend>(device, lib);
}

// ---- lifetime -----------------------------------------------------------------------------------

CudaBackend::CudaBackend(int32_t device, const cublas::Library* blas)
    : device_(device), blas_lib_(blas) {
  try {
    MOS_CUDA_CHECK(cudaSetDevice(device_));
    cudaDeviceProp prop;
    MOS_CUDA_CHECK(cudaGetDeviceProperties(&prop, device_));
    name_ = prop.name;
    sm_count_ = prop.multiProcessorCount;
    cc_major_ = prop.major;
    cc_minor_ = prop.minor;
    total_mem_ = prop.totalGlobalMem;
    const std::string image = kernel_image_problem(device_);
    if (!image.empty()) fail(MOS_STATUS_BACKEND_UNAVAILABLE, image);
    MOS_CUDA_CHECK(cudaSetDevice(device_));
    MOS_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));

    int pools = 0;
    if (cudaDeviceGetAttribute(&pools, cudaDevAttrMemoryPoolsSupported, device_) == cudaSuccess &&
        pools != 0) {
      cudaMemPoolProps props;
      std::memset(&props, 0, sizeof(props));
      props.allocType = cudaMemAllocationTypePinned;
      props.location.type = cudaMemLocationTypeDevice;
      props.location.id = device_;
      MOS_CUDA_CHECK(cudaMemPoolCreate(&pool_, &props));
      // Freed blocks stay cached in the pool (no driver round trip for the next step's
      // allocations) up to this threshold; above it the driver takes memory back at the next
      // synchronization, so another library or context in the process can have it.
      pool_keep_bytes_ = pool_keep_bytes(total_mem_);
      MOS_CUDA_CHECK(
          cudaMemPoolSetAttribute(pool_, cudaMemPoolAttrReleaseThreshold, &pool_keep_bytes_));
    }
    cudaGetLastError();

    const int st = blas_lib_->create(&blas_);
    if (st != cublas::kStatusSuccess) {
      blas_ = nullptr;
      fail(MOS_STATUS_BACKEND_UNAVAILABLE, "cublasCreate_v2 (from ", blas_lib_->path,
           ") failed with cuBLAS status ", st);
    }
    check(blas_lib_->set_stream(blas_, stream_) == cublas::kStatusSuccess, MOS_STATUS_INTERNAL,
          "cublasSetStream_v2 failed");
    if (blas_lib_->set_math_mode != nullptr) blas_lib_->set_math_mode(blas_, cublas::kDefaultMath);
    if (blas_lib_->get_version != nullptr) blas_lib_->get_version(blas_, &cublas_version_);

    tf32_ = env_flag("MOS_CUDA_TF32", false);
    deterministic_ = env_flag("MOS_CUDA_DETERMINISTIC", false);
    small_rank_kernels_ = env_flag("MOS_CUDA_SMALL_RANK_KERNELS", true);
    size_t need = kInitialScratch;
    if (cuda::sum_squares_scratch_bytes() > need) need = cuda::sum_squares_scratch_bytes();
    reserve_scratch(need);
  } catch (...) {
    release();
    throw;
  }
}

CudaBackend::~CudaBackend() { release(); }

void CudaBackend::release() noexcept {
  cudaSetDevice(device_);
  if (stream_ != nullptr) cudaStreamSynchronize(stream_);
  if (blas_ != nullptr) blas_lib_->destroy(blas_);
  blas_ = nullptr;
  if (scratch_ != nullptr) raw_free(scratch_);
  scratch_ = nullptr;
  scratch_bytes_ = 0;
  if (stream_ != nullptr) {
    cudaStreamSynchronize(stream_);
    cudaStreamDestroy(stream_);
  }
  stream_ = nullptr;
  // Outstanding allocations keep the pool's memory until they are freed (CUDA's rule).
  if (pool_ != nullptr) cudaMemPoolDestroy(pool_);
  pool_ = nullptr;
  cudaGetLastError();
}

std::string CudaBackend::describe() const {
  return cat("CUDA device ", device_, ": ", name_, " (sm_", cc_major_, cc_minor_, ", ", sm_count_,
             " SMs, ", total_mem_ >> 30, " GiB); cuBLAS ", cublas_version_, " from ",
             blas_lib_->path, "; f32 products", tf32_ ? " with TF32" : "",
             deterministic_ ? "; deterministic scatter-add" : "; atomic scatter-add",
             small_rank_kernels_ ? "; small-rank product kernels" : "",
             pool_ != nullptr ? cat("; memory pool keeps up to ", pool_keep_bytes_ >> 20, " MiB")
                              : std::string("; cudaMalloc (no memory pools)"));
}

void CudaBackend::activate() const { MOS_CUDA_CHECK(cudaSetDevice(device_)); }

// ---- memory -------------------------------------------------------------------------------------

void* CudaBackend::raw_alloc(size_t bytes) {
  if (bytes == 0) bytes = 1;
  void* p = nullptr;
  const cudaError_t e =
      pool_ != nullptr ? cudaMallocFromPoolAsync(&p, bytes, pool_, stream_) : cudaMalloc(&p, bytes);
  if (e != cudaSuccess) {
    cudaGetLastError();
    fail(e == cudaErrorMemoryAllocation ? MOS_STATUS_OUT_OF_MEMORY : MOS_STATUS_INTERNAL,
         "CUDA backend: cannot allocate ", bytes, " bytes on device ", device_, " (", name_,
         "): ", error_words(e));
  }
  return p;
}

void CudaBackend::raw_free(void* p) noexcept {
  if (p == nullptr) return;
  // Stream-ordered: the memory returns to the pool after the work queued before it.
  if (pool_ != nullptr) {
    cudaFreeAsync(p, stream_);
  } else {
    cudaFree(p);
  }
  cudaGetLastError();
}

Backend::MemoryInfo CudaBackend::memory_available() const {
  const std::string where = cat("on CUDA device ", device_, " (", name_, ")");
  activate();
  size_t free_bytes = 0, total_bytes = 0;
  if (cudaMemGetInfo(&free_bytes, &total_bytes) != cudaSuccess) {
    cudaGetLastError();
    return MemoryInfo{UINT64_MAX, where};  // unknown: cudaMalloc decides
  }
  uint64_t available = free_bytes;
  // Blocks freed into this context's pool are reusable here but not free for the driver.
  uint64_t reserved = 0, used = 0;
  if (pool_ != nullptr &&
      cudaMemPoolGetAttribute(pool_, cudaMemPoolAttrReservedMemCurrent, &reserved) == cudaSuccess &&
      cudaMemPoolGetAttribute(pool_, cudaMemPoolAttrUsedMemCurrent, &used) == cudaSuccess &&
      reserved > used)
    available += reserved - used;
  cudaGetLastError();
  return MemoryInfo{available, where};
}

void* CudaBackend::alloc(size_t bytes) {
  activate();
  // cudaMalloc fails cleanly by itself; this names the sizes in human units.
  require_memory(*this, bytes, "an allocation");
  void* p = raw_alloc(bytes);
  const cudaError_t e = cudaMemsetAsync(p, 0, bytes, stream_);
  if (e != cudaSuccess) {
    raw_free(p);
    throw_cuda("cudaMemsetAsync (zero-fill of a new allocation)", e);
  }
  return p;
}

void CudaBackend::free(void* p) noexcept {
  if (p == nullptr) return;
  cudaSetDevice(device_);
  raw_free(p);
}

void CudaBackend::copy_to_device(void* dst, const void* host_src, size_t bytes) {
  if (bytes == 0) return;
  activate();
  MOS_CUDA_CHECK(cudaMemcpyAsync(dst, host_src, bytes, cudaMemcpyHostToDevice, stream_));
  // The caller's buffer is only borrowed for the call: wait until it has been read.
  MOS_CUDA_CHECK(cudaStreamSynchronize(stream_));
}

void CudaBackend::copy_to_host(void* host_dst, const void* src, size_t bytes) {
  if (bytes == 0) return;
  activate();
  MOS_CUDA_CHECK(cudaMemcpyAsync(host_dst, src, bytes, cudaMemcpyDeviceToHost, stream_));
  MOS_CUDA_CHECK(cudaStreamSynchronize(stream_));
}

void CudaBackend::copy(void* dst, const void* src, size_t bytes) {
  if (bytes == 0 || dst == src) return;
  activate();
  MOS_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, stream_));
}

void CudaBackend::fill_zero(void* p, size_t bytes) {
  if (bytes == 0) return;
  activate();
  MOS_CUDA_CHECK(cudaMemsetAsync(p, 0, bytes, stream_));
}

void CudaBackend::synchronize() {
  activate();
  MOS_CUDA_CHECK(cudaStreamSynchronize(stream_));
  // The driver releases above the threshold at synchronizations too; trimming here makes the
  // promise explicit for mos_context_synchronize.
  if (pool_ != nullptr) MOS_CUDA_CHECK(cudaMemPoolTrimTo(pool_, pool_keep_bytes_));
}

void CudaBackend::reserve_scratch(size_t bytes) {
  if (bytes <= scratch_bytes_) return;
  activate();
  bytes = (bytes + kScratchGranule - 1) / kScratchGranule * kScratchGranule;
  void* fresh = raw_alloc(bytes);
  // Stream-ordered (or, without a pool, synchronizing) free: kernels queued before still see
  // the old buffer.
  raw_free(scratch_);
  scratch_ = fresh;
  scratch_bytes_ = bytes;
}

void* CudaBackend::scratch(size_t bytes) {
  reserve_scratch(bytes);
  return scratch_;
}

// ---- dense products -------------------------------------------------------------------------

void CudaBackend::gemm_ex(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                          const void* a, cudaDataType a_type, int64_t lda, const void* b,
                          cudaDataType b_type, int64_t ldb, float beta, void* c,
                          cudaDataType c_type, int64_t ldc) {
  const int compute = tf32_ && a_type == CUDA_R_32F && b_type == CUDA_R_32F
                          ? cublas::kComputeF32FastTF32
                          : cublas::kComputeF32;
  const int st = cublas::gemm_row_major(*blas_lib_, blas_, trans_a, trans_b, checked_int(m, "m"),
                                        checked_int(n, "n"), checked_int(k, "k"), &alpha, a, a_type,
                                        checked_int(lda, "lda"), b, b_type, checked_int(ldb, "ldb"),
                                        &beta, c, c_type, checked_int(ldc, "ldc"), compute);
  check(st == cublas::kStatusSuccess, MOS_STATUS_INTERNAL, "cublasGemmEx failed with status ", st,
        " (m=", m, " n=", n, " k=", k, " trans_a=", trans_a, " trans_b=", trans_b, " lda=", lda,
        " ldb=", ldb, " ldc=", ldc, ")");
}

void CudaBackend::gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                       const float* a, int64_t lda, const float* b, int64_t ldb, float beta,
                       float* c, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  activate();
  if (k <= 0) {  // BLAS semantics: C = beta * C, and C is not read when beta == 0
    MOS_CUDA_CHECK(cuda::scale_matrix(m, n, beta, c, ldc, stream_));
    return;
  }
  if (small_rank_kernels_) {
    // Few rows and a small inner dimension: the expand kernel (y += s u B^T, dx += du A,
    // dA = du^T x). Few rows and a small output width: the split-K shrink (u = x A^T, du = G B).
    if (m <= cuda::kExpandMaxM && k <= cuda::kExpandMaxK) {
      MOS_CUDA_CHECK(cuda::lora_expand(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c,
                                       ldc, stream_));
      return;
    }
    if (!trans_a && m <= cuda::kShrinkMaxM && n <= cuda::kShrinkMaxN) {
      const int32_t splits = cuda::shrink_splits(m, k, sm_count_);
      void* partial = scratch(cuda::shrink_scratch_bytes(m, n, splits));
      MOS_CUDA_CHECK(cuda::lora_shrink(trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc,
                                       splits, partial, stream_));
      return;
    }
  }
  gemm_ex(trans_a, trans_b, m, n, k, alpha, a, CUDA_R_32F, lda, b, CUDA_R_32F, ldb, beta, c,
          CUDA_R_32F, ldc);
}

// ---- shards ---------------------------------------------------------------------------------

void CudaBackend::gather_a(const float* pool_a, int64_t /*num_shards*/, int64_t s_a,
                           const int32_t* index, int32_t r, int32_t l, float* a_out) {
  activate();
  MOS_CUDA_CHECK(cuda::gather_a(pool_a, s_a, index, r, l, a_out, stream_));
}

void CudaBackend::gather_b(const float* pool_b, int64_t s_b, int64_t num_shards,
                           const int32_t* index, int32_t r, int32_t l, float* b_out) {
  activate();
  MOS_CUDA_CHECK(cuda::gather_b(pool_b, s_b, num_shards, index, r, l, b_out, stream_));
}

void CudaBackend::scatter_add_a(const float* d_a, int64_t /*num_shards*/, int64_t s_a,
                                const int32_t* index, int32_t r, int32_t l, float* grad_pool_a) {
  activate();
  void* s = deterministic_ ? scratch(cuda::scatter_scratch_bytes(r, l)) : nullptr;
  MOS_CUDA_CHECK(
      cuda::scatter_add_a(d_a, s_a, index, r, l, grad_pool_a, deterministic_, s, stream_));
}

void CudaBackend::scatter_add_b(const float* d_b, int64_t s_b, int64_t num_shards,
                                const int32_t* index, int32_t r, int32_t l, float* grad_pool_b) {
  activate();
  void* s = deterministic_ ? scratch(cuda::scatter_scratch_bytes(r, l)) : nullptr;
  MOS_CUDA_CHECK(cuda::scatter_add_b(d_b, s_b, num_shards, index, r, l, grad_pool_b, deterministic_,
                                     s, stream_));
}

// ---- elementwise ----------------------------------------------------------------------------

void CudaBackend::dropout(const float* x, int64_t n, float rate, uint64_t seed, uint64_t counter,
                          float* out) {
  activate();
  MOS_CUDA_CHECK(cuda::dropout(x, n, rate, seed, counter, out, stream_));
}

void CudaBackend::bf16_to_f32(const void* src, int64_t n, float* dst) {
  activate();
  MOS_CUDA_CHECK(cuda::bf16_to_f32(src, n, dst, stream_));
}

void CudaBackend::f32_to_bf16(const float* src, int64_t n, void* dst) {
  activate();
  MOS_CUDA_CHECK(cuda::f32_to_bf16(src, n, dst, stream_));
}

void CudaBackend::axpy(int64_t n, float alpha, const float* x, float* y) {
  activate();
  MOS_CUDA_CHECK(cuda::axpy(n, alpha, x, y, stream_));
}

void CudaBackend::scale(int64_t n, float s, float* x) {
  activate();
  MOS_CUDA_CHECK(cuda::scale(n, s, x, stream_));
}

void CudaBackend::add_row_bias(int64_t rows, int64_t cols, const float* bias, float* y) {
  activate();
  MOS_CUDA_CHECK(cuda::add_row_bias(rows, cols, bias, y, stream_));
}

double CudaBackend::sum_squares(int64_t n, const float* x) {
  activate();
  double* result = nullptr;
  void* s = scratch(cuda::sum_squares_scratch_bytes());
  MOS_CUDA_CHECK(cuda::sum_squares(n, x, s, &result, stream_));
  double host = 0.0;
  MOS_CUDA_CHECK(cudaMemcpyAsync(&host, result, sizeof(double), cudaMemcpyDeviceToHost, stream_));
  MOS_CUDA_CHECK(cudaStreamSynchronize(stream_));
  return host;
}

void CudaBackend::uniform_fill(int64_t n, float lo, float hi, uint64_t seed, uint64_t stream,
                               float* p) {
  activate();
  MOS_CUDA_CHECK(cuda::uniform_fill(n, lo, hi, seed, stream, p, stream_));
}

void CudaBackend::adamw(int64_t n, const AdamWParams& hp, const float* grad, float* param, float* m,
                        float* v) {
  activate();
  const cuda::AdamWArgs args{
      hp.lr, hp.beta1, hp.beta2, hp.eps, hp.weight_decay, hp.bias_correction1, hp.bias_correction2};
  MOS_CUDA_CHECK(cuda::adamw(n, args, grad, param, m, v, stream_));
}

// ---- decoder ops (one kernel file each, kernels.h; the CPU's are in native/src/cpu/) ----------

namespace {
// head_dim above the attention kernels' register tiles: a clear refusal before any launch.
void check_head_dim(const char* op, int32_t head_dim) {
  check(head_dim <= cuda::kAttentionMaxHeadDim, MOS_STATUS_UNSUPPORTED, op, ": head_dim ", head_dim,
        " exceeds the CUDA attention kernels' maximum of ", cuda::kAttentionMaxHeadDim);
}
// W rows widened at once on the many-rows path of the BF16 products: a 16 MiB f32 panel at most
// (whole rows, at least one), each panel one cuBLAS SGEMM.
constexpr int64_t kBf16PanelFloats = int64_t{4} << 20;
int64_t bf16_panel_rows(int64_t n, int64_t k) {
  int64_t rows = k > 0 ? kBf16PanelFloats / k : n;
  if (rows < 1) rows = 1;
  return rows < n ? rows : n;
}
}  // namespace

void CudaBackend::rmsnorm_forward(int64_t rows, int64_t cols, const float* x, const float* weight,
                                  float eps, float* y, float* inv_rms) {
  activate();
  MOS_CUDA_CHECK(cuda::rmsnorm_forward(rows, cols, x, weight, eps, y, inv_rms, stream_));
}

void CudaBackend::rmsnorm_backward(int64_t rows, int64_t cols, const float* x, const float* weight,
                                   const float* inv_rms, const float* dy, float* dx) {
  activate();
  MOS_CUDA_CHECK(cuda::rmsnorm_backward(rows, cols, x, weight, inv_rms, dy, dx, stream_));
}

void CudaBackend::rmsnorm_weight_grad(int64_t rows, int64_t cols, const float* x,
                                      const float* inv_rms, const float* dy, float* dweight) {
  activate();
  void* s = scratch(cuda::rmsnorm_weight_grad_scratch_bytes(rows, cols));
  MOS_CUDA_CHECK(cuda::rmsnorm_weight_grad(rows, cols, x, inv_rms, dy, dweight, s, stream_));
}

void CudaBackend::rope_table(int64_t tokens, const int32_t* positions, int32_t half,
                             const float* inv_freq, float* cos_out, float* sin_out) {
  activate();
  MOS_CUDA_CHECK(cuda::rope_table(tokens, positions, half, inv_freq, cos_out, sin_out, stream_));
}

void CudaBackend::rope_apply(int64_t tokens, int32_t heads, int32_t head_dim, int64_t ld,
                             const float* cos_tab, const float* sin_tab, bool inverse, float* x) {
  activate();
  MOS_CUDA_CHECK(
      cuda::rope_apply(tokens, heads, head_dim, ld, cos_tab, sin_tab, inverse, x, stream_));
}

// The attention kernels keep their tiles in shared memory and the backward's one float per row
// in the context's scratch: the caller's scratch is not used.
int64_t CudaBackend::attention_scratch_floats(int32_t, int32_t) { return 0; }

void CudaBackend::attention_forward(int32_t num_seqs, const int32_t* starts, int32_t max_len,
                                    int32_t heads, int32_t kv_heads, int32_t head_dim, float scale,
                                    const float* q, const float* k, const float* v, float* out,
                                    float* lse, float* /*scratch*/) {
  check_head_dim("attention_forward", head_dim);
  activate();
  MOS_CUDA_CHECK(cuda::attention_forward(num_seqs, starts, max_len, heads, kv_heads, head_dim,
                                         scale, q, k, v, out, lse, stream_));
}

void CudaBackend::attention_backward(int32_t num_seqs, const int32_t* starts, int32_t max_len,
                                     int32_t heads, int32_t kv_heads, int32_t head_dim, float scale,
                                     const float* q, const float* k, const float* v,
                                     const float* out, const float* lse, const float* dout,
                                     float* dq, float* dk, float* dv, float* /*scratch*/) {
  check_head_dim("attention_backward", head_dim);
  activate();
  void* s = scratch(cuda::attention_backward_scratch_bytes(num_seqs, max_len, heads));
  MOS_CUDA_CHECK(cuda::attention_backward(num_seqs, starts, max_len, heads, kv_heads, head_dim,
                                          scale, q, k, v, out, lse, dout, dq, dk, dv, s, stream_));
}

void CudaBackend::kv_cache_write(int64_t tokens, const int32_t* slots, int32_t kv_heads,
                                 int32_t head_dim, const float* k, const float* v, float* cache,
                                 int64_t num_pages) {
  activate();
  MOS_CUDA_CHECK(
      cuda::kv_cache_write(tokens, slots, kv_heads, head_dim, k, v, cache, num_pages, stream_));
}

// Split partials live in the context's scratch (their size depends on the step's token count).
int64_t CudaBackend::paged_attention_scratch_floats(int32_t, int32_t, int32_t, int32_t, int32_t) {
  return 0;
}

void CudaBackend::paged_attention(int32_t num_seqs, const int32_t* q_starts,
                                  const int32_t* ctx_lens, const int32_t* page_tables,
                                  int32_t max_pages, int32_t max_q, int32_t max_ctx, int32_t heads,
                                  int32_t kv_heads, int32_t head_dim, float scale, const float* q,
                                  const float* cache, int64_t num_pages, float* out,
                                  float* /*scratch*/) {
  check_head_dim("paged_attention", head_dim);
  activate();
  const cuda::PagedPlan plan =
      cuda::paged_attention_plan(num_seqs, max_q, max_ctx, heads, kv_heads, head_dim, sm_count_);
  void* s =
      plan.splits > 1
          ? scratch(cuda::paged_attention_scratch_bytes(plan, num_seqs, max_q, heads, head_dim))
          : nullptr;
  MOS_CUDA_CHECK(cuda::paged_attention(plan, num_seqs, q_starts, ctx_lens, page_tables, max_pages,
                                       max_q, heads, kv_heads, head_dim, scale, q, cache, num_pages,
                                       out, s, stream_));
}

void CudaBackend::swiglu_forward(int64_t n, const float* gate, const float* up, float* out) {
  activate();
  MOS_CUDA_CHECK(cuda::swiglu_forward(n, gate, up, out, stream_));
}

void CudaBackend::swiglu_backward(int64_t n, const float* gate, const float* up, const float* dout,
                                  float* dgate, float* dup) {
  activate();
  MOS_CUDA_CHECK(cuda::swiglu_backward(n, gate, up, dout, dgate, dup, stream_));
}

void CudaBackend::embedding(int64_t n, const int32_t* ids, const void* table, mos_dtype_t dtype,
                            int64_t cols, float* out) {
  activate();
  MOS_CUDA_CHECK(cuda::embedding(n, ids, table, dtype == MOS_DTYPE_BF16, cols, out, stream_));
}

void CudaBackend::gather_rows(int64_t n, const int32_t* rows, int64_t cols, const float* src,
                              float* dst) {
  activate();
  MOS_CUDA_CHECK(cuda::gather_rows(n, rows, cols, src, dst, stream_));
}

void CudaBackend::scatter_rows(int64_t n, const int32_t* rows, int64_t cols, const float* src,
                               float* dst) {
  activate();
  MOS_CUDA_CHECK(cuda::scatter_rows(n, rows, cols, src, dst, stream_));
}

void CudaBackend::embedding_grad(int64_t n, const int32_t* ids, int64_t cols, const float* dout,
                                 float* dtable) {
  activate();
  MOS_CUDA_CHECK(cuda::embedding_grad(n, ids, cols, dout, dtable, stream_));
}

void CudaBackend::cross_entropy(int64_t rows, int64_t vocab, const int32_t* targets, float* logits,
                                double* loss, bool grad, float grad_scale) {
  activate();
  MOS_CUDA_CHECK(
      cuda::cross_entropy(rows, vocab, targets, logits, loss, grad, grad_scale, stream_));
}

// Few rows: the streaming kernels (split over W's rows for nn, partials in the caller's scratch).
// More: each panel of W widened into the caller's scratch, then the f32 product (cuBLAS; TF32
// only in MOS_MATH_TF32 mode). The query covers every m up to the one asked for.
int64_t CudaBackend::gemm_bf16_scratch_floats(int64_t m, int64_t n, int64_t k) {
  if (m <= 0 || n <= 0 || k <= 0) return 0;
  const int64_t few = m < cuda::kBf16StreamMaxM ? m : cuda::kBf16StreamMaxM;
  const int32_t splits = cuda::bf16_nn_splits(few, n, k, sm_count_);
  int64_t floats =
      static_cast<int64_t>(cuda::bf16_nn_scratch_bytes(few, splits, k) / sizeof(float));
  if (m > cuda::kBf16StreamMaxM) floats = std::max(floats, bf16_panel_rows(n, k) * k);
  return floats;
}

void CudaBackend::gemm_bf16_nt(int64_t m, int64_t n, int64_t k, const float* x, int64_t ldx,
                               const uint16_t* w, float beta, float* y, int64_t ldy,
                               float* scratch_floats) {
  if (m <= 0 || n <= 0) return;
  activate();
  if (k <= 0) {
    MOS_CUDA_CHECK(cuda::scale_matrix(m, n, beta, y, ldy, stream_));
    return;
  }
  if (m <= cuda::kBf16StreamMaxM) {
    MOS_CUDA_CHECK(cuda::gemm_bf16_nt_stream(m, n, k, x, ldx, w, beta, y, ldy, stream_));
    return;
  }
  const int64_t panel = bf16_panel_rows(n, k);
  for (int64_t j0 = 0; j0 < n; j0 += panel) {
    const int64_t nb = std::min(panel, n - j0);
    MOS_CUDA_CHECK(cuda::bf16_to_f32(w + j0 * k, nb * k, scratch_floats, stream_));
    gemm(false, true, m, nb, k, 1.0f, x, ldx, scratch_floats, k, beta, y + j0, ldy);
  }
}

void CudaBackend::gemm_bf16_nn(int64_t m, int64_t n, int64_t k, const float* dy, int64_t lddy,
                               const uint16_t* w, float beta, float* dx, int64_t lddx,
                               float* scratch_floats) {
  if (m <= 0 || k <= 0) return;
  activate();
  if (n <= 0) {
    MOS_CUDA_CHECK(cuda::scale_matrix(m, k, beta, dx, lddx, stream_));
    return;
  }
  if (m <= cuda::kBf16StreamMaxM) {
    const int32_t splits = cuda::bf16_nn_splits(m, n, k, sm_count_);
    MOS_CUDA_CHECK(cuda::gemm_bf16_nn_stream(m, n, k, dy, lddy, w, beta, dx, lddx, splits,
                                             scratch_floats, stream_));
    return;
  }
  const int64_t panel = bf16_panel_rows(n, k);
  for (int64_t j0 = 0; j0 < n; j0 += panel) {
    const int64_t nb = std::min(panel, n - j0);
    MOS_CUDA_CHECK(cuda::bf16_to_f32(w + j0 * k, nb * k, scratch_floats, stream_));
    gemm(false, false, m, k, nb, 1.0f, dy + j0, lddy, scratch_floats, k, j0 == 0 ? beta : 1.0f, dx,
         lddx);
  }
}

}  // namespace mos
