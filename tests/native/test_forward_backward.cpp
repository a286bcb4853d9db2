// SPDX-License-Identifier: Apache-2.0
// test_forward_backward: mos_layer_forward / mos_layer_backward (y, dx, dpool_A, dpool_B) vs the
// double oracle (oracle.h) at MOS_TOL_F32_FORWARD / MOS_TOL_F32_BACKWARD, incl. dropout masks,
// accumulation across blocks and repeated indices, private rows and the zero-B init.
#include <cmath>
#include <vector>

#include "fixture.h"

namespace {

using oracle::Vec;

struct Case {
  oracle::Cfg c;
  int N;
  bool full, bias;
  int k;  // block
};

// One training forward + backward of block k vs the oracle, grads starting at zero.
void run_case(const Case& cs, uint64_t seed) {
  t::PoolFixture f(cs.c, seed);
  const oracle::Cfg& c = cs.c;
  T_OK(mos_pool_generate_indices(f.pool, seed * 7 + 1));
  const auto w = t::random_floats(f.rng, static_cast<size_t>(c.d_out) * c.d_in);
  const auto b = cs.bias ? t::random_floats(f.rng, c.d_out) : std::vector<float>{};
  const auto x = t::random_floats(f.rng, static_cast<size_t>(cs.N) * c.d_in);
  const auto dy = t::random_floats(f.rng, static_cast<size_t>(cs.N) * c.d_out);
  const auto y0 = t::random_floats(f.rng, static_cast<size_t>(cs.N) * c.d_out);
  const auto dx0 = t::random_floats(f.rng, static_cast<size_t>(cs.N) * c.d_in);

  mos_tensor_t wt = cs.full ? t::tensor(f.ctx, c.d_out, c.d_in, w) : nullptr;
  mos_tensor_t bt = cs.bias ? t::tensor(f.ctx, 1, c.d_out, b) : nullptr;
  mos_tensor_t xt = t::tensor(f.ctx, cs.N, c.d_in, x);
  mos_tensor_t dyt = t::tensor(f.ctx, cs.N, c.d_out, dy);
  // FULL overwrites y and dx: start them at NaN to prove nothing stale is read.
  mos_tensor_t yt =
      t::tensor(f.ctx, cs.N, c.d_out, cs.full ? std::vector<float>(y0.size(), NAN) : y0);
  mos_tensor_t dxt =
      t::tensor(f.ctx, cs.N, c.d_in, cs.full ? std::vector<float>(dx0.size(), NAN) : dx0);
  mos_layer_t layer = nullptr;
  T_OK(mos_layer_create(f.pool, cs.k, wt, bt, &layer));
  const uint64_t dseed = 1000 + seed, dctr = 3;
  T_OK(mos_layer_set_dropout_state(layer, dseed, dctr));
  const mos_mode_t mode = cs.full ? MOS_MODE_FULL : MOS_MODE_ADAPTER_ONLY;

  T_OK(mos_layer_forward(layer, xt, yt, mode, 1));
  const Vec drop = oracle::dropout_factor(dseed, dctr, x.size(), static_cast<float>(c.dropout));
  const oracle::Layer L = f.oracle_layer(cs.k, w, b);
  const oracle::Forward fo =
      oracle::forward(L, t::to_double(x), cs.N, drop, cs.full, t::to_double(y0));
  const std::string shape = f.shape() + " N=" + std::to_string(cs.N) +
                            (cs.full ? " FULL" : " ADAPTER_ONLY") + (cs.bias ? " bias" : "") +
                            " dropout=" + std::to_string(c.dropout);
  t::close("forward y", t::read(yt), fo.y, MOS_TOL_F32_FORWARD, seed, shape);
  uint64_t s_out = 0, c_out = 0;
  T_OK(mos_layer_get_dropout_state(layer, &s_out, &c_out));
  T_CHECK(s_out == dseed && c_out == dctr + 1, "dropout state after a training forward: %llu %llu",
          (unsigned long long)s_out, (unsigned long long)c_out);

  // An inference forward (larger N, no dropout) in between must not disturb the saved state.
  {
    const int N2 = cs.N + 5;
    const auto x2 = t::random_floats(f.rng, static_cast<size_t>(N2) * c.d_in);
    mos_tensor_t x2t = t::tensor(f.ctx, N2, c.d_in, x2), y2t = t::tensor(f.ctx, N2, c.d_out);
    T_OK(mos_layer_forward(layer, x2t, y2t, mode, 0));
    const Vec ones(x2.size(), 1.0);
    const oracle::Forward f2 = oracle::forward(L, t::to_double(x2), N2, ones, cs.full);
    t::close("inference forward y", t::read(y2t), f2.y, MOS_TOL_F32_FORWARD, seed, shape);
    T_OK(mos_layer_get_dropout_state(layer, &s_out, &c_out));
    T_CHECK(c_out == dctr + 1, "an inference forward moved the dropout counter to %llu",
            (unsigned long long)c_out);
    mos_tensor_free(x2t);
    mos_tensor_free(y2t);
  }

  T_OK(mos_layer_backward(layer, xt, dyt, dxt, mode));
  const oracle::Backward bo =
      oracle::backward(L, fo, t::to_double(dy), cs.N, drop, cs.full, t::to_double(dx0));
  std::vector<int32_t> ia, ib;
  f.get_indices(cs.k, ia, ib);
  Vec ga(static_cast<size_t>(f.size_a()), 0.0), gb(static_cast<size_t>(f.size_b()), 0.0);
  oracle::scatter(c, bo, ia, ib, ga, gb);
  t::close("backward dx", t::read(dxt), bo.dx, MOS_TOL_F32_BACKWARD, seed, shape);
  t::close("backward dpool_A", t::read_pool(f.pool, MOS_POOL_GRAD_A, f.size_a()), ga,
           MOS_TOL_F32_BACKWARD, seed, shape);
  t::close("backward dpool_B", t::read_pool(f.pool, MOS_POOL_GRAD_B, f.size_b()), gb,
           MOS_TOL_F32_BACKWARD, seed, shape);
  // dx may be NULL: only the pool gradients are added (again).
  T_OK(mos_layer_backward(layer, xt, dyt, nullptr, mode));
  for (auto& v : ga) v *= 2;
  t::close("second backward dpool_A (accumulates)",
           t::read_pool(f.pool, MOS_POOL_GRAD_A, f.size_a()), ga, MOS_TOL_F32_BACKWARD, seed,
           shape);

  for (mos_tensor_t h : {wt, bt, xt, dyt, yt, dxt}) mos_tensor_free(h);
  mos_layer_free(layer);
}

// Two blocks sharing shards (and repeating shards inside a block) add into the same gradients.
void accumulation(uint64_t seed) {
  const oracle::Cfg c{16, 12, 2, 3, 2, 0, 2, 6.0, 0.0};  // P = S = 8
  t::PoolFixture f(c, seed);
  const std::vector<int32_t> a0{0, 3, 3, 3, 1, 7}, b0{2, 2, 5, 0, 7, 2};
  const std::vector<int32_t> a1{3, 0, 2, 7, 7, 7}, b1{2, 4, 0, 0, 5, 6};
  f.set_indices(0, a0, b0);
  f.set_indices(1, a1, b1);
  const int N = 5;
  Vec ga(static_cast<size_t>(f.size_a()), 0.0), gb(static_cast<size_t>(f.size_b()), 0.0);
  for (int k = 0; k < 2; ++k) {
    const auto x = t::random_floats(f.rng, N * c.d_in), dy = t::random_floats(f.rng, N * c.d_out);
    mos_tensor_t xt = t::tensor(f.ctx, N, c.d_in, x), yt = t::tensor(f.ctx, N, c.d_out),
                 dyt = t::tensor(f.ctx, N, c.d_out, dy);
    mos_layer_t layer = nullptr;
    T_OK(mos_layer_create(f.pool, k, nullptr, nullptr, &layer));
    T_OK(mos_layer_forward(layer, xt, yt, MOS_MODE_ADAPTER_ONLY, 1));
    T_OK(mos_layer_backward(layer, xt, dyt, nullptr, MOS_MODE_ADAPTER_ONLY));
    const oracle::Layer L = f.oracle_layer(k);
    const Vec ones(x.size(), 1.0);
    const auto fo = oracle::forward(L, t::to_double(x), N, ones, false);
    oracle::scatter(c, oracle::backward(L, fo, t::to_double(dy), N, ones, false), k == 0 ? a0 : a1,
                    k == 0 ? b0 : b1, ga, gb);
    mos_layer_free(layer);
    for (mos_tensor_t h : {xt, yt, dyt}) mos_tensor_free(h);
  }
  t::close("dpool_A over two blocks with shared + repeated shards",
           t::read_pool(f.pool, MOS_POOL_GRAD_A, f.size_a()), ga, MOS_TOL_F32_BACKWARD, seed,
           f.shape());
  t::close("dpool_B over two blocks with shared + repeated shards",
           t::read_pool(f.pool, MOS_POOL_GRAD_B, f.size_b()), gb, MOS_TOL_F32_BACKWARD, seed,
           f.shape());
  // Shard 3 of pool_A: used 3x by block 0 and once by block 1, so its gradient must be non-zero.
  double s3 = 0;
  for (int tt = 0; tt < c.sa(); ++tt) s3 += std::fabs(ga[3 * c.sa() + tt]);
  T_CHECK(s3 > 0, "the oracle gave shard 3 no gradient: the test lost its point");
}

// A private row gets gradient from its own block only (method.md §2, §10.6).
void private_rows(uint64_t seed) {
  const oracle::Cfg c{8, 8, 3, 3, 3, 1, 2, 16.0, 0.0};  // S = 12, private rows 12..17 (2 per block)
  t::PoolFixture f(c, seed);
  T_OK(mos_pool_generate_indices(f.pool, seed));
  const int N = 4, S = c.S(), np = c.p * c.l;
  for (int k = 0; k < c.L; ++k) {
    T_OK(mos_pool_zero_grad(f.pool));
    mos_tensor_t xt = t::tensor(f.ctx, N, c.d_in, t::random_floats(f.rng, N * c.d_in));
    mos_tensor_t yt = t::tensor(f.ctx, N, c.d_out);
    mos_tensor_t dyt = t::tensor(f.ctx, N, c.d_out, t::random_floats(f.rng, N * c.d_out));
    mos_layer_t layer = nullptr;
    T_OK(mos_layer_create(f.pool, k, nullptr, nullptr, &layer));
    T_OK(mos_layer_forward(layer, xt, yt, MOS_MODE_ADAPTER_ONLY, 1));
    T_OK(mos_layer_backward(layer, xt, dyt, nullptr, MOS_MODE_ADAPTER_ONLY));
    const auto ga = t::read_pool(f.pool, MOS_POOL_GRAD_A, f.size_a());
    const auto gb = t::read_pool(f.pool, MOS_POOL_GRAD_B, f.size_b());
    for (int row = S; row < c.P(); ++row) {
      double na = 0, nb = 0;
      for (int tt = 0; tt < c.sa(); ++tt) na += std::fabs(ga[row * c.sa() + tt]);
      for (int tt = 0; tt < c.sb(); ++tt) nb += std::fabs(gb[tt * c.P() + row]);
      const bool own = row >= S + k * np && row < S + (k + 1) * np;
      T_CHECK(own ? (na > 0 && nb > 0) : (na == 0 && nb == 0),
              "block %d: private row %d has |grad_A| %g, |grad_B| %g (own row: %d)", k, row, na, nb,
              own);
    }
    mos_layer_free(layer);
    for (mos_tensor_t h : {xt, yt, dyt}) mos_tensor_free(h);
  }
}

// At init (pool_B = 0): delta W = 0, y = base, and dpool_A = 0 after a backward (method.md §5, §10.8).
void zero_b_init(uint64_t seed) {
  const oracle::Cfg c{32, 24, 2, 3, 2, 1, 2, 16.0, 0.1};
  t::PoolFixture f(c, seed);
  T_OK(mos_pool_init(f.pool, seed));
  T_OK(mos_pool_generate_indices(f.pool, seed));
  const int N = 6;
  const auto w = t::random_floats(f.rng, c.d_out * c.d_in);
  mos_tensor_t wt = t::tensor(f.ctx, c.d_out, c.d_in, w), delta = t::tensor(f.ctx, c.d_out, c.d_in);
  mos_tensor_t xt = t::tensor(f.ctx, N, c.d_in, t::random_floats(f.rng, N * c.d_in));
  mos_tensor_t yt = t::tensor(f.ctx, N, c.d_out);
  mos_tensor_t dyt = t::tensor(f.ctx, N, c.d_out, t::random_floats(f.rng, N * c.d_out));
  mos_tensor_t dxt = t::tensor(f.ctx, N, c.d_in);
  mos_layer_t layer = nullptr;
  T_OK(mos_layer_create(f.pool, 1, wt, nullptr, &layer));
  T_OK(mos_layer_delta_weight(layer, delta));
  for (float v : t::read(delta)) T_CHECK(v == 0.0f, "delta W = %g at init", v);
  T_OK(mos_layer_forward(layer, xt, yt, MOS_MODE_FULL, 1));
  T_OK(mos_layer_backward(layer, xt, dyt, dxt, MOS_MODE_FULL));
  for (float v : t::read_pool(f.pool, MOS_POOL_GRAD_A, f.size_a()))
    T_CHECK(v == 0.0f, "dpool_A = %g at init", v);
  double nb = 0;
  for (float v : t::read_pool(f.pool, MOS_POOL_GRAD_B, f.size_b())) nb += std::fabs(v);
  T_CHECK(nb > 0, "dpool_B is zero at init (it should not be)");
  mos_layer_free(layer);
  for (mos_tensor_t h : {wt, delta, xt, yt, dyt, dxt}) mos_tensor_free(h);
}

// Every way of changing the pools or indices (write, init, set / generate indices, an AdamW
// step) must reach the next forward of an existing layer (layers cache their assembled factors).
void sees_every_change(uint64_t seed) {
  const oracle::Cfg c{16, 8, 2, 3, 2, 1, 2, 4.0, 0.0};
  t::PoolFixture f(c, seed);
  T_OK(mos_pool_generate_indices(f.pool, seed));
  const int N = 3, k = 1;
  const auto x = t::random_floats(f.rng, N * c.d_in);
  mos_tensor_t xt = t::tensor(f.ctx, N, c.d_in, x), yt = t::tensor(f.ctx, N, c.d_out);
  mos_tensor_t dyt = t::tensor(f.ctx, N, c.d_out, t::random_floats(f.rng, N * c.d_out));
  mos_layer_t layer = nullptr;
  mos_optimizer_t opt = nullptr;
  T_OK(mos_layer_create(f.pool, k, nullptr, nullptr, &layer));
  T_OK(mos_optimizer_create_adamw(f.ctx, 0.1f, 0.9f, 0.999f, 1e-8f, 0.0f, &opt));
  T_OK(mos_optimizer_add_pool(opt, f.pool));
  const oracle::Vec ones(x.size(), 1.0);
  auto expect_fresh = [&](const char* after) {
    f.pool_a = t::read_pool(f.pool, MOS_POOL_A, f.size_a());
    f.pool_b = t::read_pool(f.pool, MOS_POOL_B, f.size_b());
    T_OK(mos_tensor_write(yt, std::vector<float>(N * c.d_out, 0.0f).data(), N * c.d_out));
    T_OK(mos_layer_forward(layer, xt, yt, MOS_MODE_ADAPTER_ONLY, 1));
    const auto fo = oracle::forward(f.oracle_layer(k), t::to_double(x), N, ones, false);
    t::close(after, t::read(yt), fo.y, MOS_TOL_F32_FORWARD, seed, f.shape());
  };
  expect_fresh("forward");
  T_OK(mos_layer_backward(layer, xt, dyt, nullptr, MOS_MODE_ADAPTER_ONLY));
  T_OK(mos_optimizer_step(opt));
  expect_fresh("forward after an AdamW step");
  auto a = t::random_floats(f.rng, f.size_a());
  T_OK(mos_pool_write(f.pool, MOS_POOL_A, a.data(), f.size_a()));
  expect_fresh("forward after mos_pool_write(POOL_A)");
  auto b = t::random_floats(f.rng, f.size_b());
  T_OK(mos_pool_write(f.pool, MOS_POOL_B, b.data(), f.size_b()));
  expect_fresh("forward after mos_pool_write(POOL_B)");
  const std::vector<int32_t> ia{0, 1, 2, 3, 5, 4}, ib{3, 3, 0, 1, 4, 5};
  f.set_indices(k, ia, ib);
  expect_fresh("forward after mos_pool_set_indices");
  T_OK(mos_pool_generate_indices(f.pool, seed + 1));
  expect_fresh("forward after mos_pool_generate_indices");
  T_OK(mos_pool_init(f.pool, seed));  // B = 0 now: a stale cached B would still give y != 0
  expect_fresh("forward after mos_pool_init");
  mos_optimizer_free(opt);
  mos_layer_free(layer);
  for (mos_tensor_t h : {xt, yt, dyt}) mos_tensor_free(h);
}

}  // namespace

