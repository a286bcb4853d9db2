// SPDX-License-Identifier: Apache-2.0
// test_decoder_inference: mos_decoder_step through the paged KV cache against full recomputation
// (mos_decoder_logits) and the double oracle (MOS_TOL_F32_DECODER_LOGITS): prefill chunks and
// decode across page boundaries, a step of sequences of different lengths == each alone, a batch
// mixing adapters through a bank == per-adapter runs with the pools attached, and
// mos_decoder_generate == a loop of full recomputation + mos_sample (batched or one by one,
// long prompts prefilled over several steps, stop ids, the callback).
#include <string>
#include <vector>

#include "decoder_fixture.h"

namespace {

t::DecoderSpec spec_a() {
  t::DecoderSpec a;
  a.c = dor::Config{29, 16, 24, 2, 4, 2, 6, 1e-5, 10000.0f};
  a.max_positions = 600;
  a.name = "GQA hd=6";
  return a;
}

std::vector<float> row(const std::vector<float>& m, int r, int V) {
  return std::vector<float>(m.begin() + static_cast<size_t>(r) * V,
                            m.begin() + static_cast<size_t>(r + 1) * V);
}

std::vector<float> full_logits(mos_decoder_t dec, const std::vector<int>& tokens, int V) {
  const int32_t len = static_cast<int32_t>(tokens.size());
  mos_batch_t b{1, &len, tokens.data(), nullptr};
  std::vector<float> out(static_cast<size_t>(len) * V);
  T_OK(mos_decoder_logits(dec, &b, out.data()));
  return out;
}

// Prefill in chunks, then decode one token at a time, 40 tokens over three pages.
void cache_vs_recompute(uint64_t seed) {
  const t::DecoderSpec s = spec_a();
  t::DecoderFixture f(s, seed);
  const int V = s.c.V;
  t::RandomBatch rb(f.rng, {40}, V);
  const std::vector<float> full = full_logits(f.dec, rb.tokens, V);
  const dor::Vec oracle = dor::logits(s.c, f.w, f.adapters(), rb.lengths, rb.tokens);
  mos_kv_cache_t cache = nullptr;
  T_OK(mos_kv_cache_create(f.dec, 100, &cache));
  int32_t id = -1;
  T_OK(mos_kv_cache_add_sequence(cache, &id));
  const int chunks[] = {7, 10, 1, 1, 5};
  int at = 0;
  std::vector<float> logits(V);
  auto run = [&](int n) {
    mos_step_t st{1, &id, &n, rb.tokens.data() + at, nullptr};
    T_OK(mos_decoder_step(f.dec, cache, nullptr, &st, logits.data()));
    at += n;
    const std::string what = "step ending at position " + std::to_string(at - 1);
    t::close((what + " vs full recomputation").c_str(), logits, t::to_double(row(full, at - 1, V)),
             MOS_TOL_F32_DECODER_LOGITS, seed, t::shape(1, V));
    const dor::Vec ref(oracle.begin() + static_cast<size_t>(at - 1) * V,
                       oracle.begin() + static_cast<size_t>(at) * V);
    t::close((what + " vs oracle").c_str(), logits, ref, MOS_TOL_F32_DECODER_LOGITS, seed,
             t::shape(1, V));
  };
  for (int n : chunks) run(n);
  while (at < 40) run(1);
  int32_t len = 0;
  T_OK(mos_kv_cache_sequence_length(cache, id, &len));
  T_CHECK(len == 40, "sequence length %d after 40 tokens", len);
  int64_t used = 0, cap = 0, free_tokens = 0;
  int32_t n = 0;
  T_OK(mos_kv_cache_usage(cache, &used, &cap, &free_tokens, &n));
  T_CHECK(used == 48 && cap == 112 && free_tokens == 64 && n == 1,
          "usage: used %lld, capacity %lld, free %lld, %d sequences (expected 48, 112, 64, 1)",
          (long long)used, (long long)cap, (long long)free_tokens, n);
  T_OK(mos_kv_cache_remove_sequence(cache, id));
  T_OK(mos_kv_cache_usage(cache, &used, nullptr, &free_tokens, &n));
  T_CHECK(used == 0 && free_tokens == 112 && n == 0, "after remove: used %lld, free %lld, %d seqs",
          (long long)used, (long long)free_tokens, n);
  T_OK(mos_kv_cache_free(cache));
}

// One step of three sequences with different new lengths == each sequence on its own.
void batch_vs_alone(uint64_t seed) {
  const t::DecoderSpec s = spec_a();
  t::DecoderFixture f(s, seed);
  const int V = s.c.V;
  t::RandomBatch rb(f.rng, {9, 4, 30}, V);
  const int starts[] = {0, 9, 13};
  const int plan[2][3] = {{5, 1, 17}, {1, 3, 13}};  // new tokens per sequence, per step
  mos_kv_cache_t together = nullptr, alone = nullptr;
  T_OK(mos_kv_cache_create(f.dec, 256, &together));
  T_OK(mos_kv_cache_create(f.dec, 256, &alone));
  int32_t ids_t[3], ids_a[3];
  for (int i = 0; i < 3; ++i) {
    T_OK(mos_kv_cache_add_sequence(together, &ids_t[i]));
    T_OK(mos_kv_cache_add_sequence(alone, &ids_a[i]));
  }
  int fed[3] = {0, 0, 0};
  for (const auto& step : plan) {
    std::vector<int> toks;
    int32_t lens[3];
    for (int i = 0; i < 3; ++i) {
      lens[i] = step[i];
      toks.insert(toks.end(), rb.tokens.begin() + starts[i] + fed[i],
                  rb.tokens.begin() + starts[i] + fed[i] + step[i]);
    }
    // The sequences in another order than their ids: the step follows seq_ids.
    const int32_t order_ids[3] = {ids_t[0], ids_t[1], ids_t[2]};
    mos_step_t st{3, order_ids, lens, toks.data(), nullptr};
    std::vector<float> both(3 * static_cast<size_t>(V));
    T_OK(mos_decoder_step(f.dec, together, nullptr, &st, both.data()));
    int at = 0;
    for (int i = 0; i < 3; ++i) {
      std::vector<float> one(V);
      mos_step_t st1{1, &ids_a[i], &lens[i], toks.data() + at, nullptr};
      T_OK(mos_decoder_step(f.dec, alone, nullptr, &st1, one.data()));
      t::close(("sequence " + std::to_string(i) + " in a mixed step vs alone").c_str(),
               row(both, i, V), t::to_double(one), MOS_TOL_F32_DECODER_LOGITS, seed,
               t::shape(1, V));
      at += lens[i];
      fed[i] += step[i];
    }
  }
  T_OK(mos_kv_cache_free(together));
  T_OK(mos_kv_cache_free(alone));
}

// Adapters from a bank, mixed in one step, vs the same pools attached to the decoder.
void bank_vs_attached(uint64_t seed) {
  t::DecoderSpec s = spec_a();
  t::DecoderFixture f(s, seed, /*attach=*/false);
  const int V = s.c.V;
  // Adapter 0: q, v and down_proj from the fixture's pools; adapter 1: gate_proj and o_proj.
  const int set0[] = {dor::kQ, dor::kV, dor::kDown}, set1[] = {dor::kGate, dor::kO};
  mos_bank_t bank = nullptr;
  T_OK(mos_bank_create(f.ctx, 0, &bank));
  int32_t a0 = -1, a1 = -1;
  {
    const char* names[3];
    mos_pool_t pools[3];
    for (int i = 0; i < 3; ++i) names[i] = t::proj_name(set0[i]), pools[i] = f.pools[set0[i]];
    T_OK(mos_bank_add(bank, 3, names, pools, &a0));
    for (int i = 0; i < 2; ++i) names[i] = t::proj_name(set1[i]), pools[i] = f.pools[set1[i]];
    T_OK(mos_bank_add(bank, 2, names, pools, &a1));
  }
  t::RandomBatch rb(f.rng, {6, 11, 3}, V);
  mos_kv_cache_t cache = nullptr;
  T_OK(mos_kv_cache_create(f.dec, 128, &cache));
  int32_t ids[3];
  for (int32_t& id : ids) T_OK(mos_kv_cache_add_sequence(cache, &id));
  const int32_t adapter_of[3] = {a0, -1, a1};
  const int32_t lens[3] = {6, 11, 3};
  mos_step_t st{3, ids, lens, rb.tokens.data(), adapter_of};
  std::vector<float> mixed(3 * static_cast<size_t>(V));
  T_OK(mos_decoder_step(f.dec, cache, bank, &st, mixed.data()));
  // References: the decoder with adapter i's pools attached, each sequence alone.
  const unsigned which[3] = {(1u << dor::kQ) | (1u << dor::kV) | (1u << dor::kDown), 0u,
                             (1u << dor::kGate) | (1u << dor::kO)};
  int at = 0;
  for (int i = 0; i < 3; ++i) {
    for (int p = 0; p < dor::kProj; ++p)
      T_OK(mos_decoder_attach_pool(f.dec, t::proj_name(p),
                                   (which[i] >> p & 1u) ? f.pools[p] : nullptr));
    const std::vector<int> toks(rb.tokens.begin() + at, rb.tokens.begin() + at + lens[i]);
    const std::vector<float> full = full_logits(f.dec, toks, V);
    t::close(("bank step, sequence " + std::to_string(i) + " vs its pools attached").c_str(),
             row(mixed, i, V), t::to_double(row(full, lens[i] - 1, V)), MOS_TOL_F32_DECODER_LOGITS,
             seed, t::shape(1, V));
    const dor::Vec ref = dor::logits(s.c, f.w, f.adapters(false, 0, 0, which[i]), {lens[i]}, toks);
    t::close(("bank step, sequence " + std::to_string(i) + " vs oracle").c_str(), row(mixed, i, V),
             dor::Vec(ref.end() - V, ref.end()), MOS_TOL_F32_DECODER_LOGITS, seed, t::shape(1, V));
    at += lens[i];
  }
  T_OK(mos_kv_cache_free(cache));
  T_OK(mos_bank_free(bank));
}

struct Stopper {
  int calls = 0;
  int stop_request = -1, stop_after = 0;
};
int32_t on_token(void* user, int32_t request, int32_t /*token*/) {
  Stopper* s = static_cast<Stopper*>(user);
  ++s->calls;
  return request == s->stop_request && --s->stop_after == 0 ? 1 : 0;
}

// Generation == full recomputation + mos_sample per token; batched == one at a time.
void generate_vs_recompute(uint64_t seed) {
  const t::DecoderSpec s = spec_a();
  t::DecoderFixture f(s, seed);
  const int V = s.c.V;
  t::RandomBatch prompts(f.rng, {520, 3, 9}, V);  // 520 > one prefill step's 512 tokens
  mos_sampling_t sampling[3] = {{0.0f, 0, 1.0f, 1}, {1.0f, 5, 0.9f, 2}, {0.7f, 0, 0.8f, 3}};
  const int max_new[3] = {6, 12, 9};
  std::vector<std::vector<int>> ref(3);
  int at = 0;
  for (int i = 0; i < 3; ++i) {
    std::vector<int> seq(prompts.tokens.begin() + at,
                         prompts.tokens.begin() + at + prompts.lengths[i]);
    at += prompts.lengths[i];
    for (int n = 0; n < max_new[i]; ++n) {
      const std::vector<float> lg = full_logits(f.dec, seq, V);
      int32_t tok = -1;
      T_OK(mos_sample(lg.data() + (seq.size() - 1) * V, V, &sampling[i], static_cast<uint64_t>(n),
                      &tok, nullptr));
      ref[i].push_back(tok);
      seq.push_back(tok);
    }
  }
  auto request = [&](int i, std::vector<int>& out, int offset) {
    mos_generate_request_t r{};
    r.prompt = prompts.tokens.data() + offset;
    r.prompt_length = prompts.lengths[i];
    r.max_new_tokens = max_new[i];
    r.sampling = sampling[i];
    r.adapter_id = -1;
    out.assign(static_cast<size_t>(max_new[i]), -1);
    r.out_tokens = out.data();
    return r;
  };
  const int offsets[3] = {0, 520, 523};
  std::vector<std::vector<int>> outs(3);
  mos_generate_request_t reqs[3];
  for (int i = 0; i < 3; ++i) reqs[i] = request(i, outs[i], offsets[i]);
  Stopper counter;
  T_OK(mos_decoder_generate(f.dec, nullptr, reqs, 3, on_token, &counter));
  T_CHECK(counter.calls == 6 + 12 + 9, "callback called %d times, expected 27", counter.calls);
  for (int i = 0; i < 3; ++i) {
    T_CHECK(reqs[i].out_length == max_new[i] && outs[i] == ref[i],
            "request %d: generated %d tokens, and they %s the recomputed ones", i,
            reqs[i].out_length, outs[i] == ref[i] ? "match" : "DIFFER from");
    std::vector<int> alone;
    mos_generate_request_t r = request(i, alone, offsets[i]);
    T_OK(mos_decoder_generate(f.dec, nullptr, &r, 1, nullptr, nullptr));
    T_CHECK(alone == outs[i], "request %d alone differs from the batched run", i);
  }
  // A stop id ends a request (and is kept); the callback can end another.
  std::vector<int> o1, o2;
  mos_generate_request_t two[2] = {request(1, o1, 520), request(2, o2, 523)};
  const int32_t stop = ref[1][3];
  two[0].stop_ids = &stop;
  two[0].num_stop_ids = 1;
  Stopper st;
  st.stop_request = 1;
  st.stop_after = 2;
  T_OK(mos_decoder_generate(f.dec, nullptr, two, 2, on_token, &st));
  int first_stop = 0;
  while (ref[1][first_stop] != stop) ++first_stop;
  T_CHECK(two[0].out_length == first_stop + 1 && o1[first_stop] == stop,
          "stop id %d: request ended after %d tokens, expected %d", stop, two[0].out_length,
          first_stop + 1);
  T_CHECK(two[1].out_length == 2, "callback stop after 2 tokens: request has %d",
          two[1].out_length);
}

}  // namespace

int main() {
  cache_vs_recompute(21);
  batch_vs_alone(22);
  bank_vs_attached(23);
  generate_vs_recompute(24);
  return t::report("test_decoder_inference");
}
