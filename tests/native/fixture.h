// SPDX-License-Identifier: Apache-2.0
// fixture.h: a CPU context + one pool group with random pool values, and the oracle's view of
// it (config, pools in double, per-block indices), shared by the oracle-based tests.
#pragma once

#include <random>
#include <string>
#include <vector>

#include "oracle.h"
#include "test_util.h"

namespace t {

inline Config config_of(const oracle::Cfg& c) {
  return config({.d_in = c.d_in,
                 .d_out = c.d_out,
                 .num_blocks = c.L,
                 .rank = c.r,
                 .equivalent_rank = c.R,
                 .private_rank = c.p,
                 .shards_per_vector = c.l,
                 .alpha = static_cast<float>(c.alpha),
                 .dropout = static_cast<float>(c.dropout)});
}

struct PoolFixture {
  oracle::Cfg c;
  uint64_t seed;
  std::mt19937_64 rng;
  mos_context_t ctx = nullptr;
  mos_pool_t pool = nullptr;
  std::vector<float> pool_a, pool_b;  // current values written to the pool

  PoolFixture(const oracle::Cfg& cfg, uint64_t s) : c(cfg), seed(s), rng(s) {
    T_OK(mos_context_create(MOS_BACKEND_CPU, 0, &ctx));
    T_OK(mos_pool_create(ctx, config_of(c), &pool));
    pool_a = random_floats(rng, size_a());
    pool_b = random_floats(rng, size_b());
    T_OK(mos_pool_write(pool, MOS_POOL_A, pool_a.data(), size_a()));
    T_OK(mos_pool_write(pool, MOS_POOL_B, pool_b.data(), size_b()));
  }
  ~PoolFixture() {
    mos_pool_free(pool);
    mos_context_free(ctx);
  }
  PoolFixture(const PoolFixture&) = delete;
  PoolFixture& operator=(const PoolFixture&) = delete;

  int64_t size_a() const { return static_cast<int64_t>(c.P()) * c.sa(); }
  int64_t size_b() const { return static_cast<int64_t>(c.sb()) * c.P(); }
  int64_t slots() const { return static_cast<int64_t>(c.r) * c.l; }
  std::string shape() const {
    return "d_in=" + std::to_string(c.d_in) + " d_out=" + std::to_string(c.d_out) +
           " L=" + std::to_string(c.L) + " r=" + std::to_string(c.r) +
           " R_eq=" + std::to_string(c.R) + " p=" + std::to_string(c.p) +
           " l=" + std::to_string(c.l);
  }

  void set_indices(int k, const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
    T_OK(mos_pool_set_indices(pool, k, a.data(), b.data(), static_cast<int64_t>(a.size())));
  }
  void get_indices(int k, std::vector<int32_t>& a, std::vector<int32_t>& b) {
    a.assign(static_cast<size_t>(slots()), -1);
    b.assign(a.size(), -1);
    T_OK(mos_pool_get_indices(pool, k, a.data(), b.data(), slots()));
  }
  // The oracle layer of block k (indices read back from the library), with optional W / bias.
  oracle::Layer oracle_layer(int k, const std::vector<float>& w = {},
                             const std::vector<float>& bias = {}) {
    std::vector<int32_t> ia, ib;
    get_indices(k, ia, ib);
    oracle::Layer L;
    L.c = c;
    L.a = oracle::assemble_a(to_double(pool_a), ia, c);
    L.b = oracle::assemble_b(to_double(pool_b), ib, c);
    L.w = to_double(w);
    L.bias = to_double(bias);
    return L;
  }
};

}  // namespace t
