// SPDX-License-Identifier: Apache-2.0
// CoreDense: Dense over the core's mos_gemm (MosContext.gemm, OpenBLAS on the CPU). Java arrays
// are copied into cached tensors of each shape, multiplied, and the product copied back.
package org.mos.cli.demo;

import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;
import org.mos.MosContext;
import org.mos.Tensor;

/** Not thread-safe (one model, one thread). Closing frees the cached tensors, not the context. */
public final class CoreDense implements Dense {
  private final MosContext ctx;
  private final Map<Long, Tensor> cache = new HashMap<>();

  public CoreDense(MosContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a,
      float[] b, float beta, float[] c) {
    Tensor ta = transA ? tensor(0, k, m, a) : tensor(0, m, k, a);
    Tensor tb = transB ? tensor(1, n, k, b) : tensor(1, k, n, b);
    Tensor tc = beta != 0f ? tensor(2, m, n, c) : slot(2, m, n);
    ctx.gemm(transA, transB, alpha, ta, tb, beta, tc);
    tc.copyTo(MemorySegment.ofArray(c).asSlice(0, (long) m * n * Float.BYTES));
  }

  private Tensor tensor(int role, int rows, int cols, float[] data) {
    Tensor t = slot(role, rows, cols);
    t.copyFrom(MemorySegment.ofArray(data).asSlice(0, (long) rows * cols * Float.BYTES));
    return t;
  }

  private Tensor slot(int role, int rows, int cols) {
    long key = ((long) role << 62) | ((long) rows << 31) | cols;
    return cache.computeIfAbsent(key, x -> Tensor.zeros(ctx, rows, cols));
  }

  @Override
  public String name() {
    return "mos_gemm (" + MosContext.version() + ")";
  }

  @Override
  public void close() {
    cache.values().forEach(Tensor::close);
    cache.clear();
  }
}
