// SPDX-License-Identifier: Apache-2.0
// step.cpp: Decoder::step, one inference step of several sequences through the paged KV cache
// (prefill chunks and single decode tokens mixed), with per-sequence adapters from a bank or the
// attached pools. Everything is checked before the cache changes; pages taken by a step that then
// fails go back, and sequence lengths change only when the step has succeeded.
#include <algorithm>
#include <limits>

#include "bank.h"
#include "common/paged_kv.h"
#include "error.h"
#include "model/decoder.h"
#include "model/kv_cache.h"

namespace mos {
namespace model {

void Decoder::step(KvCache& cache, bank::Bank* bank, const StepArgs& a, float* host_logits) {
  const mos_decoder_config_t& c = cfg_;
  check(&cache.decoder() == this, MOS_STATUS_INVALID_ARGUMENT,
        "the KV cache was created for another decoder");
  check(a.num_seqs >= 1, MOS_STATUS_INVALID_ARGUMENT, "step->num_seqs must be >= 1, got ",
        a.num_seqs);
  require_weights();
  const int32_t S = a.num_seqs;

  // ---- checks (nothing changes before they all pass) ----
  std::vector<int32_t>& sorted = host_ids_;  // grow-only: no allocation once warm
  sorted.assign(a.seq_ids, a.seq_ids + S);
  std::sort(sorted.begin(), sorted.end());
  for (int32_t i = 1; i < S; ++i)
    check(sorted[i] != sorted[i - 1], MOS_STATUS_INVALID_ARGUMENT, "sequence ", sorted[i],
          " is listed twice in one step");
  int64_t T = 0, pages_needed = 0;
  int32_t max_q = 0, max_ctx = 0, max_pages = 1;
  for (int32_t i = 0; i < S; ++i) {
    const KvCache::Sequence& sq = cache.sequence(a.seq_ids[i]);
    const int32_t n = a.lengths[i];
    check(n >= 1, MOS_STATUS_INVALID_ARGUMENT, "step->lengths[", i, "] = ", n,
          " (expected >= 1 new tokens)");
    const int64_t end = static_cast<int64_t>(sq.length) + n;
    check(end <= c.max_positions, MOS_STATUS_INVALID_ARGUMENT, "sequence ", a.seq_ids[i], " holds ",
          sq.length, " tokens: ", n, " more would reach position ", end - 1,
          ", but max_positions is ", c.max_positions);
    const int32_t pages = kv::pages_for(end);
    pages_needed += pages - static_cast<int64_t>(sq.pages.size());
    T += n;
    max_q = std::max(max_q, n);
    max_ctx = std::max<int32_t>(max_ctx, static_cast<int32_t>(end));
    max_pages = std::max(max_pages, pages);
  }
  check(T <= std::numeric_limits<int32_t>::max(), MOS_STATUS_INVALID_ARGUMENT, "the step holds ", T,
        " tokens, more than 2^31 - 1");
  for (int64_t t = 0; t < T; ++t)
    check(a.tokens[t] >= 0 && a.tokens[t] < c.vocab_size, MOS_STATUS_INVALID_ARGUMENT,
          "step->tokens[", t, "] = ", a.tokens[t], " is outside the vocabulary [0, ", c.vocab_size,
          ")");

  Pass p;
  p.T = T;
  p.num_seqs = S;
  p.cache = &cache;
  p.max_q = max_q;
  p.max_ctx = max_ctx;
  p.max_pages = max_pages;
  p.head_rows = S;
  p.chunk = std::max<int64_t>(1, std::min<int64_t>(S, kHeadFloats / c.vocab_size));
  p.bank_slot.fill(-1);
  if (a.adapter_ids) {
    bool any = false;
    for (int32_t i = 0; i < S; ++i) {
      const int32_t id = a.adapter_ids[i];
      check(id >= -1, MOS_STATUS_INVALID_ARGUMENT, "step->adapter_ids[", i, "] = ", id,
            " (expected an adapter id of the bank or -1 for the base model)");
      any = any || id >= 0;
    }
    if (any) {
      check(bank != nullptr, MOS_STATUS_NULL_POINTER,
            "bank is NULL but step->adapter_ids names adapters");
      check(&bank->context() == ctx_.get() ||
                (bank->context().backend->host_addressable() && backend().host_addressable()),
            MOS_STATUS_INVALID_ARGUMENT,
            "the bank's context is on another device than the decoder's");
      for (int32_t i = 0; i < S; ++i) {
        if (a.adapter_ids[i] < 0) continue;
        try {
          bank->adapter_bytes(a.adapter_ids[i], nullptr, nullptr);  // throws unless it is live
        } catch (const Error& e) {
          fail(e.status(), "step->adapter_ids[", i, "]: ", e.what());
        }
      }
      for (int32_t j = 0; j < kNumProj; ++j) {
        int32_t slot = -1, d_in = 0, d_out = 0, L = 0;
        try {
          bank->projection(proj_name(j), &slot, &d_in, &d_out, &L);
        } catch (const Error&) {
          continue;  // no adapter of the bank adapts this projection
        }
        check(d_in == proj_dim_in(j) && d_out == proj_dim_out(j) && L == c.num_layers,
              MOS_STATUS_SHAPE_MISMATCH, "the bank's ", proj_name(j), " is ", d_in, " -> ", d_out,
              " over ", L, " blocks but the decoder's is ", proj_dim_in(j), " -> ", proj_dim_out(j),
              " over ", c.num_layers);
        p.bank_slot[j] = slot;
      }
      p.source = Source::kBank;
      p.bank = bank;
      host_adapters_.resize(static_cast<size_t>(T));
      int64_t t = 0;
      for (int32_t i = 0; i < S; ++i)
        for (int32_t j = 0; j < a.lengths[i]; ++j) host_adapters_[t++] = a.adapter_ids[i];
      p.token_adapters = host_adapters_.data();
    }
  } else if (pools_active()) {
    require_pool_indices();
    p.source = Source::kPools;
  }
  check(pages_needed <= cache.free_pages(), MOS_STATUS_OUT_OF_MEMORY, "the step needs ",
        pages_needed, " more KV-cache pages (", kv::kPageTokens, " tokens each) but the cache has ",
        cache.free_pages(), " free of ", cache.num_pages());
  plan_workspace(p);

  // ---- take the pages; from here a failure gives them back ----
  std::vector<std::pair<int32_t, size_t>>& grown = host_grown_;  // (sequence, pages before)
  grown.clear();
  try {
    for (int32_t i = 0; i < S; ++i) {
      KvCache::Sequence& sq = cache.sequence(a.seq_ids[i]);
      const int32_t pages = kv::pages_for(static_cast<int64_t>(sq.length) + a.lengths[i]);
      if (static_cast<size_t>(pages) == sq.pages.size()) continue;
      grown.emplace_back(i, sq.pages.size());
      while (static_cast<int32_t>(sq.pages.size()) < pages) sq.pages.push_back(cache.take_page());
    }
    // Index arrays: positions, slots and page tables of the new tokens, query offsets, the
    // context lengths and each sequence's last new row.
    std::vector<int32_t>& h = host_i32_;
    const size_t n_pos = static_cast<size_t>(T), n_tab = static_cast<size_t>(S) * max_pages;
    h.assign(2 * n_pos + (S + 1) + S + n_tab + S, 0);
    int32_t* pos = h.data();
    int32_t* slots = pos + n_pos;
    int32_t* q_starts = slots + n_pos;
    int32_t* ctx = q_starts + S + 1;
    int32_t* tables = ctx + S;
    int32_t* last = tables + n_tab;
    int64_t t = 0;
    for (int32_t i = 0; i < S; ++i) {
      const KvCache::Sequence& sq = cache.sequence(a.seq_ids[i]);
      q_starts[i] = static_cast<int32_t>(t);
      for (int32_t j = 0; j < a.lengths[i]; ++j, ++t) {
        pos[t] = sq.length + j;
        slots[t] = static_cast<int32_t>(kv::slot_of(sq.pages.data(), pos[t]));
      }
      ctx[i] = sq.length + a.lengths[i];
      std::copy(sq.pages.begin(), sq.pages.end(), tables + static_cast<int64_t>(i) * max_pages);
      last[i] = static_cast<int32_t>(t - 1);
    }
    q_starts[S] = static_cast<int32_t>(t);
    Backend& be = backend();
    be.copy_to_device(ws_[kIds].data(), a.tokens, sizeof(int32_t) * T);
    be.copy_to_device(ws_[kPos].data(), pos, sizeof(int32_t) * T);
    be.copy_to_device(ws_[kSlots].data(), slots, sizeof(int32_t) * T);
    be.copy_to_device(ws_[kQStarts].data(), q_starts, sizeof(int32_t) * (S + 1));
    be.copy_to_device(ws_[kCtxLens].data(), ctx, sizeof(int32_t) * S);
    be.copy_to_device(ws_[kPageTables].data(), tables, sizeof(int32_t) * n_tab);
    be.copy_to_device(ws_[kLast].data(), last, sizeof(int32_t) * S);

    forward(p);

    // Logits of each sequence's last new position only.
    const int64_t H = c.hidden_size, V = c.vocab_size;
    float* hc = ws_[kHc].f32();
    be.gather_rows(S, ws_[kLast].i32(), H, ws_[kH].f32(), hc);
    be.rmsnorm_forward(S, H, hc, w(final_norm_).data.f32(), c.rms_norm_eps, hc, nullptr);
    for (int64_t c0 = 0; c0 < S; c0 += p.chunk) {
      const int64_t n = std::min<int64_t>(p.chunk, S - c0);
      linear(lm_head_, hc + c0 * H, n, 0.0f, ws_[kLogits].f32());
      be.copy_to_host(host_logits + c0 * V, ws_[kLogits].data(), sizeof(float) * n * V);
    }
  } catch (...) {
    for (const auto& g : grown) {
      KvCache::Sequence& sq = cache.sequence(a.seq_ids[g.first]);
      while (sq.pages.size() > g.second) {
        cache.give_back(sq.pages.back());
        sq.pages.pop_back();
      }
    }
    throw;
  }
  for (int32_t i = 0; i < S; ++i) cache.sequence(a.seq_ids[i]).length += a.lengths[i];
}

}  // namespace model
}  // namespace mos
