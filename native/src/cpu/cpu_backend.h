// SPDX-License-Identifier: Apache-2.0
// cpu_backend.h: mos::cpu::CpuBackend, the Backend on host memory: OpenBLAS CBLAS (or the plain
// fallback GEMM) for dense products, OpenMP loops for shards and elementwise work.
#pragma once

#include <cstdint>
#include <string>

#include "backend.h"

namespace mos {
namespace cpu {

// Below this many elements a loop stays serial: forking threads costs more than it saves.
constexpr int64_t kParallelMin = int64_t{1} << 15;
// The decoder's cheap elementwise ops run between threaded OpenBLAS calls, whose pthreads workers
// spin for a while after each call: an OpenMP region there waits for a core, which on a busy
// machine costs a scheduler time slice. They fork only with about a millisecond of work or more.
constexpr int64_t kBetweenBlasParallelMin = int64_t{1} << 20;

class CpuBackend final : public Backend {
 public:
  CpuBackend();
  mos_backend_t kind() const override { return MOS_BACKEND_CPU; }
  std::string describe() const override;

  void* alloc(size_t bytes) override;
  // The most threads set_num_threads accepts: 16 x the hardware threads, at most 1024.
  static int32_t max_threads();
  void free(void* p) noexcept override;
  void copy_to_device(void* dst, const void* host_src, size_t bytes) override;
  void copy_to_host(void* host_dst, const void* src, size_t bytes) override;
  void copy(void* dst, const void* src, size_t bytes) override;
  void fill_zero(void* p, size_t bytes) override;
  void synchronize() override {}
  void set_num_threads(int32_t n) override;
  bool host_addressable() const override { return true; }
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
  // cpu/bank_apply.cpp: tiles of each adapter's tokens, shared out over threads() / concurrent.
  void bank_apply(const bank::ApplyPlan& plan, bank::ApplyScratch& scratch) override;

  // ---- decoder ops, one file each: rmsnorm.cpp, rope.cpp, attention.cpp, swiglu.cpp,
  // embedding.cpp, cross_entropy.cpp, gemm_bf16.cpp ----
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

  // OpenMP threads for this backend's loops (the set value, else OpenMP's default).
  int threads() const;

 private:
  int32_t threads_ = 0;  // 0: library default
};

}  // namespace cpu
}  // namespace mos
