// SPDX-License-Identifier: Apache-2.0
// sampling.cpp: mos_sample's arithmetic in double on the host: greedy, temperature, top-k, top-p,
// and one draw from the counter-based generator, so a request's n-th token is the same in any
// batch and on any backend.
#include <algorithm>
#include <cmath>
#include <vector>

#include "common/index_math.h"
#include "common/rng.h"
#include "error.h"
#include "model/generate.h"

namespace mos {
namespace model {

namespace {

struct Candidate {
  double z;  // logit / temperature
  int32_t id;
};
// Decreasing z, then increasing id: one total order, so ties never depend on the sort.
bool before(const Candidate& a, const Candidate& b) {
  return a.z > b.z || (a.z == b.z && a.id < b.id);
}

thread_local std::vector<Candidate> t_candidates;  // grow-only per thread

}  // namespace

void validate_sampling(const mos_sampling_t& s, const char* what) {
  check(!std::isnan(s.temperature), MOS_STATUS_INVALID_ARGUMENT, what,
        ".temperature is NaN (<= 0 means greedy)");
  check(s.top_k >= 0, MOS_STATUS_INVALID_ARGUMENT, what, ".top_k must be >= 0 (0: off), got ",
        s.top_k);
  check(s.top_p > 0.0f && s.top_p <= 1.0f, MOS_STATUS_INVALID_ARGUMENT, what,
        ".top_p must be in (0, 1] (1: off), got ", s.top_p);
}

void sample(const float* logits, int32_t vocab, const mos_sampling_t& s, uint64_t counter,
            int32_t* token, float* logprob) {
  check(vocab >= 1, MOS_STATUS_INVALID_ARGUMENT, "vocab must be >= 1, got ", vocab);
  validate_sampling(s, "sampling");
  double m = -INFINITY;
  int32_t argmax = -1;
  for (int32_t i = 0; i < vocab; ++i) {
    const float v = logits[i];
    check(!std::isnan(v) && v != INFINITY, MOS_STATUS_INVALID_ARGUMENT, "logits[", i, "] is ", v,
          " (finite values or -inf for a masked token expected)");
    if (v > m) {
      m = v;
      argmax = i;  // strictly greater: the lowest id wins a tie
    }
  }
  check(argmax >= 0, MOS_STATUS_INVALID_ARGUMENT, "every logit is -inf: no token can be drawn");
  int32_t chosen = argmax;
  if (s.temperature > 0.0f) {
    const double temp = s.temperature;
    std::vector<Candidate>& c = t_candidates;
    c.clear();
    for (int32_t i = 0; i < vocab; ++i)
      if (logits[i] != -INFINITY) c.push_back(Candidate{static_cast<double>(logits[i]) / temp, i});
    size_t kept = c.size();
    if (s.top_k > 0 && static_cast<size_t>(s.top_k) < kept) {
      std::nth_element(c.begin(), c.begin() + s.top_k, c.end(), before);
      kept = static_cast<size_t>(s.top_k);
    }
    const bool nucleus = s.top_p < 1.0f;
    if (nucleus || s.top_k > 0) std::sort(c.begin(), c.begin() + kept, before);
    const double zmax = m / temp;
    double total = 0.0;
    for (size_t i = 0; i < kept; ++i) total += std::exp(c[i].z - zmax);
    if (nucleus) {
      // The smallest prefix (most likely first) whose mass reaches top_p of the kept mass.
      double cum = 0.0;
      size_t n = 0;
      while (n < kept) {
        cum += std::exp(c[n].z - zmax);
        ++n;
        if (cum >= static_cast<double>(s.top_p) * total) break;
      }
      kept = n;
      total = cum;
    }
    const double u = rng::uniform01_53(rng::hash3(s.seed, rng::kStreamSample, counter)) * total;
    double cum = 0.0;
    chosen = c[kept - 1].id;
    for (size_t i = 0; i < kept; ++i) {
      cum += std::exp(c[i].z - zmax);
      if (u < cum) {
        chosen = c[i].id;
        break;
      }
    }
  }
  *token = chosen;
  if (logprob) {
    double sum = 0.0;
    for (int32_t i = 0; i < vocab; ++i) sum += std::exp(static_cast<double>(logits[i]) - m);
    *logprob = static_cast<float>(static_cast<double>(logits[chosen]) - m - std::log(sum));
  }
}

}  // namespace model
}  // namespace mos
