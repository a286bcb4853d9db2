// SPDX-License-Identifier: Apache-2.0
// test_merge: delta_weight vs the oracle's (alpha/r) B A (MOS_TOL_F32_DELTA); merged forward vs
// unmerged forward (MOS_TOL_F32_MERGED_FORWARD); merge + unmerge restores W
// (MOS_TOL_F32_MERGE_ROUNDTRIP); and the merge state machine's INVALID_STATE answers.
#include <vector>

#include "fixture.h"

namespace {

void merge_roundtrip(const oracle::Cfg& c, uint64_t seed) {
  t::PoolFixture f(c, seed);
  T_OK(mos_pool_generate_indices(f.pool, seed));
  const int N = 9, k = c.L - 1;
  const auto w = t::random_floats(f.rng, c.d_out * c.d_in);
  const auto bias = t::random_floats(f.rng, c.d_out);
  mos_tensor_t wt = t::tensor(f.ctx, c.d_out, c.d_in, w), bt = t::tensor(f.ctx, 1, c.d_out, bias);
  mos_tensor_t xt = t::tensor(f.ctx, N, c.d_in, t::random_floats(f.rng, N * c.d_in));
  mos_tensor_t y1 = t::tensor(f.ctx, N, c.d_out), y2 = t::tensor(f.ctx, N, c.d_out);
  mos_tensor_t delta = t::tensor(f.ctx, c.d_out, c.d_in), dyt = t::tensor(f.ctx, N, c.d_out);
  mos_layer_t layer = nullptr;
  T_OK(mos_layer_create(f.pool, k, wt, bt, &layer));
  const std::string shape = f.shape();

  // delta = (alpha/r) B A vs the oracle.
  T_OK(mos_layer_delta_weight(layer, delta));
  const oracle::Layer L = f.oracle_layer(k);
  auto ref = oracle::matmul(L.b, false, L.a, false, c.d_out, c.d_in, c.r);
  for (auto& v : ref) v *= c.scale();
  t::close("delta W", t::read(delta), ref, MOS_TOL_F32_DELTA, seed, shape);

  T_OK(mos_layer_forward(layer, xt, y1, MOS_MODE_FULL, 0));
  int32_t merged = -1;
  T_OK(mos_layer_merge(layer));
  T_OK(mos_layer_is_merged(layer, &merged));
  T_CHECK(merged == 1, "is_merged %d after merge", merged);
  // W' = W + delta, and the merged forward equals the unmerged one.
  std::vector<double> w_merged(w.size());
  for (size_t i = 0; i < w.size(); ++i) w_merged[i] = w[i] + ref[i];
  t::close("merged W", t::read(wt), w_merged, MOS_TOL_F32_DELTA, seed, shape);
  T_OK(mos_layer_forward(layer, xt, y2, MOS_MODE_FULL, 0));
  t::close("merged forward vs unmerged forward", t::read(y2), t::to_double(t::read(y1)),
           MOS_TOL_F32_MERGED_FORWARD, seed, shape);
  // A merged layer in ADAPTER_ONLY mode adds nothing (the adapter is inside W).
  const auto before = t::read(y2);
  T_OK(mos_layer_forward(layer, xt, y2, MOS_MODE_ADAPTER_ONLY, 0));
  T_CHECK(t::read(y2) == before, "an ADAPTER_ONLY forward of a merged layer changed y");

  // What a merged layer refuses.
  T_STATUS(mos_layer_merge(layer), MOS_STATUS_INVALID_STATE, "mos_layer_merge: ");
  T_STATUS(mos_layer_forward(layer, xt, y2, MOS_MODE_FULL, 1), MOS_STATUS_INVALID_STATE,
           "mos_layer_forward: ");
  T_STATUS(mos_layer_backward(layer, xt, dyt, nullptr, MOS_MODE_FULL), MOS_STATUS_INVALID_STATE,
           "mos_layer_backward: ");

  T_OK(mos_layer_unmerge(layer));
  T_OK(mos_layer_is_merged(layer, &merged));
  T_CHECK(merged == 0, "is_merged %d after unmerge", merged);
  t::close("W after merge + unmerge", t::read(wt), t::to_double(w), MOS_TOL_F32_MERGE_ROUNDTRIP,
           seed, shape);
  T_STATUS(mos_layer_unmerge(layer), MOS_STATUS_INVALID_STATE, "mos_layer_unmerge: ");

  // A layer without a base weight cannot merge.
  mos_layer_t bare = nullptr;
  T_OK(mos_layer_create(f.pool, 0, nullptr, nullptr, &bare));
  T_STATUS(mos_layer_merge(bare), MOS_STATUS_INVALID_STATE, "mos_layer_merge: ");
  T_STATUS(mos_layer_unmerge(bare), MOS_STATUS_INVALID_STATE, "mos_layer_unmerge: ");

  mos_layer_free(bare);
  mos_layer_free(layer);
  for (mos_tensor_t h : {wt, bt, xt, y1, y2, delta, dyt}) mos_tensor_free(h);
}

}  // namespace

int main() {
  // {d_in, d_out, L, r, R_eq, p, l, alpha, dropout}
  merge_roundtrip({64, 176, 4, 8, 4, 2, 2, 16.0, 0.1}, 1);
  merge_roundtrip({32, 32, 2, 4, 4, 4, 1, 8.0, 0.0}, 2);  // plain LoRA
  return t::report("test_merge");
}
