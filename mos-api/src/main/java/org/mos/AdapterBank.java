// SPDX-License-Identifier: Apache-2.0
// AdapterBank: many MoS adapters of one base model served at once (mos_bank_t): hot add/remove
// while many threads apply mixed batches in which every token names its own adapter.
package org.mos;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.mos.ffi.mos_h;

/**
 * An adapter bank ({@code mos_bank_t}): many MoS adapters of ONE base model in their compact form
 * (pools + routing indices, never dense A/B), applied to mixed batches:
 * <pre>
 *   y[t] += (alpha_a / r_a) B_{a,k} (A_{a,k} x[t])      a = ids[t] (-1: nothing), k = block
 * </pre>
 * reading adapter a's shards straight from its pools by index (docs/serving.md). Adapters may
 * differ in r, R_eq, p, l and alpha; every projection they name must keep its d_in and d_out, and
 * all must have the base model's number of blocks L. An adapter that does not adapt a projection
 * adds nothing to its tokens there.
 *
 * <p><b>Adding copies.</b> {@link #add(Map)} copies the pools and indices into the bank; the
 * source pools can be closed, trained further or rewritten afterwards without changing what the
 * bank serves (train while serving, add the new version, remove the old). Ids are 0, 1, 2, ... in
 * order of addition, never reused.
 *
 * <p><b>Threads.</b> Unlike the other objects of a context, a bank does NOT serialize its calls
 * on the context's lock (its handle is {@code CONCURRENT}: calls share a read lock, close takes the
 * write lock): {@link #apply(String, int, float[], int[], float[])} (and its array and
 * {@code MemorySegment} overloads), {@link #add}, {@link #remove}, {@link #setPath} and the
 * queries may run from many threads at once. Each apply sees the adapters present when it starts;
 * an adapter removed meanwhile is freed only after every apply using it has returned. The
 * remaining rules: concurrent applies write different {@code y}; the {@link Tensor} overloads and
 * {@link #merge}/{@link #unmerge} use tensors, which are objects of the context, so they run under
 * the context's lock (one at a time per context, like every tensor call); {@link #add(Map)} holds
 * the lock of the pools' context while it copies them. {@link #close()} waits for running calls
 * and makes later ones throw {@code MosClosedException("AdapterBank is closed")}. The context's
 * CPU threads are shared among the applies in flight.
 *
 * <p><b>Memory.</b> {@link #bytes(int)}: 4 R_eq L (d_in + d_out) bytes of pools per projection
 * plus 8 L r l of indices; {@link #denseLoraBytes(int)}: what dense LoRA factors of the same active
 * rank would take, 4 L r (d_in + d_out): the saving is about r / R_eq. With a budget, an add that
 * does not fit throws {@link MosException} with {@link Status#OUT_OF_MEMORY}, naming the budget,
 * the bytes in use and the adapter's bytes.
 *
 * {@snippet :
 * try (MosContext ctx = MosContext.cpu();
 *      AdapterBank bank = AdapterBank.create(ctx, 0)) {      // 0: no budget
 *   int a = bank.add(modelA);                                // a MosModel or a Map of pools
 *   int b = bank.add(modelB);
 *   float[] x = new float[4 * 64], y = new float[4 * 64];   // 4 tokens, q_proj is 64 -> 64
 *   bank.apply("q_proj", 0, x, new int[] {a, b, -1, a}, y); // y[t] += delta of ids[t]
 *   bank.remove(a);
 * }
 * }
 */
public final class AdapterBank implements AutoCloseable {

  /** The kernels of {@link #apply} ({@code mos_bank_path_t}); the results agree to rounding. */
  public enum Path {
    /** As PREFILL; an adapter with a single token in the batch is then a DECODE step (default). */
    AUTO(0),
    /** Per token: shrink over its A-shards, expand over its B-shards (BGMV-like). */
    DECODE(1),
    /** Per adapter: its tokens in tiles of 4, each shard row read once per tile (SGMV-like). */
    PREFILL(2);

    private final int code;

    Path(int code) {
      this.code = code;
    }

    /** The {@code mos_bank_path_t} value. */
    public int code() {
      return code;
    }
  }

  /** One registered projection: its slot and shape. */
  public record Projection(String name, int slot, int dIn, int dOut) {}

  private final MosContext context;
  private final long budget;
  // CONCURRENT: every call holds a read lock (they run at once); close and the Cleaner's free
  // take the write lock, so they wait for the calls in flight.
  final NativeHandle handle;
  private final Map<String, Projection> byName = new ConcurrentHashMap<>();
  private volatile Projection[] bySlot = new Projection[0];
  private volatile Path path = Path.AUTO;

