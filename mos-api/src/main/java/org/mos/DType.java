// SPDX-License-Identifier: Apache-2.0
// DType: the element type of a Tensor (mos_dtype_t): F32, or BF16 storage for activations and
// base weights (pools stay F32).
package org.mos;

/**
 * Element type of a {@link Tensor}.
 * <ul>
 *   <li>{@link #F32}: IEEE single precision (the default);
 *   <li>{@link #BF16}: bfloat16 storage (the upper 16 bits of an f32) for activations, base
 *       weights and biases of {@link MosLinear} layers and for {@link MosContext#gemm}. Products
 *       accumulate in f32 and results are rounded to nearest, ties to even; pools, gradients and
 *       optimizer state stay F32. All tensors of one layer call (x, y, dy, dx, weight, bias), or
 *       of one gemm, share one dtype.
 * </ul>
 * Java arrays are always {@code float[]}: a BF16 tensor rounds on {@link Tensor#copyFrom(float[])}
 * and widens (exactly) on {@link Tensor#copyTo(float[])} ({@link Bf16}).
 *
 * {@snippet :
 * try (MosContext ctx = MosContext.cpu();
 *      Tensor x = Tensor.of(ctx, new float[] {1, 2, 3, 4}, 2, 2, DType.BF16)) {
 *   float[] back = x.toArray();  // {1, 2, 3, 4}: exact in bf16
 * }
 * }
 */
public enum DType {
  /** 32-bit IEEE float ({@code MOS_DTYPE_F32}). */
  F32(0, 4),
  /** bfloat16 storage ({@code MOS_DTYPE_BF16}). */
  BF16(1, 2);

  private final int code;
  private final int bytes;

  DType(int code, int bytes) {
    this.code = code;
    this.bytes = bytes;
  }

  /** The {@code mos_dtype_t} value. */
  public int code() {
    return code;
  }

  /** Bytes per element. */
  public int bytes() {
    return bytes;
  }
}
