// SPDX-License-Identifier: Apache-2.0
// kv_cache.cpp: the paged KV cache's allocation (checked up front), sequences and page stack.
#include "model/kv_cache.h"

#include <limits>

#include "common/paged_kv.h"
#include "error.h"
#include "memory.h"
#include "model/decoder.h"

namespace mos {
namespace model {

KvCache::KvCache(std::shared_ptr<Decoder> decoder, int64_t capacity_tokens)
    : decoder_(std::move(decoder)) {
  const mos_decoder_config_t& c = decoder_->cfg();
  check(capacity_tokens >= 1, MOS_STATUS_INVALID_ARGUMENT, "capacity_tokens must be >= 1, got ",
        capacity_tokens);
  const int64_t pages = (capacity_tokens + kv::kPageTokens - 1) / kv::kPageTokens;
  check(pages <= std::numeric_limits<int32_t>::max(), MOS_STATUS_INVALID_ARGUMENT,
        "capacity_tokens ", capacity_tokens, " needs ", pages,
        " pages, more than a page table can number (2^31 - 1)");
  num_pages_ = pages;
  layer_floats_ = kv::layer_floats(pages, c.num_kv_heads, c.head_dim);
  const std::string what = "the KV cache";
  const uint64_t bytes =
      checked_mul(checked_mul(static_cast<uint64_t>(layer_floats_), sizeof(float), what),
                  static_cast<uint64_t>(c.num_layers), what);
  Backend& be = decoder_->backend();
  require_memory(
      be, bytes, what,
      cat(" (", pages, " pages of ", kv::kPageTokens, " tokens, ",
          human_bytes(static_cast<uint64_t>(decoder_->kv_bytes_per_token())), " per token)"));
  data_.bind(&be);
  data_.reserve(bytes);
  free_.reserve(static_cast<size_t>(pages));
  for (int64_t p = pages - 1; p >= 0; --p) free_.push_back(static_cast<int32_t>(p));
}

int32_t KvCache::add_sequence() {
  check(next_id_ < std::numeric_limits<int32_t>::max(), MOS_STATUS_INVALID_STATE,
        "the KV cache has used up its sequence ids");
  const int32_t id = next_id_;
  seqs_.emplace(id, Sequence{});
  ++next_id_;
  return id;
}

KvCache::Sequence& KvCache::sequence(int32_t id) {
  auto it = seqs_.find(id);
  check(it != seqs_.end(), MOS_STATUS_INVALID_ARGUMENT, "sequence ", id,
        id >= 0 && id < next_id_ ? " was removed from the KV cache"
                                 : " is not a sequence of this KV cache");
  return it->second;
}

const KvCache::Sequence& KvCache::sequence(int32_t id) const {
  return const_cast<KvCache*>(this)->sequence(id);
}

void KvCache::remove_sequence(int32_t id) {
  Sequence& s = sequence(id);
  for (int32_t p : s.pages) free_.push_back(p);
  seqs_.erase(id);
}

void KvCache::usage(int64_t* used_tokens, int64_t* capacity_tokens, int64_t* free_tokens,
                    int32_t* num_seqs) const {
  const int64_t used_pages = num_pages_ - static_cast<int64_t>(free_.size());
  if (used_tokens) *used_tokens = used_pages * kv::kPageTokens;
  if (capacity_tokens) *capacity_tokens = num_pages_ * kv::kPageTokens;
  if (free_tokens) *free_tokens = static_cast<int64_t>(free_.size()) * kv::kPageTokens;
  if (num_seqs) *num_seqs = static_cast<int32_t>(seqs_.size());
}

int32_t KvCache::take_page() {
  check(!free_.empty(), MOS_STATUS_INTERNAL, "KvCache::take_page on a full cache");
  const int32_t p = free_.back();
  free_.pop_back();
  return p;
}

float* KvCache::layer(int32_t b) const {
  return data_.f32() + static_cast<int64_t>(b) * layer_floats_;
}

}  // namespace model
}  // namespace mos
