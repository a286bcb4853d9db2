// SPDX-License-Identifier: Apache-2.0
// MosLinear: block k of a ShardPool as an adapted linear layer over a frozen base weight W:
// forward, backward (scatter-adds the pool gradients), merge/unmerge, dropout state.
package org.mos;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.mos.ffi.mos_h;

/**
 * Block k's adapted linear layer ({@code mos_layer_t}): the pools of a {@link ShardPool}, the
 * block index k and a frozen base weight W [d_out x d_in] (optionally a bias [1 x d_out]):
 * <pre>
 *   y = x W^T (+ b) + (alpha / r) (dropout(x) A_k^T) B_k^T          (method.md §4)
 * </pre>
 * {@link #backward} adds this layer's share of the pool gradients (method.md §5); several layers of one
 * pool accumulate into the same gradients until {@link ShardPool#zeroGrad()} or
 * {@link AdamW#zeroGrad()}.
 *
 * <p>Lifetime: the layer keeps its pool, weight and bias alive (in Java and in libmos), so closing
 * them first does not break it. Closing the layer releases its handle only.
 *
 * {@snippet :
 * MosConfig config = MosConfig.builder().rank(4).equivalentRank(2).privateRank(1).build();
 * try (MosContext ctx = MosContext.cpu();
 *      ShardPool pool = ShardPool.create(ctx, 8, 8, 2, config);
 *      Tensor w = Tensor.of(ctx, new float[64], 8, 8);
 *      MosLinear layer = MosLinear.create(pool, 0, w, null)) {
 *   pool.init(1);
 *   pool.generateIndices(1);
 *   float[] x = new float[3 * 8];
 *   float[] y = layer.forward(x, 3, true);              // [3 x 8]
 *   float[] dx = layer.backward(x, new float[3 * 8], 3);
 * }
 * }
 */
public final class MosLinear implements AutoCloseable {

  /** What {@link #forward} and {@link #backward} compute ({@code mos_mode_t}). */
  public enum Mode {
    /** y = x W^T (+ b) + delta; dx = dy W + adapter part (both overwrite). */
    FULL(0),
    /** y += delta; dx += adapter part (the caller does the base product). */
    ADAPTER_ONLY(1);

    private final int code;

    Mode(int code) {
      this.code = code;
    }

    /** The {@code mos_mode_t} value. */
    public int code() {
      return code;
    }
  }

  /**
   * The counter-based dropout generator of a layer: a training forward's mask depends only on
   * (seed, counter, element); each training forward uses {@code counter} and then increments it.
   */
  public record DropoutState(long seed, long counter) {}

  final NativeHandle handle;
  private final ShardPool pool;
  private final int block;
  private final Tensor weight;
  private final Tensor bias;
  // x of the last training forward(float[], ...): libmos's backward takes only the tensor its
  // forward read, unwritten since, so backward(float[], ...) hands this one back.
  private Tensor trainingInput;

  private MosLinear(ShardPool pool, MemorySegment address, int block, Tensor weight, Tensor bias) {
    this.handle =
        new NativeHandle("MosLinear", address, mos_h::mos_layer_free, pool.context().state);
    this.pool = pool;
    this.block = block;
    this.weight = weight;
    this.bias = bias;
    // libmos keeps the weight and bias: if they wrap caller memory, so does this layer.
    if (weight != null) handle.borrow(weight.handle.borrowed());
    if (bias != null) handle.borrow(bias.handle.borrowed());
  }

  /**
   * Block {@code block} of {@code pool} over the frozen base {@code weight} [d_out x d_in] and
   * {@code bias} [1 x d_out]. A null weight makes an adapter-only layer (which accepts only
   * {@link Mode#ADAPTER_ONLY}); bias may be null. All belong to the pool's context.
   *
   * @throws MosException INDEX_OUT_OF_RANGE for a block outside [0, L), SHAPE_MISMATCH for a
   *     weight or bias of the wrong shape
   */
  public static MosLinear create(ShardPool pool, int block, Tensor weight, Tensor bias) {
    String fn = "MosLinear.create";
    Native.notNull(pool, fn, "pool");
    MosContext ctx = pool.context();
    if (weight != null) {
      Native.sameContext(fn, ctx, weight.context(), "weight");
    }
    if (bias != null) {
      Native.sameContext(fn, ctx, bias.context(), "bias");
    }
    MemorySegment address = pool.handle.query((p, a) -> {
      MemorySegment out = Native.handleSlot(a);
      Native.check(mos_h.mos_layer_create(
          p,
          block,
          weight == null ? MemorySegment.NULL : weight.handle.get(),
          bias == null ? MemorySegment.NULL : bias.handle.get(),
          out));
      return Native.handleIn(out);
    });
    return new MosLinear(pool, address, block, weight, bias);
  }

