// SPDX-License-Identifier: Apache-2.0
// cuda_decoder_ops: every decoder op of the CUDA backend against the CPU backend's op on the same
// inputs, through mos::Backend itself (the test links libmos's objects), over a table of shapes
// that whole-model tests would not isolate: unaligned and padded head dims up to 256, GQA groups,
// query and key tiles, paged attention across shuffled pages with key splits, long cross-entropy
// rows, embedding gradients with repeated ids, BF16 products on both sides of the streaming
// threshold. Tolerance MOS_TOL_CUDA_VS_CPU_F32 (attention gradients: _DECODER_GRAD); copies,
// gathers and embedding_grad must be bit-identical. A failure prints the seed, shape and worst
// element. Without a usable GPU: skip (77), or fail under MOS_REQUIRE_GPU=1.
// --small: smaller shapes, for the CPU emulator build (cuda_decoder_ops_emulated).
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "backend.h"
#include "bf16_util.h"
#include "common/paged_kv.h"
#include "common/rope_math.h"
#include "error.h"
#include "test_util.h"

namespace {

bool g_small = false;
uint64_t g_seed = 1;

// The same buffers on both backends; freed with the pair.
struct Buf {
  void* c = nullptr;
  void* g = nullptr;
  size_t bytes = 0;
  float* cf() const { return static_cast<float*>(c); }
  float* gf() const { return static_cast<float*>(g); }
  int32_t* ci() const { return static_cast<int32_t*>(c); }
  int32_t* gi() const { return static_cast<int32_t*>(g); }
};

struct Pair {
  std::unique_ptr<mos::Backend> cpu, gpu;
  std::vector<Buf> owned;
  std::mt19937_64 rng{1};
  ~Pair() {
    for (Buf& b : owned) {
      cpu->free(b.c);
      gpu->free(b.g);
    }
  }
  Buf zeros(size_t bytes) {
    Buf b;
    b.bytes = bytes;
    b.c = cpu->alloc(bytes ? bytes : 4);
    b.g = gpu->alloc(bytes ? bytes : 4);
    owned.push_back(b);
    return b;
  }
  template <class T>
  Buf up(const std::vector<T>& v) {
    Buf b = zeros(v.size() * sizeof(T));
    cpu->copy_to_device(b.c, v.data(), b.bytes);
    gpu->copy_to_device(b.g, v.data(), b.bytes);
    return b;
  }
  template <class T>
  void set(const Buf& b, const std::vector<T>& v) {
    cpu->copy_to_device(b.c, v.data(), v.size() * sizeof(T));
    gpu->copy_to_device(b.g, v.data(), v.size() * sizeof(T));
  }
  template <class T>
  std::vector<T> cpu_read(const Buf& b, size_t n) {
    std::vector<T> v(n);
    cpu->copy_to_host(v.data(), b.c, n * sizeof(T));
    return v;
  }
  template <class T>
  std::vector<T> gpu_read(const Buf& b, size_t n) {
    std::vector<T> v(n);
    gpu->copy_to_host(v.data(), b.g, n * sizeof(T));
    return v;
  }
  std::vector<float> rand(size_t n, float lo = -1.0f, float hi = 1.0f) {
    return t::random_floats(rng, n, lo, hi);
  }
  // GPU vs CPU contents of b (n floats) at tol; tol < 0: bit-identical.
  void compare(const char* what, const Buf& b, size_t n, double tol, const std::string& shape) {
    const std::vector<float> c = cpu_read<float>(b, n), g = gpu_read<float>(b, n);
    if (tol < 0) {
      ++t::checks();
      const bool same = std::memcmp(c.data(), g.data(), n * sizeof(float)) == 0;
      if (!same) {
        ++t::failures();
        size_t i = 0;
        while (i < n && std::memcmp(&c[i], &g[i], sizeof(float)) == 0) ++i;
        std::printf(
            "FAIL %s: not bit-identical (seed %llu, shape %s); first difference at %zu: "
            "got %.9g, expected %.9g\n",
            what, (unsigned long long)g_seed, shape.c_str(), i, g[i], c[i]);
      }
      return;
    }
    t::close(what, g, t::to_double(c), tol, g_seed, shape);
  }
};

std::string dims(std::initializer_list<int64_t> v) {
  std::string s = "[";
  for (int64_t x : v) s += (s.size() > 1 ? " x " : "") + std::to_string(x);
  return s + "]";
}

void rmsnorm(Pair& P) {
  const int64_t shapes[][2] = {{1, 5}, {7, 64}, {33, 300}, {70, 2}, {512, 2048}};
  for (const auto& sh : shapes) {
    const int64_t rows = sh[0], cols = sh[1];
    if (g_small && rows * cols > 20000) continue;
    const std::string shape = dims({rows, cols});
    const size_t n = static_cast<size_t>(rows * cols);
    Buf x = P.up(P.rand(n, -2, 2)), w = P.up(P.rand(cols, 0.8f, 1.2f));
    Buf y = P.zeros(n * 4), inv = P.zeros(rows * 4);
    P.cpu->rmsnorm_forward(rows, cols, x.cf(), w.cf(), 1e-5f, y.cf(), inv.cf());
    P.gpu->rmsnorm_forward(rows, cols, x.gf(), w.gf(), 1e-5f, y.gf(), inv.gf());
    P.compare("rmsnorm_forward y", y, n, MOS_TOL_CUDA_VS_CPU_F32, shape);
    P.compare("rmsnorm_forward inv_rms", inv, rows, MOS_TOL_CUDA_VS_CPU_F32, shape);
    Buf dy = P.up(P.rand(n)), dx = P.up(P.rand(n)), dw = P.up(P.rand(cols));
    P.cpu->rmsnorm_backward(rows, cols, x.cf(), w.cf(), inv.cf(), dy.cf(), dx.cf());
    P.gpu->rmsnorm_backward(rows, cols, x.gf(), w.gf(), inv.gf(), dy.gf(), dx.gf());
    P.compare("rmsnorm_backward dx (accumulated)", dx, n, MOS_TOL_CUDA_VS_CPU_F32, shape);
    P.cpu->rmsnorm_weight_grad(rows, cols, x.cf(), inv.cf(), dy.cf(), dw.cf());
    P.gpu->rmsnorm_weight_grad(rows, cols, x.gf(), inv.gf(), dy.gf(), dw.gf());
    P.compare("rmsnorm_weight_grad (accumulated)", dw, cols, MOS_TOL_CUDA_VS_CPU_F32, shape);
    // In place (y == x), as the decoder's step normalizes its gathered rows.
    P.cpu->rmsnorm_forward(rows, cols, x.cf(), w.cf(), 1e-5f, x.cf(), nullptr);
    P.gpu->rmsnorm_forward(rows, cols, x.gf(), w.gf(), 1e-5f, x.gf(), nullptr);
    P.compare("rmsnorm_forward in place", x, n, MOS_TOL_CUDA_VS_CPU_F32, shape);
  }
}

void rope(Pair& P) {
  const int hds[] = {2, 8, 64, 128};
  for (int hd : hds) {
    if (g_small && hd > 64) continue;
    const int64_t tokens = 37, heads = 3, ld = heads * hd + 5;
    const int half = hd / 2;
    const std::string shape = dims({tokens, heads, hd});
    std::vector<int32_t> pos(tokens);
    for (auto& p : pos) p = static_cast<int32_t>(P.rng() % 5000);
    std::vector<float> inv(half);
    for (int i = 0; i < half; ++i) inv[i] = mos::rope::inv_freq_default(i, hd, 500000.0f);
    Buf bp = P.up(pos), bi = P.up(inv), cs = P.zeros(tokens * half * 4),
        sn = P.zeros(tokens * half * 4);
    P.cpu->rope_table(tokens, bp.ci(), half, bi.cf(), cs.cf(), sn.cf());
    P.gpu->rope_table(tokens, bp.gi(), half, bi.gf(), cs.gf(), sn.gf());
    P.compare("rope_table cos", cs, tokens * half, MOS_TOL_CUDA_VS_CPU_F32, shape);
    P.compare("rope_table sin", sn, tokens * half, MOS_TOL_CUDA_VS_CPU_F32, shape);
    Buf x = P.up(P.rand(static_cast<size_t>(tokens * ld)));
    for (bool inverse : {false, true}) {
      // Both sides rotate with the CPU's table: the rotation itself is compared.
      P.cpu->rope_apply(tokens, heads, hd, ld, cs.cf(), sn.cf(), inverse, x.cf());
      P.gpu->copy_to_device(cs.g, P.cpu_read<float>(cs, tokens * half).data(), tokens * half * 4);
      P.gpu->copy_to_device(sn.g, P.cpu_read<float>(sn, tokens * half).data(), tokens * half * 4);
      P.gpu->rope_apply(tokens, heads, hd, ld, cs.gf(), sn.gf(), inverse, x.gf());
      P.compare(inverse ? "rope_apply inverse" : "rope_apply", x, tokens * ld,
                MOS_TOL_CUDA_VS_CPU_F32, shape);
    }
  }
}

void swiglu(Pair& P) {
  const int64_t n = 4099;
  Buf g = P.up(P.rand(n, -8, 8)), u = P.up(P.rand(n)), out = P.zeros(n * 4);
  P.cpu->swiglu_forward(n, g.cf(), u.cf(), out.cf());
  P.gpu->swiglu_forward(n, g.gf(), u.gf(), out.gf());
  P.compare("swiglu_forward", out, n, MOS_TOL_CUDA_VS_CPU_F32, dims({n}));
  Buf d = P.up(P.rand(n)), dup = P.zeros(n * 4);
  // dgate aliases dout, as in the decoder.
  P.cpu->swiglu_backward(n, g.cf(), u.cf(), d.cf(), d.cf(), dup.cf());
  P.gpu->swiglu_backward(n, g.gf(), u.gf(), d.gf(), d.gf(), dup.gf());
  P.compare("swiglu_backward dgate", d, n, MOS_TOL_CUDA_VS_CPU_F32, dims({n}));
  P.compare("swiglu_backward dup", dup, n, MOS_TOL_CUDA_VS_CPU_F32, dims({n}));
}

void embedding(Pair& P) {
  const int64_t colses[] = {3, 64, 301};
  for (int64_t cols : colses) {
    const int64_t V = 50, n = 97;
    const std::string shape = dims({n, cols});
    std::vector<int32_t> ids(n);
    for (int64_t i = 0; i < n; ++i) ids[i] = i % 3 == 0 ? 7 : static_cast<int32_t>(P.rng() % V);
    const std::vector<float> table = P.rand(static_cast<size_t>(V * cols));
    Buf bids = P.up(ids), tf = P.up(table), tb = P.up(t::to_bf16(table));
    Buf out = P.zeros(n * cols * 4);
    P.cpu->embedding(n, bids.ci(), tf.c, MOS_DTYPE_F32, cols, out.cf());
    P.gpu->embedding(n, bids.gi(), tf.g, MOS_DTYPE_F32, cols, out.gf());
    P.compare("embedding F32", out, n * cols, -1, shape);
    P.cpu->embedding(n, bids.ci(), tb.c, MOS_DTYPE_BF16, cols, out.cf());
    P.gpu->embedding(n, bids.gi(), tb.g, MOS_DTYPE_BF16, cols, out.gf());
    P.compare("embedding BF16", out, n * cols, -1, shape);
    // embedding_grad with ids repeating (every third is 7): the CPU's order, bit for bit.
    Buf dtab = P.up(P.rand(static_cast<size_t>(V * cols))), dout = P.up(P.rand(n * cols));
    P.cpu->embedding_grad(n, bids.ci(), cols, dout.cf(), dtab.cf());
    P.gpu->embedding_grad(n, bids.gi(), cols, dout.gf(), dtab.gf());
    P.compare("embedding_grad (repeated ids)", dtab, V * cols, -1, shape);
    // Rows: a permutation of distinct rows for scatter; any rows for gather.
    std::vector<int32_t> perm(V);
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin(), perm.end(), P.rng);
    perm.resize(31);
    Buf rows = P.up(perm), src = P.up(P.rand(static_cast<size_t>(V * cols)));
    Buf dst = P.up(P.rand(static_cast<size_t>(V * cols)));
    P.cpu->gather_rows(31, rows.ci(), cols, src.cf(), out.cf());
    P.gpu->gather_rows(31, rows.gi(), cols, src.gf(), out.gf());
    P.compare("gather_rows", out, 31 * cols, -1, shape);
    P.cpu->scatter_rows(31, rows.ci(), cols, src.cf(), dst.cf());
    P.gpu->scatter_rows(31, rows.gi(), cols, src.gf(), dst.gf());
    P.compare("scatter_rows", dst, V * cols, -1, shape);
  }
}

