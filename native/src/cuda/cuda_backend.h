// SPDX-License-Identifier: Apache-2.0
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

  // ---- decoder ops: one kernel file each (rmsnorm.cu, rope.cu, attention.cu,
  // paged_attention.cu, swiglu.cu, embedding.cu, cross_entropy.cu, gemm_bf16.cu; kernels.h).
  void rmsnorm_forward(int64_t rows, int64_t cols, const float* x, const float* weight, float eps,
                       float* y, float* inv_rms) override;
  void rmsnorm_backward(int64_t rows, int64_t cols, const float* x, const float* weight,
                        const float* inv_rms, const float* dy, float* dx) override;
  void rmsnorm_weight_grad(int64_t rows, int64_t cols, const float* x, const float* inv_rms,
                           const float* dy, float* dweight) override;
  void rope_table(int64_t tokens, const int32_t* positions, int32_t half, const float* inv_freq,
                  float* cos_out, float* sin_out) override;
  void rope_apply(int64_t tokens, int32_t heads, int32_t head_dim, int64_t ld, const float* cos_tab,
                  const float* sin_tab, bool inverse, float* x) override;
  int64_t attention_scratch_floats(int32_t max_len, int32_t head_dim) override;
  void attention_forward(int32_t num_seqs, const int32_t* starts, int32_t max_len, int32_t heads,
                         int32_t kv_heads, int32_t head_dim, float scale, const float* q,
                         const float* k, const float* v, float* out, float* lse,
                         float* scratch) override;
  void attention_backward(int32_t num_seqs, const int32_t* starts, int32_t max_len, int32_t heads,
                          int32_t kv_heads, int32_t head_dim, float scale, const float* q,
                          const float* k, const float* v, const float* out, const float* lse,
                          const float* dout, float* dq, float* dk, float* dv,
                          float* scratch) override;
  void kv_cache_write(int64_t tokens, const int32_t* slots, int32_t kv_heads, int32_t head_dim,
                      const float* k, const float* v, float* cache, int64_t num_pages) override;
  int64_t paged_attention_scratch_floats(int32_t max_q, int32_t max_ctx, int32_t heads,
                                         int32_t kv_heads, int32_t head_dim) override;
  void paged_attention(int32_t num_seqs, const int32_t* q_starts, const int32_t* ctx_lens,
                       const int32_t* page_tables, int32_t max_pages, int32_t max_q,
                       int32_t max_ctx, int32_t heads, int32_t kv_heads, int32_t head_dim,
                       float scale, const float* q, const float* cache, int64_t num_pages,
                       float* out, float* scratch) override;
  void swiglu_forward(int64_t n, const float* gate, const float* up, float* out) override;
  void swiglu_backward(int64_t n, const float* gate, const float* up, const float* dout,
                       float* dgate, float* dup) override;
  void embedding(int64_t n, const int32_t* ids, const void* table, mos_dtype_t dtype, int64_t cols,
                 float* out) override;
  void gather_rows(int64_t n, const int32_t* rows, int64_t cols, const float* src,
                   float* dst) override;
  void scatter_rows(int64_t n, const int32_t* rows, int64_t cols, const float* src,
                    float* dst) override;
  void embedding_grad(int64_t n, const int32_t* ids, int64_t cols, const float* dout,
                      float* dtable) override;
  void cross_entropy(int64_t rows, int64_t vocab, const int32_t* targets, float* logits,
                     double* loss, bool grad, float grad_scale) override;
  void gemm_bf16_nt(int64_t m, int64_t n, int64_t k, const float* x, int64_t ldx, const uint16_t* w,
                    float beta, float* y, int64_t ldy, float* scratch) override;
  void gemm_bf16_nn(int64_t m, int64_t n, int64_t k, const float* dy, int64_t lddy,
                    const uint16_t* w, float beta, float* dx, int64_t lddx,
                    float* scratch) override;
  int64_t gemm_bf16_scratch_floats(int64_t m, int64_t n, int64_t k) override;

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