  private AdapterBank(MosContext context, MemorySegment address, long budget) {
    this.context = context;
    this.budget = budget;
    this.handle = new NativeHandle(
        "AdapterBank",
        address,
        mos_h::mos_bank_free,
        context.state,
        NativeHandle.Access.CONCURRENT);
  }

  /**
   * A new, empty bank in {@code ctx} (its adapters' memory lives in that context's backend).
   *
   * @param budgetBytes the most bytes the adapters may hold; 0 = unlimited
   * @throws MosException INVALID_ARGUMENT for a negative budget
   */
  public static AdapterBank create(MosContext ctx, long budgetBytes) {
    Native.notNull(ctx, "AdapterBank.create", "ctx");
    MemorySegment address = ctx.handle.query((c, a) -> {
      MemorySegment out = Native.handleSlot(a);
      Native.check(mos_h.mos_bank_create(c, budgetBytes, out));
      return Native.handleIn(out);
    });
    return new AdapterBank(ctx, address, budgetBytes);
  }

  /** The context this bank's adapters live in. */
  public MosContext context() {
    return context;
  }

  // ---- adapters ------------------------------------------------------------------------------

  /**
   * Adds one adapter made of {@code pools} (projection name to pool group; all pools of one
   * MosContext, any context) and returns its id. Copies the pools and every block's indices.
   *
   * @throws MosException SHAPE_MISMATCH when a projection's shape or L differs from the bank's,
   *     OUT_OF_MEMORY when the budget would be exceeded, INVALID_STATE when a block's indices
   *     were never set; nothing is added then
   */
  public int add(Map<String, ShardPool> pools) {
    String fn = "AdapterBank.add";
    Native.notNull(pools, fn, "pools");
    if (pools.isEmpty()) {
      throw Native.invalid(fn + ": an adapter needs at least one pool group");
    }
    MosContext poolCtx = null;
    for (Map.Entry<String, ShardPool> e : pools.entrySet()) {
      Native.notNull(e.getKey(), fn, "a projection name");
      ShardPool p = Native.notNull(e.getValue(), fn, "pool '" + e.getKey() + "'");
      if (poolCtx == null) {
        poolCtx = p.context();
      } else if (p.context() != poolCtx) {
        throw Native.invalid(fn + ": pool '" + e.getKey() + "' belongs to another MosContext than"
            + " the adapter's other pools (one context per add)");
      }
    }
    MosContext lockCtx = poolCtx;
    return handle.query((self, arena) -> {
      int n = pools.size();
      MemorySegment names = arena.allocate(ValueLayout.ADDRESS, n);
      MemorySegment handles = arena.allocate(ValueLayout.ADDRESS, n);
      MemorySegment out = arena.allocate(ValueLayout.JAVA_INT);
      lockCtx.lock.lock();
      try {
        int i = 0;
        for (Map.Entry<String, ShardPool> e : pools.entrySet()) {
          names.setAtIndex(ValueLayout.ADDRESS, i, arena.allocateFrom(e.getKey()));
          handles.setAtIndex(ValueLayout.ADDRESS, i, e.getValue().handle.get());
          i++;
        }
        Native.check(mos_h.mos_bank_add(self, n, names, handles, out));
      } finally {
        lockCtx.lock.unlock();
      }
      for (String name : pools.keySet()) {
        refreshProjection(self, arena, name);
      }
      return out.get(ValueLayout.JAVA_INT, 0);
    });
  }

  /** Adds every pool group of {@code model} as one adapter; see {@link #add(Map)}. */
  public int add(MosModel model) {
    Native.notNull(model, "AdapterBank.add", "model");
    return add(model.pools());
  }

  /**
   * Removes adapter {@code id}; applies already running keep using it until they return.
   *
   * @throws MosException INVALID_ARGUMENT for an id that was removed or never added
   */
  public void remove(int id) {
    handle.call(self -> mos_h.mos_bank_remove(self, id));
  }

  /** Bytes adapter {@code id} holds in the bank: pools (f32) and indices (int32). */
  public long bytes(int id) {
    return adapterBytes(id)[0];
  }

  /** Bytes dense LoRA factors of the same active rank would take: 4 L r (d_in + d_out) each. */
  public long denseLoraBytes(int id) {
    return adapterBytes(id)[1];
  }

  private long[] adapterBytes(int id) {
    return handle.query((self, a) -> {
      MemorySegment b = a.allocate(ValueLayout.JAVA_LONG);
      MemorySegment d = a.allocate(ValueLayout.JAVA_LONG);
      Native.check(mos_h.mos_bank_adapter_bytes(self, id, b, d));
      return new long[] {b.get(ValueLayout.JAVA_LONG, 0), d.get(ValueLayout.JAVA_LONG, 0)};
    });
  }

