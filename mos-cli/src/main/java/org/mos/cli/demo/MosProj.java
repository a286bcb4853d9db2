// SPDX-License-Identifier: Apache-2.0
// MosProj: a block projection of the demo model served by the core: a MosLinear (frozen base W
// plus the MoS adapter of its pool group), fed from and read back into Java arrays.
package org.mos.cli.demo;

import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;
import org.mos.MosContext;
import org.mos.MosLinear;
import org.mos.Tensor;

/** Keeps one set of tensors per batch size; backward uses the x tensor of the last forward. */
final class MosProj implements CharLm.Proj, AutoCloseable {
  private final MosLinear layer;
  private final MosContext ctx;
  private final int in;
  private final int out;
  private final Map<Integer, Tensor[]> byRows = new HashMap<>();

  MosProj(MosLinear layer) {
    this.layer = layer;
    this.ctx = layer.pool().context();
    this.in = layer.dIn();
    this.out = layer.dOut();
  }

  private Tensor[] tensors(int n) {
    return byRows.computeIfAbsent(n, r -> new Tensor[] {
        Tensor.zeros(ctx, r, in), Tensor.zeros(ctx, r, out), Tensor.zeros(ctx, r, out),
        Tensor.zeros(ctx, r, in)});
  }

  private static MemorySegment seg(float[] a, long count) {
    return MemorySegment.ofArray(a).asSlice(0, count * Float.BYTES);
  }

  @Override
  public void forward(float[] x, float[] y, int n, boolean training) {
    Tensor[] t = tensors(n);
    t[0].copyFrom(seg(x, (long) n * in));
    layer.forward(t[0], t[1], MosLinear.Mode.FULL, training);
    t[1].copyTo(seg(y, (long) n * out));
  }

  @Override
  public void backward(float[] x, float[] dy, float[] dx, int n) {
    Tensor[] t = tensors(n);
    t[2].copyFrom(seg(dy, (long) n * out));
    layer.backward(t[0], t[2], dx == null ? null : t[3], MosLinear.Mode.FULL);
    if (dx != null) {
      t[3].copyTo(seg(dx, (long) n * in));
    }
  }

  @Override
  public void close() {
    byRows.values().forEach(ts -> {
      for (Tensor t : ts) {
        t.close();
      }
    });
    byRows.clear();
  }
}
