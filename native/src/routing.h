// SPDX-License-Identifier: Apache-2.0
// routing.h: the MoS configuration of one pool group (method.md §1) with its validation (§2, §10.12),
// and the routing indices: seeded generation (§2, §10.7) and validation of explicit ones (§3).
#pragma once

#include <cstdint>

namespace mos {

struct MosConfig {
  int32_t d_in = 0, d_out = 0;
  int32_t num_blocks = 0;       // L
  int32_t r = 0;                // active rank
  int32_t equivalent_rank = 0;  // R_eq
  int32_t private_rank = 0;     // p
  int32_t l = 0;                // shards per rank vector
  float alpha = 0.0f, dropout = 0.0f;

  // Derived (valid only after validate_config).
  int64_t num_shards() const;     // P = R_eq * L * l
  int64_t public_shards() const;  // S = (R_eq - p) * L * l
  int64_t s_a() const { return d_in / l; }
  int64_t s_b() const { return d_out / l; }
  int64_t slots() const { return static_cast<int64_t>(r) * l; }  // indices per block and factor
  float scaling() const { return alpha / static_cast<float>(r); }
};

// Throws INVALID_ARGUMENT naming the first violated rule and its numbers.
void validate_config(const MosConfig& c);

// R_eq * L * (d_in + d_out); INVALID_ARGUMENT for non-positive inputs or int64 overflow.
int64_t param_count(int32_t d_in, int32_t d_out, int32_t num_blocks, int32_t equivalent_rank);

// Block k's indices (r*l each, rank-major): (r-p)*l shared shards drawn without replacement from
// [0, S), independently for A and B, then the block's p*l private rows in order.
void generate_block_indices(const MosConfig& c, uint64_t seed, int32_t k, int32_t* idx_a,
                            int32_t* idx_b);

// Every idx[e] in [0, P): INDEX_OUT_OF_RANGE naming `name`, the element and the value.
void validate_indices(const MosConfig& c, const int32_t* idx, int64_t length, const char* name);

}  // namespace mos