  /** The pools this layer draws its factors from. */
  public ShardPool pool() {
    return pool;
  }

  /** k, the block index of this layer in its pool. */
  public int block() {
    return block;
  }

  /** The frozen base weight [d_out x d_in], or null for an adapter-only layer. */
  public Tensor weight() {
    return weight;
  }

  /** The frozen bias [1 x d_out], or null. */
  public Tensor bias() {
    return bias;
  }

  /** Input features. */
  public int dIn() {
    return pool.dIn();
  }

  /** Output features. */
  public int dOut() {
    return pool.dOut();
  }

  /** The mode the array conveniences use: FULL with a weight, ADAPTER_ONLY without. */
  public Mode defaultMode() {
    return weight == null ? Mode.ADAPTER_ONLY : Mode.FULL;
  }

  /**
   * x [N x d_in] -> y [N x d_out] (method.md §4). {@code training} applies inverted dropout to the
   * adapter branch and saves what {@link #backward} needs, which then takes this very {@code x},
   * unwritten. A merged layer computes {@code x W'^T (+ b)} only.
   */
  public void forward(Tensor x, Tensor y, Mode mode, boolean training) {
    String fn = "MosLinear.forward";
    checkTensor(fn, x, "x");
    checkTensor(fn, y, "y");
    Native.notNull(mode, fn, "mode");
    handle.call(h ->
        mos_h.mos_layer_forward(h, x.handle.get(), y.handle.get(), mode.code(), training ? 1 : 0));
  }

  /** {@link #forward(Tensor, Tensor, Mode, boolean)} in {@link #defaultMode()}. */
  public void forward(Tensor x, Tensor y, boolean training) {
    forward(x, y, defaultMode(), training);
  }

  /**
   * Array convenience: y [rows x d_out] for x [rows x d_in] (row-major), in
   * {@link #defaultMode()} (without a weight: the adapter output alone). A training forward keeps
   * its copy of x (rows x d_in floats in the context's memory) for
   * {@link #backward(float[], float[], int)} until the next training forward or {@link #close()}.
   */
  public synchronized float[] forward(float[] x, int rows, boolean training) {
    String fn = "MosLinear.forward";
    Native.notNull(x, fn, "x");
    Tensor.checkLength(fn + " (x)", x.length, rows, dIn());
    handle.ensureOpen();
    MosContext ctx = pool.context();
    Tensor xt = Tensor.scratchOf(ctx, x, rows, dIn());
    try (Tensor yt = Tensor.scratch(ctx, rows, dOut())) {
      forward(xt, yt, defaultMode(), training);
      float[] y = yt.toArray();
      if (training) {
        Tensor previous = trainingInput;
        trainingInput = xt;
        xt = previous;
      }
      return y;
    } finally {
      if (xt != null) {
        xt.close();
      }
    }
  }

  /**
   * Backward of this layer's last training forward, method.md §5: ADDS this layer's gradients to the
   * pools' (scatter-add over repeated indices and across blocks) and computes dx [N x d_in] (may
   * be null): FULL: dx = dy W + adapter part; ADAPTER_ONLY: dx += adapter part. W and the bias
   * are frozen. {@code mode} need not be the forward's (it only says how dx is formed).
   *
   * @throws MosException INVALID_STATE without a preceding training forward, or when {@code x} is
   *     not the tensor that forward read or was written since (its grad_A would be wrong)
   */
  public void backward(Tensor x, Tensor dy, Tensor dx, Mode mode) {
    String fn = "MosLinear.backward";
    checkTensor(fn, x, "x");
    checkTensor(fn, dy, "dy");
    if (dx != null) {
      Native.sameContext(fn, pool.context(), dx.context(), "dx");
    }
    Native.notNull(mode, fn, "mode");
    handle.call(h -> mos_h.mos_layer_backward(
        h,
        x.handle.get(),
        dy.handle.get(),
        dx == null ? MemorySegment.NULL : dx.handle.get(),
        mode.code()));
  }

  /** {@link #backward(Tensor, Tensor, Tensor, Mode)} in {@link #defaultMode()}. */
  public void backward(Tensor x, Tensor dy, Tensor dx) {
    backward(x, dy, dx, defaultMode());
  }

