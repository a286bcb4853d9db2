// SPDX-License-Identifier: Apache-2.0
// test_decoder_base: training the decoder's base weights (mos_decoder_set_base_trainable). The f32
// gradients of every kind of base weight (embedding rows that repeat, appear once or not at all;
// tied and untied lm_head; q/k/v/o/gate/up/down weights and biases; the three kinds of norm
// weights) against central differences of the double oracle's loss (MOS_TOL_F32_DECODER_GRAD),
// alone and with MoS pools attached; AdamW steps and clipping against a hand computation in double
// (MOS_TOL_F32_OPTIMIZER); a tiny model memorizing a sequence; mos_decoder_get_weight against
// test-local F32 -> BF16 / F16 roundings; and every refused call (status, message, nothing written).
#include <cstddef>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "decoder_fixture.h"

static_assert(sizeof(mos_adamw_params_t) == 24 && offsetof(mos_adamw_params_t, beta1) == 4 &&
                  offsetof(mos_adamw_params_t, weight_decay) == 16 &&
                  offsetof(mos_adamw_params_t, max_grad_norm) == 20,
              "mos_adamw_params_t layout");

namespace {

#define T_MSG(needle)                                                                      \
  T_CHECK(std::strstr(mos_last_error(), needle) != nullptr, "message \"%s\" lacks \"%s\"", \
          mos_last_error(), needle)

struct WeightInfo {
  std::string name;
  int64_t rows, cols;
};

bool all_zero(const std::vector<float>& v) {
  for (float x : v)
    if (x != 0.0f) return false;
  return true;
}

std::vector<WeightInfo> weight_list(mos_decoder_t dec) {
  int32_t n = 0;
  T_OK(mos_decoder_weight_count(dec, &n));
  std::vector<WeightInfo> v;
  for (int32_t i = 0; i < n; ++i) {
    char name[128];
    WeightInfo wi{"", 0, 0};
    T_OK(mos_decoder_weight_info(dec, i, name, sizeof name, &wi.rows, &wi.cols, nullptr));
    wi.name = name;
    v.push_back(wi);
  }
  return v;
}

// The oracle's copy of the weight `name` (test-side naming, independent of libmos's table).
dor::Vec& oracle_tensor(t::DecoderFixture& f, const std::string& name) {
  if (name == "model.embed_tokens.weight") return f.w.embed;
  if (name == "lm_head.weight") return f.w.lm_head;
  if (name == "model.norm.weight") return f.w.norm;
  const std::string pre = "model.layers.";
  const size_t dot = name.find('.', pre.size());
  const int b = std::stoi(name.substr(pre.size(), dot - pre.size()));
  const std::string rest = name.substr(dot + 1);
  dor::Block& bw = f.w.blocks[static_cast<size_t>(b)];
  if (rest == "input_layernorm.weight") return bw.in_norm;
  if (rest == "post_attention_layernorm.weight") return bw.post_norm;
  for (int p = 0; p < dor::kProj; ++p) {
    const std::string base = std::string(p <= dor::kO ? "self_attn." : "mlp.") + t::proj_name(p);
    if (rest == base + ".weight") return bw.w[p];
    if (rest == base + ".bias") return bw.bias[p];
  }
  std::printf("FAIL: the test does not know weight %s\n", name.c_str());
  std::abort();
}

std::vector<float> read_base(mos_decoder_t dec, const WeightInfo& wi, mos_base_array_t which) {
  std::vector<float> v(static_cast<size_t>(wi.rows * wi.cols));
  T_OK(
      mos_decoder_base_read(dec, wi.name.c_str(), which, v.data(), static_cast<int64_t>(v.size())));
  return v;
}

std::vector<float> get_f32(mos_decoder_t dec, const WeightInfo& wi) {
  std::vector<float> v(static_cast<size_t>(wi.rows * wi.cols));
  T_OK(mos_decoder_get_weight(dec, wi.name.c_str(), MOS_DTYPE_F32, wi.rows, wi.cols, v.data()));
  return v;
}

double run_loss(mos_decoder_t dec, const t::RandomBatch& rb, int32_t backward, float grad_scale) {
  mos_batch_t batch = rb.batch(true);
  double sum = 0;
  int64_t count = 0;
  T_OK(mos_decoder_loss(dec, &batch, backward, grad_scale, &sum, &count));
  return sum;
}

// A batch whose tokens repeat (id 1 three times, id 4 twice), with ids 0 and 2 absent.
t::RandomBatch crafted_batch(int vocab) {
  std::mt19937_64 rng(5);
  t::RandomBatch rb(rng, {6, 7, 4}, vocab, 4);
  const int toks[17] = {1, 5, 4, 7, 1, 9, 3, 4, 11, 6, 8, 10, 1, 12, 13, 3, 14};
  for (int e = 0; e < 17; ++e) rb.tokens[e] = toks[e] % vocab;  // vocab > 14 in the specs
  for (size_t s = 0, at = 0; s < rb.lengths.size(); at += rb.lengths[s], ++s)
    for (int j = 0; j < rb.lengths[s]; ++j)
      if (rb.targets[at + j] >= 0) rb.targets[at + j] = rb.tokens[at + j + 1];
  return rb;
}

// Central differences of the oracle's loss (times grad_scale) on picked elements of every base
// weight against its analytic gradient. The embedding: every element of the rows of a repeated
// token, a token seen once and an absent token (whose gradient must be exactly zero untied).
void base_finite_differences(t::DecoderFixture& f, const t::RandomBatch& rb, bool attached,
                             bool train, uint64_t dseed, uint64_t counter, float grad_scale,
                             const std::string& tag) {
  const dor::Adapters ad = attached ? f.adapters(train, dseed, counter) : dor::Adapters{};
  auto loss = [&]() { return dor::loss(f.s.c, f.w, ad, rb.lengths, rb.tokens, rb.targets); };
  const double h = 1e-4;
  const int H = f.s.c.H;
  double worst = 0;
  size_t checked = 0;
  for (const WeightInfo& wi : weight_list(f.dec)) {
    dor::Vec& v = oracle_tensor(f, wi.name);
    const std::vector<float> got = read_base(f.dec, wi, MOS_BASE_GRAD);
    std::vector<size_t> picked;
    if (wi.name == "model.embed_tokens.weight") {
      for (int row : {1, 4, 5, 0})  // repeated (1 three times, 4 twice), once (5), absent (0)
        for (int j = 0; j < H; ++j) picked.push_back(static_cast<size_t>(row) * H + j);
      if (!f.s.c.tied)
        for (int j = 0; j < H; ++j)
          T_CHECK(got[static_cast<size_t>(2) * H + j] == 0.0f,
                  "%s: the embedding row of absent token 2 has gradient %g at %d", tag.c_str(),
                  got[static_cast<size_t>(2) * H + j], j);
    } else {
      const size_t stride = v.size() <= 64 ? 1 : v.size() / 48 + (v.size() / 48) % 2 + 1;
      for (size_t e = 0; e < v.size(); e += stride) picked.push_back(e);
    }
    std::vector<float> g;
    std::vector<double> ref;
    for (size_t e : picked) {
      const double keep = v[e];
      v[e] = keep + h;
      const double lp = loss();
      v[e] = keep - h;
      const double lm = loss();
      v[e] = keep;
      ref.push_back(grad_scale * (lp - lm) / (2 * h));
      g.push_back(got[e]);
    }
    t::close((tag + ": d loss / d " + wi.name).c_str(), g, ref, MOS_TOL_F32_DECODER_GRAD, f.seed,
             std::to_string(picked.size()) + " of " + t::shape(wi.rows, wi.cols));
    double max_ref = 0, max_err = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
      max_ref = std::fmax(max_ref, std::fabs(ref[i]));
      max_err = std::fmax(max_err, std::fabs(g[i] - ref[i]));
    }
    worst = std::fmax(worst, max_err / std::fmax(max_ref, MOS_TOL_TINY));
    checked += picked.size();
  }
  std::printf("%s: %zu base gradient elements vs central differences, worst relative error %.2e\n",
              tag.c_str(), checked, worst);
}

