// SPDX-License-Identifier: Apache-2.0
// mos_cuda_bench: the GPU kernel benchmark run by tests/gpu/run.sh (not a ctest; mos_bench's
// --backend cuda cases time the library's calls). It first measures the
// device's copy bandwidth (cudaMemcpy D2D) and cuBLAS SGEMM rates, then times the shard kernels
// at sizes several times the L2 (useful bytes moved, GB/s and fraction of copy bandwidth), the
// fused small-rank products against cuBLAS, an MoS layer forward against a dense LoRA forward
// of the same active rank through the C API (time ratio), and the decoder at SmolLM-135M's shape
// (BF16 weights): decode tokens/s against copy bandwidth, a training step against cuBLAS SGEMM.
//   mos_cuda_bench [--quick]      prints the table on stdout; exit 77 without a usable GPU.
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "cuda/cublas_loader.h"
#include "cuda/kernels.h"
#include "mos/mos.h"

namespace {

bool g_quick = false;
cudaStream_t g_stream = nullptr;

#define CU(call)                                                              \
  do {                                                                        \
    const cudaError_t e_ = (call);                                            \
    if (e_ != cudaSuccess) {                                                  \
      std::printf("CUDA error at %s:%d: %s: %s\n", __FILE__, __LINE__, #call, \
                  cudaGetErrorString(e_));                                    \
      std::exit(1);                                                           \
    }                                                                         \
  } while (0)

// Mean seconds per call of fn over `iters` calls after 2 warm-up calls (CUDA events).
double time_gpu(const std::function<void()>& fn, int iters) {
  cudaEvent_t a, b;
  CU(cudaEventCreate(&a));
  CU(cudaEventCreate(&b));
  fn();
  fn();
  CU(cudaEventRecord(a, g_stream));
  for (int i = 0; i < iters; ++i) fn();
  CU(cudaEventRecord(b, g_stream));
  CU(cudaEventSynchronize(b));
  float ms = 0;
  CU(cudaEventElapsedTime(&ms, a, b));
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  return ms * 1e-3 / iters;
}

// Every copy and fill goes on g_stream (non-blocking, so the legacy default stream would not be
// ordered with it) and is waited for before the buffer is used.
void* dev_alloc(size_t bytes) {
  void* p = nullptr;
  CU(cudaMalloc(&p, bytes));
  CU(cudaMemsetAsync(p, 0, bytes, g_stream));
  CU(cudaStreamSynchronize(g_stream));
  return p;
}

void fill_random(float* d, size_t n, uint64_t seed) {
  CU(mos::cuda::uniform_fill(static_cast<int64_t>(n), -1.0f, 1.0f, seed, 1, d, g_stream));
}

int32_t* dev_indices(size_t n, int32_t P, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<int32_t> h(n);
  for (auto& v : h) v = static_cast<int32_t>(rng() % static_cast<uint64_t>(P));
  int32_t* d = static_cast<int32_t*>(dev_alloc(n * sizeof(int32_t)));
  CU(cudaMemcpyAsync(d, h.data(), n * sizeof(int32_t), cudaMemcpyHostToDevice, g_stream));
  CU(cudaStreamSynchronize(g_stream));
  return d;
}

double g_copy_gbs = 0;
double g_sgemm_tflops = 0;  // cuBLAS SGEMM f32 (no TF32), measured by bench_reference

void row(const char* kernel, const std::string& shape, double sec, double bytes, double flops) {
  const double gbs = bytes > 0 ? bytes / sec / 1e9 : 0;
  const double tfs = flops > 0 ? flops / sec / 1e12 : 0;
  char metric[64] = "";
  if (bytes > 0) {
    std::snprintf(metric, sizeof(metric), "%8.1f GB/s  %5.1f%% of copy", gbs,
                  g_copy_gbs > 0 ? 100.0 * gbs / g_copy_gbs : 0.0);
  } else if (flops > 0) {
    std::snprintf(metric, sizeof(metric), "%8.2f TFLOP/s", tfs);
  }
  std::printf("| %-28s | %-34s | %10.1f us | %s\n", kernel, shape.c_str(), sec * 1e6, metric);
  std::fflush(stdout);
}

void bench_reference(const mos::cublas::Library* blas) {
  const size_t bytes = size_t{1} << 30;
  void* a = dev_alloc(bytes);
  void* b = dev_alloc(bytes);
  const double t =
      time_gpu([&] { CU(cudaMemcpyAsync(b, a, bytes, cudaMemcpyDeviceToDevice, g_stream)); },
               g_quick ? 3 : 10);
  g_copy_gbs = 2.0 * bytes / t / 1e9;  // read + write
  row("copy D2D (reference)", "1 GiB", t, 2.0 * bytes, 0);
  CU(cudaFree(a));
  CU(cudaFree(b));
  if (blas == nullptr) return;
  cublasHandle_t h = nullptr;
  if (blas->create(&h) != 0) {
    std::printf("cublasCreate_v2 failed; no GEMM reference\n");
    return;
  }
  blas->set_stream(h, g_stream);
  const int n = g_quick ? 4096 : 8192;
  float* x = static_cast<float*>(dev_alloc(sizeof(float) * n * n));
  float* y = static_cast<float*>(dev_alloc(sizeof(float) * n * n));
  float* z = static_cast<float*>(dev_alloc(sizeof(float) * n * n));
  fill_random(x, static_cast<size_t>(n) * n, 1);
  fill_random(y, static_cast<size_t>(n) * n, 2);
  const float one = 1.0f, zero = 0.0f;
  for (int compute : {mos::cublas::kComputeF32, mos::cublas::kComputeF32FastTF32}) {
    const double t2 = time_gpu(
        [&] {
          mos::cublas::gemm_row_major(*blas, h, false, true, n, n, n, &one, x, CUDA_R_32F, n, y,
                                      CUDA_R_32F, n, &zero, z, CUDA_R_32F, n, compute);
        },
        g_quick ? 3 : 10);
    row(compute == mos::cublas::kComputeF32 ? "cuBLAS SGEMM f32 (reference)"
                                            : "cuBLAS SGEMM TF32 (reference)",
        std::to_string(n) + "^3", t2, 0, 2.0 * n * n * static_cast<double>(n));
    if (compute == mos::cublas::kComputeF32)
      g_sgemm_tflops = 2.0 * n * n * static_cast<double>(n) / t2 / 1e12;
  }
  blas->destroy(h);
  cudaFree(x);
  cudaFree(y);
  cudaFree(z);
}

// Gathers and scatter-adds at L2-busting sizes with a realistic index density (1/16 of the
// pool's shards per call). Bytes counted: what the operation must move (payload read + write;
// a scatter-add reads the gradient, reads and writes the destination).
void bench_shards() {
  const int32_t P = g_quick ? 4096 : 16384;
  const int32_t l = 2, r = P / 16 / l;
  const int64_t s = g_quick ? 8192 : 32768;  // shard length (s_a or s_b)
  const int64_t slots = static_cast<int64_t>(r) * l;
  const size_t pool_n = static_cast<size_t>(P) * s;
  const size_t out_n = static_cast<size_t>(slots) * s;
  float* pool = static_cast<float*>(dev_alloc(pool_n * sizeof(float)));
  float* grad = static_cast<float*>(dev_alloc(pool_n * sizeof(float)));
  float* out = static_cast<float*>(dev_alloc(out_n * sizeof(float)));
  fill_random(pool, pool_n, 3);
  fill_random(out, out_n, 4);
  int32_t* index = dev_indices(static_cast<size_t>(slots), P, 5);
  void* scratch = dev_alloc(mos::cuda::scatter_scratch_bytes(r, l));
  const double payload = static_cast<double>(out_n) * sizeof(float);
  const std::string shape_a =
      "P=" + std::to_string(P) + " s_a=" + std::to_string(s) + " r*l=" + std::to_string(slots);
  const std::string shape_b =
      "P=" + std::to_string(P) + " s_b=" + std::to_string(s) + " r*l=" + std::to_string(slots);
  const int it = g_quick ? 3 : 10;
  row("gather A", shape_a,
      time_gpu([&] { CU(mos::cuda::gather_a(pool, s, index, r, l, out, g_stream)); }, it),
      2 * payload, 0);
  row("gather B", shape_b,
      time_gpu([&] { CU(mos::cuda::gather_b(pool, s, P, index, r, l, out, g_stream)); }, it),
      2 * payload, 0);
  for (bool det : {false, true}) {
    row(det ? "scatter-add A (deterministic)" : "scatter-add A (atomic)", shape_a,
        time_gpu(
            [&] {
              CU(mos::cuda::scatter_add_a(out, s, index, r, l, grad, det, scratch, g_stream));
            },
            it),
        3 * payload, 0);
    row(det ? "scatter-add B (deterministic)" : "scatter-add B (atomic)", shape_b,
        time_gpu(
            [&] {
              CU(mos::cuda::scatter_add_b(out, s, P, index, r, l, grad, det, scratch, g_stream));
            },
            it),
        3 * payload, 0);
  }
  cudaFree(pool);
  cudaFree(grad);
  cudaFree(out);
  cudaFree(index);
  cudaFree(scratch);
}

// Fused shrink / expand against cuBLAS on the same small-token products.
void bench_fused(const mos::cublas::Library* blas) {
  if (blas == nullptr) return;
  cublasHandle_t h = nullptr;
  if (blas->create(&h) != 0) return;
  blas->set_stream(h, g_stream);
  int sms = 1;
  CU(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0));
  const int r = 16;
  for (int N : {1, 16, 64}) {
    for (int d : {4096, 11008}) {
      float* x = static_cast<float*>(dev_alloc(sizeof(float) * N * d));
      float* a = static_cast<float*>(dev_alloc(sizeof(float) * r * d));
      float* u = static_cast<float*>(dev_alloc(sizeof(float) * N * r));
      float* y = static_cast<float*>(dev_alloc(sizeof(float) * N * d));
      const int32_t splits = mos::cuda::shrink_splits(N, d, sms);
      void* part = dev_alloc(mos::cuda::shrink_scratch_bytes(N, r, splits));
      const float one = 1.0f, zero = 0.0f;
      const std::string shape = "N=" + std::to_string(N) + " d=" + std::to_string(d) + " r=16";
      const int it = g_quick ? 10 : 50;
      const double bytes = 4.0 * (N * d + r * d + N * r);
      row("shrink fused", shape,
          time_gpu(
              [&] {
                CU(mos::cuda::lora_shrink(true, N, r, d, 1.0f, x, d, a, d, 0.0f, u, r, splits, part,
                                          g_stream));
              },
              it),
          bytes, 0);
      row("shrink cuBLAS", shape,
          time_gpu(
              [&] {
                mos::cublas::gemm_row_major(*blas, h, false, true, N, r, d, &one, x, CUDA_R_32F, d,
                                            a, CUDA_R_32F, d, &zero, u, CUDA_R_32F, r,
                                            mos::cublas::kComputeF32);
              },
              it),
          bytes, 0);
      const double ebytes = 4.0 * (N * r + d * r + 2.0 * N * d);
      row("expand fused", shape,
          time_gpu(
              [&] {
                CU(mos::cuda::lora_expand(false, true, N, d, r, 0.5f, u, r, a, r, 1.0f, y, d,
                                          g_stream));
              },
              it),
          ebytes, 0);
      row("expand cuBLAS", shape,
          time_gpu(
              [&] {
                const float s = 0.5f;
                mos::cublas::gemm_row_major(*blas, h, false, true, N, d, r, &s, u, CUDA_R_32F, r, a,
                                            CUDA_R_32F, r, &one, y, CUDA_R_32F, d,
                                            mos::cublas::kComputeF32);
              },
              it),
          ebytes, 0);
      for (void* p : {static_cast<void*>(x), static_cast<void*>(a), static_cast<void*>(u),
                      static_cast<void*>(y), part})
        cudaFree(p);
    }
  }
  blas->destroy(h);
}

