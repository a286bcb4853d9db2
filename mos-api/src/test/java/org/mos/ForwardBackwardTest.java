// SPDX-License-Identifier: Apache-2.0
// Compares libmos's f32 forward, backward (dx, dpool_A, dpool_B) and delta W with the
// double-precision oracle (Oracle.java, method.md §3-§5) at F32_FORWARD / F32_BACKWARD / F32_DELTA
// (1e-5 normwise relative), over a table of shapes, in FULL and ADAPTER_ONLY modes.
package org.mos;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ForwardBackwardTest {

  static final int N = 5;

  static Stream<Arguments> shapes() {
    return Stream.of(
        Arguments.of(8, 12, 3, Fixture.cfg(4, 2, 1, 2)),
        Arguments.of(6, 10, 2, Fixture.cfg(3, 2, 0, 1)),
        Arguments.of(8, 6, 3, Fixture.cfg(2, 2, 2, 2)),
        Arguments.of(16, 8, 2, Fixture.cfg(3, 2, 1, 4)),
        Arguments.of(64, 176, 4, Fixture.cfg(8, 4, 1, 2)),
        Arguments.of(176, 64, 4, Fixture.cfg(8, 4, 1, 2)));
  }

  @ParameterizedTest(name = "{0}->{1}, L={2}, {3}")
  @MethodSource("shapes")
  void fullModeMatchesTheOracle(int dIn, int dOut, int numLayers, MosConfig config) {
    try (Fixture f = new Fixture(21, dIn, dOut, numLayers, config)) {
      float[] w = f.random(dOut * dIn, 0.3);
      float[] bias = f.random(dOut, 0.3);
      int k = numLayers - 1;
      try (Tensor wt = Tensor.of(f.ctx, w, dOut, dIn);
          Tensor bt = Tensor.of(f.ctx, bias, 1, dOut);
          MosLinear layer = MosLinear.create(f.pool, k, wt, bt)) {
        String ctx = f.describe() + ", block " + k + ", N=" + N;
        Oracle.Layer o = f.oracle(k, w, bias);
        float[] x = f.random(N * dIn, 1.0);
        double[] xd = Oracle.d(x);
        float[] y = layer.forward(x, N, true);
        Tolerances.assertClose(
            "y (FULL)", y, o.forwardFull(xd, xd, N), Tolerances.F32_FORWARD, ctx);

        float[] g = f.random(N * dOut, 1.0);
        f.pool.zeroGrad();
        float[] dx = layer.backward(x, g, N);
        double[][] ref = o.backward(xd, Oracle.d(g), N);
        Tolerances.assertClose(
            "dx (FULL)",
            dx,
            Oracle.plus(o.baseDx(Oracle.d(g), N), ref[2]),
            Tolerances.F32_BACKWARD,
            ctx);
        assertPoolGrads(f, k, ref, ctx);

        Tolerances.assertClose(
            "delta W", layer.deltaWeight(), o.delta(), Tolerances.F32_DELTA, ctx);
      }
    }
  }

  @ParameterizedTest(name = "{0}->{1}, L={2}, {3}")
  @MethodSource("shapes")
  void adapterOnlyModeAddsToTheCallersBuffers(int dIn, int dOut, int numLayers, MosConfig config) {
    try (Fixture f = new Fixture(22, dIn, dOut, numLayers, config);
        MosLinear layer = MosLinear.create(f.pool, 0, null, null)) {
      String ctx = f.describe() + ", block 0, adapter only";
      Oracle.Layer o = f.oracle(0, null, null);
      float[] x = f.random(N * dIn, 1.0);
      float[] y0 = f.random(N * dOut, 1.0);
      float[] g = f.random(N * dOut, 1.0);
      float[] dx0 = f.random(N * dIn, 1.0);
      try (Tensor xt = Tensor.of(f.ctx, x, N, dIn);
          Tensor yt = Tensor.of(f.ctx, y0, N, dOut);
          Tensor gt = Tensor.of(f.ctx, g, N, dOut);
          Tensor dxt = Tensor.of(f.ctx, dx0, N, dIn)) {
        layer.forward(xt, yt, MosLinear.Mode.ADAPTER_ONLY, true);
        double[] xd = Oracle.d(x);
        Tolerances.assertClose(
            "y += delta",
            yt.toArray(),
            Oracle.plus(Oracle.d(y0), o.adapter(xd, N)),
            Tolerances.F32_FORWARD,
            ctx);
        f.pool.zeroGrad();
        layer.backward(xt, gt, dxt, MosLinear.Mode.ADAPTER_ONLY);
        double[][] ref = o.backward(xd, Oracle.d(g), N);
        Tolerances.assertClose(
            "dx += adapter part",
            dxt.toArray(),
            Oracle.plus(Oracle.d(dx0), ref[2]),
            Tolerances.F32_BACKWARD,
            ctx);
        assertPoolGrads(f, 0, ref, ctx);
        // The array convenience of an adapter-only layer returns the adapter output alone.
        Tolerances.assertClose(
            "forward(float[])",
            layer.forward(x, N, false),
            o.adapter(xd, N),
            Tolerances.F32_FORWARD,
            ctx);
      }
    }
  }

  @Test
  void backwardWithoutDxOnlyAccumulatesGradients() {
    try (Fixture f = new Fixture(23, 8, 12, 3, Fixture.cfg(4, 2, 1, 2));
        Tensor wt = Tensor.of(f.ctx, f.random(96, 0.3), 12, 8);
        MosLinear layer = MosLinear.create(f.pool, 1, wt, null);
        Tensor x = Tensor.of(f.ctx, f.random(N * 8, 1), N, 8);
        Tensor y = Tensor.zeros(f.ctx, N, 12);
        Tensor g = Tensor.of(f.ctx, f.random(N * 12, 1), N, 12)) {
      layer.forward(x, y, true);
      f.pool.zeroGrad();
      layer.backward(x, g, null);
      double[][] ref =
          f.oracle(1, null, null).backward(Oracle.d(x.toArray()), Oracle.d(g.toArray()), N);
      assertPoolGrads(f, 1, ref, f.describe());
    }
  }

  @Test
  void evalForwardIgnoresDropout() {
    MosConfig c = Fixture.cfg(4, 2, 1, 2).toBuilder().dropout(0.5f).build();
    try (Fixture f = new Fixture(24, 8, 12, 3, c);
        MosLinear layer = MosLinear.create(f.pool, 2, null, null)) {
      float[] x = f.random(N * 8, 1);
      double[] ref = f.oracle(2, null, null).adapter(Oracle.d(x), N);
      Tolerances.assertClose(
          "eval forward", layer.forward(x, N, false), ref, Tolerances.F32_FORWARD, f.describe());
      float[] train = layer.forward(x, N, true);
      double rel = Tolerances.relError(train, ref);
      org.junit.jupiter.api.Assertions.assertTrue(
          rel > 1e-3,
          "a training forward with dropout 0.5 should differ from eval (rel " + rel + ")");
    }
  }

  /** grad_A, grad_B of the pool equal the oracle's scatter of one layer's dA, dB. */
  static void assertPoolGrads(Fixture f, int k, double[][] ref, String ctx) {
    double[] gA = new double[f.pool.size(PoolArray.GRAD_A)];
    double[] gB = new double[f.pool.size(PoolArray.GRAD_B)];
    Oracle.scatterA(gA, ref[0], f.pool.shardLengthA(), f.pool.indicesA(k), f.r(), f.l());
    Oracle.scatterB(
        gB, ref[1], f.pool.shardLengthB(), f.pool.numShards(), f.pool.indicesB(k), f.r(), f.l());
    Tolerances.assertClose(
        "dpool_A", f.pool.read(PoolArray.GRAD_A), gA, Tolerances.F32_BACKWARD, ctx);
    Tolerances.assertClose(
        "dpool_B", f.pool.read(PoolArray.GRAD_B), gB, Tolerances.F32_BACKWARD, ctx);
  }
}
