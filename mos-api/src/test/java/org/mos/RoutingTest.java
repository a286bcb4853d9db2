// SPDX-License-Identifier: Apache-2.0
// Checks mos_pool_generate_indices against method.md §2 rules (exact, integer): shared shards drawn
// without replacement from [0, S), private rows S + k p l .. in order last, A and B independent,
// deterministic per seed; and method.md §6 init: pool_A within ±1/sqrt(d_in), pool_B = 0.
package org.mos;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RoutingTest {

  @Test
  void generatedIndicesFollowSpecSection2() {
    int dIn = 16;
    int dOut = 24;
    int numLayers = 4;
    MosConfig c = Fixture.cfg(5, 3, 1, 2); // S = 2*4*2 = 16 public rows, P = 24
    try (MosContext ctx = MosContext.cpu();
        ShardPool pool = ShardPool.create(ctx, dIn, dOut, numLayers, c)) {
      pool.generateIndices(99);
      int s = pool.publicShards();
      assertEquals(16, s);
      assertEquals(24, pool.numShards());
      int shared = (c.rank() - c.privateRank()) * c.shardsPerVector();
      int priv = c.privateRank() * c.shardsPerVector();
      boolean anyDifferentAB = false;
      for (int k = 0; k < numLayers; k++) {
        for (int[] idx : new int[][] {pool.indicesA(k), pool.indicesB(k)}) {
          assertEquals(c.rank() * c.shardsPerVector(), idx.length);
          Set<Integer> seen = new HashSet<>();
          for (int i = 0; i < shared; i++) {
            assertTrue(
                idx[i] >= 0 && idx[i] < s,
                "block " + k + ": shared index " + idx[i] + " outside the public region [0, " + s
                    + ")");
            assertTrue(
                seen.add(idx[i]),
                "block " + k + ": shared shard " + idx[i] + " drawn twice " + Arrays.toString(idx));
          }
          for (int i = 0; i < priv; i++) {
            assertEquals(
                s + k * priv + i,
                idx[shared + i],
                "block " + k + ": private rows must be S + k*p*l + i, last, in order: "
                    + Arrays.toString(idx));
          }
        }
        anyDifferentAB |= !Arrays.equals(pool.indicesA(k), pool.indicesB(k));
      }
      assertTrue(anyDifferentAB, "A and B indices must be drawn independently (pair dissociation)");
      int[][] first = all(pool);
      pool.generateIndices(99);
      assertTrue(Arrays.deepEquals(first, all(pool)), "same seed, same indices");
      pool.generateIndices(100);
      assertFalse(Arrays.deepEquals(first, all(pool)), "another seed, other indices");
    }
  }

  static int[][] all(ShardPool pool) {
    int[][] all = new int[2 * pool.numLayers()][];
    for (int k = 0; k < pool.numLayers(); k++) {
      all[2 * k] = pool.indicesA(k);
      all[2 * k + 1] = pool.indicesB(k);
    }
    return all;
  }

  @Test
  void privateRankEqualToEquivalentRankIsPlainLoraLayout() {
    try (MosContext ctx = MosContext.cpu();
        ShardPool pool = ShardPool.create(ctx, 8, 8, 3, Fixture.cfg(2, 2, 2, 2))) {
      pool.generateIndices(1);
      assertEquals(0, pool.publicShards());
      for (int k = 0; k < 3; k++) {
        int[] want = {4 * k, 4 * k + 1, 4 * k + 2, 4 * k + 3};
        assertArrayEquals(want, pool.indicesA(k));
        assertArrayEquals(want, pool.indicesB(k));
      }
    }
  }

  @Test
  void initFollowsSpecSection6AndIsSeeded() {
    int dIn = 64;
    try (MosContext ctx = MosContext.cpu();
        ShardPool pool = ShardPool.create(ctx, dIn, 32, 4, Fixture.cfg(4, 2, 1, 2))) {
      pool.init(5);
      float[] a = pool.read(PoolArray.POOL_A);
      double bound = 1 / Math.sqrt(dIn);
      double sum = 0;
      Set<Float> distinct = new HashSet<>();
      for (float v : a) {
        assertTrue(Math.abs(v) <= bound * (1 + 1e-6), "pool_A value " + v + " outside ±" + bound);
        sum += v;
        distinct.add(v);
      }
      assertTrue(Math.abs(sum / a.length) < 0.2 * bound, "pool_A mean " + sum / a.length);
      assertTrue(distinct.size() > a.length / 2, "pool_A looks constant");
      for (float v : pool.read(PoolArray.POOL_B)) {
        assertEquals(0f, v, "pool_B must start at 0");
      }
      pool.init(5);
      assertArrayEquals(a, pool.read(PoolArray.POOL_A), "same seed, same init");
      pool.init(6);
      assertFalse(Arrays.equals(a, pool.read(PoolArray.POOL_A)), "another seed, another init");
    }
  }

  @Test
  void initClearsGradientsAndMoments() {
    try (MosContext ctx = MosContext.cpu();
        ShardPool pool = ShardPool.create(ctx, 8, 8, 2, Fixture.cfg(2, 2, 1, 2))) {
      for (PoolArray p : new PoolArray[] {
        PoolArray.GRAD_A, PoolArray.GRAD_B, PoolArray.ADAM_M_A, PoolArray.ADAM_V_B
      }) {
        float[] ones = new float[pool.size(p)];
        Arrays.fill(ones, 1f);
        pool.write(p, ones);
      }
      pool.init(1);
      for (PoolArray p : new PoolArray[] {
        PoolArray.GRAD_A, PoolArray.GRAD_B, PoolArray.ADAM_M_A, PoolArray.ADAM_V_B
      }) {
        for (float v : pool.read(p)) {
          assertEquals(0f, v, p + " must be cleared by init");
        }
      }
    }
  }
}
