// SPDX-License-Identifier: Apache-2.0
// pool.h: mos::Pool, one projection type's pool group (method.md §1): pool_A [P x s_A], pool_B
// [s_B x P], their gradients and AdamW moments, and every block's frozen routing indices.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "buffer.h"
#include "context.h"
#include "routing.h"

namespace mos {

class Pool {
 public:
  Pool(std::shared_ptr<Context> ctx, const MosConfig& cfg);  // cfg must be validated

  const MosConfig& cfg() const { return cfg_; }
  Context& context() const { return *ctx_; }
  Backend& backend() const { return *ctx_->backend; }

  // method.md §6: pool_A ~ U(+-1/sqrt(d_in)), pool_B = 0; clears gradients and moments.
  void init(uint64_t seed);
  void generate_indices(uint64_t seed);
  void set_indices(int32_t k, const int32_t* idx_a, const int32_t* idx_b, int64_t num_elements);
  void get_indices(int32_t k, int32_t* idx_a, int32_t* idx_b, int64_t num_elements) const;

  void read(mos_pool_array_t which, float* dst, int64_t num_elements) const;
  // INVALID_ARGUMENT, before anything changes, when src holds a NaN or an infinity.
  void write(mos_pool_array_t which, const float* src, int64_t num_elements);
  void zero_grad();

  // Block k's factors (method.md §3) into backend memory: a [r x d_in], b [d_out x r].
  void assemble(int32_t k, float* a_out, float* b_out) const;
  // Throws INVALID_STATE when block k's indices were never set.
  void require_indices(int32_t k) const;
  void require_block(int32_t k) const;  // INDEX_OUT_OF_RANGE unless 0 <= k < L

  // Grows whenever pool_A, pool_B or any block's indices change (init, write, set/generate
  // indices, an optimizer step): layers reuse their assembled A_k / B_k while it is unchanged.
  uint64_t params_version() const { return version_; }
  void params_changed() { ++version_; }

  // One set of factor buffers per pool group, shared by its blocks: method.md §7 has each layer
  // materialise A_k and B_k only transiently, so training memory grows with r through the
  // activations, not through L copies of the factors. factors(k) returns block k's assembled
  // A_k [r x d_in] and B_k [d_out x r] (re-gathered unless the last call was for the same block
  // and parameter version) and the dA_k / dB_k scratch. Valid until the next factors() call.
  struct Factors {
    float* a;
    float* b;
    float* da;
    float* db;
  };
  Factors factors(int32_t k);

  // The arrays (backend memory) for the optimizer, the layer's scatter-add and read/write.
  // Whoever writes POOL_A / POOL_B through these pointers must call params_changed().
  float* array(mos_pool_array_t which) const;
  int64_t array_size(mos_pool_array_t which) const;
  int64_t size_a() const { return cfg_.num_shards() * cfg_.s_a(); }
  int64_t size_b() const { return cfg_.s_b() * cfg_.num_shards(); }
  const int32_t* device_idx_a(int32_t k) const { return idx_a_dev_.i32() + k * cfg_.slots(); }
  const int32_t* device_idx_b(int32_t k) const { return idx_b_dev_.i32() + k * cfg_.slots(); }

 private:
  std::shared_ptr<Context> ctx_;  // first member: outlives the buffers below
  MosConfig cfg_;
  Buffer arrays_[8];              // indexed by mos_pool_array_t
  Buffer idx_a_dev_, idx_b_dev_;  // [L x r*l] each, backend copies of the host arrays
  std::vector<int32_t> idx_a_, idx_b_;
  std::vector<char> idx_set_;
  uint64_t version_ = 1;
  Buffer fa_, fb_, fda_, fdb_;    // the shared factor buffers of factors()
  int32_t factors_block_ = -1;    // block whose A_k, B_k fa_ / fb_ hold (-1: none)
  uint64_t factors_version_ = 0;  // version_ they were gathered at
};

}  // namespace mos
