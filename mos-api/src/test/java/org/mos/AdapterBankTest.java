// SPDX-License-Identifier: Apache-2.0
// AdapterBank vs the per-adapter dense path (A_k and B_k from ShardPool.assembleA/B, then
// (alpha/r) B_k (A_k x) in double) at MOS_TOL_F32_FORWARD from tests/native/tolerances.h, over
// mixed r, R_eq, p, l, alpha, ids of -1 and each kernel; merge at MOS_TOL_F32_DELTA; the budget,
// removed ids, MosAdapter input, the Tensor and segment overloads and the lifecycle.
package org.mos;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mos.io.AdapterConfig;
import org.mos.io.MosAdapter;
import org.mos.io.PoolData;

class AdapterBankTest {

  static final int L = 3;

  @Test
  void mixedBatchesMatchTheDensePath() {
    try (MosContext ctx = MosContext.cpu();
        AdapterBankTestSupport.Source a0 = AdapterBankTestSupport.source(
            1, L, 8, 4, 2, 2, 16f, "q_proj", 32, 48, "v_proj", 32, 32);
        AdapterBankTestSupport.Source a1 = AdapterBankTestSupport.source(
            2, L, 4, 2, 1, 1, 8f, "q_proj", 32, 48, "v_proj", 32, 32);
        AdapterBankTestSupport.Source a2 =
            AdapterBankTestSupport.source(3, L, 12, 4, 0, 4, 32f, "q_proj", 32, 48);
        AdapterBankTestSupport.Source a3 =
            AdapterBankTestSupport.source(4, L, 2, 2, 2, 1, 4f, "v_proj", 32, 32);
        AdapterBank bank = AdapterBank.create(ctx, 0)) {
      List<AdapterBankTestSupport.Source> byId = List.of(a0, a1, a2, a3);
      for (int i = 0; i < byId.size(); i++) {
        assertEquals(i, bank.add(byId.get(i).pools));
      }
      assertEquals(4, bank.size());
      assertEquals(new AdapterBank.Projection("q_proj", 0, 32, 48), bank.projection("q_proj"));
      assertEquals(new AdapterBank.Projection("v_proj", 1, 32, 32), bank.projection("v_proj"));
      assertEquals(L, bank.numLayers());
      Random rnd = new Random(5);
      int[] random = rnd.ints(37, -1, 4).toArray();
      int[] runs = new int[30];
      for (int t = 0; t < runs.length; t++) {
        runs[t] = t < 12 ? 2 : t < 14 ? -1 : t < 25 ? 0 : 1;
      }
      int[] eachOwn = {3, 2, 1, 0};
      int[] oneAdapter = new int[19];
      Arrays.fill(oneAdapter, 1);
      for (AdapterBank.Path path : AdapterBank.Path.values()) {
        bank.setPath(path);
        assertEquals(path, bank.path());
        for (String proj : List.of("q_proj", "v_proj")) {
          for (int k = 0; k < L; k++) {
            check(bank, byId, proj, k, random, rnd, path + " random");
            check(bank, byId, proj, k, runs, rnd, path + " runs");
          }
          check(bank, byId, proj, 1, eachOwn, rnd, path + " every token its own adapter");
          check(bank, byId, proj, 2, oneAdapter, rnd, path + " all on one adapter");
          check(bank, byId, proj, 0, new int[] {0}, rnd, path + " one token");
          check(bank, byId, proj, 0, new int[] {-1, -1}, rnd, path + " no adapter");
        }
      }
    }
  }

  @Test
  void singleAdapterBank() {
    try (MosContext ctx = MosContext.cpu();
        AdapterBankTestSupport.Source a =
            AdapterBankTestSupport.source(9, 2, 5, 3, 1, 2, 12f, "o_proj", 64, 40);
        AdapterBank bank = AdapterBank.create(ctx, 0)) {
      int id = bank.add(a.pools);
      int[] ids = new int[23];
      Arrays.fill(ids, id);
      ids[4] = -1;
      Random rnd = new Random(9);
      for (AdapterBank.Path path : AdapterBank.Path.values()) {
        bank.setPath(path);
        check(bank, List.of(a), "o_proj", 1, ids, rnd, "single adapter " + path);
      }
    }
  }

