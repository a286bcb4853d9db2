// SPDX-License-Identifier: Apache-2.0
// MosContext: a backend (CPU or CUDA) and its stream, the parent of every other object; its lock
// serializes all native calls on the objects created from it.
package org.mos;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.locks.ReentrantLock;
import org.mos.ffi.mos_h;

/**
 * A libmos context: one backend, one device, one stream.
 *
 * <p>Threads: every native call on this context or on an object created from it (tensors, pools,
 * layers, optimizers) runs under this context's lock, so objects of one context may be shared
 * between threads and their calls are serialized; objects of different contexts run in parallel.
 *
 * <p>Lifetime: closing a context releases this object: its own methods, and creating new objects
 * in it, throw {@code MosClosedException("MosContext is closed")} afterwards. Objects created
 * from it earlier keep working until they are closed themselves; the native context is freed when
 * the last of them is released.
 *
 * {@snippet :
 * try (MosContext ctx = MosContext.cpu()) {
 *   ctx.setNumThreads(4);
 *   System.out.println(MosContext.version() + " on " + ctx.backend());
 * }
 * }
 */
public final class MosContext implements AutoCloseable {

  final NativeHandle.ContextState state;
  final ReentrantLock lock;
  final NativeHandle handle;
  private final Backend backend;
  private final int device;

  private MosContext(MemorySegment address, Backend backend, int device) {
    this.state = new NativeHandle.ContextState(address);
    this.lock = state.lock;
    this.handle = NativeHandle.forContext(state);
    this.backend = backend;
    this.device = device;
  }

  /** A context on {@code backend}, device 0. */
  public static MosContext create(Backend backend) {
    return create(backend, 0);
  }

  /**
   * A context on {@code backend} and device ordinal {@code device} (0 for the CPU).
   *
   * @throws MosException {@link Status#BACKEND_UNAVAILABLE} with the reason when the backend
   *     cannot be used here
   */
  public static MosContext create(Backend backend, int device) {
    Native.notNull(backend, "MosContext.create", "backend");
    NativeLoader.load();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = Native.handleSlot(arena);
      Native.check(mos_h.mos_context_create(backend.code(), device, out));
      return new MosContext(Native.handleIn(out), backend, device);
    }
  }

  /** A CPU context. */
  public static MosContext cpu() {
    return create(Backend.CPU, 0);
  }

  /** The backend, as libmos reports it. */
  public Backend backend() {
    return handle.query((h, a) -> {
      MemorySegment out = a.allocate(ValueLayout.JAVA_INT);
      Native.check(mos_h.mos_context_backend(h, out));
      return Backend.of(out.get(ValueLayout.JAVA_INT, 0));
    });
  }

  /** The device ordinal this context was created on. */
  public int device() {
    return device;
  }

  /** Threads for this context's CPU work (OpenMP and OpenBLAS); 0 = the library default. */
  public void setNumThreads(int numThreads) {
    handle.call(h -> mos_h.mos_context_set_num_threads(h, numThreads));
  }

  /**
   * Precision of this context's f32 dense products. On CUDA it selects the cuBLAS compute type
   * (exact f32, or TF32 tensor cores for {@link MathMode#TF32}); the CPU accepts it and stays
   * exact. The initial value on CUDA comes from {@code MOS_CUDA_TF32}.
   */
  public void setMathMode(MathMode mode) {
    Native.notNull(mode, "MosContext.setMathMode", "mode");
    handle.call(h -> mos_h.mos_context_set_math_mode(h, mode.code()));
  }

  /**
   * Deterministic reductions: on CUDA the pool-gradient scatter-add then gives bit-identical
   * gradients run to run (off: atomics, the fast default; the initial value comes from
   * {@code MOS_CUDA_DETERMINISTIC}). The CPU is always deterministic and accepts either value.
   */
  public void setDeterministic(boolean on) {
    handle.call(h -> mos_h.mos_context_set_deterministic(h, on ? 1 : 0));
  }

  /** Waits for all queued work of this context (a no-op on the CPU). */
  public void synchronize() {
    handle.call(mos_h::mos_context_synchronize);
  }

  /**
   * Dense product through the backend's BLAS: {@code c = alpha * op(a) op(b) + beta * c}, with
   * {@code op(x) = x^T} when the flag is set. All three tensors belong to this context; op(a) is
   * [m x k], op(b) [k x n], c [m x n]. For the base products and dense layers of a caller's own
   * model.
   */
  public void gemm(
      boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
    String fn = "MosContext.gemm";
    Native.notNull(a, fn, "a");
    Native.notNull(b, fn, "b");
    Native.notNull(c, fn, "c");
    Native.sameContext(fn, this, a.context(), "a");
    Native.sameContext(fn, this, b.context(), "b");
    Native.sameContext(fn, this, c.context(), "c");
    handle.call(h -> mos_h.mos_gemm(
        h,
        transA ? 1 : 0,
        transB ? 1 : 0,
        alpha,
        a.handle.get(),
        b.handle.get(),
        beta,
        c.handle.get()));
  }

  /** libmos's version and build flags, e.g. "mos 0.1.0 (cpu:openblas, cuda:sm_80;sm_90)". */
  public static String version() {
    NativeLoader.load();
    return Native.string(mos_h.mos_version_string());
  }

  /** {@code MOS_ABI_VERSION_MAJOR * 1000 + MOS_ABI_VERSION_MINOR} of the loaded libmos. */
  public static int abiVersion() {
    NativeLoader.load();
    return mos_h.mos_abi_version();
  }

  /** Whether the native context is gone (closed and no object of it left); for tests. */
  boolean nativeFreed() {
    lock.lock();
    try {
      return state.isFreed();
    } finally {
      lock.unlock();
    }
  }

  /** Whether {@link #close()} was called. */
  public boolean isClosed() {
    return handle.isClosed();
  }

  /**
   * Closes this context; idempotent. Objects created from it keep working; the native context is
   * freed once they are all closed (or collected).
   */
  @Override
  public void close() {
    handle.close();
  }

  @Override
  public String toString() {
    return "MosContext[" + backend + (backend == Backend.CPU ? "" : ":" + device)
        + (isClosed() ? ", closed" : "") + "]";
  }
}
