// SPDX-License-Identifier: Apache-2.0
// test_decoder_backward: the f32 pool gradients of mos_decoder_loss(backward) through the whole
// decoder (every frozen op: RMSNorm, RoPE, attention, SwiGLU, residuals, chunked lm_head) against
// central finite differences of the double oracle's loss on the pool entries (MOS_TOL_F32_DECODER_GRAD),
// with and without dropout, GQA / MQA, BF16 and F32 storage, tied embeddings, biases, llama3 RoPE.
// Also: recomputation on == off, dropout determinism in (seed, counter) and the counter's
// advance, gradients accumulating across calls, and grad_scale.
#include <string>
#include <vector>

#include "decoder_fixture.h"

namespace {

struct Grads {
  std::vector<std::vector<float>> a, b;  // per projection (empty: not adapted)
};

Grads read_grads(t::DecoderFixture& f) {
  Grads g;
  g.a.resize(dor::kProj);
  g.b.resize(dor::kProj);
  for (int p = 0; p < dor::kProj; ++p) {
    if (!f.pools[p]) continue;
    g.a[p] = t::read_pool(f.pools[p], MOS_POOL_GRAD_A, static_cast<int64_t>(f.pool_a[p].size()));
    g.b[p] = t::read_pool(f.pools[p], MOS_POOL_GRAD_B, static_cast<int64_t>(f.pool_b[p].size()));
  }
  return g;
}

void zero_grads(t::DecoderFixture& f) {
  for (mos_pool_t p : f.pools)
    if (p) T_OK(mos_pool_zero_grad(p));
}

double run_backward(t::DecoderFixture& f, const t::RandomBatch& rb, uint64_t dseed,
                    uint64_t counter, float grad_scale) {
  T_OK(mos_decoder_set_dropout_state(f.dec, dseed, counter));
  mos_batch_t batch = rb.batch(true);
  double sum = 0;
  int64_t count = 0;
  T_OK(mos_decoder_loss(f.dec, &batch, 1, grad_scale, &sum, &count));
  return sum;
}

bool same(const Grads& x, const Grads& y) { return x.a == y.a && x.b == y.b; }

// Central differences of the oracle loss (times grad_scale) on every `stride`-th entry of every
// pool, against the analytic gradients.
void finite_differences(t::DecoderFixture& f, const t::RandomBatch& rb, const Grads& g, bool train,
                        uint64_t dseed, uint64_t counter, float grad_scale, int stride,
                        const std::string& tag) {
  std::vector<dor::Vec> pa(dor::kProj), pb(dor::kProj);
  for (int p = 0; p < dor::kProj; ++p) {
    pa[p] = t::to_double(f.pool_a[p]);
    pb[p] = t::to_double(f.pool_b[p]);
  }
  auto loss = [&]() {
    return dor::loss(f.s.c, f.w, f.adapters_from(pa, pb, train, dseed, counter), rb.lengths,
                     rb.tokens, rb.targets);
  };
  const double h = 1e-4;
  for (int p = 0; p < dor::kProj; ++p) {
    if (!f.pools[p]) continue;
    for (int which = 0; which < 2; ++which) {
      dor::Vec& v = which == 0 ? pa[p] : pb[p];
      const std::vector<float>& got = which == 0 ? g.a[p] : g.b[p];
      std::vector<float> picked;
      std::vector<double> ref;
      for (size_t e = 0; e < v.size(); e += static_cast<size_t>(stride)) {
        const double keep = v[e];
        v[e] = keep + h;
        const double lp = loss();
        v[e] = keep - h;
        const double lm = loss();
        v[e] = keep;
        ref.push_back(grad_scale * (lp - lm) / (2 * h));
        picked.push_back(got[e]);
      }
      t::close(
          (tag + ": d loss / d " + t::proj_name(p) + (which == 0 ? " pool_A" : " pool_B")).c_str(),
          picked, ref, MOS_TOL_F32_DECODER_GRAD, f.seed,
          "every " + std::to_string(stride) + " of " + std::to_string(v.size()));
    }
  }
}

void check(t::DecoderSpec spec, uint64_t seed, int stride, bool recompute,
           std::vector<int> lengths = {5, 9, 3}) {
  t::DecoderFixture f(spec, seed);
  const std::string tag = spec.name;
  t::RandomBatch rb(f.rng, lengths, spec.c.V, 4);
  const uint64_t dseed = 77, counter = 5;
  const float scale = 0.25f;
  T_OK(mos_decoder_set_recompute(f.dec, recompute ? 1 : 0));
  zero_grads(f);
  run_backward(f, rb, dseed, counter, scale);
  uint64_t s_after = 0, c_after = 0;
  T_OK(mos_decoder_get_dropout_state(f.dec, &s_after, &c_after));
  T_CHECK(s_after == dseed && c_after == counter + 1,
          "%s: dropout state after a backward is "
          "(%llu, %llu), expected (%llu, %llu)",
          tag.c_str(), (unsigned long long)s_after, (unsigned long long)c_after,
          (unsigned long long)dseed, (unsigned long long)counter + 1);
  const Grads g = read_grads(f);
  finite_differences(f, rb, g, spec.dropout > 0.0f, dseed, counter, scale, stride, tag);

  // Recomputation gives the same gradients; the same (seed, counter) the same masks.
  T_OK(mos_decoder_set_recompute(f.dec, recompute ? 0 : 1));
  zero_grads(f);
  run_backward(f, rb, dseed, counter, scale);
  const Grads g2 = read_grads(f);
  for (int p = 0; p < dor::kProj; ++p) {
    if (!f.pools[p]) continue;
    t::close((tag + ": recompute on vs off, " + t::proj_name(p) + " grad_A").c_str(), g2.a[p],
             t::to_double(g.a[p]), 1e-6, seed, "pool");
    t::close((tag + ": recompute on vs off, " + t::proj_name(p) + " grad_B").c_str(), g2.b[p],
             t::to_double(g.b[p]), 1e-6, seed, "pool");
  }
  zero_grads(f);
  run_backward(f, rb, dseed, counter, scale);
  const Grads g3 = read_grads(f);
  T_CHECK(same(g2, g3), "%s: two backwards with the same (seed, counter) differ", tag.c_str());
  // Gradients add up across calls: the same terms twice (to rounding: per-block sums interleave).
  run_backward(f, rb, dseed, counter, scale);
  const Grads g4 = read_grads(f);
  for (int p = 0; p < dor::kProj; ++p) {
    if (!f.pools[p]) continue;
    std::vector<double> twice(g3.a[p].size());
    for (size_t e = 0; e < twice.size(); ++e) twice[e] = 2.0 * g3.a[p][e];
    t::close((tag + ": two backwards, " + t::proj_name(p) + " grad_A").c_str(), g4.a[p], twice,
             1e-6, seed, "pool");
  }
  if (spec.dropout > 0.0f) {
    zero_grads(f);
    run_backward(f, rb, dseed, counter + 1, scale);
    T_CHECK(!same(read_grads(f), g3), "%s: another dropout counter gave the same gradients",
            tag.c_str());
  }
}

}  // namespace

