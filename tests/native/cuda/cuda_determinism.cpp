// SPDX-License-Identifier: Apache-2.0
// cuda_determinism: with MOS_CUDA_DETERMINISTIC=1 (sorted-slot scatter-add, no atomics) the pool
// gradients of forward + backward over all blocks, with many repeated indices, are bit-identical
// across two runs in one context and across a fresh context; they also match the CPU backend at
// MOS_TOL_CUDA_VS_CPU_F32. Shapes cover the small-rank kernels (N <= 64) and cuBLAS (N > 64).
// check_b_order: with B indices repeated across shards (l > 1) and every dB_k value exact, the
// deterministic grad_B is bit-identical to the CPU backend's (the same summation order).
// Without a usable GPU: skip (exit 77), or fail under MOS_REQUIRE_GPU=1.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <tuple>
#include <vector>

#include "test_util.h"

namespace {

struct Shape {
  int32_t d_in, d_out, L, r, R, p, l, N;
};
const Shape kShapes[] = {
    {512, 384, 3, 16, 8, 1, 2, 8},
    {256, 768, 4, 12, 4, 0, 4, 96},
};

struct Grads {
  std::vector<float> a, b;
};

// One "training step's" gradients: zero, then forward + backward of every block.
Grads run(mos_context_t ctx, const Shape& s, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const int64_t P = static_cast<int64_t>(s.R) * s.L * s.l;
  const int64_t sa = s.d_in / s.l, sb = s.d_out / s.l, slots = static_cast<int64_t>(s.r) * s.l;
  Grads g;
  mos_pool_t pool = nullptr;
  T_OK(mos_pool_create(ctx,
                       t::config({.d_in = s.d_in,
                                  .d_out = s.d_out,
                                  .num_blocks = s.L,
                                  .rank = s.r,
                                  .equivalent_rank = s.R,
                                  .private_rank = s.p,
                                  .shards_per_vector = s.l,
                                  .alpha = 16.0f,
                                  .dropout = 0.1f}),
                       &pool));
  if (!pool) return g;
  const auto pa = t::random_floats(rng, static_cast<size_t>(P * sa));
  const auto pb = t::random_floats(rng, static_cast<size_t>(sb * P));
  T_OK(mos_pool_write(pool, MOS_POOL_A, pa.data(), P * sa));
  T_OK(mos_pool_write(pool, MOS_POOL_B, pb.data(), sb * P));
  // Few distinct values: every destination row/column is hit several times per block.
  const int32_t distinct = P < 5 ? static_cast<int32_t>(P) : 5;
  for (int32_t k = 0; k < s.L; ++k) {
    std::vector<int32_t> ia(slots), ib(slots);
    for (auto& v : ia) v = static_cast<int32_t>(rng() % distinct);
    for (auto& v : ib) v = static_cast<int32_t>(P - 1 - static_cast<int64_t>(rng() % distinct));
    T_OK(mos_pool_set_indices(pool, k, ia.data(), ib.data(), slots));
  }
  const auto x = t::random_floats(rng, static_cast<size_t>(s.N) * s.d_in);
  const auto dy = t::random_floats(rng, static_cast<size_t>(s.N) * s.d_out);
  mos_tensor_t xt = t::tensor(ctx, s.N, s.d_in, x);
  mos_tensor_t dyt = t::tensor(ctx, s.N, s.d_out, dy);
  mos_tensor_t yt = t::tensor(ctx, s.N, s.d_out);
  mos_tensor_t dxt = t::tensor(ctx, s.N, s.d_in);
  for (int32_t k = 0; k < s.L; ++k) {
    mos_layer_t layer = nullptr;
    T_OK(mos_layer_create(pool, k, nullptr, nullptr, &layer));
    T_OK(mos_layer_set_dropout_state(layer, 77 + k, 0));
    T_OK(mos_layer_forward(layer, xt, yt, MOS_MODE_ADAPTER_ONLY, 1));
    T_OK(mos_layer_backward(layer, xt, dyt, dxt, MOS_MODE_ADAPTER_ONLY));
    mos_layer_free(layer);
  }
  g.a = t::read_pool(pool, MOS_POOL_GRAD_A, P * sa);
  g.b = t::read_pool(pool, MOS_POOL_GRAD_B, sb * P);
  for (auto h : {xt, dyt, yt, dxt}) mos_tensor_free(h);
  mos_pool_free(pool);
  return g;
}

bool bit_identical(const std::vector<float>& x, const std::vector<float>& y) {
  return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * sizeof(float)) == 0;
}

size_t first_difference(const std::vector<float>& x, const std::vector<float>& y) {
  for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
    if (std::memcmp(&x[i], &y[i], sizeof(float)) != 0) return i;
  }
  return x.size();
}

