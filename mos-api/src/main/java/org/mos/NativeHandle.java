// SPDX-License-Identifier: Apache-2.0
// NativeHandle: one owned libmos handle (context, tensor, pool, layer, optimizer, adapter bank):
// the address, the lock strategy its calls run under, idempotent close and a Cleaner safety net
// that captures only the address.
package org.mos;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.mos.ffi.mos_h;

/**
 * Owns one libmos handle. Every native call on it runs under its lock strategy ({@link Access}):
 * <ul>
 *   <li>{@link Access#SERIALIZED}, every object but the adapter bank: calls run under the lock of
 *       the handle's context (the thread model of mos.h: objects of one context are used by one
 *       thread at a time; different contexts run in parallel);
 *   <li>{@link Access#CONCURRENT}, the adapter bank (libmos makes its calls safe from many
 *       threads): calls share a read lock of the handle's own, so any number run at once, and
 *       the release takes its write lock, so it waits for the calls in flight.
 * </ul>
 *
 * <p>Release: {@link #close()} frees the handle once (later calls do nothing); if the owner is
 * never closed, a {@link Cleaner} frees it after the owner becomes unreachable. The cleaning action
 * holds only the address, the (static) free function, the lock strategy and the context's
 * bookkeeping, never the owner. It takes the release side of the strategy before freeing, so it
 * can never free a handle in the middle of a call that uses it; the free itself runs under the
 * context's lock, so it never races the context's other calls either.
 *
 * <p>Parents: libmos keeps parents alive by reference counts (mos.h), so any handle may be freed
 * first. The one Java-side addition is the context: objects create scratch tensors in their
 * context, so the native context is freed only once the {@code MosContext} is closed AND every
 * handle created in it has been released ({@link ContextState}).
 */
final class NativeHandle implements AutoCloseable {

  /** How calls on a handle exclude each other and the handle's release. */
  enum Access {
    /** One call at a time per context, under the context's lock; the release takes it too. */
    SERIALIZED,
    /** Calls in parallel under a read lock; the release waits for them under the write lock. */
    CONCURRENT
  }

  /** A libmos {@code *_free} function, e.g. {@code mos_h::mos_pool_free}. */
  @FunctionalInterface
  interface Free {
    int free(MemorySegment handle);
  }

  /** A call on the handle that returns a mos_status_t. */
  @FunctionalInterface
  interface Call {
    int run(MemorySegment self);
  }

  /** A call on the handle with a confined scratch arena for out-parameters. */
  @FunctionalInterface
  interface Query<T> {
    T run(MemorySegment self, Arena scratch);
  }

  private static final Cleaner CLEANER = Cleaner.create(r -> {
    Thread t = new Thread(r, "mos-cleaner");
    t.setDaemon(true);
    return t;
  });

  /** Handles released by the Cleaner rather than by close() (for tests and diagnostics). */
  static final AtomicLong RELEASED_BY_CLEANER = new AtomicLong();

  private final String type;
  private final Guard guard;
  private MemorySegment address; // written on the guard's release side; null once closed
  private volatile MemorySegment.Scope[] borrowed = new MemorySegment.Scope[0];
  private final Releaser releaser;
  private final Cleaner.Cleanable cleanable;

  /** A {@link Access#SERIALIZED} handle created in the context {@code ctx}. */
  NativeHandle(String type, MemorySegment address, Free free, ContextState ctx) {
    this(type, address, free, ctx, Access.SERIALIZED, false);
  }

  /** A handle created in the context {@code ctx} (anything but the context itself). */
  NativeHandle(String type, MemorySegment address, Free free, ContextState ctx, Access access) {
    this(type, address, free, ctx, access, false);
  }

  private NativeHandle(
      String type,
      MemorySegment address,
      Free free,
      ContextState ctx,
      Access access,
      boolean isContext) {
    this.type = type;
    this.guard = access == Access.SERIALIZED
        ? new ContextLock(ctx.lock)
        : new ReadWrite(new ReentrantReadWriteLock());
    this.address = address;
    this.releaser = new Releaser(address.address(), free, ctx, guard, isContext);
    ctx.lock.lock();
    try {
      if (!isContext) {
        ctx.retain();
      }
    } finally {
      ctx.lock.unlock();
    }
    this.cleanable = CLEANER.register(this, releaser);
  }

  /** The handle of a context itself; its release is deferred by {@code ctx}. */
  static NativeHandle forContext(ContextState ctx) {
    return new NativeHandle("MosContext", ctx.address, null, ctx, Access.SERIALIZED, true);
  }

  /**
   * Records that the native object reads caller memory of these scopes (a wrapped tensor's
   * segment, or a layer's wrapped weight): once one is closed, {@link #get} refuses, so libmos is
   * never handed freed memory. Called before the handle is shared.
   */
  void borrow(java.util.List<MemorySegment.Scope> scopes) {
    java.util.List<MemorySegment.Scope> all =
        new java.util.ArrayList<>(java.util.List.of(borrowed));
    all.addAll(scopes);
    borrowed = all.toArray(new MemorySegment.Scope[0]);
  }

  /** The caller memory this handle borrows (see {@link #borrow}). */
  java.util.List<MemorySegment.Scope> borrowed() {
    return java.util.List.of(borrowed);
  }

