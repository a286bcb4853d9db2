// SPDX-License-Identifier: Apache-2.0
// test_sampling: mos_sample against hand computations: greedy (lowest id on ties), the log-prob
// under the unmodified softmax, temperature + top-k + top-p + the documented draw (a 53-bit uniform
// from SplitMix64 keyed by (seed, 0x4004, counter), re-implemented here), determinism in
// (seed, counter), frequencies of 20,000 draws within 4 standard deviations, and bad arguments.
#include <cmath>
#include <vector>

#include "oracle.h"
#include "test_util.h"

namespace {

int32_t draw(const std::vector<float>& logits, mos_sampling_t s, uint64_t counter,
             float* lp = nullptr) {
  int32_t tok = -1;
  T_OK(mos_sample(logits.data(), static_cast<int32_t>(logits.size()), &s, counter, &tok, lp));
  return tok;
}

double uniform(uint64_t seed, uint64_t counter) {
  return static_cast<double>(oracle::key3(seed, 0x4004, counter) >> 11) / 9007199254740992.0;
}

void greedy() {
  const std::vector<float> l = {1.0f, 3.0f, -2.0f, 3.0f, 0.5f};
  mos_sampling_t s{0.0f, 0, 1.0f, 9};
  float lp = 0;
  T_CHECK(draw(l, s, 0, &lp) == 1, "greedy picks the lowest id of a tie");
  double z = 0;
  for (float v : l) z += std::exp(static_cast<double>(v));
  T_CHECK(std::fabs(lp - (3.0 - std::log(z))) < 1e-6, "logprob %.7f, expected %.7f", lp,
          3.0 - std::log(z));
  s.temperature = -1.0f;
  T_CHECK(draw(l, s, 5) == 1, "temperature < 0 is greedy too");
  s = {1.0f, 1, 1.0f, 9};
  for (uint64_t c = 0; c < 50; ++c) T_CHECK(draw(l, s, c) == 1, "top_k = 1 keeps only the argmax");
}

// temperature 0.5, top_k 3, top_p 0.9 on six logits, by hand: z = logit / 0.5 sorted is
// id3 (6), id0 (4), id1 (2), id5 (2, a tie: the higher id goes), id2 (1), id4 (-inf: never).
// top_k keeps {3, 0, 1}; their probabilities e^0, e^-2, e^-4 over 1.15365: 0.8668, 0.1173, 0.0159;
// top_p 0.9 keeps {3, 0} (0.8668 < 0.9 <= 0.9841); the draw: id3 iff u * (1 + e^-2) < 1.
void hand_computed() {
  const std::vector<float> l = {2.0f, 1.0f, 0.5f, 3.0f, -INFINITY, 1.0f};
  const mos_sampling_t s{0.5f, 3, 0.9f, 42};
  int seen[6] = {};
  for (uint64_t c = 0; c < 400; ++c) {
    const double u = uniform(42, c) * (1.0 + std::exp(-2.0));
    const int32_t want = u < 1.0 ? 3 : 0;
    const int32_t got = draw(l, s, c);
    T_CHECK(got == want, "counter %llu: drew %d, the hand computation says %d (u = %.6f)",
            (unsigned long long)c, got, want, u);
    ++seen[got];
  }
  T_CHECK(seen[3] > 0 && seen[0] > 0, "both kept tokens occur (%d, %d)", seen[3], seen[0]);
}

void determinism_and_frequencies() {
  const std::vector<float> l = {0.0f, std::log(2.0f), std::log(3.0f), std::log(4.0f)};
  mos_sampling_t s{1.0f, 0, 1.0f, 7};
  const int n = 20000;
  std::vector<int> a, b(static_cast<size_t>(n)), other;
  int count[4] = {};
  for (int c = 0; c < n; ++c) {
    a.push_back(draw(l, s, static_cast<uint64_t>(c)));
    ++count[a.back()];
  }
  for (int c = n - 1; c >= 0; --c) b[static_cast<size_t>(c)] = draw(l, s, static_cast<uint64_t>(c));
  T_CHECK(a == b, "the same (seed, counter) gave another token");
  s.seed = 8;
  for (int c = 0; c < 200; ++c) other.push_back(draw(l, s, static_cast<uint64_t>(c)));
  T_CHECK(!std::equal(other.begin(), other.end(), a.begin()), "another seed drew the same tokens");
  for (int k = 0; k < 4; ++k) {
    const double p = (k + 1) / 10.0, f = static_cast<double>(count[k]) / n;
    T_CHECK(std::fabs(f - p) < 4 * std::sqrt(p * (1 - p) / n), "token %d: frequency %.4f, p %.2f",
            k, f, p);
  }
  // top_p 0.5 keeps {3, 2} (0.4 < 0.5 <= 0.7): 4/7 and 3/7.
  s = {1.0f, 0, 0.5f, 7};
  int kept[4] = {};
  for (int c = 0; c < n; ++c) ++kept[draw(l, s, static_cast<uint64_t>(c))];
  T_CHECK(kept[0] == 0 && kept[1] == 0, "top_p 0.5 drew tokens 0 / 1 (%d, %d times)", kept[0],
          kept[1]);
  const double f3 = static_cast<double>(kept[3]) / n, p3 = 4.0 / 7.0;
  T_CHECK(std::fabs(f3 - p3) < 4 * std::sqrt(p3 * (1 - p3) / n), "top_p: token 3 at %.4f, p %.4f",
          f3, p3);
}

void bad_arguments() {
  std::vector<float> l = {0.0f, 1.0f};
  mos_sampling_t s{1.0f, 0, 1.0f, 1};
  int32_t tok = 0;
  T_STATUS(mos_sample(nullptr, 2, &s, 0, &tok, nullptr), MOS_STATUS_NULL_POINTER, "mos_sample");
  T_STATUS(mos_sample(l.data(), 2, nullptr, 0, &tok, nullptr), MOS_STATUS_NULL_POINTER,
           "mos_sample");
  T_STATUS(mos_sample(l.data(), 2, &s, 0, nullptr, nullptr), MOS_STATUS_NULL_POINTER, "mos_sample");
  T_STATUS(mos_sample(l.data(), 0, &s, 0, &tok, nullptr), MOS_STATUS_INVALID_ARGUMENT,
           "mos_sample");
  mos_sampling_t bad = s;
  bad.top_p = 0.0f;
  T_STATUS(mos_sample(l.data(), 2, &bad, 0, &tok, nullptr), MOS_STATUS_INVALID_ARGUMENT,
           "mos_sample");
  bad.top_p = 1.5f;
  T_STATUS(mos_sample(l.data(), 2, &bad, 0, &tok, nullptr), MOS_STATUS_INVALID_ARGUMENT,
           "mos_sample");
  bad = s;
  bad.top_k = -1;
  T_STATUS(mos_sample(l.data(), 2, &bad, 0, &tok, nullptr), MOS_STATUS_INVALID_ARGUMENT,
           "mos_sample");
  bad = s;
  bad.temperature = NAN;
  T_STATUS(mos_sample(l.data(), 2, &bad, 0, &tok, nullptr), MOS_STATUS_INVALID_ARGUMENT,
           "mos_sample");
  l[1] = NAN;
  T_STATUS(mos_sample(l.data(), 2, &s, 0, &tok, nullptr), MOS_STATUS_INVALID_ARGUMENT,
           "mos_sample");
  l = {-INFINITY, -INFINITY};
  T_STATUS(mos_sample(l.data(), 2, &s, 0, &tok, nullptr), MOS_STATUS_INVALID_ARGUMENT,
           "mos_sample");
  T_CHECK(tok == 0, "a refused call wrote the token (%d)", tok);
}

}  // namespace

int main() {
  greedy();
  hand_computed();
  determinism_and_frequencies();
  bad_arguments();
  return t::report("test_sampling");
}
