// SPDX-License-Identifier: Apache-2.0
// Lifetimes: idempotent close, the Cleaner safety net, and the defined parent/child rule: closing
// (or dropping) a parent first leaves its children working, with results identical (exact) to
// those before; the native context is freed when its last object goes.
package org.mos;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LifecycleTest {

  @Test
  void childrenKeepWorkingAfterTheirParentsAreClosed() {
    MosContext ctx = MosContext.cpu();
    ShardPool pool = ShardPool.create(ctx, 8, 12, 3, Fixture.cfg(4, 2, 1, 2));
    pool.init(1);
    pool.generateIndices(1);
    pool.write(
        PoolArray.POOL_B,
        Fixture.random(new java.util.SplittableRandom(1), pool.size(PoolArray.POOL_B), 1));
    Tensor w = Tensor.of(ctx, Fixture.random(new java.util.SplittableRandom(2), 96, 1), 12, 8);
    MosLinear layer = MosLinear.create(pool, 2, w, null);
    AdamW opt = AdamW.create(ctx);
    opt.addPool(pool);
    float[] x = Fixture.random(new java.util.SplittableRandom(3), 3 * 8, 1);
    float[] g = Fixture.random(new java.util.SplittableRandom(4), 3 * 12, 1);
    float[] y = layer.forward(x, 3, true);
    float[] dx = layer.backward(x, g, 3);
    float[] delta = layer.deltaWeight();

    ctx.close();
    w.close();
    pool.close();
    assertTrue(ctx.isClosed() && pool.isClosed() && w.isClosed());
    assertFalse(ctx.nativeFreed(), "the layer and optimizer still use the native context");
    assertArrayEquals(y, layer.forward(x, 3, true), "layer after closing ctx, pool, weight");
    assertArrayEquals(dx, layer.backward(x, g, 3));
    assertArrayEquals(delta, layer.deltaWeight());
    opt.step(); // the optimizer still reaches the (closed) pool's arrays
    assertEquals(1, opt.stepCount());
    assertThrows(
        MosClosedException.class,
        () -> Tensor.zeros(ctx, 1, 1),
        "creating objects in a closed context");
    layer.close();
    assertFalse(ctx.nativeFreed());
    opt.close();
    assertTrue(ctx.nativeFreed(), "the last object released the native context");
  }

  @Test
  void unreachableParentsStayAliveThroughTheirChildren() throws Exception {
    MosLinear layer = buildDetachedLayer();
    WeakReference<MosContext> ctxRef = new WeakReference<>(layer.pool().context());
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(10);
    }
    assertTrue(ctxRef.get() != null, "the layer keeps its context reachable");
    float[] y = layer.forward(new float[2 * 8], 2, false);
    assertEquals(2 * 12, y.length);
    layer.close();
  }

  private static MosLinear buildDetachedLayer() {
    MosContext ctx = MosContext.cpu();
    ShardPool pool = ShardPool.create(ctx, 8, 12, 3, Fixture.cfg(4, 2, 1, 2));
    pool.init(1);
    pool.generateIndices(1);
    return MosLinear.create(pool, 0, Tensor.zeros(ctx, 12, 8), null);
  }

  @Test
  void theCleanerReleasesForgottenHandles() throws Exception {
    long before = NativeHandle.RELEASED_BY_CLEANER.get();
    List<WeakReference<Object>> refs = new ArrayList<>();
    forget(refs);
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (NativeHandle.RELEASED_BY_CLEANER.get() - before < 5 && System.nanoTime() < deadline) {
      System.gc();
      Thread.sleep(20);
    }
    for (WeakReference<Object> r : refs) {
      assertTrue(r.get() == null, "not collected: " + r.get());
    }
    assertTrue(
        NativeHandle.RELEASED_BY_CLEANER.get() - before >= 5,
        "the Cleaner released " + (NativeHandle.RELEASED_BY_CLEANER.get() - before)
            + " of 5 handles");
  }

  /** Creates a context, pool, tensor, layer and optimizer and closes none of them. */
  private static void forget(List<WeakReference<Object>> refs) {
    MosContext ctx = MosContext.cpu();
    ShardPool pool = ShardPool.create(ctx, 8, 8, 2, Fixture.cfg(2, 2, 1, 2));
    pool.generateIndices(1);
    Tensor w = Tensor.zeros(ctx, 8, 8);
    MosLinear layer = MosLinear.create(pool, 1, w, null);
    AdamW opt = AdamW.create(ctx);
    opt.addPool(pool);
    layer.forward(new float[8], 1, true);
    refs.add(new WeakReference<>(ctx));
    refs.add(new WeakReference<>(pool));
    refs.add(new WeakReference<>(w));
    refs.add(new WeakReference<>(layer));
    refs.add(new WeakReference<>(opt));
  }

  @Test
  void theCleanerReleasesAForgottenBankAndItsContext() throws Exception {
    long before = NativeHandle.RELEASED_BY_CLEANER.get();
    List<WeakReference<Object>> refs = new ArrayList<>();
    forgetBank(refs);
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (NativeHandle.RELEASED_BY_CLEANER.get() - before < 2 && System.nanoTime() < deadline) {
      System.gc();
      Thread.sleep(20);
    }
    for (WeakReference<Object> r : refs) {
      assertTrue(r.get() == null, "not collected: " + r.get());
    }
    assertTrue(
        NativeHandle.RELEASED_BY_CLEANER.get() - before >= 2,
        "the Cleaner released " + (NativeHandle.RELEASED_BY_CLEANER.get() - before)
            + " of 2 handles");
  }

  /** A context and a bank holding one adapter, neither closed (the adapter's pool is). */
  private static void forgetBank(List<WeakReference<Object>> refs) {
    MosContext ctx = MosContext.cpu();
    AdapterBank bank = AdapterBank.create(ctx, 0);
    try (ShardPool pool = ShardPool.create(ctx, 8, 8, 2, Fixture.cfg(2, 2, 1, 2))) {
      pool.generateIndices(1);
      bank.add(java.util.Map.of("q", pool));
    }
    bank.apply("q", 1, new float[8], new int[] {0}, new float[8]);
    refs.add(new WeakReference<>(ctx));
    refs.add(new WeakReference<>(bank));
  }

  @Test
  void aBankKeepsTheNativeContextUntilItIsClosed() {
    MosContext ctx = MosContext.cpu();
    AdapterBank bank = AdapterBank.create(ctx, 0);
    ctx.close();
    assertFalse(ctx.nativeFreed(), "the bank still uses the native context");
    assertEquals(0, bank.size());
    bank.close();
    assertTrue(ctx.nativeFreed(), "the bank was the context's last object");
  }

  @Test
  void closeIsIdempotentEverywhere() {
    MosContext ctx = MosContext.cpu();
    MosModel model = MosModel.create(ctx, Fixture.cfg(2, 2, 1, 2), 2);
    model.addPool("q", 8, 8);
    MosLinear layer = model.attach("q", 0, new float[64], null);
    for (int i = 0; i < 3; i++) {
      layer.close();
      model.close();
      ctx.close();
    }
    assertTrue(model.isClosed() && layer.isClosed());
    assertEquals(
        "MosModel is closed",
        assertThrows(MosClosedException.class, model::step).getMessage());
    assertTrue(ctx.nativeFreed());
  }
}