struct PoolGrads {
  std::vector<std::vector<float>> a, b;
};
PoolGrads pool_grads(t::DecoderFixture& f) {
  PoolGrads g;
  for (int p = 0; p < dor::kProj; ++p) {
    if (!f.pools[p]) continue;
    g.a.push_back(
        t::read_pool(f.pools[p], MOS_POOL_GRAD_A, static_cast<int64_t>(f.pool_a[p].size())));
    g.b.push_back(
        t::read_pool(f.pools[p], MOS_POOL_GRAD_B, static_cast<int64_t>(f.pool_b[p].size())));
  }
  return g;
}
void zero_pool_grads(t::DecoderFixture& f) {
  for (mos_pool_t p : f.pools)
    if (p) T_OK(mos_pool_zero_grad(p));
}

void gradients(t::DecoderSpec spec, uint64_t seed, bool attach, bool recompute) {
  t::DecoderFixture f(spec, seed, attach);
  const std::string tag = spec.name;
  const t::RandomBatch rb = crafted_batch(spec.c.V);
  const uint64_t dseed = 41, counter = 3;
  const float scale = 0.5f;
  T_OK(mos_decoder_set_recompute(f.dec, recompute ? 1 : 0));

  // The frozen base's loss and pool gradients first: training the base must change neither.
  T_OK(mos_decoder_set_dropout_state(f.dec, dseed, counter));
  zero_pool_grads(f);
  const double frozen_loss = run_loss(f.dec, rb, 1, scale);
  const PoolGrads frozen = pool_grads(f);

  T_OK(mos_decoder_set_base_trainable(f.dec, 1));
  int32_t on = 0;
  T_OK(mos_decoder_get_base_trainable(f.dec, &on));
  T_CHECK(on == 1, "%s: get_base_trainable says %d", tag.c_str(), on);
  T_OK(mos_decoder_set_dropout_state(f.dec, dseed, counter));
  zero_pool_grads(f);
  const double loss = run_loss(f.dec, rb, 1, scale);
  T_CHECK(loss == frozen_loss, "%s: the loss is %.17g with the base trainable, %.17g frozen",
          tag.c_str(), loss, frozen_loss);
  const PoolGrads with_base = pool_grads(f);
  T_CHECK(with_base.a == frozen.a && with_base.b == frozen.b,
          "%s: the pool gradients changed when the base became trainable", tag.c_str());
  base_finite_differences(f, rb, attach, spec.dropout > 0.0f, dseed, counter, scale, tag);

  // Recomputation gives the same base gradients; a second backward adds the same again; a
  // forward without backward adds nothing.
  const std::vector<WeightInfo> ws = weight_list(f.dec);
  std::vector<std::vector<float>> g1;
  for (const WeightInfo& wi : ws) g1.push_back(read_base(f.dec, wi, MOS_BASE_GRAD));
  T_OK(mos_decoder_set_recompute(f.dec, recompute ? 0 : 1));
  T_OK(mos_decoder_base_zero_grad(f.dec));
  for (const WeightInfo& wi : ws) {
    const std::vector<float> z = read_base(f.dec, wi, MOS_BASE_GRAD);
    T_CHECK(all_zero(z), "%s: %s not zero after base_zero_grad", tag.c_str(), wi.name.c_str());
  }
  T_OK(mos_decoder_set_dropout_state(f.dec, dseed, counter));
  run_loss(f.dec, rb, 1, scale);
  T_OK(mos_decoder_set_dropout_state(f.dec, dseed, counter));
  run_loss(f.dec, rb, 1, scale);
  run_loss(f.dec, rb, 0, scale);
  for (size_t i = 0; i < ws.size(); ++i) {
    std::vector<double> twice(g1[i].size());
    for (size_t e = 0; e < twice.size(); ++e) twice[e] = 2.0 * g1[i][e];
    t::close((tag + ": recompute flipped, two backwards, " + ws[i].name).c_str(),
             read_base(f.dec, ws[i], MOS_BASE_GRAD), twice, 1e-6, seed,
             t::shape(ws[i].rows, ws[i].cols));
  }
  // The global norm is the L2 norm of all of them (a tied embedding counted once).
  double sq = 0.0;
  for (const WeightInfo& wi : ws)
    for (float x : read_base(f.dec, wi, MOS_BASE_GRAD)) sq += static_cast<double>(x) * x;
  double norm = 0.0;
  T_OK(mos_decoder_base_grad_norm(f.dec, &norm));
  t::close((tag + ": base_grad_norm").c_str(), std::vector<double>{norm},
           std::vector<double>{std::sqrt(sq)}, 1e-12, seed, "scalar");
}

