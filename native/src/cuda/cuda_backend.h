// cuda_backend.h: mos::CudaBackend, the CUDA implementation of mos::Backend (one device, one
// non-blocking stream, one cuBLAS handle and one grow-only scratch buffer per context).
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "backend.h"
#include "cublas_loader.h"

namespace mos {

// Device probe shared by cuda_backend_available and make_cuda_backend: the number of visible
// devices, or false and a reason ("no CUDA driver (cudaGetDeviceCount: error 35 ...)").
bool cuda_probe_devices(int* count, std::string* reason);

class CudaBackend final : public Backend {
 public:
  CudaBackend(int32_t device, const cublas::Library* blas);
  ~CudaBackend() override;
  CudaBackend(const CudaBackend&) = delete;
  CudaBackend& operator=(const CudaBackend&) = delete;

  mos_backend_t kind() const override { return MOS_BACKEND_CUDA; }
  std::string describe() const override;

  void* alloc(size_t bytes) override;
  void free(void* p) noexcept override;
  void copy_to_device(void* dst, const void* host_src, size_t bytes) override;
  void copy_to_host(void* host_dst, const void* src, size_t bytes) override;
  void copy(void* dst, const void* src, size_t bytes) override;
  void fill_zero(void* p, size_t bytes) override;
  void synchronize() override;
  void set_num_threads(int32_t) override {}  // the GPU's work is not threaded from the host
  bool host_addressable() const override { return false; }
  MemoryInfo memory_available() const override;

  void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
            const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
            int64_t ldc) override;

  void gather_a(const float* pool_a, int64_t num_shards, int64_t s_a, const int32_t* index,
                int32_t r, int32_t l, float* a_out) override;
  void gather_b(const float* pool_b, int64_t s_b, int64_t num_shards, const int32_t* index,
                int32_t r, int32_t l, float* b_out) override;
  void scatter_add_a(const float* d_a, int64_t num_shards, int64_t s_a, const int32_t* index,
                     int32_t r, int32_t l, float* grad_pool_a) override;
  void scatter_add_b(const float* d_b, int64_t s_b, int64_t num_shards, const int32_t* index,
                     int32_t r, int32_t l, float* grad_pool_b) override;

  void dropout(const float* x, int64_t n, float rate, uint64_t seed, uint64_t counter,
               float* out) override;
  void bf16_to_f32(const void* src, int64_t n, float* dst) override;
  void f32_to_bf16(const float* src, int64_t n, void* dst) override;
  void axpy(int64_t n, float alpha, const float* x, float* y) override;
  void scale(int64_t n, float s, float* x) override;
  void add_row_bias(int64_t rows, int64_t cols, const float* bias, float* y) override;
  double sum_squares(int64_t n, const float* x) override;
  void uniform_fill(int64_t n, float lo, float hi, uint64_t seed, uint64_t stream,
                    float* p) override;
  void adamw(int64_t n, const AdamWParams& hp, const float* grad, float* param, float* m,
             float* v) override;
  // cuda/bank_apply.cu: one apply of a bank at a time (scratch.mu), x and y staged through the
  // bank's device buffers when plan.host_io is set.
  void bank_apply(const bank::ApplyPlan& plan, bank::ApplyScratch& scratch) override;

  // ---- CUDA knobs: initial values from the environment at creation (docs/cuda.md) ----------
  // TF32 tensor cores for the f32 cuBLAS products (MOS_CUDA_TF32=1, mos_context_set_math_mode).
  void set_math_mode(mos_math_mode_t mode) override { tf32_ = mode == MOS_MATH_TF32; }
  // Sorted-slot scatter-add, bit-identical gradients run to run (MOS_CUDA_DETERMINISTIC=1,
  // mos_context_set_deterministic).
  void set_deterministic(bool on) override { deterministic_ = on; }

  // Dense product with explicit storage types (CUDA_R_32F now; CUDA_R_16BF storage for
  // activations and base weights later), always accumulated in f32.
  void gemm_ex(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
               const void* a, cudaDataType a_type, int64_t lda, const void* b, cudaDataType b_type,
               int64_t ldb, float beta, void* c, cudaDataType c_type, int64_t ldc);

  // Grow the per-context scratch to at least `bytes` (never shrinks). Kernels that need scratch
  // size it with the queries in kernels.h; the buffer is reserved at creation, so the hot path
  // allocates only when a call needs more than any call before it.
  void reserve_scratch(size_t bytes);
  size_t scratch_capacity() const { return scratch_bytes_; }

  int32_t device() const { return device_; }
  cudaStream_t stream() const { return stream_; }

 private:
  void activate() const;
  void* raw_alloc(size_t bytes);
  void raw_free(void* p) noexcept;
  void* scratch(size_t bytes);
  void release() noexcept;

  int32_t device_;
  const cublas::Library* blas_lib_;
  cublasHandle_t blas_ = nullptr;
  cudaStream_t stream_ = nullptr;
  cudaMemPool_t pool_ = nullptr;  // per-context stream-ordered pool (null: plain cudaMalloc)
  void* scratch_ = nullptr;
  size_t scratch_bytes_ = 0;
  int sm_count_ = 1;
  int cc_major_ = 0, cc_minor_ = 0;
  size_t total_mem_ = 0;
  std::string name_;
  int cublas_version_ = 0;
  uint64_t pool_keep_bytes_ = 0;  // the pool's release threshold (see the constructor)
  bool tf32_ = false;
  bool deterministic_ = false;
  // The small-rank product kernels (lora_shrink.cu, lora_expand.cu) instead of cuBLAS where a
  // product has few rows and a small rank; MOS_CUDA_SMALL_RANK_KERNELS=0 sends all to cuBLAS.
  bool small_rank_kernels_ = true;
};

}  // namespace mos
