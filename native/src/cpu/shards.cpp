// SPDX-License-Identifier: Apache-2.0
// shards.cpp: CPU shard gather (method.md §3) and scatter-add (method.md §5) through index_math.h.
// Scatter-add is race-free with repeated indices: each thread owns whole pool columns / rows.
#include <algorithm>
#include <cstring>

#include "common/index_math.h"
#include "cpu/cpu_backend.h"

namespace mos {
namespace cpu {

void CpuBackend::gather_a(const float* pool_a, int64_t num_shards, int64_t s_a,
                          const int32_t* index, int32_t r, int32_t l, float* a_out) {
  (void)num_shards;
  const int64_t d_in = s_a * l;
  const int64_t slots = static_cast<int64_t>(r) * l;
  // A_k[j, i*s_a : (i+1)*s_a] = pool_A[idx[j*l+i], :] : one contiguous copy per slot.
#pragma omp parallel for num_threads(threads()) \
    schedule(static) if (slots * s_a >= 4 * kParallelMin)
  for (int64_t sl = 0; sl < slots; ++sl) {
    const int32_t j = static_cast<int32_t>(sl / l);
    const int64_t c0 = (sl - static_cast<int64_t>(j) * l) * s_a;
    std::memcpy(a_out + j * d_in + c0, pool_a + idx::a_source(index, l, s_a, j, c0),
                sizeof(float) * s_a);
  }
}

void CpuBackend::gather_b(const float* pool_b, int64_t s_b, int64_t num_shards,
                          const int32_t* index, int32_t r, int32_t l, float* b_out) {
  // B_k[i*s_b + t, j] = pool_B[t, idx[j*l+i]]: pool row t (P floats, typically several cache
  // lines of which a block uses a few entries each) is read once for all l output rows it feeds,
  // while it is in L1; row-by-row over B_k would stream the whole pool l times.
#pragma omp parallel for num_threads(threads()) \
    schedule(static) if (s_b * r * l >= 4 * kParallelMin)
  for (int64_t t = 0; t < s_b; ++t) {
    for (int32_t i = 0; i < l; ++i) {
      const int64_t row = static_cast<int64_t>(i) * s_b + t;
      float* out = b_out + row * r;
      for (int32_t j = 0; j < r; ++j)
        out[j] = pool_b[idx::b_source(index, l, s_b, num_shards, row, j)];
    }
  }
}

void CpuBackend::scatter_add_a(const float* d_a, int64_t num_shards, int64_t s_a,
                               const int32_t* index, int32_t r, int32_t l, float* grad_pool_a) {
  (void)num_shards;
  const int64_t d_in = s_a * l;
  const int64_t slots = static_cast<int64_t>(r) * l;
  // Threads split the shard columns t; every thread walks all slots in order, so two slots with
  // the same pool row never race and the summation order is fixed.
  constexpr int64_t kChunk = 256;
  const int64_t chunks = (s_a + kChunk - 1) / kChunk;
#pragma omp parallel for num_threads(threads()) \
    schedule(static) if (slots * s_a >= 4 * kParallelMin)
  for (int64_t ch = 0; ch < chunks; ++ch) {
    const int64_t t0 = ch * kChunk, t1 = std::min(s_a, t0 + kChunk);
    for (int64_t sl = 0; sl < slots; ++sl) {
      const int32_t j = static_cast<int32_t>(sl / l);
      const int64_t c0 = (sl - static_cast<int64_t>(j) * l) * s_a;
      float* dst = grad_pool_a + idx::a_source(index, l, s_a, j, c0);
      const float* src = d_a + j * d_in + c0;
      for (int64_t t = t0; t < t1; ++t) dst[t] += src[t];
    }
  }
}

void CpuBackend::scatter_add_b(const float* d_b, int64_t s_b, int64_t num_shards,
                               const int32_t* index, int32_t r, int32_t l, float* grad_pool_b) {
  // grad_pool_B[t, idx[j*l+i]] += dB_k[i*s_b + t, j]: a thread owns pool rows t, all slots in order.
#pragma omp parallel for num_threads(threads()) \
    schedule(static) if (s_b * r * l >= 4 * kParallelMin)
  for (int64_t t = 0; t < s_b; ++t) {
    for (int32_t i = 0; i < l; ++i) {
      const int64_t row = static_cast<int64_t>(i) * s_b + t;
      const float* src = d_b + row * r;
      for (int32_t j = 0; j < r; ++j)
        grad_pool_b[idx::b_source(index, l, s_b, num_shards, row, j)] += src[j];
    }
  }
}

}  // namespace cpu
}  // namespace mos
