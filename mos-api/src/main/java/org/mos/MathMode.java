// SPDX-License-Identifier: Apache-2.0
// MathMode: the precision of a context's f32 dense products (mos_math_mode_t), set with
// MosContext.setMathMode.
package org.mos;

/**
 * Precision of the f32 dense products of a {@link MosContext}.
 * <ul>
 *   <li>{@link #DEFAULT}: exact f32 multiply and accumulate (the default on every backend);
 *   <li>{@link #TF32}: on CUDA, cuBLAS may use TF32 tensor cores for f32 x f32 products
 *       (10-bit mantissa inputs, f32 accumulation). An explicit opt-in; the CPU accepts it and
 *       stays exact.
 * </ul>
 *
 * {@snippet :
 * try (MosContext ctx = MosContext.create(Backend.CUDA)) {
 *   ctx.setMathMode(MathMode.TF32);
 * }
 * }
 */
public enum MathMode {
  /** Exact f32 products ({@code MOS_MATH_DEFAULT}). */
  DEFAULT(0),
  /** TF32 tensor cores for f32 products on CUDA ({@code MOS_MATH_TF32}); no effect on the CPU. */
  TF32(1);

  private final int code;

  MathMode(int code) {
    this.code = code;
  }

  /** The {@code mos_math_mode_t} value. */
  public int code() {
    return code;
  }
}
