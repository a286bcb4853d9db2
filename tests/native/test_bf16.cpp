// SPDX-License-Identifier: Apache-2.0
// test_bf16: BF16 storage for activations and base weights (x, y, dy, dx, W, bias; pools and
// gradients stay F32, accumulation in f32) on the CPU backend: forward and backward vs the double
// oracle evaluated on the bf16-rounded inputs (MOS_TOL_BF16_FORWARD / _BACKWARD), mos_gemm on
// BF16, round-to-nearest-even of the outputs, and the rejection of mixed dtypes.
#include <cmath>
#include <cstring>
#include <vector>

#include "bf16_util.h"
#include "fixture.h"

namespace {

using oracle::Vec;

using t::bf16_tensor;
using t::from_bf16;
using t::read_bf16;
using t::rounded;
using t::to_bf16;

struct Case {
  oracle::Cfg c;
  int N;
  bool full, bias;
  int k;
};

// Training forward + backward of block k with every activation and W / bias in BF16.
void layer_case(const Case& cs, uint64_t seed) {
  t::PoolFixture f(cs.c, seed);
  const oracle::Cfg& c = cs.c;
  T_OK(mos_pool_generate_indices(f.pool, seed * 5 + 3));
  const auto w = rounded(t::random_floats(f.rng, static_cast<size_t>(c.d_out) * c.d_in));
  const auto b = cs.bias ? rounded(t::random_floats(f.rng, c.d_out)) : std::vector<float>{};
  const auto x = rounded(t::random_floats(f.rng, static_cast<size_t>(cs.N) * c.d_in));
  const auto dy = rounded(t::random_floats(f.rng, static_cast<size_t>(cs.N) * c.d_out));
  const auto y0 = rounded(t::random_floats(f.rng, static_cast<size_t>(cs.N) * c.d_out));
  const auto dx0 = rounded(t::random_floats(f.rng, static_cast<size_t>(cs.N) * c.d_in));

  mos_tensor_t wt = cs.full ? bf16_tensor(f.ctx, c.d_out, c.d_in, w) : nullptr;
  mos_tensor_t bt = cs.bias ? bf16_tensor(f.ctx, 1, c.d_out, b) : nullptr;
  mos_tensor_t xt = bf16_tensor(f.ctx, cs.N, c.d_in, x);
  mos_tensor_t dyt = bf16_tensor(f.ctx, cs.N, c.d_out, dy);
  mos_tensor_t yt =
      bf16_tensor(f.ctx, cs.N, c.d_out, cs.full ? std::vector<float>(y0.size(), NAN) : y0);
  mos_tensor_t dxt =
      bf16_tensor(f.ctx, cs.N, c.d_in, cs.full ? std::vector<float>(dx0.size(), NAN) : dx0);
  mos_layer_t layer = nullptr;
  T_OK(mos_layer_create(f.pool, cs.k, wt, bt, &layer));
  const uint64_t dseed = 77 + seed, dctr = 2;
  T_OK(mos_layer_set_dropout_state(layer, dseed, dctr));
  const mos_mode_t mode = cs.full ? MOS_MODE_FULL : MOS_MODE_ADAPTER_ONLY;
  const std::string shape = f.shape() + " N=" + std::to_string(cs.N) +
                            (cs.full ? " FULL" : " ADAPTER_ONLY") + (cs.bias ? " bias" : "") +
                            " dropout=" + std::to_string(c.dropout) + " BF16";

  T_OK(mos_layer_forward(layer, xt, yt, mode, 1));
  const Vec drop = oracle::dropout_factor(dseed, dctr, x.size(), static_cast<float>(c.dropout));
  const oracle::Layer L = f.oracle_layer(cs.k, w, b);
  const oracle::Forward fo =
      oracle::forward(L, t::to_double(x), cs.N, drop, cs.full, t::to_double(y0));
  t::close("bf16 forward y", read_bf16(yt), fo.y, MOS_TOL_BF16_FORWARD, seed, shape);

  T_OK(mos_layer_backward(layer, xt, dyt, dxt, mode));
  const oracle::Backward bo =
      oracle::backward(L, fo, t::to_double(dy), cs.N, drop, cs.full, t::to_double(dx0));
  std::vector<int32_t> ia, ib;
  f.get_indices(cs.k, ia, ib);
  Vec ga(static_cast<size_t>(f.size_a()), 0.0), gb(static_cast<size_t>(f.size_b()), 0.0);
  oracle::scatter(c, bo, ia, ib, ga, gb);
  t::close("bf16 backward dx", read_bf16(dxt), bo.dx, MOS_TOL_BF16_BACKWARD, seed, shape);
  t::close("bf16 backward dpool_A (f32)", t::read_pool(f.pool, MOS_POOL_GRAD_A, f.size_a()), ga,
           MOS_TOL_BF16_BACKWARD, seed, shape);
  t::close("bf16 backward dpool_B (f32)", t::read_pool(f.pool, MOS_POOL_GRAD_B, f.size_b()), gb,
           MOS_TOL_BF16_BACKWARD, seed, shape);

  // An inference forward (no dropout, larger N: the f32 scratch grows) in between.
  const int N2 = cs.N + 7;
  const auto x2 = rounded(t::random_floats(f.rng, static_cast<size_t>(N2) * c.d_in));
  mos_tensor_t x2t = bf16_tensor(f.ctx, N2, c.d_in, x2), y2t = bf16_tensor(f.ctx, N2, c.d_out);
  T_OK(mos_layer_forward(layer, x2t, y2t, mode, 0));
  const Vec ones(x2.size(), 1.0);
  t::close("bf16 inference forward y", read_bf16(y2t),
           oracle::forward(L, t::to_double(x2), N2, ones, cs.full,
                           Vec(static_cast<size_t>(N2) * c.d_out, 0.0))
               .y,
           MOS_TOL_BF16_FORWARD, seed, shape);
  if (cs.full) {
    T_STATUS(mos_layer_merge(layer), MOS_STATUS_UNSUPPORTED, "mos_layer_merge: ");
  }
  for (mos_tensor_t h : {wt, bt, xt, dyt, yt, dxt, x2t, y2t}) mos_tensor_free(h);
  mos_layer_free(layer);
}

// mos_gemm on BF16: f32 accumulation of the bf16 inputs, beta * C read from bf16, C rounded.
void gemm_case(uint64_t seed) {
  std::mt19937_64 rng(seed);
  mos_context_t ctx = nullptr;
  T_OK(mos_context_create(MOS_BACKEND_CPU, 0, &ctx));
  const int m = 7, n = 5, k = 33;
  const auto a = rounded(t::random_floats(rng, static_cast<size_t>(k) * m));  // a^T stored [k x m]
  const auto b = rounded(t::random_floats(rng, static_cast<size_t>(k) * n));  // [k x n]
  const auto c0 = rounded(t::random_floats(rng, static_cast<size_t>(m) * n));
  mos_tensor_t at = bf16_tensor(ctx, k, m, a), bt = bf16_tensor(ctx, k, n, b),
               ct = bf16_tensor(ctx, m, n, c0);
  T_OK(mos_gemm(ctx, 1, 0, 0.75f, at, bt, -0.5f, ct));
  Vec ref(static_cast<size_t>(m) * n);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      double s = 0;
      for (int q = 0; q < k; ++q) s += double(a[q * m + i]) * b[q * n + j];
      ref[i * n + j] = 0.75 * s - 0.5 * c0[i * n + j];
    }
  t::close("bf16 mos_gemm", read_bf16(ct), ref, MOS_TOL_BF16_FORWARD, seed, "[7 x 33] [33 x 5]");

