// SPDX-License-Identifier: Apache-2.0
// index_math.h: the pool layout and rank-major index arithmetic of MoS (method.md §1-§3), shared by
// the CPU backend, the CUDA kernels and the core.
#pragma once

#include <cstdint>

#include "common/host_device.h"

namespace mos {
namespace idx {

// ---- pool layout (method.md §1-§2) -----------------------------------------------------------------
// P = R_eq * L * l shards; rows [0, S) are public, then one block of p*l private rows per block.
MOS_HD int64_t num_shards(int32_t equivalent_rank, int32_t num_blocks, int32_t l) {
  return static_cast<int64_t>(equivalent_rank) * num_blocks * l;
}
MOS_HD int64_t public_shards(int32_t equivalent_rank, int32_t private_rank, int32_t num_blocks,
                             int32_t l) {
  return static_cast<int64_t>(equivalent_rank - private_rank) * num_blocks * l;
}
// First private row of block k: S + k*p*l (method.md §10.6). The same row numbers in pool_A and pool_B.
MOS_HD int64_t private_base(int32_t equivalent_rank, int32_t private_rank, int32_t num_blocks,
                            int32_t l, int32_t k) {
  return public_shards(equivalent_rank, private_rank, num_blocks, l) +
         static_cast<int64_t>(k) * private_rank * l;
}

// ---- rank-major routing (method.md §3) -------------------------------------------------------------
// Shard i (0 <= i < l) of rank vector j (0 <= j < r) is idx[j*l + i]. Never idx[i*r + j].

// A_k [r x d_in], d_in = l * s_a: element (j, c) comes from pool_A [P x s_a] at the returned
// flat offset: A_k[j, i*s_a + t] = pool_A[idx[j*l+i], t].
MOS_HD int64_t a_source(const int32_t* index, int32_t l, int64_t s_a, int32_t j, int64_t c) {
  const int64_t i = c / s_a;
  const int64_t t = c - i * s_a;
  return static_cast<int64_t>(index[static_cast<int64_t>(j) * l + i]) * s_a + t;
}

// B_k [d_out x r], d_out = l * s_b: element (row, j) comes from pool_B [s_b x P] at the returned
// flat offset: B_k[i*s_b + t, j] = pool_B[t, idx[j*l+i]].
MOS_HD int64_t b_source(const int32_t* index, int32_t l, int64_t s_b, int64_t num_shards,
                        int64_t row, int32_t j) {
  const int64_t i = row / s_b;
  const int64_t t = row - i * s_b;
  return t * num_shards + index[static_cast<int64_t>(j) * l + i];
}

}  // namespace idx
}  // namespace mos
