// SPDX-License-Identifier: Apache-2.0
// JavaDense: a plain-Java dense product (row-parallel axpy loops), the fallback behind Dense and
// the reference its tests compare the core's mos_gemm with.
package org.mos.cli.demo;

import java.util.stream.IntStream;

/** Correct, moderately fast; the BLAS-backed {@link Dense} is several times faster. */
public final class JavaDense implements Dense {
  @Override
  public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a,
      float[] b, float beta, float[] c) {
    float[] aa = transA ? transpose(a, k, m) : a; // now [m x k]
    float[] bb = transB ? transpose(b, n, k) : b; // now [k x n]
    int chunk = Math.max(1, m / (4 * Runtime.getRuntime().availableProcessors()));
    int chunks = (m + chunk - 1) / chunk;
    IntStream.range(0, chunks).parallel().forEach(ch -> {
      int i1 = Math.min(m, (ch + 1) * chunk);
      for (int i = ch * chunk; i < i1; i++) {
        int ci = i * n;
        if (beta == 0f) {
          java.util.Arrays.fill(c, ci, ci + n, 0f);
        } else if (beta != 1f) {
          for (int j = 0; j < n; j++) {
            c[ci + j] *= beta;
          }
        }
        for (int p = 0; p < k; p++) {
          float s = alpha * aa[i * k + p];
          if (s == 0f) {
            continue;
          }
          int bp = p * n;
          for (int j = 0; j < n; j++) {
            c[ci + j] += s * bb[bp + j];
          }
        }
      }
    });
  }

  /** [rows x cols] -> [cols x rows]. */
  static float[] transpose(float[] x, int rows, int cols) {
    float[] t = new float[rows * cols];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        t[j * rows + i] = x[i * cols + j];
      }
    }
    return t;
  }

  @Override
  public String name() {
    return "plain Java";
  }
}
