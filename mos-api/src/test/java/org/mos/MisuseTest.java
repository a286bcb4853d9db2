// SPDX-License-Identifier: Apache-2.0
// Misuse from Java (docs/reliability.md): tensors of the wrong size or dtype, caller memory freed
// under a wrapped tensor, double close and use after close in every order, a context closed
// while its children work on other threads, many threads hammering one context with a random mix
// of calls and closes, and configs whose memory would exceed the machine. Every failure must be a
// MosException naming the problem; the JVM and every object not closed keep working, and results
// computed meanwhile are checked against a single-threaded run.
package org.mos;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class MisuseTest {

  @Test
  void tensorsOfTheWrongSizeOrDtype() {
    try (Fixture f = new Fixture(501, 8, 12, 3, Fixture.cfg(4, 2, 1, 2));
        MosLinear layer = MosLinear.create(f.pool, 0, null, null);
        Tensor x = Tensor.of(f.ctx, f.random(5 * 8, 1), 5, 8);
        Tensor y = Tensor.zeros(f.ctx, 5, 12);
        Tensor halves = Tensor.zeros(f.ctx, 5, 8, DType.BF16);
        Tensor wide = Tensor.zeros(f.ctx, 5, 9);
        Tensor rows = Tensor.zeros(f.ctx, 4, 12)) {
      layer.forward(x, y, MosLinear.Mode.ADAPTER_ONLY, false);
      float[] good = y.toArray();
      // A BF16 input with an F32 output: one layer call uses one dtype.
      MosException e = assertThrows(
          MosException.class, () -> layer.forward(halves, y, MosLinear.Mode.ADAPTER_ONLY, false));
      assertTrue(
          e.getMessage().startsWith("mos_layer_forward: ") && e.getMessage().contains("BF16"),
          e.getMessage());
      ErrorHandlingTest.expect(
          Status.SHAPE_MISMATCH,
          () -> layer.forward(wide, y, MosLinear.Mode.ADAPTER_ONLY, false),
          "9");
      ErrorHandlingTest.expect(
          Status.SHAPE_MISMATCH, () -> layer.forward(x, rows, MosLinear.Mode.ADAPTER_ONLY, false));
      assertArrayEquals(good, y.toArray(), "a refused call leaves the output alone");
      ErrorHandlingTest.expect(Status.SHAPE_MISMATCH, () -> Tensor.of(f.ctx, new float[7], 2, 4));
      ErrorHandlingTest.expect(Status.SHAPE_MISMATCH, () -> x.copyFrom(new float[39]));
      ErrorHandlingTest.expect(Status.SHAPE_MISMATCH, () -> x.copyTo(new float[41]));
      ErrorHandlingTest.expect(Status.SHAPE_MISMATCH, () -> layer.forward(new float[17], 2, false));
      assertThrows(MosException.class, () -> Tensor.zeros(f.ctx, -1, 8));
      assertThrows(MosException.class, () -> Tensor.zeros(f.ctx, 3, 0));
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment small = arena.allocate(10 * Float.BYTES);
        ErrorHandlingTest.expect(Status.SHAPE_MISMATCH, () -> Tensor.wrap(f.ctx, small, 3, 4));
        MemorySegment odd = arena.allocate(8 * Float.BYTES + 1, 4).asSlice(1, 8 * Float.BYTES);
        ErrorHandlingTest.expect(
            Status.INVALID_ARGUMENT, () -> Tensor.wrap(f.ctx, odd, 2, 4), "aligned");
        ErrorHandlingTest.expect(
            Status.INVALID_ARGUMENT,
            () -> Tensor.wrap(f.ctx, MemorySegment.ofArray(new float[8]), 2, 4),
            "heap");
      }
    }
  }

  @Test
  void freedCallerMemoryIsNeverHandedToLibmos() {
    try (Fixture f = new Fixture(502, 8, 12, 3, Fixture.cfg(4, 2, 1, 2));
        Tensor y = Tensor.zeros(f.ctx, 2, 12)) {
      Arena arena = Arena.ofShared();
      MemorySegment xs = arena.allocate(2 * 8 * Float.BYTES, 64);
      MemorySegment ws = arena.allocate(12 * 8 * Float.BYTES, 64);
      for (int i = 0; i < 16; i++) xs.setAtIndex(ValueLayout.JAVA_FLOAT, i, i * 0.1f);
      Tensor x = Tensor.wrap(f.ctx, xs, 2, 8);
      Tensor w = Tensor.wrap(f.ctx, ws, 12, 8);
      MosLinear layer = MosLinear.create(f.pool, 1, w, null);
      layer.forward(x, y, MosLinear.Mode.FULL, false);
      arena.close(); // the caller frees the memory under the tensors and the layer's weight
      MosClosedException e = assertThrows(MosClosedException.class, x::toArray);
      assertEquals(
          "Tensor uses caller memory that was freed (the Arena of the segment given to"
              + " Tensor.wrap is closed)",
          e.getMessage());
      assertThrows(
          MosClosedException.class,
          () -> layer.forward(new float[16], 2, false),
          "the layer's weight wraps the freed memory");
      try (Tensor x2 = Tensor.zeros(f.ctx, 2, 8)) {
        assertThrows(
            MosClosedException.class, () -> layer.forward(x2, y, MosLinear.Mode.FULL, false));
      }
      // Closing them is still fine, and everything else keeps working.
      layer.close();
      x.close();
      w.close();
      try (MosLinear ok = MosLinear.create(f.pool, 1, null, null)) {
        ok.forward(new float[16], 2, false);
      }
    }
  }

  @Test
  void closeInAnyOrderAnyNumberOfTimes() {
    Random rnd = new Random(3);
    for (int round = 0; round < 20; round++) {
      MosContext ctx = MosContext.cpu();
      ShardPool pool = ShardPool.create(ctx, 8, 8, 2, Fixture.cfg(2, 2, 1, 2));
      pool.init(round);
      pool.generateIndices(round);
      Tensor w = Tensor.zeros(ctx, 8, 8);
      MosLinear layer = MosLinear.create(pool, 0, w, null);
      AdamW opt = AdamW.create(ctx);
      opt.addPool(pool);
      List<AutoCloseable> all = new ArrayList<>(List.of(ctx, pool, w, layer, opt));
      java.util.Collections.shuffle(all, rnd);
      for (AutoCloseable c : all) {
        // Whatever is still open works; whatever is closed refuses with MosClosedException.
        try {
          float[] out = layer.forward(new float[16], 2, false);
          assertEquals(16, out.length);
        } catch (MosClosedException expected) {
          assertTrue(expected.getMessage().endsWith(" is closed"), expected.getMessage());
        }
        try {
          c.close();
          c.close(); // double close: nothing
        } catch (Exception ex) {
          throw new AssertionError(ex);
        }
      }
      assertThrows(MosClosedException.class, () -> layer.forward(new float[16], 2, false));
      assertThrows(MosClosedException.class, () -> Tensor.zeros(ctx, 1, 1));
    }
  }

  @Test
  void aContextClosedWhileItsChildrenWorkOnOtherThreads() throws Exception {
    MosContext ctx = MosContext.cpu();
    ShardPool pool = readyPool(ctx, 5);
    MosLinear layer = MosLinear.create(pool, 2, null, null);
    float[] x = new float[4 * 16];
    for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i);
    float[] expected = layer.forward(x, 4, false);
    ExecutorService exec = Executors.newFixedThreadPool(4);
    CountDownLatch started = new CountDownLatch(4);
    try {
      List<Future<Integer>> runs = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        runs.add(exec.submit(() -> {
          started.countDown();
          for (int i = 0; i < 300; i++) assertArrayEquals(expected, layer.forward(x, 4, false));
          return 300;
        }));
      }
      started.await();
      ctx.close(); // while the layers compute: they keep the native context alive
      assertThrows(MosClosedException.class, () -> Tensor.zeros(ctx, 1, 1));
      for (Future<Integer> r : runs) assertEquals(300, r.get());
    } finally {
      exec.shutdownNow();
      layer.close();
      pool.close();
    }
  }

  /**
   * Eight threads share one context and call everything at random: forwards (checked against the
   * single-threaded result), backwards, optimizer steps, pool reads and writes, tensor create and
   * close, and closes of shared objects. Calls are serialized by the context's lock; the only
   * failures allowed are MosClosedExceptions for objects another thread closed.
   */
  @Test
  void manyThreadsHammerOneContext() throws Exception {
    MosContext ctx = MosContext.cpu();
    ShardPool frozen = readyPool(ctx, 9);
    ShardPool trained = readyPool(ctx, 10);
    AdamW opt = AdamW.create(ctx);
    opt.addPool(trained);
    MosLinear[] readers = new MosLinear[4];
    float[][] want = new float[4][];
    float[] x = new float[3 * 16];
    for (int i = 0; i < x.length; i++) x[i] = (float) Math.cos(0.3 * i);
    for (int k = 0; k < 4; k++) {
      readers[k] = MosLinear.create(frozen, k, null, null);
      want[k] = readers[k].forward(x, 3, false);
    }
    MosLinear learner = MosLinear.create(trained, 0, null, null);
    Tensor shared = Tensor.of(ctx, x, 3, 16);
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    ExecutorService exec = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> runs = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        long seed = t;
        runs.add(exec.submit(() -> {
          Random rnd = new Random(seed);
          for (int i = 0; i < 400; i++) {
            int k = rnd.nextInt(4);
            try {
              switch (rnd.nextInt(9)) {
                case 0, 1 -> assertArrayEquals(want[k], readers[k].forward(x, 3, false));
                case 2 -> {
                  float[] y = learner.forward(x, 3, true);
                  learner.backward(x, y, 3);
                }
                case 3 -> opt.step();
                case 4 -> opt.zeroGrad();
                case 5 -> trained.write(PoolArray.POOL_A, trained.read(PoolArray.POOL_A));
                case 6 -> {
                  try (Tensor y = Tensor.zeros(ctx, 3, 16)) {
                    readers[k].forward(shared, y, MosLinear.Mode.ADAPTER_ONLY, false);
                    assertArrayEquals(want[k], y.toArray());
                  }
                }
                case 7 -> assertEquals(48, shared.toArray().length);
                default -> {
                  if (seed == 7 && i == 200) shared.close(); // another thread's tensor vanishes
                  else assertEquals(frozen.numLayers(), 4);
                }
              }
              ok.incrementAndGet();
            } catch (MosClosedException e) {
              assertEquals("Tensor is closed", e.getMessage());
              refused.incrementAndGet();
            }
          }
          return null;
        }));
      }
      for (Future<?> r : runs) r.get();
    } finally {
      exec.shutdownNow();
      for (MosLinear l : readers) l.close();
      learner.close();
      opt.close();
      frozen.close();
      trained.close();
      ctx.close();
    }
    assertEquals(8 * 400, ok.get() + refused.get());
    assertTrue(ok.get() > 2500, "most calls succeed: " + ok.get());
  }

  /** NaN and infinities never reach a pool array: the write is refused and changes nothing. */
  @Test
  void nonFiniteValuesNeverReachThePools() {
    try (Fixture f = new Fixture(503, 8, 12, 3, Fixture.cfg(4, 2, 1, 2))) {
      for (PoolArray which : PoolArray.values()) {
        float[] before = f.pool.read(which);
        for (float bad :
            new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
          float[] v = before.clone();
          v[v.length - 1] = bad;
          MosException e = ErrorHandlingTest.expect(
              Status.INVALID_ARGUMENT,
              () -> f.pool.write(which, v),
              "mos_pool_write: src[" + (v.length - 1) + "]");
          assertTrue(e.getMessage().contains(which.name()), e.getMessage());
          try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(ValueLayout.JAVA_FLOAT, v.length);
            MemorySegment.copy(v, 0, seg, ValueLayout.JAVA_FLOAT, 0, v.length);
            ErrorHandlingTest.expect(
                Status.INVALID_ARGUMENT, () -> f.pool.write(which, seg), "mos_pool_write: src[");
          }
          assertArrayEquals(before, f.pool.read(which), which + " changed by a refused write");
        }
        float[] extreme = before.clone();
        extreme[0] = Float.MAX_VALUE;
        extreme[extreme.length - 1] = -Float.MIN_VALUE;
        f.pool.write(which, extreme);
        assertArrayEquals(extreme, f.pool.read(which), "finite extremes are kept");
      }
    }
  }

  /** A 16 x 16 pool group of 4 blocks, initialized and indexed from {@code seed}. */
  private static ShardPool readyPool(MosContext ctx, long seed) {
    ShardPool p = ShardPool.create(ctx, 16, 16, 4, Fixture.cfg(4, 2, 1, 2));
    p.init(seed);
    p.generateIndices(seed);
    return p;
  }

  /** Sizes far beyond this machine: a clear OUT_OF_MEMORY MosException, and the JVM goes on. */
  @Test
  void configsBeyondTheMachinesMemoryAreOutOfMemoryErrors() {
    try (MosContext ctx = MosContext.cpu()) {
      // R_eq * L * l = 64 * 64 * 1 = 4096 shards of 2^24 floats in each pool, times two pools,
      // their gradients and AdamW moments: about 1.5 TiB.
      MosConfig huge = MosConfig.builder()
          .rank(64)
          .equivalentRank(64)
          .privateRank(0)
          .shardsPerVector(1)
          .build();
      MosException e =
          assertThrows(MosException.class, () -> ShardPool.create(ctx, 1 << 24, 1 << 24, 64, huge));
      assertEquals(Status.OUT_OF_MEMORY, e.status(), e.getMessage());
      assertTrue(
          e.getMessage().startsWith("mos_pool_create: the pool group needs ")
              && e.getMessage().contains("TiB")
              && e.getMessage().contains("available on this machine"),
          e.getMessage());
      MosException t = assertThrows(MosException.class, () -> Tensor.zeros(ctx, 1 << 30, 1 << 20));
      assertEquals(Status.OUT_OF_MEMORY, t.status(), t.getMessage());
      assertTrue(t.getMessage().contains("needs 4.00 PiB"), t.getMessage());
      // More threads than the machine can start: libgomp would end the process.
      ErrorHandlingTest.expect(
          Status.INVALID_ARGUMENT,
          () -> ctx.setNumThreads(1_000_000),
          "mos_context_set_num_threads",
          "1000000");
      // Still fine afterwards.
      try (ShardPool small = ShardPool.create(ctx, 8, 8, 2, Fixture.cfg(2, 2, 1, 2))) {
        small.init(1);
      }
    }
  }
}
