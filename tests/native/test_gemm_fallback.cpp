// SPDX-License-Identifier: Apache-2.0
// test_gemm_fallback: the plain blocked SGEMM (used when libmos is built without OpenBLAS) vs a
// double-precision triple loop, all four transpose cases, odd and panel-crossing sizes, several
// alpha/beta (beta = 0 must ignore NaN in C); normwise rel tol MOS_TOL_F32_FORWARD.
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "cpu/gemm_fallback.h"
#include "test_util.h"

namespace {

void one(int m, int n, int k, bool ta, bool tb, float alpha, float beta, int threads,
         uint64_t seed) {
  std::mt19937_64 rng(seed);
  const int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 1, ldc = n + 2;  // padded strides
  const auto a = t::random_floats(rng, static_cast<size_t>(ta ? k : m) * lda);
  const auto b = t::random_floats(rng, static_cast<size_t>(tb ? n : k) * ldb);
  auto c = t::random_floats(rng, static_cast<size_t>(m) * ldc);
  if (beta == 0.0f)
    for (auto& v : c) v = NAN;
  std::vector<double> ref(static_cast<size_t>(m) * n);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      double s = 0;
      for (int p = 0; p < k; ++p)
        s += static_cast<double>(ta ? a[p * lda + i] : a[i * lda + p]) *
             (tb ? b[j * ldb + p] : b[p * ldb + j]);
      ref[i * n + j] =
          alpha * s + (beta == 0.0f ? 0.0 : beta * static_cast<double>(c[i * ldc + j]));
    }
  mos::cpu::gemm_fallback(ta, tb, m, n, k, alpha, a.data(), lda, b.data(), ldb, beta, c.data(), ldc,
                          threads);
  std::vector<float> got(static_cast<size_t>(m) * n);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) got[i * n + j] = c[i * ldc + j];
  const std::string shape = "m=" + std::to_string(m) + " n=" + std::to_string(n) +
                            " k=" + std::to_string(k) + " ta=" + std::to_string(ta) +
                            " tb=" + std::to_string(tb) + " alpha=" + std::to_string(alpha) +
                            " beta=" + std::to_string(beta);
  t::close("gemm_fallback", got, ref, MOS_TOL_F32_FORWARD, seed, shape);
}

}  // namespace

int main() {
  uint64_t seed = 1;
  const int shapes[][3] = {{1, 1, 1},     {7, 5, 3},   {33, 17, 300},
                           {64, 1100, 9}, {5, 3, 600}, {130, 70, 257}};
  for (const auto& s : shapes)
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb) {
        one(s[0], s[1], s[2], ta, tb, 1.0f, 0.0f, 2, seed++);
        one(s[0], s[1], s[2], ta, tb, -0.5f, 1.0f, 1, seed++);
        one(s[0], s[1], s[2], ta, tb, 2.0f, 0.25f, 2, seed++);
      }
  return t::report("test_gemm_fallback");
}
