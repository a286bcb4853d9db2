// SPDX-License-Identifier: Apache-2.0
// routing.cpp: configuration rules and routing indices of MoS (method.md §2, §3, §10.7, §10.12).
// The index draw is host-only and seeded; the arrays are data afterwards (saved, never re-drawn).
#include "routing.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include "common/index_math.h"
#include "common/rng.h"
#include "error.h"

namespace mos {

int64_t MosConfig::num_shards() const { return idx::num_shards(equivalent_rank, num_blocks, l); }
int64_t MosConfig::public_shards() const {
  return idx::public_shards(equivalent_rank, private_rank, num_blocks, l);
}

void validate_config(const MosConfig& c) {
  constexpr auto bad = MOS_STATUS_INVALID_ARGUMENT;
  check(c.d_in >= 1 && c.d_out >= 1, bad, "d_in and d_out must be >= 1, got d_in = ", c.d_in,
        ", d_out = ", c.d_out);
  check(c.num_blocks >= 1, bad, "num_blocks (L) must be >= 1, got ", c.num_blocks);
  check(c.r >= 1, bad, "rank (r) must be >= 1, got ", c.r);
  check(c.equivalent_rank >= 1, bad, "equivalent_rank (R_eq) must be >= 1, got ",
        c.equivalent_rank);
  check(c.private_rank >= 0 && c.private_rank <= c.equivalent_rank, bad,
        "private_rank (p) must satisfy 0 <= p <= R_eq, got p = ", c.private_rank,
        ", R_eq = ", c.equivalent_rank);
  check(c.l >= 1, bad, "shards_per_vector (l) must be >= 1, got ", c.l);
  check(c.private_rank != c.equivalent_rank || c.r == c.equivalent_rank, bad,
        "p == R_eq (plain LoRA) requires r == R_eq, got r = ", c.r,
        ", R_eq = p = ", c.equivalent_rank);
  // Each block uses all of its p private vectors as its last p rank vectors, so r >= p.
  check(c.r >= c.private_rank, bad,
        "rank (r) must be >= p (the p private rank vectors are part of r), got r = ", c.r,
        ", p = ", c.private_rank);
  // P must index with int32 and every size below must fit int64. R_eq * L fits int64 but its
  // product with l may not (R_eq = L = l = 2^31 - 1), so compare by division, not by multiplying.
  const int64_t rank_blocks = static_cast<int64_t>(c.equivalent_rank) * c.num_blocks;
  check(rank_blocks <= std::numeric_limits<int32_t>::max() / c.l, bad,
        "the pool has P = R_eq * L * l = ", c.equivalent_rank, " * ", c.num_blocks, " * ", c.l,
        " shards, more than 2^31 - 1");
  const int64_t shared = static_cast<int64_t>(c.r - c.private_rank) * c.l;
  const int64_t S = static_cast<int64_t>(c.equivalent_rank - c.private_rank) * c.num_blocks * c.l;
  check(shared <= S, bad, "(r - p) * l = (", c.r, " - ", c.private_rank, ") * ", c.l, " = ", shared,
        " shared shards per block exceed the public region S = (R_eq - p) * L * l = (",
        c.equivalent_rank, " - ", c.private_rank, ") * ", c.num_blocks, " * ", c.l, " = ", S);
  check(c.d_in % c.l == 0, bad, "d_in = ", c.d_in, " is not divisible by l = ", c.l);
  check(c.d_out % c.l == 0, bad, "d_out = ", c.d_out, " is not divisible by l = ", c.l);
  check(std::isfinite(c.alpha), bad, "alpha must be finite, got ", c.alpha);
  check(c.dropout >= 0.0f && c.dropout < 1.0f, bad, "dropout must satisfy 0 <= dropout < 1, got ",
        c.dropout);  // NaN fails too
}

int64_t param_count(int32_t d_in, int32_t d_out, int32_t num_blocks, int32_t equivalent_rank) {
  check(d_in >= 1 && d_out >= 1 && num_blocks >= 1 && equivalent_rank >= 1,
        MOS_STATUS_INVALID_ARGUMENT,
        "d_in, d_out, num_blocks and equivalent_rank must be >= 1, got ", d_in, ", ", d_out, ", ",
        num_blocks, ", ", equivalent_rank);
  int64_t out = 0;
  const int64_t dims = static_cast<int64_t>(d_in) + d_out;
  const bool overflow =
      __builtin_mul_overflow(static_cast<int64_t>(equivalent_rank) * num_blocks, dims, &out);
  check(!overflow, MOS_STATUS_INVALID_ARGUMENT, "R_eq * L * (d_in + d_out) overflows int64");
  return out;
}

namespace {

// SplitMix64 stream keyed by hash3(seed, kStreamIndices, key): one independent stream per block
// and per factor, so the draws do not depend on the order in which blocks are generated.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t state) : state_(state) {}
  uint64_t next() { return rng::mix64(state_ += 0x9e3779b97f4a7c15ULL); }
  // Uniform in [0, n) without modulo bias (rejection below 2^64 mod n).
  uint64_t below(uint64_t n) {
    const uint64_t threshold = (0 - n) % n;
    for (;;) {
      const uint64_t x = next();
      if (x >= threshold) return x % n;
    }
  }

 private:
  uint64_t state_;
};

// The first m entries of a uniformly random permutation of [0, S) (partial Fisher-Yates).
void draw_shared(uint64_t key, int64_t S, int64_t m, std::vector<int32_t>& perm, int32_t* out) {
  perm.resize(static_cast<size_t>(S));
  std::iota(perm.begin(), perm.end(), 0);
  SplitMix64 rng(key);
  for (int64_t i = 0; i < m; ++i) {
    const int64_t j = i + static_cast<int64_t>(rng.below(static_cast<uint64_t>(S - i)));
    std::swap(perm[i], perm[j]);
    out[i] = perm[i];
  }
}

}  // namespace

void generate_block_indices(const MosConfig& c, uint64_t seed, int32_t k, int32_t* idx_a,
                            int32_t* idx_b) {
  const int64_t S = c.public_shards();
  const int64_t m = static_cast<int64_t>(c.r - c.private_rank) * c.l;  // shared slots
  const int64_t n_private = static_cast<int64_t>(c.private_rank) * c.l;
  const int64_t base = idx::private_base(c.equivalent_rank, c.private_rank, c.num_blocks, c.l, k);
  std::vector<int32_t> perm;
  const uint64_t block = static_cast<uint64_t>(k);
  draw_shared(rng::hash3(seed, rng::kStreamIndices, 2 * block), S, m, perm, idx_a);
  draw_shared(rng::hash3(seed, rng::kStreamIndices, 2 * block + 1), S, m, perm, idx_b);
  for (int64_t e = 0; e < n_private; ++e) {  // same private rows for A and B, in order
    idx_a[m + e] = static_cast<int32_t>(base + e);
    idx_b[m + e] = static_cast<int32_t>(base + e);
  }
}

void validate_indices(const MosConfig& c, const int32_t* idx, int64_t length, const char* name) {
  const int64_t P = c.num_shards();
  for (int64_t e = 0; e < length; ++e) {
    check(idx[e] >= 0 && idx[e] < P, MOS_STATUS_INDEX_OUT_OF_RANGE, name, "[", e, "] = ", idx[e],
          " is outside the pool's shards [0, P = ", P, ")");
  }
}

}  // namespace mos
