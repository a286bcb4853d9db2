// SPDX-License-Identifier: Apache-2.0
// Tensor: a 2-D row-major f32 / bf16 array owned by libmos (host or device memory), written and
// read through library calls; heap arrays pass to libmos without a copy (critical downcalls).
package org.mos;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.mos.ffi.mos_h;

/**
 * A 2-D, row-major {@code float} tensor ({@link DType#F32}, or {@link DType#BF16} storage) in a
 * context's memory (host memory on the CPU, device
 * memory on CUDA). Callers never touch device memory: data moves through {@link #copyFrom},
 * {@link #copyTo} and {@link #toArray()}, so the same code runs on every backend. Java arrays are
 * handed to libmos directly (no intermediate copy).
 *
 * <p>Lifetime: a tensor keeps its context alive. A layer that uses a tensor as its base weight or
 * bias keeps it alive too (closing the tensor then releases only this handle).
 *
 * {@snippet :
 * try (MosContext ctx = MosContext.cpu();
 *      Tensor x = Tensor.of(ctx, new float[] {1, 2, 3, 4, 5, 6}, 2, 3)) {
 *   float[] back = x.toArray();                         // {1, 2, 3, 4, 5, 6}
 *   x.copyFrom(new float[6]);                           // zeros
 * }
 * }
 */
public final class Tensor implements AutoCloseable {

  final NativeHandle handle;
  private final MosContext context;
  private final int rows;
  private final int cols;
  private final DType dtype;
  // A wrapped caller segment stays reachable while this tensor is (libmos reads it directly).
  @SuppressWarnings("unused")
  private final MemorySegment wrapped;

  private Tensor(
      MosContext context,
      MemorySegment address,
      int rows,
      int cols,
      DType dtype,
      MemorySegment wrapped) {
    this.handle = new NativeHandle("Tensor", address, mos_h::mos_tensor_free, context.state);
    this.context = context;
    this.rows = rows;
    this.cols = cols;
    this.dtype = dtype;
    this.wrapped = wrapped;
    if (wrapped != null) handle.borrow(java.util.List.of(wrapped.scope()));
  }

  /** A new zero-filled F32 tensor [rows x cols] in {@code ctx}'s memory; rows, cols ≥ 1. */
  public static Tensor zeros(MosContext ctx, int rows, int cols) {
    return zeros(ctx, rows, cols, DType.F32);
  }

  /** A new zero-filled tensor [rows x cols] of {@code dtype} in {@code ctx}'s memory. */
  public static Tensor zeros(MosContext ctx, int rows, int cols, DType dtype) {
    Native.notNull(ctx, "Tensor.zeros", "ctx");
    Native.notNull(dtype, "Tensor.zeros", "dtype");
    MemorySegment address = ctx.handle.query((c, a) -> {
      MemorySegment out = Native.handleSlot(a);
      Native.check(mos_h.mos_tensor_create(c, dtype.code(), rows, cols, out));
      return Native.handleIn(out);
    });
    return new Tensor(ctx, address, rows, cols, dtype, null);
  }

  /**
   * A scratch tensor for an operation of a live object of {@code ctx}: unlike
   * {@link #zeros(MosContext, int, int)} it works after the MosContext object was closed (the
   * native context lives while the calling object does).
   */
  static Tensor scratch(MosContext ctx, int rows, int cols) {
    ctx.lock.lock();
    try (Arena a = Arena.ofConfined()) {
      MemorySegment out = Native.handleSlot(a);
      Native.check(
          mos_h.mos_tensor_create(ctx.state.liveAddress(), mos_h.MOS_DTYPE_F32(), rows, cols, out));
      return new Tensor(ctx, Native.handleIn(out), rows, cols, DType.F32, null);
    } finally {
      ctx.lock.unlock();
    }
  }

  /** A scratch tensor holding a copy of {@code data}; see {@link #scratch(MosContext, int, int)}. */
  static Tensor scratchOf(MosContext ctx, float[] data, int rows, int cols) {
    Tensor t = scratch(ctx, rows, cols);
    try {
      t.copyFrom(data);
    } catch (RuntimeException e) {
      t.close();
      throw e;
    }
    return t;
  }

  /** A new F32 tensor [rows x cols] holding a copy of {@code data} (row-major). */
  public static Tensor of(MosContext ctx, float[] data, int rows, int cols) {
    return of(ctx, data, rows, cols, DType.F32);
  }

  /**
   * A new tensor [rows x cols] of {@code dtype} holding {@code data} (row-major, rows * cols
   * values; rounded to nearest-even for BF16).
   */
  public static Tensor of(MosContext ctx, float[] data, int rows, int cols, DType dtype) {
    Native.notNull(data, "Tensor.of", "data");
    checkLength("Tensor.of", data.length, rows, cols);
    Tensor t = zeros(ctx, rows, cols, dtype);
    try {
      t.copyFrom(data);
    } catch (RuntimeException e) {
      t.close();
      throw e;
    }
    return t;
  }

