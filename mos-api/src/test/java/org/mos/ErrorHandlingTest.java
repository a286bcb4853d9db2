// SPDX-License-Identifier: Apache-2.0
// Bad input -> MosException with the right Status and a message naming the problem; the objects
// are left exactly as they were (compared element for element) and keep working afterwards.
package org.mos;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class ErrorHandlingTest {

  static MosException expect(Status status, Executable call, String... mentions) {
    MosException e = assertThrows(MosException.class, call);
    assertEquals(status, e.status(), "status of: " + e.getMessage());
    assertFalse(e.getMessage() == null || e.getMessage().isBlank(), "empty message");
    for (String m : mentions) {
      assertTrue(
          e.getMessage().contains(m), "message should mention '" + m + "': " + e.getMessage());
    }
    return e;
  }

  @Test
  void aSuccessfulCallEmptiesTheLastError() {
    try (MosContext ctx = MosContext.cpu()) {
      expect(Status.INVALID_ARGUMENT, () -> ctx.setNumThreads(-1), "mos_context_set_num_threads");
      assertTrue(
          Native.lastError().startsWith("mos_context_set_num_threads: "),
          "the failure's message is there to read: " + Native.lastError());
      try (Tensor t = Tensor.zeros(ctx, 2, 2)) {
        assertEquals("", Native.lastError(), "after a successful call: " + Native.lastError());
      }
    }
  }

  @Test
  void shapeMismatchesLeaveOutputsUntouched() {
    try (Fixture f = new Fixture(71, 8, 12, 3, Fixture.cfg(4, 2, 1, 2));
        Tensor w = Tensor.of(f.ctx, f.random(96, 1), 12, 8);
        MosLinear layer = MosLinear.create(f.pool, 0, w, null);
        Tensor badX = Tensor.of(f.ctx, f.random(5 * 7, 1), 5, 7);
        Tensor x = Tensor.of(f.ctx, f.random(5 * 8, 1), 5, 8);
        Tensor badY = Tensor.of(f.ctx, f.random(4 * 12, 1), 4, 12)) {
      float[] yBefore = badY.toArray();
      expect(
          Status.SHAPE_MISMATCH, () -> layer.forward(badX, badY, true), "mos_layer_forward", "7");
      expect(Status.SHAPE_MISMATCH, () -> layer.forward(x, badY, true), "mos_layer_forward");
      assertArrayEquals(yBefore, badY.toArray(), "y changed by a failed forward");
      expect(Status.SHAPE_MISMATCH, () -> layer.forward(new float[13], 5, true), "13");
      expect(
          Status.SHAPE_MISMATCH, () -> MosLinear.create(f.pool, 1, badY, null), "mos_layer_create");
      expect(Status.SHAPE_MISMATCH, () -> Tensor.of(f.ctx, new float[5], 2, 3), "5", "6");
      try (Tensor small = Tensor.zeros(f.ctx, 2, 2)) {
        expect(Status.SHAPE_MISMATCH, () -> small.copyFrom(new float[3]));
        expect(Status.SHAPE_MISMATCH, () -> small.copyTo(new float[5]));
      }
      float[] ok = layer.forward(f.random(5 * 8, 1), 5, false);
      assertEquals(5 * 12, ok.length, "the layer still works");
    }
  }

  @Test
  void badIndicesAreRejectedBeforeAnythingIsWritten() {
    try (Fixture f = new Fixture(72, 8, 12, 3, Fixture.cfg(4, 2, 1, 2))) {
      int[] a = f.pool.indicesA(1);
      int[] b = f.pool.indicesB(1);
      int p = f.pool.numShards();
      int[] tooBig = a.clone();
      tooBig[a.length - 1] = p;
      expect(
          Status.INDEX_OUT_OF_RANGE,
          () -> f.pool.setIndices(1, tooBig, b),
          "mos_pool_set_indices",
          String.valueOf(p));
      int[] negative = b.clone();
      negative[3] = -1;
      expect(Status.INDEX_OUT_OF_RANGE, () -> f.pool.setIndices(1, a, negative), "-1");
      expect(Status.SHAPE_MISMATCH, () -> f.pool.setIndices(1, new int[] {1, 2}, new int[] {1, 2}));
      expect(Status.SHAPE_MISMATCH, () -> f.pool.setIndices(1, a, new int[] {1}));
      expect(Status.INDEX_OUT_OF_RANGE, () -> f.pool.setIndices(3, a, b), "3");
      expect(Status.INDEX_OUT_OF_RANGE, () -> f.pool.setIndices(-1, a, b));
      assertArrayEquals(a, f.pool.indicesA(1), "indices A half-updated");
      assertArrayEquals(b, f.pool.indicesB(1), "indices B half-updated");
      expect(Status.INDEX_OUT_OF_RANGE, () -> f.pool.indicesA(7));
      expect(Status.INDEX_OUT_OF_RANGE, () -> f.pool.assembleA(3));
      expect(Status.INDEX_OUT_OF_RANGE, () -> MosLinear.create(f.pool, 3, null, null));
      expect(Status.INDEX_OUT_OF_RANGE, () -> MosLinear.create(f.pool, -1, null, null));
    }
  }

  @Test
  void badPoolWritesLeaveThePoolUntouched() {
    try (Fixture f = new Fixture(73, 8, 12, 3, Fixture.cfg(4, 2, 1, 2))) {
      float[] before = f.pool.read(PoolArray.POOL_A);
      expect(
          Status.SHAPE_MISMATCH,
          () -> f.pool.write(PoolArray.POOL_A, new float[before.length - 1]),
          "mos_pool_write");
      expect(
          Status.SHAPE_MISMATCH, () -> f.pool.read(PoolArray.POOL_A, new float[before.length + 1]));
      assertArrayEquals(before, f.pool.read(PoolArray.POOL_A));
    }
  }

  @Test
  void configsThatDoNotFitAreRejected() {
    try (MosContext ctx = MosContext.cpu()) {
      // p > R_eq, p = R_eq with r != R_eq: rejected by the config itself.
      expect(Status.INVALID_ARGUMENT, () -> Fixture.cfg(4, 2, 3, 2), "p");
      expect(Status.INVALID_ARGUMENT, () -> Fixture.cfg(4, 2, 2, 2), "r = R_eq");
      // (r - p) l > S: 7 * 2 = 14 > (2 - 1) * 2 * 2 = 4.
      MosConfig wide = Fixture.cfg(8, 2, 1, 2);
      expect(Status.INVALID_ARGUMENT, () -> wide.validateFor(8, 8, 2), "14", "4");
      expect(
          Status.INVALID_ARGUMENT, () -> ShardPool.create(ctx, 8, 8, 2, wide), "mos_pool_create");
      // d not divisible by l.
      MosConfig l3 = Fixture.cfg(2, 2, 1, 3);
      expect(Status.INVALID_ARGUMENT, () -> l3.validateFor(9, 10, 4), "10");
      expect(Status.INVALID_ARGUMENT, () -> ShardPool.create(ctx, 9, 10, 4, l3), "mos_pool_create");
      expect(Status.INVALID_ARGUMENT, () -> ShardPool.create(ctx, 10, 9, 4, l3));
      expect(
          Status.INVALID_ARGUMENT, () -> ShardPool.create(ctx, 8, 8, 0, Fixture.cfg(1, 1, 0, 1)));
    }
  }

  @Test
  void statefulMisuse() {
    try (Fixture f = new Fixture(74, 8, 12, 3, Fixture.cfg(4, 2, 1, 2));
        MosLinear adapterOnly = MosLinear.create(f.pool, 0, null, null);
        Tensor x = Tensor.of(f.ctx, f.random(40, 1), 5, 8);
        Tensor y = Tensor.zeros(f.ctx, 5, 12)) {
      expect(
          Status.INVALID_STATE,
          () -> adapterOnly.backward(x, y, null, MosLinear.Mode.ADAPTER_ONLY),
          "mos_layer_backward");
      MosException e = assertThrows(
          MosException.class, () -> adapterOnly.forward(x, y, MosLinear.Mode.FULL, false));
      assertTrue(
          List.of(Status.INVALID_ARGUMENT, Status.INVALID_STATE).contains(e.status()),
          "FULL mode without a weight: " + e.status() + " " + e.getMessage());
      try (ShardPool unindexed = ShardPool.create(f.ctx, 8, 12, 3, Fixture.cfg(4, 2, 1, 2));
          MosLinear l = MosLinear.create(unindexed, 0, null, null)) {
        expect(Status.INVALID_STATE, () -> l.forward(x, y, MosLinear.Mode.ADAPTER_ONLY, false));
      }
    }
  }

  @Test
  void nullArgumentsAreMosExceptionsNamingTheArgument() {
    try (Fixture f = new Fixture(75, 8, 12, 3, Fixture.cfg(4, 2, 1, 2));
        MosLinear layer = MosLinear.create(f.pool, 0, null, null);
        Tensor x = Tensor.zeros(f.ctx, 2, 8)) {
      expect(Status.NULL_POINTER, () -> f.pool.setIndices(0, null, new int[8]), "a");
      expect(Status.NULL_POINTER, () -> f.pool.write(PoolArray.POOL_A, (float[]) null), "src");
      expect(Status.NULL_POINTER, () -> f.pool.read(null), "which");
      expect(Status.NULL_POINTER, () -> layer.forward(null, x, true), "x");
      expect(Status.NULL_POINTER, () -> layer.forward(x, null, true), "y");
      expect(Status.NULL_POINTER, () -> layer.forward(null, 2, true), "x");
      expect(Status.NULL_POINTER, () -> layer.backward(x, null, null), "dy");
      expect(Status.NULL_POINTER, () -> MosLinear.create(null, 0, null, null), "pool");
      expect(
          Status.NULL_POINTER, () -> ShardPool.create(null, 8, 8, 2, MosConfig.defaults()), "ctx");
      expect(Status.NULL_POINTER, () -> ShardPool.create(f.ctx, 8, 8, 2, null), "config");
      expect(Status.NULL_POINTER, () -> Tensor.of(f.ctx, null, 1, 1), "data");
      expect(Status.NULL_POINTER, () -> MosContext.create(null), "backend");
      expect(Status.NULL_POINTER, () -> AdamW.create(null), "ctx");
    }
  }

  @Test
  void objectsOfDifferentContextsDoNotMix() {
    try (Fixture f = new Fixture(76, 8, 12, 3, Fixture.cfg(4, 2, 1, 2));
        MosContext other = MosContext.cpu();
        Tensor foreign = Tensor.zeros(other, 2, 8);
        Tensor y = Tensor.zeros(f.ctx, 2, 12);
        MosLinear layer = MosLinear.create(f.pool, 0, null, null);
        AdamW opt = AdamW.create(other)) {
      expect(Status.INVALID_ARGUMENT, () -> layer.forward(foreign, y, true), "another MosContext");
      expect(Status.INVALID_ARGUMENT, () -> opt.addPool(f.pool), "another MosContext");
      expect(
          Status.INVALID_ARGUMENT,
          () -> MosLinear.create(f.pool, 0, Tensor.zeros(other, 12, 8), null));
    }
  }

  @Test
  void useAfterCloseIsAMosClosedExceptionNamingTheType() {
    MosContext ctx = MosContext.cpu();
    ShardPool pool = ShardPool.create(ctx, 8, 8, 2, Fixture.cfg(2, 2, 1, 2));
    Tensor t = Tensor.zeros(ctx, 2, 8);
    MosLinear layer = MosLinear.create(pool, 0, null, null);
    AdamW opt = AdamW.create(ctx);
    layer.close();
    MosClosedException e = assertThrows(MosClosedException.class, () -> layer.forward(t, t, true));
    assertEquals("MosLinear is closed", e.getMessage());
    assertEquals(Status.INVALID_STATE, e.status());
    assertThrows(MosClosedException.class, () -> layer.forward(new float[16], 2, true));
    assertThrows(MosClosedException.class, layer::deltaWeight);
    pool.close();
    e = assertThrows(MosClosedException.class, () -> pool.init(1));
    assertEquals("ShardPool is closed", e.getMessage());
    assertThrows(MosClosedException.class, () -> pool.assembleA(0));
    assertThrows(MosClosedException.class, () -> MosLinear.create(pool, 1, null, null));
    assertThrows(MosClosedException.class, () -> opt.addPool(pool));
    t.close();
    assertEquals(
        "Tensor is closed", assertThrows(MosClosedException.class, t::toArray).getMessage());
    opt.close();
    assertEquals(
        "AdamW is closed", assertThrows(MosClosedException.class, opt::step).getMessage());
    ctx.close();
    assertEquals(
        "MosContext is closed",
        assertThrows(MosClosedException.class, () -> ctx.setNumThreads(1)).getMessage());
    assertThrows(MosClosedException.class, () -> Tensor.zeros(ctx, 1, 1));
    assertThrows(
        MosClosedException.class, () -> ShardPool.create(ctx, 8, 8, 2, Fixture.cfg(2, 2, 1, 2)));
    // idempotent close
    layer.close();
    pool.close();
    t.close();
    opt.close();
    ctx.close();
    assertTrue(
        ctx.isClosed() && pool.isClosed() && layer.isClosed() && t.isClosed() && opt.isClosed());
  }
}
