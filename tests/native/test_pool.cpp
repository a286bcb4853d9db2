// test_pool: mos_pool_init vs spec §6 (pool_A in U(+-1/sqrt(d_in)), pool_B = 0, grads and
// moments cleared, seeded), and exact read/write/zero_grad round trips of every pool array.
#include <cmath>
#include <vector>

#include "test_util.h"

namespace {

const mos_pool_array_t kAll[] = {MOS_POOL_A,        MOS_POOL_B,        MOS_POOL_GRAD_A,
                                 MOS_POOL_GRAD_B,   MOS_POOL_ADAM_M_A, MOS_POOL_ADAM_V_A,
                                 MOS_POOL_ADAM_M_B, MOS_POOL_ADAM_V_B};

int64_t size_of(mos_pool_array_t w, int64_t size_a, int64_t size_b) {
  return (w == MOS_POOL_A || w == MOS_POOL_GRAD_A || w == MOS_POOL_ADAM_M_A || w == MOS_POOL_ADAM_V_A)
             ? size_a
             : size_b;
}

void init_and_arrays() {
  const int d_in = 96, d_out = 40, L = 3, r = 4, R = 2, p = 1, l = 2;
  const int64_t P = R * L * l, size_a = P * (d_in / l), size_b = (d_out / l) * P;
  mos_context_t ctx = nullptr;
  mos_pool_t pool = nullptr, pool2 = nullptr;
  T_OK(mos_context_create(MOS_BACKEND_CPU, 0, &ctx));
  T_OK(mos_pool_create(ctx, d_in, d_out, L, r, R, p, l, 16.0f, 0.05f, &pool));
  T_OK(mos_pool_create(ctx, d_in, d_out, L, r, R, p, l, 16.0f, 0.05f, &pool2));

  // Fresh pools are all zero.
  for (mos_pool_array_t w : kAll) {
    const auto v = t::read_pool(pool, w, size_of(w, size_a, size_b));
    bool zero = true;
    for (float x : v) zero &= x == 0.0f;
    T_CHECK(zero, "array %d of a fresh pool is not zero", (int)w);
  }
  // Write every array, read it back exactly.
  std::mt19937_64 rng(5);
  for (mos_pool_array_t w : kAll) {
    const int64_t n = size_of(w, size_a, size_b);
    const auto v = t::random_floats(rng, n);
    T_OK(mos_pool_write(pool, w, v.data(), n));
    T_CHECK(t::read_pool(pool, w, n) == v, "array %d does not read back what was written", (int)w);
  }
  // zero_grad clears exactly the two gradients.
  const auto pa = t::read_pool(pool, MOS_POOL_A, size_a);
  T_OK(mos_pool_zero_grad(pool));
  for (float x : t::read_pool(pool, MOS_POOL_GRAD_A, size_a)) T_CHECK(x == 0.0f, "grad_A not zeroed");
  for (float x : t::read_pool(pool, MOS_POOL_GRAD_B, size_b)) T_CHECK(x == 0.0f, "grad_B not zeroed");
  T_CHECK(t::read_pool(pool, MOS_POOL_A, size_a) == pa, "zero_grad changed pool_A");

  // init: bounds, zeros, determinism, seed sensitivity.
  T_OK(mos_pool_init(pool, 42));
  T_OK(mos_pool_init(pool2, 42));
  const auto a = t::read_pool(pool, MOS_POOL_A, size_a);
  const float bound = 1.0f / std::sqrt(static_cast<float>(d_in));
  float lo = 1, hi = -1;
  double mean = 0;
  for (float x : a) {
    lo = std::fmin(lo, x);
    hi = std::fmax(hi, x);
    mean += x;
  }
  mean /= static_cast<double>(a.size());
  T_CHECK(lo >= -bound && hi <= bound, "pool_A outside +-1/sqrt(d_in) = %g: [%g, %g]", bound, lo, hi);
  T_CHECK(lo < -0.9f * bound && hi > 0.9f * bound, "pool_A does not fill its range: [%g, %g]", lo, hi);
  T_CHECK(std::fabs(mean) < 0.1 * bound, "pool_A mean %g is far from 0", mean);
  for (mos_pool_array_t w : kAll) {
    if (w == MOS_POOL_A) continue;
    for (float x : t::read_pool(pool, w, size_of(w, size_a, size_b)))
      T_CHECK(x == 0.0f, "array %d not cleared by init", (int)w);
  }
  T_CHECK(t::read_pool(pool2, MOS_POOL_A, size_a) == a, "init(42) is not deterministic");
  T_OK(mos_pool_init(pool2, 43));
  T_CHECK(t::read_pool(pool2, MOS_POOL_A, size_a) != a, "init(42) == init(43)");

  // dims and hyper.
  int32_t v[8] = {0};
  T_OK(mos_pool_dims(pool, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]));
  T_CHECK(v[0] == d_in && v[1] == d_out && v[2] == L && v[3] == r && v[4] == R && v[5] == p &&
              v[6] == l && v[7] == P,
          "dims %d %d %d %d %d %d %d %d", v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
  float alpha = 0, dropout = 0;
  T_OK(mos_pool_hyper(pool, &alpha, &dropout));
  T_CHECK(alpha == 16.0f && dropout == 0.05f, "hyper %g %g", alpha, dropout);

  mos_pool_free(pool);
  mos_pool_free(pool2);
  mos_context_free(ctx);
}

}  // namespace

int main() {
  init_and_arrays();
  return t::report("test_pool");
}