int main() {
  uint64_t seed = 1;
  // {d_in, d_out, L, r, R_eq, p, l, alpha, dropout}, N, full, bias, block
  const Case cases[] = {
      {{64, 176, 4, 8, 4, 2, 2, 16.0, 0.0}, 7, true, true, 3},
      {{64, 176, 4, 8, 4, 2, 2, 16.0, 0.0}, 7, true, false, 0},
      {{64, 176, 4, 8, 4, 2, 2, 16.0, 0.0}, 7, false, false, 1},
      {{64, 176, 4, 8, 4, 2, 2, 16.0, 0.1}, 9, true, true, 2},
      {{64, 176, 4, 8, 4, 2, 2, 16.0, 0.3}, 9, false, false, 2},
      {{176, 64, 2, 12, 8, 3, 8, 32.0, 0.1}, 5, true, true, 1},
      {{16, 16, 3, 4, 2, 1, 1, 8.0, 0.0}, 1, true, true, 0},    // l = 1, N = 1
      {{24, 40, 3, 2, 2, 2, 2, 16.0, 0.2}, 4, true, false, 2},  // plain LoRA (p = R_eq)
      {{256, 384, 3, 16, 8, 2, 4, 16.0, 0.1}, 33, true, true, 1},
      // Large enough for the parallel gather / scatter paths (r * d_in >= 2^17).
      {{2048, 1024, 4, 64, 16, 0, 2, 16.0, 0.1}, 8, false, false, 2},
  };
  for (const Case& cs : cases) run_case(cs, seed++);
  accumulation(100);
  private_rows(200);
  zero_b_init(300);
  sees_every_change(400);
  return t::report("test_forward_backward");
}
