// SPDX-License-Identifier: Apache-2.0
// rmsnorm.cpp: CpuBackend::rmsnorm_forward / rmsnorm_backward, HF's LlamaRMSNorm in f32 (the mean
// of squares accumulated in double, then rounded), rows in parallel.
#include <algorithm>
#include <cmath>

#include "cpu/cpu_backend.h"

namespace mos {
namespace cpu {

void CpuBackend::rmsnorm_forward(int64_t rows, int64_t cols, const float* x, const float* weight,
                                 float eps, float* y, float* inv_rms) {
#pragma omp parallel for num_threads(threads()) \
    schedule(static) if (rows * cols >= kBetweenBlasParallelMin)
  for (int64_t i = 0; i < rows; ++i) {
    const float* xi = x + i * cols;
    float* yi = y + i * cols;
    double ss = 0.0;
    for (int64_t j = 0; j < cols; ++j) ss += static_cast<double>(xi[j]) * xi[j];
    const float var = static_cast<float>(ss / static_cast<double>(cols));
    const float r = 1.0f / std::sqrt(var + eps);  // torch.rsqrt in f32
    for (int64_t j = 0; j < cols; ++j) yi[j] = weight[j] * (xi[j] * r);
    if (inv_rms) inv_rms[i] = r;
  }
}

// y_j = w_j x_j r with r = (mean(x^2) + eps)^(-1/2), dr/dx_k = -r^3 x_k / cols, so
// dx_k = r w_k dy_k - x_k (r^3 / cols) sum_j w_j dy_j x_j.
void CpuBackend::rmsnorm_backward(int64_t rows, int64_t cols, const float* x, const float* weight,
                                  const float* inv_rms, const float* dy, float* dx) {
#pragma omp parallel for num_threads(threads()) \
    schedule(static) if (rows * cols >= kBetweenBlasParallelMin)
  for (int64_t i = 0; i < rows; ++i) {
    const float* xi = x + i * cols;
    const float* gi = dy + i * cols;
    float* di = dx + i * cols;
    const float r = inv_rms[i];
    double dot = 0.0;
    for (int64_t j = 0; j < cols; ++j) dot += static_cast<double>(weight[j]) * gi[j] * xi[j];
    const float c = static_cast<float>(dot * r * r * r / static_cast<double>(cols));
    for (int64_t j = 0; j < cols; ++j) di[j] += r * (weight[j] * gi[j]) - xi[j] * c;
  }
}

// Columns split over threads in chunks; every thread walks all rows in order, so each column's
// sum has a fixed order whatever the thread count.
void CpuBackend::rmsnorm_weight_grad(int64_t rows, int64_t cols, const float* x,
                                     const float* inv_rms, const float* dy, float* dweight) {
  constexpr int64_t kChunk = 64;
  const int64_t chunks = (cols + kChunk - 1) / kChunk;
#pragma omp parallel for num_threads(threads()) \
    schedule(static) if (rows * cols >= kBetweenBlasParallelMin)
  for (int64_t ch = 0; ch < chunks; ++ch) {
    const int64_t j0 = ch * kChunk, j1 = std::min(cols, j0 + kChunk);
    double acc[kChunk] = {};
    for (int64_t i = 0; i < rows; ++i) {
      const double r = inv_rms[i];
      const float* xi = x + i * cols;
      const float* gi = dy + i * cols;
      for (int64_t j = j0; j < j1; ++j) acc[j - j0] += static_cast<double>(gi[j]) * xi[j] * r;
    }
    for (int64_t j = j0; j < j1; ++j) dweight[j] += static_cast<float>(acc[j - j0]);
  }
}

}  // namespace cpu
}  // namespace mos