  /**
   * Array convenience for {@link #forward(float[], int, boolean)}: adds the pool gradients and
   * returns dx [rows x d_in] (without a weight: the adapter part alone). {@code x} must hold the
   * values of the last training {@code forward(float[], ...)} of this layer (the copy that forward
   * kept is used, never rewritten).
   *
   * @throws MosException INVALID_STATE when {@code x} differs from that forward's x, or when a
   *     training forward of this layer on tensors came after it
   */
  public synchronized float[] backward(float[] x, float[] dy, int rows) {
    String fn = "MosLinear.backward";
    Native.notNull(x, fn, "x");
    Native.notNull(dy, fn, "dy");
    Tensor.checkLength(fn + " (x)", x.length, rows, dIn());
    Tensor.checkLength(fn + " (dy)", dy.length, rows, dOut());
    handle.ensureOpen();
    MosContext ctx = pool.context();
    // The kept x when it holds these values; else a new tensor, which libmos refuses with its
    // own message (not the forward's x).
    boolean kept = trainingInput != null
        && trainingInput.rows() == rows
        && java.util.Arrays.equals(trainingInput.toArray(), x);
    try (Tensor fresh = kept ? null : Tensor.scratchOf(ctx, x, rows, dIn());
        Tensor dyt = Tensor.scratchOf(ctx, dy, rows, dOut());
        Tensor dxt = Tensor.scratch(ctx, rows, dIn())) {
      backward(kept ? trainingInput : fresh, dyt, dxt, defaultMode());
      return dxt.toArray();
    }
  }

  /** delta = (alpha / r) B_k A_k [d_out x d_in], row-major, from the current pools. */
  public float[] deltaWeight() {
    handle.ensureOpen();
    try (Tensor d = Tensor.scratch(pool.context(), dOut(), dIn())) {
      deltaWeight(d);
      return d.toArray();
    }
  }

  /** Writes delta = (alpha / r) B_k A_k into {@code out} [d_out x d_in]. */
  public void deltaWeight(Tensor out) {
    checkTensor("MosLinear.deltaWeight", out, "out");
    handle.call(h -> mos_h.mos_layer_delta_weight(h, out.handle.get()));
  }

  /**
   * W += delta (method.md §10.11), from the current pools; forward then computes the base product only.
   * The weight tensor is modified in place.
   *
   * @throws MosException INVALID_STATE when merged already or without a weight
   */
  public void merge() {
    handle.call(mos_h::mos_layer_merge);
  }

  /** W -= delta; INVALID_STATE when not merged. */
  public void unmerge() {
    handle.call(mos_h::mos_layer_unmerge);
  }

  /** Whether the adapter is merged into W. */
  public boolean isMerged() {
    return handle.query((h, a) -> {
      MemorySegment out = a.allocate(ValueLayout.JAVA_INT);
      Native.check(mos_h.mos_layer_is_merged(h, out));
      return out.get(ValueLayout.JAVA_INT, 0) != 0;
    });
  }

  /** The dropout generator state (default: seed = block index, counter = 0). */
  public DropoutState dropoutState() {
    return handle.query((h, a) -> {
      MemorySegment seed = a.allocate(ValueLayout.JAVA_LONG);
      MemorySegment counter = a.allocate(ValueLayout.JAVA_LONG);
      Native.check(mos_h.mos_layer_get_dropout_state(h, seed, counter));
      return new DropoutState(
          seed.get(ValueLayout.JAVA_LONG, 0), counter.get(ValueLayout.JAVA_LONG, 0));
    });
  }

  /** Sets the dropout generator state (e.g. to resume a checkpoint). */
  public void setDropoutState(long seed, long counter) {
    handle.call(h -> mos_h.mos_layer_set_dropout_state(h, seed, counter));
  }

  /** Sets the dropout generator state. */
  public void setDropoutState(DropoutState state) {
    Native.notNull(state, "MosLinear.setDropoutState", "state");
    setDropoutState(state.seed(), state.counter());
  }

  /** Whether {@link #close()} was called. */
  public boolean isClosed() {
    return handle.isClosed();
  }

  /** Releases this handle (and the x kept for an array backward); idempotent. */
  @Override
  public synchronized void close() {
    handle.close();
    if (trainingInput != null) {
      trainingInput.close();
      trainingInput = null;
    }
  }

  @Override
  public String toString() {
    return "MosLinear[block " + block + " of " + pool.dIn() + " -> " + pool.dOut()
        + (weight == null ? ", adapter only" : "") + (isClosed() ? ", closed" : "") + "]";
  }

  private void checkTensor(String fn, Tensor t, String name) {
    Native.notNull(t, fn, name);
    Native.sameContext(fn, pool.context(), t.context(), name);
  }
}