// ---- AdamW ---------------------------------------------------------------------------------------

t::DecoderSpec small_spec(bool tied, bool biases) {
  t::DecoderSpec s;
  s.c = dor::Config{13, 8, 12, 1, 2, 1, 4, 1e-5, 10000.0f};
  s.c.tied = tied;
  s.c.qkv_bias = s.c.o_bias = biases;
  s.max_positions = 32;
  s.r = 1, s.R = 1, s.p = 0, s.l = 2;
  return s;
}

struct Hand {
  double lr, b1, b2, eps, wd;
  int64_t t;
  // One element (p, m, v) with gradient g, in double, in mos.h's order of operations.
  void step(double g, double& p, double& m, double& v) const {
    p -= lr * wd * p;
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g * g;
    const double bc1 = 1 - std::pow(b1, static_cast<double>(t));
    const double bc2 = 1 - std::pow(b2, static_cast<double>(t));
    p -= lr * (m / bc1) / (std::sqrt(v / bc2) + eps);
  }
};

void adamw_hand() {
  t::DecoderFixture f(small_spec(false, true), 3, false);
  T_OK(mos_decoder_set_base_trainable(f.dec, 1));
  std::mt19937_64 rng(9);
  const std::vector<WeightInfo> ws = weight_list(f.dec);
  // Gradients and moments on three weights (a matrix, a norm weight, a bias); the rest keep zero.
  const std::map<std::string, bool> written = {{"model.layers.0.self_attn.q_proj.weight", true},
                                               {"model.layers.0.input_layernorm.weight", false},
                                               {"model.layers.0.self_attn.v_proj.bias", false}};
  std::map<std::string, std::vector<float>> g, m, v, p0;
  for (const WeightInfo& wi : ws) {
    p0[wi.name] = get_f32(f.dec, wi);
    const size_t n = static_cast<size_t>(wi.rows * wi.cols);
    if (!written.count(wi.name)) {
      g[wi.name] = m[wi.name] = v[wi.name] = std::vector<float>(n, 0.0f);
      continue;
    }
    g[wi.name] = t::random_floats(rng, n, -2.0f, 2.0f);
    m[wi.name] = t::random_floats(rng, n, -0.5f, 0.5f);
    v[wi.name] = t::random_floats(rng, n, 0.0f, 1.0f);
    T_OK(mos_decoder_base_write(f.dec, wi.name.c_str(), MOS_BASE_GRAD, g[wi.name].data(),
                                static_cast<int64_t>(n)));
    T_OK(mos_decoder_base_write(f.dec, wi.name.c_str(), MOS_BASE_ADAM_M, m[wi.name].data(),
                                static_cast<int64_t>(n)));
    T_OK(mos_decoder_base_write(f.dec, wi.name.c_str(), MOS_BASE_ADAM_V, v[wi.name].data(),
                                static_cast<int64_t>(n)));
  }
  T_OK(mos_decoder_base_set_step(f.dec, 4));
  const mos_adamw_params_t prm{0.01f, 0.9f, 0.99f, 1e-8f, 0.1f, 0.0f};
  double norm = -1;
  T_OK(mos_decoder_base_step(f.dec, &prm, &norm));
  int64_t step = 0;
  T_OK(mos_decoder_base_get_step(f.dec, &step));
  T_CHECK(step == 5, "base step count %lld after a step from 4", (long long)step);
  double sq = 0;
  for (const auto& kv : g)
    for (float x : kv.second) sq += static_cast<double>(x) * x;
  t::close("AdamW: returned gradient norm", std::vector<double>{norm},
           std::vector<double>{std::sqrt(sq)}, 1e-12, 3, "scalar");
  const Hand hand{prm.lr, prm.beta1, prm.beta2, prm.eps, prm.weight_decay, 5};
  for (const WeightInfo& wi : ws) {
    const bool matrix = wi.name.find("_proj.weight") != std::string::npos ||
                        wi.name == "model.embed_tokens.weight" || wi.name == "lm_head.weight";
    Hand hh = hand;
    if (!matrix) hh.wd = 0;  // no decay on norm weights and biases
    std::vector<double> pe, me, ve;
    for (size_t e = 0; e < g[wi.name].size(); ++e) {
      double p = p0[wi.name][e], mm = m[wi.name][e], vv = v[wi.name][e];
      hh.step(g[wi.name][e], p, mm, vv);
      pe.push_back(p);
      me.push_back(mm);
      ve.push_back(vv);
    }
    const std::string sh = t::shape(wi.rows, wi.cols);
    t::close(("AdamW: weight " + wi.name).c_str(), get_f32(f.dec, wi), pe, MOS_TOL_F32_OPTIMIZER, 3,
             sh);
    t::close(("AdamW: m " + wi.name).c_str(), read_base(f.dec, wi, MOS_BASE_ADAM_M), me,
             MOS_TOL_F32_OPTIMIZER, 3, sh);
    t::close(("AdamW: v " + wi.name).c_str(), read_base(f.dec, wi, MOS_BASE_ADAM_V), ve,
             MOS_TOL_F32_OPTIMIZER, 3, sh);
    if (!matrix && !written.count(wi.name))
      T_CHECK(get_f32(f.dec, wi) == p0[wi.name], "AdamW: %s changed without gradient or decay",
              wi.name.c_str());
    T_CHECK(read_base(f.dec, wi, MOS_BASE_GRAD) == g[wi.name],
            "AdamW: the gradient of %s "
            "changed without clipping",
            wi.name.c_str());
  }

  // Clipping: the gradients scaled by max / (norm + 1e-6) in place, the moments from the clipped
  // ones; lr = 0 leaves the weights alone.
  for (const WeightInfo& wi : ws) p0[wi.name] = get_f32(f.dec, wi);
  T_OK(mos_decoder_base_set_step(f.dec, 0));
  const float max_norm = static_cast<float>(std::sqrt(sq) / 4);
  const mos_adamw_params_t clip{0.0f, 0.5f, 0.75f, 1e-8f, 0.1f, max_norm};
  for (const WeightInfo& wi : ws) {
    const std::vector<float> z(g[wi.name].size(), 0.0f);
    T_OK(mos_decoder_base_write(f.dec, wi.name.c_str(), MOS_BASE_ADAM_M, z.data(),
                                static_cast<int64_t>(z.size())));
    T_OK(mos_decoder_base_write(f.dec, wi.name.c_str(), MOS_BASE_ADAM_V, z.data(),
                                static_cast<int64_t>(z.size())));
  }
  T_OK(mos_decoder_base_step(f.dec, &clip, &norm));
  t::close("clip: returned norm (before clipping)", std::vector<double>{norm},
           std::vector<double>{std::sqrt(sq)}, 1e-12, 3, "scalar");
  const double factor = max_norm / (std::sqrt(sq) + 1e-6);
  for (const WeightInfo& wi : ws) {
    std::vector<double> ge, me, ve;
    for (float x : g[wi.name]) {
      const double gc = static_cast<float>(factor) * static_cast<double>(x);
      ge.push_back(gc);
      me.push_back(0.5 * gc);
      ve.push_back(0.25 * gc * gc);
    }
    const std::string sh = t::shape(wi.rows, wi.cols);
    if (written.count(wi.name)) {
      t::close(("clip: gradient " + wi.name).c_str(), read_base(f.dec, wi, MOS_BASE_GRAD), ge,
               MOS_TOL_F32_OPTIMIZER, 3, sh);
      t::close(("clip: m " + wi.name).c_str(), read_base(f.dec, wi, MOS_BASE_ADAM_M), me,
               MOS_TOL_F32_OPTIMIZER, 3, sh);
      t::close(("clip: v " + wi.name).c_str(), read_base(f.dec, wi, MOS_BASE_ADAM_V), ve,
               MOS_TOL_F32_OPTIMIZER, 3, sh);
    }
    T_CHECK(get_f32(f.dec, wi) == p0[wi.name], "clip: lr = 0 changed %s", wi.name.c_str());
  }
  double after = 0;
  T_OK(mos_decoder_base_grad_norm(f.dec, &after));
  T_CHECK(std::fabs(after - max_norm) <= 1e-5 * max_norm,
          "clip: norm after clipping %.9g, max %.9g", after, static_cast<double>(max_norm));
}

