// SPDX-License-Identifier: Apache-2.0
// decoder_fixture.h: a small random decoder built through the C ABI (weights, one MoS pool group
// per adapted projection) together with the double oracle's copy of the same model (decoder_oracle.h).
#pragma once

#include <random>
#include <string>
#include <vector>

#include "bf16_util.h"
#include "decoder_oracle.h"
#include "test_util.h"

namespace t {

struct DecoderSpec {
  dor::Config c;
  mos_dtype_t storage = MOS_DTYPE_F32;
  int max_positions = 64;
  // The MoS pool groups: r, R_eq, p, l, alpha, dropout; `adapted` lists the projections (bit p).
  int r = 3, R = 2, p = 1, l = 2;
  float alpha = 8.0f, dropout = 0.0f;
  unsigned adapted = 0x7f;
  std::string name;
  mos_backend_t backend = MOS_BACKEND_CPU;  // the fixture's context (CUDA parity tests)
};

inline const char* proj_name(int p) {
  static const char* const n[] = {"q_proj",    "k_proj",  "v_proj",   "o_proj",
                                  "gate_proj", "up_proj", "down_proj"};
  return n[p];
}

inline mos_decoder_config_t decoder_config(const DecoderSpec& s) {
  const dor::Config& c = s.c;
  mos_decoder_config_t d{};
  d.vocab_size = c.V;
  d.hidden_size = c.H;
  d.intermediate_size = c.I;
  d.num_layers = c.L;
  d.num_heads = c.heads;
  d.num_kv_heads = c.kv_heads;
  d.head_dim = c.hd;
  d.max_positions = s.max_positions;
  d.rms_norm_eps = static_cast<float>(c.eps);
  d.rope_theta = c.theta;
  d.rope_type = c.llama3 ? MOS_ROPE_LLAMA3 : MOS_ROPE_DEFAULT;
  d.rope_factor = c.factor;
  d.rope_low_freq_factor = c.low;
  d.rope_high_freq_factor = c.high;
  d.rope_original_max_positions = c.original_max;
  d.qkv_bias = c.qkv_bias;
  d.o_bias = c.o_bias;
  d.tie_word_embeddings = c.tied;
  d.weight_dtype = s.storage;
  return d;
}

struct DecoderFixture {
  DecoderSpec s;
  uint64_t seed;
  std::mt19937_64 rng;
  mos_context_t ctx = nullptr;
  mos_decoder_t dec = nullptr;
  mos_pool_t pools[dor::kProj] = {};
  std::vector<float> pool_a[dor::kProj], pool_b[dor::kProj];
  dor::Weights w;

  DecoderFixture(const DecoderSpec& spec, uint64_t sd, bool attach = true)
      : s(spec), seed(sd), rng(sd) {
    T_OK(mos_context_create(s.backend, 0, &ctx));
    const mos_decoder_config_t cfg = decoder_config(s);
    T_OK(mos_decoder_create(ctx, &cfg, &dec));
    const dor::Config& c = s.c;
    // Matrices in the storage's values (BF16: already bf16 numbers, so storing is exact).
    auto matrix = [&](const std::string& name, int rows, int cols, double gain) {
      std::vector<float> v = random_floats(rng, static_cast<size_t>(rows) * cols, -1.0f, 1.0f);
      for (float& x : v) x = static_cast<float>(x * gain * std::sqrt(3.0 / cols));
      if (s.storage == MOS_DTYPE_BF16) v = rounded(v);
      T_OK(mos_decoder_set_weight(dec, name.c_str(), MOS_DTYPE_F32, rows, cols, v.data()));
      return to_double(v);
    };
    auto vector = [&](const std::string& name, int n, float lo, float hi) {
      std::vector<float> v = random_floats(rng, static_cast<size_t>(n), lo, hi);
      T_OK(mos_decoder_set_weight(dec, name.c_str(), MOS_DTYPE_F32, 1, n, v.data()));
      return to_double(v);
    };
    w.embed = matrix("model.embed_tokens.weight", c.V, c.H, std::sqrt(c.H / 3.0));
    for (int b = 0; b < c.L; ++b) {
      const std::string pre = "model.layers." + std::to_string(b) + ".";
      dor::Block bw;
      bw.in_norm = vector(pre + "input_layernorm.weight", c.H, 0.8f, 1.2f);
      bw.post_norm = vector(pre + "post_attention_layernorm.weight", c.H, 0.8f, 1.2f);
      for (int p = 0; p < dor::kProj; ++p) {
        const std::string base = pre + (p <= dor::kO ? "self_attn." : "mlp.") + proj_name(p);
        bw.w[p] = matrix(base + ".weight", dor::proj_out(c, p), dor::proj_in(c, p), 1.0);
        if ((p <= dor::kV && c.qkv_bias) || (p == dor::kO && c.o_bias))
          bw.bias[p] = vector(base + ".bias", dor::proj_out(c, p), -0.2f, 0.2f);
      }
      w.blocks.push_back(bw);
    }
    w.norm = vector("model.norm.weight", c.H, 0.8f, 1.2f);
    if (!c.tied) w.lm_head = matrix("lm_head.weight", c.V, c.H, 1.5);
    for (int p = 0; p < dor::kProj; ++p) {
      if (!(s.adapted >> p & 1u)) continue;
      T_OK(mos_pool_create(ctx,
                           t::config({.d_in = dor::proj_in(c, p),
                                      .d_out = dor::proj_out(c, p),
                                      .num_blocks = c.L,
                                      .rank = s.r,
                                      .equivalent_rank = s.R,
                                      .private_rank = s.p,
                                      .shards_per_vector = s.l,
                                      .alpha = s.alpha,
                                      .dropout = s.dropout}),
                           &pools[p]));
      T_OK(mos_pool_generate_indices(pools[p], sd + 17 * p));
      const int64_t P = static_cast<int64_t>(s.R) * c.L * s.l;  // shards: R_eq * L * l
      pool_a[p] =
          random_floats(rng, static_cast<size_t>(P) * (dor::proj_in(c, p) / s.l), -0.5f, 0.5f);
      pool_b[p] =
          random_floats(rng, static_cast<size_t>(P) * (dor::proj_out(c, p) / s.l), -0.5f, 0.5f);
      write_pool(p);
      if (attach) T_OK(mos_decoder_attach_pool(dec, proj_name(p), pools[p]));
    }
  }
  ~DecoderFixture() {
    for (mos_pool_t p : pools) mos_pool_free(p);
    mos_decoder_free(dec);
    mos_context_free(ctx);
  }
  DecoderFixture(const DecoderFixture&) = delete;
  DecoderFixture& operator=(const DecoderFixture&) = delete;

