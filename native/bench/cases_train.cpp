// SPDX-License-Identifier: Apache-2.0
// cases_train.cpp: case 3 (a full training step of a residual stack of up/down projections:
// MoS vs dense LoRA) and case 6 (peak resident memory of such a step over R_eq x r, each
// configuration measured in a fresh child process). CPU only: the elementwise parts of the model
// (ReLU, residual, loss) run on host memory in this program.
#include <sys/resource.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "cases.h"

namespace bench {

namespace {

// The adapted projections of the stack; the elementwise model code is shared by all variants.
struct Adapters {
  virtual ~Adapters() = default;
  // type 0: up (d -> h), 1: down (h -> d). FULL mode: out = in W^T + adapter.
  virtual void fwd(int type, int k, const Mat& in, Mat& out) = 0;
  // dx = dy W + adapter part (dx may be nullptr); accumulates the adapter's gradients.
  virtual void bwd(int type, int k, const Mat& in, const Mat& dy, Mat* dx) = 0;
  virtual void step() = 0;  // clip, AdamW, zero grads
};

constexpr float kClip = 0.3f;  // the paper's max_grad_norm (method.md §8)

// MoS (or LoRA through MoS with p = R_eq = r): one pool group per projection type, the library's
// layers, clipping and AdamW.
struct MosAdapters : Adapters {
  std::unique_ptr<MosStack> st[2];
  mos_optimizer_t opt = nullptr;
  MosAdapters(mos_context_t ctx, const MosShape& s, int d, int h,
              const std::vector<mos_tensor_t>& w_up, const std::vector<mos_tensor_t>& w_down) {
    MosShape up = s, down = s;
    up.d_in = d;
    up.d_out = h;
    down.d_in = h;
    down.d_out = d;
    st[0] = make_mos(ctx, up, w_up, 41);
    st[1] = make_mos(ctx, down, w_down, 43);
    MB_CHECK(mos_optimizer_create_adamw(ctx, 1e-4f, 0.9f, 0.999f, 1e-8f, 0.0f, &opt));
    MB_CHECK(mos_optimizer_add_pool(opt, st[0]->pool));
    MB_CHECK(mos_optimizer_add_pool(opt, st[1]->pool));
  }
  ~MosAdapters() override { mos_optimizer_free(opt); }
  void fwd(int type, int k, const Mat& in, Mat& out) override {
    MB_CHECK(mos_layer_forward(st[type]->layers[k], in.t, out.t, MOS_MODE_FULL, 1));
  }
  void bwd(int type, int k, const Mat& in, const Mat& dy, Mat* dx) override {
    MB_CHECK(
        mos_layer_backward(st[type]->layers[k], in.t, dy.t, dx ? dx->t : nullptr, MOS_MODE_FULL));
  }
  void step() override {
    MB_CHECK(mos_optimizer_clip_grad_norm(opt, kClip, nullptr));
    MB_CHECK(mos_optimizer_step(opt));
    MB_CHECK(mos_optimizer_zero_grad(opt));
  }
};

// Dense LoRA: per block A [r x d_in], B [d_out x r] stored dense, products through mos_gemm (no
// gather, no scatter), gradients accumulated in place, clipping and AdamW as plain OpenMP loops
// with the formula of mos.h.
struct DenseAdapters : Adapters {
  struct Param {
    MatP w, g, m, v;
  };
  struct Block {
    Param a, b;
    MatP u;  // saved x A^T of the last training forward
  };
  mos_context_t ctx;
  int r;
  float s;
  std::vector<Block> blocks[2];
  const std::vector<mos_tensor_t>* base[2];
  MatP du;
  int64_t t = 0;
  DenseAdapters(mos_context_t c, int n, int d, int h, int num_blocks, int rank, float alpha,
                const std::vector<mos_tensor_t>& w_up, const std::vector<mos_tensor_t>& w_down)
      : ctx(c), r(rank), s(alpha / rank) {
    base[0] = &w_up;
    base[1] = &w_down;
    for (int type = 0; type < 2; ++type) {
      const int din = type == 0 ? d : h, dout = type == 0 ? h : d;
      for (int k = 0; k < num_blocks; ++k) {
        Block bl;
        auto param = [&](int rows, int cols, uint64_t seed, float scale) {
          Param p;
          p.w = make_mat(c, rows, cols, seed, scale);
          p.g = make_mat(c, rows, cols, 0, 0.0f);
          p.m = make_mat(c, rows, cols, 0, 0.0f);
          p.v = make_mat(c, rows, cols, 0, 0.0f);
          return p;
        };
        bl.a = param(r, din, 1000 + 10 * k + type, 1.0f / std::sqrt(float(din)));
        bl.b = param(dout, r, 2000 + 10 * k + type, 1.0f / std::sqrt(float(r)));
        bl.u = make_mat(c, n, r, 0, 0.0f);
        blocks[type].push_back(std::move(bl));
      }
    }
    du = make_mat(c, n, r, 0, 0.0f);
  }
  void fwd(int type, int k, const Mat& in, Mat& out) override {
    Block& b = blocks[type][k];
    MB_CHECK(mos_gemm(ctx, 0, 1, 1.0f, in.t, b.a.w->t, 0.0f, b.u->t));
    MB_CHECK(mos_gemm(ctx, 0, 1, 1.0f, in.t, (*base[type])[k], 0.0f, out.t));
    MB_CHECK(mos_gemm(ctx, 0, 1, s, b.u->t, b.b.w->t, 1.0f, out.t));
  }
  void bwd(int type, int k, const Mat& in, const Mat& dy, Mat* dx) override {
    Block& b = blocks[type][k];
    MB_CHECK(mos_gemm(ctx, 1, 0, s, dy.t, b.u->t, 1.0f, b.b.g->t));    // dB += s dy^T u
    MB_CHECK(mos_gemm(ctx, 0, 0, s, dy.t, b.b.w->t, 0.0f, du->t));     // du = s dy B
    MB_CHECK(mos_gemm(ctx, 1, 0, 1.0f, du->t, in.t, 1.0f, b.a.g->t));  // dA += du^T x
    if (!dx) return;
    MB_CHECK(mos_gemm(ctx, 0, 0, 1.0f, dy.t, (*base[type])[k], 0.0f, dx->t));  // dx = dy W
    MB_CHECK(mos_gemm(ctx, 0, 0, 1.0f, du->t, b.a.w->t, 1.0f, dx->t));         // dx += du A
  }
  template <class F>
  void each(F f) {
    for (auto& type : blocks)
      for (auto& b : type) {
        f(b.a);
        f(b.b);
      }
  }
  void step() override {
    double sq = 0;
    each([&](Param& p) {
      const float* g = p.g->host;
      const int64_t n = p.g->rows * p.g->cols;
      double acc = 0;
#pragma omp parallel for reduction(+ : acc) schedule(static) if (n >= 131072)  // as libmos
      for (int64_t i = 0; i < n; ++i) acc += double(g[i]) * g[i];
      sq += acc;
    });
    const double norm = std::sqrt(sq);
    const float clip = norm > kClip ? float(kClip / (norm + 1e-6)) : 1.0f;
    ++t;
    const float lr = 1e-4f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
    const float bc1 = float(1.0 - std::pow(double(b1), double(t)));
    const float bc2 = float(1.0 - std::pow(double(b2), double(t)));
    each([&](Param& p) {
      float *w = p.w->host, *g = p.g->host, *m = p.m->host, *v = p.v->host;
      const int64_t n = p.w->rows * p.w->cols;
#pragma omp parallel for schedule(static) if (n >= 32768)  // libmos's AdamW threshold
      for (int64_t i = 0; i < n; ++i) {
        const float gi = g[i] * clip;
        m[i] = b1 * m[i] + (1 - b1) * gi;
        v[i] = b2 * v[i] + (1 - b2) * gi * gi;
        w[i] -= lr * (m[i] / bc1) / (std::sqrt(v[i] / bc2) + eps);
        g[i] = 0.0f;  // zero_grad fused into the same pass
      }
    });
  }
};

// The residual stack: x_{k+1} = x_k + down_k(relu(up_k(x_k))), loss 0.5 |x_L - target|^2 / N.
struct Stack {
  int n, d, h, L;
  std::vector<MatP> w_up, w_down;
  std::vector<mos_tensor_t> t_up, t_down;
  std::vector<MatP> x, a, z;  // x: L+1 [N x d]; a (pre-ReLU), z (ReLU) : L [N x h]
  MatP o, g, dx, dz;
  std::vector<MatP> inputs, targets;
  Stack(mos_context_t ctx, int n_, int d_, int h_, int L_, int rot) : n(n_), d(d_), h(h_), L(L_) {
    for (int k = 0; k < L; ++k) {
      w_up.push_back(make_mat(ctx, h, d, 3000 + k, 1.0f / std::sqrt(float(d))));
      w_down.push_back(make_mat(ctx, d, h, 4000 + k, 0.5f / std::sqrt(float(h))));
      t_up.push_back(w_up.back()->t);
      t_down.push_back(w_down.back()->t);
      a.push_back(make_mat(ctx, n, h, 0, 0.0f));
      z.push_back(make_mat(ctx, n, h, 0, 0.0f));
    }
    for (int k = 0; k <= L; ++k) x.push_back(make_mat(ctx, n, d, 0, 0.0f));
    o = make_mat(ctx, n, d, 0, 0.0f);
    g = make_mat(ctx, n, d, 0, 0.0f);
    dx = make_mat(ctx, n, d, 0, 0.0f);
    dz = make_mat(ctx, n, h, 0, 0.0f);
    for (int i = 0; i < rot; ++i) {
      inputs.push_back(make_mat(ctx, n, d, 5000 + i, 1.0f));
      targets.push_back(make_mat(ctx, n, d, 6000 + i, 1.0f));
    }
  }
  // The elementwise model code is serial, like the demo's Java code: an OpenMP region here would
  // leave libgomp's threads spinning while OpenBLAS's threads run the next product (see
  // docs/benchmarks.md, "OpenMP and OpenBLAS threads").
  void train_step(Adapters& ad, int set) {
    const int64_t nd = int64_t(n) * d, nh = int64_t(n) * h;
    std::memcpy(x[0]->host, inputs[set]->host, sizeof(float) * nd);
    for (int k = 0; k < L; ++k) {
      ad.fwd(0, k, *x[k], *a[k]);
      const float* ak = a[k]->host;
      float* zk = z[k]->host;
      for (int64_t i = 0; i < nh; ++i) zk[i] = ak[i] > 0.0f ? ak[i] : 0.0f;
      ad.fwd(1, k, *z[k], *o);
      const float *xk = x[k]->host, *ok = o->host;
      float* xn = x[k + 1]->host;
      for (int64_t i = 0; i < nd; ++i) xn[i] = xk[i] + ok[i];
    }
    {
      const float *xl = x[L]->host, *tg = targets[set]->host;
      float* gg = g->host;
      const float inv = 1.0f / n;
      for (int64_t i = 0; i < nd; ++i) gg[i] = (xl[i] - tg[i]) * inv;
    }
    for (int k = L - 1; k >= 0; --k) {
      ad.bwd(1, k, *z[k], *g, dz.get());
      const float* ak = a[k]->host;
      float* dzk = dz->host;
      for (int64_t i = 0; i < nh; ++i) dzk[i] = ak[i] > 0.0f ? dzk[i] : 0.0f;
      ad.bwd(0, k, *x[k], *dz, k > 0 ? dx.get() : nullptr);
      if (k > 0) {
        float* gg = g->host;
        const float* dd = dx->host;
        for (int64_t i = 0; i < nd; ++i) gg[i] += dd[i];
      }
    }
    ad.step();
  }
  double flops(int r) const {  // forward + backward (dx and adapter grads) of every projection
    const double base = 2.0 * n * double(d) * h;           // one base product
    const double adapter = 2.0 * n * double(r) * (d + h);  // one adapter forward
    return L * 2 * (2 * base + 3 * adapter);               // base fwd + dx; adapter fwd, grads, dx
  }
};

}  // namespace

// ---- case 3 -----------------------------------------------------------------------------------
void case_train(Env& e) {
  if (e.o.backend != MOS_BACKEND_CPU) {
    e.report.note("train_step",
                  "skipped: the model's elementwise code runs on host memory (CPU only)");
    return;
  }
  struct Shape {
    const char* name;
    int n, d, h;
  };
  std::vector<Shape> shapes = {{"demo", 256, 128, 512}, {"small", 512, 512, 2048}};
  if (e.o.tiny) shapes = {{"tiny", 16, 32, 64}};
  const int L = 4;
  // r = 16, R_eq = 4, l = 2 as elsewhere; p = 0 because p = 1 would need (r-p) <= (R_eq-p) L,
  // i.e. 15 <= 12, which four blocks cannot give.
  for (const Shape& sh : shapes) {
    const std::string cs = fmt("train_step_%s", sh.name);
    const MosShape ms{sh.d, sh.h, L, 16, 4, 0, 2};
    Stack st(e.ctx, sh.n, sh.d, sh.h, L, 2);
    MosAdapters mos(e.ctx, ms, sh.d, sh.h, st.t_up, st.t_down);
    MosAdapters lora(e.ctx, lora_as_mos(ms), sh.d, sh.h, st.t_up, st.t_down);
    DenseAdapters dense(e.ctx, sh.n, sh.d, sh.h, L, ms.r, ms.alpha, st.t_up, st.t_down);
    int set = 0;
    std::vector<Variant> vs;
    vs.push_back({"dense_lora", [&](int) { st.train_step(dense, (set++) % 2); }});
    vs.push_back({"mos", [&](int) { st.train_step(mos, (set++) % 2); }});
    vs.push_back({"lora_as_mos", [&](int) { st.train_step(lora, (set++) % 2); }});
    const Measured m = run_interleaved(vs, timing_for(e.o, 21, 30), [&] { e.sync(); });
    const double flops = st.flops(ms.r);
    print_header(
        fmt("case 3: training step (fwd, bwd, clip, AdamW) of %d residual blocks "
            "up %d->%d / down %d->%d, tokens %d; MoS r=%d R_eq=%d l=%d p=%d",
            L, sh.d, sh.h, sh.h, sh.d, sh.n, ms.r, ms.r_eq, ms.l, ms.p));
    for (const char* v : {"dense_lora", "mos", "lora_as_mos"}) {
      const Stats s = m.of(m.index(v));
      if (s.n == 0) continue;
      e.report.time(cs, v, s);
      e.report.measure(cs, v, "rate", flops / s.median * 1e-9, flops / s.p90 * 1e-9,
                       flops / s.p10 * 1e-9, "GFLOP/s", s.n);
      print_time(v, s, flops);
    }
    e.report.ratio(cs, "mos/dense_lora step time", m.paired_ratio("mos", "dense_lora"), "<=", 1.10);
    e.report.ratio(cs, "lora_as_mos/dense_lora step time",
                   m.paired_ratio("lora_as_mos", "dense_lora"), "<=", NAN);
  }
}

// ---- case 6 -----------------------------------------------------------------------------------
namespace {

int64_t status_kb(const char* key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  const size_t kl = std::strlen(key);
  while (std::getline(f, line))
    if (line.compare(0, kl, key) == 0) return std::atoll(line.c_str() + kl + 1);
  return -1;
}

bool reset_peak() {  // Linux >= 4.0: "5" resets VmHWM to the current RSS
  FILE* f = std::fopen("/proc/self/clear_refs", "w");
  if (!f) return false;
  const bool ok = std::fputs("5", f) >= 0;
  return std::fclose(f) == 0 && ok;
}

struct MemShape {
  int n, d, h, L;
};
MemShape mem_shape(const Options& o) {
  return o.tiny ? MemShape{16, 32, 64, 32} : MemShape{256, 512, 1408, 32};
}

}  // namespace

// spec: "mos:R_eq:r" or "dense:r". Prints one line "memory_child <adapter_kb> <step_peak_kb>
// <ok>" where both are KiB above the resident set after the base model and activations existed.
int memory_child(const Options& o, const std::string& spec) {
  mos_context_t ctx;
  MB_CHECK(mos_context_create(MOS_BACKEND_CPU, 0, &ctx));
  if (o.threads > 0) MB_CHECK(mos_context_set_num_threads(ctx, o.threads));
  const MemShape ms = mem_shape(o);
  char kind[16] = {0};
  int a = 0, b = 0;
  const int nf = std::sscanf(spec.c_str(), "%15[^:]:%d:%d", kind, &a, &b);
  {
    Stack st(ctx, ms.n, ms.d, ms.h, ms.L, 1);
    {  // bring up the BLAS (its buffers and threads) before the baseline
      MatP u = make_mat(ctx, ms.n, ms.h, 0, 0.0f);
      MB_CHECK(mos_gemm(ctx, 0, 1, 1.0f, st.x[0]->t, st.w_up[0]->t, 0.0f, u->t));
    }
    const bool peak_ok = reset_peak();
    const int64_t rss0 = status_kb("VmRSS:");
    std::unique_ptr<Adapters> ad;
    if (std::string(kind) == "mos" && nf == 3) {
      const MosShape s{ms.d, ms.h, ms.L, b, a, 0, 2};
      ad = std::make_unique<MosAdapters>(ctx, s, ms.d, ms.h, st.t_up, st.t_down);
    } else if (std::string(kind) == "dense" && nf >= 2) {
      ad = std::make_unique<DenseAdapters>(ctx, ms.n, ms.d, ms.h, ms.L, a, 16.0f, st.t_up,
                                           st.t_down);
    } else {
      std::fprintf(stderr, "mos_bench: bad --memory-child spec '%s'\n", spec.c_str());
      return 2;
    }
    const int64_t rss1 = status_kb("VmRSS:");
    st.train_step(*ad, 0);
    st.train_step(*ad, 0);
    const int64_t hwm = peak_ok ? status_kb("VmHWM:") : status_kb("VmRSS:");
    std::printf("memory_child %lld %lld %d\n", static_cast<long long>(rss1 - rss0),
                static_cast<long long>(hwm - rss0), peak_ok ? 1 : 0);
  }
  mos_context_free(ctx);
  return 0;
}

void case_memory(Env& e) {
  if (e.o.backend != MOS_BACKEND_CPU) {
    e.report.note("memory", "skipped: resident memory is measured on the CPU backend");
    return;
  }
  const MemShape ms = mem_shape(e.o);
  const std::string cs = "memory";
  std::printf(
      "\n== case 6: peak resident memory of a training step (fresh process per row), "
      "%d blocks up %d->%d / down %d->%d, tokens %d, l=2, p=0\n",
      ms.L, ms.d, ms.h, ms.h, ms.d, ms.n);
  std::printf("  %-18s %14s %14s %14s %14s %14s\n", "config", "adapter MiB", "step peak MiB",
              "pools+state", "A,B,dA,dB", "u,du");
  struct Row {
    std::string spec, name;
    int r_eq, r;
  };
  std::vector<Row> rows;
  for (int r_eq : {2, 8})
    for (int r : {16, 64})
      rows.push_back({fmt("mos:%d:%d", r_eq, r), fmt("mos_Req%d_r%d", r_eq, r), r_eq, r});
  for (int r : {16, 64}) rows.push_back({fmt("dense:%d", r), fmt("dense_lora_r%d", r), 0, r});
  const double sum = 2.0 * (ms.d + ms.h);  // sum of d_in + d_out over the two projection types
  const double mib = 1024.0 * 1024.0;
  std::vector<double> peak(rows.size(), NAN), acts_of(rows.size(), NAN), state_of(rows.size(), NAN);
  for (size_t ri = 0; ri < rows.size(); ++ri) {
    const Row& row = rows[ri];
    std::string cmd = "'" + e.o.exe + "' --memory-child " + row.spec;
    if (e.o.tiny) cmd += " --tiny";
    if (e.o.threads > 0) cmd += fmt(" --threads %d", e.o.threads);
    FILE* p = popen(cmd.c_str(), "r");
    long long adapter_kb = -1, peak_kb = -1;
    int ok = 0;
    if (p) {
      char line[256];
      while (std::fgets(line, sizeof line, p))
        if (std::sscanf(line, "memory_child %lld %lld %d", &adapter_kb, &peak_kb, &ok) == 3) break;
      pclose(p);
    }
    if (adapter_kb < 0) {
      e.report.note(cs, "child failed: " + cmd);
      continue;
    }
    // What the formulas of method.md §7 say each part should take (bytes).
    const int rr = row.r;
    const double state = row.r_eq ? 16.0 * row.r_eq * ms.L * sum : 16.0 * rr * ms.L * sum;
    // A_k, B_k, dA_k, dB_k: one set per pool group (Pool::factors), shared by its L blocks.
    const double factors = row.r_eq ? 4.0 * 2 * rr * sum : 0.0;
    const double acts = 4.0 * 2 * ms.n * rr * 2 * ms.L;  // u, du per layer
    std::printf("  %-18s %14.2f %14.2f %14.2f %14.2f %14.2f\n", row.name.c_str(),
                adapter_kb / 1024.0, peak_kb / 1024.0, state / mib, factors / mib, acts / mib);
    peak[ri] = peak_kb * 1024.0;
    acts_of[ri] = acts;
    state_of[ri] = state;
    e.report.value(cs, row.name, "adapter_resident", adapter_kb / 1024.0, "MiB");
    e.report.value(cs, row.name, "step_peak_resident", peak_kb / 1024.0, "MiB");
    e.report.value(cs, row.name, "expected_pools_grads_adam", state / mib, "MiB");
    e.report.value(cs, row.name, "expected_u_du", acts / mib, "MiB");
    if (!ok) e.report.note(cs, "VmHWM could not be reset; peak is the RSS after the step");
  }
  std::printf(
      "  (pools+state = 16 B x R_eq x L x sum(d_in+d_out) for MoS, 16 B x r x L x "
      "sum(d_in+d_out) for dense LoRA; A,B,dA,dB = the assembled factors A_k, B_k "
      "and gradient scratch dA_k, dB_k, one set per pool group shared by its blocks, 2 r "
      "(d_in+d_out) floats per pool group; u,du = 2 x N x r floats per layer)\n");
  // rows: 0 R_eq2 r16, 1 R_eq2 r64, 2 R_eq8 r16, 3 R_eq8 r64. "r costs only activations": the
  // growth of the peak from r = 16 to 64 over the growth of the saved activations u, du.
  for (int base : {0, 2}) {
    const double v = (peak[base + 1] - peak[base]) / (acts_of[base + 1] - acts_of[base]);
    e.report.ratio(cs, fmt("R_eq=%d: peak growth r16->r64 / activation growth", rows[base].r_eq), v,
                   "<=", 1.5, "1 when r costs only activations (u, du)");
  }
  for (int r : {0, 1}) {
    const double v = (peak[2 + r] - peak[r]) / (state_of[2 + r] - state_of[r]);
    e.report.ratio(cs, fmt("r=%d: peak growth R_eq2->8 / pools+grads+Adam growth", rows[r].r), v,
                   "<=", NAN, "1 when R_eq costs only pools, gradients and moments");
  }
}

}  // namespace bench
