// backend.h: the internal seam between the backend-agnostic core (pool, layer, optimizer) and
// the CPU / CUDA backends. Pointers here are backend memory; only copy_* touch host memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "mos/mos.h"

namespace mos {

namespace bank {
struct ApplyPlan;     // bank_plan.h
struct ApplyScratch;  // bank_plan.h
}  // namespace bank

struct AdamWParams {
  float lr, beta1, beta2, eps, weight_decay;
  float bias_correction1;  // 1 - beta1^t
  float bias_correction2;  // 1 - beta2^t
};

// Every method may throw mos::Error (see error.h); none returns an error code.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual mos_backend_t kind() const = 0;
  virtual std::string describe() const = 0;

  // ---- memory (zero-filled allocations; free(nullptr) is a no-op) ----
  virtual void* alloc(size_t bytes) = 0;
  virtual void free(void* p) noexcept = 0;
  virtual void copy_to_device(void* dst, const void* host_src, size_t bytes) = 0;
  virtual void copy_to_host(void* host_dst, const void* src, size_t bytes) = 0;
  virtual void copy(void* dst, const void* src, size_t bytes) = 0;
  virtual void fill_zero(void* p, size_t bytes) = 0;
  virtual void synchronize() = 0;
  virtual void set_num_threads(int32_t n) = 0;
  // Precision of the f32 dense products and deterministic reductions (mos_context_set_math_mode,
  // mos_context_set_deterministic). The CPU is exact and deterministic: both are no-ops there.
  virtual void set_math_mode(mos_math_mode_t) {}
  virtual void set_deterministic(bool) {}
  // True when host pointers can be used directly as backend memory (CPU).
  virtual bool host_addressable() const = 0;
  // What a new allocation can still get and where ("on this machine", "on CUDA device 0 (...)"),
  // for the up-front checks of memory.h.
  struct MemoryInfo {
    uint64_t available;
    std::string where;
  };
  virtual MemoryInfo memory_available() const = 0;

  // ---- dense products (row-major f32): C[m x n] = alpha * op(A) op(B) + beta * C ----
  virtual void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                    const float* a, int64_t lda, const float* b, int64_t ldb, float beta,
                    float* c, int64_t ldc) = 0;

  // ---- shards (spec §3, §5), index arithmetic from common/index_math.h ----
  // a_out [r x l*s_a] from pool_a [P x s_a]; b_out [l*s_b x r] from pool_b [s_b x P].
  virtual void gather_a(const float* pool_a, int64_t num_shards, int64_t s_a, const int32_t* index,
                        int32_t r, int32_t l, float* a_out) = 0;
  virtual void gather_b(const float* pool_b, int64_t s_b, int64_t num_shards, const int32_t* index,
                        int32_t r, int32_t l, float* b_out) = 0;
  // grad_pool_a[idx[j*l+i], t] += d_a[j, i*s_a+t]; grad_pool_b[t, idx[j*l+i]] += d_b[i*s_b+t, j].
  // ADD, never overwrite: repeated indices and several layers accumulate.
  virtual void scatter_add_a(const float* d_a, int64_t num_shards, int64_t s_a,
                             const int32_t* index, int32_t r, int32_t l, float* grad_pool_a) = 0;
  virtual void scatter_add_b(const float* d_b, int64_t s_b, int64_t num_shards,
                             const int32_t* index, int32_t r, int32_t l, float* grad_pool_b) = 0;

  // ---- bf16 storage (common/bf16.h: exact widening, round-to-nearest-even) ---------------------
  // dst[e] = bf16 src[e] widened to f32 / rounded to bf16, for e in [0, n).
  virtual void bf16_to_f32(const void* src, int64_t n, float* dst) = 0;
  virtual void f32_to_bf16(const float* src, int64_t n, void* dst) = 0;

  // ---- elementwise ----
  // out[e] = keep(seed, counter, e) ? x[e] / (1 - rate) : 0, for e in [0, n), keep =
  // rng::dropout_keep (common/rng.h). out may equal x.
  virtual void dropout(const float* x, int64_t n, float rate, uint64_t seed, uint64_t counter,
                       float* out) = 0;
  virtual void axpy(int64_t n, float alpha, const float* x, float* y) = 0;    // y += alpha x
  virtual void scale(int64_t n, float s, float* x) = 0;                       // x *= s
  virtual void add_row_bias(int64_t rows, int64_t cols, const float* bias, float* y) = 0;
  virtual double sum_squares(int64_t n, const float* x) = 0;
  // p[e] = lo + (hi - lo) * uniform01(hash3(seed, stream, e)) (common/rng.h).
  virtual void uniform_fill(int64_t n, float lo, float hi, uint64_t seed, uint64_t stream,
                            float* p) = 0;
  // adamw_update (common/adamw_update.h) on every element e in [0, n).
  virtual void adamw(int64_t n, const AdamWParams& hp, const float* grad, float* param,
                     float* m, float* v) = 0;

  // ---- adapter bank (bank_plan.h) ----
  // y[t] += scaling_a B_a (A_a x[t]) for every grouped token of the plan, reading the shards
  // straight from the bank's pools; returns when y is written. `scratch` is the bank's own.
  virtual void bank_apply(const bank::ApplyPlan& plan, bank::ApplyScratch& scratch) = 0;
};

std::unique_ptr<Backend> make_cpu_backend();
// Defined by the CUDA backend when built with it; otherwise throws BACKEND_UNAVAILABLE.
std::unique_ptr<Backend> make_cuda_backend(int32_t device);
// 1 if usable; else 0 and *reason says why ("built without CUDA", "no CUDA driver", ...).
bool cuda_backend_available(std::string* reason);

// What CUDA support was compiled in, for mos_version_string: "off" without CUDA, else the CUDA
// backend's architectures (e.g. "sm_80;sm_90").
const char* cuda_build_info();

}  // namespace mos