  // Ties round to even: 1 + 2^-8 -> 1, 1 + 3 * 2^-8 -> 1 + 2^-6 (alpha * 1 * 1, exact in f32).
  mos_tensor_t one_a = bf16_tensor(ctx, 1, 1, {1.0f}), one_b = bf16_tensor(ctx, 1, 1, {1.0f}),
               out = bf16_tensor(ctx, 1, 1);
  T_OK(mos_gemm(ctx, 0, 0, 1.0f + 0x1p-8f, one_a, one_b, 0.0f, out));
  T_CHECK(read_bf16(out)[0] == 1.0f, "1 + 2^-8 rounded to %.9g, expected 1", read_bf16(out)[0]);
  T_OK(mos_gemm(ctx, 0, 0, 1.0f + 0x3p-8f, one_a, one_b, 0.0f, out));
  T_CHECK(read_bf16(out)[0] == 1.0f + 0x1p-6f, "1 + 3 * 2^-8 rounded to %.9g, expected 1 + 2^-6",
          read_bf16(out)[0]);
  T_OK(mos_gemm(ctx, 0, 0, 1.0f + 0x1p-8f + 0x1p-20f, one_a, one_b, 0.0f, out));
  T_CHECK(read_bf16(out)[0] == 1.0f + 0x1p-7f, "just above the tie rounded to %.9g",
          read_bf16(out)[0]);

  // No mixing: F32 with BF16 in one product is INVALID_ARGUMENT, C untouched.
  mos_tensor_t cf = t::tensor(ctx, m, n);
  T_STATUS(mos_gemm(ctx, 1, 0, 1.0f, at, bt, 0.0f, cf), MOS_STATUS_INVALID_ARGUMENT, "mos_gemm: ");
  for (float v : t::read(cf)) T_CHECK(v == 0.0f, "a rejected mos_gemm wrote c (%g)", v);
  for (mos_tensor_t h : {at, bt, ct, one_a, one_b, out, cf}) mos_tensor_free(h);
  mos_context_free(ctx);
}

