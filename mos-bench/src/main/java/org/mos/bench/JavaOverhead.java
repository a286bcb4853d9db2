// SPDX-License-Identifier: Apache-2.0
// JavaOverhead: case 4 of the benchmarks, the cost of the Java API. The same MoS layer forward
// (tokens 64, 1024 -> 1024, r=16 R_eq=4 l=2 p=1, L=32, rotating buffer sets as in mos_bench)
// through mos-api (MosLinear.forward on Tensors) and through a direct FFM downcall of
// mos_layer_forward on objects made with the raw bindings. Timed by JMH (JavaOverheadBench) and by
// `mos bench --cases java` (mos-cli's BenchCommand, interleaved with the native program).
package org.mos.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.mos.MosConfig;
import org.mos.MosContext;
import org.mos.MosException;
import org.mos.MosLinear;
import org.mos.PoolArray;
import org.mos.ShardPool;
import org.mos.Status;
import org.mos.Tensor;
import org.mos.ffi.mos_config;
import org.mos.ffi.mos_h;

/** Both object sets of the Java-overhead case; {@link #close()} frees them. */
public final class JavaOverhead implements AutoCloseable {
  public final int tokens;
  public final int dim;
  public final int sets;
  private final int numLayers;
  private final MosConfig config;

  // mos-api side
  private final MosContext ctx;
  private final ShardPool pool;
  private final List<Tensor> tensors = new ArrayList<>();
  private final List<MosLinear> layers = new ArrayList<>();
  private final Tensor[] xs;
  private final Tensor[] ys;

  // raw bindings side (its own context)
  private final Arena arena = Arena.ofShared();
  private MemorySegment rawCtx = MemorySegment.NULL;
  private MemorySegment rawPool = MemorySegment.NULL;
  private final List<MemorySegment> rawTensors = new ArrayList<>();
  private final MemorySegment[] rawLayers;
  private final MemorySegment[] rawX;
  private final MemorySegment[] rawY;

  private int rotor;

  /** Rotating sets as mos_bench picks them: enough to span 96 MB, 2 to 8. */
  public static int rotationSets(boolean tiny, int tokens, int dim) {
    if (tiny) {
      return 2;
    }
    double setBytes = 4.0 * ((double) dim * dim + 2.0 * tokens * dim);
    return (int) Math.max(2, Math.min(8, Math.ceil(96e6 / setBytes)));
  }

  public JavaOverhead(boolean tiny, int sets) {
    this.tokens = tiny ? 8 : 64;
    this.dim = tiny ? 64 : 1024;
    this.sets = sets;
    this.numLayers = tiny ? 8 : 32;
    this.config = MosConfig.builder()
        .rank(16)
        .equivalentRank(4)
        .privateRank(1)
        .shardsPerVector(2)
        .alpha(16f)
        .dropout(0f)
        .build();
    this.xs = new Tensor[sets];
    this.ys = new Tensor[sets];
    this.rawLayers = new MemorySegment[sets];
    this.rawX = new MemorySegment[sets];
    this.rawY = new MemorySegment[sets];
    Random rnd = new Random(31);
    float[][] w = new float[sets][];
    float[][] x = new float[sets][];
    for (int i = 0; i < sets; i++) {
      w[i] = uniform(rnd, dim * dim, (float) (1 / Math.sqrt(dim)));
      x[i] = uniform(rnd, tokens * dim, 1f);
    }
    ctx = MosContext.cpu();
    try {
      pool = ShardPool.create(ctx, dim, dim, numLayers, config);
      pool.init(31);
      pool.generateIndices(32);
      float[] poolB = uniform(rnd, pool.size(PoolArray.POOL_B), 0.25f);
      pool.write(PoolArray.POOL_B, poolB);
      for (int i = 0; i < sets; i++) {
        Tensor wt = track(Tensor.of(ctx, w[i], dim, dim));
        xs[i] = track(Tensor.of(ctx, x[i], tokens, dim));
        ys[i] = track(Tensor.zeros(ctx, tokens, dim));
        layers.add(MosLinear.create(pool, i, wt, null));
      }
      buildRaw(w, x, poolB);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  private Tensor track(Tensor t) {
    tensors.add(t);
    return t;
  }

  private static float[] uniform(Random rnd, int n, float scale) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (rnd.nextFloat() * 2 - 1) * scale;
    }
    return a;
  }

  private static void ok(int status, String what) {
    if (status != 0) {
      String msg = mos_h.mos_last_error().reinterpret(Long.MAX_VALUE).getString(0);
      throw new MosException(Status.INTERNAL, "bench: " + what + " failed: " + msg);
    }
  }

