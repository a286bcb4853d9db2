// SPDX-License-Identifier: Apache-2.0
// MathModeTest: MosContext.setMathMode / setDeterministic on the CPU, where both are accepted and
// change nothing (the CPU products are exact f32 and deterministic); null and closed contexts.
package org.mos;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class MathModeTest {

  static float[] product(MosContext ctx) {
    float[] a = new float[6 * 5];
    float[] b = new float[5 * 4];
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) Math.sin(0.37 * i + 0.1);
    }
    for (int i = 0; i < b.length; i++) {
      b[i] = (float) Math.cos(0.53 * i - 0.2) / 3;
    }
    try (Tensor ta = Tensor.of(ctx, a, 6, 5);
        Tensor tb = Tensor.of(ctx, b, 5, 4);
        Tensor tc = Tensor.zeros(ctx, 6, 4)) {
      ctx.gemm(false, false, 1.0f, ta, tb, 0.0f, tc);
      return tc.toArray();
    }
  }

  @Test
  void cpuAcceptsEveryModeAndStaysExact() {
    try (MosContext ctx = MosContext.cpu()) {
      float[] exact = product(ctx);
      ctx.setMathMode(MathMode.TF32);
      ctx.setDeterministic(true);
      assertArrayEquals(exact, product(ctx), "TF32 and determinism change nothing on the CPU");
      ctx.setMathMode(MathMode.DEFAULT);
      ctx.setDeterministic(false);
      assertArrayEquals(exact, product(ctx));
    }
  }

  @Test
  void nullModeAndClosedContext() {
    MosContext ctx = MosContext.cpu();
    ErrorHandlingTest.expect(Status.NULL_POINTER, () -> ctx.setMathMode(null), "mode");
    ctx.close();
    assertEquals(
        "MosContext is closed",
        assertThrows(MosClosedException.class, () -> ctx.setMathMode(MathMode.TF32))
            .getMessage());
    assertThrows(MosClosedException.class, () -> ctx.setDeterministic(true));
  }
}