void cross_entropy(Pair& P) {
  const int64_t shapes[][2] = {{1, 1}, {3, 7}, {5, 1000}, {2, 70001}, {64, 32000}};
  for (const auto& sh : shapes) {
    const int64_t rows = sh[0], vocab = sh[1];
    if (g_small && rows * vocab > 150000) continue;
    const std::string shape = dims({rows, vocab});
    std::vector<int32_t> tg(rows);
    for (auto& x : tg) x = static_cast<int32_t>(P.rng() % vocab);
    const std::vector<float> logits = P.rand(static_cast<size_t>(rows * vocab), -12, 12);
    Buf bt = P.up(tg), bl = P.up(logits), loss = P.zeros(rows * 8);
    for (bool grad : {false, true}) {
      P.set(bl, logits);
      P.cpu->cross_entropy(rows, vocab, bt.ci(), bl.cf(), static_cast<double*>(loss.c), grad,
                           0.37f);
      P.gpu->cross_entropy(rows, vocab, bt.gi(), bl.gf(), static_cast<double*>(loss.g), grad,
                           0.37f);
      const std::vector<double> lc = P.cpu_read<double>(loss, rows),
                                lg = P.gpu_read<double>(loss, rows);
      t::close(grad ? "cross_entropy loss (with grad)" : "cross_entropy loss", lg, lc,
               MOS_TOL_CUDA_VS_CPU_F32, g_seed, shape);
      P.compare(grad ? "cross_entropy gradient" : "cross_entropy logits untouched", bl,
                rows * vocab, grad ? MOS_TOL_CUDA_VS_CPU_F32 : -1, shape);
    }
  }
}

