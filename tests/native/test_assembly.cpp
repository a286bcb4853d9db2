// SPDX-License-Identifier: Apache-2.0
// test_assembly: mos_pool_assemble's A_k [r x d_in] and B_k [d_out x r] vs the method.md §3 closed
// form (oracle.h), exactly (MOS_TOL_F32_ASSEMBLY = 0: gathers are copies), over edge configs.
#include <vector>

#include "fixture.h"

namespace {

void check_block(t::PoolFixture& f, int k) {
  mos_tensor_t a = t::tensor(f.ctx, f.c.r, f.c.d_in);
  mos_tensor_t b = t::tensor(f.ctx, f.c.d_out, f.c.r);
  T_OK(mos_pool_assemble(f.pool, k, a, b));
  const oracle::Layer L = f.oracle_layer(k);
  t::close("A_k", t::read(a), L.a, MOS_TOL_F32_ASSEMBLY, f.seed, f.shape());
  t::close("B_k", t::read(b), L.b, MOS_TOL_F32_ASSEMBLY, f.seed, f.shape());
  // Either output may be NULL.
  mos_tensor_t a2 = t::tensor(f.ctx, f.c.r, f.c.d_in);
  T_OK(mos_pool_assemble(f.pool, k, a2, nullptr));
  t::close("A_k (b_out NULL)", t::read(a2), L.a, MOS_TOL_F32_ASSEMBLY, f.seed, f.shape());
  mos_tensor_free(a);
  mos_tensor_free(b);
  mos_tensor_free(a2);
}

void generated(const oracle::Cfg& c, uint64_t seed) {
  t::PoolFixture f(c, seed);
  T_OK(mos_pool_generate_indices(f.pool, seed));
  for (int k = 0; k < c.L; ++k) check_block(f, k);
}

// method.md §3's example: idx [0,4,3,5,6,7], r=3, l=2: rank 0 = [shard0 | shard4], rank 1 =
// [shard3 | shard5], rank 2 = [shard6 | shard7]. Checked element by element, not via the oracle.
void spec_example() {
  // L=2, R_eq=2, p=1, l=2: P = 8, S = 4, block 0's private rows are 4, 5; block 1's are 6, 7.
  // We set explicit indices, so any values in [0, 8) are allowed.
  oracle::Cfg c{4, 6, 2, 3, 2, 1, 2, 16.0, 0.0};
  t::PoolFixture f(c, 3);
  const std::vector<int32_t> idx{0, 4, 3, 5, 6, 7};
  f.set_indices(0, idx, idx);
  mos_tensor_t a = t::tensor(f.ctx, 3, 4), b = t::tensor(f.ctx, 6, 3);
  T_OK(mos_pool_assemble(f.pool, 0, a, b));
  const std::vector<float> av = t::read(a), bv = t::read(b);
  const int sa = 2, sb = 3, P = 8;
  const int expect[3][2] = {{0, 4}, {3, 5}, {6, 7}};
  for (int j = 0; j < 3; ++j)
    for (int i = 0; i < 2; ++i) {
      for (int tt = 0; tt < sa; ++tt)
        T_CHECK(av[j * 4 + i * sa + tt] == f.pool_a[expect[j][i] * sa + tt],
                "A rank %d segment %d should be pool_A shard %d", j, i, expect[j][i]);
      for (int tt = 0; tt < sb; ++tt)
        T_CHECK(bv[(i * sb + tt) * 3 + j] == f.pool_b[tt * P + expect[j][i]],
                "B rank %d segment %d should be pool_B column %d", j, i, expect[j][i]);
    }
  mos_tensor_free(a);
  mos_tensor_free(b);
}

// Explicit indices with repeats (allowed): the repeated shard appears twice.
void duplicates() {
  oracle::Cfg c{8, 12, 2, 4, 2, 0, 2, 8.0, 0.0};
  t::PoolFixture f(c, 11);
  f.set_indices(0, {1, 1, 1, 1, 0, 7, 7, 0}, {5, 5, 2, 2, 5, 5, 2, 2});
  f.set_indices(1, {3, 3, 3, 3, 3, 3, 3, 3}, {0, 1, 2, 3, 4, 5, 6, 7});
  check_block(f, 0);
  check_block(f, 1);
}

}  // namespace

int main() {
  spec_example();
  duplicates();
  // {d_in, d_out, L, r, R_eq, p, l, alpha, dropout}
  generated({16, 16, 3, 4, 2, 1, 1, 16.0, 0.0}, 1);    // l = 1 (no vector sharding)
  generated({32, 48, 4, 6, 2, 0, 4, 16.0, 0.0}, 2);    // p = 0 (no privatization)
  generated({24, 40, 3, 2, 2, 2, 2, 16.0, 0.0}, 3);    // p = R_eq: plain LoRA, r = R_eq
  generated({64, 176, 4, 8, 4, 2, 2, 16.0, 0.1}, 4);   // rectangular 64 -> 176
  generated({176, 64, 2, 12, 8, 3, 8, 32.0, 0.0}, 5);  // 176 -> 64, l = 8
  generated({12, 12, 1, 3, 3, 1, 3, 1.0, 0.0}, 6);     // L = 1
  return t::report("test_assembly");
}
