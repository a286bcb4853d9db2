// SPDX-License-Identifier: Apache-2.0
// bank.cpp: the adapter bank (mos.h's mos_bank_*): compact copies of adapters' pools, the
// copy-on-write adapter table that makes hot add/remove safe under concurrent applies, and the
// grouping of a mixed batch by adapter, which Backend::bank_apply then computes.
#include "bank.h"

#include <algorithm>
#include <set>

#include "error.h"
#include "memory.h"
#include "pool.h"
#include "tensor.h"

namespace mos {
namespace bank {

namespace {

int64_t checked_mul(int64_t a, int64_t b, const char* what) {
  check(a >= 0 && b >= 0 && (a == 0 || b <= INT64_MAX / a), MOS_STATUS_INVALID_ARGUMENT, what,
        " overflows 64 bits");
  return a * b;
}

// Per calling thread: the counting sort's arrays. `count` is all zeros between calls (the
// entries a call touches are reset before it returns), so a call costs O(tokens), not
// O(adapters in the bank). Grow-only: no allocation once a thread has seen its largest batch.
struct GroupScratch {
  std::vector<int32_t> count, gid;                  // by dense adapter number
  std::vector<int32_t> group_dense, start, cursor;  // by group
  std::vector<int32_t> order;                       // by position
  std::vector<const ProjAdapter*> group_adapter;
};
thread_local GroupScratch t_group;

template <class T>
void grow(std::vector<T>& v, size_t n) {
  if (v.size() < n) v.resize(n);
}

// Counts applies in flight (the CPU kernels split the context's threads among them).
struct Inflight {
  explicit Inflight(std::atomic<int>& c) : c_(c) { n = c_.fetch_add(1) + 1; }
  ~Inflight() { c_.fetch_sub(1); }
  std::atomic<int>& c_;
  int n;
};

}  // namespace

Bank::Bank(std::shared_ptr<Context> ctx, int64_t budget_bytes)
    : ctx_(std::move(ctx)),
      budget_(budget_bytes),
      table_(std::make_shared<const Table>()),
      scratch_(ctx_->backend.get()) {}

Bank::~Bank() = default;

std::shared_ptr<const Table> Bank::snapshot() const {
  std::lock_guard<std::mutex> lock(table_mu_);
  return table_;
}

void Bank::publish(std::shared_ptr<const Table> t) {
  {
    std::lock_guard<std::mutex> lock(table_mu_);
    table_.swap(t);
  }
  // `t` now holds the old table; it (and an adapter only it referenced) goes here, outside the
  // lock, or later in the last apply that still holds it.
}

std::shared_ptr<const Adapter> Bank::require_adapter(const Table& t, int32_t id) const {
  check(id >= 0 && id < static_cast<int32_t>(t.by_id.size()), MOS_STATUS_INVALID_ARGUMENT,
        "adapter ", id, " is not an adapter of this bank (ids given so far: 0..",
        static_cast<int64_t>(t.by_id.size()) - 1, ")");
  check(t.by_id[id] != nullptr, MOS_STATUS_INVALID_ARGUMENT, "adapter ", id,
        " was removed from the bank");
  return t.by_id[id];
}

int32_t Bank::add(const std::vector<std::string>& names,
                  const std::vector<std::shared_ptr<Pool>>& pools) {
  check(!names.empty() && names.size() == pools.size(), MOS_STATUS_INVALID_ARGUMENT,
        "an adapter needs at least one pool group (count >= 1)");
  std::lock_guard<std::mutex> writer(write_mu_);
  const std::shared_ptr<const Table> old = snapshot();

  // ---- validate everything before allocating anything ----
  std::set<std::string> seen;
  int32_t L = old->num_blocks;
  int64_t bytes = 0, dense = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string& name = names[i];
    check(!name.empty(), MOS_STATUS_INVALID_ARGUMENT, "names[", i, "] is empty");
    check(seen.insert(name).second, MOS_STATUS_INVALID_ARGUMENT, "names[", i, "] = '", name,
          "' appears twice in one adapter");
    check(pools[i] != nullptr, MOS_STATUS_NULL_POINTER, "pools[", i, "] is NULL");
    const MosConfig& c = pools[i]->cfg();
    if (L == 0) L = c.num_blocks;
    check(c.num_blocks == L, MOS_STATUS_SHAPE_MISMATCH, "pools[", i, "] ('", name,
          "') has L = ", c.num_blocks, " blocks but ",
          old->num_blocks > 0 ? "the bank's base model" : "pools[0]", " has ", L);
    for (const Projection& p : old->projections) {
      if (p.name != name) continue;
      check(p.d_in == c.d_in && p.d_out == c.d_out, MOS_STATUS_SHAPE_MISMATCH, "pools[", i, "] ('",
            name, "') is ", c.d_in, " -> ", c.d_out, " but the bank's '", name, "' is ", p.d_in,
            " -> ", p.d_out);
    }
    for (int32_t k = 0; k < c.num_blocks; ++k) pools[i]->require_indices(k);
    const int64_t P = c.num_shards();
    const int64_t pool_bytes = checked_mul(4 * P, c.s_a() + c.s_b(), "the adapter's size");
    const int64_t idx_bytes =
        checked_mul(8 * static_cast<int64_t>(L), c.slots(), "the adapter's size");
    bytes += pool_bytes + idx_bytes;
    dense += checked_mul(4 * static_cast<int64_t>(L) * c.r, static_cast<int64_t>(c.d_in) + c.d_out,
                         "the dense LoRA size");
  }
  if (budget_ > 0) {
    check(old->total_bytes + bytes <= budget_, MOS_STATUS_OUT_OF_MEMORY, "the adapter needs ",
          bytes, " bytes but the bank's memory budget is ", budget_, " bytes, of which ",
          old->total_bytes, " are in use by ", old->live, " adapter(s) (",
          budget_ - old->total_bytes, " free); remove adapters or raise the budget");
  }
  check(next_id_ < INT32_MAX, MOS_STATUS_INVALID_STATE, "the bank has used up its adapter ids");
  require_memory(*ctx_->backend, static_cast<uint64_t>(bytes), "the adapter",
                 " (its pools' compact copies and routing indices)");

