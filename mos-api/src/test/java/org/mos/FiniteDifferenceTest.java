// SPDX-License-Identifier: Apache-2.0
// Compares libmos's analytic gradients (dpool_A, dpool_B, dx) with central finite differences of
// the f32 loss sum(y * G) on a tiny shape, with dropout on (the same mask for every evaluation via
// the dropout state), at F32_FINITE_DIFF (2e-3 normwise relative).
package org.mos;

import org.junit.jupiter.api.Test;

class FiniteDifferenceTest {

  static final int N = 3;
  static final int D_IN = 4;
  static final int D_OUT = 6;
  // The loss is linear in each of pool_A, pool_B and x separately, so central differences are
  // exact up to rounding and a large step keeps f32 rounding small.
  static final double EPS = 1e-2;

  @Test
  void gradientsMatchCentralDifferences() {
    MosConfig c = Fixture.cfg(2, 2, 1, 2).toBuilder().dropout(0.25f).build();
    try (Fixture f = new Fixture(31, D_IN, D_OUT, 2, c);
        Tensor w = Tensor.of(f.ctx, f.random(D_OUT * D_IN, 0.5), D_OUT, D_IN);
        Tensor b = Tensor.of(f.ctx, f.random(D_OUT, 0.5), 1, D_OUT);
        MosLinear layer = MosLinear.create(f.pool, 1, w, b)) {
      float[] x = f.random(N * D_IN, 1);
      float[] g = f.random(N * D_OUT, 1);
      String ctx = f.describe() + ", block 1, N=" + N + ", dropout 0.25, eps=" + EPS;

      layer.setDropoutState(7, 0);
      layer.forward(x, N, true);
      f.pool.zeroGrad();
      float[] dx = layer.backward(x, g, N);
      float[] gradA = f.pool.read(PoolArray.GRAD_A);
      float[] gradB = f.pool.read(PoolArray.GRAD_B);

      Tolerances.assertClose(
          "dpool_A vs finite differences",
          gradA,
          fdPool(f, layer, PoolArray.POOL_A, x, g),
          Tolerances.F32_FINITE_DIFF,
          ctx);
      Tolerances.assertClose(
          "dpool_B vs finite differences",
          gradB,
          fdPool(f, layer, PoolArray.POOL_B, x, g),
          Tolerances.F32_FINITE_DIFF,
          ctx);
      double[] fdX = new double[x.length];
      for (int i = 0; i < x.length; i++) {
        float[] xp = x.clone();
        xp[i] = (float) (x[i] + EPS);
        float[] xm = x.clone();
        xm[i] = (float) (x[i] - EPS);
        fdX[i] = (loss(layer, xp, g) - loss(layer, xm, g)) / (xp[i] - xm[i]);
      }
      Tolerances.assertClose("dx vs finite differences", dx, fdX, Tolerances.F32_FINITE_DIFF, ctx);
    }
  }

  static double[] fdPool(Fixture f, MosLinear layer, PoolArray which, float[] x, float[] g) {
    float[] base = f.pool.read(which);
    double[] fd = new double[base.length];
    for (int i = 0; i < base.length; i++) {
      float[] p = base.clone();
      p[i] = (float) (base[i] + EPS);
      f.pool.write(which, p);
      double plus = loss(layer, x, g);
      float hi = p[i];
      p[i] = (float) (base[i] - EPS);
      f.pool.write(which, p);
      double minus = loss(layer, x, g);
      fd[i] = (plus - minus) / (hi - p[i]);
    }
    f.pool.write(which, base);
    return fd;
  }

  /** sum(y * g) of a training forward with the dropout mask of state (7, 0). */
  static double loss(MosLinear layer, float[] x, float[] g) {
    layer.setDropoutState(7, 0);
    float[] y = layer.forward(x, N, true);
    double s = 0;
    for (int i = 0; i < y.length; i++) {
      s += (double) y[i] * g[i];
    }
    return s;
  }
}