// Wall-clock seconds per call through the C API (the context's stream is internal).
double time_api(mos_context_t ctx, const std::function<void()>& fn, int iters) {
  fn();
  mos_context_synchronize(ctx);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < iters; ++i) fn();
  mos_context_synchronize(ctx);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / iters;
}

#define API(call)                                                    \
  do {                                                               \
    if ((call) != MOS_STATUS_OK) {                                   \
      std::printf("C API error: %s: %s\n", #call, mos_last_error()); \
      return;                                                        \
    }                                                                \
  } while (0)

// MoS layer forward (gather A, gather B, shrink, expand) vs dense LoRA (two products) at the
// same active rank r = 16, LLaMA2-7B-like pools (L = 32, R_eq = 8, p = 1, l = 2).
void bench_layer() {
  mos_context_t ctx = nullptr;
  API(mos_context_create(MOS_BACKEND_CUDA, 0, &ctx));
  std::printf("libmos: %s\n", mos_version_string());
  const int32_t L = 32, r = 16, R = 8, p = 1, l = 2;
  const int it = g_quick ? 5 : 20;
  for (int32_t d_out : {4096, 11008}) {
    const int32_t d_in = 4096;
    for (int32_t N : {512, 2048}) {
      mos_pool_t pool = nullptr;
      mos_layer_t layer = nullptr;
      mos_tensor_t x = nullptr, y = nullptr, a = nullptr, b = nullptr, u = nullptr, w = nullptr;
      const mos_config_t cfg = {.struct_size = sizeof(mos_config_t),
                                .d_in = d_in,
                                .d_out = d_out,
                                .num_blocks = L,
                                .rank = r,
                                .equivalent_rank = R,
                                .private_rank = p,
                                .shards_per_vector = l,
                                .alpha = 16.0f,
                                .dropout = 0.0f};
      API(mos_pool_create(ctx, &cfg, &pool));
      API(mos_pool_init(pool, 1));
      API(mos_pool_generate_indices(pool, 2));
      API(mos_layer_create(pool, 0, nullptr, nullptr, &layer));
      API(mos_tensor_create(ctx, MOS_DTYPE_F32, N, d_in, &x));
      API(mos_tensor_create(ctx, MOS_DTYPE_F32, N, d_out, &y));
      API(mos_tensor_create(ctx, MOS_DTYPE_F32, r, d_in, &a));
      API(mos_tensor_create(ctx, MOS_DTYPE_F32, d_out, r, &b));
      API(mos_tensor_create(ctx, MOS_DTYPE_F32, N, r, &u));
      API(mos_tensor_create(ctx, MOS_DTYPE_F32, d_out, d_in, &w));
      API(mos_pool_assemble(pool, 0, a, b));
      const std::string shape =
          std::to_string(d_in) + "->" + std::to_string(d_out) + " N=" + std::to_string(N) + " r=16";
      const double t_mos = time_api(
          ctx, [&] { mos_layer_forward(layer, x, y, MOS_MODE_ADAPTER_ONLY, 0); }, it);
      const double t_dense = time_api(
          ctx,
          [&] {
            mos_gemm(ctx, 0, 1, 1.0f, x, a, 0.0f, u);
            mos_gemm(ctx, 0, 1, 1.0f, u, b, 1.0f, y);
          },
          it);
      const double t_base = time_api(
          ctx, [&] { mos_gemm(ctx, 0, 1, 1.0f, x, w, 0.0f, y); }, it);
      row("MoS layer forward (adapter)", shape, t_mos, 0, 0);
      row("dense LoRA forward", shape, t_dense, 0, 0);
      row("base x W^T (f32)", shape, t_base, 0, 2.0 * N * d_in * static_cast<double>(d_out));
      std::printf("| ratio MoS / dense LoRA       | %-34s | %10.3f\n", shape.c_str(),
                  t_mos / t_dense);
      for (mos_tensor_t t : {x, y, a, b, u, w}) mos_tensor_free(t);
      mos_layer_free(layer);
      mos_pool_free(pool);
    }
  }
  mos_context_free(ctx);
}

// The decoder through the C API at SmolLM-135M's shape (30 blocks, hidden 576, GQA 9/3, vocab
// 49152, random BF16 weights). Decode: each step streams every weight once (BF16 streaming
// kernels) plus the KV cache, so bytes / time is set against the copy bandwidth. Training: MoS
// (r 8, R_eq 2) on all seven projections, 4 x 256 tokens, loss + backward + AdamW; the dense
// work is 4 x params x tokens (forward and input gradients: the base is frozen), set against
// cuBLAS SGEMM f32 (the many-row BF16 products are SGEMMs on widened panels of W).
void bench_decoder() {
  mos_context_t ctx = nullptr;
  API(mos_context_create(MOS_BACKEND_CUDA, 0, &ctx));
  const mos_decoder_config_t c = {
      49152, 576, 1536, 30, 9, 3, 64, 2048,          1e-5f, 10000.0f, MOS_ROPE_DEFAULT,
      0,     0,   0,    0,  0, 0, 1,  MOS_DTYPE_BF16};
  mos_decoder_t dec = nullptr;
  API(mos_decoder_create(ctx, &c, &dec));
  int32_t count = 0;
  API(mos_decoder_weight_count(dec, &count));
  double params = 0, matrix_params = 0, weight_bytes = 0;
  uint64_t state = 88172645463325252ull;
  for (int32_t i = 0; i < count; ++i) {
    char name[128];
    int64_t rows = 0, cols = 0;
    API(mos_decoder_weight_info(dec, i, name, sizeof name, &rows, &cols, nullptr));
    const bool norm = std::strstr(name, "norm") != nullptr;
    std::vector<uint16_t> w(static_cast<size_t>(rows * cols));
    for (uint16_t& x : w) {  // about N(0, 0.02) in bf16; norms 1
      state ^= state << 13, state ^= state >> 7, state ^= state << 17;
      const float f = norm ? 1.0f : 0.02f * (static_cast<float>(state >> 40) / 8388608.0f - 1.0f);
      uint32_t b;
      std::memcpy(&b, &f, 4);
      x = static_cast<uint16_t>(b >> 16);
    }
    API(mos_decoder_set_weight(dec, name, MOS_DTYPE_BF16, rows, cols, w.data()));
    params += static_cast<double>(rows * cols);
    if (!norm) matrix_params += static_cast<double>(rows * cols);
    weight_bytes += static_cast<double>(rows * cols) * (norm ? 4 : 2);
  }
  const int prompt = 128, steps = g_quick ? 8 : 32;
  int64_t kv_per_token = 0;
  API(mos_kv_cache_bytes_per_token(dec, &kv_per_token));
  for (int batch : {1, 8}) {
    mos_kv_cache_t cache = nullptr;
    API(mos_kv_cache_create(dec, static_cast<int64_t>(batch) * (prompt + steps + 16), &cache));
    std::vector<int32_t> ids(batch), lens(batch, prompt), toks(static_cast<size_t>(batch) * prompt);
    for (size_t i = 0; i < toks.size(); ++i)
      toks[i] = static_cast<int32_t>(i * 7919 % c.vocab_size);
    for (int32_t& id : ids) API(mos_kv_cache_add_sequence(cache, &id));
    std::vector<float> logits(static_cast<size_t>(batch) * c.vocab_size);
    mos_step_t st{batch, ids.data(), lens.data(), toks.data(), nullptr};
    const auto p0 = std::chrono::steady_clock::now();
    API(mos_decoder_step(dec, cache, nullptr, &st, logits.data()));
    const double prefill =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - p0).count();
    std::fill(lens.begin(), lens.end(), 1);
    API(mos_decoder_step(dec, cache, nullptr, &st, logits.data()));  // warm-up decode step
    const auto d0 = std::chrono::steady_clock::now();
    for (int k = 0; k < steps; ++k) API(mos_decoder_step(dec, cache, nullptr, &st, logits.data()));
    const double per_step =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - d0).count() / steps;
    const double kv_read = static_cast<double>(batch) * (prompt + steps / 2) * kv_per_token;
    const std::string shape =
        "SmolLM-135M BF16, " + std::to_string(batch) + " seq x " + std::to_string(prompt) + " ctx";
    row("decoder prefill (step)", shape, prefill, 0, 0);
    row("decoder decode step", shape, per_step, weight_bytes + kv_read, 0);
    std::printf("| %-28s | %-34s | %10.1f tokens/s\n", "decoder decode", shape.c_str(),
                batch / per_step);
    API(mos_kv_cache_free(cache));
  }
  // Training step.
  const int32_t H = c.hidden_size, Q = c.num_heads * c.head_dim, KV = c.num_kv_heads * c.head_dim;
  const int32_t I = c.intermediate_size;
  const int32_t d_in[7] = {H, H, H, Q, H, H, I}, d_out[7] = {Q, KV, KV, H, I, I, H};
  const char* projs[7] = {"q_proj",    "k_proj",  "v_proj",   "o_proj",
                          "gate_proj", "up_proj", "down_proj"};
  mos_pool_t pools[7] = {};
  mos_optimizer_t opt = nullptr;
  API(mos_optimizer_create_adamw(ctx, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.0f, &opt));
  for (int p = 0; p < 7; ++p) {
    const mos_config_t cfg = {.struct_size = sizeof(mos_config_t),
                              .d_in = d_in[p],
                              .d_out = d_out[p],
                              .num_blocks = c.num_layers,
                              .rank = 8,
                              .equivalent_rank = 2,
                              .private_rank = 1,
                              .shards_per_vector = 2,
                              .alpha = 16.0f,
                              .dropout = 0.05f};
    API(mos_pool_create(ctx, &cfg, &pools[p]));
    API(mos_pool_init(pools[p], p));
    API(mos_pool_generate_indices(pools[p], p));
    API(mos_decoder_attach_pool(dec, projs[p], pools[p]));
    API(mos_optimizer_add_pool(opt, pools[p]));
  }
  const int seqs = 4, len = 256;
  std::vector<int32_t> lengths(seqs, len), tokens(static_cast<size_t>(seqs) * len),
      targets(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) {
    tokens[i] = static_cast<int32_t>(i * 7919 % c.vocab_size);
    targets[i] = static_cast<int32_t>((i + 1) * 7919 % c.vocab_size);
  }
  const mos_batch_t batch{seqs, lengths.data(), tokens.data(), targets.data()};
  double loss = 0;
  int64_t n = 0;
  const double t_train = time_api(
      ctx,
      [&] {
        mos_optimizer_zero_grad(opt);
        mos_decoder_loss(dec, &batch, 1, 1.0f / (seqs * len), &loss, &n);
        mos_optimizer_step(opt);
      },
      g_quick ? 2 : 5);
  const double flops = 4.0 * matrix_params * seqs * len;
  const std::string shape =
      "SmolLM-135M BF16, " + std::to_string(seqs) + " x " + std::to_string(len);
  row("decoder training step", shape, t_train, 0, flops);
  std::printf("| %-28s | %-34s | %10.0f tokens/s  %5.1f%% of cuBLAS SGEMM f32 (%.1f TFLOP/s)\n",
              "decoder training", shape.c_str(), seqs * len / t_train,
              g_sgemm_tflops > 0 ? 100.0 * flops / t_train / 1e12 / g_sgemm_tflops : 0.0,
              g_sgemm_tflops);
  std::printf(
      "| decoder model: %.0f M parameters, %.0f MB of weights (loss %.3f over %lld targets)\n",
      params / 1e6, weight_bytes / 1e6, n > 0 ? loss / n : 0.0, (long long)n);
  for (mos_pool_t p : pools) mos_pool_free(p);
  mos_optimizer_free(opt);
  mos_decoder_free(dec);
  mos_context_free(ctx);
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) g_quick = true;
  }
  int devices = 0;
  const cudaError_t e = cudaGetDeviceCount(&devices);
  if (e != cudaSuccess || devices == 0) {
    // MOS_REQUIRE_GPU (set by tests/gpu/run.sh where nvidia-smi shows a GPU): no silent skip.
    const char* req = std::getenv("MOS_REQUIRE_GPU");
    const bool required = req != nullptr && req[0] != '\0' && std::strcmp(req, "0") != 0;
    std::printf("%s: no usable CUDA device (%s)\n", required ? "FAIL" : "SKIP",
                cudaGetErrorString(e));
    return required ? 1 : 77;
  }
  cudaDeviceProp prop;
  CU(cudaGetDeviceProperties(&prop, 0));
  std::printf("device: %s, sm_%d%d, %d SMs, L2 %d MB, %zu GiB\n", prop.name, prop.major, prop.minor,
              prop.multiProcessorCount, prop.l2CacheSize >> 20, prop.totalGlobalMem >> 30);
  std::string err;
  const mos::cublas::Library* blas = mos::cublas::shared(&err);
  if (blas == nullptr) std::printf("no cuBLAS: %s\n", err.c_str());
  CU(cudaStreamCreateWithFlags(&g_stream, cudaStreamNonBlocking));
  std::printf("| %-28s | %-34s | %13s | %s\n", "kernel", "shape", "time", "rate");
  bench_reference(blas);
  bench_shards();
  bench_fused(blas);
  bench_layer();
  bench_decoder();
  cudaStreamDestroy(g_stream);
  return 0;
}
