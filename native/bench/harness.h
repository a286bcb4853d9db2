// SPDX-License-Identifier: Apache-2.0
// harness.h: the timing and reporting machinery of mos_bench: variants of one case run
// interleaved (round-robin, the starting variant rotating each round) after warm-up; medians,
// p10/p90 and paired ratios; device-side matrices with rotating copies; the JSON records.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "mos/mos.h"

namespace bench {

// ---- options shared by every case ------------------------------------------------------------
struct Options {
  bool quick = false;  // fewer rounds, same sizes
  bool tiny = false;   // tiny sizes (smoke test: crash-freedom only, numbers meaningless)
  mos_backend_t backend = MOS_BACKEND_CPU;
  int threads = 0;             // 0: library default
  std::string exe;             // this program's path (for the memory case's child processes)
  double rotate_bytes = 96e6;  // rotating argument copies span at least this much (3x L3 here)
  bool omp_as_is = false;      // keep OMP_WAIT_POLICY as the environment has it
};

// ---- errors: a failed mos_* call ends the program with the library's message ----------------
void check(mos_status_t st, const char* what);
#define MB_CHECK(call) ::bench::check((call), #call)

// ---- statistics --------------------------------------------------------------------------------
struct Stats {
  double median = 0, p10 = 0, p90 = 0;
  int n = 0;
};
Stats stats_of(std::vector<double> v);  // nearest-rank percentiles

// ---- interleaved timing -------------------------------------------------------------------------
struct Variant {
  std::string name;
  std::function<void(int call)> run;  // one call; `call` counts up (pick rotating buffers with it)
};

struct Timing {
  int warmup_rounds = 3;        // rounds of every variant before timing
  int rounds = 15;              // timed rounds (each: every variant once, rotating start)
  double min_sample_s = 0.004;  // a sample repeats the call until it lasts this long
  double max_case_s = 30;       // stop adding rounds after this (at least 5 rounds are kept)
};

struct Measured {
  std::vector<std::string> names;
  std::vector<std::vector<double>> seconds;  // [variant][round]: seconds per call
  Stats of(size_t v) const { return stats_of(seconds[v]); }
  size_t index(const std::string& name) const;
  // Median over rounds of seconds[a][i] / seconds[b][i] (the pair ran back to back).
  double paired_ratio(const std::string& a, const std::string& b) const;
  double median_s(const std::string& name) const { return of(index(name)).median; }
};

// sync() runs after each sample (mos_context_synchronize for device backends).
Measured run_interleaved(std::vector<Variant>& variants, const Timing& t,
                         const std::function<void()>& sync);

Timing timing_for(const Options& o, int rounds, double max_case_s);

// --only: run just these variants in every case (the others report NaN); empty: all.
void set_variant_filter(const std::vector<std::string>& only);

// ---- matrices in the context's memory (host memory wrapped on the CPU) ----------------------
struct Mat {
  mos_tensor_t t = nullptr;
  float* host = nullptr;  // CPU: the wrapped memory; CUDA: nullptr
  int64_t rows = 0, cols = 0;
  Mat() = default;
  Mat(const Mat&) = delete;
  Mat& operator=(const Mat&) = delete;
  ~Mat();
  size_t bytes() const { return static_cast<size_t>(rows * cols) * sizeof(float); }
};
using MatP = std::unique_ptr<Mat>;

// Uniform(-scale, scale) values from `seed` (scale 0: zeros).
MatP make_mat(mos_context_t ctx, int64_t rows, int64_t cols, uint64_t seed, float scale);
void fill_uniform(float* p, int64_t n, uint64_t seed, float scale);

// k copies of a [rows x cols] matrix, k chosen so that all copies of the rotated arguments of a
// case (bytes_per_set) span at least Options::rotate_bytes (2 <= k <= 8).
int rotation_count(const Options& o, double bytes_per_set);
std::vector<MatP> make_rot(mos_context_t ctx, int k, int64_t rows, int64_t cols, uint64_t seed,
                           float scale);

// ---- reporting ----------------------------------------------------------------------------------
class Report {
 public:
  // A measurement: value (median) with p10/p90 in `unit`.
  void measure(const std::string& cs, const std::string& variant, const std::string& metric,
               double median, double p10, double p90, const std::string& unit, int n);
  void time(const std::string& cs, const std::string& variant, const Stats& s_seconds);
  // A ratio and its target: op is "<=" or ">=", target NaN for none (information only).
  void ratio(const std::string& cs, const std::string& name, double value, const char* op,
             double target, const std::string& note = "");
  void note(const std::string& cs, const std::string& text);
  void value(const std::string& cs, const std::string& variant, const std::string& metric, double v,
             const std::string& unit);
  bool write_json(const std::string& path, const std::string& meta_json) const;
  int ratios_missed() const { return missed_; }
  bool judge = true;  // false (--tiny): targets are recorded but not judged

 private:
  std::vector<std::string> records_;
  int missed_ = 0;
};

std::string json_str(const std::string& s);
std::string fmt(const char* f, ...);
double now_s();

}  // namespace bench