// ---- a tiny model memorizes a sequence -----------------------------------------------------------

void memorize() {
  t::DecoderSpec s;
  s.c = dor::Config{12, 32, 64, 2, 4, 2, 8, 1e-5, 10000.0f};
  s.c.tied = true;
  s.max_positions = 32;
  s.r = 2, s.R = 1, s.p = 0, s.l = 2;
  t::DecoderFixture f(s, 21, false);
  T_OK(mos_decoder_set_base_trainable(f.dec, 1));
  std::mt19937_64 rng(8);
  t::RandomBatch rb(rng, {24, 24}, s.c.V);
  for (int j = 0; j < 24; ++j) rb.tokens[24 + j] = rb.tokens[j];  // the same sequence twice
  for (int j = 0; j < 23; ++j) rb.targets[j] = rb.targets[24 + j] = rb.tokens[j + 1];
  const float scale = 1.0f / 46;
  const mos_adamw_params_t prm{0.01f, 0.9f, 0.95f, 1e-8f, 0.01f, 1.0f};
  double first = 0, last = 0;
  const int steps = 150;
  for (int step = 0; step < steps; ++step) {
    T_OK(mos_decoder_base_zero_grad(f.dec));
    last = run_loss(f.dec, rb, 1, scale) * scale;
    if (step == 0) first = last;
    double norm = 0;
    T_OK(mos_decoder_base_step(f.dec, &prm, &norm));
    T_CHECK(std::isfinite(norm), "memorize: step %d gradient norm %g", step, norm);
  }
  const double final_loss = run_loss(f.dec, rb, 0, 1.0f) * scale;
  std::printf(
      "memorize: mean loss %.4f at the start (uniform: ln 12 = %.4f), %.2e after %d steps\n", first,
      std::log(12.0), final_loss, steps);
  T_CHECK(final_loss < 0.1 * std::fmin(first, std::log(12.0)),
          "memorize: mean loss %.4f after %d steps, start %.4f", final_loss, steps, first);
  int64_t count = 0;
  T_OK(mos_decoder_base_get_step(f.dec, &count));
  T_CHECK(count == steps, "memorize: step count %lld", (long long)count);
  (void)last;
}