// Values s * 2^e * (1 + k/8): 4 significant bits, so a product of two is exact in f32 while sums
// of many, spread over 2^-24 .. 2^24, round differently in different orders.
float crafted(std::mt19937_64& rng) {
  const int e = static_cast<int>(rng() % 25) - 12;
  const float mant = 1.0f + static_cast<float>(rng() % 8) / 8.0f;
  return (rng() & 1 ? -1.0f : 1.0f) * std::ldexp(mant, e);
}

// grad_pool_B of one block whose dB_k is exact on both backends: N = 1, x one-hot (u_j is one pool
// value), alpha = r (scale 1), no dropout, pool_B = 0. idx_B repeats two destinations over all
// r*l slots. The CPU backend adds, per pool row t, over shards i then ranks j; the deterministic
// CUDA scatter-add must use that order too. The host computes both that order and the slot order
// (j outer, i inner) in f32: each backend must equal the first bit for bit, and the two orders
// must differ somewhere for at least one seed, so the check can fail.
void check_b_order(mos_context_t cpu, mos_context_t gpu) {
  const int32_t d_in = 8, d_out = 12, L = 1, r = 6, R = 6, p = 0, l = 2;
  const int64_t P = static_cast<int64_t>(R) * L * l, sa = d_in / l, sb = d_out / l;
  const int64_t slots = static_cast<int64_t>(r) * l;
  bool order_matters = false;
  for (uint64_t seed = 900; seed < 920; ++seed) {
    std::mt19937_64 rng(seed);
    std::vector<float> pa(static_cast<size_t>(P * sa), 0.0f), g(d_out), u(r);
    std::vector<int32_t> ia(slots), ib(slots);
    for (int64_t q = 0; q < slots; ++q) ia[q] = static_cast<int32_t>(q);  // distinct rows
    for (auto& v : ib) v = static_cast<int32_t>(P - 1 - static_cast<int64_t>(rng() % 2));
    for (int32_t j = 0; j < r; ++j) {  // u_j = A_k[j, 0] = pool_A[idx_A[j*l], 0]
      u[j] = crafted(rng);
      pa[static_cast<size_t>(ia[static_cast<size_t>(j) * l]) * sa] = u[j];
    }
    for (auto& v : g) v = crafted(rng);
    std::vector<float> x(d_in, 0.0f);
    x[0] = 1.0f;
    // dB_k[row, j] = g[row] * u[j] (exact). Host sums in both orders.
    std::vector<float> cpu_order(static_cast<size_t>(sb * P), 0.0f), slot_order = cpu_order;
    for (int64_t t = 0; t < sb; ++t) {
      for (int32_t i = 0; i < l; ++i)
        for (int32_t j = 0; j < r; ++j) cpu_order[t * P + ib[j * l + i]] += g[i * sb + t] * u[j];
      for (int32_t j = 0; j < r; ++j)
        for (int32_t i = 0; i < l; ++i) slot_order[t * P + ib[j * l + i]] += g[i * sb + t] * u[j];
    }
    order_matters = order_matters || !bit_identical(cpu_order, slot_order);
    std::vector<float> got[2];
    int side = 0;
    for (mos_context_t ctx : {cpu, gpu}) {
      mos_pool_t pool = nullptr;
      T_OK(mos_pool_create(ctx,
                           t::config({.d_in = d_in,
                                      .d_out = d_out,
                                      .num_blocks = L,
                                      .rank = r,
                                      .equivalent_rank = R,
                                      .private_rank = p,
                                      .shards_per_vector = l,
                                      .alpha = static_cast<float>(r),
                                      .dropout = 0.0f}),
                           &pool));
      if (!pool) return;
      T_OK(mos_pool_write(pool, MOS_POOL_A, pa.data(), P * sa));
      T_OK(mos_pool_set_indices(pool, 0, ia.data(), ib.data(), slots));
      mos_tensor_t xt = t::tensor(ctx, 1, d_in, x), gt = t::tensor(ctx, 1, d_out, g);
      mos_tensor_t yt = t::tensor(ctx, 1, d_out), dxt = t::tensor(ctx, 1, d_in);
      mos_layer_t layer = nullptr;
      T_OK(mos_layer_create(pool, 0, nullptr, nullptr, &layer));
      T_OK(mos_pool_zero_grad(pool));
      T_OK(mos_layer_forward(layer, xt, yt, MOS_MODE_ADAPTER_ONLY, 1));
      T_OK(mos_layer_backward(layer, xt, gt, dxt, MOS_MODE_ADAPTER_ONLY));
      got[side++] = t::read_pool(pool, MOS_POOL_GRAD_B, sb * P);
      mos_layer_free(layer);
      for (auto h : {xt, gt, yt, dxt}) mos_tensor_free(h);
      mos_pool_free(pool);
    }
    for (int k = 0; k < 2; ++k) {
      const size_t i = first_difference(got[k], cpu_order);
      T_CHECK(bit_identical(got[k], cpu_order),
              "%s grad_B with repeated B indices across shards is not the CPU-order sum bit for "
              "bit (seed %llu): element %zu is %.9g, expected %.9g",
              k == 0 ? "CPU" : "deterministic CUDA", static_cast<unsigned long long>(seed), i,
              i < got[k].size() ? got[k][i] : 0.0f, i < cpu_order.size() ? cpu_order[i] : 0.0f);
    }
  }
  T_CHECK(order_matters,
          "no seed made the summation order matter: the B-order check cannot fail as written");
}

}  // namespace