void gemm_bf16(Pair& P) {
  const int64_t shapes[][3] = {{1, 5, 7},     {3, 33, 16},   {8, 70, 64},   {9, 17, 40},
                               {2, 600, 520}, {40, 300, 96}, {5, 2000, 48}, {64, 4096, 1024}};
  for (const auto& sh : shapes) {
    const int64_t m = sh[0], n = sh[1], k = sh[2];
    if (g_small && m * n * k > 2000000) continue;
    for (int padded = 0; padded < 2; ++padded) {
      const int64_t ldx = k + padded * 3, ldy = n + padded, lddx = k + padded;
      const std::string shape = dims({m, n, k}) + (padded ? " padded" : "");
      Buf w = P.up(t::to_bf16(P.rand(static_cast<size_t>(n * k))));
      Buf x = P.up(P.rand(static_cast<size_t>(m * ldx))),
          y = P.up(P.rand(static_cast<size_t>(m * ldy)));
      Buf sc = P.zeros(4 * std::max(P.cpu->gemm_bf16_scratch_floats(m, n, k), int64_t{1}));
      Buf sg = P.zeros(4 * std::max(P.gpu->gemm_bf16_scratch_floats(m, n, k), int64_t{1}));
      const uint16_t* wc = static_cast<const uint16_t*>(w.c);
      const uint16_t* wg = static_cast<const uint16_t*>(w.g);
      for (float beta : {0.0f, 0.5f}) {
        P.cpu->gemm_bf16_nt(m, n, k, x.cf(), ldx, wc, beta, y.cf(), ldy, sc.cf());
        P.gpu->gemm_bf16_nt(m, n, k, x.gf(), ldx, wg, beta, y.gf(), ldy, sg.gf());
        P.compare(beta == 0 ? "gemm_bf16_nt" : "gemm_bf16_nt beta", y, m * ldy,
                  MOS_TOL_CUDA_VS_CPU_F32, shape);
        Buf dy = P.up(P.rand(static_cast<size_t>(m * ldy))),
            dx = P.up(P.rand(static_cast<size_t>(m * lddx)));
        P.cpu->gemm_bf16_nn(m, n, k, dy.cf(), ldy, wc, beta, dx.cf(), lddx, sc.cf());
        P.gpu->gemm_bf16_nn(m, n, k, dy.gf(), ldy, wg, beta, dx.gf(), lddx, sg.gf());
        P.compare(beta == 0 ? "gemm_bf16_nn" : "gemm_bf16_nn beta", dx, m * lddx,
                  MOS_TOL_CUDA_VS_CPU_F32, shape);
      }
    }
  }
}

