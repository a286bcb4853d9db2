// SPDX-License-Identifier: Apache-2.0
// test_bank_util.h: adapters for the bank tests: pool groups with random pools and drawn indices,
// their A_k and B_k assembled by mos_pool_assemble, and the per-adapter dense reference in double.
#pragma once

#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "test_util.h"

namespace bt {

struct Proj {
  std::string name;
  int d_in, d_out;
};

struct Spec {
  int r, R, p, l;
  float alpha;
};

// One adapter: a pool group per projection (in its own CPU context), random pool values.
struct Adapter {
  Spec spec;
  std::vector<Proj> projs;
  int L;
  std::mt19937_64 rng;
  mos_context_t ctx = nullptr;
  std::vector<mos_pool_t> pools;
  std::vector<std::vector<std::vector<double>>> A,
      B;  // [projection][block]: A_k [r x d_in], B_k [d_out x r]

  Adapter(const Spec& s, const std::vector<Proj>& ps, int num_blocks, uint64_t seed)
      : spec(s), projs(ps), L(num_blocks), rng(seed) {
    T_OK(mos_context_create(MOS_BACKEND_CPU, 0, &ctx));
    for (const Proj& p : projs) {
      mos_pool_t pool = nullptr;
      T_OK(mos_pool_create(ctx,
                           t::config({.d_in = p.d_in,
                                      .d_out = p.d_out,
                                      .num_blocks = L,
                                      .rank = s.r,
                                      .equivalent_rank = s.R,
                                      .private_rank = s.p,
                                      .shards_per_vector = s.l,
                                      .alpha = s.alpha,
                                      .dropout = 0.0f}),
                           &pool));
      pools.push_back(pool);
      const int64_t P = static_cast<int64_t>(s.R) * L * s.l;
      const auto pa = t::random_floats(rng, static_cast<size_t>(P * (p.d_in / s.l)));
      const auto pb = t::random_floats(rng, static_cast<size_t>(P * (p.d_out / s.l)));
      T_OK(mos_pool_write(pool, MOS_POOL_A, pa.data(), static_cast<int64_t>(pa.size())));
      T_OK(mos_pool_write(pool, MOS_POOL_B, pb.data(), static_cast<int64_t>(pb.size())));
      T_OK(mos_pool_generate_indices(pool, seed * 31 + pools.size()));
      A.emplace_back();
      B.emplace_back();
      mos_tensor_t at = t::tensor(ctx, s.r, p.d_in), bt = t::tensor(ctx, p.d_out, s.r);
      for (int k = 0; k < L; ++k) {
        T_OK(mos_pool_assemble(pool, k, at, bt));
        A.back().push_back(t::to_double(t::read(at)));
        B.back().push_back(t::to_double(t::read(bt)));
      }
      mos_tensor_free(at);
      mos_tensor_free(bt);
    }
  }
  ~Adapter() {
    for (mos_pool_t p : pools) mos_pool_free(p);
    mos_context_free(ctx);
  }
  Adapter(const Adapter&) = delete;
  Adapter& operator=(const Adapter&) = delete;

  mos_status_t add_to(mos_bank_t bank, int32_t* id) const {
    std::vector<const char*> names;
    for (const Proj& p : projs) names.push_back(p.name.c_str());
    return mos_bank_add(bank, static_cast<int32_t>(pools.size()), names.data(), pools.data(), id);
  }

  double scale() const { return static_cast<double>(spec.alpha) / spec.r; }
  int64_t num_shards() const { return static_cast<int64_t>(spec.R) * L * spec.l; }
  int64_t size_b(size_t i) const { return num_shards() * (projs[i].d_out / spec.l); }

  // 4 P (s_A + s_B) + 8 L r l per projection (mos.h, Memory).
  int64_t expected_bytes() const {
    int64_t b = 0;
    for (const Proj& p : projs)
      b += 4 * num_shards() * (p.d_in / spec.l + p.d_out / spec.l) + 8LL * L * spec.r * spec.l;
    return b;
  }

  int find(const std::string& name) const {
    for (size_t i = 0; i < projs.size(); ++i)
      if (projs[i].name == name) return static_cast<int>(i);
    return -1;
  }

  // (alpha/r) B_k A_k [d_out x d_in].
  std::vector<double> delta(const std::string& name, int block) const {
    const int i = find(name);
    const Proj& p = projs[i];
    std::vector<double> d(static_cast<size_t>(p.d_out) * p.d_in, 0.0);
    for (int o = 0; o < p.d_out; ++o)
      for (int j = 0; j < spec.r; ++j) {
        const double b = scale() * B[i][block][o * spec.r + j];
        for (int c = 0; c < p.d_in; ++c) d[o * p.d_in + c] += b * A[i][block][j * p.d_in + c];
      }
    return d;
  }

  // y[0..d_out) += (alpha/r) B_k (A_k x): the two products, in double. No-op without `name`.
  void add_delta(const std::string& name, int block, const float* x, double* y) const {
    const int i = find(name);
    if (i < 0) return;
    const Proj& p = projs[i];
    std::vector<double> u(static_cast<size_t>(spec.r), 0.0);
    for (int j = 0; j < spec.r; ++j)
      for (int c = 0; c < p.d_in; ++c) u[j] += A[i][block][j * p.d_in + c] * x[c];
    for (int o = 0; o < p.d_out; ++o) {
      double s = 0.0;
      for (int j = 0; j < spec.r; ++j) s += B[i][block][o * spec.r + j] * u[j];
      y[o] += scale() * s;
    }
  }
};

// y0 + the per-adapter dense path for every token (ids of -1: nothing).
inline std::vector<double> expected(const std::vector<const Adapter*>& by_id, const Proj& proj,
                                    int block, const std::vector<float>& x,
                                    const std::vector<int32_t>& ids, const std::vector<float>& y0) {
  std::vector<double> y = t::to_double(y0);
  for (size_t tk = 0; tk < ids.size(); ++tk)
    if (ids[tk] >= 0)
      by_id[ids[tk]]->add_delta(proj.name, block, x.data() + tk * proj.d_in,
                                y.data() + tk * proj.d_out);
  return y;
}

}  // namespace bt
