// SPDX-License-Identifier: Apache-2.0
// pool.cpp: a pool group's arrays, initialization (method.md §6), routing indices (§2) and shard
// assembly (§3). Every mutating call validates all inputs before it writes anything.
#include "pool.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/rng.h"
#include "error.h"
#include "memory.h"

namespace mos {

namespace {

const char* array_name(mos_pool_array_t which) {
  switch (which) {
    case MOS_POOL_A: return "POOL_A";
    case MOS_POOL_B: return "POOL_B";
    case MOS_POOL_GRAD_A: return "GRAD_A";
    case MOS_POOL_GRAD_B: return "GRAD_B";
    case MOS_POOL_ADAM_M_A: return "ADAM_M_A";
    case MOS_POOL_ADAM_V_A: return "ADAM_V_A";
    case MOS_POOL_ADAM_M_B: return "ADAM_M_B";
    case MOS_POOL_ADAM_V_B: return "ADAM_V_B";
  }
  return "unknown";
}

// Every byte a pool group holds: 8 arrays (pool, gradient, two moments for A and B), both index
// arrays (with their host copies and the temporaries of index generation), the shared factor
// buffers. Overflow reads as OUT_OF_MEMORY.
uint64_t pool_group_bytes(const MosConfig& c) {
  const std::string what = "the pool group";
  const uint64_t shard_floats = checked_mul(static_cast<uint64_t>(c.num_shards()),
                                            static_cast<uint64_t>(c.s_a() + c.s_b()), what);
  const uint64_t arrays = checked_mul(shard_floats, 4 * sizeof(float), what);
  const uint64_t slots = checked_mul(static_cast<uint64_t>(c.num_blocks), c.slots(), what);
  // Indices three times: the backend's copy, the host copy, and generate_indices' temporaries.
  const uint64_t indices = checked_mul(slots, 3 * 2 * sizeof(int32_t), what);
  const uint64_t factors =
      checked_mul(static_cast<uint64_t>(c.r),
                  2 * sizeof(float) * (static_cast<uint64_t>(c.d_in) + c.d_out), what);
  return checked_add(checked_add(arrays, indices, what), factors, what);
}

bool is_a_array(mos_pool_array_t w) {
  return w == MOS_POOL_A || w == MOS_POOL_GRAD_A || w == MOS_POOL_ADAM_M_A ||
         w == MOS_POOL_ADAM_V_A;
}

}  // namespace

Pool::Pool(std::shared_ptr<Context> ctx, const MosConfig& cfg) : ctx_(std::move(ctx)), cfg_(cfg) {
  Backend* be = ctx_->backend.get();
  // The whole need first: an error then names the pool group, not one of its ten allocations.
  require_memory(*be, pool_group_bytes(cfg_), "the pool group",
                 " (pool_A, pool_B, their gradients and AdamW moments, routing indices)");
  for (int w = 0; w < 8; ++w) {
    arrays_[w].bind(be);
    arrays_[w].reserve(sizeof(float) * array_size(static_cast<mos_pool_array_t>(w)));
  }
  const size_t idx_bytes = sizeof(int32_t) * cfg_.num_blocks * cfg_.slots();
  idx_a_dev_.bind(be);
  idx_a_dev_.reserve(idx_bytes);
  idx_b_dev_.bind(be);
  idx_b_dev_.reserve(idx_bytes);
  idx_a_.assign(static_cast<size_t>(cfg_.num_blocks * cfg_.slots()), 0);
  idx_b_.assign(idx_a_.size(), 0);
  idx_set_.assign(static_cast<size_t>(cfg_.num_blocks), 0);
  const size_t a_bytes = sizeof(float) * cfg_.r * cfg_.d_in;
  const size_t b_bytes = sizeof(float) * cfg_.r * cfg_.d_out;
  for (Buffer* f : {&fa_, &fb_, &fda_, &fdb_}) f->bind(be);
  fa_.reserve(a_bytes);
  fda_.reserve(a_bytes);
  fb_.reserve(b_bytes);
  fdb_.reserve(b_bytes);
}

int64_t Pool::array_size(mos_pool_array_t which) const {
  check(which >= MOS_POOL_A && which <= MOS_POOL_ADAM_V_B, MOS_STATUS_INVALID_ARGUMENT,
        "unknown pool array ", static_cast<int>(which),
        " (expected 0..7, MOS_POOL_A..MOS_POOL_ADAM_V_B)");
  return is_a_array(which) ? size_a() : size_b();
}

float* Pool::array(mos_pool_array_t which) const {
  array_size(which);  // validates `which`
  return arrays_[which].f32();
}

void Pool::init(uint64_t seed) {
  const float bound = 1.0f / std::sqrt(static_cast<float>(cfg_.d_in));  // full d_in as fan (§6)
  backend().uniform_fill(size_a(), -bound, bound, seed, rng::kStreamInitA, array(MOS_POOL_A));
  for (int w = MOS_POOL_B; w <= MOS_POOL_ADAM_V_B; ++w)
    backend().fill_zero(arrays_[w].data(), arrays_[w].bytes());
  params_changed();
}

void Pool::generate_indices(uint64_t seed) {
  std::vector<int32_t> a(idx_a_.size()), b(idx_b_.size());
  const int64_t rl = cfg_.slots();
  for (int32_t k = 0; k < cfg_.num_blocks; ++k)
    generate_block_indices(cfg_, seed, k, a.data() + k * rl, b.data() + k * rl);
  backend().copy_to_device(idx_a_dev_.data(), a.data(), sizeof(int32_t) * a.size());
  backend().copy_to_device(idx_b_dev_.data(), b.data(), sizeof(int32_t) * b.size());
  idx_a_.swap(a);
  idx_b_.swap(b);
  std::fill(idx_set_.begin(), idx_set_.end(), 1);
  params_changed();
}

void Pool::require_block(int32_t k) const {
  check(k >= 0 && k < cfg_.num_blocks, MOS_STATUS_INDEX_OUT_OF_RANGE, "block ", k,
        " is outside the pool's blocks [0, L = ", cfg_.num_blocks, ")");
}

void Pool::require_indices(int32_t k) const {
  require_block(k);
  check(
      idx_set_[k] != 0, MOS_STATUS_INVALID_STATE, "block ", k,
      "'s routing indices were never set (call mos_pool_generate_indices or mos_pool_set_indices)");
}

void Pool::set_indices(int32_t k, const int32_t* idx_a, const int32_t* idx_b,
                       int64_t num_elements) {
  require_block(k);
  const int64_t rl = cfg_.slots();
  check(num_elements == rl, MOS_STATUS_SHAPE_MISMATCH, "num_elements is ", num_elements,
        " but a block holds r * l = ", cfg_.r, " * ", cfg_.l, " = ", rl, " indices per factor");
  validate_indices(cfg_, idx_a, num_elements, "idx_a");
  validate_indices(cfg_, idx_b, num_elements, "idx_b");
  const size_t bytes = sizeof(int32_t) * rl;
  backend().copy_to_device(idx_a_dev_.i32() + k * rl, idx_a, bytes);
  backend().copy_to_device(idx_b_dev_.i32() + k * rl, idx_b, bytes);
  std::memcpy(idx_a_.data() + k * rl, idx_a, bytes);
  std::memcpy(idx_b_.data() + k * rl, idx_b, bytes);
  idx_set_[k] = 1;
  params_changed();
}

void Pool::get_indices(int32_t k, int32_t* idx_a, int32_t* idx_b, int64_t num_elements) const {
  require_block(k);
  const int64_t rl = cfg_.slots();
  check(num_elements == rl, MOS_STATUS_SHAPE_MISMATCH, "num_elements is ", num_elements,
        " but a block holds r * l = ", cfg_.r, " * ", cfg_.l, " = ", rl, " indices per factor");
  require_indices(k);
  std::memcpy(idx_a, idx_a_.data() + k * rl, sizeof(int32_t) * rl);
  std::memcpy(idx_b, idx_b_.data() + k * rl, sizeof(int32_t) * rl);
}

void Pool::read(mos_pool_array_t which, float* dst, int64_t num_elements) const {
  const int64_t n = array_size(which);
  check(num_elements == n, MOS_STATUS_SHAPE_MISMATCH, "num_elements is ", num_elements, " but ",
        array_name(which), " holds ", n, " floats");
  backend().copy_to_host(dst, arrays_[which].data(), sizeof(float) * n);
}

void Pool::write(mos_pool_array_t which, const float* src, int64_t num_elements) {
  const int64_t n = array_size(which);
  check(num_elements == n, MOS_STATUS_SHAPE_MISMATCH, "num_elements is ", num_elements, " but ",
        array_name(which), " holds ", n, " floats");
  // A NaN or infinity would reach every output of every block the pool feeds (or every later
  // update, in a gradient or moment); the adapter file loader refuses them as well.
  const int64_t cols = is_a_array(which) ? cfg_.s_a() : cfg_.num_shards();
  for (int64_t e = 0; e < n; ++e) {
    check(std::isfinite(src[e]), MOS_STATUS_INVALID_ARGUMENT, "src[", e, "] (row ", e / cols,
          ", column ", e % cols, " of ", array_name(which), ") is ", src[e],
          ": pool arrays hold finite values only");
  }
  backend().copy_to_device(arrays_[which].data(), src, sizeof(float) * n);
  if (which == MOS_POOL_A || which == MOS_POOL_B) params_changed();
}

void Pool::zero_grad() {
  backend().fill_zero(arrays_[MOS_POOL_GRAD_A].data(), arrays_[MOS_POOL_GRAD_A].bytes());
  backend().fill_zero(arrays_[MOS_POOL_GRAD_B].data(), arrays_[MOS_POOL_GRAD_B].bytes());
}

Pool::Factors Pool::factors(int32_t k) {
  // A gather is O(r (d_in + d_out)): cheap, but in inference loops and in a backward right after
  // its forward it would be repeated for nothing.
  if (factors_block_ != k || factors_version_ != version_) {
    factors_block_ = -1;  // if the gather throws, nothing claims to be cached
    assemble(k, fa_.f32(), fb_.f32());
    factors_block_ = k;
    factors_version_ = version_;
  }
  return Factors{fa_.f32(), fb_.f32(), fda_.f32(), fdb_.f32()};
}

void Pool::assemble(int32_t k, float* a_out, float* b_out) const {
  require_indices(k);
  const int64_t P = cfg_.num_shards();
  if (a_out)
    backend().gather_a(array(MOS_POOL_A), P, cfg_.s_a(), device_idx_a(k), cfg_.r, cfg_.l, a_out);
  if (b_out)
    backend().gather_b(array(MOS_POOL_B), cfg_.s_b(), P, device_idx_b(k), cfg_.r, cfg_.l, b_out);
}

}  // namespace mos