  @Test
  void tensorAndSegmentOverloadsAgree() {
    try (MosContext ctx = MosContext.cpu();
        AdapterBankTestSupport.Source a =
            AdapterBankTestSupport.source(11, L, 4, 2, 1, 2, 8f, "q_proj", 32, 48);
        AdapterBank bank = AdapterBank.create(ctx, 0)) {
      int id = bank.add(a.pools);
      int[] ids = {id, -1, id, id};
      float[] x = AdapterBankTestSupport.random(new Random(1), 4 * 32);
      float[] y = new float[4 * 48];
      bank.apply("q_proj", 2, x, ids, y);
      try (Tensor xt = Tensor.of(ctx, x, 4, 32);
          Tensor yt = Tensor.zeros(ctx, 4, 48)) {
        bank.apply("q_proj", 2, xt, ids, yt);
        assertArrayEquals(y, yt.toArray());
      }
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment xs = arena.allocateFrom(ValueLayout.JAVA_FLOAT, x);
        MemorySegment ys = arena.allocate(ValueLayout.JAVA_FLOAT, 4 * 48);
        bank.apply(0, 2, xs, ids, ys);
        assertArrayEquals(y, ys.toArray(ValueLayout.JAVA_FLOAT));
      }
      MosException shape = assertThrows(
          MosException.class,
          () -> bank.apply("q_proj", 0, new float[3 * 32], ids, new float[4 * 48]));
      assertEquals(Status.SHAPE_MISMATCH, shape.status(), shape.getMessage());
      MosException slot = assertThrows(MosException.class, () -> bank.apply(5, 0, x, ids, y));
      assertEquals(Status.INDEX_OUT_OF_RANGE, slot.status(), slot.getMessage());
      MosException block =
          assertThrows(MosException.class, () -> bank.apply("q_proj", L, x, ids, y));
      assertEquals(Status.INDEX_OUT_OF_RANGE, block.status(), block.getMessage());
      MosException unknown =
          assertThrows(MosException.class, () -> bank.apply("k_proj", 0, x, ids, y));
      assertEquals(Status.INVALID_ARGUMENT, unknown.status(), unknown.getMessage());
      assertTrue(unknown.getMessage().contains("'q_proj'"), unknown.getMessage());
      try (MosContext other = MosContext.cpu();
          Tensor xo = Tensor.of(other, x, 4, 32);
          Tensor yo = Tensor.zeros(other, 4, 48)) {
        MosException ctxErr =
            assertThrows(MosException.class, () -> bank.apply("q_proj", 0, xo, ids, yo));
        assertEquals(Status.INVALID_ARGUMENT, ctxErr.status(), ctxErr.getMessage());
      }
    }
  }

  @Test
  void budgetBytesAndRemoval() {
    try (MosContext ctx = MosContext.cpu();
        AdapterBankTestSupport.Source a = AdapterBankTestSupport.source(
            21, L, 8, 4, 2, 2, 16f, "q_proj", 32, 48, "v_proj", 32, 32);
        AdapterBankTestSupport.Source b =
            AdapterBankTestSupport.source(22, L, 4, 2, 0, 1, 8f, "q_proj", 32, 48)) {
      long bytesA = a.expectedBytes();
      long bytesB = b.expectedBytes();
      try (AdapterBank bank = AdapterBank.create(ctx, bytesA + bytesB - 1)) {
        int ia = bank.add(a.pools);
        assertEquals(bytesA, bank.bytes(ia));
        // Dense LoRA of the same active rank: 4 L r (d_in + d_out) per projection.
        assertEquals(4L * L * 8 * ((32 + 48) + (32 + 32)), bank.denseLoraBytes(ia));
        MosException full = assertThrows(MosException.class, () -> bank.add(b.pools));
        assertEquals(Status.OUT_OF_MEMORY, full.status(), full.getMessage());
        for (long v : new long[] {bytesA + bytesB - 1, bytesA, bytesB}) {
          assertTrue(full.getMessage().contains(Long.toString(v)), full.getMessage());
        }
        assertEquals(1, bank.size());
        assertEquals(bytesA, bank.totalBytes());
        assertEquals(bytesA + bytesB - 1, bank.budgetBytes());

        bank.remove(ia);
        assertEquals(0, bank.totalBytes());
        int ib = bank.add(b.pools);
        assertEquals(1, ib, "ids are never reused");
        float[] x = new float[2 * 32];
        float[] y = new float[2 * 48];
        Arrays.fill(y, 0.25f);
        MosException removed = assertThrows(
            MosException.class, () -> bank.apply("q_proj", 0, x, new int[] {ib, ia}, y));
        assertEquals(Status.INVALID_ARGUMENT, removed.status(), removed.getMessage());
        assertTrue(
            removed.getMessage().contains("ids[1] = 0")
                && removed.getMessage().contains("was removed"),
            removed.getMessage());
        for (float v : y) {
          assertEquals(0.25f, v, "a failed apply wrote y");
        }
        MosException again = assertThrows(MosException.class, () -> bank.remove(ia));
        assertEquals(Status.INVALID_ARGUMENT, again.status(), again.getMessage());
        assertThrows(MosException.class, () -> bank.bytes(ia));
      }
    }
  }

  @Test
  void addCopiesThePools() {
    try (MosContext ctx = MosContext.cpu();
        AdapterBankTestSupport.Source a =
            AdapterBankTestSupport.source(31, L, 4, 2, 1, 2, 8f, "q_proj", 32, 48);
        AdapterBank bank = AdapterBank.create(ctx, 0)) {
      int id = bank.add(a.pools);
      Random rnd = new Random(3);
      float[] x = AdapterBankTestSupport.random(rnd, 3 * 32);
      int[] ids = {id, -1, id};
      double[] ref =
          AdapterBankTestSupport.expected(List.of(a), "q_proj", 1, x, ids, new float[3 * 48]);
      ShardPool p = a.pools.get("q_proj");
      p.write(PoolArray.POOL_B, new float[p.size(PoolArray.POOL_B)]); // the bank keeps its copy
      p.close();
      float[] y = new float[3 * 48];
      bank.apply("q_proj", 1, x, ids, y);
      AdapterBankTestSupport.assertClose("apply after the source pool changed", y, ref, "q_proj");
    }
  }

  @Test
  void addFromAMosAdapterAndAModel() {
    try (MosContext ctx = MosContext.cpu();
        AdapterBankTestSupport.Source a = AdapterBankTestSupport.source(
            41, L, 6, 3, 1, 2, 12f, "q_proj", 32, 48, "v_proj", 32, 32);
        AdapterBank bank = AdapterBank.create(ctx, 0)) {
      AdapterConfig.Builder cb = AdapterConfig.builder()
          .r(6)
          .equivalentRank(3)
          .privateRank(1)
          .shardsPerVector(2)
          .loraAlpha(12f)
          .loraDropout(0f)
          .numLayers(L);
      Map<String, PoolData> data = new LinkedHashMap<>();
      for (Map.Entry<String, ShardPool> e : a.pools.entrySet()) {
        ShardPool p = e.getValue();
        cb.pool(e.getKey(), p.dIn(), p.dOut(), "model.layers.{layer}." + e.getKey());
        int per = p.indexLength();
        int[] ia = new int[L * per];
        int[] ib = new int[L * per];
        for (int k = 0; k < L; k++) {
          System.arraycopy(p.indicesA(k), 0, ia, k * per, per);
          System.arraycopy(p.indicesB(k), 0, ib, k * per, per);
        }
        data.put(
            e.getKey(), new PoolData(p.read(PoolArray.POOL_A), p.read(PoolArray.POOL_B), ia, ib));
      }
      int fromPools = bank.add(a.pools);
      int fromAdapter = new MosAdapter(cb.build(), data).addTo(bank);
      assertEquals(bank.bytes(fromPools), bank.bytes(fromAdapter));
      float[] x = AdapterBankTestSupport.random(new Random(4), 5 * 32);
      for (String proj : List.of("q_proj", "v_proj")) {
        int dOut = bank.projection(proj).dOut();
        float[] y1 = new float[5 * dOut];
        float[] y2 = new float[5 * dOut];
        bank.apply(proj, 2, x, new int[] {fromPools, fromPools, -1, fromPools, fromPools}, y1);
        bank.apply(
            proj, 2, x, new int[] {fromAdapter, fromAdapter, -1, fromAdapter, fromAdapter}, y2);
        assertArrayEquals(y1, y2, proj);
      }
      // A MosModel's pools: its q_proj has another shape, which the bank refuses.
      MosConfig mc =
          MosConfig.builder().rank(4).equivalentRank(2).privateRank(1).build();
      try (MosModel model = MosModel.create(ctx, mc, L)) {
        model.addPool("v_proj", 32, 32);
        int fromModel = bank.add(model);
        assertEquals(2, fromModel);
        model.addPool("q_proj", 32, 64);
        MosException shape = assertThrows(MosException.class, () -> bank.add(model));
        assertEquals(Status.SHAPE_MISMATCH, shape.status(), shape.getMessage());
      }
    }
  }

  @Test
  void mergeMatchesTheOracle() {
    try (MosContext ctx = MosContext.cpu();
        AdapterBankTestSupport.Source a =
            AdapterBankTestSupport.source(51, L, 8, 4, 1, 2, 16f, "q_proj", 32, 48);
        AdapterBank bank = AdapterBank.create(ctx, 0)) {
      int id = bank.add(a.pools);
      float[] w = AdapterBankTestSupport.random(new Random(8), 48 * 32);
      try (Tensor wt = Tensor.of(ctx, w, 48, 32)) {
        bank.merge(id, "q_proj", 1, wt);
        double[] ref = a.delta("q_proj", 1);
        for (int i = 0; i < ref.length; i++) {
          ref[i] += w[i];
        }
        AdapterBankTestSupport.assertClose(
            "merged W",
            wt.toArray(),
            ref,
            AdapterBankTestSupport.tol("F32_DELTA"),
            "q_proj block 1");
        bank.unmerge(id, "q_proj", 1, wt);
        double[] orig = new double[w.length];
        for (int i = 0; i < w.length; i++) {
          orig[i] = w[i];
        }
        AdapterBankTestSupport.assertClose(
            "W after merge + unmerge",
            wt.toArray(),
            orig,
            AdapterBankTestSupport.tol("F32_MERGE_ROUNDTRIP"),
            "q_proj block 1");
      }
    }
  }

  @Test
  void closeIsIdempotentAndFinal() {
    try (MosContext ctx = MosContext.cpu();
        AdapterBankTestSupport.Source a =
            AdapterBankTestSupport.source(61, L, 4, 2, 1, 2, 8f, "q_proj", 32, 48)) {
      AdapterBank bank = AdapterBank.create(ctx, 0);
      int id = bank.add(a.pools);
      bank.close();
      bank.close();
      assertTrue(bank.isClosed());
      MosClosedException e = assertThrows(
          MosClosedException.class,
          () -> bank.apply(0, 0, new float[32], new int[] {id}, new float[48]));
      assertEquals("AdapterBank is closed", e.getMessage());
      assertThrows(MosClosedException.class, () -> bank.add(a.pools));
      assertThrows(MosClosedException.class, bank::totalBytes);
      MosException neg = assertThrows(MosException.class, () -> AdapterBank.create(ctx, -1));
      assertEquals(Status.INVALID_ARGUMENT, neg.status(), neg.getMessage());
    }
  }

  static void check(
      AdapterBank bank,
      List<AdapterBankTestSupport.Source> byId,
      String proj,
      int block,
      int[] ids,
      Random rnd,
      String what) {
    AdapterBank.Projection p = bank.projection(proj);
    float[] x = AdapterBankTestSupport.random(rnd, ids.length * p.dIn());
    float[] y = AdapterBankTestSupport.random(rnd, ids.length * p.dOut());
    double[] ref = AdapterBankTestSupport.expected(byId, proj, block, x, ids, y);
    bank.apply(proj, block, x, ids, y);
    AdapterBankTestSupport.assertClose(
        what, y, ref, proj + " block " + block + " ids " + Arrays.toString(ids));
  }
}
