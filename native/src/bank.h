// bank.h: mos::Bank, the adapter bank behind mos.h's mos_bank_t: many MoS adapters of one base model
// kept in compact form (pools + indices), hot add/remove while other threads apply mixed batches.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "buffer.h"
#include "context.h"

namespace mos {

class Pool;
struct Tensor;

namespace bank {

// One projection type of one adapter in the bank's own storage (backend memory of the bank's
// context). pool_bt is pool_B transposed, so a B-shard is a contiguous row like an A-shard.
struct ProjAdapter {
  int32_t r = 0, l = 0, p = 0, equivalent_rank = 0;
  float alpha = 0.0f, scaling = 0.0f;  // scaling = alpha / r (spec §4)
  int64_t num_shards = 0, s_a = 0, s_b = 0;
  int64_t d_in = 0, d_out = 0;
  Buffer pool_a;   // [P x s_a], row m = A-shard m (as in the pool)
  Buffer pool_bt;  // [P x s_b], row m = B-shard m (column m of the pool's [s_b x P] pool_B)
  Buffer idx_a;    // [L x r*l] int32, rank-major per block (spec §3)
  Buffer idx_b;    // [L x r*l] int32
  int64_t bytes = 0;        // what this projection holds: both pools + both index arrays
  int64_t dense_bytes = 0;  // dense LoRA of the same active rank: 4 * L * r * (d_in + d_out)

  int64_t slots() const { return static_cast<int64_t>(r) * l; }
  const float* a() const { return pool_a.f32(); }
  const float* bt() const { return pool_bt.f32(); }
  const int32_t* ia(int32_t block) const { return idx_a.i32() + block * slots(); }
  const int32_t* ib(int32_t block) const { return idx_b.i32() + block * slots(); }
};

// One adapter: its projections by bank slot (null where it does not adapt that projection).
struct Adapter {
  std::shared_ptr<Context> ctx;  // first member: outlives the buffers below
  int32_t id = -1;
  std::vector<std::unique_ptr<ProjAdapter>> by_slot;
  int64_t bytes = 0, dense_bytes = 0;

  const ProjAdapter* proj(int32_t slot) const {
    return slot >= 0 && slot < static_cast<int32_t>(by_slot.size()) ? by_slot[slot].get() : nullptr;
  }
};

struct Projection {
  std::string name;
  int32_t d_in = 0, d_out = 0;
};

// An immutable snapshot of the bank's contents. Applies hold one (a shared_ptr) for their whole
// call, so whatever it references stays alive until they return.
struct Table {
  std::vector<Projection> projections;        // by slot; only grows
  int32_t num_layers = 0;                     // L of the base model (0 until the first add)
  std::vector<std::shared_ptr<const Adapter>> by_id;  // null: removed
  std::vector<int32_t> dense_of_id;           // id -> 0..live-1 (-1: removed)
  int32_t live = 0;
  int64_t total_bytes = 0;
};

// What the kernels get for one apply: the tokens grouped by adapter (a stable counting sort of
// the ids), each group's adapter data, and where x and y are (backend memory).
struct ApplyPlan {
  const float* x = nullptr;  // [tokens x d_in]
  float* y = nullptr;        // [tokens x d_out]
  int64_t tokens = 0, d_in = 0, d_out = 0;
  int32_t block = 0;
  int32_t num_groups = 0;
  const ProjAdapter* const* group_adapter = nullptr;  // [num_groups]
  const int32_t* group_start = nullptr;               // [num_groups + 1] offsets into order
  const int32_t* order = nullptr;                     // token indices, grouped, ascending in a group
  int32_t r_max = 0;                                  // max r over the groups
  mos_bank_path_t path = MOS_BANK_PATH_AUTO;
  int concurrent = 1;  // applies of this bank in flight now (they share the CPU threads)
};

// ---- CPU kernels (cpu/bank_apply*.cpp) ---------------------------------------------------------
namespace cpu {
// y[t] += scaling_a B_a (A_a x[t]) for every grouped token, in tiles chosen by plan.path.
void apply(Backend& backend, const ApplyPlan& plan);
}  // namespace cpu

// ---- CUDA kernels (cuda/bank_apply.cu), present only in CUDA builds ----------------------------
// Device scratch the CUDA path keeps per bank (grown, never shrunk; used under the bank's lock).
struct DeviceScratch {
  Buffer desc, order, u, staging_x, staging_y;
};
void cuda_apply(Backend& backend, const ApplyPlan& plan, DeviceScratch& scratch)
    __attribute__((weak));

// ---- the bank ------------------------------------------------------------------------------------
class Bank {
 public:
  Bank(std::shared_ptr<Context> ctx, int64_t budget_bytes);
  ~Bank();

  Context& context() const { return *ctx_; }

  // Copies the pools (named by projection) into a new adapter; returns its id.
  int32_t add(const std::vector<std::string>& names, const std::vector<std::shared_ptr<Pool>>& pools);
  void remove(int32_t id);

  void adapter_bytes(int32_t id, int64_t* bytes, int64_t* dense_bytes) const;
  void usage(int64_t* total_bytes, int64_t* budget_bytes, int32_t* num_adapters) const;
  // slot of `name`; INVALID_ARGUMENT listing the known names when absent.
  void projection(const std::string& name, int32_t* slot, int32_t* d_in, int32_t* d_out,
                  int32_t* num_layers) const;
  void set_path(int path);  // a mos_bank_path_t value; INVALID_ARGUMENT otherwise

  // x, y in backend memory of the bank's context ([tokens x d_in], [tokens x d_out]).
  void apply(int32_t slot, int32_t block, const float* x, int64_t tokens, const int32_t* ids,
             float* y);
  // Host pointers: on a host-addressable backend the same as apply; else staged through the
  // device (CUDA).
  void apply_host(int32_t slot, int32_t block, const float* x, int64_t tokens, const int32_t* ids,
                  float* y);
  // weight [d_out x d_in] (backend memory) += sign * (alpha/r) B_{id,block} A_{id,block}.
  void merge(int32_t id, int32_t slot, int32_t block, Tensor& weight, float sign);

  // The projection of `slot` (throws INDEX_OUT_OF_RANGE); for shape checks of the C API.
  Projection projection_of(int32_t slot) const;

 private:
  std::shared_ptr<const Table> snapshot() const;
  void publish(std::shared_ptr<const Table> t);
  std::shared_ptr<const Adapter> require_adapter(const Table& t, int32_t id) const;

  std::shared_ptr<Context> ctx_;  // first member: outlives every buffer of the bank
  int64_t budget_;
  mutable std::mutex table_mu_;    // guards table_ (the pointer only; held for a copy)
  std::shared_ptr<const Table> table_;
  std::mutex write_mu_;            // serializes add / remove (readers never take it)
  int32_t next_id_ = 0;            // guarded by write_mu_
  std::atomic<int> path_{MOS_BANK_PATH_AUTO};
  std::atomic<int> inflight_{0};   // applies running now (CPU threads are shared among them)
  std::mutex device_mu_;           // CUDA: one apply at a time per bank (one stream, one scratch)
  std::mutex staging_mu_;          // CUDA: apply_host's staging buffers (taken before device_mu_)
  DeviceScratch device_scratch_;
};

}  // namespace bank
}  // namespace mos
