// SPDX-License-Identifier: Apache-2.0
// test_routing: generated routing indices vs the method.md §2 / §10.6-7 rules (exact integer checks),
// mos_config_validate vs every rule of §10.12, and parameter counts vs §7's LLaMA2-7B numbers.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "test_util.h"

namespace {

struct Dims {
  int d_in, d_out, L, r, R, p, l;
};

t::Config config_of(const Dims& d, float alpha = 16.0f, float dropout = 0.0f) {
  return t::config({.d_in = d.d_in,
                    .d_out = d.d_out,
                    .num_blocks = d.L,
                    .rank = d.r,
                    .equivalent_rank = d.R,
                    .private_rank = d.p,
                    .shards_per_vector = d.l,
                    .alpha = alpha,
                    .dropout = dropout});
}

std::vector<std::vector<int32_t>> generate(mos_context_t ctx, const Dims& d, uint64_t seed,
                                           bool b_side) {
  mos_pool_t pool = nullptr;
  T_OK(mos_pool_create(ctx, config_of(d), &pool));
  T_OK(mos_pool_generate_indices(pool, seed));
  std::vector<std::vector<int32_t>> out;
  for (int k = 0; k < d.L; ++k) {
    std::vector<int32_t> a(d.r * d.l), b(d.r * d.l);
    T_OK(mos_pool_get_indices(pool, k, a.data(), b.data(), d.r * d.l));
    out.push_back(b_side ? b : a);
  }
  mos_pool_free(pool);
  return out;
}

void generated_rules(mos_context_t ctx, const Dims& d, uint64_t seed) {
  const int S = (d.R - d.p) * d.L * d.l, m = (d.r - d.p) * d.l, np = d.p * d.l;
  const auto A = generate(ctx, d, seed, false), B = generate(ctx, d, seed, true);
  for (int k = 0; k < d.L; ++k) {
    for (const auto* v : {&A[k], &B[k]}) {
      std::set<int32_t> shared(v->begin(), v->begin() + m);
      T_CHECK(static_cast<int>(shared.size()) == m, "seed %llu block %d: duplicate shared shards",
              (unsigned long long)seed, k);
      for (int e = 0; e < m; ++e)
        T_CHECK((*v)[e] >= 0 && (*v)[e] < S,
                "seed %llu block %d: shared idx[%d] = %d not in [0, %d)", (unsigned long long)seed,
                k, e, (*v)[e], S);
      for (int e = 0; e < np; ++e)
        T_CHECK((*v)[m + e] == S + k * np + e,
                "seed %llu block %d: private idx[%d] = %d, expected %d", (unsigned long long)seed,
                k, m + e, (*v)[m + e], S + k * np + e);
    }
  }
  // Deterministic per seed; independent across blocks and between A and B (when S leaves room).
  T_CHECK(A == generate(ctx, d, seed, false), "seed %llu: A indices differ between two draws",
          (unsigned long long)seed);
  if (m >= 2 && S >= 8) {
    T_CHECK(A != generate(ctx, d, seed + 1, false), "seeds %llu and %llu drew the same indices",
            (unsigned long long)seed, (unsigned long long)seed + 1);
    bool blocks_differ = false, a_vs_b_differ = false;
    for (int k = 0; k < d.L; ++k) {
      if (k > 0 && !std::equal(A[k].begin(), A[k].begin() + m, A[0].begin())) blocks_differ = true;
      if (A[k] != B[k]) a_vs_b_differ = true;
    }
    if (d.L > 1)
      T_CHECK(blocks_differ, "seed %llu: every block drew the same shards",
              (unsigned long long)seed);
    T_CHECK(a_vs_b_differ, "seed %llu: A and B drew the same shards (no pair dissociation)",
            (unsigned long long)seed);
  }
}

// Over many blocks every public shard is chosen about equally often (a coarse uniformity check).
void roughly_uniform(mos_context_t ctx) {
  const Dims d{8, 8, 400, 4, 1, 0, 2};  // S = 800, 8 draws per block: expected 4 per shard
  const auto A = generate(ctx, d, 77, false);
  const int S = 800;
  std::vector<int> count(S, 0);
  for (const auto& v : A)
    for (int32_t x : v) ++count[x];
  const int lo = *std::min_element(count.begin(), count.end());
  const int hi = *std::max_element(count.begin(), count.end());
  T_CHECK(hi <= 18, "a public shard was drawn %d times (expected about 4)", hi);
  int zero = 0;
  for (int c : count) zero += c == 0;
  T_CHECK(zero < 60, "%d of %d shards never drawn (expected about %d)", zero, S, 15);  // e^-4 * 800
  (void)lo;
}

void config_rules() {
  // {d_in, d_out, L, r, R_eq, p, l, alpha, dropout, expected message fragment}
  struct Case {
    Dims d;
    float alpha, dropout;
    const char* fragment;
  };
  const Case bad[] = {
      {0, 8, 2, 2, 2, 0, 1, 16, 0, "d_in and d_out must be >= 1"},
      {8, 8, 0, 2, 2, 0, 1, 16, 0, "num_blocks (L) must be >= 1"},
      {8, 8, 2, 0, 2, 0, 1, 16, 0, "rank (r) must be >= 1"},
      {8, 8, 2, 2, 0, 0, 1, 16, 0, "equivalent_rank (R_eq) must be >= 1"},
      {8, 8, 2, 2, 2, 3, 1, 16, 0, "0 <= p <= R_eq, got p = 3, R_eq = 2"},
      {8, 8, 2, 2, 2, -1, 1, 16, 0, "0 <= p <= R_eq"},
      {8, 8, 2, 2, 2, 0, 0, 16, 0, "shards_per_vector (l) must be >= 1"},
      {8, 8, 2, 3, 2, 2, 1, 16, 0, "p == R_eq (plain LoRA) requires r == R_eq"},
      {8, 8, 2, 1, 3, 2, 1, 16, 0, "rank (r) must be >= p"},
      {8, 8, 1 << 16, 1, 1 << 16, 0, 1, 16, 0, "more than 2^31 - 1"},
      {8, 8, 2, 9, 4, 1, 2, 16, 0,
       "(r - p) * l = (9 - 1) * 2 = 16 shared shards per block exceed the public region S = (R_eq "
       "- p) * L * l = (4 - 1) * 2 * 2 = 12"},
      {9, 8, 2, 2, 2, 0, 2, 16, 0, "d_in = 9 is not divisible by l = 2"},
      {8, 10, 2, 2, 2, 0, 4, 16, 0, "d_out = 10 is not divisible by l = 4"},
      {8, 8, 2, 2, 2, 0, 1, INFINITY, 0, "alpha must be finite"},
      {8, 8, 2, 2, 2, 0, 1, 16, 1.0f, "0 <= dropout < 1"},
      {8, 8, 2, 2, 2, 0, 1, 16, -0.1f, "0 <= dropout < 1"},
      {8, 8, 2, 2, 2, 0, 1, 16, NAN, "0 <= dropout < 1"},
  };
  mos_context_t ctx = nullptr;
  T_OK(mos_context_create(MOS_BACKEND_CPU, 0, &ctx));
  for (const Case& c : bad) {
    T_STATUS(mos_config_validate(config_of(c.d, c.alpha, c.dropout)), MOS_STATUS_INVALID_ARGUMENT,
             "mos_config_validate: ");
    T_CHECK(std::string(mos_last_error()).find(c.fragment) != std::string::npos,
            "message \"%s\" lacks \"%s\"", mos_last_error(), c.fragment);
    int64_t n = -1;
    T_STATUS(mos_config_param_count(config_of(c.d, c.alpha, c.dropout), &n),
             MOS_STATUS_INVALID_ARGUMENT, "mos_config_param_count: ");
    T_CHECK(n == -1, "a failed mos_config_param_count wrote *out");
    mos_pool_t pool = nullptr;
    T_STATUS(mos_pool_create(ctx, config_of(c.d, c.alpha, c.dropout), &pool),
             MOS_STATUS_INVALID_ARGUMENT, "mos_pool_create: ");
    T_CHECK(pool == nullptr, "a failed mos_pool_create wrote *out");
  }
  // struct_size must be this ABI's sizeof(mos_config_t): a smaller or larger struct is refused
  // before any other field is read.
  for (int32_t size : {0, static_cast<int32_t>(sizeof(mos_config_t)) - 4,
                       static_cast<int32_t>(sizeof(mos_config_t)) + 4, -1}) {
    mos_config_t c = config_of({8, 8, 2, 2, 2, 0, 1});
    c.struct_size = size;
    T_STATUS(mos_config_validate(&c), MOS_STATUS_INVALID_ARGUMENT, "mos_config_validate: ");
    const std::string want = "config->struct_size is " + std::to_string(size);
    T_CHECK(std::string(mos_last_error()).find(want) != std::string::npos,
            "message \"%s\" lacks \"%s\"", mos_last_error(), want.c_str());
  }
  T_STATUS(mos_config_validate(nullptr), MOS_STATUS_NULL_POINTER,
           "mos_config_validate: config is NULL");
  // Boundaries that are valid: (r-p)*l == S, p == R_eq with r == R_eq, p == 0, dropout just < 1.
  T_OK(mos_config_validate(config_of({8, 8, 2, 7, 4, 1, 2})));  // (7-1)*2 = 12 = S
  T_OK(mos_config_validate(config_of({8, 8, 2, 4, 4, 4, 2})));  // plain LoRA
  T_OK(mos_config_validate(config_of({8, 8, 2, 16, 8, 0, 1}, 16, 0.99f)));
  T_OK(mos_config_validate(config_of({4096, 11008, 32, 32, 8, 2, 2}, 16, 0.1f)));
  mos_context_free(ctx);
}

void param_counts() {
  int64_t n = 0;
  struct Proj {
    int d_in, d_out;
  };
  const Proj llama7b[] = {{4096, 4096},  {4096, 4096},  {4096, 4096}, {4096, 4096},
                          {4096, 11008}, {4096, 11008}, {11008, 4096}};
  for (int R : {2, 8}) {
    int64_t total = 0;
    for (const Proj& p : llama7b) {
      // r, p and l do not enter the count; any valid ones do.
      T_OK(mos_config_param_count(config_of({p.d_in, p.d_out, 32, 8, R, 1, 2}), &n));
      total += n;
    }
    const int64_t expected = R == 2 ? 4997120 : 19988480;
    T_CHECK(total == expected, "LLaMA2-7B at R_eq=%d: %lld params, method.md §7 says %lld", R,
            (long long)total, (long long)expected);
  }
  // A pool's own count equals P*s_A + s_B*P = R_eq*L*(d_in+d_out), whatever r, p, l are.
  mos_context_t ctx = nullptr;
  T_OK(mos_context_create(MOS_BACKEND_CPU, 0, &ctx));
  mos_pool_t pool = nullptr;
  T_OK(mos_pool_create(ctx, config_of({64, 176, 4, 8, 4, 2, 2}), &pool));
  T_OK(mos_pool_param_count(pool, &n));
  T_CHECK(n == 4LL * 4 * (64 + 176), "pool param count %lld", (long long)n);
  int64_t len_a = 0, len_b = 0;
  T_OK(mos_pool_array_length(pool, MOS_POOL_A, &len_a));
  T_OK(mos_pool_array_length(pool, MOS_POOL_B, &len_b));
  T_CHECK(n == len_a + len_b, "P*s_A + s_B*P = %lld", (long long)(len_a + len_b));
  mos_pool_free(pool);
  mos_context_free(ctx);
  T_STATUS(mos_config_param_count(config_of({8, 8, 2, 2, 2, 0, 1}), nullptr),
           MOS_STATUS_NULL_POINTER, "mos_config_param_count: ");
}

}  // namespace

int main() {
  mos_context_t ctx = nullptr;
  T_OK(mos_context_create(MOS_BACKEND_CPU, 0, &ctx));
  // {d_in, d_out, L, r, R_eq, p, l}
  generated_rules(ctx, {64, 176, 4, 8, 4, 2, 2}, 1);
  generated_rules(ctx, {16, 16, 6, 4, 2, 1, 1}, 2);        // l = 1
  generated_rules(ctx, {32, 32, 3, 6, 2, 0, 4}, 3);        // p = 0
  generated_rules(ctx, {32, 32, 3, 2, 2, 2, 2}, 4);        // p = R_eq (S = 0: no shared shards)
  generated_rules(ctx, {32, 32, 2, 7, 4, 1, 2}, 5);        // (r-p)*l == S: a full permutation
  generated_rules(ctx, {4096, 4096, 32, 32, 8, 2, 2}, 6);  // LLaMA-sized layout
  roughly_uniform(ctx);
  mos_context_free(ctx);
  config_rules();
  param_counts();
  return t::report("test_routing");
}
