// SPDX-License-Identifier: Apache-2.0
// test_training_toy: a seeded toy regression (two blocks of one pool group learn two different
// low-rank corrections of a frozen W with AdamW + clipping); the loss must fall below 20% of its
// start, and a second identical run must reproduce the final loss exactly.
#include <cmath>
#include <random>
#include <vector>

#include "test_util.h"

namespace {

constexpr int kDin = 16, kDout = 16, kL = 2, kN = 64, kSteps = 300;

struct Result {
  double first = 0, last = 0;
};

Result train(uint64_t seed) {
  std::mt19937_64 rng(seed);
  mos_context_t ctx = nullptr;
  mos_pool_t pool = nullptr;
  mos_optimizer_t opt = nullptr;
  T_OK(mos_context_create(MOS_BACKEND_CPU, 0, &ctx));
  T_OK(mos_pool_create(ctx,
                       t::config({.d_in = kDin,
                                  .d_out = kDout,
                                  .num_blocks = kL,
                                  .rank = 4,
                                  .equivalent_rank = 4,
                                  .private_rank = 1,
                                  .shards_per_vector = 2,
                                  .alpha = 8.0f,
                                  .dropout = 0.0f}),
                       &pool));
  T_OK(mos_pool_init(pool, seed));
  T_OK(mos_pool_generate_indices(pool, seed));
  T_OK(mos_optimizer_create_adamw(ctx, 0.02f, 0.9f, 0.999f, 1e-8f, 0.0f, &opt));
  T_OK(mos_optimizer_add_pool(opt, pool));

  const auto w = t::random_floats(rng, kDout * kDin, -0.3f, 0.3f);
  mos_tensor_t wt = t::tensor(ctx, kDout, kDin, w);
  mos_layer_t layers[kL];
  mos_tensor_t xs[kL], ys[kL], dys[kL];
  std::vector<float> targets[kL];
  for (int k = 0; k < kL; ++k) {
    T_OK(mos_layer_create(pool, k, wt, nullptr, &layers[k]));
    // Target: x (W + U V^T)^T with a random rank-2 correction per block.
    const auto u = t::random_floats(rng, kDout * 2), v = t::random_floats(rng, 2 * kDin);
    const auto x = t::random_floats(rng, kN * kDin);
    targets[k].assign(kN * kDout, 0.0f);
    for (int n = 0; n < kN; ++n)
      for (int o = 0; o < kDout; ++o) {
        double s = 0;
        for (int i = 0; i < kDin; ++i) {
          double wi = w[o * kDin + i];
          for (int q = 0; q < 2; ++q) wi += 0.5 * u[o * 2 + q] * v[q * kDin + i];
          s += wi * x[n * kDin + i];
        }
        targets[k][n * kDout + o] = static_cast<float>(s);
      }
    xs[k] = t::tensor(ctx, kN, kDin, x);
    ys[k] = t::tensor(ctx, kN, kDout);
    dys[k] = t::tensor(ctx, kN, kDout);
  }

  Result res;
  std::vector<float> dy(kN * kDout);
  for (int step = 0; step < kSteps; ++step) {
    T_OK(mos_optimizer_zero_grad(opt));
    double loss = 0;
    for (int k = 0; k < kL; ++k) {
      T_OK(mos_layer_forward(layers[k], xs[k], ys[k], MOS_MODE_FULL, 1));
      const auto y = t::read(ys[k]);
      for (size_t e = 0; e < y.size(); ++e) {
        const double d = static_cast<double>(y[e]) - targets[k][e];
        loss += 0.5 * d * d / kN;
        dy[e] = static_cast<float>(d / kN);
      }
      T_OK(mos_tensor_write(dys[k], dy.data(), static_cast<int64_t>(dy.size())));
      T_OK(mos_layer_backward(layers[k], xs[k], dys[k], nullptr, MOS_MODE_FULL));
    }
    T_OK(mos_optimizer_clip_grad_norm(opt, 1.0f, nullptr));
    T_OK(mos_optimizer_step(opt));
    if (step == 0) res.first = loss;
    res.last = loss;
  }
  for (int k = 0; k < kL; ++k) {
    mos_layer_free(layers[k]);
    for (mos_tensor_t h : {xs[k], ys[k], dys[k]}) mos_tensor_free(h);
  }
  mos_tensor_free(wt);
  mos_optimizer_free(opt);
  mos_pool_free(pool);
  mos_context_free(ctx);
  return res;
}

}  // namespace

int main() {
  const uint64_t seed = 2024;
  const Result a = train(seed);
  std::printf("toy regression (seed %llu): loss %.4e -> %.4e after %d steps\n",
              (unsigned long long)seed, a.first, a.last, kSteps);
  T_CHECK(a.last < 0.2 * a.first, "seed %llu: loss %.6f -> %.6f did not fall below 20%%",
          (unsigned long long)seed, a.first, a.last);
  const Result b = train(seed);
  T_CHECK(a.first == b.first && a.last == b.last, "seed %llu: two runs differ: %.9g vs %.9g",
          (unsigned long long)seed, a.last, b.last);
  return t::report("test_training_toy");
}