// ---- get_weight ---------------------------------------------------------------------------------

uint16_t f16_bits(float x) {
  const _Float16 h = static_cast<_Float16>(x);  // the compiler's rounding: the reference
  uint16_t b;
  std::memcpy(&b, &h, sizeof b);
  return b;
}
bool f16_same(uint16_t a, uint16_t b) {
  const bool nan_a = (a & 0x7c00u) == 0x7c00u && (a & 0x3ffu),
             nan_b = (b & 0x7c00u) == 0x7c00u && (b & 0x3ffu);
  return nan_a || nan_b ? nan_a && nan_b : a == b;
}

void get_weight_round_trip() {
  // F32 storage: values with every rounding case of F16 and BF16 in a norm weight (special values
  // are fine there: it is only stored and read), random ones in a matrix > 2^20 elements (several
  // conversion slices).
  t::DecoderSpec s = small_spec(true, false);
  s.c.V = 4200;
  s.c.H = 256;
  s.c.heads = 4;
  s.c.kv_heads = 2;
  s.c.hd = 8;
  const mos_decoder_config_t cfg = t::decoder_config(s);
  mos_context_t ctx = nullptr;
  mos_decoder_t dec = nullptr;
  T_OK(mos_context_create(MOS_BACKEND_CPU, 0, &ctx));
  T_OK(mos_decoder_create(ctx, &cfg, &dec));
  std::mt19937_64 rng(4);
  std::vector<float> special = t::random_floats(rng, 256, -3.0f, 3.0f);
  const float cases[] = {0.0f,
                         -0.0f,
                         1.0f,
                         65504.0f,
                         65519.99f,
                         65520.0f,
                         -70000.0f,
                         1e10f,
                         std::ldexp(1.0f, -14),
                         std::ldexp(1.0f, -24),
                         std::ldexp(1.0f, -25),
                         std::ldexp(3.0f, -26),
                         std::ldexp(1.5f, -24),
                         1e-8f,
                         -1e-6f,
                         1.0f + std::ldexp(1.0f, -11),
                         1.0f + std::ldexp(3.0f, -11),
                         1.0f + std::ldexp(1.0f, -8),
                         1.0f + std::ldexp(3.0f, -8),
                         3.0e38f,
                         INFINITY,
                         -INFINITY,
                         NAN,
                         6.1e-5f,
                         6.09e-5f,
                         2049.0f,
                         2051.0f};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) special[i] = cases[i];
  T_OK(mos_decoder_set_weight(dec, "model.norm.weight", MOS_DTYPE_F32, 1, 256, special.data()));
  std::vector<float> big = t::random_floats(rng, static_cast<size_t>(4200) * 256, -4.0f, 4.0f);
  for (size_t e = 0; e < big.size(); e += 7) big[e] *= 1e-5f;  // F16 subnormals too
  T_OK(mos_decoder_set_weight(dec, "model.embed_tokens.weight", MOS_DTYPE_F32, 4200, 256,
                              big.data()));
  for (const std::vector<float>* src : {&special, &big}) {
    const char* name = src == &special ? "model.norm.weight" : "model.embed_tokens.weight";
    const int64_t rows = src == &special ? 1 : 4200;
    const size_t n = src->size();
    std::vector<float> f32(n);
    std::vector<uint16_t> b16(n), h16(n);
    T_OK(mos_decoder_get_weight(dec, name, MOS_DTYPE_F32, rows, 256, f32.data()));
    T_OK(mos_decoder_get_weight(dec, name, MOS_DTYPE_BF16, rows, 256, b16.data()));
    T_OK(mos_decoder_get_weight(dec, name, MOS_DTYPE_F16, rows, 256, h16.data()));
    int bad32 = 0, bad16 = 0, badh = 0;
    for (size_t e = 0; e < n; ++e) {
      const float x = (*src)[e];
      bad32 += std::memcmp(&f32[e], &x, 4) != 0;
      bad16 += std::isnan(x) ? !std::isnan(t::from_bf16(b16[e])) : b16[e] != t::to_bf16(x);
      if (!f16_same(h16[e], f16_bits(x)) && badh++ < 3)
        std::printf("  %s[%zu] = %.9g: F16 0x%04x, expected 0x%04x\n", name, e, x, h16[e],
                    f16_bits(x));
    }
    T_CHECK(bad32 == 0 && bad16 == 0 && badh == 0,
            "get_weight %s: %d F32, %d BF16 and %d F16 elements differ from the reference", name,
            bad32, bad16, badh);
  }
  // An F16 source read back as F16 is the same bits (F32 storage holds every half exactly).
  std::vector<uint16_t> halves(256);
  for (size_t i = 0; i < halves.size(); ++i)
    halves[i] = static_cast<uint16_t>((i * 0x0f3bu + 7u) & 0xfbffu);
  T_OK(mos_decoder_set_weight(dec, "model.norm.weight", MOS_DTYPE_F16, 1, 256, halves.data()));
  std::vector<uint16_t> back(256);
  T_OK(mos_decoder_get_weight(dec, "model.norm.weight", MOS_DTYPE_F16, 1, 256, back.data()));
  T_CHECK(back == halves, "F16 -> F32 storage -> F16 does not give the same bits");
  T_OK(mos_decoder_free(dec));

  // BF16 storage: F32 reads the widened values exactly, BF16 the stored bits, F16 rounds them.
  s = small_spec(false, false);
  s.storage = MOS_DTYPE_BF16;
  t::DecoderFixture f(s, 6, false);
  const std::vector<float> src = t::random_floats(rng, static_cast<size_t>(12) * 8, -3.0f, 3.0f);
  const char* up = "model.layers.0.mlp.up_proj.weight";
  T_OK(mos_decoder_set_weight(f.dec, up, MOS_DTYPE_F32, 12, 8, src.data()));
  std::vector<float> f32(src.size());
  std::vector<uint16_t> b16(src.size()), h16(src.size());
  T_OK(mos_decoder_get_weight(f.dec, up, MOS_DTYPE_F32, 12, 8, f32.data()));
  T_OK(mos_decoder_get_weight(f.dec, up, MOS_DTYPE_BF16, 12, 8, b16.data()));
  T_OK(mos_decoder_get_weight(f.dec, up, MOS_DTYPE_F16, 12, 8, h16.data()));
  for (size_t e = 0; e < src.size(); ++e) {
    const float stored = t::from_bf16(t::to_bf16(src[e]));
    T_CHECK(
        f32[e] == stored && b16[e] == t::to_bf16(src[e]) && h16[e] == f16_bits(stored),
        "BF16 storage, element %zu: got %.9g / 0x%04x / 0x%04x, expected %.9g / 0x%04x / 0x%04x", e,
        f32[e], b16[e], h16[e], stored, t::to_bf16(src[e]), f16_bits(stored));
  }
  mos_context_free(ctx);
}

