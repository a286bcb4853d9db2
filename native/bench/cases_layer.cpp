// SPDX-License-Identifier: Apache-2.0
// cases_layer.cpp: the shared building blocks of cases.h and the single-layer cases: 1 (layer
// forward: MoS vs dense LoRA vs the plain product), 2 (adapter-only forward and backward) and the
// native reference of 4 (the forward the Java API is compared with).
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "cases.h"

#ifdef MOS_BENCH_HAVE_CBLAS
#include <cblas.h>
#endif

namespace bench {

MosStack::~MosStack() {
  for (mos_layer_t l : layers) mos_layer_free(l);
  mos_pool_free(pool);
}

MosShape lora_as_mos(const MosShape& s) {
  MosShape o = s;
  o.r_eq = s.r;
  o.p = s.r;
  o.l = 1;
  return o;
}

std::unique_ptr<MosStack> make_mos(mos_context_t ctx, const MosShape& s,
                                   const std::vector<mos_tensor_t>& weights, uint64_t seed) {
  auto m = std::make_unique<MosStack>();
  m->d_in = s.d_in;
  m->d_out = s.d_out;
  m->r = s.r;
  mos_config_t cfg{};
  cfg.struct_size = sizeof(mos_config_t);
  cfg.d_in = s.d_in;
  cfg.d_out = s.d_out;
  cfg.num_blocks = s.num_blocks;
  cfg.rank = s.r;
  cfg.equivalent_rank = s.r_eq;
  cfg.private_rank = s.p;
  cfg.shards_per_vector = s.l;
  cfg.alpha = s.alpha;
  cfg.dropout = 0.0f;
  MB_CHECK(mos_pool_create(ctx, &cfg, &m->pool));
  MB_CHECK(mos_pool_init(m->pool, seed));
  MB_CHECK(mos_pool_generate_indices(m->pool, seed + 1));
  // pool_B starts at zero (method.md §6); give it values so the products are not all zeros.
  int64_t nb = 0;
  MB_CHECK(mos_pool_array_length(m->pool, MOS_POOL_B, &nb));
  std::vector<float> b(static_cast<size_t>(nb));
  fill_uniform(b.data(), nb, seed + 2, 1.0f / std::sqrt(static_cast<float>(s.r)));
  MB_CHECK(mos_pool_write(m->pool, MOS_POOL_B, b.data(), nb));
  for (size_t k = 0; k < weights.size(); ++k) {
    mos_layer_t layer = nullptr;
    MB_CHECK(mos_layer_create(m->pool, static_cast<int32_t>(k), weights[k], nullptr, &layer));
    m->layers.push_back(layer);
  }
  return m;
}

const char* plain_gemm_kind(const Env& e) {
#ifdef MOS_BENCH_HAVE_CBLAS
  if (e.o.backend == MOS_BACKEND_CPU) return "cblas_sgemm (OpenBLAS, called directly)";
#endif
  return e.o.backend == MOS_BACKEND_CPU ? "mos_gemm (library fallback GEMM: no CBLAS in this build)"
                                        : "mos_gemm (cuBLAS)";
}

void plain_gemm(const Env& e, const Mat& x, const Mat& w, Mat& y) {
#ifdef MOS_BENCH_HAVE_CBLAS
  if (x.host) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(x.rows),
                static_cast<int>(w.rows), static_cast<int>(x.cols), 1.0f, x.host,
                static_cast<int>(x.cols), w.host, static_cast<int>(w.cols), 0.0f, y.host,
                static_cast<int>(y.cols));
    return;
  }
#endif
  MB_CHECK(mos_gemm(e.ctx, 0, 1, 1.0f, x.t, w.t, 0.0f, y.t));
}

void print_header(const std::string& title) {
  std::printf("\n== %s\n", title.c_str());
  std::printf("  %-26s %11s %11s %11s %10s\n", "variant", "median ms", "p10 ms", "p90 ms",
              "GFLOP/s");
}

void print_time(const std::string& variant, const Stats& s, double flops) {
  std::printf("  %-26s %11.3f %11.3f %11.3f", variant.c_str(), s.median * 1e3, s.p10 * 1e3,
              s.p90 * 1e3);
  if (flops > 0) std::printf(" %10.1f", flops / s.median * 1e-9);
  std::printf("\n");
}

