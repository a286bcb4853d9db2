// SPDX-License-Identifier: Apache-2.0
// cuda_parity: the CUDA backend against the CPU backend on the same inputs, both driven through
// the C API (mos.h), over a table of shapes (tiny to LLaMA-like 4096->11008 / 11008->4096 with
// few tokens), l in {1,2,4}, p in {0,1,R_eq}, duplicate explicit indices and dropout on.
// Compared: pool init and assembly (exact), forward FULL / ADAPTER_ONLY / inference, backward
// (pool grads over all blocks, dx) at MOS_TOL_CUDA_VS_CPU_F32; clipping and two AdamW steps on
// identical gradients; delta W and merge. BF16 storage (x, y, dy, dx, W, bias; F32 pools) on
// four shapes and mos_gemm at MOS_TOL_CUDA_VS_CPU_BF16; mos_context_set_math_mode(TF32) at
// MOS_TOL_CUDA_VS_CPU_TF32. Without a usable GPU: skip (exit 77), or fail under MOS_REQUIRE_GPU=1.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bf16_util.h"
#include "test_util.h"

namespace {

struct Shape {
  int32_t d_in, d_out, L, r, R, p, l, N;
  bool dup;  // explicit indices with repeats instead of generated ones
  bool bias;
  float dropout;
};

// Every (r - p) <= (R - p) * L; l divides d_in and d_out.
const Shape kShapes[] = {
    {16, 24, 2, 4, 2, 0, 1, 3, false, true, 0.1f},        // l=1, p=0
    {64, 32, 3, 4, 2, 1, 2, 5, false, false, 0.1f},       // l=2, p=1
    {32, 64, 2, 2, 2, 2, 4, 4, false, true, 0.1f},        // l=4, p=R_eq (plain LoRA)
    {48, 40, 3, 6, 3, 1, 2, 7, true, false, 0.1f},        // repeated explicit indices
    {96, 80, 3, 8, 4, 1, 4, 70, true, true, 0.1f},        // N > 64: cuBLAS for the LoRA products
    {256, 128, 2, 64, 32, 0, 1, 9, false, false, 0.1f},   // r = 64: widest fused kernels
    {128, 64, 3, 40, 20, 1, 2, 33, true, false, 0.0f},    // r = 40, no dropout
    {4096, 11008, 2, 7, 4, 1, 2, 4, false, false, 0.1f},  // LLaMA up/gate, odd r
    {11008, 4096, 2, 16, 8, 0, 4, 2, true, false, 0.1f},  // LLaMA down, repeats
};

t::Config config_of(const Shape& s, float alpha) {
  return t::config({.d_in = s.d_in,
                    .d_out = s.d_out,
                    .num_blocks = s.L,
                    .rank = s.r,
                    .equivalent_rank = s.R,
                    .private_rank = s.p,
                    .shards_per_vector = s.l,
                    .alpha = alpha,
                    .dropout = s.dropout});
}

struct Side {
  mos_context_t ctx = nullptr;
  mos_pool_t pool = nullptr;
  std::vector<mos_layer_t> layers;
  std::vector<mos_tensor_t> tensors;
  mos_optimizer_t opt = nullptr;
  mos_tensor_t keep(mos_tensor_t t) {
    tensors.push_back(t);
    return t;
  }
  ~Side() {
    mos_optimizer_free(opt);
    for (auto l : layers) mos_layer_free(l);
    for (auto t : tensors) mos_tensor_free(t);
    mos_pool_free(pool);
  }
};

std::string describe(const Shape& s) {
  char buf[256];
  std::snprintf(buf, sizeof(buf),
                "d_in=%d d_out=%d L=%d r=%d R_eq=%d p=%d l=%d N=%d%s%s dropout=%g", s.d_in, s.d_out,
                s.L, s.r, s.R, s.p, s.l, s.N, s.dup ? " dup-idx" : "", s.bias ? " bias" : "",
                static_cast<double>(s.dropout));
  return buf;
}

// CUDA values vs the CPU's at `tol` (normwise relative; prints seed, shape, worst element).
bool same(const char* what, const std::vector<float>& cuda, const std::vector<float>& cpu,
          double tol, uint64_t seed, const std::string& shape) {
  return t::close(what, cuda, t::to_double(cpu), tol, seed, shape);
}

std::vector<int32_t> indices_with_repeats(std::mt19937_64& rng, int64_t slots, int32_t P) {
  std::vector<int32_t> v(static_cast<size_t>(slots));
  for (auto& x : v) x = static_cast<int32_t>(rng() % static_cast<uint64_t>(P));
  if (slots >= 3) {
    v[1] = v[0];
    v[slots - 1] = v[0];
  }
  if (slots >= 5) v[3] = v[2];
  return v;
}

void run_shape(const Shape& s, mos_context_t cpu_ctx, mos_context_t gpu_ctx, uint64_t seed) {
  const std::string shape = describe(s);
  std::printf("case %s (seed %llu)\n", shape.c_str(), static_cast<unsigned long long>(seed));
  std::fflush(stdout);
  std::mt19937_64 rng(seed);
  const int64_t P = static_cast<int64_t>(s.R) * s.L * s.l;
  const int64_t sa = s.d_in / s.l, sb = s.d_out / s.l, slots = static_cast<int64_t>(s.r) * s.l;
  const float alpha = 16.0f;

  Side cpu, gpu;
  cpu.ctx = cpu_ctx;
  gpu.ctx = gpu_ctx;
  for (Side* sd : {&cpu, &gpu}) {
    T_OK(mos_pool_create(sd->ctx, config_of(s, alpha), &sd->pool));
    if (!sd->pool) return;
    T_OK(mos_pool_init(sd->pool, seed));
  }
  // Init (uniform_fill on both backends, the same hash): bit-identical.
  same("pool_A after init", t::read_pool(gpu.pool, MOS_POOL_A, P * sa),
       t::read_pool(cpu.pool, MOS_POOL_A, P * sa), 0.0, seed, shape);
  // pool_B = 0 at init would hide B's path: random B (and A) on both sides.
  const auto pa = t::random_floats(rng, static_cast<size_t>(P * sa));
  const auto pb = t::random_floats(rng, static_cast<size_t>(sb * P));
  for (Side* sd : {&cpu, &gpu}) {
    T_OK(mos_pool_write(sd->pool, MOS_POOL_A, pa.data(), P * sa));
    T_OK(mos_pool_write(sd->pool, MOS_POOL_B, pb.data(), sb * P));
  }
  // Indices: generated (host code, must agree) or explicit with repeats.
  if (s.dup) {
    for (int32_t k = 0; k < s.L; ++k) {
      const auto ia = indices_with_repeats(rng, slots, static_cast<int32_t>(P));
      const auto ib = indices_with_repeats(rng, slots, static_cast<int32_t>(P));
      for (Side* sd : {&cpu, &gpu})
        T_OK(mos_pool_set_indices(sd->pool, k, ia.data(), ib.data(), slots));
    }
  } else {
    for (Side* sd : {&cpu, &gpu}) T_OK(mos_pool_generate_indices(sd->pool, seed + 1));
    for (int32_t k = 0; k < s.L; ++k) {
      std::vector<int32_t> a1(slots), b1(slots), a2(slots), b2(slots);
      T_OK(mos_pool_get_indices(cpu.pool, k, a1.data(), b1.data(), slots));
      T_OK(mos_pool_get_indices(gpu.pool, k, a2.data(), b2.data(), slots));
      T_CHECK(a1 == a2 && b1 == b2, "generated indices of block %d differ (seed %llu, %s)", k,
              static_cast<unsigned long long>(seed), shape.c_str());
    }
  }

  // Assembly: copies, exact.
  for (int32_t k = 0; k < s.L; ++k) {
    std::vector<float> got[2][2];
    int side = 0;
    for (Side* sd : {&cpu, &gpu}) {
      mos_tensor_t a = sd->keep(t::tensor(sd->ctx, s.r, s.d_in));
      mos_tensor_t b = sd->keep(t::tensor(sd->ctx, s.d_out, s.r));
      T_OK(mos_pool_assemble(sd->pool, k, a, b));
      got[side][0] = t::read(a);
      got[side][1] = t::read(b);
      ++side;
    }
    same("assembled A_k", got[1][0], got[0][0], MOS_TOL_F32_ASSEMBLY, seed, shape);
    same("assembled B_k", got[1][1], got[0][1], MOS_TOL_F32_ASSEMBLY, seed, shape);
  }

  // Inputs shared by both sides.
  const size_t nw = static_cast<size_t>(s.d_out) * s.d_in;
  const auto w = t::random_floats(rng, nw);
  const auto bias = t::random_floats(rng, static_cast<size_t>(s.d_out));
  const auto x = t::random_floats(rng, static_cast<size_t>(s.N) * s.d_in);
  const auto dy = t::random_floats(rng, static_cast<size_t>(s.N) * s.d_out);
  const auto y0 = t::random_floats(rng, static_cast<size_t>(s.N) * s.d_out);
  const auto dx0 = t::random_floats(rng, static_cast<size_t>(s.N) * s.d_in);
  const std::vector<float> nan_y(y0.size(), NAN), nan_dx(dx0.size(), NAN);

  mos_tensor_t wt[2], xt[2], dyt[2];
  int side = 0;
  for (Side* sd : {&cpu, &gpu}) {
    wt[side] = sd->keep(t::tensor(sd->ctx, s.d_out, s.d_in, w));
    mos_tensor_t bt = s.bias ? sd->keep(t::tensor(sd->ctx, 1, s.d_out, bias)) : nullptr;
    xt[side] = sd->keep(t::tensor(sd->ctx, s.N, s.d_in, x));
    dyt[side] = sd->keep(t::tensor(sd->ctx, s.N, s.d_out, dy));
    for (int32_t k = 0; k < s.L; ++k) {
      mos_layer_t layer = nullptr;
      T_OK(mos_layer_create(sd->pool, k, wt[side], bt, &layer));
      T_OK(mos_layer_set_dropout_state(layer, seed * 31 + k, 5));
      sd->layers.push_back(layer);
    }
    ++side;
  }
  if (cpu.layers.size() != static_cast<size_t>(s.L) || gpu.layers.size() != cpu.layers.size())
    return;

  // Forward FULL (training, dropout) + backward FULL for every block: pool grads accumulate.
  for (int32_t k = 0; k < s.L; ++k) {
    std::vector<float> y[2], dx[2];
    side = 0;
    for (Side* sd : {&cpu, &gpu}) {
      mos_tensor_t yt = sd->keep(t::tensor(sd->ctx, s.N, s.d_out, nan_y));
      mos_tensor_t dxt = sd->keep(t::tensor(sd->ctx, s.N, s.d_in, nan_dx));
      T_OK(mos_layer_forward(sd->layers[k], xt[side], yt, MOS_MODE_FULL, 1));
      T_OK(mos_layer_backward(sd->layers[k], xt[side], dyt[side], dxt, MOS_MODE_FULL));
      y[side] = t::read(yt);
      dx[side] = t::read(dxt);
      ++side;
    }
    const std::string sk = shape + " block " + std::to_string(k);
    same("forward FULL y", y[1], y[0], MOS_TOL_CUDA_VS_CPU_F32, seed, sk);
    same("backward FULL dx", dx[1], dx[0], MOS_TOL_CUDA_VS_CPU_F32, seed, sk);
  }
  same("grad_A after FULL backward of all blocks", t::read_pool(gpu.pool, MOS_POOL_GRAD_A, P * sa),
       t::read_pool(cpu.pool, MOS_POOL_GRAD_A, P * sa), MOS_TOL_CUDA_VS_CPU_F32, seed, shape);
  same("grad_B after FULL backward of all blocks", t::read_pool(gpu.pool, MOS_POOL_GRAD_B, sb * P),
       t::read_pool(cpu.pool, MOS_POOL_GRAD_B, sb * P), MOS_TOL_CUDA_VS_CPU_F32, seed, shape);

  // ADAPTER_ONLY on block 0 (y += delta, dx += adapter part), grads keep accumulating; then an
  // inference forward (no dropout, no saved state).
  {
    std::vector<float> y[2], dx[2], yi[2];
    side = 0;
    for (Side* sd : {&cpu, &gpu}) {
      mos_tensor_t yt = sd->keep(t::tensor(sd->ctx, s.N, s.d_out, y0));
      mos_tensor_t dxt = sd->keep(t::tensor(sd->ctx, s.N, s.d_in, dx0));
      mos_tensor_t yit = sd->keep(t::tensor(sd->ctx, s.N, s.d_out, nan_y));
      T_OK(mos_layer_forward(sd->layers[0], xt[side], yt, MOS_MODE_ADAPTER_ONLY, 1));
      T_OK(mos_layer_backward(sd->layers[0], xt[side], dyt[side], dxt, MOS_MODE_ADAPTER_ONLY));
      T_OK(mos_layer_forward(sd->layers[s.L - 1], xt[side], yit, MOS_MODE_FULL, 0));
      y[side] = t::read(yt);
      dx[side] = t::read(dxt);
      yi[side] = t::read(yit);
      ++side;
    }
    same("forward ADAPTER_ONLY y", y[1], y[0], MOS_TOL_CUDA_VS_CPU_F32, seed, shape);
    same("backward ADAPTER_ONLY dx", dx[1], dx[0], MOS_TOL_CUDA_VS_CPU_F32, seed, shape);
    same("inference forward FULL y", yi[1], yi[0], MOS_TOL_CUDA_VS_CPU_F32, seed, shape);
  }
  same("grad_A after ADAPTER_ONLY", t::read_pool(gpu.pool, MOS_POOL_GRAD_A, P * sa),
       t::read_pool(cpu.pool, MOS_POOL_GRAD_A, P * sa), MOS_TOL_CUDA_VS_CPU_F32, seed, shape);
  same("grad_B after ADAPTER_ONLY", t::read_pool(gpu.pool, MOS_POOL_GRAD_B, sb * P),
       t::read_pool(cpu.pool, MOS_POOL_GRAD_B, sb * P), MOS_TOL_CUDA_VS_CPU_F32, seed, shape);

  // Clipping and AdamW on IDENTICAL gradients (the CPU's), so that sign(g) of near-zero
  // gradients cannot differ and the step is compared element by element.
  {
    const auto ga = t::read_pool(cpu.pool, MOS_POOL_GRAD_A, P * sa);
    const auto gb = t::read_pool(cpu.pool, MOS_POOL_GRAD_B, sb * P);
    T_OK(mos_pool_write(gpu.pool, MOS_POOL_GRAD_A, ga.data(), P * sa));
    T_OK(mos_pool_write(gpu.pool, MOS_POOL_GRAD_B, gb.data(), sb * P));
    float norm[2] = {0, 0};
    side = 0;
    for (Side* sd : {&cpu, &gpu}) {
      T_OK(mos_optimizer_create_adamw(sd->ctx, 1e-2f, 0.9f, 0.999f, 1e-8f, 0.01f, &sd->opt));
      T_OK(mos_optimizer_add_pool(sd->opt, sd->pool));
      float unclipped = 0;
      T_OK(mos_optimizer_clip_grad_norm(sd->opt, 0.0f, &unclipped));  // norm only
      T_OK(mos_optimizer_clip_grad_norm(sd->opt, 0.5f * unclipped, &norm[side]));
      ++side;
    }
    same("total grad norm", std::vector<float>{norm[1]}, std::vector<float>{norm[0]},
         MOS_TOL_CUDA_VS_CPU_F32, seed, shape);
    same("grad_A after clipping", t::read_pool(gpu.pool, MOS_POOL_GRAD_A, P * sa),
         t::read_pool(cpu.pool, MOS_POOL_GRAD_A, P * sa), MOS_TOL_CUDA_VS_CPU_F32, seed, shape);
    // Steps again on identical (clipped CPU) gradients.
    const auto ca = t::read_pool(cpu.pool, MOS_POOL_GRAD_A, P * sa);
    const auto cb = t::read_pool(cpu.pool, MOS_POOL_GRAD_B, sb * P);
    T_OK(mos_pool_write(gpu.pool, MOS_POOL_GRAD_A, ca.data(), P * sa));
    T_OK(mos_pool_write(gpu.pool, MOS_POOL_GRAD_B, cb.data(), sb * P));
    for (int step = 0; step < 2; ++step) {
      for (Side* sd : {&cpu, &gpu}) T_OK(mos_optimizer_step(sd->opt));
    }
    const struct {
      mos_pool_array_t which;
      const char* name;
      int64_t n;
    } arrays[] = {{MOS_POOL_A, "pool_A after 2 AdamW steps", P * sa},
                  {MOS_POOL_B, "pool_B after 2 AdamW steps", sb * P},
                  {MOS_POOL_ADAM_M_A, "Adam m_A", P * sa},
                  {MOS_POOL_ADAM_V_A, "Adam v_A", P * sa},
                  {MOS_POOL_ADAM_M_B, "Adam m_B", sb * P},
                  {MOS_POOL_ADAM_V_B, "Adam v_B", sb * P}};
    for (const auto& a : arrays) {
      same(a.name, t::read_pool(gpu.pool, a.which, a.n), t::read_pool(cpu.pool, a.which, a.n),
           MOS_TOL_CUDA_VS_CPU_F32, seed, shape);
    }
  }

  // Delta W and merge of block 0 (W' = W + (alpha/r) B_k A_k), then unmerge.
  {
    std::vector<float> delta[2], merged[2], back[2];
    side = 0;
    for (Side* sd : {&cpu, &gpu}) {
      mos_tensor_t dt = sd->keep(t::tensor(sd->ctx, s.d_out, s.d_in));
      T_OK(mos_layer_delta_weight(sd->layers[0], dt));
      delta[side] = t::read(dt);
      T_OK(mos_layer_merge(sd->layers[0]));
      merged[side] = t::read(wt[side]);
      T_OK(mos_layer_unmerge(sd->layers[0]));
      back[side] = t::read(wt[side]);
      ++side;
    }
    same("delta W", delta[1], delta[0], MOS_TOL_CUDA_VS_CPU_F32, seed, shape);
    same("W after merge", merged[1], merged[0], MOS_TOL_CUDA_VS_CPU_F32, seed, shape);
    t::close("W after merge + unmerge vs W", back[1], t::to_double(w), MOS_TOL_F32_MERGE_ROUNDTRIP,
             seed, shape);
  }
  std::fflush(stdout);
}

// ---- BF16 storage (x, y, dy, dx, W, bias in BF16; pools F32) and the TF32 math mode ---------

using t::bf16_tensor;
using t::read_bf16;

// Block 0 of a pool with BF16 activations and W / bias: training forward FULL, backward with
// dx, on both backends from the same bits, at MOS_TOL_CUDA_VS_CPU_BF16; then mos_gemm on BF16.
void run_bf16(Shape s, mos_context_t cpu_ctx, mos_context_t gpu_ctx, uint64_t seed) {
  s.dup = false;  // generated indices (the f32 run covers repeats)
  const std::string shape = describe(s) + " BF16";
  std::printf("case %s (seed %llu)\n", shape.c_str(), static_cast<unsigned long long>(seed));
  std::fflush(stdout);
  std::mt19937_64 rng(seed);
  const int64_t P = static_cast<int64_t>(s.R) * s.L * s.l;
  const int64_t sa = s.d_in / s.l, sb = s.d_out / s.l;
  Side cpu, gpu;
  cpu.ctx = cpu_ctx;
  gpu.ctx = gpu_ctx;
  const auto pa = t::random_floats(rng, static_cast<size_t>(P * sa));
  const auto pb = t::random_floats(rng, static_cast<size_t>(sb * P));
  const auto w = t::random_floats(rng, static_cast<size_t>(s.d_out) * s.d_in);
  const auto bias = t::random_floats(rng, static_cast<size_t>(s.d_out));
  const auto x = t::random_floats(rng, static_cast<size_t>(s.N) * s.d_in);
  const auto dy = t::random_floats(rng, static_cast<size_t>(s.N) * s.d_out);
  std::vector<float> y[2], dx[2], ga[2], gb[2];
  int side = 0;
  for (Side* sd : {&cpu, &gpu}) {
    T_OK(mos_pool_create(sd->ctx, config_of(s, 16.0f), &sd->pool));
    if (!sd->pool) return;
    T_OK(mos_pool_write(sd->pool, MOS_POOL_A, pa.data(), P * sa));
    T_OK(mos_pool_write(sd->pool, MOS_POOL_B, pb.data(), sb * P));
    T_OK(mos_pool_generate_indices(sd->pool, seed + 1));
    mos_tensor_t wt = sd->keep(bf16_tensor(sd->ctx, s.d_out, s.d_in, w));
    mos_tensor_t bt = s.bias ? sd->keep(bf16_tensor(sd->ctx, 1, s.d_out, bias)) : nullptr;
    mos_tensor_t xt = sd->keep(bf16_tensor(sd->ctx, s.N, s.d_in, x));
    mos_tensor_t dyt = sd->keep(bf16_tensor(sd->ctx, s.N, s.d_out, dy));
    mos_tensor_t yt = sd->keep(bf16_tensor(sd->ctx, s.N, s.d_out));
    mos_tensor_t dxt = sd->keep(bf16_tensor(sd->ctx, s.N, s.d_in));
    mos_layer_t layer = nullptr;
    T_OK(mos_layer_create(sd->pool, 0, wt, bt, &layer));
    if (!layer) return;
    sd->layers.push_back(layer);
    T_OK(mos_layer_set_dropout_state(layer, seed * 17, 3));
    T_OK(mos_layer_forward(layer, xt, yt, MOS_MODE_FULL, 1));
    T_OK(mos_layer_backward(layer, xt, dyt, dxt, MOS_MODE_FULL));
    y[side] = read_bf16(yt);
    dx[side] = read_bf16(dxt);
    ga[side] = t::read_pool(sd->pool, MOS_POOL_GRAD_A, P * sa);
    gb[side] = t::read_pool(sd->pool, MOS_POOL_GRAD_B, sb * P);
    ++side;
  }
  same("bf16 forward y", y[1], y[0], MOS_TOL_CUDA_VS_CPU_BF16, seed, shape);
  same("bf16 backward dx", dx[1], dx[0], MOS_TOL_CUDA_VS_CPU_BF16, seed, shape);
  same("bf16 backward grad_A (f32)", ga[1], ga[0], MOS_TOL_CUDA_VS_CPU_BF16, seed, shape);
  same("bf16 backward grad_B (f32)", gb[1], gb[0], MOS_TOL_CUDA_VS_CPU_BF16, seed, shape);

  // mos_gemm: C [N x d_out] = x W^T - 0.5 C on BF16 tensors.
  std::vector<float> c[2];
  side = 0;
  const auto c0 = t::random_floats(rng, static_cast<size_t>(s.N) * s.d_out);
  for (Side* sd : {&cpu, &gpu}) {
    mos_tensor_t xt = sd->keep(bf16_tensor(sd->ctx, s.N, s.d_in, x));
    mos_tensor_t wt = sd->keep(bf16_tensor(sd->ctx, s.d_out, s.d_in, w));
    mos_tensor_t ct = sd->keep(bf16_tensor(sd->ctx, s.N, s.d_out, c0));
    T_OK(mos_gemm(sd->ctx, 0, 1, 1.0f, xt, wt, -0.5f, ct));
    c[side++] = read_bf16(ct);
  }
  same("bf16 mos_gemm", c[1], c[0], MOS_TOL_CUDA_VS_CPU_BF16, seed, shape);
}

// mos_context_set_math_mode(TF32) on the CUDA side: an f32 product within MOS_TOL_CUDA_VS_CPU_TF32
// of the CPU's; back to MOS_MATH_DEFAULT: within MOS_TOL_CUDA_VS_CPU_F32. Also at LLaMA-7B's
// down_proj depth (k = 11008), where f32 rounding across different summation orders is largest.
void run_tf32(mos_context_t cpu_ctx, mos_context_t gpu_ctx, uint64_t seed, int m, int n, int k) {
  std::mt19937_64 rng(seed);
  const auto a = t::random_floats(rng, static_cast<size_t>(m) * k);
  const auto b = t::random_floats(rng, static_cast<size_t>(k) * n);
  std::vector<float> c[3];
  mos_context_t ctxs[3] = {cpu_ctx, gpu_ctx, gpu_ctx};
  for (int i = 0; i < 3; ++i) {
    T_OK(mos_context_set_math_mode(ctxs[i], i == 1 ? MOS_MATH_TF32 : MOS_MATH_DEFAULT));
    mos_tensor_t at = t::tensor(ctxs[i], m, k, a), bt = t::tensor(ctxs[i], k, n, b),
                 ct = t::tensor(ctxs[i], m, n);
    T_OK(mos_gemm(ctxs[i], 0, 0, 1.0f, at, bt, 0.0f, ct));
    c[i] = t::read(ct);
    for (mos_tensor_t h : {at, bt, ct}) mos_tensor_free(h);
  }
  const std::string shape = t::shape(m, k) + " " + t::shape(k, n);
  same("TF32 gemm vs CPU", c[1], c[0], MOS_TOL_CUDA_VS_CPU_TF32, seed, shape);
  same("gemm after MOS_MATH_DEFAULT vs CPU", c[2], c[0], MOS_TOL_CUDA_VS_CPU_F32, seed, shape);
}

}  // namespace