  /** Bytes held by all adapters. */
  public long totalBytes() {
    return usage()[0];
  }

  /** The memory budget in bytes (0: none). */
  public long budgetBytes() {
    return budget;
  }

  /** Adapters in the bank now. */
  public int size() {
    return (int) usage()[1];
  }

  private long[] usage() {
    return handle.query((self, a) -> {
      MemorySegment total = a.allocate(ValueLayout.JAVA_LONG);
      MemorySegment n = a.allocate(ValueLayout.JAVA_INT);
      Native.check(mos_h.mos_bank_usage(self, total, MemorySegment.NULL, n));
      return new long[] {total.get(ValueLayout.JAVA_LONG, 0), n.get(ValueLayout.JAVA_INT, 0)};
    });
  }

  // ---- projections -----------------------------------------------------------------------------

  /**
   * The projection named {@code name} (slot, d_in, d_out), registered by the first adapter that
   * adapted it.
   *
   * @throws MosException INVALID_ARGUMENT when no adapter added so far names it
   */
  public Projection projection(String name) {
    Native.notNull(name, "AdapterBank.projection", "name");
    Projection p = byName.get(name);
    if (p != null) {
      return p;
    }
    return handle.query((self, a) -> refreshProjection(self, a, name));
  }

  /** The bank's number of blocks L (0 before the first add). */
  public int numLayers() {
    Projection[] slots = bySlot;
    if (slots.length == 0) {
      return 0;
    }
    return handle.query((self, a) -> {
      MemorySegment nl = a.allocate(ValueLayout.JAVA_INT);
      Native.check(mos_h.mos_bank_projection(
          self,
          a.allocateFrom(slots[0].name()),
          MemorySegment.NULL,
          MemorySegment.NULL,
          MemorySegment.NULL,
          nl));
      return nl.get(ValueLayout.JAVA_INT, 0);
    });
  }

  private Projection refreshProjection(MemorySegment self, Arena a, String name) {
    MemorySegment slot = a.allocate(ValueLayout.JAVA_INT);
    MemorySegment dIn = a.allocate(ValueLayout.JAVA_INT);
    MemorySegment dOut = a.allocate(ValueLayout.JAVA_INT);
    Native.check(
        mos_h.mos_bank_projection(self, a.allocateFrom(name), slot, dIn, dOut, MemorySegment.NULL));
    Projection p = new Projection(
        name,
        slot.get(ValueLayout.JAVA_INT, 0),
        dIn.get(ValueLayout.JAVA_INT, 0),
        dOut.get(ValueLayout.JAVA_INT, 0));
    synchronized (byName) {
      byName.putIfAbsent(name, p);
      Projection[] old = bySlot;
      if (p.slot() >= old.length || old[p.slot()] == null) {
        Projection[] grown = java.util.Arrays.copyOf(old, Math.max(old.length, p.slot() + 1));
        grown[p.slot()] = p;
        bySlot = grown;
      }
    }
    return p;
  }

  private Projection projectionOf(String fn, int slot) {
    Projection[] slots = bySlot;
    if (slot < 0 || slot >= slots.length || slots[slot] == null) {
      throw new MosException(
          Status.INDEX_OUT_OF_RANGE,
          fn + ": slot " + slot + " is outside the bank's projections [0, " + slots.length + ")");
    }
    return slots[slot];
  }

  /** Chooses the kernels of later applies (default {@link Path#AUTO}). */
  public void setPath(Path path) {
    Native.notNull(path, "AdapterBank.setPath", "path");
    handle.call(self -> mos_h.mos_bank_set_path(self, path.code()));
    this.path = path;
  }

  /** The kernel choice set last. */
  public Path path() {
    return path;
  }

  // ---- apply -----------------------------------------------------------------------------------

  /**
   * Mixed-batch apply on caller arrays, without a copy: for every token t (T = ids.length),
   * {@code y[t] += (alpha_a / r_a) B_{a,block} (A_{a,block} x[t])}, a = ids[t] (-1: nothing).
   * x holds T rows of d_in floats, y T rows of d_out (row-major). Runs concurrently with other
   * calls of this bank and never takes the context's lock.
   *
   * @throws MosException INVALID_ARGUMENT naming the token for an id that was removed or never
   *     added (nothing is written then), SHAPE_MISMATCH for arrays of the wrong length,
   *     INDEX_OUT_OF_RANGE for a block outside [0, L)
   */
  public void apply(String projection, int block, float[] x, int[] ids, float[] y) {
    apply(projection(projection).slot(), block, x, ids, y);
  }

