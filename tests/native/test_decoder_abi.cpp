// SPDX-License-Identifier: Apache-2.0
// test_decoder_abi: the decoder's C ABI contract: every refused argument or state returns its
// status with a message that starts with the function's name and names the problem, and a refused
// call writes nothing (outputs, KV cache, dropout state); F16 / BF16 / F32 weight sources agree;
// handles keep what they need alive; *_free(NULL) is a no-op.
#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

#include "decoder_fixture.h"

// The struct layouts java-bindings' BindingsStructTest holds the FFM layouts to.
static_assert(sizeof(mos_decoder_config_t) == 76 &&
                  offsetof(mos_decoder_config_t, max_positions) == 28 &&
                  offsetof(mos_decoder_config_t, rms_norm_eps) == 32 &&
                  offsetof(mos_decoder_config_t, rope_type) == 40 &&
                  offsetof(mos_decoder_config_t, rope_original_max_positions) == 56 &&
                  offsetof(mos_decoder_config_t, tie_word_embeddings) == 68 &&
                  offsetof(mos_decoder_config_t, weight_dtype) == 72,
              "mos_decoder_config_t layout");
static_assert(sizeof(mos_batch_t) == 32 && offsetof(mos_batch_t, lengths) == 8 &&
                  offsetof(mos_batch_t, targets) == 24,
              "mos_batch_t layout");
static_assert(sizeof(mos_step_t) == 40 && offsetof(mos_step_t, seq_ids) == 8 &&
                  offsetof(mos_step_t, adapter_ids) == 32,
              "mos_step_t layout");
static_assert(sizeof(mos_sampling_t) == 24 && offsetof(mos_sampling_t, top_k) == 4 &&
                  offsetof(mos_sampling_t, top_p) == 8 && offsetof(mos_sampling_t, seed) == 16,
              "mos_sampling_t layout");
static_assert(sizeof(mos_generate_request_t) == 72 &&
                  offsetof(mos_generate_request_t, prompt_length) == 8 &&
                  offsetof(mos_generate_request_t, max_new_tokens) == 12 &&
                  offsetof(mos_generate_request_t, sampling) == 16 &&
                  offsetof(mos_generate_request_t, stop_ids) == 40 &&
                  offsetof(mos_generate_request_t, num_stop_ids) == 48 &&
                  offsetof(mos_generate_request_t, adapter_id) == 52 &&
                  offsetof(mos_generate_request_t, out_tokens) == 56 &&
                  offsetof(mos_generate_request_t, out_length) == 64,
              "mos_generate_request_t layout");

