// SPDX-License-Identifier: Apache-2.0
// test_finite_diff: analytic gradients of loss = sum(c . y) w.r.t. every pool_A, pool_B and x
// element vs central finite differences of the f32 forward (MOS_TOL_F32_FINITE_DIFF), on tiny
// shapes, with the dropout mask replayed through mos_layer_set_dropout_state.
#include <vector>

#include "fixture.h"

namespace {

struct Run {
  t::PoolFixture& f;
  mos_layer_t layer;
  mos_tensor_t xt, yt;
  std::vector<float> x, cw;  // input and loss weights
  int N;
  mos_mode_t mode;
  uint64_t dseed;

  double loss() {
    T_OK(mos_tensor_write(xt, x.data(), static_cast<int64_t>(x.size())));
    T_OK(mos_pool_write(f.pool, MOS_POOL_A, f.pool_a.data(), f.size_a()));
    T_OK(mos_pool_write(f.pool, MOS_POOL_B, f.pool_b.data(), f.size_b()));
    T_OK(mos_layer_set_dropout_state(layer, dseed, 0));  // the same mask every time
    T_OK(mos_tensor_write(yt, std::vector<float>(cw.size(), 0.0f).data(),
                          static_cast<int64_t>(cw.size())));
    T_OK(mos_layer_forward(layer, xt, yt, mode, 1));
    const auto y = t::read(yt);
    double s = 0;
    for (size_t i = 0; i < y.size(); ++i) s += static_cast<double>(cw[i]) * y[i];
    return s;
  }
  // Central difference along every element of v (the loss is linear in each one, so h can be
  // large: only f32 rounding remains).
  std::vector<double> numeric(std::vector<float>& v, float h = 0.25f) {
    std::vector<double> g(v.size());
    for (size_t i = 0; i < v.size(); ++i) {
      const float keep = v[i];
      v[i] = keep + h;
      const double lp = loss();
      v[i] = keep - h;
      const double lm = loss();
      v[i] = keep;
      g[i] = (lp - lm) / (2.0 * static_cast<double>(h));
    }
    return g;
  }
};

void check(const oracle::Cfg& c, int N, bool full, uint64_t seed) {
  t::PoolFixture f(c, seed);
  T_OK(mos_pool_generate_indices(f.pool, seed));
  const mos_mode_t mode = full ? MOS_MODE_FULL : MOS_MODE_ADAPTER_ONLY;
  mos_tensor_t wt =
      full ? t::tensor(f.ctx, c.d_out, c.d_in, t::random_floats(f.rng, c.d_out * c.d_in)) : nullptr;
  mos_tensor_t bt = full ? t::tensor(f.ctx, 1, c.d_out, t::random_floats(f.rng, c.d_out)) : nullptr;
  mos_layer_t layer = nullptr;
  T_OK(mos_layer_create(f.pool, c.L - 1, wt, bt, &layer));
  Run run{f,
          layer,
          t::tensor(f.ctx, N, c.d_in),
          t::tensor(f.ctx, N, c.d_out),
          t::random_floats(f.rng, N * c.d_in),
          t::random_floats(f.rng, N * c.d_out),
          N,
          mode,
          seed + 17};

  // Analytic: one training forward (mask of counter 0) and its backward with dy = c.
  run.loss();
  mos_tensor_t dyt = t::tensor(f.ctx, N, c.d_out, run.cw), dxt = t::tensor(f.ctx, N, c.d_in);
  T_OK(mos_pool_zero_grad(f.pool));
  T_OK(mos_layer_backward(layer, run.xt, dyt, dxt, mode));
  const auto ga = t::read_pool(f.pool, MOS_POOL_GRAD_A, f.size_a());
  const auto gb = t::read_pool(f.pool, MOS_POOL_GRAD_B, f.size_b());
  const auto gx = t::read(dxt);

  const std::string shape =
      f.shape() + " N=" + std::to_string(N) + (full ? " FULL" : " ADAPTER_ONLY");
  t::close("dpool_A vs finite differences", ga, run.numeric(f.pool_a), MOS_TOL_F32_FINITE_DIFF,
           seed, shape);
  t::close("dpool_B vs finite differences", gb, run.numeric(f.pool_b), MOS_TOL_F32_FINITE_DIFF,
           seed, shape);
  if (full) {
    t::close("dx vs finite differences", gx, run.numeric(run.x), MOS_TOL_F32_FINITE_DIFF, seed,
             shape);
  } else {
    // ADAPTER_ONLY accumulates into dx, which started at zero: the same comparison holds.
    t::close("dx (adapter part) vs finite differences", gx, run.numeric(run.x),
             MOS_TOL_F32_FINITE_DIFF, seed, shape);
  }
  mos_layer_free(layer);
  for (mos_tensor_t h : {wt, bt, run.xt, run.yt, dyt, dxt}) mos_tensor_free(h);
}

}  // namespace

int main() {
  // {d_in, d_out, L, r, R_eq, p, l, alpha, dropout}
  check({8, 6, 2, 3, 2, 1, 2, 4.0, 0.25}, 3, true, 1);  // private + shared, dropout replayed
  check({6, 4, 3, 2, 1, 0, 1, 2.0, 0.0}, 2, false, 2);  // l = 1, no dropout, adapter only
  check({4, 8, 2, 2, 2, 2, 4, 8.0, 0.5}, 2, true, 3);   // plain LoRA (p = R_eq), l = 4
  return t::report("test_finite_diff");
}