  /** {@link #apply(String, int, float[], int[], float[])} by slot (saves the name lookup). */
  public void apply(int slot, int block, float[] x, int[] ids, float[] y) {
    String fn = "AdapterBank.apply";
    Native.notNull(x, fn, "x");
    Native.notNull(ids, fn, "ids");
    Native.notNull(y, fn, "y");
    Projection p = projectionOf(fn, slot);
    Tensor.checkLength(fn + " (x)", x.length, ids.length, p.dIn());
    Tensor.checkLength(fn + " (y)", y.length, ids.length, p.dOut());
    handle.call(self -> mos_h.mos_bank_apply_host(
        self,
        slot,
        block,
        MemorySegment.ofArray(x),
        ids.length,
        MemorySegment.ofArray(ids),
        MemorySegment.ofArray(y)));
  }

  /**
   * The same on segments (heap or native) of exactly T d_in and T d_out floats, T = ids.length:
   * zero-copy for callers that keep activations off the Java heap. CPU contexts read the memory
   * in place; a CUDA bank stages it through the device.
   */
  public void apply(int slot, int block, MemorySegment x, int[] ids, MemorySegment y) {
    String fn = "AdapterBank.apply";
    Native.notNull(x, fn, "x");
    Native.notNull(ids, fn, "ids");
    Native.notNull(y, fn, "y");
    Projection p = projectionOf(fn, slot);
    long wantX = (long) ids.length * p.dIn() * Float.BYTES;
    long wantY = (long) ids.length * p.dOut() * Float.BYTES;
    if (x.byteSize() != wantX || y.byteSize() != wantY) {
      throw Native.shape(fn + ": x has " + x.byteSize() + " bytes and y " + y.byteSize() + " but "
          + ids.length + " tokens of '" + p.name() + "' need " + wantX + " and " + wantY);
    }
    handle.call(self ->
        mos_h.mos_bank_apply_host(self, slot, block, x, ids.length, MemorySegment.ofArray(ids), y));
  }

  /**
   * The same on tensors of this bank's context: x [T x d_in], y [T x d_out], T = ids.length.
   * Tensors are objects of the context, so this overload runs under the context's lock (one at a
   * time per context); use the array or segment overloads for concurrent applies.
   */
  public void apply(String projection, int block, Tensor x, int[] ids, Tensor y) {
    String fn = "AdapterBank.apply";
    Native.notNull(x, fn, "x");
    Native.notNull(ids, fn, "ids");
    Native.notNull(y, fn, "y");
    Native.sameContext(fn, context, x.context(), "x");
    Native.sameContext(fn, context, y.context(), "y");
    int slot = projection(projection).slot();
    handle.call(self -> {
      context.lock.lock();
      try {
        return mos_h.mos_bank_apply(
            self,
            slot,
            block,
            x.handle.get(),
            MemorySegment.ofArray(ids),
            ids.length,
            y.handle.get());
      } finally {
        context.lock.unlock();
      }
    });
  }

  // ---- single tenant -------------------------------------------------------------------------

  /**
   * {@code weight [d_out x d_in] += (alpha/r) B A} of adapter {@code id}, projection
   * {@code projection}, block {@code block}: the one-tenant alternative (the base product then
   * includes the adapter). The bank does not track merges: unmerge what you merged. Runs under the
   * context's lock (it writes a tensor).
   *
   * @throws MosException INVALID_ARGUMENT when the adapter does not adapt {@code projection}
   */
  public void merge(int id, String projection, int block, Tensor weight) {
    mergeImpl("AdapterBank.merge", id, projection, block, weight, true);
  }

  /** {@code weight -= (alpha/r) B A}: undoes {@link #merge}. */
  public void unmerge(int id, String projection, int block, Tensor weight) {
    mergeImpl("AdapterBank.unmerge", id, projection, block, weight, false);
  }

  private void mergeImpl(
      String fn, int id, String projection, int block, Tensor weight, boolean add) {
    Native.notNull(weight, fn, "weight");
    Native.sameContext(fn, context, weight.context(), "weight");
    int slot = projection(projection).slot();
    handle.call(self -> {
      context.lock.lock();
      try {
        MemorySegment w = weight.handle.get();
        return add
            ? mos_h.mos_bank_merge(self, id, slot, block, w)
            : mos_h.mos_bank_unmerge(self, id, slot, block, w);
      } finally {
        context.lock.unlock();
      }
    });
  }

  // ---- lifetime ------------------------------------------------------------------------------

  /** Whether {@link #close()} was called. */
  public boolean isClosed() {
    return handle.isClosed();
  }

  /** Frees the bank after the calls running now return; idempotent. */
  @Override
  public void close() {
    handle.close();
  }

  @Override
  public String toString() {
    return "AdapterBank[" + byName.keySet() + (budget > 0 ? ", budget " + budget : "")
        + (isClosed() ? ", closed" : "") + "]";
  }
}