struct AttnCase {
  int heads, kv_heads, hd;
  std::vector<int> lens;
};

void attention(Pair& P) {
  const AttnCase cases[] = {{2, 1, 2, {1, 3}},    {4, 2, 6, {5, 17, 1}}, {3, 3, 8, {40}},
                            {6, 2, 32, {70, 33}}, {4, 1, 64, {50, 2}},   {2, 2, 100, {37}},
                            {2, 1, 128, {45}},    {2, 2, 256, {20, 3}},  {8, 2, 64, {300}}};
  for (const AttnCase& a : cases) {
    const int64_t work = std::accumulate(a.lens.begin(), a.lens.end(), int64_t{0},
                                         [](int64_t s, int l) { return s + int64_t{l} * l; }) *
                         a.heads * a.hd;
    if (g_small && (work > 2000000 || a.hd > 128)) continue;
    const int S = static_cast<int>(a.lens.size());
    std::vector<int32_t> starts(S + 1, 0);
    for (int s = 0; s < S; ++s) starts[s + 1] = starts[s] + a.lens[s];
    const int64_t T = starts[S];
    const int max_len = *std::max_element(a.lens.begin(), a.lens.end());
    const int64_t Q = int64_t{a.heads} * a.hd, KV = int64_t{a.kv_heads} * a.hd;
    std::string shape = "heads " + std::to_string(a.heads) + "/" + std::to_string(a.kv_heads) +
                        " hd " + std::to_string(a.hd) + " lens";
    for (int l : a.lens) (shape += ' ') += std::to_string(l);
    const float scale = 1.0f / std::sqrt(static_cast<float>(a.hd));
    Buf bs = P.up(starts);
    Buf q = P.up(P.rand(T * Q, -2, 2)), k = P.up(P.rand(T * KV, -2, 2)), v = P.up(P.rand(T * KV));
    Buf out = P.zeros(T * Q * 4), lse = P.zeros(T * a.heads * 4);
    Buf sc = P.zeros(4 * std::max<int64_t>(P.cpu->attention_scratch_floats(max_len, a.hd), 1));
    Buf sg = P.zeros(4 * std::max<int64_t>(P.gpu->attention_scratch_floats(max_len, a.hd), 1));
    P.cpu->attention_forward(S, bs.ci(), max_len, a.heads, a.kv_heads, a.hd, scale, q.cf(), k.cf(),
                             v.cf(), out.cf(), lse.cf(), sc.cf());
    P.gpu->attention_forward(S, bs.gi(), max_len, a.heads, a.kv_heads, a.hd, scale, q.gf(), k.gf(),
                             v.gf(), out.gf(), lse.gf(), sg.gf());
    P.compare("attention_forward out", out, T * Q, MOS_TOL_CUDA_VS_CPU_F32, shape);
    P.compare("attention_forward lse", lse, T * a.heads, MOS_TOL_CUDA_VS_CPU_F32, shape);
    // Backward from the CPU's out and lse on both sides: the gradients alone are compared.
    P.gpu->copy_to_device(out.g, P.cpu_read<float>(out, T * Q).data(), T * Q * 4);
    P.gpu->copy_to_device(lse.g, P.cpu_read<float>(lse, T * a.heads).data(), T * a.heads * 4);
    Buf dout = P.up(P.rand(T * Q)), dq = P.zeros(T * Q * 4), dk = P.up(P.rand(T * KV)),
        dv = P.up(P.rand(T * KV));  // overwritten
    P.cpu->attention_backward(S, bs.ci(), max_len, a.heads, a.kv_heads, a.hd, scale, q.cf(), k.cf(),
                              v.cf(), out.cf(), lse.cf(), dout.cf(), dq.cf(), dk.cf(), dv.cf(),
                              sc.cf());
    P.gpu->attention_backward(S, bs.gi(), max_len, a.heads, a.kv_heads, a.hd, scale, q.gf(), k.gf(),
                              v.gf(), out.gf(), lse.gf(), dout.gf(), dq.gf(), dk.gf(), dv.gf(),
                              sg.gf());
    P.compare("attention_backward dq", dq, T * Q, MOS_TOL_CUDA_VS_CPU_DECODER_GRAD, shape);
    P.compare("attention_backward dk", dk, T * KV, MOS_TOL_CUDA_VS_CPU_DECODER_GRAD, shape);
    P.compare("attention_backward dv", dv, T * KV, MOS_TOL_CUDA_VS_CPU_DECODER_GRAD, shape);
  }
}