  /** The address; the caller must be inside {@link #call} or {@link #query} (or hold the lock). */
  MemorySegment get() {
    if (!guard.heldByCurrentThread()) {
      throw new IllegalStateException("internal: " + type + " used without its lock");
    }
    MemorySegment a = address;
    if (a == null) {
      throw new MosClosedException(type);
    }
    for (MemorySegment.Scope s : borrowed) {
      if (!s.isAlive()) throw MosClosedException.memoryFreed(type);
    }
    return a;
  }

  /** Runs {@code call} under the guard and turns a failed status into a MosException. */
  void call(Call call) {
    guard.enter();
    try {
      Native.check(call.run(get()));
    } finally {
      guard.exit();
    }
  }

  /** Runs {@code query} under the guard with a scratch arena (the query checks its status). */
  <T> T query(Query<T> query) {
    guard.enter();
    try (Arena scratch = Arena.ofConfined()) {
      return query.run(get(), scratch);
    } finally {
      guard.exit();
    }
  }

  /** Throws MosClosedException("Type is closed") if closed. */
  void ensureOpen() {
    guard.enter();
    try {
      get();
    } finally {
      guard.exit();
    }
  }

  boolean isClosed() {
    guard.enter();
    try {
      return address == null;
    } finally {
      guard.exit();
    }
  }

  /** Frees the handle once the calls in flight have returned; idempotent. */
  @Override
  public void close() {
    guard.enterRelease();
    try {
      if (address == null) {
        return;
      }
      address = null;
      releaser.explicit = true;
      cleanable.clean();
    } finally {
      guard.exitRelease();
    }
  }

  /** A lock strategy: what a call holds, and what the release holds ({@link Access}). */
  private sealed interface Guard {
    void enter();

    void exit();

    void enterRelease();

    void exitRelease();

    /** Whether the current thread is inside a call (or the release, which excludes calls). */
    boolean heldByCurrentThread();
  }

  /** {@link Access#SERIALIZED}: calls and the release take the context's lock. */
  private record ContextLock(ReentrantLock lock) implements Guard {
    @Override
    public void enter() {
      lock.lock();
    }

    @Override
    public void exit() {
      lock.unlock();
    }

    @Override
    public void enterRelease() {
      lock.lock();
    }

    @Override
    public void exitRelease() {
      lock.unlock();
    }

    @Override
    public boolean heldByCurrentThread() {
      return lock.isHeldByCurrentThread();
    }
  }

  /** {@link Access#CONCURRENT}: calls share a read lock; the release takes the write lock. */
  private record ReadWrite(ReentrantReadWriteLock rw) implements Guard {
    @Override
    public void enter() {
      rw.readLock().lock();
    }

    @Override
    public void exit() {
      rw.readLock().unlock();
    }

    @Override
    public void enterRelease() {
      rw.writeLock().lock();
    }

    @Override
    public void exitRelease() {
      rw.writeLock().unlock();
    }

    @Override
    public boolean heldByCurrentThread() {
      return rw.getReadHoldCount() > 0 || rw.isWriteLockedByCurrentThread();
    }
  }

  /**
   * A context's native handle and lock, and the count of live handles created in it. The native
   * context is freed when its owner (the MosContext) is closed or collected and the count is 0.
   * Holds no reference to the MosContext, so Cleaner actions may capture it.
   */
  static final class ContextState {
    final ReentrantLock lock = new ReentrantLock();
    final MemorySegment address;
    private int children; // guarded by lock
    private boolean ownerReleased;
    private boolean freed;

    ContextState(MemorySegment address) {
      this.address = address;
    }

    /** The native context, for scratch objects of a live child; the caller holds the lock. */
    MemorySegment liveAddress() {
      if (freed) {
        throw new MosClosedException("MosContext");
      }
      return address;
    }

    /** Whether the native context has been freed; the caller holds the lock. */
    boolean isFreed() {
      return freed;
    }

    private void retain() {
      if (freed) {
        throw new MosClosedException("MosContext");
      }
      children++;
    }

    private void release() {
      children--;
      maybeFree();
    }

    private void releaseOwner() {
      ownerReleased = true;
      maybeFree();
    }

    private void maybeFree() {
      if (ownerReleased && children == 0 && !freed) {
        freed = true;
        mos_h.mos_context_free(address);
      }
    }
  }

  /**
   * The cleaning action: the address, the free function, the guard, the context state; never the
   * owner. Runs once (from close() or the Cleaner), on the guard's release side, then under the
   * context's lock (the same lock for a SERIALIZED handle).
   */
  private static final class Releaser implements Runnable {
    private final long address;
    private final Free free;
    private final ContextState ctx;
    private final Guard guard;
    private final boolean isContext;
    volatile boolean explicit;

    Releaser(long address, Free free, ContextState ctx, Guard guard, boolean isContext) {
      this.address = address;
      this.free = free;
      this.ctx = ctx;
      this.guard = guard;
      this.isContext = isContext;
    }

    @Override
    public void run() {
      guard.enterRelease();
      ctx.lock.lock();
      try {
        if (isContext) {
          ctx.releaseOwner();
        } else {
          // A free of a valid handle cannot fail; nothing could report it from the Cleaner anyway.
          free.free(MemorySegment.ofAddress(address));
          ctx.release();
        }
      } finally {
        ctx.lock.unlock();
        guard.exitRelease();
      }
      if (!explicit) {
        RELEASED_BY_CLEANER.incrementAndGet();
      }
    }
  }
}
