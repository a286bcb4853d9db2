// SPDX-License-Identifier: Apache-2.0
// Dense: the one place the demo's dense products go through. The implementation behind it is
// the core's mos_gemm (OpenBLAS) when available, a plain-Java loop otherwise.
package org.mos.cli.demo;

/** Row-major float products. */
public interface Dense extends AutoCloseable {
  /**
   * c = alpha * op(a) op(b) + beta * c with op(a) [m x k], op(b) [k x n], c [m x n];
   * a is stored [k x m] when transA, b is stored [n x k] when transB. beta = 0 ignores c's contents.
   */
  void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, float[] b,
      float beta, float[] c);

  /** A short name for reports ("mos_gemm (OpenBLAS)", "plain Java"). */
  String name();

  @Override
  default void close() {}
}
