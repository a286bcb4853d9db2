// SPDX-License-Identifier: Apache-2.0
// MosModel: the Java-side model: one ShardPool per projection type, the adapted layers of every
// block, and one AdamW over all pools; seeds derived from MosConfig.seed; close() closes it all.
package org.mos;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A MoS model: one {@link ShardPool} per projection type (e.g. {@code "q_proj"},
 * {@code "up_proj"}), all from one {@link MosConfig} and layer count L; the adapted layers
 * ({@link MosLinear}) of every block that uses them; and one {@link AdamW} over all pools (each
 * counted once). The model owns its pools, layers, optimizer and the tensors it made from arrays;
 * {@link #close()} closes them all. It does not own the context or tensors passed in.
 *
 * <p>Seeds: a pool named {@code name} is initialised with {@code deriveSeed(config.seed(), name,
 * 0)} and its indices drawn with {@code deriveSeed(config.seed(), name, 1)}; the layer of block k
 * starts its dropout generator at {@code (deriveSeed(config.seed(), name, 2 + k), 0)}. So every
 * pool and layer gets a distinct, reproducible stream from the one model seed.
 *
 * {@snippet :
 * MosConfig config = MosConfig.builder().rank(8).equivalentRank(2).seed(1).build();
 * try (MosContext ctx = MosContext.cpu();
 *      MosModel model = MosModel.create(ctx, config, 8, AdamW.builder().lr(1e-3f))) {
 *   model.addPool("up_proj", 64, 176);
 *   MosLinear layer = model.attach("up_proj", 0, new float[176 * 64], null);
 *   float[] x = new float[2 * 64];
 *   float[] y = layer.forward(x, 2, true);
 *   model.zeroGrad();
 *   layer.backward(x, new float[2 * 176], 2);
 *   model.clipGradNorm(0.3f);
 *   model.step();
 * }
 * }
 */
public final class MosModel implements AutoCloseable {

  private final MosContext context;
  private final MosConfig config;
  private final int numLayers;
  private final AdamW optimizer;
  private final Map<String, ShardPool> pools = new LinkedHashMap<>();
  private final Map<String, MosLinear[]> layers = new LinkedHashMap<>();
  private final List<Tensor> ownedTensors = new ArrayList<>();
  private boolean closed; // all state guarded by the context's lock

  private MosModel(MosContext context, MosConfig config, int numLayers, AdamW optimizer) {
    this.context = context;
    this.config = config;
    this.numLayers = numLayers;
    this.optimizer = optimizer;
  }

  /** A model of {@code numLayers} blocks with the default AdamW (lr 2e-4). */
  public static MosModel create(MosContext ctx, MosConfig config, int numLayers) {
    return create(ctx, config, numLayers, AdamW.builder());
  }

  /** A model of {@code numLayers} blocks whose optimizer is built from {@code optimizer}. */
  public static MosModel create(
      MosContext ctx, MosConfig config, int numLayers, AdamW.Builder optimizer) {
    String fn = "MosModel.create";
    Native.notNull(ctx, fn, "ctx");
    Native.notNull(config, fn, "config");
    Native.notNull(optimizer, fn, "optimizer");
    if (numLayers < 1) {
      throw Native.invalid(fn + ": the number of layers L must be >= 1, got " + numLayers);
    }
    return new MosModel(ctx, config, numLayers, optimizer.build(ctx));
  }

  /**
   * A SplitMix64 hash of (seed, FNV-1a-64 of the UTF-8 name, salt): the seed streams of a model
   * (see the class doc). Stable across runs, JVMs and platforms.
   */
  public static long deriveSeed(long seed, String name, long salt) {
    long h = 0xcbf29ce484222325L;
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return mix64(mix64(seed ^ h) + 0x9e3779b97f4a7c15L * (salt + 1));
  }

  private static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /**
   * Creates the pools of projection type {@code name} (W is [dOut x dIn]), initialises them and
   * draws every block's indices from the derived seeds, and adds them to the optimizer.
   *
   * @throws MosException INVALID_ARGUMENT for a duplicate name or a config that does not fit
   */
  public ShardPool addPool(String name, int dIn, int dOut) {
    String fn = "MosModel.addPool";
    Native.notNull(name, fn, "name");
    context.lock.lock();
    try {
      ensureOpen();
      if (pools.containsKey(name)) {
        throw Native.invalid(fn + ": the model already has a pool named '" + name + "'");
      }
      config.checkShapes(dIn, dOut, numLayers);
      ShardPool pool = ShardPool.create(context, dIn, dOut, numLayers, config);
      try {
        pool.init(deriveSeed(config.seed(), name, 0));
        pool.generateIndices(deriveSeed(config.seed(), name, 1));
        optimizer.addPool(pool);
      } catch (RuntimeException e) {
        pool.close();
        throw e;
      }
      pools.put(name, pool);
      layers.put(name, new MosLinear[numLayers]);
      return pool;
    } finally {
      context.lock.unlock();
    }
  }

  /**
   * Block {@code block}'s adapted layer of projection type {@code pool}, over the caller's frozen
   * {@code weight} [d_out x d_in] (null: adapter-only) and {@code bias} [1 x d_out] (or null). The
   * model owns the layer, not the tensors.
   *
   * @throws MosException INVALID_ARGUMENT for an unknown pool or a block attached already,
   *     INDEX_OUT_OF_RANGE for a block outside [0, L)
   */
  public MosLinear attach(String pool, int block, Tensor weight, Tensor bias) {
    String fn = "MosModel.attach";
    Native.notNull(pool, fn, "pool");
    context.lock.lock();
    try {
      ensureOpen();
      ShardPool p = requirePool(fn, pool);
      if (block < 0 || block >= numLayers) {
        throw new MosException(
            Status.INDEX_OUT_OF_RANGE,
            fn + ": block " + block + " is outside [0, " + numLayers + ")");
      }
      MosLinear[] slots = layers.get(pool);
      if (slots[block] != null) {
        throw Native.invalid(fn + ": block " + block + " of '" + pool + "' is attached already");
      }
      MosLinear layer = MosLinear.create(p, block, weight, bias);
      try {
        layer.setDropoutState(deriveSeed(config.seed(), pool, 2L + block), 0);
      } catch (RuntimeException e) {
        layer.close();
        throw e;
      }
      slots[block] = layer;
      return layer;
    } finally {
      context.lock.unlock();
    }
  }

  /**
   * Like {@link #attach(String, int, Tensor, Tensor)} with the base weight [d_out x d_in] and bias
   * [d_out] given as arrays (either may be null); the model owns the tensors it makes of them.
   */
  public MosLinear attach(String pool, int block, float[] weight, float[] bias) {
    String fn = "MosModel.attach";
    Native.notNull(pool, fn, "pool");
    context.lock.lock();
    try {
      ensureOpen();
      ShardPool p = requirePool(fn, pool);
      Tensor w = null;
      Tensor b = null;
      try {
        w = weight == null ? null : Tensor.of(context, weight, p.dOut(), p.dIn());
        b = bias == null ? null : Tensor.of(context, bias, 1, p.dOut());
        MosLinear layer = attach(pool, block, w, b);
        if (w != null) {
          ownedTensors.add(w);
        }
        if (b != null) {
          ownedTensors.add(b);
        }
        return layer;
      } catch (RuntimeException e) {
        if (w != null) {
          w.close();
        }
        if (b != null) {
          b.close();
        }
        throw e;
      }
    } finally {
      context.lock.unlock();
    }
  }

  /** The pools of projection type {@code name}. */
  public ShardPool pool(String name) {
    context.lock.lock();
    try {
      ensureOpen();
      return requirePool("MosModel.pool", name);
    } finally {
      context.lock.unlock();
    }
  }

  /** All pools by name, in the order they were added. */
  public Map<String, ShardPool> pools() {
    context.lock.lock();
    try {
      ensureOpen();
      return Collections.unmodifiableMap(new LinkedHashMap<>(pools));
    } finally {
      context.lock.unlock();
    }
  }

  /** Block {@code block}'s layer of {@code pool}, or null if not attached. */
  public MosLinear layer(String pool, int block) {
    context.lock.lock();
    try {
      ensureOpen();
      requirePool("MosModel.layer", pool);
      if (block < 0 || block >= numLayers) {
        throw new MosException(
            Status.INDEX_OUT_OF_RANGE,
            "MosModel.layer: block " + block + " is outside [0, " + numLayers + ")");
      }
      return layers.get(pool)[block];
    } finally {
      context.lock.unlock();
    }
  }

  /** Every attached layer, by pool (in order added) then block. */
  public List<MosLinear> layers() {
    context.lock.lock();
    try {
      ensureOpen();
      List<MosLinear> all = new ArrayList<>();
      for (MosLinear[] slots : layers.values()) {
        for (MosLinear l : slots) {
          if (l != null) {
            all.add(l);
          }
        }
      }
      return Collections.unmodifiableList(all);
    } finally {
      context.lock.unlock();
    }
  }

  /** The optimizer over all pools. */
  public AdamW optimizer() {
    return optimizer;
  }

  /** The context. */
  public MosContext context() {
    return context;
  }

  /** The config. */
  public MosConfig config() {
    return config;
  }

  /** L, the number of blocks. */
  public int numLayers() {
    return numLayers;
  }

  /** Trainable parameters: the sum of R_eq L (d_in + d_out) over the pools (method.md §7). */
  public long trainableParameters() {
    context.lock.lock();
    try {
      ensureOpen();
      long total = 0;
      for (ShardPool p : pools.values()) {
        total += config.trainableParameters(p.dIn(), p.dOut(), numLayers);
      }
      return total;
    } finally {
      context.lock.unlock();
    }
  }

  /** Zeroes every pool's gradients (once per optimizer step). */
  public void zeroGrad() {
    checkOpen();
    optimizer.zeroGrad();
  }

  /** Clips the global gradient norm over all pools; returns the norm before clipping. */
  public float clipGradNorm(float maxNorm) {
    checkOpen();
    return optimizer.clipGradNorm(maxNorm);
  }

  /** One AdamW step over all pools. */
  public void step() {
    checkOpen();
    optimizer.step();
  }

  /** Whether {@link #close()} was called. */
  public boolean isClosed() {
    context.lock.lock();
    try {
      return closed;
    } finally {
      context.lock.unlock();
    }
  }

  /** Closes the layers, the tensors the model made, the optimizer and the pools; idempotent. */
  @Override
  public void close() {
    context.lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      for (MosLinear[] slots : layers.values()) {
        for (MosLinear l : slots) {
          if (l != null) {
            l.close();
          }
        }
      }
      ownedTensors.forEach(Tensor::close);
      optimizer.close();
      pools.values().forEach(ShardPool::close);
    } finally {
      context.lock.unlock();
    }
  }

  @Override
  public String toString() {
    return "MosModel[L=" + numLayers + ", pools=" + pools.keySet() + ", " + config + "]";
  }

  private void checkOpen() {
    context.lock.lock();
    try {
      ensureOpen();
    } finally {
      context.lock.unlock();
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new MosClosedException("MosModel");
    }
  }

  private ShardPool requirePool(String fn, String name) {
    Native.notNull(name, fn, "pool");
    ShardPool p = pools.get(name);
    if (p == null) {
      throw Native.invalid(fn + ": no pool named '" + name + "' (pools: " + pools.keySet() + ")");
    }
    return p;
  }
}