  // ---- build the adapter (a failure here leaves the bank as it was) ----
  auto table = std::make_shared<Table>(*old);
  auto adapter = std::make_shared<Adapter>();
  adapter->ctx = ctx_;
  adapter->id = next_id_;
  adapter->bytes = bytes;
  adapter->dense_bytes = dense;
  Backend& be = *ctx_->backend;
  std::vector<float> host_a, host_b, host_bt;
  std::vector<int32_t> ia, ib;
  for (size_t i = 0; i < names.size(); ++i) {
    const Pool& pool = *pools[i];
    const MosConfig& c = pool.cfg();
    int32_t slot = -1;
    for (size_t s = 0; s < table->projections.size(); ++s)
      if (table->projections[s].name == names[i]) slot = static_cast<int32_t>(s);
    if (slot < 0) {
      table->projections.push_back(Projection{names[i], c.d_in, c.d_out});
      slot = static_cast<int32_t>(table->projections.size()) - 1;
    }
    auto pa = std::make_unique<ProjAdapter>();
    pa->r = c.r;
    pa->l = c.l;
    pa->p = c.private_rank;
    pa->equivalent_rank = c.equivalent_rank;
    pa->alpha = c.alpha;
    pa->scaling = c.scaling();
    pa->num_shards = c.num_shards();
    pa->s_a = c.s_a();
    pa->s_b = c.s_b();
    pa->d_in = c.d_in;
    pa->d_out = c.d_out;
    const int64_t P = pa->num_shards, sa = pa->s_a, sb = pa->s_b, rl = c.slots();
    pa->bytes = 4 * P * (sa + sb) + 8 * static_cast<int64_t>(L) * rl;
    pa->dense_bytes = 4 * static_cast<int64_t>(L) * c.r * (static_cast<int64_t>(c.d_in) + c.d_out);
    // Pools: through host memory, so any source context works; pool_B is transposed on the way.
    host_a.resize(static_cast<size_t>(P * sa));
    host_b.resize(static_cast<size_t>(sb * P));
    host_bt.resize(static_cast<size_t>(P * sb));
    pool.read(MOS_POOL_A, host_a.data(), P * sa);
    pool.read(MOS_POOL_B, host_b.data(), sb * P);
    for (int64_t t = 0; t < sb; ++t)
      for (int64_t m = 0; m < P; ++m) host_bt[m * sb + t] = host_b[t * P + m];
    ia.resize(static_cast<size_t>(L * rl));
    ib.resize(ia.size());
    for (int32_t k = 0; k < L; ++k) pool.get_indices(k, ia.data() + k * rl, ib.data() + k * rl, rl);
    for (Buffer* b : {&pa->pool_a, &pa->pool_bt, &pa->idx_a, &pa->idx_b}) b->bind(&be);
    pa->pool_a.reserve(sizeof(float) * P * sa);
    pa->pool_bt.reserve(sizeof(float) * P * sb);
    pa->idx_a.reserve(sizeof(int32_t) * ia.size());
    pa->idx_b.reserve(sizeof(int32_t) * ib.size());
    be.copy_to_device(pa->pool_a.data(), host_a.data(), sizeof(float) * host_a.size());
    be.copy_to_device(pa->pool_bt.data(), host_bt.data(), sizeof(float) * host_bt.size());
    be.copy_to_device(pa->idx_a.data(), ia.data(), sizeof(int32_t) * ia.size());
    be.copy_to_device(pa->idx_b.data(), ib.data(), sizeof(int32_t) * ib.size());
    if (adapter->by_slot.size() <= static_cast<size_t>(slot)) adapter->by_slot.resize(slot + 1);
    adapter->by_slot[slot] = std::move(pa);
  }
  be.synchronize();

