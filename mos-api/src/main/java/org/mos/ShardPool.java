// SPDX-License-Identifier: Apache-2.0
// ShardPool: the pools of ONE projection type (e.g. up_proj), shared by all L blocks: pool_A,
// pool_B,
// their gradients and AdamW moments, and every block's frozen routing indices (method.md §1-§3).
package org.mos;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.mos.ffi.mos_config;
import org.mos.ffi.mos_h;

/**
 * One projection type's shard pools ("pool group", {@code mos_pool_t}), shared by its L blocks:
 * pool_A [P x d_in/l] and pool_B [d_out/l x P] with P = R_eq L l; rows [0, S) are public,
 * S = (R_eq - p) L l, and rows [S + k p l, S + (k+1) p l) are private to block k. Every block's
 * routing indices (r l per pool, rank-major: shard i of rank vector j is {@code idx[j*l + i]}) are
 * frozen data, set by {@link #generateIndices(long)} or {@link #setIndices(int, int[], int[])}.
 *
 * <p>A new pool is all zeros with unset indices; call {@link #init(long)} (method.md §6: pool_A ~
 * U(±1/√d_in), pool_B = 0) and {@link #generateIndices(long)}, or load saved arrays with
 * {@link #write(PoolArray, float[])} and {@link #setIndices(int, int[], int[])}.
 *
 * <p>Lifetime: the pool keeps its context alive; layers and optimizers that use the pool keep it
 * alive (closing the pool then only releases this handle; they keep working).
 *
 * {@snippet :
 * MosConfig config = MosConfig.builder().rank(4).equivalentRank(2).privateRank(1).build();
 * try (MosContext ctx = MosContext.cpu();
 *      ShardPool pool = ShardPool.create(ctx, 64, 176, 4, config)) {
 *   pool.init(7);
 *   pool.generateIndices(7);
 *   int[] idxA = pool.indicesA(0);                      // r*l = 8 rows of pool_A
 *   float[] a0 = pool.assembleA(0);                     // A_0 [r x d_in]
 *   long params = pool.parameterCount();                // R_eq L (d_in + d_out) = 1920
 * }
 * }
 */
public final class ShardPool implements AutoCloseable {

  final NativeHandle handle;
  private final MosContext context;
  private final MosConfig config;
  private final int dIn;
  private final int dOut;
  private final int numLayers;
  private final int numShards;

  private ShardPool(
      MosContext context,
      MemorySegment address,
      MosConfig config,
      int dIn,
      int dOut,
      int numLayers,
      int numShards) {
    this.handle = new NativeHandle("ShardPool", address, mos_h::mos_pool_free, context.state);
    this.context = context;
    this.config = config;
    this.dIn = dIn;
    this.dOut = dOut;
    this.numLayers = numLayers;
    this.numShards = numShards;
  }