namespace {

struct Rotor {  // one counter for all variants: consecutive calls never reuse a buffer set
  int k;
  int n = 0;
  int next() { return n++ % k; }
};

void record(Env& e, const std::string& cs, const Measured& m, const std::string& v, double flops) {
  const Stats s = m.of(m.index(v));
  if (s.n == 0) return;  // left out by --only
  e.report.time(cs, v, s);
  if (flops > 0)
    e.report.measure(cs, v, "rate", flops / s.median * 1e-9, flops / s.p90 * 1e-9,
                     flops / s.p10 * 1e-9, "GFLOP/s", s.n);
  print_time(v, s, flops);
}

const MosShape kMos{2048, 2048, 32, 16,
                    4,    1,    2};  // reference shape: r=16, R_eq=4, l=2, p=1 (L = 32)

MosShape shaped(int d_in, int d_out, const Env& e) {
  MosShape s = kMos;
  s.d_in = d_in;
  s.d_out = d_out;
  if (e.o.tiny) s.num_blocks = 8;
  return s;
}

}  // namespace

// ---- case 1 -----------------------------------------------------------------------------------
void case_layer(Env& e) {
  struct Shape {
    int n, d_in, d_out;
  };
  std::vector<Shape> shapes = {{512, 2048, 2048}, {512, 2048, 5504}};
  if (e.o.tiny) shapes = {{16, 64, 96}};
  for (const Shape& sh : shapes) {
    const std::string cs = fmt("layer_fwd_%dx%d", sh.d_in, sh.d_out);
    const MosShape ms = shaped(sh.d_in, sh.d_out, e);
    const int r = ms.r;
    const double set_bytes =
        4.0 * (double(sh.d_in) * sh.d_out + double(sh.n) * (sh.d_in + sh.d_out));
    const int k = rotation_count(e.o, set_bytes);
    std::vector<MatP> ws, xs, ys, as, bs;
    std::vector<mos_tensor_t> wt;
    for (int i = 0; i < k; ++i) {
      ws.push_back(make_mat(e.ctx, sh.d_out, sh.d_in, 100 + i, 1.0f / std::sqrt(float(sh.d_in))));
      xs.push_back(make_mat(e.ctx, sh.n, sh.d_in, 200 + i, 1.0f));
      ys.push_back(make_mat(e.ctx, sh.n, sh.d_out, 0, 0.0f));
      as.push_back(make_mat(e.ctx, r, sh.d_in, 300 + i, 1.0f / std::sqrt(float(sh.d_in))));
      bs.push_back(make_mat(e.ctx, sh.d_out, r, 400 + i, 1.0f / std::sqrt(float(r))));
      wt.push_back(ws.back()->t);
    }
    MatP u = make_mat(e.ctx, sh.n, r, 0, 0.0f);
    MatP ga = make_mat(e.ctx, r, sh.d_in, 0, 0.0f), gb = make_mat(e.ctx, sh.d_out, r, 0, 0.0f);
    auto mos = make_mos(e.ctx, ms, wt, 11);
    auto lora = make_mos(e.ctx, lora_as_mos(ms), wt, 12);
    const float s = ms.alpha / r;
    Rotor rot{k};
    std::vector<Variant> vs;
    vs.push_back({"plain_sgemm", [&](int) {
                    const int i = rot.next();
                    plain_gemm(e, *xs[i], *ws[i], *ys[i]);
                  }});
    vs.push_back({"dense_lora", [&](int) {  // A, B stored dense: no gather; the library's order
                    const int i = rot.next();
                    MB_CHECK(mos_gemm(e.ctx, 0, 1, 1.0f, xs[i]->t, as[i]->t, 0.0f, u->t));
                    MB_CHECK(mos_gemm(e.ctx, 0, 1, 1.0f, xs[i]->t, ws[i]->t, 0.0f, ys[i]->t));
                    MB_CHECK(mos_gemm(e.ctx, 0, 1, s, u->t, bs[i]->t, 1.0f, ys[i]->t));
                  }});
    vs.push_back({"mos", [&](int) {
                    const int i = rot.next();
                    MB_CHECK(
                        mos_layer_forward(mos->layers[i], xs[i]->t, ys[i]->t, MOS_MODE_FULL, 0));
                  }});
    vs.push_back({"lora_as_mos", [&](int) {
                    const int i = rot.next();
                    MB_CHECK(
                        mos_layer_forward(lora->layers[i], xs[i]->t, ys[i]->t, MOS_MODE_FULL, 0));
                  }});
    // A pool caches the assembled A_k, B_k of one block; consecutive calls use different blocks,
    // as a model's blocks do, so each forward above gathers its block's factors: this is that
    // gather alone (information).
    vs.push_back({"mos_gather",
                  [&](int) { MB_CHECK(mos_pool_assemble(mos->pool, rot.next(), ga->t, gb->t)); }});
    const Measured m = run_interleaved(vs, timing_for(e.o, 15, 40), [&] { e.sync(); });
    const double base_flops = 2.0 * sh.n * double(sh.d_in) * sh.d_out;
    const double layer_flops = base_flops + 2.0 * sh.n * double(r) * (sh.d_in + sh.d_out);
    print_header(
        fmt("case 1: layer forward, tokens %d, %d -> %d, MoS r=%d R_eq=%d l=%d p=%d "
            "(L=%d), %d rotating buffer sets",
            sh.n, sh.d_in, sh.d_out, r, ms.r_eq, ms.l, ms.p, ms.num_blocks, k));
    record(e, cs, m, "plain_sgemm", base_flops);
    record(e, cs, m, "dense_lora", layer_flops);
    record(e, cs, m, "mos", layer_flops);
    record(e, cs, m, "lora_as_mos", layer_flops);
    record(e, cs, m, "mos_gather", 0);
    e.report.ratio(cs, "mos/dense_lora time", m.paired_ratio("mos", "dense_lora"), "<=", 1.05,
                   "each forward gathers its block's A_k, B_k, as in a model's forward");
    e.report.ratio(cs, "mos rate / plain_sgemm rate",
                   layer_flops / base_flops * m.paired_ratio("plain_sgemm", "mos"), ">=", 0.85,
                   "layer FLOPs include the adapter's");
    e.report.ratio(cs, "dense_lora rate / plain_sgemm rate",
                   layer_flops / base_flops * m.paired_ratio("plain_sgemm", "dense_lora"),
                   ">=", NAN);
    e.report.ratio(cs, "lora_as_mos/dense_lora time", m.paired_ratio("lora_as_mos", "dense_lora"),
                   "<=", NAN);
  }
}

