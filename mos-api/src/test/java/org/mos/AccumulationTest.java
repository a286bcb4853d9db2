// SPDX-License-Identifier: Apache-2.0
// Gradient bookkeeping of method.md §5 and §10.4-§10.8, checked against the double oracle at
// F32_BACKWARD (1e-5) or exactly: accumulation across layers sharing a shard and over repeated
// indices, private rows fed by exactly one layer, and the init state (delta W = 0, dpool_A = 0).
package org.mos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AccumulationTest {

  static final int N = 4;

  @Test
  void gradientsAccumulateAcrossLayersSharingAShardAndRepeatedIndices() {
    try (Fixture f = new Fixture(41, 8, 12, 3, Fixture.cfg(3, 2, 0, 2))) {
      // Blocks 0 and 1 both use shard 4 (A) and shard 7 (B); block 1 uses shard 4 twice.
      f.pool.setIndices(0, new int[] {4, 1, 2, 3, 5, 6}, new int[] {7, 0, 1, 2, 3, 4});
      f.pool.setIndices(1, new int[] {4, 4, 9, 10, 11, 0}, new int[] {7, 7, 8, 9, 10, 11});
      double[] gA = new double[f.pool.size(PoolArray.GRAD_A)];
      double[] gB = new double[f.pool.size(PoolArray.GRAD_B)];
      f.pool.zeroGrad();
      for (int k = 0; k < 2; k++) {
        try (MosLinear layer = MosLinear.create(f.pool, k, null, null)) {
          float[] x = f.random(N * 8, 1);
          float[] g = f.random(N * 12, 1);
          layer.forward(x, N, true);
          layer.backward(x, g, N);
          double[][] ref = f.oracle(k, null, null).backward(Oracle.d(x), Oracle.d(g), N);
          Oracle.scatterA(gA, ref[0], f.pool.shardLengthA(), f.pool.indicesA(k), f.r(), f.l());
          Oracle.scatterB(
              gB,
              ref[1],
              f.pool.shardLengthB(),
              f.pool.numShards(),
              f.pool.indicesB(k),
              f.r(),
              f.l());
        }
      }
      Tolerances.assertClose(
          "dpool_A summed over blocks 0, 1",
          f.pool.read(PoolArray.GRAD_A),
          gA,
          Tolerances.F32_BACKWARD,
          f.describe());
      Tolerances.assertClose(
          "dpool_B summed over blocks 0, 1",
          f.pool.read(PoolArray.GRAD_B),
          gB,
          Tolerances.F32_BACKWARD,
          f.describe());
    }
  }

  @Test
  void backwardAddsUntilZeroGrad() {
    try (Fixture f = new Fixture(42, 8, 12, 3, Fixture.cfg(4, 2, 1, 2));
        MosLinear layer = MosLinear.create(f.pool, 0, null, null)) {
      float[] x = f.random(N * 8, 1);
      float[] g = f.random(N * 12, 1);
      f.pool.zeroGrad();
      layer.forward(x, N, true);
      layer.backward(x, g, N);
      float[] once = f.pool.read(PoolArray.GRAD_B);
      layer.forward(x, N, true);
      layer.backward(x, g, N);
      float[] twice = f.pool.read(PoolArray.GRAD_B);
      double[] doubled = new double[once.length];
      for (int i = 0; i < once.length; i++) {
        doubled[i] = 2.0 * once[i];
      }
      Tolerances.assertClose(
          "two backwards", twice, doubled, Tolerances.F32_BACKWARD, f.describe());
      f.pool.zeroGrad();
      for (float v : f.pool.read(PoolArray.GRAD_B)) {
        assertEquals(0f, v);
      }
    }
  }

  @Test
  void privateRowsGetGradientFromExactlyOneLayer() {
    int numLayers = 3;
    MosConfig c = Fixture.cfg(4, 3, 1, 2); // S = 2*3*2 = 12; private rows 12-13, 14-15, 16-17
    try (Fixture f = new Fixture(43, 8, 12, numLayers, c)) {
      int s = f.pool.publicShards();
      int pl = c.privateRank() * c.shardsPerVector();
      int sA = f.pool.shardLengthA();
      int numShards = f.pool.numShards();
      int sB = f.pool.shardLengthB();
      float[][] xs = new float[numLayers][];
      float[][] gs = new float[numLayers][];
      MosLinear[] layers = new MosLinear[numLayers];
      try {
        for (int k = 0; k < numLayers; k++) {
          layers[k] = MosLinear.create(f.pool, k, null, null);
          xs[k] = f.random(N * 8, 1);
          gs[k] = f.random(N * 12, 1);
        }
        f.pool.zeroGrad();
        layers[1].forward(xs[1], N, true);
        layers[1].backward(xs[1], gs[1], N);
        float[] onlyBlock1A = f.pool.read(PoolArray.GRAD_A);
        float[] onlyBlock1B = f.pool.read(PoolArray.GRAD_B);
        for (int k = 0; k < numLayers; k++) {
          boolean own = k == 1;
          for (int row = s + k * pl; row < s + (k + 1) * pl; row++) {
            double normA = 0;
            double normB = 0;
            for (int t = 0; t < sA; t++) {
              normA += Math.abs(onlyBlock1A[row * sA + t]);
            }
            for (int t = 0; t < sB; t++) {
              normB += Math.abs(onlyBlock1B[t * numShards + row]);
            }
            assertEquals(
                own,
                normA > 0,
                "private row " + row + " of block " + k + " after block 1's backward: |dpool_A| = "
                    + normA);
            assertEquals(
                own,
                normB > 0,
                "private column " + row + " of block " + k
                    + " after block 1's backward: |dpool_B| = " + normB);
          }
        }
        for (int k : new int[] {0, 2}) {
          layers[k].forward(xs[k], N, true);
          layers[k].backward(xs[k], gs[k], N);
        }
        float[] allA = f.pool.read(PoolArray.GRAD_A);
        for (int row = s + pl; row < s + 2 * pl; row++) {
          for (int t = 0; t < sA; t++) {
            assertEquals(
                onlyBlock1A[row * sA + t],
                allA[row * sA + t],
                "block 1's private row " + row + " changed by another block's backward");
          }
        }
      } finally {
        for (MosLinear l : layers) {
          if (l != null) {
            l.close();
          }
        }
      }
    }
  }

  @Test
  void atInitDeltaIsZeroAndPoolAGetsNoGradient() {
    try (MosContext ctx = MosContext.cpu();
        ShardPool pool = ShardPool.create(ctx, 16, 8, 2, Fixture.cfg(3, 2, 1, 2))) {
      pool.init(3);
      pool.generateIndices(3);
      float[] w = Fixture.random(new java.util.SplittableRandom(3), 8 * 16, 0.5);
      try (Tensor wt = Tensor.of(ctx, w, 8, 16);
          MosLinear layer = MosLinear.create(pool, 1, wt, null)) {
        for (float v : layer.deltaWeight()) {
          assertEquals(0f, v, "delta W must be 0 at init (pool_B = 0)");
        }
        float[] x = Fixture.random(new java.util.SplittableRandom(4), N * 16, 1);
        float[] y = layer.forward(x, N, true);
        double[] base = Oracle.mm(Oracle.d(x), Oracle.tr(Oracle.d(w), 8, 16), N, 16, 8);
        Tolerances.assertClose("y at init = x W^T", y, base, Tolerances.F32_FORWARD, "16->8, L=2");
        pool.zeroGrad();
        layer.backward(x, Fixture.random(new java.util.SplittableRandom(5), N * 8, 1), N);
        for (float v : pool.read(PoolArray.GRAD_A)) {
          assertEquals(0f, v, "dpool_A must be exactly 0 at init");
        }
        double sumB = 0;
        for (float v : pool.read(PoolArray.GRAD_B)) {
          sumB += Math.abs(v);
        }
        assertTrue(sumB > 0, "dpool_B must not be 0 at init");
      }
    }
  }
}
