// SPDX-License-Identifier: Apache-2.0
// test_decoder_forward: the decoder's logits and loss against the double oracle (decoder_oracle.h)
// over a table of configurations (GQA / MQA / MHA, tied and untied embeddings, BF16 and F32
// storage, q/k/v/o biases, head_dim != hidden/heads, llama3 RoPE), with MoS pools on all seven
// projections (MOS_TOL_F32_DECODER_LOGITS / _NLL). Also: a batch of different lengths equals the
// sequences one by one, merged equals unmerged (and unmerge gives the weights back), and a batch
// whose lm_head runs in several chunks.
#include <string>
#include <vector>

#include "decoder_fixture.h"

namespace {

std::vector<t::DecoderSpec> specs() {
  std::vector<t::DecoderSpec> v;
  t::DecoderSpec a;  // GQA, head_dim 6 != 16 / 4, untied, F32
  a.c = dor::Config{29, 16, 24, 2, 4, 2, 6, 1e-5, 10000.0f};
  a.name = "GQA hd=6 untied F32";
  v.push_back(a);
  t::DecoderSpec b;  // MQA, tied, BF16, biases, llama3 RoPE (a band of each kind of frequency)
  b.c = dor::Config{31, 16, 20, 2, 4, 1, 8, 1e-6, 500000.0f};
  b.c.llama3 = true;
  b.c.factor = 8.0f;
  b.c.low = 1.0f;
  b.c.high = 4.0f;
  b.c.original_max = 32;
  b.c.qkv_bias = b.c.o_bias = b.c.tied = true;
  b.storage = MOS_DTYPE_BF16;
  b.r = 2, b.R = 1, b.p = 0, b.l = 2;
  b.name = "MQA tied BF16 biases llama3";
  v.push_back(b);
  t::DecoderSpec c;  // MHA, three blocks, Qwen2-like q/k/v biases only, F32
  c.c = dor::Config{23, 12, 32, 3, 3, 3, 4, 1e-5, 10000.0f};
  c.c.qkv_bias = true;
  c.r = 2, c.R = 2, c.p = 2, c.l = 1;  // R_eq = p: private ranks only (LoRA-like)
  c.name = "MHA qkv-bias F32";
  v.push_back(c);
  return v;
}

void check_spec(const t::DecoderSpec& spec, uint64_t seed) {
  t::DecoderFixture f(spec, seed);
  const std::string tag = spec.name;
  t::RandomBatch rb(f.rng, {7, 1, 12, 4}, spec.c.V, 5);
  const dor::Adapters ad = f.adapters();

  // Logits at every position vs the oracle.
  mos_batch_t batch = rb.batch(false);
  std::vector<float> logits(rb.tokens.size() * spec.c.V);
  T_OK(mos_decoder_logits(f.dec, &batch, logits.data()));
  const dor::Vec ref = dor::logits(spec.c, f.w, ad, rb.lengths, rb.tokens);
  t::close((tag + ": logits").c_str(), logits, ref, MOS_TOL_F32_DECODER_LOGITS, seed,
           t::shape(static_cast<int64_t>(rb.tokens.size()), spec.c.V));

  // Loss (no backward) vs the oracle; positions without a target are left out.
  batch = rb.batch(true);
  double sum = 0;
  int64_t count = 0;
  T_OK(mos_decoder_loss(f.dec, &batch, 0, 1.0f, &sum, &count));
  int64_t ref_count = 0;
  const double ref_sum = dor::loss(spec.c, f.w, ad, rb.lengths, rb.tokens, rb.targets, &ref_count);
  T_CHECK(count == ref_count, "%s: loss_count %lld, oracle %lld", tag.c_str(), (long long)count,
          (long long)ref_count);
  T_CHECK(std::fabs(sum - ref_sum) <= MOS_TOL_F32_DECODER_NLL * 10 * std::fabs(ref_sum),
          "%s: loss_sum %.9g, oracle %.9g (seed %llu)", tag.c_str(), sum, ref_sum,
          (unsigned long long)seed);

  // The batch equals its sequences one by one.
  size_t at = 0;
  for (size_t s = 0; s < rb.lengths.size(); ++s) {
    const int len = rb.lengths[s];
    mos_batch_t one{1, &rb.lengths[s], rb.tokens.data() + at, nullptr};
    std::vector<float> l1(static_cast<size_t>(len) * spec.c.V);
    T_OK(mos_decoder_logits(f.dec, &one, l1.data()));
    const std::vector<float> part(logits.begin() + at * spec.c.V,
                                  logits.begin() + (at + len) * spec.c.V);
    t::close((tag + ": sequence " + std::to_string(s) + " alone vs in the batch").c_str(), l1,
             t::to_double(part), MOS_TOL_F32_DECODER_LOGITS, seed, t::shape(len, spec.c.V));
    at += len;
  }

  // Merged == unmerged (F32 storage only; BF16 refuses).
  if (spec.storage == MOS_DTYPE_F32) {
    T_OK(mos_decoder_merge(f.dec));
    std::vector<float> merged(logits.size());
    batch = rb.batch(false);
    T_OK(mos_decoder_logits(f.dec, &batch, merged.data()));
    t::close((tag + ": merged vs unmerged").c_str(), merged, t::to_double(logits),
             MOS_TOL_F32_MERGED_FORWARD, seed, "logits");
    T_OK(mos_decoder_unmerge(f.dec));
    // Without the pools the oracle's base model, then unmerged + pools as before.
    for (int p = 0; p < dor::kProj; ++p)
      T_OK(mos_decoder_attach_pool(f.dec, t::proj_name(p), nullptr));
    std::vector<float> base(logits.size());
    T_OK(mos_decoder_logits(f.dec, &batch, base.data()));
    t::close((tag + ": base after unmerge").c_str(), base,
             dor::logits(spec.c, f.w, dor::Adapters{}, rb.lengths, rb.tokens),
             MOS_TOL_F32_DECODER_LOGITS, seed, "logits");
  } else {
    T_STATUS(mos_decoder_merge(f.dec), MOS_STATUS_UNSUPPORTED, "mos_decoder_merge");
  }
}

// A vocabulary large enough that the lm_head runs in several chunks (8 Mi floats each).
void check_chunked_head(uint64_t seed) {
  t::DecoderSpec s;
  s.c = dor::Config{300000, 8, 8, 1, 2, 1, 4, 1e-5, 10000.0f};
  s.c.tied = true;
  s.storage = MOS_DTYPE_BF16;
  s.adapted = 0x1;  // q_proj
  s.r = 1, s.R = 1, s.p = 0, s.l = 1;
  t::DecoderFixture f(s, seed);
  std::vector<int> lens = {40};
  t::RandomBatch rb(f.rng, lens, s.c.V);
  mos_batch_t batch = rb.batch(true);
  double sum = 0;
  int64_t count = 0;
  T_OK(mos_decoder_loss(f.dec, &batch, 0, 1.0f, &sum, &count));
  const double ref = dor::loss(s.c, f.w, f.adapters(), rb.lengths, rb.tokens, rb.targets);
  T_CHECK(count == 39 && std::fabs(sum - ref) <= 10 * MOS_TOL_F32_DECODER_NLL * std::fabs(ref),
          "chunked lm_head: loss %.9g over %lld, oracle %.9g", sum, (long long)count, ref);
}

}  // namespace

int main() {
  uint64_t seed = 1234;
  for (const t::DecoderSpec& s : specs()) check_spec(s, seed++);
  check_chunked_head(99);
  return t::report("test_decoder_forward");
}
