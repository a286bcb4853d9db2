// cuda_determinism: with MOS_CUDA_DETERMINISTIC=1 (sorted-slot scatter-add, no atomics) the pool
// gradients of forward + backward over all blocks, with many repeated indices, are bit-identical
// across two runs in one context and across a fresh context; they also match the CPU backend at
// MOS_TOL_CUDA_VS_CPU_F32. Shapes cover the fused (N <= 64) and the cuBLAS (N > 64) products.
// Without a usable GPU: "SKIP: <reason>", exit 77.
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
                       t::config({.d_in = s.d_in, .d_out = s.d_out, .num_blocks = s.L,
                                  .rank = s.r, .equivalent_rank = s.R, .private_rank = s.p,
                                  .shards_per_vector = s.l, .alpha = 16.0f, .dropout = 0.1f}),
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

}  // namespace

int main() {
  setenv("MOS_CUDA_DETERMINISTIC", "1", 1);  // read when a CUDA context is created
  int32_t available = 0;
  char reason[512] = "";
  if (mos_backend_available(MOS_BACKEND_CUDA, &available, reason, sizeof(reason)) !=
          MOS_STATUS_OK ||
      !available) {
    std::printf("SKIP: %s\n", reason[0] ? reason : mos_last_error());
    return 77;
  }
  mos_context_t cpu = nullptr, gpu = nullptr, gpu2 = nullptr;
  T_OK(mos_context_create(MOS_BACKEND_CPU, 0, &cpu));
  T_OK(mos_context_create(MOS_BACKEND_CUDA, 0, &gpu));
  T_OK(mos_context_create(MOS_BACKEND_CUDA, 0, &gpu2));
  if (!cpu || !gpu || !gpu2) return t::report("cuda_determinism");
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
