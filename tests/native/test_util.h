// SPDX-License-Identifier: Apache-2.0
// test_util.h: the tiny assertion and tensor helpers shared by mos's native ctest programs
// (no external test framework). A failed check prints where, what, and keeps going.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "mos/mos.h"
#include "tolerances.h"

namespace t {

inline int& failures() {
  static int n = 0;
  return n;
}
inline int& checks() {
  static int n = 0;
  return n;
}

#define T_CHECK(cond, ...)                                        \
  do {                                                            \
    ++t::checks();                                                \
    if (!(cond)) {                                                \
      ++t::failures();                                            \
      std::printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
      std::printf(__VA_ARGS__);                                   \
      std::printf("\n");                                          \
    }                                                             \
  } while (0)

// A call that must succeed; on failure print the status and mos_last_error().
#define T_OK(call)                                                                         \
  do {                                                                                     \
    ++t::checks();                                                                         \
    const mos_status_t st_ = (call);                                                       \
    if (st_ != MOS_STATUS_OK) {                                                            \
      ++t::failures();                                                                     \
      std::printf("FAIL %s:%d: %s returned %d: %s\n", __FILE__, __LINE__, #call, (int)st_, \
                  mos_last_error());                                                       \
    }                                                                                      \
  } while (0)

// A call that must fail with `expected` and a message naming the C function `fn`.
#define T_STATUS(call, expected, fn)                                               \
  do {                                                                             \
    ++t::checks();                                                                 \
    const mos_status_t st_ = (call);                                               \
    const char* msg_ = mos_last_error();                                           \
    if (st_ != (expected) || std::strstr(msg_, fn) != msg_) {                      \
      ++t::failures();                                                             \
      std::printf(                                                                 \
          "FAIL %s:%d: %s returned %d (expected %d), message \"%s\" (expected to " \
          "start with \"%s\")\n",                                                  \
          __FILE__, __LINE__, #call, (int)st_, (int)(expected), msg_, fn);         \
    }                                                                              \
  } while (0)

inline int report(const char* name) {
  std::printf("%s: %d checks, %d failures\n", name, checks(), failures());
  return failures() == 0 ? 0 : 1;
}

// Normwise relative error (see tolerances.h); prints seed, shape and the worst element on failure.
template <class G>
bool close(const char* what, const std::vector<G>& got, const std::vector<double>& ref, double tol,
           uint64_t seed, const std::string& shape) {
  ++checks();
  if (got.size() != ref.size()) {
    ++failures();
    std::printf("FAIL %s: %zu values but the reference has %zu (seed %llu, shape %s)\n", what,
                got.size(), ref.size(), (unsigned long long)seed, shape.c_str());
    return false;
  }
  double max_ref = 0.0, worst = -1.0;
  size_t worst_i = 0;
  bool nan = false;
  for (size_t i = 0; i < ref.size(); ++i) max_ref = std::fmax(max_ref, std::fabs(ref[i]));
  for (size_t i = 0; i < ref.size(); ++i) {
    const double d = std::fabs(static_cast<double>(got[i]) - ref[i]);
    if (std::isnan(d)) nan = true;
    if (std::isnan(d) || d > worst) {
      worst = std::isnan(d) ? INFINITY : d;
      worst_i = i;
    }
  }
  const double rel = ref.empty() ? 0.0 : worst / std::fmax(max_ref, MOS_TOL_TINY);
  if (nan || rel > tol) {
    ++failures();
    std::printf(
        "FAIL %s: rel error %.3e > tol %.1e (seed %llu, shape %s); worst element %zu: "
        "got %.9g, expected %.9g (max |ref| %.3e)\n",
        what, rel, tol, (unsigned long long)seed, shape.c_str(), worst_i,
        static_cast<double>(got[worst_i]), ref[worst_i], max_ref);
    return false;
  }
  return true;
}

inline std::vector<double> to_double(const std::vector<float>& v) {
  return std::vector<double>(v.begin(), v.end());
}

inline std::vector<float> random_floats(std::mt19937_64& rng, size_t n, float lo = -1.0f,
                                        float hi = 1.0f) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// A mos_config_t with struct_size filled in, for one call that takes `const mos_config_t*`:
//   mos_pool_create(ctx, t::config({.d_in = 8, .d_out = 6, .num_blocks = 2, .rank = 3, ...}), &p)
// (designated initializers: every field is named, none can be swapped).
struct ConfigFields {  // mos_config_t without struct_size
  int32_t d_in, d_out, num_blocks, rank, equivalent_rank, private_rank, shards_per_vector;
  float alpha, dropout;
};
struct Config {
  mos_config_t c;
  operator const mos_config_t*() const { return &c; }
  operator mos_config_t() const { return c; }
};
inline Config config(const ConfigFields& f) {
  mos_config_t c;
  c.struct_size = static_cast<int32_t>(sizeof(mos_config_t));
  c.d_in = f.d_in;
  c.d_out = f.d_out;
  c.num_blocks = f.num_blocks;
  c.rank = f.rank;
  c.equivalent_rank = f.equivalent_rank;
  c.private_rank = f.private_rank;
  c.shards_per_vector = f.shards_per_vector;
  c.alpha = f.alpha;
  c.dropout = f.dropout;
  return Config{c};
}

// F32 tensor [rows x cols] filled from `data` (or zeros if empty).
inline mos_tensor_t tensor(mos_context_t ctx, int64_t rows, int64_t cols,
                           const std::vector<float>& data = {}) {
  mos_tensor_t h = nullptr;
  T_OK(mos_tensor_create(ctx, MOS_DTYPE_F32, rows, cols, &h));
  if (h && !data.empty()) T_OK(mos_tensor_write(h, data.data(), static_cast<int64_t>(data.size())));
  return h;
}

inline std::vector<float> read(mos_tensor_t h) {
  int64_t r = 0, c = 0;
  T_OK(mos_tensor_shape(h, &r, &c));
  std::vector<float> v(static_cast<size_t>(r * c));
  T_OK(mos_tensor_read(h, v.data(), static_cast<int64_t>(v.size())));
  return v;
}

inline std::vector<float> read_pool(mos_pool_t p, mos_pool_array_t which, int64_t n) {
  std::vector<float> v(static_cast<size_t>(n));
  T_OK(mos_pool_read(p, which, v.data(), n));
  return v;
}

// GPU tests: true when the CUDA backend is usable. Otherwise prints why and sets *exit_code:
// 77 ("SKIP: <reason>", ctest's skip code) normally, 1 ("FAIL: ...") when MOS_REQUIRE_GPU is set
// to anything but "0" -- tests/gpu/run.sh sets it on a machine where nvidia-smi shows a GPU, so a
// GPU run that tested nothing cannot pass.
inline bool gpu_required() {
  const char* v = std::getenv("MOS_REQUIRE_GPU");
  return v != nullptr && v[0] != '\0' && std::strcmp(v, "0") != 0;
}
inline int skip_exit_code(const char* test, const char* reason) {
  if (gpu_required()) {
    std::printf("FAIL: %s would skip (%s), but MOS_REQUIRE_GPU is set: a GPU is expected here\n",
                test, reason);
    return 1;
  }
  std::printf("SKIP: %s\n", reason);
  return 77;
}
inline bool cuda_usable(const char* test, int* exit_code) {
  int32_t available = 0;
  char reason[512] = "";
  if (mos_backend_available(MOS_BACKEND_CUDA, &available, reason, sizeof(reason)) ==
          MOS_STATUS_OK &&
      available)
    return true;
  *exit_code = skip_exit_code(test, reason[0] ? reason : mos_last_error());
  return false;
}

inline std::string shape(int64_t a, int64_t b) {
  return "[" + std::to_string(a) + " x " + std::to_string(b) + "]";
}

}  // namespace t
