// SPDX-License-Identifier: Apache-2.0
// test_decoder_hf: the decoder against Hugging Face's own numbers (tests/fixtures/hf, written by
// transformers 5.17 / PEFT 0.21): mean next-token NLL, the float64 logits of one sequence and
// greedy continuations (KV-cache decoding) of three tiny LlamaForCausalLM checkpoints -- GQA; tied
// embeddings + BF16 + llama3 RoPE + sharded files; q/k/v/o biases + head_dim != hidden/heads --
// and of a PEFT LoRA adapter on the first, loaded as MoS pools (p = R_eq = r, l = 1 is LoRA).
// f32 against float64 references: MOS_TOL_F32_DECODER_LOGITS / _NLL.
#include <cmath>
#include <string>
#include <vector>

#include "hf_fixture.h"
#include "test_util.h"

namespace {

const std::string kDir = MOS_HF_FIXTURES;

struct Model {
  mos_context_t ctx = nullptr;
  mos_decoder_t dec = nullptr;
  mos_decoder_config_t cfg{};
  std::vector<mos_pool_t> pools;
  ~Model() {
    for (mos_pool_t p : pools) mos_pool_free(p);
    mos_decoder_free(dec);
    mos_context_free(ctx);
  }
};

mos_dtype_t dtype_of(const std::string& d) {
  return d == "BF16" ? MOS_DTYPE_BF16 : d == "F16" ? MOS_DTYPE_F16 : MOS_DTYPE_F32;
}

void load(Model& m, const std::string& name, mos_dtype_t storage) {
  const hf::Json config = hf::read_json(kDir + "/" + name + "/config.json");
  m.cfg = hf::decoder_config(config, storage);
  T_OK(mos_context_create(MOS_BACKEND_CPU, 0, &m.ctx));
  T_OK(mos_decoder_create(m.ctx, &m.cfg, &m.dec));
  for (const auto& kv : hf::read_checkpoint(kDir + "/" + name)) {
    const hf::Tensor& t = kv.second;
    const int64_t rows = t.shape.size() == 2 ? t.shape[0] : 1;
    const int64_t cols = t.shape.back();
    T_OK(mos_decoder_set_weight(m.dec, kv.first.c_str(), dtype_of(t.dtype), rows, cols, t.data()));
  }
}

// PEFT's lora_A [r x d_in] / lora_B [d_out x r] of every block as one MoS pool group per
// projection: R_eq = p = r, l = 1, so block k owns pool rows [k r, (k+1) r) in order.
void attach_lora(Model& m, const std::string& dir) {
  const hf::Json ac = hf::read_json(dir + "/adapter_config.json");
  const int32_t r = static_cast<int32_t>(ac["r"].integer());
  const float alpha = static_cast<float>(ac["lora_alpha"].number());
  const auto tensors = hf::read_safetensors(dir + "/adapter_model.safetensors");
  const char* projs[] = {"q_proj",    "k_proj",  "v_proj",   "o_proj",
                         "gate_proj", "up_proj", "down_proj"};
  const int32_t L = m.cfg.num_layers;
  for (const char* proj : projs) {
    const bool attn = std::string(proj) == "q_proj" || std::string(proj) == "k_proj" ||
                      std::string(proj) == "v_proj" || std::string(proj) == "o_proj";
    auto key = [&](int k, const char* ab) {
      return "base_model.model.model.layers." + std::to_string(k) +
             (attn ? ".self_attn." : ".mlp.") + proj + ".lora_" + ab + ".weight";
    };
    const hf::Tensor& a0 = tensors.at(key(0, "A"));
    const hf::Tensor& b0 = tensors.at(key(0, "B"));
    const int32_t d_in = static_cast<int32_t>(a0.shape[1]),
                  d_out = static_cast<int32_t>(b0.shape[0]);
    mos_pool_t pool = nullptr;
    T_OK(mos_pool_create(m.ctx,
                         t::config({.d_in = d_in,
                                    .d_out = d_out,
                                    .num_blocks = L,
                                    .rank = r,
                                    .equivalent_rank = r,
                                    .private_rank = r,
                                    .shards_per_vector = 1,
                                    .alpha = alpha,
                                    .dropout = 0.0f}),
                         &pool));
    m.pools.push_back(pool);
    T_OK(mos_pool_generate_indices(pool, 1));  // p = R_eq: block k's own rows, in order
    const int64_t P = static_cast<int64_t>(r) * L;
    std::vector<float> pa(static_cast<size_t>(P * d_in)), pb(static_cast<size_t>(d_out * P));
    for (int k = 0; k < L; ++k) {
      const std::vector<float> a = tensors.at(key(k, "A")).f32();
      const std::vector<float> b = tensors.at(key(k, "B")).f32();
      for (int j = 0; j < r; ++j)
        for (int c = 0; c < d_in; ++c)
          pa[(static_cast<size_t>(k) * r + j) * d_in + c] = a[j * d_in + c];
      for (int o = 0; o < d_out; ++o)
        for (int j = 0; j < r; ++j) pb[static_cast<size_t>(o) * P + k * r + j] = b[o * r + j];
    }
    T_OK(mos_pool_write(pool, MOS_POOL_A, pa.data(), static_cast<int64_t>(pa.size())));
    T_OK(mos_pool_write(pool, MOS_POOL_B, pb.data(), static_cast<int64_t>(pb.size())));
    T_OK(mos_decoder_attach_pool(m.dec, proj, pool));
  }
}

void check_model(Model& m, const hf::Json& ex, const std::string& what) {
  // Mean NLL over every position t >= 1 of every sequence (mos score's definition).
  std::vector<int32_t> lengths, tokens, targets;
  for (const hf::Json& s : ex["sequences"].arr) {
    lengths.push_back(static_cast<int32_t>(s.arr.size()));
    for (size_t t = 0; t < s.arr.size(); ++t) {
      tokens.push_back(static_cast<int32_t>(s[t].integer()));
      targets.push_back(t + 1 < s.arr.size() ? static_cast<int32_t>(s[t + 1].integer()) : -1);
    }
  }
  mos_batch_t batch{static_cast<int32_t>(lengths.size()), lengths.data(), tokens.data(),
                    targets.data()};
  double sum = 0.0;
  int64_t count = 0;
  T_OK(mos_decoder_loss(m.dec, &batch, 0, 1.0f, &sum, &count));
  const double ref = ex["mean_nll_f64"].number();
  T_CHECK(count == ex["tokens"].integer(), "%s: %lld positions, expected %lld", what.c_str(),
          (long long)count, (long long)ex["tokens"].integer());
  const double got = sum / static_cast<double>(count);
  T_CHECK(std::fabs(got - ref) <= MOS_TOL_F32_DECODER_NLL * std::fabs(ref),
          "%s: mean NLL %.9f vs transformers float64 %.9f (rel %.2e)", what.c_str(), got, ref,
          std::fabs(got - ref) / std::fabs(ref));

  // Logits of sequence 2, every position.
  const hf::Json& seq2 = ex["sequences"][2];
  std::vector<int32_t> toks2;
  for (const hf::Json& v : seq2.arr) toks2.push_back(static_cast<int32_t>(v.integer()));
  const int32_t len2 = static_cast<int32_t>(toks2.size());
  mos_batch_t b2{1, &len2, toks2.data(), nullptr};
  std::vector<float> logits(static_cast<size_t>(len2) * m.cfg.vocab_size);
  T_OK(mos_decoder_logits(m.dec, &b2, logits.data()));
  std::vector<double> ref_logits;
  for (const hf::Json& row : ex["logits_seq2_f64"].arr)
    for (const hf::Json& v : row.arr) ref_logits.push_back(v.number());
  t::close((what + " logits of sequence 2").c_str(), logits, ref_logits, MOS_TOL_F32_DECODER_LOGITS,
           0, t::shape(len2, m.cfg.vocab_size));

  // Greedy continuations through the KV cache (mos_decoder_generate), stopping at an EOS id.
  std::vector<int32_t> eos;
  if (const hf::Json* e = ex.find("eos_ids"))
    for (const hf::Json& v : e->arr) eos.push_back(static_cast<int32_t>(v.integer()));
  for (const hf::Json& g : ex["greedy"].arr) {
    std::vector<int32_t> prompt;
    for (const hf::Json& v : g["prompt"].arr) prompt.push_back(static_cast<int32_t>(v.integer()));
    const int32_t max_new = static_cast<int32_t>(g["max_new_tokens"].integer());
    std::vector<int32_t> out(static_cast<size_t>(max_new), -1);
    mos_generate_request_t req{};
    req.prompt = prompt.data();
    req.prompt_length = static_cast<int32_t>(prompt.size());
    req.max_new_tokens = max_new;
    req.sampling.temperature = 0.0f;
    req.sampling.top_p = 1.0f;
    req.stop_ids = eos.empty() ? nullptr : eos.data();
    req.num_stop_ids = static_cast<int32_t>(eos.size());
    req.adapter_id = -1;
    req.out_tokens = out.data();
    T_OK(mos_decoder_generate(m.dec, nullptr, &req, 1, nullptr, nullptr));
    std::vector<int32_t> want;
    for (const hf::Json& v : g["ids_f64"].arr) want.push_back(static_cast<int32_t>(v.integer()));
    out.resize(static_cast<size_t>(req.out_length));
    std::string got_s, want_s;
    for (int32_t v : out) got_s += std::to_string(v) + " ";
    for (int32_t v : want) want_s += std::to_string(v) + " ";
    T_CHECK(out == want,
            "%s: greedy from a %zu-token prompt gave [%s], transformers [%s] "
            "(min top-1/top-2 margin %.4f)",
            what.c_str(), prompt.size(), got_s.c_str(), want_s.c_str(),
            g["min_margin_f64"].number());
  }
}

}  // namespace

int main() {
  struct Case {
    const char* dir;
    mos_dtype_t storage;
  } cases[] = {{"llama-gqa-f32", MOS_DTYPE_F32},
               {"llama-tied-bf16-sharded", MOS_DTYPE_BF16},
               {"llama-tied-bf16-sharded", MOS_DTYPE_F32},  // the same values, widened
               {"llama-bias-headdim-f32", MOS_DTYPE_F32}};
  for (const Case& c : cases) {
    Model m;
    load(m, c.dir, c.storage);
    const hf::Json ex = hf::read_json(kDir + "/" + c.dir + "/expected.json");
    check_model(
        m, ex,
        std::string(c.dir) + (c.storage == MOS_DTYPE_BF16 ? " (BF16 storage)" : " (F32 storage)"));
  }
  {
    Model m;
    load(m, "llama-gqa-f32", MOS_DTYPE_F32);
    attach_lora(m, kDir + "/peft-lora-gqa");
    const hf::Json ex = hf::read_json(kDir + "/peft-lora-gqa/expected.json");
    check_model(m, ex, "peft-lora-gqa as MoS pools");
  }
  return t::report("test_decoder_hf");
}