  /**
   * The pools of one projection type W [dOut x dIn] shared by {@code numLayers} blocks, sized by
   * {@code config} (its seed is not used here: see {@link #init(long)}). All arrays start at zero
   * and every block's indices start unset.
   *
   * @throws MosException INVALID_ARGUMENT when the config does not fit the shapes (method.md §10.12)
   */
  public static ShardPool create(
      MosContext ctx, int dIn, int dOut, int numLayers, MosConfig config) {
    String fn = "ShardPool.create";
    Native.notNull(ctx, fn, "ctx");
    Native.notNull(config, fn, "config");
    MemorySegment address = ctx.handle.query((c, a) -> {
      MemorySegment out = Native.handleSlot(a);
      Native.check(mos_h.mos_pool_create(c, config.toNative(a, dIn, dOut, numLayers), out));
      return Native.handleIn(out);
    });
    ShardPool pool = new ShardPool(
        ctx, address, config, dIn, dOut, numLayers, Math.toIntExact(config.numShards(numLayers)));
    try {
      int[] got = pool.nativeConfig();
      int[] want = {
        dIn,
        dOut,
        numLayers,
        config.rank(),
        config.equivalentRank(),
        config.privateRank(),
        config.shardsPerVector(),
        pool.indexLength()
      };
      if (!java.util.Arrays.equals(got, want)) {
        throw new MosException(
            Status.INTERNAL,
            "mos_pool_get_config reports "
                + java.util.Arrays.toString(got) + " but mos_pool_create was given "
                + java.util.Arrays.toString(want));
      }
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
    return pool;
  }

  /**
   * mos_pool_get_config and mos_pool_index_length: {d_in, d_out, L, r, R_eq, p, l, r l}, as
   * libmos holds them.
   */
  int[] nativeConfig() {
    return handle.query((h, a) -> {
      MemorySegment c = mos_config.allocate(a);
      mos_config.struct_size(c, Math.toIntExact(mos_config.sizeof()));
      Native.check(mos_h.mos_pool_get_config(h, c));
      MemorySegment indexLength = a.allocate(ValueLayout.JAVA_LONG);
      Native.check(mos_h.mos_pool_index_length(h, indexLength));
      return new int[] {
        mos_config.d_in(c),
        mos_config.d_out(c),
        mos_config.num_blocks(c),
        mos_config.rank(c),
        mos_config.equivalent_rank(c),
        mos_config.private_rank(c),
        mos_config.shards_per_vector(c),
        Math.toIntExact(indexLength.get(ValueLayout.JAVA_LONG, 0))
      };
    });
  }

  /** The context of this pool. */
  public MosContext context() {
    return context;
  }

  /** The config the pool was created from. */
  public MosConfig config() {
    return config;
  }

  /** d_in of the projection (columns of W, of A_k). */
  public int dIn() {
    return dIn;
  }

  /** d_out of the projection (rows of W, of B_k). */
  public int dOut() {
    return dOut;
  }

  /** L, the number of blocks sharing this pool (block indices are 0 .. L-1). */
  public int numLayers() {
    return numLayers;
  }

  /** P = R_eq L l, the shards in each pool. */
  public int numShards() {
    return numShards;
  }

  /** S = (R_eq - p) L l, the public rows. */
  public int publicShards() {
    return (int) config.publicShards(numLayers);
  }

  /** s_A = d_in / l, the length of an A-shard. */
  public int shardLengthA() {
    return dIn / config.shardsPerVector();
  }

  /** s_B = d_out / l, the length of a B-shard. */
  public int shardLengthB() {
    return dOut / config.shardsPerVector();
  }

  /** r l, the length of each block's index array (per pool). */
  public int indexLength() {
    return config.rank() * config.shardsPerVector();
  }

  /** Rows of {@code which}: P for the A side, s_B for the B side. */
  public int rows(PoolArray which) {
    Native.notNull(which, "ShardPool.rows", "which");
    return which.isSideA() ? numShards : shardLengthB();
  }

  /** Columns of {@code which}: s_A for the A side, P for the B side. */
  public int cols(PoolArray which) {
    Native.notNull(which, "ShardPool.cols", "which");
    return which.isSideA() ? shardLengthA() : numShards;
  }

  /**
   * Elements of {@code which}, for Java arrays.
   *
   * @throws MosException INVALID_ARGUMENT when the array has more elements than a Java array can
   *     hold (use {@link #elements} and the MemorySegment overloads)
   */
  public int size(PoolArray which) {
    long n = elements(which);
    if (n > Integer.MAX_VALUE - 8) {
      throw Native.invalid("ShardPool: " + which + " has " + n + " elements, more than a Java"
          + " array holds; use read/write with a MemorySegment");
    }
    return (int) n;
  }

  /** Elements of {@code which}, whatever their number. */
  public long elements(PoolArray which) {
    return (long) rows(which) * cols(which);
  }

  /**
   * method.md §6: pool_A ~ U(-1/√d_in, +1/√d_in) (full d_in as fan), pool_B = 0, from {@code seed}
   * (deterministic across runs and backends). Clears gradients and AdamW moments.
   */
  public void init(long seed) {
    handle.call(h -> mos_h.mos_pool_init(h, seed));
  }

  /**
   * method.md §2: for every block, draws the (r - p) l shared shards of A without replacement from the
   * public rows, independently those of B, then appends the block's p l private rows in order.
   */
  public void generateIndices(long seed) {
    handle.call(h -> mos_h.mos_pool_generate_indices(h, seed));
  }

  /**
   * Sets block {@code block}'s indices: {@code a} and {@code b} each hold r l row numbers of
   * pool_A / columns of pool_B, rank-major, each in [0, P); duplicates are allowed. Validated
   * before anything is written.
   */
  public void setIndices(int block, int[] a, int[] b) {
    String fn = "ShardPool.setIndices";
    Native.notNull(a, fn, "a");
    Native.notNull(b, fn, "b");
    if (a.length != b.length) {
      throw Native.shape(fn + ": a has " + a.length + " indices but b has " + b.length);
    }
    handle.call(h -> mos_h.mos_pool_set_indices(
        h, block, MemorySegment.ofArray(a), MemorySegment.ofArray(b), a.length));
  }

  /** Block {@code block}'s indices into pool_A (r l values, rank-major). */
  public int[] indicesA(int block) {
    return indices(block)[0];
  }

  /** Block {@code block}'s indices into pool_B (r l values, rank-major). */
  public int[] indicesB(int block) {
    return indices(block)[1];
  }

  private int[][] indices(int block) {
    int[] a = new int[indexLength()];
    int[] b = new int[indexLength()];
    handle.call(h -> mos_h.mos_pool_get_indices(
        h, block, MemorySegment.ofArray(a), MemorySegment.ofArray(b), a.length));
    return new int[][] {a, b};
  }

  /** A copy of {@code which} (row-major, {@link #size(PoolArray)} values). */
  public float[] read(PoolArray which) {
    float[] dst = new float[size(which)];
    read(which, dst);
    return dst;
  }

  /** Copies {@code which} into {@code dst} (exactly {@link #size(PoolArray)} values). */
  public void read(PoolArray which, float[] dst) {
    Native.notNull(which, "ShardPool.read", "which");
    Native.notNull(dst, "ShardPool.read", "dst");
    handle.call(h -> mos_h.mos_pool_read(h, which.code(), MemorySegment.ofArray(dst), dst.length));
  }

  /**
   * Overwrites {@code which} with {@code src} (exactly {@link #size(PoolArray)} values). Writing
   * gradients and moments is allowed (checkpoints).
   *
   * @throws MosException INVALID_ARGUMENT, changing nothing, when {@code src} holds a NaN or an
   *     infinity (the message names the first one's index, row and column)
   */
  public void write(PoolArray which, float[] src) {
    Native.notNull(which, "ShardPool.write", "which");
    Native.notNull(src, "ShardPool.write", "src");
    handle.call(h -> mos_h.mos_pool_write(h, which.code(), MemorySegment.ofArray(src), src.length));
  }

  /**
   * Copies {@code which} into {@code dst}, a heap or native segment of exactly
   * {@link #size(PoolArray)} floats (e.g. a memory-mapped checkpoint), without a Java array.
   */
  public void read(PoolArray which, MemorySegment dst) {
    Native.notNull(which, "ShardPool.read", "which");
    Native.notNull(dst, "ShardPool.read", "dst");
    long n = floats("ShardPool.read", which, dst);
    handle.call(h -> mos_h.mos_pool_read(h, which.code(), dst, n));
  }

  /**
   * Overwrites {@code which} from a heap or native segment of exactly {@link #size(PoolArray)}
   * floats; a NaN or an infinity is refused as by {@link #write(PoolArray, float[])}.
   */
  public void write(PoolArray which, MemorySegment src) {
    Native.notNull(which, "ShardPool.write", "which");
    Native.notNull(src, "ShardPool.write", "src");
    long n = floats("ShardPool.write", which, src);
    handle.call(h -> mos_h.mos_pool_write(h, which.code(), src, n));
  }

  private long floats(String fn, PoolArray which, MemorySegment segment) {
    long n = elements(which);
    if (segment.byteSize() != n * Float.BYTES) {
      throw Native.shape(fn + ": segment has " + segment.byteSize() + " bytes but " + which + " ["
          + rows(which) + " x " + cols(which) + "] has " + n * Float.BYTES);
    }
    return n;
  }

  /** Zeroes grad_A and grad_B (gradients accumulate across blocks and backward calls until then). */
  public void zeroGrad() {
    handle.call(mos_h::mos_pool_zero_grad);
  }

  /** Block {@code block}'s A_k [r x d_in], row-major, assembled by method.md §3. */
  public float[] assembleA(int block) {
    handle.ensureOpen();
    try (Tensor a = Tensor.scratch(context, config.rank(), dIn)) {
      assemble(block, a, null);
      return a.toArray();
    }
  }

  /** Block {@code block}'s B_k [d_out x r], row-major, assembled by method.md §3. */
  public float[] assembleB(int block) {
    handle.ensureOpen();
    try (Tensor b = Tensor.scratch(context, dOut, config.rank())) {
      assemble(block, null, b);
      return b.toArray();
    }
  }

  /**
   * Assembles block {@code block}'s factors into tensors of this pool's context:
   * {@code a} [r x d_in] and {@code b} [d_out x r]; either may be null.
   */
  public void assemble(int block, Tensor a, Tensor b) {
    if (a != null) {
      Native.sameContext("ShardPool.assemble", context, a.context(), "a");
    }
    if (b != null) {
      Native.sameContext("ShardPool.assemble", context, b.context(), "b");
    }
    handle.call(h -> mos_h.mos_pool_assemble(
        h,
        block,
        a == null ? MemorySegment.NULL : a.handle.get(),
        b == null ? MemorySegment.NULL : b.handle.get()));
  }

  /** Trainable parameters held: R_eq L (d_in + d_out) (method.md §7), as libmos counts them. */
  public long parameterCount() {
    return handle.query((h, a) -> {
      MemorySegment out = a.allocate(ValueLayout.JAVA_LONG);
      Native.check(mos_h.mos_pool_param_count(h, out));
      return out.get(ValueLayout.JAVA_LONG, 0);
    });
  }

  /** Whether {@link #close()} was called. */
  public boolean isClosed() {
    return handle.isClosed();
  }

  /** Releases this handle; idempotent. Layers and optimizers using the pool keep it alive. */
  @Override
  public void close() {
    handle.close();
  }

  @Override
  public String toString() {
    return "ShardPool[" + dIn + " -> " + dOut + ", L=" + numLayers + ", P=" + numShards + ", "
        + config + (isClosed() ? ", closed" : "") + "]";
  }
}
