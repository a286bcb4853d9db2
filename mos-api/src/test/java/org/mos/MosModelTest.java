// SPDX-License-Identifier: Apache-2.0
// MosModel: pools per projection type with distinct derived seeds, layers attached per block with
// distinct dropout seeds, the parameter count from the config alone vs libmos (exact), ownership.
package org.mos;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class MosModelTest {

  @Test
  void poolsLayersSeedsAndCounts() {
    MosConfig c = Fixture.cfg(4, 2, 1, 2).toBuilder().seed(5).build();
    try (MosContext ctx = MosContext.cpu();
        MosModel model = MosModel.create(ctx, c, 3)) {
      ShardPool q = model.addPool("q_proj", 16, 16);
      ShardPool up = model.addPool("up_proj", 16, 44);
      ShardPool v = model.addPool("v_proj", 16, 16);
      assertEquals(
          List.of("q_proj", "up_proj", "v_proj"), List.copyOf(model.pools().keySet()));
      assertSame(q, model.pool("q_proj"));
      assertEquals(List.of(q, up, v), model.optimizer().pools());
      assertFalse(
          Arrays.equals(q.read(PoolArray.POOL_A), v.read(PoolArray.POOL_A)),
          "pools of the same shape get different init seeds");
      assertFalse(
          Arrays.equals(q.indicesA(0), v.indicesA(0))
              && Arrays.equals(q.indicesA(1), v.indicesA(1))
              && Arrays.equals(q.indicesB(0), v.indicesB(0)),
          "and different indices");
      long expected = c.trainableParameters(16, 16, 3) * 2 + c.trainableParameters(16, 44, 3);
      assertEquals(expected, model.trainableParameters());
      assertEquals(expected, q.parameterCount() + up.parameterCount() + v.parameterCount());

      MosLinear l0 = model.attach("up_proj", 0, new float[44 * 16], new float[44]);
      MosLinear l2 = model.attach("up_proj", 2, new float[44 * 16], null);
      assertEquals(List.of(l0, l2), model.layers());
      assertSame(l2, model.layer("up_proj", 2));
      assertNull(model.layer("up_proj", 1));
      assertEquals(MosModel.deriveSeed(5, "up_proj", 2), l0.dropoutState().seed());
      assertEquals(MosModel.deriveSeed(5, "up_proj", 4), l2.dropoutState().seed());
      assertNotEquals(l0.dropoutState().seed(), l2.dropoutState().seed());
      assertEquals(0, l0.dropoutState().counter());

      ErrorHandlingTest.expect(
          Status.INVALID_ARGUMENT, () -> model.addPool("q_proj", 16, 16), "q_proj");
      ErrorHandlingTest.expect(
          Status.INVALID_ARGUMENT, () -> model.attach("nope", 0, new float[1], null), "nope");
      ErrorHandlingTest.expect(
          Status.INVALID_ARGUMENT,
          () -> model.attach("up_proj", 0, new float[44 * 16], null),
          "attached already");
      ErrorHandlingTest.expect(
          Status.INDEX_OUT_OF_RANGE, () -> model.attach("up_proj", 3, new float[44 * 16], null));
      ErrorHandlingTest.expect(
          Status.SHAPE_MISMATCH, () -> model.attach("up_proj", 1, new float[7], null));
      ErrorHandlingTest.expect(Status.INVALID_ARGUMENT, () -> model.addPool("odd", 15, 16));
      assertEquals(3, model.pools().size(), "a failed addPool adds nothing");

      model.zeroGrad();
      model.clipGradNorm(0.3f);
      model.step();
      assertEquals(1, model.optimizer().stepCount());
      model.close();
      assertTrue(
          q.isClosed() && l0.isClosed() && l2.isClosed() && model.optimizer().isClosed());
      assertFalse(ctx.isClosed(), "the model does not own the context");
      assertThrows(MosClosedException.class, () -> model.addPool("x", 8, 8));
    }
  }

  @Test
  void sameSeedSameModel() {
    MosConfig c = Fixture.cfg(4, 2, 1, 2).toBuilder().seed(77).build();
    float[][] runs = new float[2][];
    int[][] idx = new int[2][];
    for (int i = 0; i < 2; i++) {
      try (MosContext ctx = MosContext.cpu();
          MosModel m = MosModel.create(ctx, c, 3)) {
        runs[i] = m.addPool("o_proj", 16, 16).read(PoolArray.POOL_A);
        idx[i] = m.pool("o_proj").indicesB(2);
      }
    }
    assertArrayEquals(runs[0], runs[1]);
    assertArrayEquals(idx[0], idx[1]);
    assertEquals(MosModel.deriveSeed(1, "a", 0), MosModel.deriveSeed(1, "a", 0));
    assertNotEquals(MosModel.deriveSeed(1, "a", 0), MosModel.deriveSeed(1, "b", 0));
    assertNotEquals(MosModel.deriveSeed(1, "a", 0), MosModel.deriveSeed(2, "a", 0));
    assertNotEquals(MosModel.deriveSeed(1, "a", 0), MosModel.deriveSeed(1, "a", 1));
  }
}