  void write_pool(int p) {
    T_OK(mos_pool_write(pools[p], MOS_POOL_A, pool_a[p].data(),
                        static_cast<int64_t>(pool_a[p].size())));
    T_OK(mos_pool_write(pools[p], MOS_POOL_B, pool_b[p].data(),
                        static_cast<int64_t>(pool_b[p].size())));
  }
  oracle::Cfg pool_cfg(int p) const {
    return oracle::Cfg{
        dor::proj_in(s.c, p), dor::proj_out(s.c, p), s.c.L, s.r, s.R, s.p, s.l, s.alpha, s.dropout};
  }
  // The oracle's adapters from the current pool values (`which`: bit p = projection p applies).
  dor::Adapters adapters(bool train = false, uint64_t dseed = 0, uint64_t counter = 0,
                         unsigned which = 0x7f) {
    std::vector<dor::Vec> pa(dor::kProj), pb(dor::kProj);
    for (int p = 0; p < dor::kProj; ++p) {
      pa[p] = to_double(pool_a[p]);
      pb[p] = to_double(pool_b[p]);
    }
    return adapters_from(pa, pb, train, dseed, counter, which);
  }
  // The same from pools given in double (finite differences perturb these).
  dor::Adapters adapters_from(const std::vector<dor::Vec>& pa, const std::vector<dor::Vec>& pb,
                              bool train, uint64_t dseed, uint64_t counter, unsigned which = 0x7f) {
    dor::Adapters ad;
    ad.train = train;
    ad.seed = dseed;
    ad.counter = counter;
    for (int p = 0; p < dor::kProj; ++p) {
      if (!pools[p] || !(which >> p & 1u)) continue;
      const oracle::Cfg pc = pool_cfg(p);
      dor::Adapter& a = ad.p[p];
      a.on = true;
      a.r = s.r;
      a.scale = pc.scale();
      a.dropout = s.dropout;
      for (int k = 0; k < s.c.L; ++k) {
        std::vector<int32_t> ia(static_cast<size_t>(s.r) * s.l), ib(ia.size());
        T_OK(mos_pool_get_indices(pools[p], k, ia.data(), ib.data(),
                                  static_cast<int64_t>(ia.size())));
        a.a.push_back(oracle::assemble_a(pa[p], ia, pc));
        a.b.push_back(oracle::assemble_b(pb[p], ib, pc));
      }
    }
    return ad;
  }
};

// A batch of sequences with random tokens and next-token targets (-1 at each sequence's end and,
// every `gap` positions, elsewhere too).
struct RandomBatch {
  std::vector<int> lengths, tokens, targets;
  RandomBatch(std::mt19937_64& rng, const std::vector<int>& lens, int vocab, int gap = 0)
      : lengths(lens) {
    std::uniform_int_distribution<int> tok(0, vocab - 1);
    for (int len : lens) {
      const size_t at = tokens.size();
      for (int j = 0; j < len; ++j) tokens.push_back(tok(rng));
      for (int j = 0; j < len; ++j) {
        const bool none = j + 1 == len || (gap > 0 && (j % gap) == gap - 1);
        targets.push_back(none ? -1 : tokens[at + j + 1]);
      }
    }
  }
  mos_batch_t batch(bool with_targets = true) const {
    return mos_batch_t{static_cast<int32_t>(lengths.size()), lengths.data(), tokens.data(),
                       with_targets ? targets.data() : nullptr};
  }
};

}  // namespace t
