// SPDX-License-Identifier: Apache-2.0
// cross_entropy.cpp: CpuBackend::cross_entropy, the next-token loss of a chunk of logit rows and
// (in place) its gradient; exponentials in f32, sums in double.
#include <cmath>

#include "cpu/cpu_backend.h"

namespace mos {
namespace cpu {

void CpuBackend::cross_entropy(int64_t rows, int64_t vocab, const int32_t* targets, float* logits,
                               double* loss, bool grad, float grad_scale) {
#pragma omp parallel for num_threads(threads()) \
    schedule(dynamic, 1) if (rows > 1 && rows * vocab >= kParallelMin)
  for (int64_t i = 0; i < rows; ++i) {
    float* row = logits + i * vocab;
    float m = row[0];
    for (int64_t j = 1; j < vocab; ++j) m = row[j] > m ? row[j] : m;
    double sum = 0.0;
    for (int64_t j = 0; j < vocab; ++j) sum += static_cast<double>(std::exp(row[j] - m));
    const double lse = static_cast<double>(m) + std::log(sum);
    const int64_t t = targets[i];
    loss[i] = lse - static_cast<double>(row[t]);
    if (!grad) continue;
    const float flse = static_cast<float>(lse);
    for (int64_t j = 0; j < vocab; ++j) row[j] = grad_scale * std::exp(row[j] - flse);
    row[t] -= grad_scale;
  }
}

}  // namespace cpu
}  // namespace mos
