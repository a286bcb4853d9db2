// SPDX-License-Identifier: Apache-2.0
// embedding.cpp: CpuBackend::embedding (token rows of an F32 or BF16 table, widened to f32) and
// the f32 row gather / scatter the decoder uses to pick positions (lm_head rows, last tokens).
#include <algorithm>
#include <cstring>

#include "common/bf16.h"
#include "common/index_math.h"
#include "cpu/cpu_backend.h"

namespace mos {
namespace cpu {

void CpuBackend::embedding(int64_t n, const int32_t* ids, const void* table, mos_dtype_t dtype,
                           int64_t cols, float* out) {
#pragma omp parallel for num_threads(threads()) \
    schedule(static) if (n * cols >= kBetweenBlasParallelMin)
  for (int64_t i = 0; i < n; ++i) {
    float* o = out + i * cols;
    const int64_t row = ids[i];
    if (dtype == MOS_DTYPE_BF16) {
      const uint16_t* src = static_cast<const uint16_t*>(table) + row * cols;
      for (int64_t j = 0; j < cols; ++j) o[j] = bf16::to_f32(src[j]);
    } else {
      std::memcpy(o, static_cast<const float*>(table) + row * cols, sizeof(float) * cols);
    }
  }
}

void CpuBackend::gather_rows(int64_t n, const int32_t* rows, int64_t cols, const float* src,
                             float* dst) {
#pragma omp parallel for num_threads(threads()) \
    schedule(static) if (n * cols >= kBetweenBlasParallelMin)
  for (int64_t i = 0; i < n; ++i)
    std::memcpy(dst + i * cols, src + static_cast<int64_t>(rows[i]) * cols, sizeof(float) * cols);
}

void CpuBackend::scatter_rows(int64_t n, const int32_t* rows, int64_t cols, const float* src,
                              float* dst) {
#pragma omp parallel for num_threads(threads()) \
    schedule(static) if (n * cols >= kBetweenBlasParallelMin)
  for (int64_t i = 0; i < n; ++i)
    std::memcpy(dst + static_cast<int64_t>(rows[i]) * cols, src + i * cols, sizeof(float) * cols);
}

// Columns split over threads; each thread adds every row in ascending i: repeated ids add in a
// fixed order, with no race.
void CpuBackend::embedding_grad(int64_t n, const int32_t* ids, int64_t cols, const float* dout,
                                float* dtable) {
  constexpr int64_t kChunk = 256;
  const int64_t chunks = (cols + kChunk - 1) / kChunk;
#pragma omp parallel for num_threads(threads()) \
    schedule(static) if (n * cols >= kBetweenBlasParallelMin)
  for (int64_t ch = 0; ch < chunks; ++ch) {
    const int64_t j0 = ch * kChunk, j1 = std::min(cols, j0 + kChunk);
    for (int64_t i = 0; i < n; ++i) {
      float* row = dtable + static_cast<int64_t>(ids[i]) * cols;
      const float* src = dout + i * cols;
      for (int64_t j = j0; j < j1; ++j) row[j] += src[j];
    }
  }
}

}  // namespace cpu
}  // namespace mos
