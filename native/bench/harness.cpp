// SPDX-License-Identifier: Apache-2.0
// harness.cpp: interleaved timing, percentiles, rotating matrices and the JSON report of
// mos_bench (see harness.h).
#include "harness.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace bench {

void check(mos_status_t st, const char* what) {
  if (st == MOS_STATUS_OK) return;
  std::fprintf(stderr, "mos_bench: %s failed (status %d): %s\n", what, static_cast<int>(st),
               mos_last_error());
  std::exit(1);
}

double now_s() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

std::string fmt(const char* f, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, f);
  std::vsnprintf(buf, sizeof buf, f, ap);
  va_end(ap);
  return buf;
}

Stats stats_of(std::vector<double> v) {
  Stats s;
  s.n = static_cast<int>(v.size());
  if (v.empty()) {
    s.median = s.p10 = s.p90 = NAN;  // a variant left out by --only
    return s;
  }
  std::sort(v.begin(), v.end());
  auto rank = [&](double q) {  // nearest rank
    size_t i = static_cast<size_t>(std::ceil(q * v.size()));
    return v[std::min(v.size() - 1, i == 0 ? 0 : i - 1)];
  };
  const size_t n = v.size();
  s.median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  s.p10 = rank(0.10);
  s.p90 = rank(0.90);
  return s;
}

size_t Measured::index(const std::string& name) const {
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return i;
  throw std::runtime_error("no variant " + name);
}

double Measured::paired_ratio(const std::string& a, const std::string& b) const {
  const auto& va = seconds[index(a)];
  const auto& vb = seconds[index(b)];
  std::vector<double> r;
  for (size_t i = 0; i < std::min(va.size(), vb.size()); ++i) r.push_back(va[i] / vb[i]);
  return stats_of(r).median;
}

Timing timing_for(const Options& o, int rounds, double max_case_s) {
  Timing t;
  t.rounds = rounds;
  t.max_case_s = max_case_s;
  if (o.quick) {
    t.warmup_rounds = 2;
    t.rounds = std::max(5, rounds / 3);
    t.max_case_s = max_case_s / 3;
  }
  if (o.tiny) {
    t.warmup_rounds = 1;
    t.rounds = 3;
    t.min_sample_s = 0;
    t.max_case_s = 5;
  }
  return t;
}

namespace {
std::vector<std::string> g_only;  // --only: the variants to run (empty: all)
}  // namespace

void set_variant_filter(const std::vector<std::string>& only) { g_only = only; }

Measured run_interleaved(std::vector<Variant>& all, const Timing& t,
                         const std::function<void()>& sync) {
  Measured m;
  for (auto& v : all) m.names.push_back(v.name);
  m.seconds.assign(all.size(), {});
  // Variants left out by --only keep an empty column (their medians and ratios are NaN).
  std::vector<Variant> variants;
  std::vector<size_t> column;
  for (size_t i = 0; i < all.size(); ++i)
    if (g_only.empty() || std::find(g_only.begin(), g_only.end(), all[i].name) != g_only.end()) {
      variants.push_back(all[i]);
      column.push_back(i);
    }
  const size_t V = variants.size();
  if (V == 0) return m;
  std::vector<int> calls(V, 0);
  std::vector<double> per_call(V, 0);
  // Warm-up: every variant, interleaved; the last warm-up round sizes the samples.
  for (int w = 0; w < std::max(1, t.warmup_rounds); ++w) {
    for (size_t i = 0; i < V; ++i) {
      const double t0 = now_s();
      variants[i].run(calls[i]++);
      sync();
      per_call[i] = now_s() - t0;
    }
  }
  // Repeats per sample, per variant: a sample lasts at least min_sample_s (timer resolution and
  // call jitter), a slow variant is called once per round.
  std::vector<int> reps(V, 1);
  for (size_t i = 0; i < V; ++i)
    if (t.min_sample_s > 0 && per_call[i] > 0 && per_call[i] < t.min_sample_s)
      reps[i] = static_cast<int>(std::min(1000.0, std::ceil(t.min_sample_s / per_call[i])));
  const double start = now_s();
  for (int round = 0; round < t.rounds; ++round) {
    for (size_t j = 0; j < V; ++j) {
      const size_t i = (j + static_cast<size_t>(round)) % V;  // rotate who goes first
      const double t0 = now_s();
      for (int k = 0; k < reps[i]; ++k) variants[i].run(calls[i]++);
      sync();
      m.seconds[column[i]].push_back((now_s() - t0) / reps[i]);
    }
    if (round + 1 >= 5 && now_s() - start > t.max_case_s) break;
  }
  return m;
}

Mat::~Mat() {
  if (t) mos_tensor_free(t);
  std::free(host);
}

void fill_uniform(float* p, int64_t n, uint64_t seed, float scale) {
  if (scale == 0.0f) {
    std::memset(p, 0, sizeof(float) * n);
    return;
  }
  // splitmix64: cheap enough that setting up 100 MB of operands takes well under a second.
  uint64_t s = seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
  for (int64_t i = 0; i < n; ++i) {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    const float u = static_cast<float>(z >> 40) * (1.0f / 16777216.0f);  // [0, 1)
    p[i] = (2.0f * u - 1.0f) * scale;
  }
}

