// SPDX-License-Identifier: Apache-2.0
// bank.h: mos::Bank, the adapter bank behind mos.h's mos_bank_t: many MoS adapters of one base model
// kept in compact form (pools + indices), hot add/remove while other threads apply mixed batches.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "bank_plan.h"
#include "context.h"

namespace mos {

class Pool;
struct Tensor;

namespace bank {

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
  std::vector<Projection> projections;                // by slot; only grows
  int32_t num_blocks = 0;                             // L of the base model (0 until the first add)
  std::vector<std::shared_ptr<const Adapter>> by_id;  // null: removed
  std::vector<int32_t> dense_of_id;                   // id -> 0..live-1 (-1: removed)
  int32_t live = 0;
  int64_t total_bytes = 0;
};

// ---- the bank ------------------------------------------------------------------------------------
class Bank {
 public:
  Bank(std::shared_ptr<Context> ctx, int64_t budget_bytes);
  ~Bank();

  Context& context() const { return *ctx_; }

  // Copies the pools (named by projection) into a new adapter; returns its id.
  int32_t add(const std::vector<std::string>& names,
              const std::vector<std::shared_ptr<Pool>>& pools);
  void remove(int32_t id);

  void adapter_bytes(int32_t id, int64_t* bytes, int64_t* dense_bytes) const;
  void usage(int64_t* total_bytes, int64_t* budget_bytes, int32_t* num_adapters) const;
  // slot of `name`; INVALID_ARGUMENT listing the known names when absent.
  void projection(const std::string& name, int32_t* slot, int32_t* d_in, int32_t* d_out,
                  int32_t* num_blocks) const;
  void set_path(int path);  // a mos_bank_path_t value; INVALID_ARGUMENT otherwise

  // y[t] += the delta of adapter ids[t] for t < tokens; x [tokens x d_in] and y [tokens x d_out]
  // are backend memory of the bank's context, or caller host memory when host_io is set.
  void apply(int32_t slot, int32_t block, const float* x, int64_t tokens, const int32_t* ids,
             float* y, bool host_io);
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
  mutable std::mutex table_mu_;  // guards table_ (the pointer only; held for a copy)
  std::shared_ptr<const Table> table_;
  std::mutex write_mu_;  // serializes add / remove (readers never take it)
  int32_t next_id_ = 0;  // guarded by write_mu_
  std::atomic<int> path_{MOS_BANK_PATH_AUTO};
  std::atomic<int> inflight_{0};  // applies running now (CPU threads are shared among them)
  ApplyScratch scratch_;          // the backend's per-bank apply state (Backend::bank_apply)
};

}  // namespace bank
}  // namespace mos
