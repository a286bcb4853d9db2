// SPDX-License-Identifier: Apache-2.0
// test_bank: the adapter bank's mixed-batch apply vs the per-adapter dense path (A_k and B_k from
// mos_pool_assemble, then s * B_k (A_k x) in double) at MOS_TOL_F32_FORWARD, over mixed r, R_eq,
// p, l and alpha, ids of -1, one adapter, all tokens on one adapter, every token on its own
// adapter, contiguous and scattered runs, and each kernel (AUTO, DECODE, PREFILL); merge vs the
// oracle (MOS_TOL_F32_DELTA, MOS_TOL_F32_MERGE_ROUNDTRIP); the budget, removed ids and every
// documented error status.
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "test_bank_util.h"

namespace {

using bt::Adapter;
using bt::Spec;

constexpr int L = 3;
const bt::Proj kQ{"q_proj", 64, 96};
const bt::Proj kUp{"up_proj", 64, 176};

void check_apply(mos_bank_t bank, const std::vector<const Adapter*>& by_id, const bt::Proj& proj,
                 int32_t slot, int block, const std::vector<int32_t>& ids, uint64_t seed,
                 const std::string& what, bool with_y0 = false) {
  std::mt19937_64 rng(seed);
  const int T = static_cast<int>(ids.size());
  const auto x = t::random_floats(rng, static_cast<size_t>(T) * proj.d_in);
  std::vector<float> y(static_cast<size_t>(T) * proj.d_out, 0.0f);
  if (with_y0) y = t::random_floats(rng, y.size());
  const std::vector<double> ref = bt::expected(by_id, proj, block, x, ids, y);
  T_OK(mos_bank_apply_host(bank, slot, block, x.data(), T, ids.data(), y.data()));
  t::close(what.c_str(), y, ref, MOS_TOL_F32_FORWARD, seed,
           proj.name + " block " + std::to_string(block) + " T=" + std::to_string(T));
}

const mos_bank_path_t kPaths[] = {MOS_BANK_PATH_AUTO, MOS_BANK_PATH_DECODE, MOS_BANK_PATH_PREFILL};
const char* path_name(mos_bank_path_t p) {
  return p == MOS_BANK_PATH_AUTO ? "AUTO" : p == MOS_BANK_PATH_DECODE ? "DECODE" : "PREFILL";
}

// Five adapters that differ in every hyperparameter; the last one adapts q_proj only.
void mixed_batches() {
  const std::vector<Spec> specs = {{8, 4, 2, 2, 16.0f},
                                   {4, 2, 1, 1, 8.0f},
                                   {12, 4, 0, 4, 32.0f},
                                   {2, 2, 2, 1, 4.0f},
                                   {6, 3, 1, 2, 12.0f}};
  std::vector<std::unique_ptr<Adapter>> adapters;
  for (size_t i = 0; i < specs.size(); ++i) {
    std::vector<bt::Proj> projs = {kQ};
    if (i + 1 < specs.size()) projs.push_back(kUp);
    adapters.push_back(std::make_unique<Adapter>(specs[i], projs, L, 100 + i));
  }
  mos_context_t ctx = nullptr;
  T_OK(mos_context_create(MOS_BACKEND_CPU, 0, &ctx));
  mos_bank_t bank = nullptr;
  T_OK(mos_bank_create(ctx, 0, &bank));
  std::vector<const Adapter*> by_id;
  for (auto& a : adapters) {
    int32_t id = -1;
    T_OK(a->add_to(bank, &id));
    T_CHECK(id == static_cast<int32_t>(by_id.size()), "adapter id %d, expected %zu", id,
            by_id.size());
    by_id.push_back(a.get());
  }
  int32_t slot_q = -1, slot_up = -1, d_in = 0, d_out = 0, nl = 0;
  T_OK(mos_bank_projection(bank, "q_proj", &slot_q, &d_in, &d_out, &nl));
  T_CHECK(slot_q == 0 && d_in == 64 && d_out == 96 && nl == L, "q_proj: slot %d %d -> %d L=%d",
          slot_q, d_in, d_out, nl);
  T_OK(mos_bank_projection(bank, "up_proj", &slot_up, nullptr, nullptr, nullptr));
  T_CHECK(slot_up == 1, "up_proj slot %d", slot_up);

  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> pick(-1, static_cast<int>(specs.size()) - 1);
  std::vector<int32_t> random_ids(41);
  for (auto& v : random_ids) v = pick(rng);
  // Runs as a prefill produces them: contiguous per adapter, unsorted, with a -1 run.
  std::vector<int32_t> runs;
  for (int v : {2, 0, -1, 4, 1, 3})
    for (int q = 0; q < (v == 3 ? 2 : 6 + v); ++q) runs.push_back(v);
  // Both at once: one adapter contiguous, the others interleaved.
  std::vector<int32_t> mixed = runs;
  for (int q = 0; q < 9; ++q) mixed.push_back(q % 2 ? 1 : 0);
  for (mos_bank_path_t path : kPaths) {
    T_OK(mos_bank_set_path(bank, path));
    const std::string p = path_name(path);
    for (int block = 0; block < L; ++block) {
      check_apply(bank, by_id, kQ, slot_q, block, random_ids, 11 + block, "random ids " + p);
      check_apply(bank, by_id, kUp, slot_up, block, random_ids, 21 + block, "random ids up " + p);
      check_apply(bank, by_id, kQ, slot_q, block, runs, 31 + block, "runs " + p);
      check_apply(bank, by_id, kUp, slot_up, block, mixed, 41 + block, "mixed runs up " + p);
    }
    check_apply(bank, by_id, kQ, slot_q, 1, random_ids, 51, "y += (nonzero y) " + p, true);
    check_apply(bank, by_id, kQ, slot_q, 2, std::vector<int32_t>(13, -1), 52, "all -1 " + p);
    check_apply(bank, by_id, kUp, slot_up, 0, std::vector<int32_t>(5, 4), 53,
                "adapter without this projection " + p);
    check_apply(bank, by_id, kQ, slot_q, 0, std::vector<int32_t>(29, 2), 54,
                "all on one adapter " + p);
    check_apply(bank, by_id, kQ, slot_q, 0, {3}, 55, "one token " + p);
  }
  // T = 0 is a no-op.
  T_OK(mos_bank_apply_host(bank, slot_q, 0, nullptr, 0, nullptr, nullptr));

  // The tensor entry point gives the same numbers as the host one.
  {
    const int T = static_cast<int>(random_ids.size());
    std::mt19937_64 r2(60);
    const auto x = t::random_floats(r2, static_cast<size_t>(T) * kQ.d_in);
    mos_tensor_t xt = t::tensor(ctx, T, kQ.d_in, x), yt = t::tensor(ctx, T, kQ.d_out);
    T_OK(mos_bank_apply(bank, slot_q, 1, xt, random_ids.data(), T, yt));
    std::vector<float> y0(static_cast<size_t>(T) * kQ.d_out, 0.0f);
    t::close("mos_bank_apply (tensors)", t::read(yt), bt::expected(by_id, kQ, 1, x, random_ids, y0),
             MOS_TOL_F32_FORWARD, 60, "q_proj");
    T_STATUS(mos_bank_apply(bank, slot_q, 1, xt, random_ids.data(), T - 1, yt),
             MOS_STATUS_SHAPE_MISMATCH, "mos_bank_apply: ");
    T_STATUS(mos_bank_apply(bank, slot_up, 1, xt, random_ids.data(), T, yt),
             MOS_STATUS_SHAPE_MISMATCH, "mos_bank_apply: ");
    T_STATUS(mos_bank_apply(bank, slot_q, 1, xt, random_ids.data(), T, xt),
             MOS_STATUS_SHAPE_MISMATCH, "mos_bank_apply: ");
    mos_context_t other = nullptr;
    T_OK(mos_context_create(MOS_BACKEND_CPU, 0, &other));
    mos_tensor_t xo = t::tensor(other, T, kQ.d_in, x);
    T_STATUS(mos_bank_apply(bank, slot_q, 1, xo, random_ids.data(), T, yt),
             MOS_STATUS_INVALID_ARGUMENT, "mos_bank_apply: ");
    T_STATUS(mos_bank_apply(bank, slot_q, 1, xt, nullptr, T, yt), MOS_STATUS_NULL_POINTER,
             "mos_bank_apply: ");
    mos_tensor_free(xo);
    mos_context_free(other);
    mos_tensor_free(xt);
    mos_tensor_free(yt);
  }

  // Lookups and ranges.
  T_STATUS(mos_bank_projection(bank, "o_proj", &slot_q, nullptr, nullptr, nullptr),
           MOS_STATUS_INVALID_ARGUMENT, "mos_bank_projection: ");
  T_CHECK(std::strstr(mos_last_error(), "'q_proj', 'up_proj'") != nullptr, "%s", mos_last_error());
  std::vector<float> x1(64), y1(176);
  int32_t one = 0;
  T_STATUS(mos_bank_apply_host(bank, 2, 0, x1.data(), 1, &one, y1.data()),
           MOS_STATUS_INDEX_OUT_OF_RANGE, "mos_bank_apply_host: ");
  T_STATUS(mos_bank_apply_host(bank, 0, L, x1.data(), 1, &one, y1.data()),
           MOS_STATUS_INDEX_OUT_OF_RANGE, "mos_bank_apply_host: ");
  T_STATUS(mos_bank_apply_host(bank, 0, 0, x1.data(), -1, &one, y1.data()),
           MOS_STATUS_INVALID_ARGUMENT, "mos_bank_apply_host: ");
  T_STATUS(mos_bank_set_path(bank, static_cast<mos_bank_path_t>(3)), MOS_STATUS_INVALID_ARGUMENT,
           "mos_bank_set_path: ");
  mos_bank_free(bank);
  mos_context_free(ctx);
}

// Every token on its own adapter (the decode shape), and a bank with a single adapter.
void many_and_single() {
  mos_context_t ctx = nullptr;
  T_OK(mos_context_create(MOS_BACKEND_CPU, 0, &ctx));
  mos_bank_t bank = nullptr;
  T_OK(mos_bank_create(ctx, 0, &bank));
  std::vector<std::unique_ptr<Adapter>> adapters;
  std::vector<const Adapter*> by_id;
  // {r, R_eq, p, l, alpha}: valid for L = 3 (r - p <= (R_eq - p) L; p == R_eq only with r == R_eq).
  const Spec specs[12] = {{2, 1, 0, 1, 4.0f},  {4, 2, 1, 2, 5.0f},  {6, 2, 0, 4, 6.0f},
                          {7, 3, 1, 1, 7.0f},  {3, 3, 3, 2, 8.0f},  {4, 2, 1, 4, 9.0f},
                          {7, 4, 2, 1, 10.0f}, {1, 1, 0, 2, 11.0f}, {9, 3, 0, 4, 12.0f},
                          {4, 4, 1, 1, 13.0f}, {5, 3, 2, 2, 14.0f}, {16, 8, 1, 4, 15.0f}};
  for (int i = 0; i < 12; ++i) {
    const Spec& s = specs[i];
    adapters.push_back(std::make_unique<Adapter>(s, std::vector<bt::Proj>{kUp}, L, 300 + i));
    int32_t id = -1;
    T_OK(adapters.back()->add_to(bank, &id));
    by_id.push_back(adapters.back().get());
  }
  std::vector<int32_t> each(12);
  for (int i = 0; i < 12; ++i) each[i] = 11 - i;
  for (mos_bank_path_t path : kPaths) {
    T_OK(mos_bank_set_path(bank, path));
    for (int block = 0; block < L; ++block)
      check_apply(bank, by_id, kUp, 0, block, each, 70 + block,
                  std::string("every token on its own adapter ") + path_name(path));
  }
  mos_bank_free(bank);

  T_OK(mos_bank_create(ctx, 0, &bank));
  Adapter solo({8, 4, 1, 2, 16.0f}, {kQ}, L, 400);
  int32_t id = -1;
  T_OK(solo.add_to(bank, &id));
  for (mos_bank_path_t path : kPaths) {
    T_OK(mos_bank_set_path(bank, path));
    check_apply(bank, {&solo}, kQ, 0, 2, std::vector<int32_t>(37, 0), 80,
                std::string("single adapter, 37 tokens ") + path_name(path));
    check_apply(bank, {&solo}, kQ, 0, 1, {0, -1, 0, -1, -1, 0, 0}, 81,
                std::string("single adapter with -1 ") + path_name(path));
  }
  // Larger shapes: the parallel loops and the scattered-token chunking of the prefill kernel.
  const bt::Proj big{"down_proj", 512, 384};
  Adapter wide({12, 8, 1, 2, 32.0f}, {big}, 2, 401);
  mos_bank_t bank2 = nullptr;
  T_OK(mos_bank_create(ctx, 0, &bank2));
  T_OK(wide.add_to(bank2, &id));
  std::vector<int32_t> ids(700);
  std::mt19937_64 rng(5);
  for (auto& v : ids) v = (rng() % 5 == 0) ? -1 : 0;
  for (mos_bank_path_t path : kPaths) {
    T_OK(mos_bank_set_path(bank2, path));
    check_apply(bank2, {&wide}, big, 0, 1, ids, 90,
                std::string("700 scattered tokens ") + path_name(path));
  }
  mos_bank_free(bank2);
  // Shard lengths that are not a multiple of the 1-token kernels' 16-float steps (s_a = 75,
  // s_b = 45) with r = 16 and r = 13: the 8-row kernels, their 4- and 1-row remainders and their
  // tails, alone in a batch and mixed with other adapters.
  const bt::Proj odd{"o_proj", 150, 90};
  Adapter r16({16, 8, 1, 2, 32.0f}, {odd}, 4, 402), r13({13, 4, 0, 2, 26.0f}, {odd}, 4, 403);
  mos_bank_t bank3 = nullptr;
  T_OK(mos_bank_create(ctx, 0, &bank3));
  int32_t id16 = -1, id13 = -1;
  T_OK(r16.add_to(bank3, &id16));
  T_OK(r13.add_to(bank3, &id13));
  std::vector<int32_t> mixed(41);
  for (size_t i = 0; i < mixed.size(); ++i) mixed[i] = i % 3 == 0 ? id13 : i % 3 == 1 ? id16 : -1;
  for (mos_bank_path_t path : kPaths) {
    T_OK(mos_bank_set_path(bank3, path));
    for (int block = 0; block < 4; block += 3)
      check_apply(bank3, {&r16, &r13}, odd, 0, block, mixed, 91 + block,
                  std::string("odd shard lengths, r 16 and 13 ") + path_name(path));
  }
  mos_bank_free(bank3);
  mos_bank_free(bank);
  mos_context_free(ctx);
}

// Bytes, the budget, removal and the add-time checks.
void memory_and_lifecycle() {
  mos_context_t ctx = nullptr;
  T_OK(mos_context_create(MOS_BACKEND_CPU, 0, &ctx));
  Adapter a0({8, 4, 2, 2, 16.0f}, {kQ, kUp}, L, 500);
  Adapter a1({4, 2, 0, 1, 8.0f}, {kQ}, L, 501);
  Adapter a2({4, 2, 1, 4, 16.0f}, {kUp}, L, 502);
  const int64_t b0 = a0.expected_bytes(), b1 = a1.expected_bytes(), b2 = a2.expected_bytes();
  // 4 P (s_A + s_B) + 8 L r l per projection; e.g. a1's q_proj: P = 2*3*1, s = 64 + 96.
  T_CHECK(b1 == 4 * 6 * (64 + 96) + 8 * 3 * 4 * 1, "a1 bytes %lld", (long long)b1);
  mos_bank_t bank = nullptr;
  T_STATUS(mos_bank_create(ctx, -1, &bank), MOS_STATUS_INVALID_ARGUMENT, "mos_bank_create: ");
  T_OK(mos_bank_create(ctx, b0 + b1, &bank));
  int32_t id0 = -1, id1 = -1, id2 = -1;
  T_OK(a0.add_to(bank, &id0));
  T_OK(a1.add_to(bank, &id1));
  int64_t bytes = 0, dense = 0, total = 0, budget = 0;
  int32_t n = 0;
  T_OK(mos_bank_adapter_bytes(bank, id0, &bytes, &dense));
  T_CHECK(bytes == b0, "adapter bytes %lld, expected %lld", (long long)bytes, (long long)b0);
  T_CHECK(dense == 4LL * L * 8 * ((64 + 96) + (64 + 176)), "dense LoRA bytes %lld",
          (long long)dense);
  T_OK(mos_bank_usage(bank, &total, &budget, &n));
  T_CHECK(total == b0 + b1 && budget == b0 + b1 && n == 2, "usage %lld / %lld, %d adapters",
          (long long)total, (long long)budget, n);
  // Full: the error names the budget, the use and the adapter's bytes; nothing changes.
  T_STATUS(a2.add_to(bank, &id2), MOS_STATUS_OUT_OF_MEMORY, "mos_bank_add: ");
  const std::string msg = mos_last_error();
  for (int64_t v : {b2, b0 + b1})
    T_CHECK(msg.find(std::to_string(v)) != std::string::npos, "message \"%s\" lacks %lld",
            msg.c_str(), (long long)v);
  T_CHECK(msg.find("budget") != std::string::npos, "message \"%s\"", msg.c_str());
  T_OK(mos_bank_usage(bank, &total, nullptr, &n));
  T_CHECK(total == b0 + b1 && n == 2, "usage after a refused add: %lld, %d", (long long)total, n);
  T_CHECK(id2 == -1, "a refused add wrote id %d", id2);

  // Remove: the budget is freed, the id is gone for good and never reused.
  T_OK(mos_bank_remove(bank, id0));
  T_OK(mos_bank_usage(bank, &total, nullptr, &n));
  T_CHECK(total == b1 && n == 1, "usage after remove: %lld, %d", (long long)total, n);
  T_OK(a2.add_to(bank, &id2));
  T_CHECK(id2 == 2, "new id %d (ids are never reused)", id2);
  std::vector<float> x(2 * 64), y(2 * 96, 0.5f);
  const std::vector<float> y_before = y;
  int32_t ids[2] = {id1, id0};
  T_STATUS(mos_bank_apply_host(bank, 0, 0, x.data(), 2, ids, y.data()), MOS_STATUS_INVALID_ARGUMENT,
           "mos_bank_apply_host: ");
  T_CHECK(std::strstr(mos_last_error(), "adapter_ids[1] = 0") &&
              std::strstr(mos_last_error(), "was removed"),
          "%s", mos_last_error());
  T_CHECK(y == y_before, "a failed apply wrote y");
  ids[1] = 7;
  T_STATUS(mos_bank_apply_host(bank, 0, 0, x.data(), 2, ids, y.data()), MOS_STATUS_INVALID_ARGUMENT,
           "mos_bank_apply_host: ");
  ids[1] = -2;
  T_STATUS(mos_bank_apply_host(bank, 0, 0, x.data(), 2, ids, y.data()), MOS_STATUS_INVALID_ARGUMENT,
           "mos_bank_apply_host: ");
  T_STATUS(mos_bank_remove(bank, id0), MOS_STATUS_INVALID_ARGUMENT, "mos_bank_remove: ");
  T_STATUS(mos_bank_remove(bank, 99), MOS_STATUS_INVALID_ARGUMENT, "mos_bank_remove: ");
  T_STATUS(mos_bank_adapter_bytes(bank, id0, &bytes, nullptr), MOS_STATUS_INVALID_ARGUMENT,
           "mos_bank_adapter_bytes: ");
  mos_bank_free(bank);

  // Add-time checks: shapes, L, unset indices, bad arguments. Nothing is added on failure.
  T_OK(mos_bank_create(ctx, 0, &bank));
  T_OK(a1.add_to(bank, &id0));
  Adapter wrong_shape({4, 2, 0, 1, 8.0f}, {bt::Proj{"q_proj", 64, 64}}, L, 503);
  T_STATUS(wrong_shape.add_to(bank, &id1), MOS_STATUS_SHAPE_MISMATCH, "mos_bank_add: ");
  Adapter wrong_l({4, 2, 0, 1, 8.0f}, {kUp}, L + 1, 504);
  T_STATUS(wrong_l.add_to(bank, &id1), MOS_STATUS_SHAPE_MISMATCH, "mos_bank_add: ");
  mos_pool_t unset = nullptr;
  T_OK(mos_pool_create(ctx,
                       t::config({.d_in = 64,
                                  .d_out = 96,
                                  .num_blocks = L,
                                  .rank = 4,
                                  .equivalent_rank = 2,
                                  .private_rank = 0,
                                  .shards_per_vector = 1,
                                  .alpha = 8.0f,
                                  .dropout = 0.0f}),
                       &unset));
  const char* qn[] = {"q_proj"};
  T_STATUS(mos_bank_add(bank, 1, qn, &unset, &id1), MOS_STATUS_INVALID_STATE, "mos_bank_add: ");
  const char* two[] = {"q_proj", "q_proj"};
  mos_pool_t pp[] = {a1.pools[0], a1.pools[0]};
  T_STATUS(mos_bank_add(bank, 2, two, pp, &id1), MOS_STATUS_INVALID_ARGUMENT, "mos_bank_add: ");
  T_STATUS(mos_bank_add(bank, 0, two, pp, &id1), MOS_STATUS_INVALID_ARGUMENT, "mos_bank_add: ");
  const char* nul[] = {nullptr};
  T_STATUS(mos_bank_add(bank, 1, nul, pp, &id1), MOS_STATUS_NULL_POINTER, "mos_bank_add: ");
  T_STATUS(mos_bank_add(nullptr, 1, qn, pp, &id1), MOS_STATUS_NULL_POINTER, "mos_bank_add: ");
  T_OK(mos_bank_usage(bank, nullptr, nullptr, &n));
  T_CHECK(n == 1, "%d adapters after refused adds", n);
  mos_pool_free(unset);

  // The bank holds a copy: rewriting (or freeing) the source pools changes nothing.
  {
    std::vector<float> xs = t::random_floats(a1.rng, 3 * 64), ys(3 * 96, 0.0f);
    std::vector<int32_t> ii = {id0, id0, -1};
    const auto ref = bt::expected({&a1}, kQ, 1, xs, ii, ys);
    std::vector<float> zeros(static_cast<size_t>(a1.size_b(0)), 0.0f);
    T_OK(mos_pool_write(a1.pools[0], MOS_POOL_B, zeros.data(), a1.size_b(0)));
    T_OK(mos_bank_apply_host(bank, 0, 1, xs.data(), 3, ii.data(), ys.data()));
    t::close("apply after the source pool was rewritten", ys, ref, MOS_TOL_F32_FORWARD, 501,
             "q_proj");
  }
  T_OK(mos_bank_free(bank));
  T_OK(mos_bank_free(nullptr));
  mos_context_free(ctx);
}

// Merge / unmerge through the bank vs W + (alpha/r) B A in double.
void merge() {
  mos_context_t ctx = nullptr;
  T_OK(mos_context_create(MOS_BACKEND_CPU, 0, &ctx));
  Adapter a({8, 4, 1, 2, 16.0f}, {kQ, kUp}, L, 600);
  Adapter q_only({4, 2, 0, 1, 8.0f}, {kQ}, L, 601);
  mos_bank_t bank = nullptr;
  T_OK(mos_bank_create(ctx, 0, &bank));
  int32_t id = -1, id_q = -1;
  T_OK(a.add_to(bank, &id));
  T_OK(q_only.add_to(bank, &id_q));
  std::mt19937_64 rng(9);
  for (int slot = 0; slot < 2; ++slot) {
    const bt::Proj& p = slot == 0 ? kQ : kUp;
    const int block = 2 - slot;
    const auto w = t::random_floats(rng, static_cast<size_t>(p.d_out) * p.d_in);
    mos_tensor_t wt = t::tensor(ctx, p.d_out, p.d_in, w);
    T_OK(mos_bank_merge(bank, id, slot, block, wt));
    std::vector<double> ref = a.delta(p.name, block);
    for (size_t e = 0; e < ref.size(); ++e) ref[e] += w[e];
    t::close("merged W", t::read(wt), ref, MOS_TOL_F32_DELTA, 600, p.name);
    T_OK(mos_bank_unmerge(bank, id, slot, block, wt));
    t::close("W after merge + unmerge", t::read(wt), t::to_double(w), MOS_TOL_F32_MERGE_ROUNDTRIP,
             600, p.name);
    if (slot == 1) {
      T_STATUS(mos_bank_merge(bank, id_q, slot, 0, wt), MOS_STATUS_INVALID_ARGUMENT,
               "mos_bank_merge: ");
    }
    T_STATUS(mos_bank_merge(bank, id, slot, L, wt), MOS_STATUS_INDEX_OUT_OF_RANGE,
             "mos_bank_merge: ");
    mos_tensor_free(wt);
  }
  mos_tensor_t bad = t::tensor(ctx, 96, 65);
  T_STATUS(mos_bank_merge(bank, id, 0, 0, bad), MOS_STATUS_SHAPE_MISMATCH, "mos_bank_merge: ");
  T_STATUS(mos_bank_unmerge(bank, id, 0, 0, nullptr), MOS_STATUS_NULL_POINTER,
           "mos_bank_unmerge: ");
  mos_tensor_free(bad);
  mos_bank_free(bank);
  mos_context_free(ctx);
}

}  // namespace

int main() {
  mixed_batches();
  many_and_single();
  memory_and_lifecycle();
  merge();
  return t::report("test_bank");
}
