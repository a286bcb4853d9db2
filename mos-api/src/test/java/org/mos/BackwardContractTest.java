// SPDX-License-Identifier: Apache-2.0
// MosLinear.backward and its x: libmos takes only the tensor its training forward read, unwritten
// since (another tensor with the same values, or a rewrite of the same values, is INVALID_STATE and
// changes no gradient); the array conveniences keep the forward's x and pass it back when the
// values agree; backward's mode is free (gradients identical in every pairing, exact) and
// dx(FULL) - dx(ADAPTER_ONLY) = dy W (double loop, F32 tolerance).
package org.mos;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class BackwardContractTest {

  private static final int N = 4;

  private static float[] grads(ShardPool pool) {
    float[] a = pool.read(PoolArray.GRAD_A);
    float[] b = pool.read(PoolArray.GRAD_B);
    float[] g = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, g, a.length, b.length);
    return g;
  }

  @Test
  void tensorBackwardTakesOnlyTheForwardsUnwrittenX() {
    try (Fixture f = new Fixture(811, 8, 12, 3, Fixture.cfg(4, 2, 1, 2));
        Tensor w = Tensor.of(f.ctx, f.random(12 * 8, 1), 12, 8);
        MosLinear layer = MosLinear.create(f.pool, 0, w, null)) {
      float[] xv = f.random(N * 8, 1);
      try (Tensor x = Tensor.of(f.ctx, xv, N, 8);
          Tensor same = Tensor.of(f.ctx, xv, N, 8);
          Tensor y = Tensor.zeros(f.ctx, N, 12);
          Tensor dy = Tensor.of(f.ctx, f.random(N * 12, 1), N, 12)) {
        layer.forward(x, y, true);
        layer.backward(x, dy, null);
        float[] reference = grads(f.pool);

        f.pool.zeroGrad();
        layer.forward(x, y, true);
        float[] zero = grads(f.pool);
        ErrorHandlingTest.expect(
            Status.INVALID_STATE,
            () -> layer.backward(same, dy, null),
            "mos_layer_backward: x is not the tensor the last training forward");
        assertArrayEquals(zero, grads(f.pool), "a refused backward changed the gradients");
        x.copyFrom(xv); // the same values, written again
        ErrorHandlingTest.expect(
            Status.INVALID_STATE,
            () -> layer.backward(x, dy, null),
            "x was written after the last training forward");
        assertArrayEquals(zero, grads(f.pool), "a refused backward changed the gradients");

        layer.forward(x, y, true);
        layer.forward(x, y, false); // reading x (an inference forward) does not count
        layer.backward(x, dy, null);
        assertArrayEquals(reference, grads(f.pool), "forward + backward on the same x");
      }
    }
  }

  @Test
  void arrayBackwardUsesTheForwardsCopyWhenTheValuesAgree() {
    try (Fixture f = new Fixture(812, 8, 12, 3, Fixture.cfg(4, 2, 1, 2));
        Tensor w = Tensor.of(f.ctx, f.random(12 * 8, 1), 12, 8);
        MosLinear layer = MosLinear.create(f.pool, 1, w, null)) {
      float[] x = f.random(N * 8, 1);
      float[] dy = f.random(N * 12, 1);
      layer.forward(x, N, true);
      float[] dx = layer.backward(x.clone(), dy, N); // equal values, another array: fine
      float[] g = grads(f.pool);

      f.pool.zeroGrad();
      layer.forward(x, N, true);
      float[] changed = x.clone();
      changed[5] += 1f;
      ErrorHandlingTest.expect(
          Status.INVALID_STATE,
          () -> layer.backward(changed, dy, N),
          "mos_layer_backward: x is not the tensor the last training forward");
      assertArrayEquals(dx, layer.backward(x, dy, N));
      assertArrayEquals(g, grads(f.pool), "the same gradients as the first forward + backward");

      // A training forward on tensors in between: the kept copy is no longer the forward's x.
      try (Tensor xt = Tensor.of(f.ctx, x, N, 8);
          Tensor yt = Tensor.zeros(f.ctx, N, 12)) {
        layer.forward(xt, yt, true);
        ErrorHandlingTest.expect(
            Status.INVALID_STATE,
            () -> layer.backward(x, dy, N),
            "x is not the tensor the last training forward");
      }
    }
  }

  @Test
  void backwardModeIsFree() {
    MosConfig cfg = Fixture.cfg(4, 2, 1, 2).toBuilder().dropout(0f).build();
    try (Fixture f = new Fixture(813, 8, 12, 3, cfg)) {
      float[] wv = f.random(12 * 8, 1);
      float[] xv = f.random(N * 8, 1);
      float[] dyv = f.random(N * 12, 1);
      try (Tensor w = Tensor.of(f.ctx, wv, 12, 8);
          MosLinear layer = MosLinear.create(f.pool, 0, w, null);
          Tensor x = Tensor.of(f.ctx, xv, N, 8);
          Tensor y = Tensor.zeros(f.ctx, N, 12);
          Tensor dy = Tensor.of(f.ctx, dyv, N, 12)) {
        float[] gradRef = null;
        float[] dxFull = null;
        for (MosLinear.Mode fwd : MosLinear.Mode.values()) {
          for (MosLinear.Mode bwd : MosLinear.Mode.values()) {
            try (Tensor dx = Tensor.zeros(f.ctx, N, 8)) {
              f.pool.zeroGrad();
              layer.forward(x, y, fwd, true);
              layer.backward(x, dy, dx, bwd);
              float[] g = grads(f.pool);
              if (gradRef == null) {
                gradRef = g;
              }
              assertArrayEquals(gradRef, g, fwd + " forward, " + bwd + " backward");
              if (bwd == MosLinear.Mode.FULL) {
                if (dxFull == null) {
                  dxFull = dx.toArray();
                }
                assertArrayEquals(dxFull, dx.toArray(), "dx (FULL) after a " + fwd + " forward");
              } else {
                float[] dxAdapter = dx.toArray();
                double[] diff = new double[dxAdapter.length];
                double[] dyW = new double[dxAdapter.length];
                for (int n = 0; n < N; n++) {
                  for (int c = 0; c < 8; c++) {
                    diff[n * 8 + c] = (double) dxFull[n * 8 + c] - dxAdapter[n * 8 + c];
                    for (int o = 0; o < 12; o++) {
                      dyW[n * 8 + c] += (double) dyv[n * 12 + o] * wv[o * 8 + c];
                    }
                  }
                }
                float[] got = new float[diff.length];
                for (int i = 0; i < got.length; i++) {
                  got[i] = (float) diff[i];
                }
                Tolerances.assertClose(
                    "dx(FULL) - dx(ADAPTER_ONLY) vs dy W",
                    got,
                    dyW,
                    Tolerances.F32_FORWARD,
                    f.describe());
              }
            }
          }
        }
        assertEquals(12 * (8 / 2 + 12 / 2), gradRef.length, "P = R_eq L l = 12 shards, both pools");
      }
    }
  }
}