// ---- refusals -------------------------------------------------------------------------------------

void refusals() {
  // BF16 storage cannot be trained.
  {
    t::DecoderSpec s = small_spec(false, false);
    s.storage = MOS_DTYPE_BF16;
    t::DecoderFixture f(s, 1, false);
    T_STATUS(mos_decoder_set_base_trainable(f.dec, 1), MOS_STATUS_UNSUPPORTED,
             "mos_decoder_set_base_trainable");
    T_MSG("F32 weight storage");
    T_MSG("BF16");
    int32_t on = -1;
    T_OK(mos_decoder_get_base_trainable(f.dec, &on));
    T_CHECK(on == 0, "BF16: trainable %d after the refusal", on);
  }
  t::DecoderFixture f(small_spec(true, true), 2);  // pools attached (for merge)
  mos_decoder_t d = f.dec;
  T_STATUS(mos_decoder_set_base_trainable(nullptr, 1), MOS_STATUS_NULL_POINTER,
           "mos_decoder_set_base_trainable");
  T_STATUS(mos_decoder_set_base_trainable(d, 2), MOS_STATUS_INVALID_ARGUMENT,
           "mos_decoder_set_base_trainable");
  T_MSG("on must be 0 or 1");
  T_STATUS(mos_decoder_get_base_trainable(d, nullptr), MOS_STATUS_NULL_POINTER,
           "mos_decoder_get_base_trainable");
  const char* emb = "model.embed_tokens.weight";
  const int64_t n_emb = 13 * 8;
  std::vector<float> buf(static_cast<size_t>(n_emb), 0.25f);
  double norm = 0;
  int64_t step = 0;
  const mos_adamw_params_t prm{0.01f, 0.9f, 0.999f, 1e-8f, 0.0f, 1.0f};

  // Frozen: every base call but set / get_base_trainable is refused.
  T_STATUS(mos_decoder_base_zero_grad(d), MOS_STATUS_INVALID_STATE, "mos_decoder_base_zero_grad");
  T_MSG("not trainable");
  T_STATUS(mos_decoder_base_grad_norm(d, &norm), MOS_STATUS_INVALID_STATE,
           "mos_decoder_base_grad_norm");
  T_STATUS(mos_decoder_base_step(d, &prm, &norm), MOS_STATUS_INVALID_STATE,
           "mos_decoder_base_step");
  T_STATUS(mos_decoder_base_get_step(d, &step), MOS_STATUS_INVALID_STATE,
           "mos_decoder_base_get_step");
  T_STATUS(mos_decoder_base_set_step(d, 1), MOS_STATUS_INVALID_STATE, "mos_decoder_base_set_step");
  T_STATUS(mos_decoder_base_read(d, emb, MOS_BASE_GRAD, buf.data(), n_emb),
           MOS_STATUS_INVALID_STATE, "mos_decoder_base_read");
  T_STATUS(mos_decoder_base_write(d, emb, MOS_BASE_GRAD, buf.data(), n_emb),
           MOS_STATUS_INVALID_STATE, "mos_decoder_base_write");

  // Merged: no switching on, no step.
  T_OK(mos_decoder_merge(d));
  T_STATUS(mos_decoder_set_base_trainable(d, 1), MOS_STATUS_INVALID_STATE,
           "mos_decoder_set_base_trainable");
  T_MSG("merged");
  T_OK(mos_decoder_unmerge(d));
  T_OK(mos_decoder_set_base_trainable(d, 1));
  T_OK(mos_decoder_set_base_trainable(d, 1));  // again: no change
  T_OK(mos_decoder_merge(d));
  T_STATUS(mos_decoder_base_step(d, &prm, &norm), MOS_STATUS_INVALID_STATE,
           "mos_decoder_base_step");
  T_MSG("merged");
  T_OK(mos_decoder_unmerge(d));

  // Names, sizes, enum values, nulls, values.
  T_STATUS(mos_decoder_base_read(d, "model.embed.weight", MOS_BASE_GRAD, buf.data(), n_emb),
           MOS_STATUS_INVALID_ARGUMENT, "mos_decoder_base_read");
  T_MSG("unknown weight name 'model.embed.weight'");
  T_STATUS(mos_decoder_base_read(d, "lm_head.weight", MOS_BASE_GRAD, buf.data(), n_emb),
           MOS_STATUS_INVALID_ARGUMENT, "mos_decoder_base_read");
  T_MSG("tie_word_embeddings");
  T_STATUS(mos_decoder_base_write(d, "model.layers.1.input_layernorm.weight", MOS_BASE_GRAD,
                                  buf.data(), 8),
           MOS_STATUS_INVALID_ARGUMENT, "mos_decoder_base_write");
  T_MSG("0 <= i < 1");
  T_STATUS(mos_decoder_base_read(d, emb, MOS_BASE_GRAD, buf.data(), n_emb - 1),
           MOS_STATUS_SHAPE_MISMATCH, "mos_decoder_base_read");
  T_MSG("num_elements is 103");
  T_STATUS(mos_decoder_base_write(d, emb, MOS_BASE_ADAM_M, buf.data(), n_emb + 1),
           MOS_STATUS_SHAPE_MISMATCH, "mos_decoder_base_write");
  mos_base_array_t bad_which;
  const int three = 3;
  std::memcpy(&bad_which, &three, sizeof three);
  T_STATUS(mos_decoder_base_read(d, emb, bad_which, buf.data(), n_emb), MOS_STATUS_INVALID_ARGUMENT,
           "mos_decoder_base_read");
  T_MSG("unknown base array 3");
  T_STATUS(mos_decoder_base_read(d, nullptr, MOS_BASE_GRAD, buf.data(), n_emb),
           MOS_STATUS_NULL_POINTER, "mos_decoder_base_read");
  T_STATUS(mos_decoder_base_read(d, emb, MOS_BASE_GRAD, nullptr, n_emb), MOS_STATUS_NULL_POINTER,
           "mos_decoder_base_read");
  T_STATUS(mos_decoder_base_write(d, emb, MOS_BASE_GRAD, nullptr, n_emb), MOS_STATUS_NULL_POINTER,
           "mos_decoder_base_write");
  std::vector<float> bad = buf;
  bad[5] = NAN;
  T_STATUS(mos_decoder_base_write(d, emb, MOS_BASE_GRAD, bad.data(), n_emb),
           MOS_STATUS_INVALID_ARGUMENT, "mos_decoder_base_write");
  T_MSG("src[5] (row 0, column 5) is nan");
  bad[5] = 0.5f;
  bad[17] = -1e-3f;
  T_OK(mos_decoder_base_write(d, emb, MOS_BASE_ADAM_M, bad.data(), n_emb));  // m may be negative
  T_STATUS(mos_decoder_base_write(d, emb, MOS_BASE_ADAM_V, bad.data(), n_emb),
           MOS_STATUS_INVALID_ARGUMENT, "mos_decoder_base_write");
  T_MSG("must be >= 0");
  std::vector<float> back(static_cast<size_t>(n_emb), 7.0f);
  T_OK(mos_decoder_base_read(d, emb, MOS_BASE_GRAD, back.data(), n_emb));
  T_CHECK(all_zero(back), "a refused write changed the gradient");
  T_OK(mos_decoder_base_read(d, emb, MOS_BASE_ADAM_V, back.data(), n_emb));
  T_CHECK(all_zero(back), "a refused write changed ADAM_V");

  // Step: hyper-parameters, counts.
  T_STATUS(mos_decoder_base_step(d, nullptr, &norm), MOS_STATUS_NULL_POINTER,
           "mos_decoder_base_step");
  mos_adamw_params_t p2 = prm;
  p2.lr = -1.0f;
  T_STATUS(mos_decoder_base_step(d, &p2, &norm), MOS_STATUS_INVALID_ARGUMENT,
           "mos_decoder_base_step");
  T_MSG("lr must be finite and >= 0");
  p2 = prm;
  p2.beta2 = 1.0f;
  T_STATUS(mos_decoder_base_step(d, &p2, &norm), MOS_STATUS_INVALID_ARGUMENT,
           "mos_decoder_base_step");
  T_MSG("beta2");
  p2 = prm;
  p2.max_grad_norm = NAN;
  T_STATUS(mos_decoder_base_step(d, &p2, &norm), MOS_STATUS_INVALID_ARGUMENT,
           "mos_decoder_base_step");
  T_MSG("max_grad_norm is NaN");
  T_STATUS(mos_decoder_base_set_step(d, -1), MOS_STATUS_INVALID_ARGUMENT,
           "mos_decoder_base_set_step");
  T_STATUS(mos_decoder_base_get_step(d, nullptr), MOS_STATUS_NULL_POINTER,
           "mos_decoder_base_get_step");
  T_STATUS(mos_decoder_base_grad_norm(d, nullptr), MOS_STATUS_NULL_POINTER,
           "mos_decoder_base_grad_norm");
  T_OK(mos_decoder_base_get_step(d, &step));
  T_CHECK(step == 0, "refused steps counted: %lld", (long long)step);

  // A NaN gradient (a NaN embedding row reaches the loss): the step is refused, nothing changes.
  std::vector<float> e0(static_cast<size_t>(n_emb));
  T_OK(mos_decoder_get_weight(d, emb, MOS_DTYPE_F32, 13, 8, e0.data()));
  std::vector<float> nan_row = e0;
  nan_row[3 * 8 + 2] = NAN;
  T_OK(mos_decoder_set_weight(d, emb, MOS_DTYPE_F32, 13, 8, nan_row.data()));
  std::mt19937_64 rng(1);
  t::RandomBatch rb(rng, {5}, 13);
  rb.tokens[1] = 3;
  rb.targets[0] = 3;
  T_OK(mos_decoder_base_zero_grad(d));
  run_loss(d, rb, 1, 1.0f);
  T_OK(mos_decoder_set_weight(d, emb, MOS_DTYPE_F32, 13, 8, e0.data()));
  T_STATUS(mos_decoder_base_step(d, &prm, &norm), MOS_STATUS_INVALID_STATE,
           "mos_decoder_base_step");
  T_MSG("global L2 norm is nan");
  T_OK(mos_decoder_get_weight(d, emb, MOS_DTYPE_F32, 13, 8, back.data()));
  T_CHECK(back == e0, "a refused step changed the embedding");
  T_OK(mos_decoder_base_read(d, emb, MOS_BASE_ADAM_M, back.data(), n_emb));
  T_CHECK(back == bad, "a refused step changed the first moment");
  T_OK(mos_decoder_base_get_step(d, &step));
  T_CHECK(step == 0, "a refused step was counted: %lld", (long long)step);

  // Off frees the state; on again starts from zero.
  T_OK(mos_decoder_base_set_step(d, 9));
  T_OK(mos_decoder_set_base_trainable(d, 0));
  T_STATUS(mos_decoder_base_get_step(d, &step), MOS_STATUS_INVALID_STATE,
           "mos_decoder_base_get_step");
  T_OK(mos_decoder_set_base_trainable(d, 1));
  T_OK(mos_decoder_base_get_step(d, &step));
  T_OK(mos_decoder_base_read(d, emb, MOS_BASE_ADAM_M, back.data(), n_emb));
  T_CHECK(step == 0 && all_zero(back), "trainable again: step %lld, moments not zero",
          (long long)step);

  // get_weight.
  T_STATUS(mos_decoder_get_weight(d, "lm_head.weight", MOS_DTYPE_F32, 13, 8, back.data()),
           MOS_STATUS_INVALID_ARGUMENT, "mos_decoder_get_weight");
  T_STATUS(mos_decoder_get_weight(d, emb, MOS_DTYPE_F32, 8, 13, back.data()),
           MOS_STATUS_SHAPE_MISMATCH, "mos_decoder_get_weight");
  T_MSG("is [13 x 8] but [8 x 13]");
  T_STATUS(mos_decoder_get_weight(d, emb, MOS_DTYPE_I32, 13, 8, back.data()),
           MOS_STATUS_INVALID_ARGUMENT, "mos_decoder_get_weight");
  T_MSG("dst_dtype");
  T_STATUS(mos_decoder_get_weight(d, emb, MOS_DTYPE_F32, 13, 8, nullptr), MOS_STATUS_NULL_POINTER,
           "mos_decoder_get_weight");
  T_STATUS(mos_decoder_get_weight(nullptr, emb, MOS_DTYPE_F32, 13, 8, back.data()),
           MOS_STATUS_NULL_POINTER, "mos_decoder_get_weight");
  {
    // A weight never set; and a step before every weight is set.
    const mos_decoder_config_t cfg = t::decoder_config(small_spec(false, false));
    mos_decoder_t fresh = nullptr;
    T_OK(mos_decoder_create(f.ctx, &cfg, &fresh));
    T_STATUS(mos_decoder_get_weight(fresh, emb, MOS_DTYPE_F32, 13, 8, back.data()),
             MOS_STATUS_INVALID_STATE, "mos_decoder_get_weight");
    T_MSG("never set");
    T_OK(mos_decoder_set_base_trainable(fresh, 1));
    T_STATUS(mos_decoder_base_step(fresh, &prm, &norm), MOS_STATUS_INVALID_STATE,
             "mos_decoder_base_step");
    T_MSG("was never set");
    T_OK(mos_decoder_free(fresh));
  }
}

}  // namespace

int main() {
  t::DecoderSpec a;
  a.c = dor::Config{29, 16, 24, 2, 4, 2, 6, 1e-5, 10000.0f};
  a.c.qkv_bias = a.c.o_bias = true;
  a.name = "GQA hd=6 untied biases, base only";
  gradients(a, 31, false, false);

  t::DecoderSpec b;
  b.c = dor::Config{23, 12, 20, 2, 3, 1, 4, 1e-6, 500000.0f};
  b.c.llama3 = true;
  b.c.factor = 8.0f;
  b.c.low = 1.0f;
  b.c.high = 4.0f;
  b.c.original_max = 32;
  b.c.tied = true;
  b.c.qkv_bias = true;
  b.r = 2, b.R = 1, b.p = 0, b.l = 2;
  b.dropout = 0.2f;
  b.name = "MQA tied llama3 q/k/v biases, pools on all seven with dropout, recompute";
  gradients(b, 32, true, true);

  adamw_hand();
  memorize();
  get_weight_round_trip();
  refusals();
  return t::report("test_decoder_base");
}
