// SPDX-License-Identifier: Apache-2.0
// kernels.h: host-side launchers of the CUDA backend's kernels (one .cu file per operation).
// Each enqueues on `stream` and returns cudaGetLastError(); none allocates or synchronizes.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

namespace mos {
namespace cuda {

// ---- shard_gather.cu (method.md §3) -------------------------------------------------------------
// a_out [r x l*s_a] from pool_a [P x s_a];  b_out [l*s_b x r] from pool_b [s_b x P].
cudaError_t gather_a(const float* pool_a, int64_t s_a, const int32_t* index, int32_t r, int32_t l,
                     float* a_out, cudaStream_t stream);
cudaError_t gather_b(const float* pool_b, int64_t s_b, int64_t num_shards, const int32_t* index,
                     int32_t r, int32_t l, float* b_out, cudaStream_t stream);

// ---- pool_scatter_add.cu (method.md §5) ---------------------------------------------------------
// grad_a[idx[j*l+i], t] += d_a[j, i*s_a+t];  grad_b[t, idx[j*l+i]] += d_b[i*s_b+t, j].
// Atomic mode: one atomicAdd per element (summation order of repeated indices varies).
// Deterministic mode: slots are sorted by (index, slot) into `scratch` and each destination is
// accumulated by one thread in ascending slot order, so two runs are bit-identical.
size_t scatter_scratch_bytes(int32_t r, int32_t l);
cudaError_t scatter_add_a(const float* d_a, int64_t s_a, const int32_t* index, int32_t r, int32_t l,
                          float* grad_a, bool deterministic, void* scratch, cudaStream_t stream);
cudaError_t scatter_add_b(const float* d_b, int64_t s_b, int64_t num_shards, const int32_t* index,
                          int32_t r, int32_t l, float* grad_b, bool deterministic, void* scratch,
                          cudaStream_t stream);

// ---- lora_shrink.cu: C[m x n] = alpha * A[m x k] op(B) + beta * C for small m and n --------
// op(B) = B^T (B is [n x k]) when trans_b, else B ([k x n]). Split-K with a fixed-order
// second pass (deterministic, no atomics); partial sums live in `scratch`.
constexpr int64_t kShrinkMaxM = 64;
constexpr int64_t kShrinkMaxN = 64;
int32_t shrink_splits(int64_t m, int64_t k, int32_t sm_count);
size_t shrink_scratch_bytes(int64_t m, int64_t n, int32_t splits);
cudaError_t lora_shrink(bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                        int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc,
                        int32_t splits, void* scratch, cudaStream_t stream);

// ---- lora_expand.cu: C[m x n] = alpha * op(A)[m x k] op(B)[k x n] + beta * C, small m, k ----
constexpr int64_t kExpandMaxM = 64;
constexpr int64_t kExpandMaxK = 64;
cudaError_t lora_expand(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                        const float* a, int64_t lda, const float* b, int64_t ldb, float beta,
                        float* c, int64_t ldc, cudaStream_t stream);

// ---- adamw.cu -------------------------------------------------------------------------------
struct AdamWArgs {
  float lr, beta1, beta2, eps, weight_decay, bias_correction1, bias_correction2;
};
cudaError_t adamw(int64_t n, AdamWArgs hp, const float* grad, float* param, float* m, float* v,
                  cudaStream_t stream);

// ---- grad_norm.cu: out[0] = sum of x[e]^2 in double, fixed reduction order ------------------
size_t sum_squares_scratch_bytes();
// Writes the result into scratch (a double at the returned offset from scratch's start).
cudaError_t sum_squares(int64_t n, const float* x, void* scratch, double** result,
                        cudaStream_t stream);

// ---- dropout.cu -------------------------------------------------------------------------------
cudaError_t dropout(const float* x, int64_t n, float rate, uint64_t seed, uint64_t counter,
                    float* out, cudaStream_t stream);

// ---- convert_bf16.cu --------------------------------------------------------------------------
// dst[e] = widen(src[e]) / round_nearest_even(src[e]) (common/bf16.h), e in [0, n).
cudaError_t bf16_to_f32(const void* src, int64_t n, float* dst, cudaStream_t stream);
cudaError_t f32_to_bf16(const float* src, int64_t n, void* dst, cudaStream_t stream);

// ---- elementwise.cu ---------------------------------------------------------------------------
cudaError_t axpy(int64_t n, float alpha, const float* x, float* y, cudaStream_t stream);
cudaError_t scale(int64_t n, float s, float* x, cudaStream_t stream);
cudaError_t add_row_bias(int64_t rows, int64_t cols, const float* bias, float* y,
                         cudaStream_t stream);
cudaError_t uniform_fill(int64_t n, float lo, float hi, uint64_t seed, uint64_t stream_id, float* p,
                         cudaStream_t stream);
// C[m x n] (leading dimension ldc) = beta * C, or 0 when beta == 0 (C is then never read).
cudaError_t scale_matrix(int64_t m, int64_t n, float beta, float* c, int64_t ldc,
                         cudaStream_t stream);
// cudaSuccess when this build holds a kernel image (SASS or PTX) the current device can run.
cudaError_t probe_kernel_image();

// ==== decoder ops (the CPU's native/src/cpu/<op>.cpp; docs/cuda.md, "Decoder kernels") ==========

// ---- rmsnorm.cu: HF's LlamaRMSNorm in f32 (the mean of squares in double) ------------------
cudaError_t rmsnorm_forward(int64_t rows, int64_t cols, const float* x, const float* weight,
                            float eps, float* y, float* inv_rms, cudaStream_t stream);
cudaError_t rmsnorm_backward(int64_t rows, int64_t cols, const float* x, const float* weight,
                             const float* inv_rms, const float* dy, float* dx, cudaStream_t stream);
// dweight[j] += sum_i dy[i,j] x[i,j] inv_rms[i]: partial sums of fixed row chunks (double) in
// scratch, then added in chunk order (deterministic).
size_t rmsnorm_weight_grad_scratch_bytes(int64_t rows, int64_t cols);
cudaError_t rmsnorm_weight_grad(int64_t rows, int64_t cols, const float* x, const float* inv_rms,
                                const float* dy, float* dweight, void* scratch,
                                cudaStream_t stream);

// ---- rope.cu ----------------------------------------------------------------------------------
cudaError_t rope_table(int64_t tokens, const int32_t* positions, int32_t half,
                       const float* inv_freq, float* cos_out, float* sin_out, cudaStream_t stream);
cudaError_t rope_apply(int64_t tokens, int32_t heads, int32_t head_dim, int64_t ld,
                       const float* cos_tab, const float* sin_tab, bool inverse, float* x,
                       cudaStream_t stream);

// ---- swiglu.cu --------------------------------------------------------------------------------
cudaError_t swiglu_forward(int64_t n, const float* gate, const float* up, float* out,
                           cudaStream_t stream);
cudaError_t swiglu_backward(int64_t n, const float* gate, const float* up, const float* dout,
                            float* dgate, float* dup, cudaStream_t stream);

// ---- embedding.cu -----------------------------------------------------------------------------
cudaError_t embedding(int64_t n, const int32_t* ids, const void* table, bool bf16_table,
                      int64_t cols, float* out, cudaStream_t stream);
cudaError_t gather_rows(int64_t n, const int32_t* rows, int64_t cols, const float* src, float* dst,
                        cudaStream_t stream);
cudaError_t scatter_rows(int64_t n, const int32_t* rows, int64_t cols, const float* src, float* dst,
                         cudaStream_t stream);
// dtable[ids[i],:] += dout[i,:] in ascending i per destination row: the CPU's sums bit for bit.
cudaError_t embedding_grad(int64_t n, const int32_t* ids, int64_t cols, const float* dout,
                           float* dtable, cudaStream_t stream);

// ---- cross_entropy.cu -------------------------------------------------------------------------
cudaError_t cross_entropy(int64_t rows, int64_t vocab, const int32_t* targets, float* logits,
                          double* loss, bool grad, float grad_scale, cudaStream_t stream);

// ---- attention.cu: packed causal training attention (head_dim <= 256) ------------------------
// scratch of attention_backward: one float per (token, head) row, T <= num_seqs * max_len.
size_t attention_backward_scratch_bytes(int32_t num_seqs, int32_t max_len, int32_t heads);
cudaError_t attention_forward(int32_t num_seqs, const int32_t* starts, int32_t max_len,
                              int32_t heads, int32_t kv_heads, int32_t head_dim, float scale,
                              const float* q, const float* k, const float* v, float* out,
                              float* lse, cudaStream_t stream);
cudaError_t attention_backward(int32_t num_seqs, const int32_t* starts, int32_t max_len,
                               int32_t heads, int32_t kv_heads, int32_t head_dim, float scale,
                               const float* q, const float* k, const float* v, const float* out,
                               const float* lse, const float* dout, float* dq, float* dk, float* dv,
                               void* scratch, cudaStream_t stream);
constexpr int32_t kAttentionMaxHeadDim = 256;

// ---- paged_attention.cu: the paged KV cache (common/paged_kv.h) -------------------------------
cudaError_t kv_cache_write(int64_t tokens, const int32_t* slots, int32_t kv_heads, int32_t head_dim,
                           const float* k, const float* v, float* cache, int64_t num_pages,
                           cudaStream_t stream);
// How a step runs: a warp per row (decode) or tiles (prefill), and the key splits when the
// (sequence, KV head, row tile) items are too few for the device (partials in scratch).
struct PagedPlan {
  bool decode = false;
  int32_t row_tiles = 1;
  int32_t splits = 1;
  int32_t split_keys = 0;
};
PagedPlan paged_attention_plan(int32_t num_seqs, int32_t max_q, int32_t max_ctx, int32_t heads,
                               int32_t kv_heads, int32_t head_dim, int32_t sm_count);
size_t paged_attention_scratch_bytes(const PagedPlan& plan, int32_t num_seqs, int32_t max_q,
                                     int32_t heads, int32_t head_dim);
cudaError_t paged_attention(const PagedPlan& plan, int32_t num_seqs, const int32_t* q_starts,
                            const int32_t* ctx_lens, const int32_t* page_tables, int32_t max_pages,
                            int32_t max_q, int32_t heads, int32_t kv_heads, int32_t head_dim,
                            float scale, const float* q, const float* cache, int64_t num_pages,
                            float* out, void* scratch, cudaStream_t stream);

// ---- gemm_bf16.cu: f32 rows times a BF16 weight W [n x k], few rows (decode) ----------------
// y = x W^T + beta y and dx = dy W + beta dx for m <= kBf16StreamMaxM, W read once and widened
// in registers; the nn product splits W's rows over blocks (partials in scratch, added in
// order). More rows: CudaBackend widens panels of W and calls cuBLAS.
constexpr int64_t kBf16StreamMaxM = 8;
int32_t bf16_nn_splits(int64_t m, int64_t n, int64_t k, int32_t sm_count);
size_t bf16_nn_scratch_bytes(int64_t m, int32_t splits, int64_t k);
cudaError_t gemm_bf16_nt_stream(int64_t m, int64_t n, int64_t k, const float* x, int64_t ldx,
                                const uint16_t* w, float beta, float* y, int64_t ldy,
                                cudaStream_t stream);
cudaError_t gemm_bf16_nn_stream(int64_t m, int64_t n, int64_t k, const float* dy, int64_t lddy,
                                const uint16_t* w, float beta, float* dx, int64_t lddx,
                                int32_t splits, void* scratch, cudaStream_t stream);

}  // namespace cuda
}  // namespace mos
