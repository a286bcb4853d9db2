// kernels.h: host-side launchers of the CUDA backend's kernels (one .cu file per operation).
// Each enqueues on `stream` and returns cudaGetLastError(); none allocates or synchronizes.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

namespace mos {
namespace cuda {

// ---- shard_gather.cu (spec §3) -------------------------------------------------------------
// a_out [r x l*s_a] from pool_a [P x s_a];  b_out [l*s_b x r] from pool_b [s_b x P].
cudaError_t gather_a(const float* pool_a, int64_t s_a, const int32_t* index, int32_t r, int32_t l,
                     float* a_out, cudaStream_t stream);
cudaError_t gather_b(const float* pool_b, int64_t s_b, int64_t num_shards, const int32_t* index,
                     int32_t r, int32_t l, float* b_out, cudaStream_t stream);

// ---- pool_scatter_add.cu (spec §5) ---------------------------------------------------------
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

}  // namespace cuda
}  // namespace mos
