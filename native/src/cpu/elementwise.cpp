// SPDX-License-Identifier: Apache-2.0
// elementwise.cpp: CPU dropout, axpy, scale, bias, norms, seeded init and AdamW. Element e of
// every random op uses hash3(seed, stream, e) from common/rng.h, exactly as a GPU thread would.
#include <algorithm>

#include "common/adamw_update.h"
#include "common/bf16.h"
#include "common/rng.h"
#include "cpu/cpu_backend.h"

namespace mos {
namespace cpu {

namespace {

// The mask is 64-bit integer hashing per element; the baseline x86-64 build cannot vectorize its
// multiplies, the AVX-512 (x86-64-v4) clone can: about 9x faster, with the same bits (integer
// work and the same float division; checked by test_forward_backward's dropout oracle).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("arch=x86-64-v4", "arch=haswell", "default")))
#endif
void dropout_span(const float* x, int64_t begin, int64_t end, float rate, uint64_t seed,
                  uint64_t counter, float* out) {
  const float keep_scale = 1.0f - rate;
  for (int64_t e = begin; e < end; ++e)
    out[e] = rng::dropout_keep(seed, counter, e, rate) ? x[e] / keep_scale : 0.0f;
}

}  // namespace

void CpuBackend::dropout(const float* x, int64_t n, float rate, uint64_t seed, uint64_t counter,
                         float* out) {
  constexpr int64_t kSpan = int64_t{1} << 14;
  const int64_t spans = (n + kSpan - 1) / kSpan;
#pragma omp parallel for num_threads(threads()) schedule(static) if (n >= kParallelMin)
  for (int64_t i = 0; i < spans; ++i)
    dropout_span(x, i * kSpan, std::min(n, (i + 1) * kSpan), rate, seed, counter, out);
}

void CpuBackend::bf16_to_f32(const void* src, int64_t n, float* dst) {
  const uint16_t* h = static_cast<const uint16_t*>(src);
#pragma omp parallel for num_threads(threads()) schedule(static) if (n >= 4 * kParallelMin)
  for (int64_t e = 0; e < n; ++e) dst[e] = bf16::to_f32(h[e]);
}

void CpuBackend::f32_to_bf16(const float* src, int64_t n, void* dst) {
  uint16_t* h = static_cast<uint16_t*>(dst);
#pragma omp parallel for num_threads(threads()) schedule(static) if (n >= 4 * kParallelMin)
  for (int64_t e = 0; e < n; ++e) h[e] = bf16::from_f32(src[e]);
}

void CpuBackend::axpy(int64_t n, float alpha, const float* x, float* y) {
#pragma omp parallel for num_threads(threads()) schedule(static) if (n >= 4 * kParallelMin)
  for (int64_t e = 0; e < n; ++e) y[e] += alpha * x[e];
}

void CpuBackend::scale(int64_t n, float s, float* x) {
#pragma omp parallel for num_threads(threads()) schedule(static) if (n >= 4 * kParallelMin)
  for (int64_t e = 0; e < n; ++e) x[e] *= s;
}

void CpuBackend::add_row_bias(int64_t rows, int64_t cols, const float* bias, float* y) {
#pragma omp parallel for num_threads(threads()) \
    schedule(static) if (rows * cols >= 4 * kParallelMin)
  for (int64_t i = 0; i < rows; ++i) {
    float* yi = y + i * cols;
    for (int64_t j = 0; j < cols; ++j) yi[j] += bias[j];
  }
}

double CpuBackend::sum_squares(int64_t n, const float* x) {
  double acc = 0.0;
#pragma omp parallel for num_threads(threads()) schedule(static) reduction(+ : acc) if (n >= 4 * kParallelMin)
  for (int64_t e = 0; e < n; ++e) acc += static_cast<double>(x[e]) * x[e];
  return acc;
}

void CpuBackend::uniform_fill(int64_t n, float lo, float hi, uint64_t seed, uint64_t stream,
                              float* p) {
  const float width = hi - lo;
#pragma omp parallel for num_threads(threads()) schedule(static) if (n >= kParallelMin)
  for (int64_t e = 0; e < n; ++e)
    p[e] = lo + width * rng::uniform01(rng::hash3(seed, stream, static_cast<uint64_t>(e)));
}

void CpuBackend::adamw(int64_t n, const AdamWParams& hp, const float* grad, float* param, float* m,
                       float* v) {
#pragma omp parallel for num_threads(threads()) schedule(static) if (n >= kParallelMin)
  for (int64_t e = 0; e < n; ++e)
    adamw_update(grad[e], param + e, m + e, v + e, hp.lr, hp.beta1, hp.beta2, hp.eps,
                 hp.weight_decay, hp.bias_correction1, hp.bias_correction2);
}

}  // namespace cpu
}  // namespace mos
