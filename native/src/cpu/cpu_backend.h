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

  // OpenMP threads for this backend's loops (the set value, else OpenMP's default).
  int threads() const;

 private:
  int32_t threads_ = 0;  // 0: library default
};

}  // namespace cpu
}  // namespace mos