int main() {
  t::DecoderSpec a;
  a.c = dor::Config{29, 16, 24, 2, 4, 2, 6, 1e-5, 10000.0f};
  a.name = "GQA hd=6 untied F32";
  check(a, 11, 1, false);

  t::DecoderSpec b;
  b.c = dor::Config{31, 16, 20, 2, 4, 1, 8, 1e-6, 500000.0f};
  b.c.llama3 = true;
  b.c.factor = 8.0f;
  b.c.low = 1.0f;
  b.c.high = 4.0f;
  b.c.original_max = 32;
  b.c.qkv_bias = b.c.o_bias = b.c.tied = true;
  b.storage = MOS_DTYPE_BF16;
  b.r = 2, b.R = 1, b.p = 0, b.l = 2;
  b.dropout = 0.25f;
  b.name = "MQA tied BF16 biases llama3, dropout 0.25, recompute";
  check(b, 12, 3, true);
  // At most 8 tokens: the BF16 products take their streaming kernels (gemm_bf16.cpp) both ways.
  b.name = "MQA tied BF16 llama3, 7 tokens";
  check(b, 14, 5, false, {3, 4});

  t::DecoderSpec c;
  c.c = dor::Config{23, 12, 32, 3, 3, 3, 4, 1e-5, 10000.0f};
  c.c.qkv_bias = true;
  c.r = 2, c.R = 2, c.p = 2, c.l = 1;
  c.dropout = 0.1f;
  c.adapted = (1u << dor::kQ) | (1u << dor::kV) | (1u << dor::kDown);
  c.name = "MHA q/v/down only, dropout 0.1";
  check(c, 13, 2, false);
  return t::report("test_decoder_backward");
}