namespace {

#define T_MSG(needle)                                                                      \
  T_CHECK(std::strstr(mos_last_error(), needle) != nullptr, "message \"%s\" lacks \"%s\"", \
          mos_last_error(), needle)

t::DecoderSpec tiny() {
  t::DecoderSpec s;
  s.c = dor::Config{19, 8, 12, 2, 2, 1, 4, 1e-5, 10000.0f};
  s.max_positions = 20;
  s.r = 2, s.R = 1, s.p = 0, s.l = 2;
  return s;
}

void config_checks() {
  const mos_decoder_config_t good = t::decoder_config(tiny());
  T_OK(mos_decoder_config_validate(&good));
  T_STATUS(mos_decoder_config_validate(nullptr), MOS_STATUS_NULL_POINTER,
           "mos_decoder_config_validate");
  struct Bad {
    const char* field;
    void (*edit)(mos_decoder_config_t&);
  } bad[] = {
      {"vocab_size", [](mos_decoder_config_t& c) { c.vocab_size = 0; }},
      {"hidden_size", [](mos_decoder_config_t& c) { c.hidden_size = -3; }},
      {"intermediate_size", [](mos_decoder_config_t& c) { c.intermediate_size = 0; }},
      {"num_layers", [](mos_decoder_config_t& c) { c.num_layers = 0; }},
      {"num_heads", [](mos_decoder_config_t& c) { c.num_heads = 0; }},
      {"num_kv_heads", [](mos_decoder_config_t& c) { c.num_kv_heads = 0; }},
      {"num_kv_heads",
       [](mos_decoder_config_t& c) {
         c.num_heads = 3;
         c.num_kv_heads = 2;
       }},
      {"head_dim", [](mos_decoder_config_t& c) { c.head_dim = 5; }},
      {"max_positions", [](mos_decoder_config_t& c) { c.max_positions = 0; }},
      {"rms_norm_eps", [](mos_decoder_config_t& c) { c.rms_norm_eps = 0.0f; }},
      {"rms_norm_eps", [](mos_decoder_config_t& c) { c.rms_norm_eps = NAN; }},
      {"rope_theta", [](mos_decoder_config_t& c) { c.rope_theta = -1.0f; }},
      {"rope_type",
       [](mos_decoder_config_t& c) {
         int v = 7;
         std::memcpy(&c.rope_type, &v, sizeof v);
       }},
      {"rope_factor",
       [](mos_decoder_config_t& c) {
         c.rope_type = MOS_ROPE_LLAMA3;
         c.rope_factor = 0;
         c.rope_low_freq_factor = 1;
         c.rope_high_freq_factor = 4;
         c.rope_original_max_positions = 8;
       }},
      {"rope_high_freq_factor",
       [](mos_decoder_config_t& c) {
         c.rope_type = MOS_ROPE_LLAMA3;
         c.rope_factor = 8;
         c.rope_low_freq_factor = 4;
         c.rope_high_freq_factor = 4;
         c.rope_original_max_positions = 8;
       }},
      {"rope_original_max_positions",
       [](mos_decoder_config_t& c) {
         c.rope_type = MOS_ROPE_LLAMA3;
         c.rope_factor = 8;
         c.rope_low_freq_factor = 1;
         c.rope_high_freq_factor = 4;
         c.rope_original_max_positions = 0;
       }},
      {"qkv_bias", [](mos_decoder_config_t& c) { c.qkv_bias = 2; }},
      {"o_bias", [](mos_decoder_config_t& c) { c.o_bias = -1; }},
      {"tie_word_embeddings", [](mos_decoder_config_t& c) { c.tie_word_embeddings = 3; }},
      {"weight_dtype", [](mos_decoder_config_t& c) { c.weight_dtype = MOS_DTYPE_F16; }},
      {"weight_dtype", [](mos_decoder_config_t& c) { c.weight_dtype = MOS_DTYPE_I32; }},
  };
  mos_context_t ctx = nullptr;
  T_OK(mos_context_create(MOS_BACKEND_CPU, 0, &ctx));
  for (const Bad& b : bad) {
    mos_decoder_config_t c = good;
    b.edit(c);
    T_STATUS(mos_decoder_config_validate(&c), MOS_STATUS_INVALID_ARGUMENT,
             "mos_decoder_config_validate");
    T_MSG(b.field);
    mos_decoder_t d = reinterpret_cast<mos_decoder_t>(0x1);
    T_STATUS(mos_decoder_create(ctx, &c, &d), MOS_STATUS_INVALID_ARGUMENT, "mos_decoder_create");
    T_CHECK(d == reinterpret_cast<mos_decoder_t>(0x1), "a refused create wrote *out");
  }
  mos_decoder_t d = nullptr;
  T_STATUS(mos_decoder_create(nullptr, &good, &d), MOS_STATUS_NULL_POINTER, "mos_decoder_create");
  T_STATUS(mos_decoder_create(ctx, nullptr, &d), MOS_STATUS_NULL_POINTER, "mos_decoder_create");
  T_STATUS(mos_decoder_create(ctx, &good, nullptr), MOS_STATUS_NULL_POINTER, "mos_decoder_create");
  // Far more weights than any machine holds: refused before allocating.
  mos_decoder_config_t huge = good;
  huge.vocab_size = 2000000000;
  huge.hidden_size = 1 << 20;
  T_STATUS(mos_decoder_create(ctx, &huge, &d), MOS_STATUS_OUT_OF_MEMORY, "mos_decoder_create");
  T_MSG("the decoder's weights");
  T_OK(mos_decoder_free(nullptr));
  T_OK(mos_kv_cache_free(nullptr));
  mos_tensor_t tensor = nullptr;
  T_STATUS(mos_tensor_create(ctx, MOS_DTYPE_F16, 2, 2, &tensor), MOS_STATUS_INVALID_ARGUMENT,
           "mos_tensor_create");
  T_MSG("source dtype");
  T_OK(mos_context_free(ctx));
}

void weight_checks() {
  t::DecoderSpec s = tiny();
  s.c.tied = true;
  t::DecoderFixture f(s, 3);
  std::vector<float> v(12 * 8, 0.5f);
  T_STATUS(mos_decoder_set_weight(f.dec, "model.layers.0.mlp.up_prj.weight", MOS_DTYPE_F32, 12, 8,
                                  v.data()),
           MOS_STATUS_INVALID_ARGUMENT, "mos_decoder_set_weight");
  T_MSG("unknown weight name 'model.layers.0.mlp.up_prj.weight'");
  T_MSG("expected");
  T_STATUS(mos_decoder_set_weight(f.dec, "model.layers.2.mlp.up_proj.weight", MOS_DTYPE_F32, 12, 8,
                                  v.data()),
           MOS_STATUS_INVALID_ARGUMENT, "mos_decoder_set_weight");
  T_STATUS(mos_decoder_set_weight(f.dec, "lm_head.weight", MOS_DTYPE_F32, 19, 8, v.data()),
           MOS_STATUS_INVALID_ARGUMENT, "mos_decoder_set_weight");
  T_MSG("tie_word_embeddings");
  T_STATUS(mos_decoder_set_weight(f.dec, "model.layers.0.self_attn.q_proj.bias", MOS_DTYPE_F32, 1,
                                  8, v.data()),
           MOS_STATUS_INVALID_ARGUMENT, "mos_decoder_set_weight");
  T_MSG("qkv_bias");
  T_STATUS(mos_decoder_set_weight(f.dec, "model.layers.0.mlp.up_proj.weight", MOS_DTYPE_F32, 8, 12,
                                  v.data()),
           MOS_STATUS_SHAPE_MISMATCH, "mos_decoder_set_weight");
  T_MSG("[8 x 12] but the decoder expects [12 x 8]");
  T_STATUS(mos_decoder_set_weight(f.dec, "model.norm.weight", MOS_DTYPE_F32, 8, 1, v.data()),
           MOS_STATUS_SHAPE_MISMATCH, "mos_decoder_set_weight");
  T_MSG("rows = 1");
  T_STATUS(mos_decoder_set_weight(f.dec, "model.norm.weight", MOS_DTYPE_I32, 1, 8, v.data()),
           MOS_STATUS_INVALID_ARGUMENT, "mos_decoder_set_weight");
  T_STATUS(mos_decoder_set_weight(f.dec, nullptr, MOS_DTYPE_F32, 1, 8, v.data()),
           MOS_STATUS_NULL_POINTER, "mos_decoder_set_weight");
  T_STATUS(mos_decoder_set_weight(f.dec, "model.norm.weight", MOS_DTYPE_F32, 1, 8, nullptr),
           MOS_STATUS_NULL_POINTER, "mos_decoder_set_weight");
  T_STATUS(mos_decoder_set_weight(nullptr, "model.norm.weight", MOS_DTYPE_F32, 1, 8, v.data()),
           MOS_STATUS_NULL_POINTER, "mos_decoder_set_weight");
  // The list of expected weights, for loaders.
  int32_t count = 0;
  T_OK(mos_decoder_weight_count(f.dec, &count));
  T_CHECK(count == 1 + 2 * (2 + 7) + 1, "weight_count %d, expected 20 (tied)", count);
  char name[8];
  int64_t rows = 0, cols = 0;
  int32_t set = -1;
  T_OK(mos_decoder_weight_info(f.dec, 0, name, sizeof name, &rows, &cols, &set));
  T_CHECK(std::strcmp(name, "model.e") == 0 && rows == 19 && cols == 8 && set == 1,
          "weight 0: '%s' [%lld x %lld] set %d", name, (long long)rows, (long long)cols, set);
  T_OK(mos_decoder_weight_info(f.dec, count - 1, nullptr, 0, nullptr, nullptr, nullptr));
  T_STATUS(mos_decoder_weight_info(f.dec, count, name, sizeof name, &rows, &cols, &set),
           MOS_STATUS_INDEX_OUT_OF_RANGE, "mos_decoder_weight_info");
  T_STATUS(mos_decoder_weight_count(f.dec, nullptr), MOS_STATUS_NULL_POINTER,
           "mos_decoder_weight_count");
  mos_decoder_config_t back{};
  T_OK(mos_decoder_get_config(f.dec, &back));
  const mos_decoder_config_t want = t::decoder_config(s);
  T_CHECK(std::memcmp(&back, &want, sizeof back) == 0,
          "mos_decoder_get_config differs from the config given");

  // A weight never set: the first use names it.
  mos_decoder_t fresh = nullptr;
  T_OK(mos_decoder_create(f.ctx, &want, &fresh));
  const int32_t len = 3, toks[3] = {1, 2, 3}, tg[3] = {2, 3, -1};
  mos_batch_t b{1, &len, toks, tg};
  double sum = -7;
  int64_t n = -7;
  T_STATUS(mos_decoder_loss(fresh, &b, 0, 1.0f, &sum, &n), MOS_STATUS_INVALID_STATE,
           "mos_decoder_loss");
  T_MSG("'model.embed_tokens.weight' was never set");
  T_CHECK(sum == -7 && n == -7, "a refused loss wrote its outputs");
  std::vector<float> logits(3 * 19, 5.0f);
  T_STATUS(mos_decoder_logits(fresh, &b, logits.data()), MOS_STATUS_INVALID_STATE,
           "mos_decoder_logits");
  T_OK(mos_decoder_set_weight(fresh, "model.embed_tokens.weight", MOS_DTYPE_F32, 19, 8,
                              std::vector<float>(19 * 8, 0.1f).data()));
  T_STATUS(mos_decoder_logits(fresh, &b, logits.data()), MOS_STATUS_INVALID_STATE,
           "mos_decoder_logits");
  T_MSG("'model.layers.0.input_layernorm.weight' was never set");
  T_CHECK(logits[0] == 5.0f, "a refused logits call wrote logits");
  mos_kv_cache_t cache = nullptr;
  T_OK(mos_kv_cache_create(fresh, 16, &cache));
  int32_t id = -1;
  T_OK(mos_kv_cache_add_sequence(cache, &id));
  mos_step_t st{1, &id, &len, toks, nullptr};
  T_STATUS(mos_decoder_step(fresh, cache, nullptr, &st, logits.data()), MOS_STATUS_INVALID_STATE,
           "mos_decoder_step");
  int32_t out[2];
  mos_generate_request_t r{};
  r.prompt = toks;
  r.prompt_length = 3;
  r.max_new_tokens = 2;
  r.sampling.top_p = 1.0f;
  r.adapter_id = -1;
  r.out_tokens = out;
  T_STATUS(mos_decoder_generate(fresh, nullptr, &r, 1, nullptr, nullptr), MOS_STATUS_INVALID_STATE,
           "mos_decoder_generate");
  T_OK(mos_kv_cache_free(cache));
  T_OK(mos_decoder_free(fresh));
}

// F16 and BF16 sources give the same model as F32 ones: an F16 source is widened exactly (F32
// storage: values with 10 mantissa bits and an F16 subnormal stay exact) and then rounded like
// an F32 source (BF16 storage); a BF16 source of bf16 values is exact in both.
void source_dtypes() {
  for (mos_dtype_t storage : {MOS_DTYPE_F32, MOS_DTYPE_BF16}) {
    t::DecoderSpec s = tiny();
    s.storage = storage;
    s.adapted = 0;
    t::DecoderFixture f(s, 5);
    t::RandomBatch rb(f.rng, {5}, s.c.V);
    mos_batch_t batch = rb.batch(false);
    std::vector<float> ref(5 * 19), got(5 * 19);
    std::vector<float> w(12 * 8), wb(w.size());
    std::vector<uint16_t> h16(w.size()), b16(w.size());
    for (size_t e = 0; e < w.size(); ++e) {
      const int k = static_cast<int>(e * 37 % 2047) - 1023;  // k / 1024: up to 11 significant bits
      w[e] = e == 5 ? std::ldexp(1.0f, -24) : k / 1024.0f;
      if (e == 5) {
        h16[e] = 0x0001;  // 2^-24, the smallest f16 subnormal
      } else if (k == 0) {
        h16[e] = 0;
      } else {
        int ex = 0;
        const float m = std::frexp(std::fabs(w[e]), &ex);  // |w| = m 2^ex, m in [0.5, 1)
        h16[e] = static_cast<uint16_t>((w[e] < 0 ? 0x8000 : 0) | ((ex - 1 + 15) << 10) |
                                       static_cast<uint16_t>(std::lround((m * 2 - 1) * 1024)));
      }
      b16[e] = t::to_bf16(w[e]);
      wb[e] = t::from_bf16(b16[e]);
    }
    const char* storage_name = storage == MOS_DTYPE_F32 ? "F32" : "BF16";
    const char* name = "model.layers.1.mlp.gate_proj.weight";
    T_OK(mos_decoder_set_weight(f.dec, name, MOS_DTYPE_F32, 12, 8, w.data()));
    T_OK(mos_decoder_logits(f.dec, &batch, ref.data()));
    T_OK(mos_decoder_set_weight(f.dec, name, MOS_DTYPE_F16, 12, 8, h16.data()));
    T_OK(mos_decoder_logits(f.dec, &batch, got.data()));
    T_CHECK(got == ref, "%s storage: an F16 source gave other logits than F32", storage_name);
    T_OK(mos_decoder_set_weight(f.dec, name, MOS_DTYPE_F32, 12, 8, wb.data()));
    T_OK(mos_decoder_logits(f.dec, &batch, ref.data()));
    T_OK(mos_decoder_set_weight(f.dec, name, MOS_DTYPE_BF16, 12, 8, b16.data()));
    T_OK(mos_decoder_logits(f.dec, &batch, got.data()));
    T_CHECK(got == ref, "%s storage: a BF16 source gave other logits than F32", storage_name);
  }
}

void adapter_and_compute_checks() {
  t::DecoderFixture f(tiny(), 7);
  mos_pool_t wrong = nullptr, wrong_l = nullptr, unset = nullptr;
  T_OK(mos_pool_create(f.ctx,
                       t::config({.d_in = 8,
                                  .d_out = 4,
                                  .num_blocks = 2,
                                  .rank = 2,
                                  .equivalent_rank = 1,
                                  .private_rank = 0,
                                  .shards_per_vector = 2,
                                  .alpha = 4.0f,
                                  .dropout = 0.0f}),
                       &wrong));  // q_proj is 8 -> 8
  T_OK(mos_pool_create(f.ctx,
                       t::config({.d_in = 8,
                                  .d_out = 8,
                                  .num_blocks = 3,
                                  .rank = 2,
                                  .equivalent_rank = 1,
                                  .private_rank = 0,
                                  .shards_per_vector = 2,
                                  .alpha = 4.0f,
                                  .dropout = 0.0f}),
                       &wrong_l));  // L = 3
  T_OK(mos_pool_create(f.ctx,
                       t::config({.d_in = 8,
                                  .d_out = 8,
                                  .num_blocks = 2,
                                  .rank = 2,
                                  .equivalent_rank = 1,
                                  .private_rank = 0,
                                  .shards_per_vector = 2,
                                  .alpha = 4.0f,
                                  .dropout = 0.0f}),
                       &unset));  // indices unset
  T_STATUS(mos_decoder_attach_pool(f.dec, "q_porj", f.pools[0]), MOS_STATUS_INVALID_ARGUMENT,
           "mos_decoder_attach_pool");
  T_MSG("unknown projection 'q_porj'");
  T_STATUS(mos_decoder_attach_pool(f.dec, "q_proj", wrong), MOS_STATUS_SHAPE_MISMATCH,
           "mos_decoder_attach_pool");
  T_MSG("8 -> 4");
  T_STATUS(mos_decoder_attach_pool(f.dec, "q_proj", wrong_l), MOS_STATUS_SHAPE_MISMATCH,
           "mos_decoder_attach_pool");
  T_MSG("L = 3");
  T_STATUS(mos_decoder_attach_pool(f.dec, nullptr, wrong), MOS_STATUS_NULL_POINTER,
           "mos_decoder_attach_pool");
  mos_context_t other = nullptr;
  mos_pool_t foreign = nullptr;
  T_OK(mos_context_create(MOS_BACKEND_CPU, 0, &other));
  T_OK(mos_pool_create(other,
                       t::config({.d_in = 8,
                                  .d_out = 8,
                                  .num_blocks = 2,
                                  .rank = 2,
                                  .equivalent_rank = 1,
                                  .private_rank = 0,
                                  .shards_per_vector = 2,
                                  .alpha = 4.0f,
                                  .dropout = 0.0f}),
                       &foreign));
  T_STATUS(mos_decoder_attach_pool(f.dec, "q_proj", foreign), MOS_STATUS_INVALID_ARGUMENT,
           "mos_decoder_attach_pool");
  T_MSG("another context");
  T_OK(mos_decoder_attach_pool(f.dec, "q_proj", unset));
  t::RandomBatch rb(f.rng, {4, 6}, 19);
  mos_batch_t b = rb.batch(true);
  double sum = -1;
  int64_t n = -1;
  T_STATUS(mos_decoder_loss(f.dec, &b, 1, 1.0f, &sum, &n), MOS_STATUS_INVALID_STATE,
           "mos_decoder_loss");
  T_MSG("q_proj");
  T_MSG("never set");
  T_OK(mos_decoder_attach_pool(f.dec, "q_proj", f.pools[0]));
  // The decoder keeps an attached pool alive.
  mos_pool_free(f.pools[0]);
  f.pools[0] = nullptr;

  // Batches.
  uint64_t dseed = 0, dctr = 0;
  T_OK(mos_decoder_set_dropout_state(f.dec, 5, 9));
  T_STATUS(mos_decoder_loss(f.dec, nullptr, 0, 1.0f, &sum, &n), MOS_STATUS_NULL_POINTER,
           "mos_decoder_loss");
  T_STATUS(mos_decoder_loss(f.dec, &b, 0, 1.0f, nullptr, &n), MOS_STATUS_NULL_POINTER,
           "mos_decoder_loss");
  T_STATUS(mos_decoder_loss(f.dec, &b, 0, 1.0f, &sum, nullptr), MOS_STATUS_NULL_POINTER,
           "mos_decoder_loss");
  auto refused = [&](mos_batch_t bad, mos_status_t st, const char* needle, int backward = 1) {
    T_STATUS(mos_decoder_loss(f.dec, &bad, backward, 1.0f, &sum, &n), st, "mos_decoder_loss");
    T_MSG(needle);
  };
  mos_batch_t bad = b;
  bad.num_seqs = 0;
  refused(bad, MOS_STATUS_INVALID_ARGUMENT, "num_seqs");
  bad = b;
  bad.lengths = nullptr;
  refused(bad, MOS_STATUS_NULL_POINTER, "lengths");
  bad = b;
  bad.tokens = nullptr;
  refused(bad, MOS_STATUS_NULL_POINTER, "tokens");
  const int32_t zero_len[2] = {4, 0}, long_len[2] = {4, 21};
  bad = b;
  bad.lengths = zero_len;
  refused(bad, MOS_STATUS_INVALID_ARGUMENT, "lengths[1] = 0");
  bad.lengths = long_len;
  refused(bad, MOS_STATUS_INVALID_ARGUMENT, "max_positions = 20");
  std::vector<int> toks = rb.tokens, tg = rb.targets;
  toks[7] = 19;
  bad = b;
  bad.tokens = toks.data();
  refused(bad, MOS_STATUS_INVALID_ARGUMENT, "tokens[7] = 19");
  toks[7] = -1;
  refused(bad, MOS_STATUS_INVALID_ARGUMENT, "tokens[7] = -1");
  tg[2] = 19;
  bad = b;
  bad.targets = tg.data();
  refused(bad, MOS_STATUS_INVALID_ARGUMENT, "targets[2] = 19");
  bad = b;
  bad.targets = nullptr;
  refused(bad, MOS_STATUS_INVALID_ARGUMENT, "needs targets");
  T_STATUS(mos_decoder_loss(f.dec, &b, 1, NAN, &sum, &n), MOS_STATUS_INVALID_ARGUMENT,
           "mos_decoder_loss");
  T_CHECK(sum == -1 && n == -1, "refused losses wrote their outputs");
  T_OK(mos_decoder_get_dropout_state(f.dec, &dseed, &dctr));
  T_CHECK(dseed == 5 && dctr == 9, "refused losses moved the dropout counter to %llu",
          (unsigned long long)dctr);
  T_STATUS(mos_decoder_get_dropout_state(f.dec, nullptr, &dctr), MOS_STATUS_NULL_POINTER,
           "mos_decoder_get_dropout_state");
  T_OK(mos_decoder_loss(f.dec, &b, 1, 1.0f, &sum, &n));  // without a target anywhere but fine
  std::vector<float> lg(10 * 19);
  T_STATUS(mos_decoder_logits(f.dec, &b, nullptr), MOS_STATUS_NULL_POINTER, "mos_decoder_logits");
  T_STATUS(mos_decoder_set_recompute(f.dec, 2), MOS_STATUS_INVALID_ARGUMENT,
           "mos_decoder_set_recompute");

  // Merge: once, then unmerge; nothing about the pools may change meanwhile, training is refused.
  T_STATUS(mos_decoder_unmerge(f.dec), MOS_STATUS_INVALID_STATE, "mos_decoder_unmerge");
  T_OK(mos_decoder_merge(f.dec));
  T_STATUS(mos_decoder_merge(f.dec), MOS_STATUS_INVALID_STATE, "mos_decoder_merge");
  T_STATUS(mos_decoder_attach_pool(f.dec, "k_proj", nullptr), MOS_STATUS_INVALID_STATE,
           "mos_decoder_attach_pool");
  T_STATUS(mos_decoder_loss(f.dec, &b, 1, 1.0f, &sum, &n), MOS_STATUS_INVALID_STATE,
           "mos_decoder_loss");
  T_MSG("merged");
  std::vector<float> w(8 * 8, 0.0f);
  T_STATUS(mos_decoder_set_weight(f.dec, "model.layers.0.self_attn.q_proj.weight", MOS_DTYPE_F32, 8,
                                  8, w.data()),
           MOS_STATUS_INVALID_STATE, "mos_decoder_set_weight");
  T_OK(mos_decoder_loss(f.dec, &b, 0, 1.0f, &sum, &n));  // evaluation is fine merged
  T_OK(mos_decoder_unmerge(f.dec));
  T_OK(mos_decoder_loss(f.dec, &b, 1, 1.0f, &sum, &n));

  mos_pool_free(wrong);
  mos_pool_free(wrong_l);
  mos_pool_free(unset);
  mos_pool_free(foreign);
  T_OK(mos_context_free(other));
}

void cache_and_step_checks() {
  t::DecoderFixture f(tiny(), 9);
  t::DecoderFixture g(tiny(), 10);
  mos_kv_cache_t cache = nullptr, foreign = nullptr;
  T_STATUS(mos_kv_cache_create(f.dec, 0, &cache), MOS_STATUS_INVALID_ARGUMENT,
           "mos_kv_cache_create");
  T_STATUS(mos_kv_cache_create(nullptr, 16, &cache), MOS_STATUS_NULL_POINTER,
           "mos_kv_cache_create");
  T_STATUS(mos_kv_cache_create(f.dec, int64_t{1} << 62, &cache), MOS_STATUS_INVALID_ARGUMENT,
           "mos_kv_cache_create");
  T_STATUS(mos_kv_cache_create(f.dec, int64_t{1} << 34, &cache), MOS_STATUS_OUT_OF_MEMORY,
           "mos_kv_cache_create");
  int64_t per_token = 0;
  T_OK(mos_kv_cache_bytes_per_token(f.dec, &per_token));
  T_CHECK(per_token == 2 * 2 * 1 * 4 * 4, "bytes per token %lld, expected 64",
          (long long)per_token);
  T_OK(mos_kv_cache_create(f.dec, 32, &cache));  // two pages
  T_OK(mos_kv_cache_create(g.dec, 32, &foreign));
  int32_t a = -1, b = -1, c = -1;
  T_OK(mos_kv_cache_add_sequence(cache, &a));
  T_OK(mos_kv_cache_add_sequence(cache, &b));
  T_OK(mos_kv_cache_add_sequence(foreign, &c));
  T_STATUS(mos_kv_cache_add_sequence(cache, nullptr), MOS_STATUS_NULL_POINTER,
           "mos_kv_cache_add_sequence");
  std::vector<int32_t> toks(20, 3);
  std::vector<float> logits(2 * 19, 7.0f);
  int32_t n17 = 17;
  mos_step_t st{1, &a, &n17, toks.data(), nullptr};
  T_OK(mos_decoder_step(f.dec, cache, nullptr, &st, logits.data()));  // a holds 17: two pages
  auto refused = [&](mos_step_t s, mos_status_t status, const char* needle,
                     mos_kv_cache_t on = nullptr, mos_bank_t bank = nullptr) {
    std::vector<float> before = logits;
    int64_t used0 = 0, used1 = 0;
    T_OK(mos_kv_cache_usage(cache, &used0, nullptr, nullptr, nullptr));
    T_STATUS(mos_decoder_step(f.dec, on ? on : cache, bank, &s, logits.data()), status,
             "mos_decoder_step");
    T_MSG(needle);
    T_OK(mos_kv_cache_usage(cache, &used1, nullptr, nullptr, nullptr));
    int32_t la = -1;
    T_OK(mos_kv_cache_sequence_length(cache, a, &la));
    T_CHECK(logits == before && used0 == used1 && la == 17,
            "a refused step changed something "
            "(logits %s, used %lld -> %lld, length %d)",
            logits == before ? "same" : "written", (long long)used0, (long long)used1, la);
  };
  int32_t one = 1, zero = 0, four = 4;
  int32_t both[2] = {a, b}, twice[2] = {a, a}, lens2[2] = {1, 1};
  refused(mos_step_t{1, &b, &n17, toks.data(), nullptr}, MOS_STATUS_OUT_OF_MEMORY, "0 free of 2",
          nullptr);
  refused(mos_step_t{2, twice, lens2, toks.data(), nullptr}, MOS_STATUS_INVALID_ARGUMENT,
          "listed twice");
  int32_t gone = 99;
  refused(mos_step_t{1, &gone, &one, toks.data(), nullptr}, MOS_STATUS_INVALID_ARGUMENT,
          "sequence 99");
  refused(mos_step_t{1, &a, &zero, toks.data(), nullptr}, MOS_STATUS_INVALID_ARGUMENT,
          "lengths[0] = 0");
  refused(mos_step_t{1, &a, &four, toks.data(), nullptr}, MOS_STATUS_INVALID_ARGUMENT,
          "max_positions is 20");
  refused(mos_step_t{0, &a, &one, toks.data(), nullptr}, MOS_STATUS_INVALID_ARGUMENT, "num_seqs");
  refused(mos_step_t{1, nullptr, &one, toks.data(), nullptr}, MOS_STATUS_NULL_POINTER, "seq_ids");
  refused(mos_step_t{1, &a, nullptr, toks.data(), nullptr}, MOS_STATUS_NULL_POINTER, "lengths");
  refused(mos_step_t{1, &a, &one, nullptr, nullptr}, MOS_STATUS_NULL_POINTER, "tokens");
  std::vector<int32_t> bad_tok = {19};
  refused(mos_step_t{1, &a, &one, bad_tok.data(), nullptr}, MOS_STATUS_INVALID_ARGUMENT,
          "tokens[0] = 19");
  refused(mos_step_t{1, &c, &one, toks.data(), nullptr}, MOS_STATUS_INVALID_ARGUMENT,
          "another decoder", foreign);
  const int32_t ids_named[2] = {0, -1}, ids_bad[2] = {-2, -1};
  refused(mos_step_t{2, both, lens2, toks.data(), ids_named}, MOS_STATUS_NULL_POINTER,
          "bank is NULL");
  refused(mos_step_t{2, both, lens2, toks.data(), ids_bad}, MOS_STATUS_INVALID_ARGUMENT,
          "adapter_ids[0] = -2");
  // A bank: an unknown adapter id, then an adapter whose q_proj does not fit this decoder.
  mos_bank_t bank = nullptr;
  T_OK(mos_bank_create(f.ctx, 0, &bank));
  const int32_t ids_unknown[2] = {3, -1};
  refused(mos_step_t{2, both, lens2, toks.data(), ids_unknown}, MOS_STATUS_INVALID_ARGUMENT,
          "adapter_ids[0]", nullptr, bank);
  mos_pool_t odd = nullptr;
  T_OK(mos_pool_create(f.ctx,
                       t::config({.d_in = 8,
                                  .d_out = 4,
                                  .num_blocks = 2,
                                  .rank = 2,
                                  .equivalent_rank = 1,
                                  .private_rank = 0,
                                  .shards_per_vector = 2,
                                  .alpha = 4.0f,
                                  .dropout = 0.0f}),
                       &odd));
  T_OK(mos_pool_generate_indices(odd, 1));
  const char* qn = "q_proj";
  int32_t bad_adapter = -1;
  T_OK(mos_bank_add(bank, 1, &qn, &odd, &bad_adapter));
  const int32_t ids_odd[2] = {bad_adapter, -1};
  refused(mos_step_t{2, both, lens2, toks.data(), ids_odd}, MOS_STATUS_SHAPE_MISMATCH, "q_proj",
          nullptr, bank);
  T_STATUS(mos_decoder_step(f.dec, cache, nullptr, &st, nullptr), MOS_STATUS_NULL_POINTER,
           "mos_decoder_step");
  T_STATUS(mos_decoder_step(f.dec, nullptr, nullptr, &st, logits.data()), MOS_STATUS_NULL_POINTER,
           "mos_decoder_step");
  // Sequences: removal frees the pages for others; removed ids stay unknown.
  T_OK(mos_kv_cache_remove_sequence(cache, a));
  T_STATUS(mos_kv_cache_remove_sequence(cache, a), MOS_STATUS_INVALID_ARGUMENT,
           "mos_kv_cache_remove_sequence");
  T_MSG("was removed");
  int32_t len = -1;
  T_STATUS(mos_kv_cache_sequence_length(cache, a, &len), MOS_STATUS_INVALID_ARGUMENT,
           "mos_kv_cache_sequence_length");
  T_STATUS(mos_kv_cache_sequence_length(cache, 12345, &len), MOS_STATUS_INVALID_ARGUMENT,
           "mos_kv_cache_sequence_length");
  T_MSG("not a sequence");
  mos_step_t stb{1, &b, &n17, toks.data(), nullptr};
  T_OK(mos_decoder_step(f.dec, cache, nullptr, &stb, logits.data()));
  // The cache keeps the decoder alive after its handle is gone.
  mos_kv_cache_t kept = nullptr;
  mos_decoder_t extra = nullptr;
  const mos_decoder_config_t cfg = t::decoder_config(tiny());
  T_OK(mos_decoder_create(f.ctx, &cfg, &extra));
  T_OK(mos_kv_cache_create(extra, 16, &kept));
  T_OK(mos_decoder_free(extra));
  int32_t ns = -1;
  T_OK(mos_kv_cache_usage(kept, nullptr, nullptr, nullptr, &ns));
  T_CHECK(ns == 0, "usage of a cache whose decoder handle was freed: %d sequences", ns);
  T_OK(mos_kv_cache_free(kept));
  mos_pool_free(odd);
  T_OK(mos_bank_free(bank));
  T_OK(mos_kv_cache_free(cache));
  T_OK(mos_kv_cache_free(foreign));
}

void generate_checks() {
  t::DecoderFixture f(tiny(), 11);
  const int32_t prompt[3] = {1, 2, 3};
  int32_t out[4] = {-5, -5, -5, -5};
  auto base = [&]() {
    mos_generate_request_t r{};
    r.prompt = prompt;
    r.prompt_length = 3;
    r.max_new_tokens = 4;
    r.sampling = mos_sampling_t{0.0f, 0, 1.0f, 0};
    r.adapter_id = -1;
    r.out_tokens = out;
    return r;
  };
  auto refused = [&](mos_generate_request_t r, mos_status_t st, const char* needle,
                     mos_bank_t bank = nullptr) {
    mos_generate_request_t two[2] = {base(), r};
    T_STATUS(mos_decoder_generate(f.dec, bank, two, 2, nullptr, nullptr), st,
             "mos_decoder_generate");
    T_MSG(needle);
    T_CHECK(out[0] == -5, "a refused generate wrote tokens");
  };
  mos_generate_request_t r = base();
  r.prompt = nullptr;
  refused(r, MOS_STATUS_NULL_POINTER, "requests[1].prompt");
  r = base();
  r.prompt_length = 0;
  refused(r, MOS_STATUS_INVALID_ARGUMENT, "requests[1].prompt_length");
  r = base();
  r.max_new_tokens = 0;
  refused(r, MOS_STATUS_INVALID_ARGUMENT, "requests[1].max_new_tokens");
  r = base();
  r.max_new_tokens = 18;  // 3 + 18 - 1 = 20 positions: fine; 19 would not be
  mos_generate_request_t ok = r;
  r.max_new_tokens = 19;
  refused(r, MOS_STATUS_INVALID_ARGUMENT, "max_positions = 20");
  r = base();
  const int32_t bad_prompt[3] = {1, 19, 3};
  r.prompt = bad_prompt;
  refused(r, MOS_STATUS_INVALID_ARGUMENT, "requests[1].prompt[1] = 19");
  r = base();
  r.out_tokens = nullptr;
  refused(r, MOS_STATUS_NULL_POINTER, "requests[1].out_tokens");
  r = base();
  r.num_stop_ids = 2;
  refused(r, MOS_STATUS_NULL_POINTER, "requests[1].stop_ids");
  r.num_stop_ids = -1;
  refused(r, MOS_STATUS_INVALID_ARGUMENT, "requests[1].num_stop_ids");
  r = base();
  r.sampling.top_p = 0.0f;
  refused(r, MOS_STATUS_INVALID_ARGUMENT, "requests[1].sampling.top_p");
  r = base();
  r.adapter_id = 0;
  refused(r, MOS_STATUS_INVALID_ARGUMENT, "bank is NULL");
  mos_bank_t bank = nullptr;
  T_OK(mos_bank_create(f.ctx, 0, &bank));
  r.adapter_id = 4;
  refused(r, MOS_STATUS_INVALID_ARGUMENT, "requests[1].adapter_id", bank);
  T_STATUS(mos_decoder_generate(f.dec, nullptr, nullptr, 1, nullptr, nullptr),
           MOS_STATUS_NULL_POINTER, "mos_decoder_generate");
  mos_generate_request_t one = base();
  T_STATUS(mos_decoder_generate(f.dec, nullptr, &one, 0, nullptr, nullptr),
           MOS_STATUS_INVALID_ARGUMENT, "mos_decoder_generate");
  std::vector<int32_t> long_out(18);
  ok.out_tokens = long_out.data();
  T_OK(mos_decoder_generate(f.dec, nullptr, &ok, 1, nullptr, nullptr));
  T_CHECK(ok.out_length == 18, "a request up to max_positions generated %d of 18", ok.out_length);
  T_OK(mos_bank_free(bank));
}

}  // namespace

int main() {
  config_checks();
  weight_checks();
  source_dtypes();
  adapter_and_compute_checks();
  cache_and_step_checks();
  generate_checks();
  return t::report("test_decoder_abi");
}
