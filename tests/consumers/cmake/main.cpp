// SPDX-License-Identifier: Apache-2.0
// An out-of-tree C++ program on the installed libmos: checks that mos.h, the CMake package and the
// loaded library report one version, then runs a dense product through libmos's BLAS and compares
// it with a double-precision loop (relative error < 1e-5), and checks one error report.
#include <mos/mos.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

static_assert(MOS_ABI_VERSION_MAJOR == PKG_VERSION_MAJOR, "mos.h and the CMake package disagree");
static_assert(MOS_ABI_VERSION_MINOR == PKG_VERSION_MINOR, "mos.h and the CMake package disagree");

namespace {

void check(mos_status_t st, const char* what) {
  if (st != MOS_STATUS_OK) {
    std::fprintf(stderr, "%s failed with status %d: %s\n", what, static_cast<int>(st),
                 mos_last_error());
    std::exit(1);
  }
}

struct ContextFree {
  void operator()(mos_context* c) const { mos_context_free(c); }
};
struct TensorFree {
  void operator()(mos_tensor* t) const { mos_tensor_free(t); }
};
using Context = std::unique_ptr<mos_context, ContextFree>;
using Tensor = std::unique_ptr<mos_tensor, TensorFree>;

Tensor tensor(mos_context_t ctx, int rows, int cols, const std::vector<float>& data) {
  mos_tensor_t t = nullptr;
  check(mos_tensor_create(ctx, MOS_DTYPE_F32, rows, cols, &t), "mos_tensor_create");
  Tensor owned(t);
  check(mos_tensor_write(t, data.data(), static_cast<int64_t>(data.size())), "mos_tensor_write");
  return owned;
}

}  // namespace

int main() {
  const int abi = mos_abi_version();
  std::printf("libmos %s, ABI %d.%d\n", mos_version_string(), abi / 1000, abi % 1000);
  if (abi / 1000 != MOS_ABI_VERSION_MAJOR) {
    std::fprintf(stderr, "loaded libmos has ABI major %d, mos.h says %d\n", abi / 1000,
                 MOS_ABI_VERSION_MAJOR);
    return 1;
  }

  mos_context_t raw = nullptr;
  check(mos_context_create(MOS_BACKEND_CPU, 0, &raw), "mos_context_create");
  Context ctx(raw);

  // c = a b^T with a [m x k], b [n x k]: the product every MoS layer runs for its base weight.
  const int m = 37, k = 64, n = 29;
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> a(m * k), b(n * k), c(m * n, 0.0f);
  for (float& v : a) v = u(rng);
  for (float& v : b) v = u(rng);
  Tensor ta = tensor(raw, m, k, a), tb = tensor(raw, n, k, b), tc = tensor(raw, m, n, c);
  check(mos_gemm(raw, 0, 1, 1.0f, ta.get(), tb.get(), 0.0f, tc.get()), "mos_gemm");
  check(mos_tensor_read(tc.get(), c.data(), static_cast<int64_t>(c.size())), "mos_tensor_read");
  double worst = 0.0;
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) {
      double ref = 0.0, mag = 0.0;
      for (int p = 0; p < k; ++p) {
        ref += static_cast<double>(a[i * k + p]) * b[j * k + p];
        mag += std::fabs(static_cast<double>(a[i * k + p]) * b[j * k + p]);
      }
      worst = std::fmax(worst, std::fabs(c[i * n + j] - ref) / mag);
    }
  }
  std::printf("mos_gemm [%d x %d] x [%d x %d]^T: worst error %.2e of sum |a b|\n", m, k, n, k,
              worst);
  if (!(worst < 1e-5)) {
    std::fprintf(stderr, "mos_gemm differs from the double-precision product\n");
    return 1;
  }

  // A shape error is reported, not fatal, and names the function.
  Tensor wrong = tensor(raw, m, k + 1, std::vector<float>(m * (k + 1), 0.0f));
  const mos_status_t st = mos_gemm(raw, 0, 1, 1.0f, wrong.get(), tb.get(), 0.0f, tc.get());
  const std::string err = mos_last_error();
  if (st != MOS_STATUS_SHAPE_MISMATCH || err.find("mos_gemm") == std::string::npos) {
    std::fprintf(stderr, "expected a shape error from mos_gemm, got status %d: %s\n",
                 static_cast<int>(st), err.c_str());
    return 1;
  }
  std::printf("shape error reported: %s\n", err.c_str());
  std::printf("consumer OK\n");
  return 0;
}
