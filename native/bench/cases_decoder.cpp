// SPDX-License-Identifier: Apache-2.0
// cases_decoder.cpp: case 8, the decoder (docs/benchmarks.md, "8. The decoder"), three parts:
//   8a training step (4 x 256 tokens) of a d=1024, L=8, ffn=2816, 16-head (4 KV heads) model with
//      BF16 weights and MoS on all seven projections, against dense LoRA of the same active rank
//      through the same code (p = R_eq = r, l = 1) and against plain sgemm of the step's dense
//      products (forward x W^T and backward dy W of every projection and of lm_head);
//   8b a 1B-shaped model (Llama-3.2-1B's shape, random BF16 weights): decode tokens/s against the
//      memory-bandwidth bound read in the same run, prefill FLOP rate against sgemm of the same
//      shapes;
//   8c resident memory of that model loading and generating, in a fresh child process.
// FLOPs counted are the ones the step performs: a frozen base has no weight gradients.
#include <sys/resource.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "cases.h"

namespace bench {

namespace {

const char* const kProjections[7] = {"q_proj",    "k_proj",  "v_proj",   "o_proj",
                                     "gate_proj", "up_proj", "down_proj"};

struct ProjShape {
  int64_t d_in, d_out;
};

// The seven projections' (d_in, d_out) of one block, in kProjections' order.
std::vector<ProjShape> block_shapes(const mos_decoder_config_t& c) {
  const int64_t H = c.hidden_size, Q = int64_t{c.num_heads} * c.head_dim,
                KV = int64_t{c.num_kv_heads} * c.head_dim, I = c.intermediate_size;
  return {{H, Q}, {H, KV}, {H, KV}, {Q, H}, {H, I}, {H, I}, {I, H}};
}

int64_t block_params(const mos_decoder_config_t& c) {
  int64_t n = 0;
  for (const ProjShape& s : block_shapes(c)) n += s.d_in * s.d_out;
  return n;
}

mos_decoder_config_t train_shape(bool tiny) {
  mos_decoder_config_t c{};
  if (tiny) {
    c = {64, 32, 64, 2, 4, 2, 8, 256,           1e-5f, 10000.0f, MOS_ROPE_DEFAULT,
         0,  0,  0,  0, 0, 0, 0, MOS_DTYPE_BF16};
  } else {  // the shape; vocab 32000 as Llama 2, lm_head untied
    c = {32000, 1024, 2816, 8, 16, 4, 64, 2048,          1e-5f, 10000.0f, MOS_ROPE_DEFAULT,
         0,     0,    0,    0, 0,  0, 0,  MOS_DTYPE_BF16};
  }
  return c;
}

mos_decoder_config_t shape_1b(bool tiny) {
  mos_decoder_config_t c{};
  if (tiny) {
    c = {64, 32, 64, 2, 4, 2, 8, 256,           1e-5f, 10000.0f, MOS_ROPE_DEFAULT,
         0,  0,  0,  0, 0, 0, 1, MOS_DTYPE_BF16};
  } else {  // Llama-3.2-1B: tied embeddings, llama3 RoPE scaling
    c = {128256,          2048,  8192, 16,   32,   8, 64, 2048, 1e-5f,         500000.0f,
         MOS_ROPE_LLAMA3, 32.0f, 1.0f, 4.0f, 8192, 0, 0,  1,    MOS_DTYPE_BF16};
  }
  return c;
}

// Random BF16 weights (uniform +-0.04 from a splitmix stream: fast for a billion values), norm
// weights 1. Set one weight at a time so the staging buffer is one matrix.
void set_random_weights(mos_decoder_t dec, uint64_t seed) {
  int32_t n = 0;
  MB_CHECK(mos_decoder_weight_count(dec, &n));
  std::vector<uint16_t> w;
  uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
  for (int32_t i = 0; i < n; ++i) {
    char name[128];
    int64_t rows = 0, cols = 0;
    MB_CHECK(mos_decoder_weight_info(dec, i, name, sizeof name, &rows, &cols, nullptr));
    w.assign(static_cast<size_t>(rows * cols), 0);
    const bool norm = std::strstr(name, "norm") != nullptr;
    for (uint16_t& x : w) {
      float f = 1.0f;
      if (!norm) {
        state += 0x9E3779B97F4A7C15ull;
        uint64_t z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        f = (static_cast<float>(z >> 40) / 16777216.0f * 2.0f - 1.0f) * 0.04f;
      }
      uint32_t b;
      std::memcpy(&b, &f, 4);
      x = static_cast<uint16_t>(b >> 16);
    }
    MB_CHECK(mos_decoder_set_weight(dec, name, MOS_DTYPE_BF16, rows, cols, w.data()));
  }
}

mos_config_t pool_config(const ProjShape& s, int32_t blocks, int32_t r, int32_t r_eq, int32_t p,
                         int32_t l) {
  mos_config_t c;
  std::memset(&c, 0, sizeof c);
  c.struct_size = static_cast<int32_t>(sizeof(mos_config_t));
  c.d_in = static_cast<int32_t>(s.d_in);
  c.d_out = static_cast<int32_t>(s.d_out);
  c.num_blocks = blocks;
  c.rank = r;
  c.equivalent_rank = r_eq;
  c.private_rank = p;
  c.shards_per_vector = l;
  c.alpha = 16.0f;
  c.dropout = 0.0f;
  return c;
}

// Seven pool groups (one per projection type) and their AdamW optimizer.
struct PoolSet {
  mos_pool_t pools[7] = {};
  mos_optimizer_t opt = nullptr;
  PoolSet(mos_context_t ctx, const mos_decoder_config_t& c, int32_t r, int32_t r_eq, int32_t p,
          int32_t l, uint64_t seed) {
    MB_CHECK(mos_optimizer_create_adamw(ctx, 1e-4f, 0.9f, 0.999f, 1e-8f, 0.0f, &opt));
    const std::vector<ProjShape> shapes = block_shapes(c);
    for (int i = 0; i < 7; ++i) {
      const mos_config_t pc = pool_config(shapes[i], c.num_layers, r, r_eq, p, l);
      MB_CHECK(mos_pool_create(ctx, &pc, &pools[i]));
      MB_CHECK(mos_pool_init(pools[i], seed + i));
      MB_CHECK(mos_pool_generate_indices(pools[i], seed + 100 + i));
      // pool_B starts at zero; give it values so the adapter's products are not trivially zero
      int64_t n = 0;
      MB_CHECK(mos_pool_array_length(pools[i], MOS_POOL_B, &n));
      std::vector<float> b(static_cast<size_t>(n));
      fill_uniform(b.data(), n, seed + 200 + i, 0.01f);
      MB_CHECK(mos_pool_write(pools[i], MOS_POOL_B, b.data(), n));
      MB_CHECK(mos_optimizer_add_pool(opt, pools[i]));
    }
  }
  PoolSet(const PoolSet&) = delete;
  PoolSet& operator=(const PoolSet&) = delete;
  ~PoolSet() {
    mos_optimizer_free(opt);
    for (mos_pool_t p : pools) mos_pool_free(p);
  }
  void attach(mos_decoder_t dec) const {
    for (int i = 0; i < 7; ++i) MB_CHECK(mos_decoder_attach_pool(dec, kProjections[i], pools[i]));
  }
  int64_t trainable() const {
    int64_t sum = 0;
    for (mos_pool_t p : pools) {
      int64_t a = 0, b = 0;
      MB_CHECK(mos_pool_array_length(p, MOS_POOL_A, &a));
      MB_CHECK(mos_pool_array_length(p, MOS_POOL_B, &b));
      sum += a + b;
    }
    return sum;
  }
};

// Attention FLOPs of one block's forward over `seqs` causal sequences of `len` tokens: QK^T and
// PV over the lower triangle, per query head.
double attention_fwd_flops(const mos_decoder_config_t& c, int seqs, int len) {
  const double pairs = 0.5 * len * (len + 1.0);
  return 2.0 * 2.0 * pairs * c.head_dim * c.num_heads * seqs;
}

void case_decoder_train(Env& e) {
  const std::string cs = "decoder_train";
  const mos_decoder_config_t c = train_shape(e.o.tiny);
  const int seqs = 4, len = e.o.tiny ? 16 : 256, n = seqs * len;
  const int32_t r = e.o.tiny ? 2 : 8;
  std::printf(
      "\n== case 8a: decoder training step, %d x %d tokens, d=%d, L=%d, ffn=%d, %d heads "
      "(%d KV), vocab %d, BF16 base; adapters r=%d on all seven projections\n",
      seqs, len, c.hidden_size, c.num_layers, c.intermediate_size, c.num_heads, c.num_kv_heads,
      c.vocab_size, r);
  mos_decoder_t dec = nullptr;
  MB_CHECK(mos_decoder_create(e.ctx, &c, &dec));
  set_random_weights(dec, 1);
  // MoS: R_eq = r/4, p = 1, l = 2 (the paper's "4/8" sharing); LoRA through the same code.
  const int32_t r_eq = r / 4 > 1 ? r / 4 : 1;
  PoolSet mos(e.ctx, c, r, r_eq, r_eq > 1 ? 1 : 0, 2, 10);
  PoolSet lora(e.ctx, c, r, r, r, 1, 20);

  std::vector<int32_t> lengths(seqs, len), tokens(n), targets(n);
  for (int i = 0; i < n; ++i) {
    tokens[i] = static_cast<int32_t>((int64_t{i} * 7919) % c.vocab_size);
    targets[i] = static_cast<int32_t>((int64_t{i + 1} * 7919) % c.vocab_size);
  }
  const mos_batch_t batch{seqs, lengths.data(), tokens.data(), targets.data()};

  // The sgemm baseline: every block's projections as F32 matrices, x and dy buffers.
  const std::vector<ProjShape> shapes = block_shapes(c);
  std::vector<std::vector<MatP>> w(c.num_layers);
  for (int k = 0; k < c.num_layers; ++k)
    for (int i = 0; i < 7; ++i)
      w[k].push_back(make_mat(e.ctx, shapes[i].d_out, shapes[i].d_in, 1000 + 7 * k + i, 0.04f));
  MatP head = make_mat(e.ctx, c.vocab_size, c.hidden_size, 77, 0.04f);
  // Operands of each product: x and dx [n x d_in], y and dy [n x d_out] (inputs stay fixed).
  std::vector<MatP> xs, dxs, ys, dys;
  for (int i = 0; i < 7; ++i) {
    xs.push_back(make_mat(e.ctx, n, shapes[i].d_in, 500 + i, 1.0f));
    dxs.push_back(make_mat(e.ctx, n, shapes[i].d_in, 0, 0.0f));
    ys.push_back(make_mat(e.ctx, n, shapes[i].d_out, 0, 0.0f));
    dys.push_back(make_mat(e.ctx, n, shapes[i].d_out, 600 + i, 1.0f));
  }
  MatP head_x = make_mat(e.ctx, n, c.hidden_size, 8, 1.0f);
  MatP head_dx = make_mat(e.ctx, n, c.hidden_size, 0, 0.0f);
  MatP head_y = make_mat(e.ctx, n, c.vocab_size, 0, 0.0f);
  MatP head_dy = make_mat(e.ctx, n, c.vocab_size, 9, 1.0f);
  auto fwd_bwd = [&](const Mat& wm, const Mat& x, Mat& dx, Mat& y, const Mat& dy) {
    MB_CHECK(mos_gemm(e.ctx, 0, 1, 1.0f, x.t, wm.t, 0.0f, y.t));    // y = x W^T
    MB_CHECK(mos_gemm(e.ctx, 0, 0, 1.0f, dy.t, wm.t, 0.0f, dx.t));  // dx = dy W
  };

  double dense_flops = 0.0;  // forward x W^T and backward dy W of every projection and lm_head
  dense_flops += 2.0 * 2.0 * n * static_cast<double>(block_params(c)) * c.num_layers;
  dense_flops += 2.0 * 2.0 * n * static_cast<double>(c.hidden_size) * c.vocab_size;
  double adapter_flops = 0.0;  // x A^T, (.) B^T forward; dB, d(xA), dA, dx backward: 3x forward
  for (const ProjShape& s : shapes)
    adapter_flops += 3.0 * 2.0 * n * r * static_cast<double>(s.d_in + s.d_out) * c.num_layers;
  const double attention_flops = 3.0 * attention_fwd_flops(c, seqs, len) * c.num_layers;
  const double step_flops = dense_flops + adapter_flops + attention_flops;

  auto train_step = [&](const PoolSet& ps) {
    ps.attach(dec);
    double loss = 0.0;
    int64_t count = 0;
    MB_CHECK(mos_optimizer_zero_grad(ps.opt));
    MB_CHECK(mos_decoder_loss(dec, &batch, 1, 1.0f / n, &loss, &count));
    MB_CHECK(mos_optimizer_step(ps.opt));
  };
  std::vector<Variant> vs;
  vs.push_back({"mos_step", [&](int) { train_step(mos); }});
  vs.push_back({"lora_step", [&](int) { train_step(lora); }});
  vs.push_back({"sgemm_of_step_shapes", [&](int) {
                  for (int k = 0; k < c.num_layers; ++k)
                    for (int i = 0; i < 7; ++i) fwd_bwd(*w[k][i], *xs[i], *dxs[i], *ys[i], *dys[i]);
                  fwd_bwd(*head, *head_x, *head_dx, *head_y, *head_dy);
                }});
  Timing t = timing_for(e.o, 5, 120);
  t.warmup_rounds = 1;  // seconds-long calls: one round warms the BLAS, caches and allocator
  const Measured m = run_interleaved(vs, t, [&] { e.sync(); });
  print_header("decoder training step");
  print_time("mos_step", m.of(0), step_flops);
  print_time("lora_step (p=R_eq=r, l=1)", m.of(1), step_flops);
  print_time("sgemm_of_step_shapes", m.of(2), dense_flops);
  for (size_t v = 0; v < vs.size(); ++v) e.report.time(cs, m.names[v], m.of(v));
  std::printf(
      "  counted FLOPs per step: dense %.1f G, attention %.1f G, adapter %.2f G; "
      "trainable: MoS %lld, LoRA %lld\n",
      dense_flops * 1e-9, attention_flops * 1e-9, adapter_flops * 1e-9,
      static_cast<long long>(mos.trainable()), static_cast<long long>(lora.trainable()));
  const double step_rate = step_flops / m.median_s("mos_step");
  const double sgemm_rate = dense_flops / m.median_s("sgemm_of_step_shapes");
  e.report.value(cs, "mos_step", "rate", step_rate * 1e-9, "GFLOP/s");
  e.report.value(cs, "sgemm_of_step_shapes", "rate", sgemm_rate * 1e-9, "GFLOP/s");
  e.report.ratio(cs, "step FLOP rate / sgemm rate", step_rate / sgemm_rate, ">=", 0.6,
                 "MoS on all seven projections, frozen BF16 base");
  e.report.ratio(cs, "MoS step / LoRA step (same active rank)",
                 m.paired_ratio("mos_step", "lora_step"), "<=", 1.10);
  for (int i = 0; i < 7; ++i) MB_CHECK(mos_decoder_attach_pool(dec, kProjections[i], nullptr));
  MB_CHECK(mos_decoder_free(dec));
}

// Streams `bytes` of memory through all threads once per call (a read-only sum): the bandwidth a
// decode step that reads every weight once cannot beat.
struct Bandwidth {
  std::vector<uint64_t> buf;
  int threads;
  std::atomic<uint64_t> sink{0};
  Bandwidth(size_t bytes, int t) : buf(bytes / 8), threads(t) {
    for (size_t i = 0; i < buf.size(); ++i) buf[i] = i * 0x9E3779B97F4A7C15ull;
  }
  void read_once() {
    std::vector<std::thread> ts;
    const size_t per = buf.size() / threads;
    for (int t = 0; t < threads; ++t) {
      ts.emplace_back([this, t, per] {
        const uint64_t* p = buf.data() + per * t;
        uint64_t a = 0, b = 0, c = 0, d = 0;
        for (size_t i = 0; i + 4 <= per; i += 4) {
          a += p[i];
          b += p[i + 1];
          c += p[i + 2];
          d += p[i + 3];
        }
        sink += a ^ b ^ c ^ d;
      });
    }
    for (std::thread& t : ts) t.join();
  }
};

void case_decoder_1b(Env& e) {
  const std::string cs = "decoder_1b";
  const mos_decoder_config_t c = shape_1b(e.o.tiny);
  const int prompt = e.o.tiny ? 8 : 128;
  std::printf(
      "\n== case 8b: 1B-shaped decoder (d=%d, L=%d, ffn=%d, vocab %d, tied, random BF16 "
      "weights): decode vs memory bandwidth, prefill of %d tokens vs sgemm\n",
      c.hidden_size, c.num_layers, c.intermediate_size, c.vocab_size, prompt);
  mos_decoder_t dec = nullptr;
  MB_CHECK(mos_decoder_create(e.ctx, &c, &dec));
  set_random_weights(dec, 2);
  const double params = static_cast<double>(block_params(c)) * c.num_layers +
                        static_cast<double>(c.vocab_size) * c.hidden_size;  // + the tied head
  // A decode step reads every matrix once (the tied table as lm_head) plus the norms and the KV
  // cache, which are small at these lengths.
  const double decode_bytes = 2.0 * params;

  mos_kv_cache_t decode_cache = nullptr, prefill_cache = nullptr;
  MB_CHECK(mos_kv_cache_create(dec, 1024, &decode_cache));
  MB_CHECK(mos_kv_cache_create(dec, 2 * prompt, &prefill_cache));
  std::vector<int32_t> toks(prompt);
  for (int i = 0; i < prompt; ++i) toks[i] = (i * 31 + 7) % c.vocab_size;
  std::vector<float> logits(c.vocab_size);
  int32_t decode_seq = -1, prefill_seq = -1;
  auto fresh_decode_sequence = [&] {
    if (decode_seq >= 0) MB_CHECK(mos_kv_cache_remove_sequence(decode_cache, decode_seq));
    MB_CHECK(mos_kv_cache_add_sequence(decode_cache, &decode_seq));
    int32_t len = prompt;
    const mos_step_t st{1, &decode_seq, &len, toks.data(), nullptr};
    MB_CHECK(mos_decoder_step(dec, decode_cache, nullptr, &st, logits.data()));
  };
  fresh_decode_sequence();
  int32_t decoded = 0;

  const int threads =
      e.o.threads > 0 ? e.o.threads : static_cast<int>(std::thread::hardware_concurrency());
  // Host memory: on a GPU the bound is the device's (mos_cuda_bench's decoder cases measure it).
  const bool host = e.o.backend == MOS_BACKEND_CPU;
  Bandwidth bw(host ? (e.o.tiny ? (size_t{16} << 20) : (size_t{1} << 30)) : 64,
               threads > 0 ? threads : 1);

  // sgemm of the prefill's shapes: one block's seven products, F32, run num_layers times.
  const std::vector<ProjShape> shapes = block_shapes(c);
  std::vector<MatP> w;
  for (int i = 0; i < 7; ++i)
    w.push_back(make_mat(e.ctx, shapes[i].d_out, shapes[i].d_in, 300 + i, 0.04f));
  std::vector<MatP> xs, ys;
  for (int i = 0; i < 7; ++i) {
    xs.push_back(make_mat(e.ctx, prompt, shapes[i].d_in, 400 + i, 1.0f));
    ys.push_back(make_mat(e.ctx, prompt, shapes[i].d_out, 0, 0.0f));
  }
  const double prefill_dense = 2.0 * prompt * static_cast<double>(block_params(c)) * c.num_layers;
  const double prefill_flops = prefill_dense + attention_fwd_flops(c, 1, prompt) * c.num_layers +
                               2.0 * c.hidden_size * static_cast<double>(c.vocab_size);

  std::vector<Variant> vs;
  vs.push_back({"decode_1_token", [&](int call) {
                  if (decoded + 1 + prompt > 1024) {  // keep the sequence inside its cache
                    fresh_decode_sequence();
                    decoded = 0;
                  }
                  int32_t one = 1, tok = (call * 13 + 1) % c.vocab_size;
                  const mos_step_t st{1, &decode_seq, &one, &tok, nullptr};
                  MB_CHECK(mos_decoder_step(dec, decode_cache, nullptr, &st, logits.data()));
                  ++decoded;
                }});
  if (host) vs.push_back({"read_weight_bytes_bound", [&](int) { bw.read_once(); }});
  vs.push_back({"prefill", [&](int) {
                  if (prefill_seq >= 0)
                    MB_CHECK(mos_kv_cache_remove_sequence(prefill_cache, prefill_seq));
                  MB_CHECK(mos_kv_cache_add_sequence(prefill_cache, &prefill_seq));
                  int32_t len = prompt;
                  const mos_step_t st{1, &prefill_seq, &len, toks.data(), nullptr};
                  MB_CHECK(mos_decoder_step(dec, prefill_cache, nullptr, &st, logits.data()));
                }});
  vs.push_back({"sgemm_of_prefill_shapes", [&](int) {
                  for (int k = 0; k < c.num_layers; ++k)
                    for (int i = 0; i < 7; ++i) plain_gemm(e, *xs[i], *w[i], *ys[i]);
                }});
  Timing t = timing_for(e.o, 7, 120);
  t.warmup_rounds = 1;
  const Measured m = run_interleaved(vs, t, [&] { e.sync(); });
  print_header("1B-shaped decoder");
  for (size_t v = 0; v < vs.size(); ++v) e.report.time(cs, m.names[v], m.of(v));
  const double tokens_per_s = 1.0 / m.median_s("decode_1_token");
  print_time("decode_1_token", m.of(m.index("decode_1_token")), 0);
  e.report.value(cs, "decode_1_token", "tokens_per_s", tokens_per_s, "tokens/s");
  if (host) {
    const Stats rs = m.of(m.index("read_weight_bytes_bound"));
    const double bytes_per_s = static_cast<double>(bw.buf.size()) * 8.0 / rs.median;
    std::printf("  %-26s %11.3f %11.3f %11.3f %10.1f GB/s\n", "read_weight_bytes_bound",
                rs.median * 1e3, rs.p10 * 1e3, rs.p90 * 1e3, bytes_per_s * 1e-9);
    const double bound = bytes_per_s / decode_bytes;
    std::printf(
        "  decode %.2f tokens/s; bandwidth bound %.2f tokens/s (%.2f GB per token at %.1f "
        "GB/s)\n",
        tokens_per_s, bound, decode_bytes * 1e-9, bytes_per_s * 1e-9);
    e.report.value(cs, "read_weight_bytes_bound", "bandwidth", bytes_per_s * 1e-9, "GB/s");
    e.report.ratio(cs, "decode tokens/s / bandwidth bound", tokens_per_s / bound, ">=", 0.6,
                   "batch 1, BF16 weights read once per token");
  } else {
    e.report.note(cs, "decode vs device bandwidth: mos_cuda_bench (tests/gpu/run.sh)");
  }
  print_time("prefill", m.of(m.index("prefill")), prefill_flops);
  print_time("sgemm_of_prefill_shapes", m.of(m.index("sgemm_of_prefill_shapes")), prefill_dense);
  const double prefill_rate = prefill_flops / m.median_s("prefill");
  const double sgemm_rate = prefill_dense / m.median_s("sgemm_of_prefill_shapes");
  e.report.ratio(cs, "prefill FLOP rate / sgemm rate", prefill_rate / sgemm_rate, ">=", 0.6,
                 fmt("%d tokens", prompt));
  MB_CHECK(mos_kv_cache_free(decode_cache));
  MB_CHECK(mos_kv_cache_free(prefill_cache));
  MB_CHECK(mos_decoder_free(dec));
}

void case_decoder_memory(Env& e) {
  const std::string cs = "decoder_memory";
  if (e.o.backend != MOS_BACKEND_CPU) {
    e.report.note(cs, "skipped: resident memory is measured on the CPU backend");
    return;
  }
  std::printf(
      "\n== case 8c: resident memory of the 1B-shaped BF16 decoder loading and generating "
      "(a fresh process)\n");
  std::string cmd = "'" + e.o.exe + "' --memory-child decoder";
  if (e.o.tiny) cmd += " --tiny";
  if (e.o.threads > 0) cmd += fmt(" --threads %d", e.o.threads);
  FILE* p = popen(cmd.c_str(), "r");
  long long peak_kb = -1, weights_kb = -1;
  if (p) {
    char line[256];
    while (std::fgets(line, sizeof line, p))
      if (std::sscanf(line, "decoder_memory_child %lld %lld", &peak_kb, &weights_kb) == 2) break;
    pclose(p);
  }
  if (peak_kb < 0) {
    e.report.note(cs, "child failed: " + cmd);
    std::printf("  child failed: %s\n", cmd.c_str());
    return;
  }
  const double gb = peak_kb * 1024.0 * 1e-9;
  std::printf("  peak resident set %.2f GB (%.2f GiB); BF16 weights %.2f GB\n", gb,
              peak_kb / 1048576.0, weights_kb * 1024.0 * 1e-9);
  e.report.value(cs, "load_and_generate", "peak_rss", gb, "GB");
  e.report.ratio(cs, "peak resident GB (load + generate 16 tokens)", gb, "<=", 3.5,
                 "whole process: library, BLAS, weights, staging, KV cache, logits");
}

}  // namespace

void case_decoder(Env& e) {
  case_decoder_train(e);
  case_decoder_1b(e);
  case_decoder_memory(e);
}

// The child of case 8c: a fresh process creates the 1B-shaped decoder, sets its weights (one
// staging matrix at a time, as a checkpoint loader does), prefills 32 tokens and generates 16.
// Prints "decoder_memory_child <peak_kb> <weights_kb>".
int decoder_memory_child(const Options& o) {
  mos_context_t ctx = nullptr;
  MB_CHECK(mos_context_create(MOS_BACKEND_CPU, 0, &ctx));
  if (o.threads > 0) MB_CHECK(mos_context_set_num_threads(ctx, o.threads));
  const mos_decoder_config_t c = shape_1b(o.tiny);
  mos_decoder_t dec = nullptr;
  MB_CHECK(mos_decoder_create(ctx, &c, &dec));
  set_random_weights(dec, 3);
  mos_kv_cache_t cache = nullptr;
  MB_CHECK(mos_kv_cache_create(dec, 64, &cache));
  int32_t seq = -1;
  MB_CHECK(mos_kv_cache_add_sequence(cache, &seq));
  std::vector<int32_t> toks(32);
  for (int i = 0; i < 32; ++i) toks[i] = (i * 31 + 7) % c.vocab_size;
  std::vector<float> logits(c.vocab_size);
  int32_t len = 32;
  mos_step_t st{1, &seq, &len, toks.data(), nullptr};
  MB_CHECK(mos_decoder_step(dec, cache, nullptr, &st, logits.data()));
  len = 1;
  for (int s = 0; s < 16; ++s) {
    int32_t best = 0;
    for (int32_t v = 1; v < c.vocab_size; ++v)
      if (logits[v] > logits[best]) best = v;
    st.tokens = &best;
    MB_CHECK(mos_decoder_step(dec, cache, nullptr, &st, logits.data()));
  }
  long long peak_kb = -1;
  std::ifstream f("/proc/self/status");
  for (std::string l; std::getline(f, l);)
    if (l.rfind("VmHWM:", 0) == 0) peak_kb = std::atoll(l.c_str() + 6);
  const double params = static_cast<double>(block_params(c)) * c.num_layers +
                        static_cast<double>(c.vocab_size) * c.hidden_size;
  std::printf("decoder_memory_child %lld %lld\n", peak_kb,
              static_cast<long long>(2.0 * params / 1024.0));
  MB_CHECK(mos_kv_cache_free(cache));
  MB_CHECK(mos_decoder_free(dec));
  mos_context_free(ctx);
  return 0;
}

}  // namespace bench