  private MemorySegment out(int status, MemorySegment slot, String what) {
    ok(status, what);
    return slot.get(ValueLayout.ADDRESS, 0);
  }

  private void buildRaw(float[][] w, float[][] x, float[] poolB) {
    MemorySegment slot = arena.allocate(ValueLayout.ADDRESS);
    rawCtx =
        out(mos_h.mos_context_create(mos_h.MOS_BACKEND_CPU(), 0, slot), slot, "mos_context_create");
    MemorySegment cfg = mos_config.allocate(arena);
    mos_config.struct_size(cfg, (int) mos_config.sizeof());
    mos_config.d_in(cfg, dim);
    mos_config.d_out(cfg, dim);
    mos_config.num_blocks(cfg, numLayers);
    mos_config.rank(cfg, config.rank());
    mos_config.equivalent_rank(cfg, config.equivalentRank());
    mos_config.private_rank(cfg, config.privateRank());
    mos_config.shards_per_vector(cfg, config.shardsPerVector());
    mos_config.alpha(cfg, config.alpha());
    mos_config.dropout(cfg, config.dropout());
    rawPool = out(mos_h.mos_pool_create(rawCtx, cfg, slot), slot, "mos_pool_create");
    ok(mos_h.mos_pool_init(rawPool, 31), "mos_pool_init");
    ok(mos_h.mos_pool_generate_indices(rawPool, 32), "mos_pool_generate_indices");
    ok(
        mos_h.mos_pool_write(
            rawPool, mos_h.MOS_POOL_B(), MemorySegment.ofArray(poolB), poolB.length),
        "mos_pool_write");
    for (int i = 0; i < sets; i++) {
      MemorySegment wt = rawTensor(w[i], dim, dim, slot);
      rawX[i] = rawTensor(x[i], tokens, dim, slot);
      rawY[i] = rawTensor(null, tokens, dim, slot);
      rawLayers[i] = out(
          mos_h.mos_layer_create(rawPool, i, wt, MemorySegment.NULL, slot),
          slot,
          "mos_layer_create");
    }
  }

  private MemorySegment rawTensor(float[] data, int rows, int cols, MemorySegment slot) {
    MemorySegment t = out(
        mos_h.mos_tensor_create(rawCtx, mos_h.MOS_DTYPE_F32(), rows, cols, slot),
        slot,
        "mos_tensor_create");
    rawTensors.add(t);
    if (data != null) {
      ok(mos_h.mos_tensor_write(t, MemorySegment.ofArray(data), data.length), "mos_tensor_write");
    }
    return t;
  }

  /** FLOPs of one forward (base product and adapter). */
  public double flops() {
    return 2.0 * tokens * dim * (double) dim + 2.0 * tokens * config.rank() * 2.0 * dim;
  }

  /**
   * One forward through mos-api: MosLinear.forward on Tensors (the next rotating set). This and
   * {@link #forwardFfm()} share one rotation counter, so consecutive calls never reuse a set.
   */
  public void forwardApi() {
    int i = rotor++ % sets;
    layers.get(i).forward(xs[i], ys[i], MosLinear.Mode.FULL, false);
  }

  /** One forward through a direct FFM downcall of mos_layer_forward (the next rotating set). */
  public void forwardFfm() {
    int i = rotor++ % sets;
    int st = mos_h.mos_layer_forward(rawLayers[i], rawX[i], rawY[i], 0, 0);
    if (st != 0) {
      ok(st, "mos_layer_forward");
    }
  }

  @Override
  public void close() {
    layers.forEach(MosLinear::close);
    tensors.forEach(Tensor::close);
    if (pool != null) {
      pool.close();
    }
    if (ctx != null) {
      ctx.close();
    }
    for (int i = 0; i < rawLayers.length; i++) {
      if (rawLayers[i] != null) {
        mos_h.mos_layer_free(rawLayers[i]);
        rawLayers[i] = null;
      }
    }
    rawTensors.forEach(mos_h::mos_tensor_free);
    rawTensors.clear();
    if (!rawPool.equals(MemorySegment.NULL)) {
      mos_h.mos_pool_free(rawPool);
      rawPool = MemorySegment.NULL;
    }
    if (!rawCtx.equals(MemorySegment.NULL)) {
      mos_h.mos_context_free(rawCtx);
      rawCtx = MemorySegment.NULL;
    }
    if (arena.scope().isAlive()) {
      arena.close();
    }
  }
}
