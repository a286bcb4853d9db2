// SPDX-License-Identifier: Apache-2.0
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
                    const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
                    int64_t ldc) = 0;

  // ---- shards (method.md §3, §5), index arithmetic from common/index_math.h ----
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
  virtual void axpy(int64_t n, float alpha, const float* x, float* y) = 0;  // y += alpha x
  virtual void scale(int64_t n, float s, float* x) = 0;                     // x *= s
  virtual void add_row_bias(int64_t rows, int64_t cols, const float* bias, float* y) = 0;
  virtual double sum_squares(int64_t n, const float* x) = 0;
  // p[e] = lo + (hi - lo) * uniform01(hash3(seed, stream, e)) (common/rng.h).
  virtual void uniform_fill(int64_t n, float lo, float hi, uint64_t seed, uint64_t stream,
                            float* p) = 0;
  // adamw_update (common/adamw_update.h) on every element e in [0, n).
  virtual void adamw(int64_t n, const AdamWParams& hp, const float* grad, float* param, float* m,
                     float* v) = 0;

  // ---- adapter bank (bank_plan.h) ----
  // y[t] += scaling_a B_a (A_a x[t]) for every grouped token of the plan, reading the shards
  // straight from the bank's pools; returns when y is written. `scratch` is the bank's own.
  virtual void bank_apply(const bank::ApplyPlan& plan, bank::ApplyScratch& scratch) = 0;

  // ==== decoder ops (native/src/cpu/<op>.cpp; CUDA: native/src/cuda/, one kernel per file) ====
  // Row-major f32 in backend memory unless stated; index arrays (ids, positions, offsets, page
  // tables) are backend memory too. None allocates: what needs scratch takes it from the caller,
  // sized by the *_scratch_floats query of the same backend (which may depend on its threads).

  // rmsnorm.cpp. y[i,:] = weight * (x[i,:] * inv_rms[i]), inv_rms[i] = 1/sqrt(mean_j x[i,j]^2 +
  // eps) (HF's LlamaRMSNorm in f32); inv_rms may be null. y may equal x.
  virtual void rmsnorm_forward(int64_t rows, int64_t cols, const float* x, const float* weight,
                               float eps, float* y, float* inv_rms) = 0;
  // dx[i,:] += the input gradient of the above, given dy and the forward's x and inv_rms (weight
  // frozen: no weight gradient). dx must not alias x or dy.
  virtual void rmsnorm_backward(int64_t rows, int64_t cols, const float* x, const float* weight,
                                const float* inv_rms, const float* dy, float* dx) = 0;
  // Training the base (not the adapters): dweight[j] += sum_i dy[i,j] * x[i,j] * inv_rms[i], the
  // gradient of the norm's weight; rows summed in ascending order (deterministic).
  virtual void rmsnorm_weight_grad(int64_t rows, int64_t cols, const float* x, const float* inv_rms,
                                   const float* dy, float* dweight) = 0;

  // rope.cpp. cos_out / sin_out [tokens x half]: cos and sin of rope::angle(positions[t],
  // inv_freq[i]) (common/rope_math.h), i < half = head_dim / 2.
  virtual void rope_table(int64_t tokens, const int32_t* positions, int32_t half,
                          const float* inv_freq, float* cos_out, float* sin_out) = 0;
  // In place on `heads` heads of head_dim at the start of each row of x [tokens x ld]: HF's
  // x*cos + rotate_half(x)*sin (dimension i pairs with i + head_dim/2). inverse: the transpose
  // (sin negated), which is the backward of the rotation.
  virtual void rope_apply(int64_t tokens, int32_t heads, int32_t head_dim, int64_t ld,
                          const float* cos_tab, const float* sin_tab, bool inverse, float* x) = 0;

  // attention.cpp, packed training attention. Sequence s holds tokens [starts[s], starts[s+1])
  // (starts: num_seqs + 1 int32, backend memory; max_len = the longest, host value). q and out are
  // [T x heads*head_dim], k and v [T x kv_heads*head_dim]; query head h reads KV head
  // h / (heads / kv_heads); causal within each sequence; out = softmax(scale q k^T) v, and
  // lse [T x heads] = each row's log-sum-exp of scale q k^T (kept for backward).
  virtual int64_t attention_scratch_floats(int32_t max_len, int32_t head_dim) = 0;
  virtual void attention_forward(int32_t num_seqs, const int32_t* starts, int32_t max_len,
                                 int32_t heads, int32_t kv_heads, int32_t head_dim, float scale,
                                 const float* q, const float* k, const float* v, float* out,
                                 float* lse, float* scratch) = 0;
  // dq, dk, dv (overwritten) from dout, recomputing the probabilities from q, k and lse.
  virtual void attention_backward(int32_t num_seqs, const int32_t* starts, int32_t max_len,
                                  int32_t heads, int32_t kv_heads, int32_t head_dim, float scale,
                                  const float* q, const float* k, const float* v, const float* out,
                                  const float* lse, const float* dout, float* dq, float* dk,
                                  float* dv, float* scratch) = 0;
  // attention.cpp, paged KV cache (layout: common/paged_kv.h; `cache` is one block's part).
  // Token t's key and value rows (k, v [tokens x kv_heads*head_dim]) go to slot slots[t].
  virtual void kv_cache_write(int64_t tokens, const int32_t* slots, int32_t kv_heads,
                              int32_t head_dim, const float* k, const float* v, float* cache,
                              int64_t num_pages) = 0;
  // Sequence s has new query rows [q_starts[s], q_starts[s+1]) of q [T x heads*head_dim] and
  // ctx_lens[s] cached tokens including those new ones (already written), whose pages are row s of
  // page_tables [num_seqs x max_pages]. New row j sits at position ctx_lens[s] - n_s + j and
  // attends to positions <= its own. out [T x heads*head_dim]. max_q / max_ctx: host maxima.
  virtual int64_t paged_attention_scratch_floats(int32_t max_q, int32_t max_ctx, int32_t heads,
                                                 int32_t kv_heads, int32_t head_dim) = 0;
  virtual void paged_attention(int32_t num_seqs, const int32_t* q_starts, const int32_t* ctx_lens,
                               const int32_t* page_tables, int32_t max_pages, int32_t max_q,
                               int32_t max_ctx, int32_t heads, int32_t kv_heads, int32_t head_dim,
                               float scale, const float* q, const float* cache, int64_t num_pages,
                               float* out, float* scratch) = 0;

  // swiglu.cpp. out = silu(gate) * up, silu(z) = z / (1 + exp(-z)) (HF's LlamaMLP).
  virtual void swiglu_forward(int64_t n, const float* gate, const float* up, float* out) = 0;
  // dgate = dout * up * silu'(gate), dup = dout * silu(gate) (overwritten; may alias dout).
  virtual void swiglu_backward(int64_t n, const float* gate, const float* up, const float* dout,
                               float* dgate, float* dup) = 0;

  // embedding.cpp. out [n x cols] = rows ids[i] of table [? x cols] (F32 or BF16, widened).
  virtual void embedding(int64_t n, const int32_t* ids, const void* table, mos_dtype_t dtype,
                         int64_t cols, float* out) = 0;
  // dst[i,:] = src[rows[i],:] / dst[rows[i],:] = src[i,:], for i < n (f32 rows of `cols`).
  virtual void gather_rows(int64_t n, const int32_t* rows, int64_t cols, const float* src,
                           float* dst) = 0;
  virtual void scatter_rows(int64_t n, const int32_t* rows, int64_t cols, const float* src,
                            float* dst) = 0;
  // Training the base: dtable[ids[i],:] += dout[i,:] for i < n in ascending i (an id that repeats
  // adds in that order: deterministic), the gradient of embedding(). dtable is F32 [? x cols].
  virtual void embedding_grad(int64_t n, const int32_t* ids, int64_t cols, const float* dout,
                              float* dtable) = 0;

  // cross_entropy.cpp. For each row i of logits [rows x vocab] with targets[i] in [0, vocab):
  // loss[i] = logsumexp(row) - row[targets[i]] (double); with grad, the row is overwritten by
  // grad_scale * (softmax(row) - onehot(targets[i])).
  virtual void cross_entropy(int64_t rows, int64_t vocab, const int32_t* targets, float* logits,
                             double* loss, bool grad, float grad_scale) = 0;

  // gemm_bf16.cpp: products with a frozen BF16 weight W [n x k] (row-major, uint16 bf16) without
  // a widened copy of W: f32 x f32 products of the exact widened values, f32 accumulation.
  // y [m x n] = x [m x k] W^T + beta * y.
  virtual void gemm_bf16_nt(int64_t m, int64_t n, int64_t k, const float* x, int64_t ldx,
                            const uint16_t* w, float beta, float* y, int64_t ldy,
                            float* scratch) = 0;
  // dx [m x k] = dy [m x n] W + beta * dx.
  virtual void gemm_bf16_nn(int64_t m, int64_t n, int64_t k, const float* dy, int64_t lddy,
                            const uint16_t* w, float beta, float* dx, int64_t lddx,
                            float* scratch) = 0;
  // Scratch of either product for a W of [n x k] and m rows.
  virtual int64_t gemm_bf16_scratch_floats(int64_t m, int64_t n, int64_t k) = 0;
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