int main() {
  setenv("MOS_CUDA_DETERMINISTIC", "1", 1);  // read when a CUDA context is created
  int skip_code = 0;
  if (!t::cuda_usable("cuda_determinism", &skip_code)) return skip_code;
  mos_context_t cpu = nullptr, gpu = nullptr, gpu2 = nullptr;
  T_OK(mos_context_create(MOS_BACKEND_CPU, 0, &cpu));
  T_OK(mos_context_create(MOS_BACKEND_CUDA, 0, &gpu));
  T_OK(mos_context_create(MOS_BACKEND_CUDA, 0, &gpu2));
  if (!cpu || !gpu || !gpu2) return t::report("cuda_determinism");
  check_b_order(cpu, gpu);
  uint64_t seed = 4242;
  for (const Shape& s : kShapes) {
    char shape[160];
    std::snprintf(shape, sizeof(shape), "d_in=%d d_out=%d L=%d r=%d R_eq=%d p=%d l=%d N=%d", s.d_in,
                  s.d_out, s.L, s.r, s.R, s.p, s.l, s.N);
    const Grads g1 = run(gpu, s, seed), g2 = run(gpu, s, seed), g3 = run(gpu2, s, seed);
    const Grads ref = run(cpu, s, seed);
    for (const auto& [name, u, v] : {std::make_tuple("grad_A run 2", &g1.a, &g2.a),
                                     std::make_tuple("grad_B run 2", &g1.b, &g2.b),
                                     std::make_tuple("grad_A fresh context", &g1.a, &g3.a),
                                     std::make_tuple("grad_B fresh context", &g1.b, &g3.b)}) {
      const size_t i = first_difference(*u, *v);
      T_CHECK(bit_identical(*u, *v),
              "%s not bit-identical (seed %llu, %s): element %zu is %.9g vs %.9g", name,
              static_cast<unsigned long long>(seed), shape, i, i < u->size() ? (*u)[i] : 0.0f,
              i < v->size() ? (*v)[i] : 0.0f);
    }
    t::close("deterministic grad_A vs CPU", g1.a, t::to_double(ref.a), MOS_TOL_CUDA_VS_CPU_F32,
             seed, shape);
    t::close("deterministic grad_B vs CPU", g1.b, t::to_double(ref.b), MOS_TOL_CUDA_VS_CPU_F32,
             seed, shape);
    ++seed;
  }
  // The default (atomic) mode: same values up to rounding order.
  unsetenv("MOS_CUDA_DETERMINISTIC");
  mos_context_t gpu_atomic = nullptr;
  T_OK(mos_context_create(MOS_BACKEND_CUDA, 0, &gpu_atomic));
  if (gpu_atomic) {
    const Shape& s = kShapes[0];
    const Grads ga = run(gpu_atomic, s, 4242), ref = run(cpu, s, 4242);
    t::close("atomic grad_A vs CPU", ga.a, t::to_double(ref.a), MOS_TOL_CUDA_VS_CPU_F32, 4242,
             "shape 0");
    t::close("atomic grad_B vs CPU", ga.b, t::to_double(ref.b), MOS_TOL_CUDA_VS_CPU_F32, 4242,
             "shape 0");
    mos_context_free(gpu_atomic);
  }
  // The same through the ABI setter (1.2) on a context created without the variable: runs are
  // bit-identical to each other and to the environment-configured context.
  mos_context_t gpu_set = nullptr;
  T_OK(mos_context_create(MOS_BACKEND_CUDA, 0, &gpu_set));
  if (gpu_set) {
    T_OK(mos_context_set_deterministic(gpu_set, 1));
    T_OK(mos_context_set_math_mode(gpu_set, MOS_MATH_DEFAULT));
    const Shape& s = kShapes[0];
    const Grads h1 = run(gpu_set, s, 4242), h2 = run(gpu_set, s, 4242), env = run(gpu, s, 4242);
    T_CHECK(bit_identical(h1.a, h2.a) && bit_identical(h1.b, h2.b),
            "mos_context_set_deterministic(1): two runs not bit-identical");
    T_CHECK(bit_identical(h1.a, env.a) && bit_identical(h1.b, env.b),
            "mos_context_set_deterministic(1) differs from MOS_CUDA_DETERMINISTIC=1");
    mos_context_free(gpu_set);
  }
  mos_context_free(gpu2);
  mos_context_free(gpu);
  mos_context_free(cpu);
  return t::report("cuda_determinism");
}
