// SPDX-License-Identifier: Apache-2.0
// TensorBf16Test: BF16 tensors from Java on the CPU: round-to-nearest-even on copyFrom, exact
// widening on copyTo, raw segments of 2-byte elements, MosContext.gemm and a MosLinear forward /
// backward on BF16 tensors vs the same computation in F32 (MOS_TOL_BF16_*), mixed dtypes refused.
package org.mos;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TensorBf16Test {

  static float[] random(Random rng, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = rng.nextFloat() * 2 - 1;
    }
    return v;
  }

  static float[] rounded(float[] v) {
    float[] r = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      r[i] = Bf16.round(v[i]);
    }
    return r;
  }

  static double relError(float[] got, float[] ref) {
    double worst = 0;
    double max = 0;
    for (int i = 0; i < ref.length; i++) {
      worst = Math.max(worst, Math.abs((double) got[i] - ref[i]));
      max = Math.max(max, Math.abs(ref[i]));
    }
    return worst / Math.max(max, Tolerances.TINY);
  }

  @Test
  void roundTripRoundsToNearestEven() {
    float tieDown = 1.0f + 0x1p-8f; // halfway between 1 and 1 + 2^-7: even is 1
    float tieUp = 1.0f + 0x3p-8f; // halfway between 1 + 2^-7 and 1 + 2^-6: even is 1 + 2^-6
    float above = 1.0f + 0x1p-8f + 0x1p-20f;
    try (MosContext ctx = MosContext.cpu();
        Tensor t = Tensor.of(
            ctx, new float[] {tieDown, tieUp, above, -2.5f, 0f, Float.NaN}, 2, 3, DType.BF16)) {
      assertEquals(DType.BF16, t.dtype());
      assertArrayEquals(new long[] {2, 3}, t.nativeShape());
      float[] back = t.toArray();
      assertEquals(1.0f, back[0]);
      assertEquals(1.0f + 0x1p-6f, back[1]);
      assertEquals(1.0f + 0x1p-7f, back[2]);
      assertEquals(-2.5f, back[3]);
      assertEquals(0f, back[4]);
      assertTrue(Float.isNaN(back[5]));
      MemorySegment raw = MemorySegment.ofArray(new short[6]);
      t.copyTo(raw);
      assertEquals((short) 0xc020, raw.getAtIndex(ValueLayout.JAVA_SHORT, 3)); // -2.5
      ErrorHandlingTest.expect(
          Status.SHAPE_MISMATCH, () -> t.copyTo(MemorySegment.ofArray(new float[6])), "bytes");
      try (Tensor z = Tensor.zeros(ctx, 3, 2, DType.BF16)) {
        assertArrayEquals(new float[6], z.toArray());
        z.copyFrom(raw);
        assertArrayEquals(back, z.toArray());
      }
    }
  }

  @Test
  void gemmAndLayerOnBf16MatchF32() {
    Random rng = new Random(11);
    int n = 5;
    int dIn = 16;
    int dOut = 12;
    float[] x = rounded(random(rng, n * dIn));
    float[] w = rounded(random(rng, dOut * dIn));
    float[] bias = rounded(random(rng, dOut));
    float[] dy = rounded(random(rng, n * dOut));
    try (MosContext ctx = MosContext.cpu()) {
      // gemm: y = x W^T in both dtypes.
      float[][] prod = new float[2][];
      for (DType d : DType.values()) {
        try (Tensor xt = Tensor.of(ctx, x, n, dIn, d);
            Tensor wt = Tensor.of(ctx, w, dOut, dIn, d);
            Tensor yt = Tensor.zeros(ctx, n, dOut, d)) {
          ctx.gemm(false, true, 1.0f, xt, wt, 0.0f, yt);
          prod[d.ordinal()] = yt.toArray();
        }
      }
      assertTrue(relError(prod[1], prod[0]) <= Tolerances.BF16_FORWARD, "bf16 gemm");

      // A layer with pool_B random: forward FULL + backward, BF16 vs F32 on the same values.
      float[][] y = new float[2][];
      float[][] dx = new float[2][];
      float[][] gradA = new float[2][];
      for (DType d : DType.values()) {
        try (ShardPool pool = ShardPool.create(ctx, dIn, dOut, 3, Fixture.cfg(4, 2, 1, 2));
            Tensor wt = Tensor.of(ctx, w, dOut, dIn, d);
            Tensor bt = Tensor.of(ctx, bias, 1, dOut, d);
            Tensor xt = Tensor.of(ctx, x, n, dIn, d);
            Tensor yt = Tensor.zeros(ctx, n, dOut, d);
            Tensor dyt = Tensor.of(ctx, dy, n, dOut, d);
            Tensor dxt = Tensor.zeros(ctx, n, dIn, d);
            MosLinear layer = MosLinear.create(pool, 1, wt, bt)) {
          pool.init(3);
          pool.generateIndices(4);
          float[] pb = pool.read(PoolArray.POOL_B);
          Random prng = new Random(5);
          for (int i = 0; i < pb.length; i++) {
            pb[i] = prng.nextFloat() - 0.5f;
          }
          pool.write(PoolArray.POOL_B, pb);
          layer.forward(xt, yt, true);
          layer.backward(xt, dyt, dxt);
          y[d.ordinal()] = yt.toArray();
          dx[d.ordinal()] = dxt.toArray();
          gradA[d.ordinal()] = pool.read(PoolArray.GRAD_A);
          if (d == DType.BF16) {
            try (Tensor x32 = Tensor.of(ctx, x, n, dIn);
                Tensor y32 = Tensor.zeros(ctx, n, dOut)) {
              ErrorHandlingTest.expect(
                  Status.INVALID_ARGUMENT, () -> layer.forward(x32, y32, false), "BF16");
              ErrorHandlingTest.expect(
                  Status.INVALID_ARGUMENT, () -> layer.forward(xt, y32, false), "BF16");
            }
          }
        }
      }
      assertTrue(relError(y[1], y[0]) <= Tolerances.BF16_FORWARD, "bf16 forward");
      assertTrue(relError(dx[1], dx[0]) <= Tolerances.BF16_BACKWARD, "bf16 dx");
      assertTrue(relError(gradA[1], gradA[0]) <= Tolerances.BF16_BACKWARD, "bf16 grad_A");
    }
  }
}