// x, y, dy, dx, W and bias must all be F32 or all BF16; anything else is INVALID_ARGUMENT (I32:
// UNSUPPORTED) and writes nothing.
void rejections(uint64_t seed) {
  const oracle::Cfg c{8, 6, 2, 2, 2, 0, 2, 4.0, 0.0};
  t::PoolFixture f(c, seed);
  T_OK(mos_pool_generate_indices(f.pool, seed));
  const int N = 3;
  mos_tensor_t wb = bf16_tensor(f.ctx, c.d_out, c.d_in), wf = t::tensor(f.ctx, c.d_out, c.d_in);
  mos_tensor_t bb = bf16_tensor(f.ctx, 1, c.d_out), bf = t::tensor(f.ctx, 1, c.d_out);
  mos_tensor_t xb = bf16_tensor(f.ctx, N, c.d_in, std::vector<float>(N * c.d_in, 0.5f));
  mos_tensor_t xf = t::tensor(f.ctx, N, c.d_in, std::vector<float>(N * c.d_in, 0.5f));
  mos_tensor_t yb = bf16_tensor(f.ctx, N, c.d_out), yf = t::tensor(f.ctx, N, c.d_out);
  mos_tensor_t dyb = bf16_tensor(f.ctx, N, c.d_out), dyf = t::tensor(f.ctx, N, c.d_out);
  mos_tensor_t dxf = t::tensor(f.ctx, N, c.d_in);
  mos_tensor_t xi = nullptr;
  T_OK(mos_tensor_create(f.ctx, MOS_DTYPE_I32, N, c.d_in, &xi));
  mos_layer_t layer = nullptr, bare = nullptr;
  T_STATUS(mos_layer_create(f.pool, 0, wb, bf, &layer), MOS_STATUS_INVALID_ARGUMENT,
           "mos_layer_create: ");
  T_STATUS(mos_layer_create(f.pool, 0, wf, bb, &layer), MOS_STATUS_INVALID_ARGUMENT,
           "mos_layer_create: ");
  T_CHECK(layer == nullptr, "a failed mos_layer_create wrote *out");
  T_OK(mos_layer_create(f.pool, 0, wb, bb, &layer));
  T_OK(mos_layer_create(f.pool, 1, nullptr, nullptr, &bare));
  T_STATUS(mos_layer_forward(layer, xf, yf, MOS_MODE_FULL, 1), MOS_STATUS_INVALID_ARGUMENT,
           "mos_layer_forward: ");
  T_STATUS(mos_layer_forward(layer, xb, yf, MOS_MODE_FULL, 1), MOS_STATUS_INVALID_ARGUMENT,
           "mos_layer_forward: ");
  T_STATUS(mos_layer_forward(bare, xb, yf, MOS_MODE_ADAPTER_ONLY, 1), MOS_STATUS_INVALID_ARGUMENT,
           "mos_layer_forward: ");
  T_STATUS(mos_layer_forward(bare, xf, yb, MOS_MODE_ADAPTER_ONLY, 1), MOS_STATUS_INVALID_ARGUMENT,
           "mos_layer_forward: ");
  T_STATUS(mos_layer_forward(bare, xi, yf, MOS_MODE_ADAPTER_ONLY, 1), MOS_STATUS_UNSUPPORTED,
           "mos_layer_forward: ");
  for (float v : t::read(yf)) T_CHECK(v == 0.0f, "a rejected forward wrote y (%g)", v);
  T_OK(mos_layer_forward(layer, xb, yb, MOS_MODE_FULL, 1));
  T_STATUS(mos_layer_backward(layer, xb, dyf, nullptr, MOS_MODE_FULL), MOS_STATUS_INVALID_ARGUMENT,
           "mos_layer_backward: ");
  T_STATUS(mos_layer_backward(layer, xb, dyb, dxf, MOS_MODE_FULL), MOS_STATUS_INVALID_ARGUMENT,
           "mos_layer_backward: ");
  for (float v : t::read_pool(f.pool, MOS_POOL_GRAD_A, f.size_a()))
    T_CHECK(v == 0.0f, "a rejected backward wrote grad_A (%g)", v);
  for (float v : t::read(dxf)) T_CHECK(v == 0.0f, "a rejected backward wrote dx (%g)", v);
  T_OK(mos_layer_backward(layer, xb, dyb, nullptr, MOS_MODE_FULL));
  mos_layer_free(layer);
  mos_layer_free(bare);
  for (mos_tensor_t h : {wb, wf, bb, bf, xb, xf, yb, yf, dyb, dyf, dxf, xi}) mos_tensor_free(h);
}

}  // namespace

int main() {
  uint64_t seed = 31;
  const Case cases[] = {
      {{32, 24, 2, 4, 3, 1, 2, 8.0, 0.0}, 5, true, true, 1},
      {{32, 24, 2, 4, 3, 1, 2, 8.0, 0.25}, 6, true, false, 0},
      {{48, 16, 3, 2, 2, 0, 4, 4.0, 0.0}, 4, false, false, 2},
      {{48, 16, 3, 2, 2, 0, 4, 4.0, 0.1}, 9, false, false, 1},
      {{64, 96, 1, 8, 8, 8, 1, 16.0, 0.0}, 3, true, true, 0},
  };
  for (const Case& cs : cases) layer_case(cs, seed++);
  gemm_case(seed++);
  rejections(seed++);
  return t::report("test_bf16");
}