// ---- case 2 -----------------------------------------------------------------------------------
void case_adapter(Env& e) {
  struct Shape {
    int n, d_in, d_out;
  };
  std::vector<Shape> shapes = {{512, 2048, 2048}, {512, 2048, 5504}};
  if (e.o.tiny) shapes = {{16, 64, 96}};
  for (const Shape& sh : shapes) {
    const std::string cs = fmt("adapter_%dx%d", sh.d_in, sh.d_out);
    const MosShape ms = shaped(sh.d_in, sh.d_out, e);
    const int r = ms.r;
    const float s = ms.alpha / r;
    // Per set: x, dx [N x d_in], y, dy [N x d_out], the dense factors and their gradients.
    const double set_bytes =
        4.0 * (2.0 * sh.n * (sh.d_in + sh.d_out) + 2.0 * r * (sh.d_in + sh.d_out));
    const int k = rotation_count(e.o, set_bytes);
    std::vector<MatP> xs, dxs, ys, dys, as, bs, das, dbs;
    for (int i = 0; i < k; ++i) {
      xs.push_back(make_mat(e.ctx, sh.n, sh.d_in, 200 + i, 1.0f));
      dxs.push_back(make_mat(e.ctx, sh.n, sh.d_in, 0, 0.0f));
      ys.push_back(make_mat(e.ctx, sh.n, sh.d_out, 0, 0.0f));
      dys.push_back(make_mat(e.ctx, sh.n, sh.d_out, 500 + i, 1.0f / sh.n));
      as.push_back(make_mat(e.ctx, r, sh.d_in, 300 + i, 1.0f / std::sqrt(float(sh.d_in))));
      bs.push_back(make_mat(e.ctx, sh.d_out, r, 400 + i, 1.0f / std::sqrt(float(r))));
      das.push_back(make_mat(e.ctx, r, sh.d_in, 0, 0.0f));
      dbs.push_back(make_mat(e.ctx, sh.d_out, r, 0, 0.0f));
    }
    MatP u = make_mat(e.ctx, sh.n, r, 0, 0.0f), du = make_mat(e.ctx, sh.n, r, 0, 0.0f);
    MatP ga = make_mat(e.ctx, r, sh.d_in, 0, 0.0f), gb = make_mat(e.ctx, sh.d_out, r, 0, 0.0f);
    std::vector<mos_tensor_t> none(static_cast<size_t>(k), nullptr);
    auto mos = make_mos(e.ctx, ms, none, 21);
    auto lora = make_mos(e.ctx, lora_as_mos(ms), none, 22);
    Rotor rot{k};
    auto dense_fwd = [&](int i) {
      MB_CHECK(mos_gemm(e.ctx, 0, 1, 1.0f, xs[i]->t, as[i]->t, 0.0f, u->t));  // u = x A^T
      MB_CHECK(mos_gemm(e.ctx, 0, 1, s, u->t, bs[i]->t, 1.0f, ys[i]->t));     // y += s u B^T
    };
    auto dense_bwd = [&](int i) {
      MB_CHECK(mos_gemm(e.ctx, 1, 0, s, dys[i]->t, u->t, 1.0f, dbs[i]->t));     // dB += s dy^T u
      MB_CHECK(mos_gemm(e.ctx, 0, 0, s, dys[i]->t, bs[i]->t, 0.0f, du->t));     // du = s dy B
      MB_CHECK(mos_gemm(e.ctx, 1, 0, 1.0f, du->t, xs[i]->t, 1.0f, das[i]->t));  // dA += du^T x
      MB_CHECK(mos_gemm(e.ctx, 0, 0, 1.0f, du->t, as[i]->t, 1.0f, dxs[i]->t));  // dx += du A
    };
    std::vector<Variant> vs;
    vs.push_back({"dense_lora_fwd", [&](int) { dense_fwd(rot.next()); }});
    vs.push_back({"mos_fwd", [&](int) {
                    const int i = rot.next();
                    MB_CHECK(mos_layer_forward(mos->layers[i], xs[i]->t, ys[i]->t,
                                               MOS_MODE_ADAPTER_ONLY, 0));
                  }});
    vs.push_back({"dense_lora_fwd_bwd", [&](int) {
                    const int i = rot.next();
                    dense_fwd(i);
                    dense_bwd(i);
                  }});
    vs.push_back({"mos_fwd_bwd", [&](int) {
                    const int i = rot.next();
                    MB_CHECK(mos_layer_forward(mos->layers[i], xs[i]->t, ys[i]->t,
                                               MOS_MODE_ADAPTER_ONLY, 1));
                    MB_CHECK(mos_layer_backward(mos->layers[i], xs[i]->t, dys[i]->t, dxs[i]->t,
                                                MOS_MODE_ADAPTER_ONLY));
                  }});
    // A pool keeps the assembled A_k, B_k of one block while it is unchanged. Consecutive calls
    // here use different blocks (the rotation), so every mos forward above gathers its block's
    // factors and its backward reuses them. In a training step the backward of a block runs after
    // the other blocks' forwards, so it gathers again: the judged ratio adds this gather, timed
    // alone.
    vs.push_back({"mos_gather",
                  [&](int) { MB_CHECK(mos_pool_assemble(mos->pool, rot.next(), ga->t, gb->t)); }});
    vs.push_back({"lora_as_mos_fwd_bwd", [&](int) {
                    const int i = rot.next();
                    MB_CHECK(mos_layer_forward(lora->layers[i], xs[i]->t, ys[i]->t,
                                               MOS_MODE_ADAPTER_ONLY, 1));
                    MB_CHECK(mos_layer_backward(lora->layers[i], xs[i]->t, dys[i]->t, dxs[i]->t,
                                                MOS_MODE_ADAPTER_ONLY));
                  }});
    const Measured m = run_interleaved(vs, timing_for(e.o, 25, 30), [&] { e.sync(); });
    const double fwd = 2.0 * sh.n * double(r) * (sh.d_in + sh.d_out);
    const double fwd_bwd = 3.0 * fwd;
    print_header(
        fmt("case 2: adapter only (MOS_MODE_ADAPTER_ONLY), tokens %d, %d -> %d, r=%d "
            "R_eq=%d l=%d p=%d, %d rotating sets",
            sh.n, sh.d_in, sh.d_out, r, ms.r_eq, ms.l, ms.p, k));
    record(e, cs, m, "dense_lora_fwd", fwd);
    record(e, cs, m, "mos_fwd", fwd);
    record(e, cs, m, "dense_lora_fwd_bwd", fwd_bwd);
    record(e, cs, m, "mos_fwd_bwd", fwd_bwd);
    record(e, cs, m, "mos_gather", 0);
    record(e, cs, m, "lora_as_mos_fwd_bwd", fwd_bwd);
    {  // per round: (fwd+bwd + one gather) / dense fwd+bwd, the cost of a training step's layer
      const auto& fb = m.seconds[m.index("mos_fwd_bwd")];
      const auto& g = m.seconds[m.index("mos_gather")];
      const auto& d = m.seconds[m.index("dense_lora_fwd_bwd")];
      std::vector<double> r;
      for (size_t i = 0; i < std::min({fb.size(), g.size(), d.size()}); ++i)
        r.push_back((fb[i] + g[i]) / d[i]);
      e.report.ratio(cs, "mos/dense_lora fwd+bwd time (+1 gather)", stats_of(r).median, "<=", 1.15,
                     "as in a training step: the forward and the backward each gather A_k, B_k");
    }
    e.report.ratio(cs, "mos/dense_lora fwd+bwd time (forward gathers)",
                   m.paired_ratio("mos_fwd_bwd", "dense_lora_fwd_bwd"), "<=", NAN,
                   "a backward right after its forward reuses the factors (a step's last block)");
    e.report.ratio(cs, "mos/dense_lora adapter fwd time",
                   m.paired_ratio("mos_fwd", "dense_lora_fwd"), "<=", NAN,
                   "adapter alone, no base product");
    e.report.ratio(cs, "lora_as_mos/dense_lora fwd+bwd time",
                   m.paired_ratio("lora_as_mos_fwd_bwd", "dense_lora_fwd_bwd"), "<=", NAN);
  }
}

