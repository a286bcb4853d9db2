// SPDX-License-Identifier: Apache-2.0
// Tensor round trips (exact): arrays and segments in and out, zero-copy wrap of native memory on
// the CPU, shapes, the dense product helper (MosContext.gemm) vs the double oracle at F32_FORWARD.
package org.mos;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class TensorTest {

  @Test
  void arraysRoundTrip() {
    try (MosContext ctx = MosContext.cpu();
        Tensor t = Tensor.of(ctx, new float[] {1, 2, 3, 4, 5, 6}, 2, 3)) {
      assertEquals(2, t.rows());
      assertEquals(3, t.cols());
      assertEquals(6, t.size());
      assertArrayEquals(new long[] {2, 3}, t.nativeShape());
      assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, t.toArray());
      t.copyFrom(new float[] {6, 5, 4, 3, 2, 1});
      float[] out = new float[6];
      t.copyTo(out);
      assertArrayEquals(new float[] {6, 5, 4, 3, 2, 1}, out);
      try (Tensor z = Tensor.zeros(ctx, 3, 2)) {
        assertArrayEquals(new float[6], z.toArray());
      }
    }
  }

  @Test
  void segmentsRoundTrip() {
    try (MosContext ctx = MosContext.cpu();
        Tensor t = Tensor.zeros(ctx, 2, 2);
        Arena arena = Arena.ofConfined()) {
      MemorySegment src = arena.allocateFrom(ValueLayout.JAVA_FLOAT, 1f, 2f, 3f, 4f);
      t.copyFrom(src);
      MemorySegment dst = arena.allocate(ValueLayout.JAVA_FLOAT, 4);
      t.copyTo(dst);
      assertArrayEquals(new float[] {1, 2, 3, 4}, dst.toArray(ValueLayout.JAVA_FLOAT));
      float[] heap = new float[4];
      t.copyTo(MemorySegment.ofArray(heap));
      assertArrayEquals(new float[] {1, 2, 3, 4}, heap);
    }
  }

  @Test
  void poolArraysThroughSegments() {
    try (MosContext ctx = MosContext.cpu();
        ShardPool pool = ShardPool.create(ctx, 8, 12, 3, Fixture.cfg(4, 2, 1, 2));
        Arena arena = Arena.ofConfined()) {
      pool.init(3);
      MemorySegment seg = arena.allocate(ValueLayout.JAVA_FLOAT, pool.size(PoolArray.POOL_A));
      pool.read(PoolArray.POOL_A, seg);
      assertArrayEquals(pool.read(PoolArray.POOL_A), seg.toArray(ValueLayout.JAVA_FLOAT));
      float[] b = Fixture.random(new java.util.SplittableRandom(1), pool.size(PoolArray.POOL_B), 1);
      pool.write(PoolArray.POOL_B, MemorySegment.ofArray(b));
      assertArrayEquals(b, pool.read(PoolArray.POOL_B));
      ErrorHandlingTest.expect(
          Status.SHAPE_MISMATCH, () -> pool.write(PoolArray.POOL_B, seg), "POOL_B");
    }
  }

  @Test
  void wrapIsZeroCopyOnTheCpu() {
    try (MosContext ctx = MosContext.cpu();
        Arena arena = Arena.ofConfined()) {
      MemorySegment mem = arena.allocate(ValueLayout.JAVA_FLOAT, 6);
      try (Tensor t = Tensor.wrap(ctx, mem, 2, 3)) {
        mem.setAtIndex(ValueLayout.JAVA_FLOAT, 4, 42f);
        assertEquals(42f, t.toArray()[4], "the tensor sees writes to the caller's memory");
        t.copyFrom(new float[] {1, 1, 1, 1, 1, 7});
        assertEquals(
            7f, mem.getAtIndex(ValueLayout.JAVA_FLOAT, 5), "and the caller sees the tensor's");
      }
      ErrorHandlingTest.expect(Status.SHAPE_MISMATCH, () -> Tensor.wrap(ctx, mem, 2, 2));
      ErrorHandlingTest.expect(
          Status.INVALID_ARGUMENT,
          () -> Tensor.wrap(ctx, MemorySegment.ofArray(new float[6]), 2, 3),
          "heap");
    }
  }

  @Test
  void gemmMatchesTheOracle() {
    java.util.SplittableRandom rng = new java.util.SplittableRandom(81);
    float[] a = Fixture.random(rng, 5 * 7, 1);
    float[] b = Fixture.random(rng, 4 * 7, 1);
    float[] c0 = Fixture.random(rng, 5 * 4, 1);
    try (MosContext ctx = MosContext.cpu();
        Tensor at = Tensor.of(ctx, a, 5, 7);
        Tensor bt = Tensor.of(ctx, b, 4, 7);
        Tensor ct = Tensor.of(ctx, c0, 5, 4)) {
      ctx.gemm(false, true, 2f, at, bt, 0.5f, ct); // c = 2 a b^T + 0.5 c
      double[] ref = Oracle.plus(
          Oracle.scaled(Oracle.mm(Oracle.d(a), Oracle.tr(Oracle.d(b), 4, 7), 5, 7, 4), 2),
          Oracle.scaled(Oracle.d(c0), 0.5));
      Tolerances.assertClose("gemm", ct.toArray(), ref, Tolerances.F32_FORWARD, "5x7 * (4x7)^T");
      ErrorHandlingTest.expect(
          Status.SHAPE_MISMATCH, () -> ctx.gemm(false, false, 1f, at, bt, 0f, ct));
    }
  }
}
