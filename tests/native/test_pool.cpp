// SPDX-License-Identifier: Apache-2.0
// test_pool: mos_pool_init vs method.md §6 (pool_A in U(+-1/sqrt(d_in)), pool_B = 0, grads and
// moments cleared, seeded), exact read/write/zero_grad round trips of every pool array, the
// refusal of non-finite writes, and the config and lengths a pool reports.
#include <cmath>
#include <vector>

#include "test_util.h"

namespace {

const mos_pool_array_t kAll[] = {MOS_POOL_A,        MOS_POOL_B,        MOS_POOL_GRAD_A,
                                 MOS_POOL_GRAD_B,   MOS_POOL_ADAM_M_A, MOS_POOL_ADAM_V_A,
                                 MOS_POOL_ADAM_M_B, MOS_POOL_ADAM_V_B};

int64_t size_of(mos_pool_array_t w, int64_t size_a, int64_t size_b) {
  return (w == MOS_POOL_A || w == MOS_POOL_GRAD_A || w == MOS_POOL_ADAM_M_A ||
          w == MOS_POOL_ADAM_V_A)
             ? size_a
             : size_b;
}

void init_and_arrays() {
  const int d_in = 96, d_out = 40, L = 3, r = 4, R = 2, p = 1, l = 2;
  const int64_t P = R * L * l, size_a = P * (d_in / l), size_b = (d_out / l) * P;
  mos_context_t ctx = nullptr;
  mos_pool_t pool = nullptr, pool2 = nullptr;
  T_OK(mos_context_create(MOS_BACKEND_CPU, 0, &ctx));
  const t::Config cfg = t::config({.d_in = d_in,
                                   .d_out = d_out,
                                   .num_blocks = L,
                                   .rank = r,
                                   .equivalent_rank = R,
                                   .private_rank = p,
                                   .shards_per_vector = l,
                                   .alpha = 16.0f,
                                   .dropout = 0.05f});
  T_OK(mos_pool_create(ctx, cfg, &pool));
  T_OK(mos_pool_create(ctx, cfg, &pool2));

  // Fresh pools are all zero.
  for (mos_pool_array_t w : kAll) {
    const auto v = t::read_pool(pool, w, size_of(w, size_a, size_b));
    bool zero = true;
    for (float x : v) zero &= x == 0.0f;
    T_CHECK(zero, "array %d of a fresh pool is not zero", (int)w);
  }
  // Write every array, read it back exactly.
  std::mt19937_64 rng(5);
  for (mos_pool_array_t w : kAll) {
    const int64_t n = size_of(w, size_a, size_b);
    const auto v = t::random_floats(rng, n);
    T_OK(mos_pool_write(pool, w, v.data(), n));
    T_CHECK(t::read_pool(pool, w, n) == v, "array %d does not read back what was written", (int)w);
  }
  // zero_grad clears exactly the two gradients.
  const auto pa = t::read_pool(pool, MOS_POOL_A, size_a);
  T_OK(mos_pool_zero_grad(pool));
  for (float x : t::read_pool(pool, MOS_POOL_GRAD_A, size_a))
    T_CHECK(x == 0.0f, "grad_A not zeroed");
  for (float x : t::read_pool(pool, MOS_POOL_GRAD_B, size_b))
    T_CHECK(x == 0.0f, "grad_B not zeroed");
  T_CHECK(t::read_pool(pool, MOS_POOL_A, size_a) == pa, "zero_grad changed pool_A");

  // init: bounds, zeros, determinism, seed sensitivity.
  T_OK(mos_pool_init(pool, 42));
  T_OK(mos_pool_init(pool2, 42));
  const auto a = t::read_pool(pool, MOS_POOL_A, size_a);
  const float bound = 1.0f / std::sqrt(static_cast<float>(d_in));
  float lo = 1, hi = -1;
  double mean = 0;
  for (float x : a) {
    lo = std::fmin(lo, x);
    hi = std::fmax(hi, x);
    mean += x;
  }
  mean /= static_cast<double>(a.size());
  T_CHECK(lo >= -bound && hi <= bound, "pool_A outside +-1/sqrt(d_in) = %g: [%g, %g]", bound, lo,
          hi);
  T_CHECK(lo < -0.9f * bound && hi > 0.9f * bound, "pool_A does not fill its range: [%g, %g]", lo,
          hi);
  T_CHECK(std::fabs(mean) < 0.1 * bound, "pool_A mean %g is far from 0", mean);
  for (mos_pool_array_t w : kAll) {
    if (w == MOS_POOL_A) continue;
    for (float x : t::read_pool(pool, w, size_of(w, size_a, size_b)))
      T_CHECK(x == 0.0f, "array %d not cleared by init", (int)w);
  }
  T_CHECK(t::read_pool(pool2, MOS_POOL_A, size_a) == a, "init(42) is not deterministic");
  T_OK(mos_pool_init(pool2, 43));
  T_CHECK(t::read_pool(pool2, MOS_POOL_A, size_a) != a, "init(42) == init(43)");

  // The config comes back field by field; the lengths follow from it.
  mos_config_t got = {};
  got.struct_size = sizeof(mos_config_t);
  T_OK(mos_pool_get_config(pool, &got));
  T_CHECK(got.d_in == d_in && got.d_out == d_out && got.num_blocks == L && got.rank == r &&
              got.equivalent_rank == R && got.private_rank == p && got.shards_per_vector == l &&
              got.alpha == 16.0f && got.dropout == 0.05f,
          "config %d %d %d %d %d %d %d %g %g", got.d_in, got.d_out, got.num_blocks, got.rank,
          got.equivalent_rank, got.private_rank, got.shards_per_vector, got.alpha, got.dropout);
  for (mos_pool_array_t w : kAll) {
    int64_t n = -1;
    T_OK(mos_pool_array_length(pool, w, &n));
    T_CHECK(n == size_of(w, size_a, size_b), "array %d: length %lld", (int)w, (long long)n);
  }
  int64_t idx_len = -1;
  T_OK(mos_pool_index_length(pool, &idx_len));
  T_CHECK(idx_len == r * l, "index length %lld, expected r*l = %d", (long long)idx_len, r * l);

  mos_pool_free(pool);
  mos_pool_free(pool2);
  mos_context_free(ctx);
}

}  // namespace