MatP make_mat(mos_context_t ctx, int64_t rows, int64_t cols, uint64_t seed, float scale) {
  auto m = std::make_unique<Mat>();
  m->rows = rows;
  m->cols = cols;
  mos_backend_t be;
  MB_CHECK(mos_context_backend(ctx, &be));
  const size_t bytes = m->bytes();
  if (be == MOS_BACKEND_CPU) {
    void* p = nullptr;
    if (posix_memalign(&p, 64, ((bytes + 63) / 64) * 64) != 0) {
      std::fprintf(stderr, "mos_bench: out of memory (%zu bytes)\n", bytes);
      std::exit(1);
    }
    m->host = static_cast<float*>(p);
    fill_uniform(m->host, rows * cols, seed, scale);
    MB_CHECK(mos_tensor_wrap_host(ctx, MOS_DTYPE_F32, rows, cols, m->host, &m->t));
  } else {
    std::vector<float> tmp(static_cast<size_t>(rows * cols));
    fill_uniform(tmp.data(), rows * cols, seed, scale);
    MB_CHECK(mos_tensor_create(ctx, MOS_DTYPE_F32, rows, cols, &m->t));
    MB_CHECK(mos_tensor_write(m->t, tmp.data(), rows * cols));
  }
  return m;
}

int rotation_count(const Options& o, double bytes_per_set) {
  if (o.tiny) return 2;
  int k = static_cast<int>(std::ceil(o.rotate_bytes / std::max(1.0, bytes_per_set)));
  return std::clamp(k, 2, 8);
}

std::vector<MatP> make_rot(mos_context_t ctx, int k, int64_t rows, int64_t cols, uint64_t seed,
                           float scale) {
  std::vector<MatP> v;
  for (int i = 0; i < k; ++i) v.push_back(make_mat(ctx, rows, cols, seed + 7919 * i, scale));
  return v;
}

std::string json_str(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      o += '\\';
      o += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      o += fmt("\\u%04x", c);
    } else {
      o += c;
    }
  }
  return o + "\"";
}

namespace {
std::string num(double v) {
  if (!std::isfinite(v)) return "null";
  return fmt("%.6g", v);
}
}  // namespace

void Report::measure(const std::string& cs, const std::string& variant, const std::string& metric,
                     double median, double p10, double p90, const std::string& unit, int n) {
  records_.push_back("{\"case\": " + json_str(cs) + ", \"variant\": " + json_str(variant) +
                     ", \"metric\": " + json_str(metric) + ", \"median\": " + num(median) +
                     ", \"p10\": " + num(p10) + ", \"p90\": " + num(p90) +
                     ", \"unit\": " + json_str(unit) + ", \"n\": " + std::to_string(n) + "}");
}

void Report::time(const std::string& cs, const std::string& variant, const Stats& s) {
  measure(cs, variant, "time", s.median * 1e3, s.p10 * 1e3, s.p90 * 1e3, "ms", s.n);
}

void Report::value(const std::string& cs, const std::string& variant, const std::string& metric,
                   double v, const std::string& unit) {
  measure(cs, variant, metric, v, v, v, unit, 1);
}

void Report::ratio(const std::string& cs, const std::string& name, double value, const char* op,
                   double target, const std::string& note) {
  std::string tgt = "null", met = "null";
  const char* verdict = "";
  if (std::isfinite(target)) tgt = json_str(std::string(op) + " " + fmt("%g", target));
  if (std::isfinite(target) && judge && std::isfinite(value)) {
    const bool ok = std::string(op) == "<=" ? value <= target : value >= target;
    met = ok ? "true" : "false";
    verdict = ok ? "  met" : "  MISSED";
    if (!ok) ++missed_;
  }
  records_.push_back("{\"case\": " + json_str(cs) + ", \"ratio\": " + json_str(name) +
                     ", \"value\": " + num(value) + ", \"target\": " + tgt + ", \"met\": " + met +
                     (note.empty() ? "" : ", \"note\": " + json_str(note)) + "}");
  std::printf("  ratio %-44s %8.3f", name.c_str(), value);
  if (std::isfinite(target)) std::printf("   target %s %g%s", op, target, verdict);
  else std::printf("   (information)");
  if (!note.empty()) std::printf("   (%s)", note.c_str());
  std::printf("\n");
}

void Report::note(const std::string& cs, const std::string& text) {
  records_.push_back("{\"case\": " + json_str(cs) + ", \"note\": " + json_str(text) + "}");
  std::printf("  note: %s\n", text.c_str());
}

bool Report::write_json(const std::string& path, const std::string& meta_json) const {
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f) return false;
  std::fprintf(f, "{\n\"meta\": %s,\n\"records\": [\n", meta_json.c_str());
  for (size_t i = 0; i < records_.size(); ++i)
    std::fprintf(f, "  %s%s\n", records_[i].c_str(), i + 1 < records_.size() ? "," : "");
  std::fprintf(f, "]\n}\n");
  return std::fclose(f) == 0;
}

}  // namespace bench
