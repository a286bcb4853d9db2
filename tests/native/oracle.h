// SPDX-License-Identifier: Apache-2.0
// oracle.h: a double-precision dense reference for MoS, written from docs/method.md alone (it includes
// nothing of native/src/common): closed-form assembly (§3), forward (§4), backward + scatter (§5), dropout.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

namespace oracle {

using Vec = std::vector<double>;

struct Cfg {
  int d_in, d_out, L, r, R, p, l;
  double alpha, dropout;
  int P() const { return R * L * l; }
  int S() const { return (R - p) * L * l; }
  int sa() const { return d_in / l; }
  int sb() const { return d_out / l; }
  double scale() const { return alpha / r; }
};

// A_k[j, i*s_A + t] = pool_A[idx[j*l + i], t]      (pool_A is [P x s_A], row-major)
inline Vec assemble_a(const Vec& pool_a, const std::vector<int32_t>& idx, const Cfg& c) {
  Vec a(static_cast<size_t>(c.r) * c.d_in);
  for (int j = 0; j < c.r; ++j)
    for (int i = 0; i < c.l; ++i)
      for (int t = 0; t < c.sa(); ++t)
        a[j * c.d_in + i * c.sa() + t] = pool_a[static_cast<size_t>(idx[j * c.l + i]) * c.sa() + t];
  return a;
}

// B_k[i*s_B + t, j] = pool_B[t, idx[j*l + i]]      (pool_B is [s_B x P], row-major)
inline Vec assemble_b(const Vec& pool_b, const std::vector<int32_t>& idx, const Cfg& c) {
  Vec b(static_cast<size_t>(c.d_out) * c.r);
  for (int j = 0; j < c.r; ++j)
    for (int i = 0; i < c.l; ++i)
      for (int t = 0; t < c.sb(); ++t)
        b[(i * c.sb() + t) * c.r + j] = pool_b[static_cast<size_t>(t) * c.P() + idx[j * c.l + i]];
  return b;
}

// The documented counter-based mask, re-implemented: SplitMix64 finalizer keyed by
// (seed, stream = 0x2002 ^ (counter << 16), element), 24-bit uniform, keep iff u >= rate.
inline uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
inline uint64_t key3(uint64_t seed, uint64_t stream, uint64_t ctr) {
  uint64_t h = mix(seed + 0x9e3779b97f4a7c15ULL);
  h = mix(h ^ (stream + 0x632be59bd9b4e019ULL));
  return mix(h ^ (ctr + 0x85157af5b2a0f1c3ULL));
}
// Per element: 0 (dropped) or 1/(1-rate) (kept); all ones when rate == 0.
inline Vec dropout_factor(uint64_t seed, uint64_t counter, size_t n, float rate) {
  Vec f(n, 1.0);
  if (rate <= 0.0f) return f;
  for (size_t e = 0; e < n; ++e) {
    const float u = static_cast<float>(key3(seed, 0x2002 ^ (counter << 16), e) >> 40) / 16777216.0f;
    f[e] = u >= rate ? 1.0 / (1.0 - static_cast<double>(rate)) : 0.0;
  }
  return f;
}

// C[m x n] = op(A) op(B) in double, row-major.
inline Vec matmul(const Vec& a, bool ta, const Vec& b, bool tb, int m, int n, int k) {
  Vec c(static_cast<size_t>(m) * n, 0.0);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      double s = 0.0;
      for (int p = 0; p < k; ++p)
        s += (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
      c[i * n + j] = s;
    }
  return c;
}

struct Layer {
  Cfg c;
  Vec a, b;     // A_k [r x d_in], B_k [d_out x r]
  Vec w, bias;  // W [d_out x d_in] (empty: none), bias [d_out] (empty: none)
};

struct Forward {
  Vec y, u, xd;  // y [N x d_out], u [N x r], x_d [N x d_in]
};

// full: y = x W^T + bias + s u B^T; else y = y0 + s u B^T (y0 may be empty = zeros).
inline Forward forward(const Layer& L, const Vec& x, int N, const Vec& drop, bool full,
                       const Vec& y0 = {}) {
  const Cfg& c = L.c;
  Forward f;
  f.xd.resize(x.size());
  for (size_t e = 0; e < x.size(); ++e) f.xd[e] = x[e] * drop[e];
  f.u = matmul(f.xd, false, L.a, true, N, c.r, c.d_in);
  const Vec delta = matmul(f.u, false, L.b, true, N, c.d_out, c.r);
  f.y.assign(static_cast<size_t>(N) * c.d_out, 0.0);
  if (full) {
    f.y = matmul(x, false, L.w, true, N, c.d_out, c.d_in);
    if (!L.bias.empty())
      for (int i = 0; i < N; ++i)
        for (int o = 0; o < c.d_out; ++o) f.y[i * c.d_out + o] += L.bias[o];
  } else if (!y0.empty()) {
    f.y = y0;
  }
  for (size_t e = 0; e < f.y.size(); ++e) f.y[e] += c.scale() * delta[e];
  return f;
}

struct Backward {
  Vec da, db, dx;  // dA_k [r x d_in], dB_k [d_out x r], dx [N x d_in]
};

// method.md §5. full: dx = dy W + ((du A) . drop); else dx = dx0 + ((du A) . drop).
inline Backward backward(const Layer& L, const Forward& f, const Vec& dy, int N, const Vec& drop,
                         bool full, const Vec& dx0 = {}) {
  const Cfg& c = L.c;
  const double s = c.scale();
  Backward g;
  g.db = matmul(dy, true, f.u, false, c.d_out, c.r, N);
  for (auto& v : g.db) v *= s;
  Vec du = matmul(dy, false, L.b, false, N, c.r, c.d_out);
  for (auto& v : du) v *= s;
  g.da = matmul(du, true, f.xd, false, c.r, c.d_in, N);
  Vec adapter = matmul(du, false, L.a, false, N, c.d_in, c.r);
  if (full) {
    g.dx = matmul(dy, false, L.w, false, N, c.d_in, c.d_out);
  } else {
    g.dx = dx0.empty() ? Vec(static_cast<size_t>(N) * c.d_in, 0.0) : dx0;
  }
  for (size_t e = 0; e < g.dx.size(); ++e) g.dx[e] += adapter[e] * drop[e];
  return g;
}

// dpool_A[idx[j*l+i], t] += dA[j, i*s_A + t];  dpool_B[t, idx[j*l+i]] += dB[i*s_B + t, j].
inline void scatter(const Cfg& c, const Backward& g, const std::vector<int32_t>& idx_a,
                    const std::vector<int32_t>& idx_b, Vec& grad_a, Vec& grad_b) {
  for (int j = 0; j < c.r; ++j)
    for (int i = 0; i < c.l; ++i) {
      for (int t = 0; t < c.sa(); ++t)
        grad_a[static_cast<size_t>(idx_a[j * c.l + i]) * c.sa() + t] +=
            g.da[j * c.d_in + i * c.sa() + t];
      for (int t = 0; t < c.sb(); ++t)
        grad_b[static_cast<size_t>(t) * c.P() + idx_b[j * c.l + i]] +=
            g.db[(i * c.sb() + t) * c.r + j];
    }
}

}  // namespace oracle