// NaN and both infinities are refused in every array, anywhere in it, and the array keeps its
// values; finite extremes (the largest float, the smallest subnormal) are written as they are.
void non_finite_writes() {
  const int d_in = 8, d_out = 6, L = 2, R = 2, l = 2;
  const int64_t P = R * L * l, size_a = P * (d_in / l), size_b = (d_out / l) * P;
  mos_context_t ctx = nullptr;
  mos_pool_t pool = nullptr;
  T_OK(mos_context_create(MOS_BACKEND_CPU, 0, &ctx));
  T_OK(mos_pool_create(ctx,
                       t::config({.d_in = d_in,
                                  .d_out = d_out,
                                  .num_blocks = L,
                                  .rank = 3,
                                  .equivalent_rank = R,
                                  .private_rank = 1,
                                  .shards_per_vector = l,
                                  .alpha = 16.0f,
                                  .dropout = 0.0f}),
                       &pool));
  std::mt19937_64 rng(11);
  for (mos_pool_array_t w : kAll) {
    const int64_t n = size_of(w, size_a, size_b);
    const auto before = t::random_floats(rng, n);
    T_OK(mos_pool_write(pool, w, before.data(), n));
    for (float bad : {NAN, INFINITY, -INFINITY}) {
      for (int64_t e : {int64_t{0}, n / 2, n - 1}) {
        auto v = t::random_floats(rng, n);
        v[e] = bad;
        T_STATUS(mos_pool_write(pool, w, v.data(), n), MOS_STATUS_INVALID_ARGUMENT,
                 "mos_pool_write: ");
        const std::string want = "src[" + std::to_string(e) + "]";
        T_CHECK(std::string(mos_last_error()).find(want) != std::string::npos,
                "message \"%s\" lacks \"%s\"", mos_last_error(), want.c_str());
        T_CHECK(t::read_pool(pool, w, n) == before, "a refused write changed array %d", (int)w);
      }
    }
    auto extreme = before;
    extreme[0] = 3.4028235e38f;
    extreme[n - 1] = -1.4e-45f;
    T_OK(mos_pool_write(pool, w, extreme.data(), n));
    T_CHECK(t::read_pool(pool, w, n) == extreme, "finite extremes of array %d not kept", (int)w);
  }
  mos_pool_free(pool);
  mos_context_free(ctx);
}

int main() {
  init_and_arrays();
  non_finite_writes();
  return t::report("test_pool");
}
