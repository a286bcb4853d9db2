// SPDX-License-Identifier: Apache-2.0
// adapter.cpp: the adapter branch's products in the order of method.md §10.11 (shrink, then expand;
// dB, du, dA, scatter, then dx), all through Backend::gemm / dropout / scatter_add.
#include "adapter.h"

namespace mos {
namespace adapter {

void shrink(Backend& be, const MosConfig& c, const float* a, const float* x, int64_t n,
            const Dropout& d, float* xd, float* u) {
  const float* xin = x;
  if (d.on()) {
    be.dropout(x, n * c.d_in, d.rate, d.seed, d.counter, xd);
    xin = xd;
  }
  be.gemm(false, true, n, c.r, c.d_in, 1.0f, xin, c.d_in, a, c.d_in, 0.0f, u, c.r);
}

void expand(Backend& be, const MosConfig& c, const float* b, const float* u, int64_t n, float* y) {
  be.gemm(false, true, n, c.d_out, c.r, c.scaling(), u, c.r, b, c.r, 1.0f, y, c.d_out);
}

void grad_params(Backend& be, Pool& pool, int32_t k, const Pool::Factors& f, const float* x,
                 const float* dy, int64_t n, const float* u, const Dropout& d, float* xd,
                 float* du) {
  const MosConfig& c = pool.cfg();
  const float s = c.scaling();
  const float* xin = x;
  if (d.on()) {
    be.dropout(x, n * c.d_in, d.rate, d.seed, d.counter, xd);
    xin = xd;
  }
  // dB = s dy^T u [d_out x r]; du = s dy B [n x r]; dA = du^T x_d [r x d_in].
  be.gemm(true, false, c.d_out, c.r, n, s, dy, c.d_out, u, c.r, 0.0f, f.db, c.r);
  be.gemm(false, false, n, c.r, c.d_out, s, dy, c.d_out, f.b, c.r, 0.0f, du, c.r);
  be.gemm(true, false, c.r, c.d_in, n, 1.0f, du, c.r, xin, c.d_in, 0.0f, f.da, c.d_in);
  const int64_t P = c.num_shards();
  be.scatter_add_a(f.da, P, c.s_a(), pool.device_idx_a(k), c.r, c.l, pool.array(MOS_POOL_GRAD_A));
  be.scatter_add_b(f.db, c.s_b(), P, pool.device_idx_b(k), c.r, c.l, pool.array(MOS_POOL_GRAD_B));
}

void grad_input(Backend& be, const MosConfig& c, const float* a, const float* du, int64_t n,
                const Dropout& d, float* xd, float* dx) {
  if (d.on()) {
    be.gemm(false, false, n, c.d_in, c.r, 1.0f, du, c.r, a, c.d_in, 0.0f, xd, c.d_in);
    be.dropout(xd, n * c.d_in, d.rate, d.seed, d.counter, xd);
    be.axpy(n * c.d_in, 1.0f, xd, dx);
  } else {
    be.gemm(false, false, n, c.d_in, c.r, 1.0f, du, c.r, a, c.d_in, 1.0f, dx, c.d_in);
  }
}

void add_delta(Backend& be, const MosConfig& c, const Pool::Factors& f, float sign, float* w) {
  be.gemm(false, false, c.d_out, c.d_in, c.r, sign * c.scaling(), f.b, c.r, f.a, c.d_in, 1.0f, w,
          c.d_in);
}

}  // namespace adapter
}  // namespace mos