int main() {
  int skip_code = 0;
  if (!t::cuda_usable("cuda_parity", &skip_code)) return skip_code;
  mos_context_t cpu = nullptr, gpu = nullptr;
  T_OK(mos_context_create(MOS_BACKEND_CPU, 0, &cpu));
  T_OK(mos_context_create(MOS_BACKEND_CUDA, 0, &gpu));
  if (!cpu || !gpu) return t::report("cuda_parity");
  std::printf("%s\n", mos_version_string());
  // MOS_PARITY_MAX_DIM (set for the emulated run, whose host GEMM is slow) skips larger shapes.
  const char* max_dim_env = std::getenv("MOS_PARITY_MAX_DIM");
  const long max_dim = max_dim_env ? std::atol(max_dim_env) : 0;
  uint64_t seed = 20250101;
  for (const Shape& s : kShapes) {
    if (max_dim > 0 && (s.d_in > max_dim || s.d_out > max_dim)) {
      std::printf("skipping %s (MOS_PARITY_MAX_DIM=%ld)\n", describe(s).c_str(), max_dim);
      ++seed;
      continue;
    }
    run_shape(s, cpu, gpu, seed++);
  }
  // BF16 storage on a few shapes (fused and cuBLAS LoRA products, bias, dropout, repeats).
  for (int i : {0, 3, 4, 6}) run_bf16(kShapes[i], cpu, gpu, seed++);
  run_tf32(cpu, gpu, seed++, 96, 80, 200);
  if (max_dim == 0 || max_dim >= 11008) {
    run_tf32(cpu, gpu, seed++, 64, 4096, 11008);
  } else {
    std::printf("skipping the k = 11008 products (MOS_PARITY_MAX_DIM=%ld)\n", max_dim);
  }
  mos_context_free(gpu);
  mos_context_free(cpu);
  return t::report("cuda_parity");
}
