// SPDX-License-Identifier: Apache-2.0
// paged_kv.h: addressing of the decoder's paged KV cache (16-token pages, per-sequence page
// tables), shared by the CPU backend and the CUDA kernels.
#pragma once

#include <cstdint>

#include "common/index_math.h"  // MOS_HD

namespace mos {
namespace kv {

constexpr int32_t kPageTokens = 16;

// One block's cache is [2 (K, V)][num_pages][kv_heads][16][head_dim] floats: a page holds, per
// KV head, 16 contiguous rows of head_dim (the keys one attention head reads together).
MOS_HD int64_t layer_floats(int64_t num_pages, int32_t kv_heads, int32_t head_dim) {
  return 2 * num_pages * kv_heads * kPageTokens * static_cast<int64_t>(head_dim);
}
// Offset of row `slot % 16` of KV head `head` in page `slot / 16`; which = 0 (K) or 1 (V).
// A token's slot is page * 16 + (position % 16), its page being page_table[position / 16].
MOS_HD int64_t offset(int64_t num_pages, int32_t kv_heads, int32_t head_dim, int32_t which,
                      int64_t slot, int32_t head) {
  const int64_t page = slot / kPageTokens, row = slot - page * kPageTokens;
  return (((which * num_pages + page) * kv_heads + head) * kPageTokens + row) *
         static_cast<int64_t>(head_dim);
}
MOS_HD int64_t slot_of(const int32_t* page_table, int32_t position) {
  return static_cast<int64_t>(page_table[position / kPageTokens]) * kPageTokens +
         position % kPageTokens;
}
MOS_HD int32_t pages_for(int64_t tokens) {
  return static_cast<int32_t>((tokens + kPageTokens - 1) / kPageTokens);
}

}  // namespace kv
}  // namespace mos