  table->num_blocks = L;
  table->by_id.push_back(adapter);
  table->dense_of_id.push_back(table->live);
  table->live += 1;
  table->total_bytes += bytes;
  publish(std::move(table));
  return next_id_++;
}

void Bank::remove(int32_t id) {
  std::lock_guard<std::mutex> writer(write_mu_);
  const std::shared_ptr<const Table> old = snapshot();
  const std::shared_ptr<const Adapter> a = require_adapter(*old, id);
  auto table = std::make_shared<Table>(*old);
  table->by_id[id] = nullptr;
  table->total_bytes -= a->bytes;
  int32_t live = 0;
  for (size_t i = 0; i < table->by_id.size(); ++i)
    table->dense_of_id[i] = table->by_id[i] ? live++ : -1;
  table->live = live;
  publish(std::move(table));
}

void Bank::adapter_bytes(int32_t id, int64_t* bytes, int64_t* dense_bytes) const {
  const auto t = snapshot();
  const auto a = require_adapter(*t, id);
  if (bytes) *bytes = a->bytes;
  if (dense_bytes) *dense_bytes = a->dense_bytes;
}

void Bank::usage(int64_t* total_bytes, int64_t* budget_bytes, int32_t* num_adapters) const {
  const auto t = snapshot();
  if (total_bytes) *total_bytes = t->total_bytes;
  if (budget_bytes) *budget_bytes = budget_;
  if (num_adapters) *num_adapters = t->live;
}

void Bank::projection(const std::string& name, int32_t* slot, int32_t* d_in, int32_t* d_out,
                      int32_t* num_blocks) const {
  const auto t = snapshot();
  std::string known;
  for (size_t s = 0; s < t->projections.size(); ++s) {
    const Projection& p = t->projections[s];
    if (p.name == name) {
      if (slot) *slot = static_cast<int32_t>(s);
      if (d_in) *d_in = p.d_in;
      if (d_out) *d_out = p.d_out;
      if (num_blocks) *num_blocks = t->num_blocks;
      return;
    }
    known += (known.empty() ? "'" : ", '") + p.name + "'";
  }
  fail(MOS_STATUS_INVALID_ARGUMENT, "no adapter in this bank adapts projection '", name,
       "' (registered: ", known.empty() ? "none yet" : known, ")");
}

Projection Bank::projection_of(int32_t slot) const {
  const auto t = snapshot();
  check(slot >= 0 && slot < static_cast<int32_t>(t->projections.size()),
        MOS_STATUS_INDEX_OUT_OF_RANGE, "slot ", slot, " is outside the bank's projections [0, ",
        t->projections.size(), ")");
  return t->projections[slot];
}

void Bank::set_path(int path) {
  check(
      path >= MOS_BANK_PATH_AUTO && path <= MOS_BANK_PATH_PREFILL, MOS_STATUS_INVALID_ARGUMENT,
      "unknown path ", path,
      " (expected MOS_BANK_PATH_AUTO = 0, MOS_BANK_PATH_DECODE = 1 or MOS_BANK_PATH_PREFILL = 2)");
  path_.store(path);
}

void Bank::apply(int32_t slot, int32_t block, const float* x, int64_t tokens, const int32_t* ids,
                 float* y, bool host_io) {
  const std::shared_ptr<const Table> snap = snapshot();  // keeps every adapter alive until return
  const Table& t = *snap;
  check(slot >= 0 && slot < static_cast<int32_t>(t.projections.size()),
        MOS_STATUS_INDEX_OUT_OF_RANGE, "slot ", slot, " is outside the bank's projections [0, ",
        t.projections.size(), ")");
  check(block >= 0 && block < t.num_blocks, MOS_STATUS_INDEX_OUT_OF_RANGE, "block ", block,
        " is outside the base model's blocks [0, L = ", t.num_blocks, ")");
  check(tokens >= 0 && tokens <= INT32_MAX, MOS_STATUS_INVALID_ARGUMENT, "tokens is ", tokens,
        " (expected 0 <= tokens <= 2^31 - 1)");
  const int64_t n_ids = static_cast<int64_t>(t.by_id.size());
  for (int64_t i = 0; i < tokens; ++i) {
    const int32_t v = ids[i];
    if (v == -1) continue;
    check(v >= 0 && v < n_ids, MOS_STATUS_INVALID_ARGUMENT, "adapter_ids[", i, "] = ", v,
          " is not an adapter of this bank (ids given so far: 0..", n_ids - 1, "; -1 = none)");
    check(t.by_id[v] != nullptr, MOS_STATUS_INVALID_ARGUMENT, "adapter_ids[", i, "] = ", v,
          ": adapter ", v, " was removed from the bank");
  }
  if (tokens == 0) return;

  // ---- group the tokens by adapter: a stable counting sort over the live adapters ----
  GroupScratch& g = t_group;
  grow(g.count, static_cast<size_t>(t.live));
  grow(g.gid, static_cast<size_t>(t.live));
  grow(g.group_dense, static_cast<size_t>(tokens));
  grow(g.group_adapter, static_cast<size_t>(tokens));
  grow(g.start, static_cast<size_t>(tokens) + 1);
  grow(g.cursor, static_cast<size_t>(tokens));
  grow(g.order, static_cast<size_t>(tokens));
  // From here to the reset below nothing allocates or throws.
  int32_t groups = 0, r_max = 0;
  for (int64_t i = 0; i < tokens; ++i) {
    const int32_t v = ids[i];
    if (v < 0) continue;
    const ProjAdapter* pa = t.by_id[v]->proj(slot);
    if (!pa) continue;  // this adapter leaves this projection as in the base
    const int32_t d = t.dense_of_id[v];
    if (g.count[d]++ == 0) {
      g.gid[d] = groups;
      g.group_dense[groups] = d;
      g.group_adapter[groups] = pa;
      r_max = std::max(r_max, pa->r);
      ++groups;
    }
  }
  g.start[0] = 0;
  for (int32_t q = 0; q < groups; ++q) {
    g.start[q + 1] = g.start[q] + g.count[g.group_dense[q]];
    g.cursor[q] = g.start[q];
  }
  for (int64_t i = 0; i < tokens; ++i) {
    const int32_t v = ids[i];
    if (v < 0 || !t.by_id[v]->proj(slot)) continue;
    g.order[g.cursor[g.gid[t.dense_of_id[v]]]++] = static_cast<int32_t>(i);
  }
  for (int32_t q = 0; q < groups; ++q) g.count[g.group_dense[q]] = 0;
  if (groups == 0) return;

  const Projection& proj = t.projections[slot];
  ApplyPlan plan;
  plan.x = x;
  plan.y = y;
  plan.host_io = host_io;
  plan.tokens = tokens;
  plan.d_in = proj.d_in;
  plan.d_out = proj.d_out;
  plan.block = block;
  plan.num_groups = groups;
  plan.group_adapter = g.group_adapter.data();
  plan.group_start = g.start.data();
  plan.order = g.order.data();
  plan.r_max = r_max;
  plan.path = static_cast<mos_bank_path_t>(path_.load());
  Inflight inflight(inflight_);
  plan.concurrent = inflight.n;

  ctx_->backend->bank_apply(plan, scratch_);
}

void Bank::merge(int32_t id, int32_t slot, int32_t block, Tensor& weight, float sign) {
  const auto snap = snapshot();
  const auto a = require_adapter(*snap, id);
  check(slot >= 0 && slot < static_cast<int32_t>(snap->projections.size()),
        MOS_STATUS_INDEX_OUT_OF_RANGE, "slot ", slot, " is outside the bank's projections [0, ",
        snap->projections.size(), ")");
  const Projection& proj = snap->projections[slot];
  const ProjAdapter* pa = a->proj(slot);
  check(pa != nullptr, MOS_STATUS_INVALID_ARGUMENT, "adapter ", id, " does not adapt projection '",
        proj.name, "'");
  check(block >= 0 && block < snap->num_blocks, MOS_STATUS_INDEX_OUT_OF_RANGE, "block ", block,
        " is outside the base model's blocks [0, L = ", snap->num_blocks, ")");
  require_f32_in(weight, "weight", *ctx_);
  require_rows(weight, "weight", proj.d_out, cat("projection '", proj.name, "''s d_out").c_str());
  require_cols(weight, "weight", proj.d_in, cat("projection '", proj.name, "''s d_in").c_str());
  // The maths of mos_layer_merge: W += sign * (alpha/r) B_k A_k from the assembled factors; here
  // B_k^T [r x d_out] is gathered from the transposed pool like A_k from pool_A.
  Backend& be = *ctx_->backend;
  Buffer at(&be, sizeof(float) * pa->r * proj.d_in);
  Buffer bt(&be, sizeof(float) * pa->r * proj.d_out);
  be.gather_a(pa->a(), pa->num_shards, pa->s_a, pa->ia(block), pa->r, pa->l, at.f32());
  be.gather_a(pa->bt(), pa->num_shards, pa->s_b, pa->ib(block), pa->r, pa->l, bt.f32());
  be.gemm(true, false, proj.d_out, proj.d_in, pa->r, sign * pa->scaling, bt.f32(), proj.d_out,
          at.f32(), proj.d_in, 1.0f, weight.f32(), proj.d_in);
  weight.mark_written();
  be.synchronize();  // the scratch factors go at return
}

}  // namespace bank
}  // namespace mos
