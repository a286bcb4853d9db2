// SPDX-License-Identifier: Apache-2.0
// test_bank_threads: one bank, 6 threads applying mixed batches while the main thread removes and
// re-adds adapters and switches kernels. Every successful apply is checked against the dense
// double reference (MOS_TOL_F32_FORWARD); an apply that names an adapter removed meanwhile must
// fail with INVALID_ARGUMENT "... was removed" and write nothing. Bounded to about a second.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "test_bank_util.h"

namespace {

constexpr int L = 2, T = 24, kStable = 3, kHot = 3, kThreads = 6;
const bt::Proj kProj{"o_proj", 128, 96};

struct Shared {
  mos_bank_t bank = nullptr;
  std::vector<std::unique_ptr<bt::Adapter>> contents;   // [0, kStable) stable, then hot ones
  std::vector<std::vector<std::vector<double>>> delta;  // [content][block]: [T x d_out]
  std::vector<float> x;                                 // [T x d_in]
  std::atomic<int32_t> hot_id[kHot];
  std::vector<int32_t> stable_id;
  std::atomic<bool> stop{false};
};

struct Tally {
  long ok = 0, stale = 0, bad = 0;
  std::string first_bad;
};

void worker(Shared& s, int which, Tally& out) {
  std::mt19937_64 rng(1000 + which);
  std::vector<int32_t> ids(T);
  std::vector<int> content(T);
  std::vector<float> y(static_cast<size_t>(T) * kProj.d_out);
  while (!s.stop.load()) {
    const int block = static_cast<int>(rng() % L);
    // Mostly a few adapters with runs (prefill-like), sometimes one token each (decode-like).
    for (int t = 0; t < T; ++t) {
      const int pick = static_cast<int>(rng() % (kStable + kHot + 1)) - 1;
      content[t] = pick;
      ids[t] = pick < 0 ? -1 : pick < kStable ? s.stable_id[pick] : s.hot_id[pick - kStable].load();
      if (ids[t] < 0) content[t] = -1;
      if (rng() % 2 && t > 0) {  // continue the previous run
        ids[t] = ids[t - 1];
        content[t] = content[t - 1];
      }
    }
    std::fill(y.begin(), y.end(), 0.0f);
    const mos_status_t st =
        mos_bank_apply_host(s.bank, 0, block, s.x.data(), T, ids.data(), y.data());
    if (st == MOS_STATUS_INVALID_ARGUMENT && std::strstr(mos_last_error(), "was removed")) {
      bool untouched = true;
      for (float v : y) untouched = untouched && v == 0.0f;
      if (untouched) {
        ++out.stale;
      } else {
        ++out.bad;
        if (out.first_bad.empty()) out.first_bad = "a failed apply wrote y";
      }
      continue;
    }
    if (st != MOS_STATUS_OK) {
      ++out.bad;
      if (out.first_bad.empty())
        out.first_bad = std::string("status ") + std::to_string(st) + ": " + mos_last_error();
      continue;
    }
    double worst = 0.0, max_ref = 0.0;
    for (int t = 0; t < T; ++t)
      for (int o = 0; o < kProj.d_out; ++o) {
        const double ref = content[t] < 0 ? 0.0 : s.delta[content[t]][block][t * kProj.d_out + o];
        max_ref = std::max(max_ref, std::fabs(ref));
        worst = std::max(worst, std::fabs(ref - y[t * kProj.d_out + o]));
      }
    if (worst <= MOS_TOL_F32_FORWARD * std::max(max_ref, 1.0)) {
      ++out.ok;
    } else {
      ++out.bad;
      if (out.first_bad.empty())
        out.first_bad = "wrong result: abs error " + std::to_string(worst) + " (max |ref| " +
                        std::to_string(max_ref) + ", block " + std::to_string(block) + ")";
    }
  }
}

}  // namespace

int main() {
  Shared s;
  const std::vector<bt::Spec> specs = {{6, 4, 2, 2, 16.0f}, {4, 2, 0, 1, 8.0f},
                                       {7, 4, 1, 4, 24.0f}, {2, 1, 0, 2, 4.0f},
                                       {5, 3, 1, 1, 12.0f}, {14, 8, 2, 2, 32.0f}};
  for (size_t c = 0; c < specs.size(); ++c)
    s.contents.push_back(
        std::make_unique<bt::Adapter>(specs[c], std::vector<bt::Proj>{kProj}, L, 70 + c));
  std::mt19937_64 rng(3);
  s.x = t::random_floats(rng, static_cast<size_t>(T) * kProj.d_in);
  // Each content's delta on every token of x (the whole batch on one adapter).
  for (auto& a : s.contents) {
    s.delta.emplace_back();
    for (int b = 0; b < L; ++b)
      s.delta.back().push_back(
          bt::expected({a.get()}, kProj, b, s.x, std::vector<int32_t>(T, 0),
                       std::vector<float>(static_cast<size_t>(T) * kProj.d_out, 0.0f)));
  }
  mos_context_t ctx = nullptr;
  T_OK(mos_context_create(MOS_BACKEND_CPU, 0, &ctx));
  T_OK(mos_bank_create(ctx, 0, &s.bank));
  for (int c = 0; c < kStable; ++c) {
    int32_t id = -1;
    T_OK(s.contents[c]->add_to(s.bank, &id));
    s.stable_id.push_back(id);
  }
  for (int h = 0; h < kHot; ++h) {
    int32_t id = -1;
    T_OK(s.contents[kStable + h]->add_to(s.bank, &id));
    s.hot_id[h].store(id);
  }

  std::vector<Tally> tallies(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back(worker, std::ref(s), i, std::ref(tallies[i]));
  // Hot swaps: remove (the id goes stale for the workers) and add again under a new id.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(1200);
  long swaps = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    const int h = static_cast<int>(swaps % kHot);
    const int32_t old = s.hot_id[h].load();
    T_OK(mos_bank_remove(s.bank, old));
    if (swaps % 2 == 0) std::this_thread::sleep_for(std::chrono::microseconds(300));
    int32_t id = -1;
    T_OK(s.contents[kStable + h]->add_to(s.bank, &id));
    s.hot_id[h].store(id);
    T_OK(mos_bank_set_path(s.bank, static_cast<mos_bank_path_t>(swaps % 3)));
    ++swaps;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  s.stop.store(true);
  for (auto& th : threads) th.join();

  long ok = 0, stale = 0;
  for (const Tally& tl : tallies) {
    ok += tl.ok;
    stale += tl.stale;
    T_CHECK(tl.bad == 0, "%ld bad applies; first: %s", tl.bad, tl.first_bad.c_str());
  }
  std::printf("test_bank_threads: %ld checked applies, %ld refused stale ids, %ld hot swaps\n", ok,
              stale, swaps);
  T_CHECK(ok > 50 && swaps > 10, "too little happened: %ld applies, %ld swaps", ok, swaps);
  int32_t n = 0;
  int64_t total = 0;
  T_OK(mos_bank_usage(s.bank, &total, nullptr, &n));
  T_CHECK(n == kStable + kHot, "%d adapters at the end", n);
  T_OK(mos_bank_free(s.bank));
  mos_context_free(ctx);
  return t::report("test_bank_threads");
}
