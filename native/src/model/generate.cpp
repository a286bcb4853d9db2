// SPDX-License-Identifier: Apache-2.0
// generate.cpp: mos_decoder_generate: every request checked first, then the prompts prefilled
// (several requests' chunks packed into one step) and all unfinished requests decoded together,
// one token each per step, in a KV cache of the call's own, over Decoder::step and sample().
#include "model/generate.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "bank.h"
#include "common/paged_kv.h"
#include "error.h"
#include "model/decoder.h"
#include "model/kv_cache.h"

namespace mos {
namespace model {

namespace {
constexpr int32_t kPrefillTokens = 512;  // prompt tokens per prefill step, over all requests
}  // namespace

void generate(const std::shared_ptr<Decoder>& decoder, bank::Bank* bank,
              mos_generate_request_t* requests, int32_t num_requests, mos_token_callback_t callback,
              void* user) {
  Decoder& dec = *decoder;
  const mos_decoder_config_t& c = dec.cfg();
  check(num_requests >= 1, MOS_STATUS_INVALID_ARGUMENT, "num_requests must be >= 1, got ",
        num_requests);
  check(requests != nullptr, MOS_STATUS_NULL_POINTER, "requests is NULL");
  dec.require_weights();
  int64_t capacity = 0;
  for (int32_t i = 0; i < num_requests; ++i) {
    const mos_generate_request_t& r = requests[i];
    const std::string at = cat("requests[", i, "]");
    check(r.prompt != nullptr, MOS_STATUS_NULL_POINTER, at, ".prompt is NULL");
    check(r.out_tokens != nullptr, MOS_STATUS_NULL_POINTER, at, ".out_tokens is NULL");
    check(r.prompt_length >= 1, MOS_STATUS_INVALID_ARGUMENT, at,
          ".prompt_length must be >= 1, got ", r.prompt_length);
    check(r.max_new_tokens >= 1, MOS_STATUS_INVALID_ARGUMENT, at,
          ".max_new_tokens must be >= 1, got ", r.max_new_tokens);
    // The last generated token is never fed back: positions up to P + max_new - 2 are used.
    const int64_t positions = static_cast<int64_t>(r.prompt_length) + r.max_new_tokens - 1;
    check(positions <= c.max_positions, MOS_STATUS_INVALID_ARGUMENT, at, ": prompt_length ",
          r.prompt_length, " + max_new_tokens ", r.max_new_tokens,
          " - 1 exceeds max_positions = ", c.max_positions);
    for (int32_t t = 0; t < r.prompt_length; ++t)
      check(r.prompt[t] >= 0 && r.prompt[t] < c.vocab_size, MOS_STATUS_INVALID_ARGUMENT, at,
            ".prompt[", t, "] = ", r.prompt[t], " is outside the vocabulary [0, ", c.vocab_size,
            ")");
    check(r.num_stop_ids >= 0, MOS_STATUS_INVALID_ARGUMENT, at, ".num_stop_ids must be >= 0, got ",
          r.num_stop_ids);
    check(r.num_stop_ids == 0 || r.stop_ids != nullptr, MOS_STATUS_NULL_POINTER, at,
          ".stop_ids is NULL but num_stop_ids is ", r.num_stop_ids);
    validate_sampling(r.sampling, (at + ".sampling").c_str());
    if (!bank) {
      check(r.adapter_id == -1, MOS_STATUS_INVALID_ARGUMENT, at, ".adapter_id is ", r.adapter_id,
            " but bank is NULL (-1: the attached pools, if any)");
    } else if (r.adapter_id != -1) {
      check(r.adapter_id >= 0, MOS_STATUS_INVALID_ARGUMENT, at, ".adapter_id = ", r.adapter_id,
            " (expected an adapter of the bank or -1)");
      try {
        bank->adapter_bytes(r.adapter_id, nullptr, nullptr);
      } catch (const Error& e) {
        fail(e.status(), at, ".adapter_id: ", e.what());
      }
    }
    capacity += static_cast<int64_t>(kv::pages_for(positions)) * kv::kPageTokens;
  }

  KvCache cache(decoder, capacity);  // may still refuse (OUT_OF_MEMORY): nothing written yet
  for (int32_t i = 0; i < num_requests; ++i) requests[i].out_length = 0;
  std::vector<int32_t> seq(num_requests), fed(num_requests, 0);  // sequence id, prompt tokens fed
  std::vector<char> done(num_requests, 0);
  for (int32_t i = 0; i < num_requests; ++i) seq[i] = cache.add_sequence();

  const int64_t V = c.vocab_size;
  std::vector<int32_t> ids, lens, toks, adapters, who;
  std::vector<float> logits;
  // Appends request i's next token from its logits row; ends the request when it is due.
  auto take = [&](int32_t i, const float* row) {
    mos_generate_request_t& r = requests[i];
    int32_t tok = 0;
    sample(row, c.vocab_size, r.sampling, static_cast<uint64_t>(r.out_length), &tok, nullptr);
    r.out_tokens[r.out_length++] = tok;
    bool stop = r.out_length >= r.max_new_tokens;
    for (int32_t s = 0; s < r.num_stop_ids && !stop; ++s) stop = r.stop_ids[s] == tok;
    if (callback && callback(user, i, tok) != 0) stop = true;
    if (stop) {
      done[i] = 1;
      cache.remove_sequence(seq[i]);
    }
  };
  auto run = [&]() {
    StepArgs a;
    a.num_seqs = static_cast<int32_t>(ids.size());
    a.seq_ids = ids.data();
    a.lengths = lens.data();
    a.tokens = toks.data();
    a.adapter_ids = bank ? adapters.data() : nullptr;
    logits.resize(static_cast<size_t>(a.num_seqs) * V);
    dec.step(cache, bank, a, logits.data());
  };
  auto clear = [&]() {
    ids.clear();
    lens.clear();
    toks.clear();
    adapters.clear();
    who.clear();
  };

  // Prefill: prompt chunks of several requests per step; a request whose prompt ends in a step
  // draws its first token from that step's logits.
  for (int32_t next = 0; next < num_requests;) {
    clear();
    int32_t budget = kPrefillTokens;
    for (int32_t i = next; i < num_requests && budget > 0; ++i) {
      const mos_generate_request_t& r = requests[i];
      const int32_t n = std::min(budget, r.prompt_length - fed[i]);
      ids.push_back(seq[i]);
      lens.push_back(n);
      toks.insert(toks.end(), r.prompt + fed[i], r.prompt + fed[i] + n);
      adapters.push_back(r.adapter_id);
      who.push_back(i);
      fed[i] += n;
      budget -= n;
    }
    run();
    for (size_t k = 0; k < who.size(); ++k) {
      const int32_t i = who[k];
      if (fed[i] == requests[i].prompt_length) take(i, logits.data() + k * V);
    }
    while (next < num_requests && fed[next] == requests[next].prompt_length) ++next;
  }
  // Decode: every unfinished request feeds its last token.
  for (;;) {
    clear();
    for (int32_t i = 0; i < num_requests; ++i) {
      if (done[i]) continue;
      ids.push_back(seq[i]);
      lens.push_back(1);
      toks.push_back(requests[i].out_tokens[requests[i].out_length - 1]);
      adapters.push_back(requests[i].adapter_id);
      who.push_back(i);
    }
    if (ids.empty()) break;
    run();
    for (size_t k = 0; k < who.size(); ++k) take(who[k], logits.data() + k * V);
  }
}

}  // namespace model
}  // namespace mos
