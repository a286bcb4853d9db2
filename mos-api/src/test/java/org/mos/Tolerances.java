// SPDX-License-Identifier: Apache-2.0
// Tolerances: the Java mirror of tests/native/tolerances.h (same names without MOS_TOL_, same
// values; ToleranceMirrorTest fails if they drift), plus the one error measure both sides use.
package org.mos;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;

final class Tolerances {
  private Tolerances() {}

  static final double TINY = 1e-30;
  static final double F32_ASSEMBLY = 0.0;
  static final double F32_FORWARD = 1e-5;
  static final double F32_BACKWARD = 1e-5;
  static final double F32_DELTA = 1e-5;
  static final double F32_MERGE_ROUNDTRIP = 1e-5;
  static final double F32_MERGED_FORWARD = 1e-5;
  static final double F32_OPTIMIZER = 1e-6;
  static final double F32_FINITE_DIFF = 2e-3;
  static final double F32_DECODER_LOGITS = 1e-5;
  static final double F32_DECODER_NLL = 1e-6;
  static final double F32_DECODER_GRAD = 1e-4;
  static final double BF16_FORWARD = 2e-2;
  static final double BF16_BACKWARD = 3e-2;
  static final double CUDA_VS_CPU_F32 = 1e-5;
  static final double CUDA_VS_CPU_BF16 = 2e-2;
  static final double CUDA_VS_CPU_TF32 = 2e-3;
  static final double CUDA_VS_CPU_DECODER_LOGITS = 2e-5;
  static final double CUDA_VS_CPU_DECODER_GRAD = 1e-4;

  /** Normwise relative error: max |got - ref| / max(max |ref|, TINY). */
  static double relError(float[] got, double[] ref) {
    double num = 0;
    double den = 0;
    for (int i = 0; i < ref.length; i++) {
      num = Math.max(num, Math.abs(got[i] - ref[i]));
      den = Math.max(den, Math.abs(ref[i]));
    }
    return num / Math.max(den, TINY);
  }

  /**
   * Fails unless relError(got, ref) <= tol; the message names what, the context (seed, shape),
   * the error and the worst element.
   */
  static void assertClose(String what, float[] got, double[] ref, double tol, String context) {
    if (got.length != ref.length) {
      fail(what + " [" + context + "]: " + got.length + " values, expected " + ref.length);
    }
    double rel = relError(got, ref);
    if (!(rel <= tol)) {
      int worst = 0;
      for (int i = 0; i < ref.length; i++) {
        if (!(Math.abs(got[i] - ref[i]) <= Math.abs(got[worst] - ref[worst]))) {
          worst = i;
        }
      }
      fail(String.format(
          "%s [%s]: rel error %.3e > tol %.1e; worst element %d: got %.9g, expected " + "%.9g",
          what, context, rel, tol, worst, got[worst], ref[worst]));
    }
  }

  static void assertClose(String what, float[] got, float[] ref, double tol, String context) {
    double[] r = new double[ref.length];
    for (int i = 0; i < ref.length; i++) {
      r[i] = ref[i];
    }
    assertClose(what, got, r, tol, context);
  }

  static String shape(int... dims) {
    return Arrays.toString(dims);
  }
}
