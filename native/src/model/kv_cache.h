// SPDX-License-Identifier: Apache-2.0
// kv_cache.h: mos::model::KvCache, the decoder's paged KV cache behind mos.h's mos_kv_cache_t:
// fixed capacity in 16-token pages (common/paged_kv.h), a free-page stack and, per sequence, its
// length and page table. Pages go back to the stack when a sequence is removed.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "buffer.h"

namespace mos {
namespace model {

class Decoder;

class KvCache {
 public:
  // Room for capacity_tokens (>= 1) tokens over all sequences, rounded up to whole pages.
  // OUT_OF_MEMORY, before allocating, when that does not fit.
  KvCache(std::shared_ptr<Decoder> decoder, int64_t capacity_tokens);

  Decoder& decoder() const { return *decoder_; }

  struct Sequence {
    int32_t length = 0;          // tokens held
    std::vector<int32_t> pages;  // page table: page of positions [16 i, 16 i + 16)
  };
  int32_t add_sequence();
  void remove_sequence(int32_t id);
  Sequence& sequence(int32_t id);  // INVALID_ARGUMENT for an unknown or removed id
  const Sequence& sequence(int32_t id) const;
  void usage(int64_t* used_tokens, int64_t* capacity_tokens, int64_t* free_tokens,
             int32_t* num_seqs) const;

  int64_t num_pages() const { return num_pages_; }
  int64_t free_pages() const { return static_cast<int64_t>(free_.size()); }
  // A free page (the caller checked free_pages()); give_back returns one.
  int32_t take_page();
  void give_back(int32_t page) { free_.push_back(page); }
  // Block b's part of the cache: [2][num_pages][kv_heads][16][head_dim] floats (backend memory).
  float* layer(int32_t b) const;

 private:
  std::shared_ptr<Decoder> decoder_;  // first member: keeps the context alive for data_
  int64_t num_pages_ = 0;
  int64_t layer_floats_ = 0;
  Buffer data_;
  std::vector<int32_t> free_;  // a stack: the most recently freed page is reused first
  std::map<int32_t, Sequence> seqs_;
  int32_t next_id_ = 0;
};

}  // namespace model
}  // namespace mos