// ---- case 4, native half -------------------------------------------------------------------------
// The Java bench command runs `mos_bench --cases java_ref` and compares its own forward through
// mos-api (same shapes, same rotation) with this median.
void case_java_ref(Env& e) {
  const int n = e.o.tiny ? 8 : 64, d = e.o.tiny ? 64 : 1024;
  const std::string cs = "java_overhead";
  MosShape ms = shaped(d, d, e);
  const double set_bytes = 4.0 * (double(d) * d + 2.0 * n * d);
  const int k = rotation_count(e.o, set_bytes);
  std::vector<MatP> ws, xs, ys;
  std::vector<mos_tensor_t> wt;
  for (int i = 0; i < k; ++i) {
    ws.push_back(make_mat(e.ctx, d, d, 100 + i, 1.0f / std::sqrt(float(d))));
    xs.push_back(make_mat(e.ctx, n, d, 200 + i, 1.0f));
    ys.push_back(make_mat(e.ctx, n, d, 0, 0.0f));
    wt.push_back(ws.back()->t);
  }
  auto mos = make_mos(e.ctx, ms, wt, 31);
  Rotor rot{k};
  std::vector<Variant> vs;
  vs.push_back({"native_c", [&](int) {
                  const int i = rot.next();
                  MB_CHECK(mos_layer_forward(mos->layers[i], xs[i]->t, ys[i]->t, MOS_MODE_FULL, 0));
                }});
  const Measured m = run_interleaved(vs, timing_for(e.o, 41, 10), [&] { e.sync(); });
  print_header(fmt("case 4 (native half): mos_layer_forward, tokens %d, %d -> %d, %d rotating sets",
                   n, d, d, k));
  const double flops = 2.0 * n * double(d) * d + 2.0 * n * double(ms.r) * 2 * d;
  record(e, cs, m, "native_c", flops);
  e.report.value(cs, "native_c", "rotation_sets", k, "count");
}

}  // namespace bench