  /**
   * A zero-copy tensor over caller memory (CPU contexts only): {@code data} holds rows * cols
   * floats, 4-byte aligned, native (not a heap segment), and must stay valid until this tensor
   * and every layer using it are closed. The tensor keeps a reference to {@code data}, so an
   * {@code Arena.ofAuto()} segment stays alive as long as needed.
   *
   * @throws MosException {@link Status#UNSUPPORTED} on a non-CPU context, SHAPE_MISMATCH or
   *     INVALID_ARGUMENT for a segment of the wrong size or kind
   */
  public static Tensor wrap(MosContext ctx, MemorySegment data, int rows, int cols) {
    String fn = "Tensor.wrap";
    Native.notNull(ctx, fn, "ctx");
    Native.notNull(data, fn, "data");
    if (!data.isNative()) {
      throw Native.invalid(fn + ": data must be a native segment (e.g. from an Arena), not a heap"
          + " segment the GC may move");
    }
    if (rows < 1 || cols < 1 || data.byteSize() != (long) rows * cols * Float.BYTES) {
      throw Native.shape(fn + ": data has " + data.byteSize() + " bytes but rows * cols * 4 = "
          + rows + " * " + cols + " * 4 = " + (long) rows * cols * Float.BYTES);
    }
    if (data.address() % Float.BYTES != 0) {
      throw Native.invalid(fn + ": data address " + data.address() + " is not 4-byte aligned");
    }
    MemorySegment address = ctx.handle.query((c, a) -> {
      MemorySegment out = Native.handleSlot(a);
      Native.check(mos_h.mos_tensor_wrap_host(c, mos_h.MOS_DTYPE_F32(), rows, cols, data, out));
      return Native.handleIn(out);
    });
    return new Tensor(ctx, address, rows, cols, DType.F32, data);
  }

  /** The context this tensor lives in. */
  public MosContext context() {
    return context;
  }

  /** The element type. */
  public DType dtype() {
    return dtype;
  }

  /** Number of rows. */
  public int rows() {
    return rows;
  }

  /** Number of columns. */
  public int cols() {
    return cols;
  }

  /** rows * cols. */
  public long size() {
    return (long) rows * cols;
  }

  /** A new array with the tensor's values (row-major). */
  public float[] toArray() {
    if (size() > Integer.MAX_VALUE) {
      throw Native.invalid("Tensor.toArray: " + size() + " elements do not fit a Java array");
    }
    float[] out = new float[(int) size()];
    copyTo(out);
    return out;
  }

  /**
   * Overwrites the tensor with {@code src} (row-major, exactly rows * cols values); a BF16 tensor
   * stores them rounded to nearest, ties to even.
   */
  public void copyFrom(float[] src) {
    Native.notNull(src, "Tensor.copyFrom", "src");
    checkLength("Tensor.copyFrom", src.length, rows, cols);
    if (dtype == DType.BF16) {
      short[] bits = new short[src.length];
      for (int i = 0; i < bits.length; i++) {
        bits[i] = Bf16.fromFloat(src[i]);
      }
      handle.call(h -> mos_h.mos_tensor_write(h, MemorySegment.ofArray(bits), bits.length));
      return;
    }
    handle.call(h -> mos_h.mos_tensor_write(h, MemorySegment.ofArray(src), src.length));
  }

  /** Copies the tensor into {@code dst} (exactly rows * cols values; BF16 widens exactly). */
  public void copyTo(float[] dst) {
    Native.notNull(dst, "Tensor.copyTo", "dst");
    checkLength("Tensor.copyTo", dst.length, rows, cols);
    if (dtype == DType.BF16) {
      short[] bits = new short[dst.length];
      handle.call(h -> mos_h.mos_tensor_read(h, MemorySegment.ofArray(bits), bits.length));
      for (int i = 0; i < bits.length; i++) {
        dst[i] = Bf16.toFloat(bits[i]);
      }
      return;
    }
    handle.call(h -> mos_h.mos_tensor_read(h, MemorySegment.ofArray(dst), dst.length));
  }

  /**
   * Overwrites the tensor from a segment of exactly rows * cols * {@code dtype().bytes()} bytes
   * (heap or native; raw elements, bf16 bits for BF16).
   */
  public void copyFrom(MemorySegment src) {
    Native.notNull(src, "Tensor.copyFrom", "src");
    checkBytes("Tensor.copyFrom", src.byteSize());
    handle.call(h -> mos_h.mos_tensor_write(h, src, size()));
  }

  /**
   * Copies the tensor's raw elements into a segment of exactly rows * cols *
   * {@code dtype().bytes()} bytes (heap or native).
   */
  public void copyTo(MemorySegment dst) {
    Native.notNull(dst, "Tensor.copyTo", "dst");
    checkBytes("Tensor.copyTo", dst.byteSize());
    handle.call(h -> mos_h.mos_tensor_read(h, dst, size()));
  }

  /** The shape libmos reports, {rows, cols} (a consistency check; rows()/cols() are cached). */
  long[] nativeShape() {
    return handle.query((h, a) -> {
      MemorySegment r = a.allocate(ValueLayout.JAVA_LONG);
      MemorySegment c = a.allocate(ValueLayout.JAVA_LONG);
      Native.check(mos_h.mos_tensor_shape(h, r, c));
      return new long[] {r.get(ValueLayout.JAVA_LONG, 0), c.get(ValueLayout.JAVA_LONG, 0)};
    });
  }

  /** Whether {@link #close()} was called. */
  public boolean isClosed() {
    return handle.isClosed();
  }

  /** Releases this handle; idempotent. */
  @Override
  public void close() {
    handle.close();
  }

  @Override
  public String toString() {
    return "Tensor[" + rows + " x " + cols + (dtype == DType.F32 ? "" : ", " + dtype)
        + (isClosed() ? ", closed" : "") + "]";
  }

  static void checkLength(String fn, long length, long rows, long cols) {
    if (length != rows * cols) {
      throw Native.shape(fn + ": array has " + length + " elements but rows * cols = " + rows
          + " * " + cols + " = " + rows * cols);
    }
  }

  private void checkBytes(String fn, long bytes) {
    if (bytes != size() * dtype.bytes()) {
      throw Native.shape(fn + ": segment has " + bytes + " bytes but the tensor [" + rows + " x "
          + cols + "] " + dtype + " has " + size() * dtype.bytes());
    }
  }
}
