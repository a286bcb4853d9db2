// SPDX-License-Identifier: Apache-2.0
// Bf16: bfloat16 conversions, the one place they are written: f32 to bf16 bits rounded to nearest,
// ties to even (NaN stays a quiet NaN), and bf16 bits widened to f32 (exact).
package org.mos;

/**
 * bfloat16 ({@link DType#BF16}): the upper 16 bits of an IEEE f32. Used by {@link Tensor} for BF16
 * tensors and by the safetensors reader and writer ({@code org.mos.io}), so every bf16 value mos
 * writes is rounded the same way, and the same way libmos rounds (round to nearest, ties to even,
 * as PyTorch's {@code .to(torch.bfloat16)}).
 *
 * {@snippet :
 * short bits = Bf16.fromFloat(1.0f);       // 0x3F80
 * float back = Bf16.toFloat(bits);         // 1.0f
 * float r = Bf16.round(0.1f);              // 0.10009765625f, the nearest bf16 value
 * }
 */
public final class Bf16 {
  private Bf16() {}

  /**
   * {@code f} rounded to the nearest bfloat16, ties to even, as its bits. NaN maps to a quiet NaN
   * of the same sign; infinities stay infinite; values beyond bf16's range round to infinity.
   */
  public static short fromFloat(float f) {
    int bits = Float.floatToRawIntBits(f);
    if (Float.isNaN(f)) {
      return (short) ((bits >>> 16) | 0x0040);
    }
    return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
  }

  /** The f32 value of bfloat16 {@code bits} (exact). */
  public static float toFloat(short bits) {
    return Float.intBitsToFloat((bits & 0xffff) << 16);
  }

  /** {@code f} rounded to the nearest bfloat16 value, as a float. */
  public static float round(float f) {
    return toFloat(fromFloat(f));
  }
}
