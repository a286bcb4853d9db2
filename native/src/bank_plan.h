// SPDX-License-Identifier: Apache-2.0
// bank_plan.h: what Backend::bank_apply gets from the adapter bank: one adapter's projection in the
// bank's storage, the plan of one mixed-batch apply, and the per-bank scratch a backend may keep.
#pragma once

#include <cstdint>
#include <mutex>

#include "buffer.h"

namespace mos {
namespace bank {

// One projection type of one adapter in the bank's own storage (backend memory of the bank's
// context). pool_bt is pool_B transposed, so a B-shard is a contiguous row like an A-shard.
struct ProjAdapter {
  int32_t r = 0, l = 0, p = 0, equivalent_rank = 0;
  float alpha = 0.0f, scaling = 0.0f;  // scaling = alpha / r (method.md §4)
  int64_t num_shards = 0, s_a = 0, s_b = 0;
  int64_t d_in = 0, d_out = 0;
  Buffer pool_a;      // [P x s_a], row m = A-shard m (as in the pool)
  Buffer pool_bt;     // [P x s_b], row m = B-shard m (column m of the pool's [s_b x P] pool_B)
  Buffer idx_a;       // [L x r*l] int32, rank-major per block (method.md §3)
  Buffer idx_b;       // [L x r*l] int32
  int64_t bytes = 0;  // what this projection holds: both pools + both index arrays
  int64_t dense_bytes = 0;  // dense LoRA of the same active rank: 4 * L * r * (d_in + d_out)

  int64_t slots() const { return static_cast<int64_t>(r) * l; }
  const float* a() const { return pool_a.f32(); }
  const float* bt() const { return pool_bt.f32(); }
  const int32_t* ia(int32_t block) const { return idx_a.i32() + block * slots(); }
  const int32_t* ib(int32_t block) const { return idx_b.i32() + block * slots(); }
};

// One apply: the tokens grouped by adapter (a stable counting sort of the ids), each group's
// adapter, and where x and y are. Index arrays (group_*, order) are host memory.
struct ApplyPlan {
  // [tokens x d_in] and [tokens x d_out]: backend memory, or host memory when host_io is set.
  const float* x = nullptr;
  float* y = nullptr;
  bool host_io = false;  // x and y are caller host memory (mos_bank_apply_host)
  int64_t tokens = 0, d_in = 0, d_out = 0;
  int32_t block = 0;
  int32_t num_groups = 0;
  const ProjAdapter* const* group_adapter = nullptr;  // [num_groups]
  const int32_t* group_start = nullptr;               // [num_groups + 1] offsets into order
  const int32_t* order = nullptr;  // token indices, grouped, ascending in a group
  int32_t r_max = 0;               // max r over the groups
  mos_bank_path_t path = MOS_BANK_PATH_AUTO;
  int concurrent = 1;  // applies of this bank in flight now (they share the CPU threads)
};

// Per-bank state for backends that cannot run a bank's applies side by side (CUDA: one stream,
// one set of device buffers, taken under `mu`; grown, never shrunk). The CPU backend uses
// per-thread scratch instead and leaves this alone.
struct ApplyScratch {
  explicit ApplyScratch(Backend* backend) {
    for (Buffer* b : {&desc, &order, &u, &staging_x, &staging_y}) b->bind(backend);
  }
  std::mutex mu;
  Buffer desc, order, u, staging_x, staging_y;
};

}  // namespace bank
}  // namespace mos
