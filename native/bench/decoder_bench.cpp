// SPDX-License-Identifier: Apache-2.0
// decoder_bench: speed and peak memory of the decoder through the C ABI (docs/llm.md, "Speed"):
// prefill and decode steps through the KV cache (1 and 8 sequences), and a training step with MoS
// pools on all seven projections, recomputation off and on. Random BF16 weights of a model shape:
//   --model smol  SmolLM-135M's shape (default)      --model 1b    Llama-3.2-1B's shape
//   --model tiny  a few hundred parameters (ctest's smoke run: crash-freedom only)
//   --model small 12 blocks of hidden 96, vocab 256 (a character-level base as the demo trains)
// --train-base: F32 weights, and first a full-parameter training step of the base
// (mos_decoder_set_base_trainable; loss with backward, then mos_decoder_base_step).
//   --backend cpu (default) | cuda   the context's backend (cuda: exit 77 with the reason when
//                                    no GPU is usable; tests/gpu/run.sh times it on a GPU)
// Run on a quiet machine with OMP_WAIT_POLICY=PASSIVE (docs/benchmarks.md, case 7).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "mos/mos.h"

#define CHECK(c)                                                                   \
  do {                                                                             \
    mos_status_t s_ = (c);                                                         \
    if (s_ != MOS_STATUS_OK) {                                                     \
      std::fprintf(stderr, "%s failed (%d): %s\n", #c, (int)s_, mos_last_error()); \
      std::exit(1);                                                                \
    }                                                                              \
  } while (0)

namespace {

/* A pool group's configuration (named fields: ABI 2). */
mos_config_t pool_config(int32_t d_in, int32_t d_out, int32_t blocks, int32_t rank,
                         int32_t equivalent_rank, int32_t private_rank, int32_t l, float alpha,
                         float dropout) {
  mos_config_t c;
  memset(&c, 0, sizeof c);
  c.struct_size = static_cast<int32_t>(sizeof(mos_config_t));
  c.d_in = d_in;
  c.d_out = d_out;
  c.num_blocks = blocks;
  c.rank = rank;
  c.equivalent_rank = equivalent_rank;
  c.private_rank = private_rank;
  c.shards_per_vector = l;
  c.alpha = alpha;
  c.dropout = dropout;
  return c;
}

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double peak_rss_gib() {  // VmHWM of /proc/self/status
  std::ifstream f("/proc/self/status");
  for (std::string l; std::getline(f, l);)
    if (l.rfind("VmHWM:", 0) == 0) return std::atof(l.c_str() + 6) / 1048576.0;
  return -1.0;
}

mos_decoder_config_t shape(const std::string& model) {
  mos_decoder_config_t c{};
  if (model == "1b") {
    c = {128256,          2048,  8192, 16,   32,   8, 64, 2048, 1e-5f,         500000.0f,
         MOS_ROPE_LLAMA3, 32.0f, 1.0f, 4.0f, 8192, 0, 0,  1,    MOS_DTYPE_BF16};
  } else if (model == "small") {
    c = {256, 96, 256, 12, 4, 4, 24, 512,           1e-5f, 10000.0f, MOS_ROPE_DEFAULT,
         0,   0,  0,   0,  0, 0, 1,  MOS_DTYPE_BF16};
  } else if (model == "tiny") {
    c = {64, 32, 64, 2, 4, 2, 8, 256,           1e-5f, 10000.0f, MOS_ROPE_DEFAULT,
         0,  0,  0,  0, 0, 0, 1, MOS_DTYPE_BF16};
  } else {
    c = {49152, 576, 1536, 30, 9, 3, 64, 2048,          1e-5f, 10000.0f, MOS_ROPE_DEFAULT,
         0,     0,   0,    0,  0, 0, 1,  MOS_DTYPE_BF16};
  }
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model = "smol", backend = "cpu";
  bool train_base = false;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--model" && i + 1 < argc) model = argv[i + 1];
    if (std::string(argv[i]) == "--backend" && i + 1 < argc) backend = argv[i + 1];
    if (std::string(argv[i]) == "--train-base") train_base = true;
  }
  const bool tiny = model == "tiny";
  mos_decoder_config_t c = shape(model);
  if (train_base) c.weight_dtype = MOS_DTYPE_F32;  // the base trains in F32 only
  const mos_backend_t kind = backend == "cuda" ? MOS_BACKEND_CUDA : MOS_BACKEND_CPU;
  if (backend != "cpu" && backend != "cuda") {
    std::fprintf(stderr, "--backend must be cpu or cuda, got '%s'\n", backend.c_str());
    return 2;
  }
  int32_t available = 0;
  char reason[512] = "";
  if (mos_backend_available(kind, &available, reason, sizeof reason) != MOS_STATUS_OK ||
      !available) {
    const char* req = std::getenv("MOS_REQUIRE_GPU");
    const bool required = req != nullptr && req[0] != '\0' && std::strcmp(req, "0") != 0;
    std::printf("%s: backend %s unavailable (%s)\n", required ? "FAIL" : "SKIP", backend.c_str(),
                reason);
    return required ? 1 : 77;
  }
  mos_context_t ctx;
  CHECK(mos_context_create(kind, 0, &ctx));
  mos_decoder_t dec;
  CHECK(mos_decoder_create(ctx, &c, &dec));
  int32_t n = 0;
  CHECK(mos_decoder_weight_count(dec, &n));
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 0.02f);
  double t0 = now();
  for (int32_t i = 0; i < n; ++i) {
    char name[128];
    int64_t rows, cols;
    CHECK(mos_decoder_weight_info(dec, i, name, sizeof name, &rows, &cols, nullptr));
    std::vector<uint16_t> w(static_cast<size_t>(rows * cols));
    const bool norm = std::strstr(name, "norm") != nullptr;
    for (uint16_t& x : w) {
      const float f = norm ? 1.0f : normal(rng);
      uint32_t b;
      std::memcpy(&b, &f, 4);
      x = static_cast<uint16_t>(b >> 16);
    }
    CHECK(mos_decoder_set_weight(dec, name, MOS_DTYPE_BF16, rows, cols, w.data()));
  }
  const char* wait = std::getenv("OMP_WAIT_POLICY");
  std::printf("model %s (%d blocks, hidden %d, vocab %d, %s) on %s, OMP_WAIT_POLICY=%s\n",
              model.c_str(), c.num_layers, c.hidden_size, c.vocab_size, train_base ? "F32" : "BF16",
              backend.c_str(), wait ? wait : "(unset)");
  std::printf("weights set in %.1f s, peak RSS %.2f GiB\n", now() - t0, peak_rss_gib());

  const int prompt = tiny ? 8 : 32, steps = tiny ? 2 : (model == "1b" ? 6 : 16);
  for (int batch : {1, 8}) {
    mos_kv_cache_t cache;
    const int64_t per_seq = (prompt + steps + 15) / 16 * 16;  // whole 16-token pages
    CHECK(mos_kv_cache_create(dec, batch * per_seq, &cache));
    std::vector<int32_t> ids(batch), lens(batch, prompt),
        toks(static_cast<size_t>(batch) * prompt, 5);
    for (int32_t& id : ids) CHECK(mos_kv_cache_add_sequence(cache, &id));
    std::vector<float> logits(static_cast<size_t>(batch) * c.vocab_size);
    mos_step_t st{batch, ids.data(), lens.data(), toks.data(), nullptr};
    t0 = now();
    CHECK(mos_decoder_step(dec, cache, nullptr, &st, logits.data()));
    const double prefill = now() - t0;
    std::fill(lens.begin(), lens.end(), 1);
    t0 = now();
    for (int s = 0; s < steps; ++s)
      CHECK(mos_decoder_step(dec, cache, nullptr, &st, logits.data()));
    const double per_step = (now() - t0) / steps;
    std::printf(
        "%d sequence(s): prefill %d tokens %.3f s (%.0f tokens/s); decode %.1f ms/step "
        "(%.1f tokens/s); peak RSS %.2f GiB\n",
        batch, prompt * batch, prefill, prompt * batch / prefill, per_step * 1e3, batch / per_step,
        peak_rss_gib());
    CHECK(mos_kv_cache_free(cache));
  }

  const int seqs = model == "1b" ? 1 : 4, len = tiny ? 16 : (model == "1b" ? 128 : 256);
  std::vector<int32_t> lengths(seqs, len), tokens(static_cast<size_t>(seqs) * len),
      targets(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) {
    tokens[i] = static_cast<int32_t>(i * 7919 % c.vocab_size);
    targets[i] = static_cast<int32_t>((i + 1) * 7919 % c.vocab_size);
  }
  mos_batch_t batch{seqs, lengths.data(), tokens.data(), targets.data()};

  if (train_base) {
    // Full-parameter training: gradients of every weight, global-norm clip, AdamW on the base.
    CHECK(mos_decoder_set_base_trainable(dec, 1));
    const mos_adamw_params_t hp{1e-3f, 0.9f, 0.95f, 1e-8f, 0.1f, 1.0f};
    for (int recompute = 0; recompute < 2; ++recompute) {
      CHECK(mos_decoder_set_recompute(dec, recompute));
      double best = 1e30, best_step = 1e30;
      for (int it = 0; it < (tiny ? 1 : 3); ++it) {
        double loss = 0.0, norm = 0.0;
        int64_t count = 0;
        t0 = now();
        CHECK(mos_decoder_base_zero_grad(dec));
        CHECK(mos_decoder_loss(dec, &batch, 1, 1.0f / (seqs * len), &loss, &count));
        const double t1 = now();
        CHECK(mos_decoder_base_step(dec, &hp, &norm));
        best = std::fmin(best, now() - t0);
        best_step = std::fmin(best_step, now() - t1);
      }
      std::printf(
          "base training step, %d x %d tokens, recompute %s: %.3f s (%.0f tokens/s; "
          "of which AdamW %.1f ms); peak RSS %.2f GiB\n",
          seqs, len, recompute ? "on" : "off", best, seqs * len / best, best_step * 1e3,
          peak_rss_gib());
    }
    CHECK(mos_decoder_set_base_trainable(dec, 0));
    CHECK(mos_decoder_set_recompute(dec, 0));
  }

  // Training: MoS (r 8 from R_eq 2, p 1, l 2, dropout 0.05) on all seven projections, AdamW.
  const int32_t H = c.hidden_size, Q = c.num_heads * c.head_dim, KV = c.num_kv_heads * c.head_dim;
  const int32_t I = c.intermediate_size;
  const int32_t d_in[7] = {H, H, H, Q, H, H, I}, d_out[7] = {Q, KV, KV, H, I, I, H};
  const char* projs[7] = {"q_proj",    "k_proj",  "v_proj",   "o_proj",
                          "gate_proj", "up_proj", "down_proj"};
  mos_pool_t pools[7];
  mos_optimizer_t opt;
  CHECK(mos_optimizer_create_adamw(ctx, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.0f, &opt));
  const int32_t r = tiny ? 2 : 8;
  for (int p = 0; p < 7; ++p) {
    const mos_config_t cfg = pool_config(d_in[p], d_out[p], c.num_layers, r, 2, 1, 2, 16.0f, 0.05f);
    CHECK(mos_pool_create(ctx, &cfg, &pools[p]));
    CHECK(mos_pool_init(pools[p], p));
    CHECK(mos_pool_generate_indices(pools[p], p));
    CHECK(mos_decoder_attach_pool(dec, projs[p], pools[p]));
    CHECK(mos_optimizer_add_pool(opt, pools[p]));
  }
  for (int recompute = 0; recompute < 2; ++recompute) {
    CHECK(mos_decoder_set_recompute(dec, recompute));
    double best = 1e30;
    for (int it = 0; it < (tiny ? 1 : 3); ++it) {
      double loss = 0.0;
      int64_t count = 0;
      t0 = now();
      CHECK(mos_optimizer_zero_grad(opt));
      CHECK(mos_decoder_loss(dec, &batch, 1, 1.0f / (seqs * len), &loss, &count));
      CHECK(mos_optimizer_step(opt));
      CHECK(mos_context_synchronize(ctx));  // CUDA: the step's kernels are queued
      best = std::fmin(best, now() - t0);
    }
    std::printf(
        "training step, %d x %d tokens, recompute %s: %.2f s (%.0f tokens/s); peak RSS "
        "%.2f GiB\n",
        seqs, len, recompute ? "on" : "off", best, seqs * len / best, peak_rss_gib());
  }
  for (mos_pool_t p : pools) CHECK(mos_pool_free(p));
  CHECK(mos_optimizer_free(opt));
  CHECK(mos_decoder_free(dec));
  CHECK(mos_context_free(ctx));
  return 0;
}
