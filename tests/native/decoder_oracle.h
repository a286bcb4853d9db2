// SPDX-License-Identifier: Apache-2.0
// decoder_oracle.h: a double-precision Llama decoder (HF LlamaForCausalLM) with MoS adapters,
// written from Hugging Face's conventions for the decoder tests; it shares no code with libmos.
// Everything is double except what HF itself computes in float32 whatever the model's dtype: the
// RoPE inverse frequencies and angles (then cos / sin of the f32 angle).
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "oracle.h"

namespace dor {

using Vec = std::vector<double>;

struct Config {
  int V, H, I, L, heads, kv_heads, hd;
  double eps;
  float theta;
  bool llama3 = false;
  float factor = 0, low = 0, high = 0;
  int original_max = 0;
  bool qkv_bias = false, o_bias = false, tied = false;
  int Q() const { return heads * hd; }
  int KV() const { return kv_heads * hd; }
};

enum { kQ, kK, kV, kO, kGate, kUp, kDown, kProj };
inline int proj_in(const Config& c, int p) { return p == kO ? c.Q() : p == kDown ? c.I : c.H; }
inline int proj_out(const Config& c, int p) {
  return p == kQ ? c.Q() : (p == kK || p == kV) ? c.KV() : (p == kGate || p == kUp) ? c.I : c.H;
}

struct Block {
  Vec in_norm, post_norm;
  Vec w[kProj], bias[kProj];  // W [out x in]; bias [out] or empty
};
struct Weights {
  Vec embed, lm_head, norm;  // lm_head empty when tied
  std::vector<Block> blocks;
};

// One projection's adapter: dense A_k [r x d_in], B_k [d_out x r] per block (from the pools by the
// method.md's closed form, oracle.h), its scaling alpha/r and dropout rate.
struct Adapter {
  bool on = false;
  int r = 0;
  double scale = 0.0;
  float dropout = 0.0f;
  std::vector<Vec> a, b;  // per block
};
struct Adapters {
  Adapter p[kProj];
  bool train = false;  // dropout applies
  uint64_t seed = 0, counter = 0;
};

// HF's inv_freq in f32 (_compute_default_rope_parameters, _compute_llama3_parameters).
inline std::vector<float> inv_freq(const Config& c) {
  std::vector<float> f(static_cast<size_t>(c.hd / 2));
  for (int i = 0; i < c.hd / 2; ++i) {
    const float e = static_cast<float>(2 * i) / static_cast<float>(c.hd);
    f[i] =
        1.0f / static_cast<float>(std::pow(static_cast<double>(c.theta), static_cast<double>(e)));
    if (!c.llama3) continue;
    const double old_ctx = c.original_max;
    const float low_wl = static_cast<float>(old_ctx / c.low);
    const float high_wl = static_cast<float>(old_ctx / c.high);
    const float wavelen = (1.0f / f[i]) * static_cast<float>(2 * M_PI);
    float v = wavelen > low_wl ? f[i] / c.factor : f[i];
    const float smooth = ((1.0f / wavelen) * static_cast<float>(old_ctx) - c.low) /
                         static_cast<float>(static_cast<double>(c.high) - c.low);
    const float smoothed = (1.0f - smooth) * v / c.factor + smooth * v;
    if (!(wavelen < high_wl) && !(wavelen > low_wl)) v = smoothed;
    f[i] = v;
  }
  return f;
}

// The mask factor (0 or 1/(1-rate)) of element e of a projection's input [T x d_in] in a pass:
// mos.h's decoder dropout, keyed by (seed, counter, block, projection).
inline double drop_factor(const Adapters& ad, int block, int proj, size_t e) {
  const float rate = ad.p[proj].dropout;
  if (!ad.train || rate <= 0.0f) return 1.0;
  const uint64_t seed = oracle::key3(ad.seed, 0x5005, static_cast<uint64_t>(block) * 8 + proj);
  const float u =
      static_cast<float>(oracle::key3(seed, 0x2002 ^ (ad.counter << 16), e) >> 40) / 16777216.0f;
  return u >= rate ? 1.0 / (1.0 - static_cast<double>(rate)) : 0.0;
}

inline Vec rmsnorm(const Vec& x, int rows, int cols, const Vec& w, double eps) {
  Vec y(x.size());
  for (int i = 0; i < rows; ++i) {
    double ss = 0;
    for (int j = 0; j < cols; ++j) ss += x[i * cols + j] * x[i * cols + j];
    const double r = 1.0 / std::sqrt(ss / cols + eps);
    for (int j = 0; j < cols; ++j) y[i * cols + j] = w[j] * x[i * cols + j] * r;
  }
  return y;
}

// y [T x out] = x W^T + bias + adapter delta (x: the projection's input over the whole pass).
inline Vec project(const Config& c, const Block& bw, const Adapters& ad, int block, int p,
                   const Vec& x, int T) {
  const int in = proj_in(c, p), out = proj_out(c, p);
  Vec y = oracle::matmul(x, false, bw.w[p], true, T, out, in);
  if (!bw.bias[p].empty())
    for (int t = 0; t < T; ++t)
      for (int o = 0; o < out; ++o) y[t * out + o] += bw.bias[p][o];
  const Adapter& a = ad.p[p];
  if (!a.on) return y;
  Vec xd(x.size());
  for (size_t e = 0; e < x.size(); ++e) xd[e] = x[e] * drop_factor(ad, block, p, e);
  const Vec u = oracle::matmul(xd, false, a.a[block], true, T, a.r, in);
  const Vec d = oracle::matmul(u, false, a.b[block], true, T, out, a.r);
  for (size_t e = 0; e < y.size(); ++e) y[e] += a.scale * d[e];
  return y;
}

// Final hidden states (after model.norm) [T x H] of a packed batch; positions from 0 per sequence.
inline Vec hidden(const Config& c, const Weights& w, const Adapters& ad,
                  const std::vector<int>& lengths, const std::vector<int>& tokens) {
  const int T = static_cast<int>(tokens.size()), H = c.H, hd = c.hd, half = hd / 2;
  Vec h(static_cast<size_t>(T) * H);
  for (int t = 0; t < T; ++t)
    for (int j = 0; j < H; ++j) h[t * H + j] = w.embed[static_cast<size_t>(tokens[t]) * H + j];
  std::vector<int> pos(T), start(T);
  for (int s = 0, t = 0; s < static_cast<int>(lengths.size()); ++s)
    for (int j = 0; j < lengths[s]; ++j, ++t) {
      pos[t] = j;
      start[t] = t - j;
    }
  const std::vector<float> inv = inv_freq(c);
  Vec cs(static_cast<size_t>(T) * half), sn(cs.size());
  for (int t = 0; t < T; ++t)
    for (int i = 0; i < half; ++i) {
      const float angle = static_cast<float>(pos[t]) * inv[i];  // f32, as HF
      cs[t * half + i] =
          static_cast<double>(static_cast<float>(std::cos(static_cast<double>(angle))));
      sn[t * half + i] =
          static_cast<double>(static_cast<float>(std::sin(static_cast<double>(angle))));
    }
  auto rope = [&](Vec& x, int nh) {
    for (int t = 0; t < T; ++t)
      for (int hh = 0; hh < nh; ++hh) {
        double* v = &x[static_cast<size_t>(t) * nh * hd + hh * hd];
        for (int i = 0; i < half; ++i) {
          const double a = v[i], b = v[i + half];
          v[i] = a * cs[t * half + i] - b * sn[t * half + i];
          v[i + half] = b * cs[t * half + i] + a * sn[t * half + i];
        }
      }
  };
  const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
  const int group = c.heads / c.kv_heads;
  for (int b = 0; b < c.L; ++b) {
    const Block& bw = w.blocks[b];
    const Vec n1 = rmsnorm(h, T, H, bw.in_norm, c.eps);
    Vec q = project(c, bw, ad, b, kQ, n1, T);
    Vec k = project(c, bw, ad, b, kK, n1, T);
    const Vec v = project(c, bw, ad, b, kV, n1, T);
    rope(q, c.heads);
    rope(k, c.kv_heads);
    Vec o(static_cast<size_t>(T) * c.Q(), 0.0);
    for (int t = 0; t < T; ++t)
      for (int hh = 0; hh < c.heads; ++hh) {
        const int g = hh / group;
        std::vector<double> s;
        double m = -1e300;
        for (int u = start[t]; u <= t; ++u) {
          double d = 0;
          for (int e = 0; e < hd; ++e)
            d += q[static_cast<size_t>(t) * c.Q() + hh * hd + e] *
                 k[static_cast<size_t>(u) * c.KV() + g * hd + e];
          s.push_back(d * scale);
          m = std::fmax(m, d * scale);
        }
        double z = 0;
        for (double& x : s) z += (x = std::exp(x - m));
        for (int u = start[t]; u <= t; ++u)
          for (int e = 0; e < hd; ++e)
            o[static_cast<size_t>(t) * c.Q() + hh * hd + e] +=
                s[u - start[t]] / z * v[static_cast<size_t>(u) * c.KV() + g * hd + e];
      }
    const Vec a = project(c, bw, ad, b, kO, o, T);
    for (size_t e = 0; e < h.size(); ++e) h[e] += a[e];
    const Vec n2 = rmsnorm(h, T, H, bw.post_norm, c.eps);
    const Vec gt = project(c, bw, ad, b, kGate, n2, T);
    const Vec up = project(c, bw, ad, b, kUp, n2, T);
    Vec act(gt.size());
    for (size_t e = 0; e < act.size(); ++e) act[e] = gt[e] / (1.0 + std::exp(-gt[e])) * up[e];
    const Vec m = project(c, bw, ad, b, kDown, act, T);
    for (size_t e = 0; e < h.size(); ++e) h[e] += m[e];
  }
  return rmsnorm(h, T, H, w.norm, c.eps);
}

inline Vec logits(const Config& c, const Weights& w, const Adapters& ad,
                  const std::vector<int>& lengths, const std::vector<int>& tokens) {
  const Vec hf = hidden(c, w, ad, lengths, tokens);
  return oracle::matmul(hf, false, c.tied ? w.embed : w.lm_head, true,
                        static_cast<int>(tokens.size()), c.V, c.H);
}

// Sum over positions with targets >= 0 of -ln softmax(logits)[target]; *count their number.
inline double loss(const Config& c, const Weights& w, const Adapters& ad,
                   const std::vector<int>& lengths, const std::vector<int>& tokens,
                   const std::vector<int>& targets, int64_t* count = nullptr) {
  const Vec lg = logits(c, w, ad, lengths, tokens);
  double sum = 0;
  int64_t n = 0;
  for (size_t t = 0; t < tokens.size(); ++t) {
    if (targets[t] < 0) continue;
    const double* row = &lg[t * c.V];
    double m = row[0];
    for (int j = 1; j < c.V; ++j) m = std::fmax(m, row[j]);
    double z = 0;
    for (int j = 0; j < c.V; ++j) z += std::exp(row[j] - m);
    sum += m + std::log(z) - row[targets[t]];
    ++n;
  }
  if (count) *count = n;
  return sum;
}

}  // namespace dor