struct PagedCase {
  int heads, kv_heads, hd;
  std::vector<int> ctx, fresh;  // per sequence: cached tokens (the new ones included), new rows
};

void paged(Pair& P) {
  const PagedCase cases[] = {
      {4, 2, 8, {1, 16, 17, 40}, {1, 1, 1, 1}},  // decode across page boundaries
      {4, 2, 6, {5, 33, 150}, {5, 17, 3}},       // prefill chunks; 150 keys: splits
      {2, 2, 8, {300}, {1}},                     // one decode row over many pages: splits
      {8, 1, 32, {200, 7}, {2, 7}},              // GQA 8 per KV head: 16 decode rows
      {6, 3, 64, {129, 64}, {40, 1}},            // tiles and decode in one step
      {4, 4, 128, {257}, {1}},
      {4, 2, 256, {90, 30}, {1, 30}}};
  for (const PagedCase& c : cases) {
    if (g_small && c.hd > 64) continue;
    const int S = static_cast<int>(c.ctx.size());
    const int64_t Q = int64_t{c.heads} * c.hd, KV = int64_t{c.kv_heads} * c.hd;
    int max_q = 0, max_ctx = 0, max_pages = 1, total_pages = 0;
    for (int s = 0; s < S; ++s) {
      max_q = std::max(max_q, c.fresh[s]);
      max_ctx = std::max(max_ctx, c.ctx[s]);
      max_pages = std::max(max_pages, mos::kv::pages_for(c.ctx[s]));
      total_pages += mos::kv::pages_for(c.ctx[s]);
    }
    const int64_t num_pages = total_pages + 3;
    std::vector<int32_t> pages(num_pages);
    std::iota(pages.begin(), pages.end(), 0);
    std::shuffle(pages.begin(), pages.end(), P.rng);
    std::vector<int32_t> tables(static_cast<size_t>(S) * max_pages, 0), slots, q_starts(S + 1, 0);
    int used = 0;
    for (int s = 0; s < S; ++s) {
      for (int p = 0; p < mos::kv::pages_for(c.ctx[s]); ++p)
        tables[s * max_pages + p] = pages[used++];
      for (int j = 0; j < c.ctx[s]; ++j)
        slots.push_back(static_cast<int32_t>(mos::kv::slot_of(&tables[s * max_pages], j)));
      q_starts[s + 1] = q_starts[s] + c.fresh[s];
    }
    const int64_t all = static_cast<int64_t>(slots.size()), T = q_starts[S];
    std::string shape = "heads " + std::to_string(c.heads) + "/" + std::to_string(c.kv_heads) +
                        " hd " + std::to_string(c.hd) + " ctx/new";
    for (int s = 0; s < S; ++s)
      (((shape += ' ') += std::to_string(c.ctx[s])) += '/') += std::to_string(c.fresh[s]);
    const int64_t cache_floats = mos::kv::layer_floats(num_pages, c.kv_heads, c.hd);
    Buf cache = P.zeros(cache_floats * 4), bslots = P.up(slots);
    Buf k = P.up(P.rand(all * KV, -2, 2)), v = P.up(P.rand(all * KV));
    P.cpu->kv_cache_write(all, bslots.ci(), c.kv_heads, c.hd, k.cf(), v.cf(), cache.cf(),
                          num_pages);
    P.gpu->kv_cache_write(all, bslots.gi(), c.kv_heads, c.hd, k.gf(), v.gf(), cache.gf(),
                          num_pages);
    P.compare("kv_cache_write", cache, cache_floats, -1, shape);
    Buf bq = P.up(q_starts), bctx = P.up(c.ctx), btab = P.up(tables);
    Buf q = P.up(P.rand(T * Q, -2, 2)), out = P.zeros(T * Q * 4);
    const int64_t fc =
        P.cpu->paged_attention_scratch_floats(max_q, max_ctx, c.heads, c.kv_heads, c.hd);
    const int64_t fg =
        P.gpu->paged_attention_scratch_floats(max_q, max_ctx, c.heads, c.kv_heads, c.hd);
    Buf sc = P.zeros(4 * std::max<int64_t>(fc, 1)), sg = P.zeros(4 * std::max<int64_t>(fg, 1));
    const float scale = 1.0f / std::sqrt(static_cast<float>(c.hd));
    P.cpu->paged_attention(S, bq.ci(), bctx.ci(), btab.ci(), max_pages, max_q, max_ctx, c.heads,
                           c.kv_heads, c.hd, scale, q.cf(), cache.cf(), num_pages, out.cf(),
                           sc.cf());
    P.gpu->paged_attention(S, bq.gi(), bctx.gi(), btab.gi(), max_pages, max_q, max_ctx, c.heads,
                           c.kv_heads, c.hd, scale, q.gf(), cache.gf(), num_pages, out.gf(),
                           sg.gf());
    P.compare("paged_attention", out, T * Q, MOS_TOL_CUDA_VS_CPU_F32, shape);
  }
}

}  // namespace

int main(int argc, char** argv) {
  g_small = argc > 1 && std::strcmp(argv[1], "--small") == 0;
  int skip_code = 0;
  if (!t::cuda_usable("cuda_decoder_ops", &skip_code)) return skip_code;
  Pair P;
  try {
    P.cpu = mos::make_cpu_backend();
    P.gpu = mos::make_cuda_backend(0);
    struct Op {
      const char* name;
      void (*run)(Pair&);
    };
    const Op ops[] = {{"rmsnorm", rmsnorm},
                      {"rope", rope},
                      {"swiglu", swiglu},
                      {"embedding", embedding},
                      {"cross_entropy", cross_entropy},
                      {"gemm_bf16", gemm_bf16},
                      {"attention", attention},
                      {"paged_attention", paged}};
    for (const Op& op : ops) {
      const int before = t::failures();
      op.run(P);
      std::printf("%-16s %s\n", op.name, t::failures() == before ? "ok" : "FAILED");
    }
  } catch (const mos::Error& e) {
    ++t::failures();
    std::printf("FAIL: mos::Error %d: %s\n", static_cast<int>(e.status()), e.what());
  }
  return t::report("cuda_decoder_ops");
}
