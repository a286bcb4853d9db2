// SPDX-License-Identifier: Apache-2.0
// A mos adapter as plain data: its config and, per pool group, both pools and every block's
// routing indices. Loads and saves the adapter directory format; assembles A_k and B_k in Java.
package org.mos.io;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.mos.AdamW;
import org.mos.AdapterBank;
import org.mos.MosConfig;
import org.mos.MosContext;
import org.mos.MosException;
import org.mos.MosModel;
import org.mos.PoolArray;
import org.mos.ShardPool;
import org.mos.Status;

/**
 * A mos adapter held in Java arrays, independent of any native context. {@link #load} / {@link
 * #save} read and write the directory format ({@link AdapterFormat}); {@code equals} compares
 * configs and contents bit for bit.
 *
 * @param config the hyperparameters and pool groups
 * @param pools  the values of every pool group named in {@code config.pools()}, same keys
 */
public record MosAdapter(AdapterConfig config, Map<String, PoolData> pools) {
  /**
   * @throws MosException if {@code pools} does not hold exactly the config's pool
   *     groups, or an array length or index disagrees with the config
   */
  public MosAdapter {
    if (config == null || pools == null)
      throw new MosException(Status.INVALID_ARGUMENT, "null config or pools");
    if (!pools.keySet().equals(config.pools().keySet())) {
      throw new MosException(
          Status.INVALID_ARGUMENT,
          "pool data for " + pools.keySet() + " but the config describes "
              + config.pools().keySet());
    }
    Map<String, PoolData> ordered = new LinkedHashMap<>();
    for (String name : config.pools().keySet()) {
      PoolData d = pools.get(name);
      d.validate(config, name);
      ordered.put(name, d);
    }
    pools = Collections.unmodifiableMap(ordered);
  }

  /** Loads the adapter at {@code path} (its directory or either of its files), strictly. */
  public static MosAdapter load(Path path) {
    return AdapterFormat.load(path);
  }

  /** Saves into directory {@code dir} atomically (see {@link AdapterFormat}). */
  public void save(Path dir) {
    AdapterFormat.save(this, dir);
  }

  // ---- live pools (these use libmos) -----------------------------------------------------------

  /**
   * Captures live pools: both pools' values and every block's indices, as an adapter.
   *
   * @param pools       pool groups by name (their order becomes the file order); they must share
   *                    r, R_eq, p, l, alpha, dropout and L
   * @param modulePaths module path (with {@code {layer}}) per pool name; a missing name gets
   *                    {@code model.layers.{layer}.<name>}; null: all defaults
   * @param baseModel   the base model's name or path, or null
   * @param metadata    free metadata, or null
   * @throws MosException INVALID_ARGUMENT when the pools disagree on their hyperparameters
   */
  public static MosAdapter fromPools(
      Map<String, ShardPool> pools,
      Map<String, String> modulePaths,
      String baseModel,
      Map<String, Object> metadata) {
    if (pools == null || pools.isEmpty()) {
      throw new MosException(Status.INVALID_ARGUMENT, "MosAdapter.fromPools: no pool groups");
    }
    ShardPool first = pools.values().iterator().next();
    MosConfig mc = first.config();
    AdapterConfig.Builder b = AdapterConfig.builder(mc, first.numLayers()).baseModel(baseModel);
    if (metadata != null) b.metadata(metadata);
    Map<String, PoolData> data = new LinkedHashMap<>();
    for (Map.Entry<String, ShardPool> e : pools.entrySet()) {
      String name = e.getKey();
      ShardPool p = e.getValue();
      MosConfig c = p.config();
      if (c.rank() != mc.rank()
          || c.equivalentRank() != mc.equivalentRank()
          || c.privateRank() != mc.privateRank()
          || c.shardsPerVector() != mc.shardsPerVector()
          || Float.compare(c.alpha(), mc.alpha()) != 0
          || Float.compare(c.dropout(), mc.dropout()) != 0
          || p.numLayers() != first.numLayers()) {
        throw new MosException(
            Status.INVALID_ARGUMENT,
            "MosAdapter.fromPools: pool '" + name
                + "' has " + c + " and L=" + p.numLayers() + " but the first pool has " + mc
                + " and L="
                + first.numLayers() + " (an adapter's pool groups share their hyperparameters)");
      }
      String path = modulePaths == null ? null : modulePaths.get(name);
      b.pool(name, p.dIn(), p.dOut(), path != null ? path : "model.layers.{layer}." + name);
      int per = p.indexLength();
      int[] ia = new int[p.numLayers() * per];
      int[] ib = new int[p.numLayers() * per];
      for (int k = 0; k < p.numLayers(); k++) {
        System.arraycopy(p.indicesA(k), 0, ia, k * per, per);
        System.arraycopy(p.indicesB(k), 0, ib, k * per, per);
      }
      data.put(name, new PoolData(p.read(PoolArray.POOL_A), p.read(PoolArray.POOL_B), ia, ib));
    }
    return new MosAdapter(b.build(), data);
  }

  /** {@link #fromPools} over every pool of {@code model}. */
  public static MosAdapter fromModel(
      MosModel model,
      Map<String, String> modulePaths,
      String baseModel,
      Map<String, Object> metadata) {
    return fromPools(model.pools(), modulePaths, baseModel, metadata);
  }

  /**
   * Writes this adapter's pools and indices into live pools with the same names, shapes and
   * hyperparameters (r, R_eq, p, l, alpha, L). Gradients and optimizer moments are left alone.
   * Everything is checked before anything is written.
   *
   * @throws MosException INVALID_ARGUMENT naming the first mismatch
   */
  public void applyTo(Map<String, ShardPool> live) {
    if (!config.pools().keySet().equals(live.keySet())) {
      throw new MosException(
          Status.INVALID_ARGUMENT,
          "MosAdapter.applyTo: the adapter holds pool" + " groups "
              + config.pools().keySet() + " but the model has " + live.keySet());
    }
    for (Map.Entry<String, ShardPool> e : live.entrySet()) {
      ShardPool p = e.getValue();
      MosConfig c = p.config();
      PoolSpec s = config.pool(e.getKey());
      if (config.r() != c.rank()
          || config.equivalentRank() != c.equivalentRank()
          || config.privateRank() != c.privateRank()
          || config.shardsPerVector() != c.shardsPerVector()
          || Float.compare(config.loraAlpha(), c.alpha()) != 0
          || config.numLayers() != p.numLayers()
          || s.inFeatures() != p.dIn()
          || s.outFeatures() != p.dOut()) {
        throw new MosException(
            Status.INVALID_ARGUMENT,
            "MosAdapter.applyTo: pool group '"
                + e.getKey() + "': the adapter has r=" + config.r() + " R_eq="
                + config.equivalentRank() + " p=" + config.privateRank() + " l="
                + config.shardsPerVector() + " alpha=" + config.loraAlpha() + " L="
                + config.numLayers() + " " + s.inFeatures() + "->" + s.outFeatures()
                + " but the live pool has " + c + " L=" + p.numLayers() + " " + p.dIn() + "->"
                + p.dOut());
      }
    }
    int per = config.indicesPerLayer();
    for (Map.Entry<String, ShardPool> e : live.entrySet()) {
      ShardPool p = e.getValue();
      PoolData d = pools.get(e.getKey());
      p.write(PoolArray.POOL_A, d.poolA());
      p.write(PoolArray.POOL_B, d.poolB());
      for (int k = 0; k < config.numLayers(); k++) {
        p.setIndices(k, d.indexA(k, per), d.indexB(k, per));
      }
    }
  }

  /**
   * New pools on {@code ctx} holding this adapter's values and indices, by pool name. The caller
   * owns (and closes) them.
   */
  public Map<String, ShardPool> toPools(MosContext ctx) {
    MosConfig mc = config.toMosConfig(0);
    Map<String, ShardPool> out = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, PoolSpec> e : config.pools().entrySet()) {
        out.put(
            e.getKey(),
            ShardPool.create(
                ctx,
                e.getValue().inFeatures(),
                e.getValue().outFeatures(),
                config.numLayers(),
                mc));
      }
      applyTo(out);
      return out;
    } catch (RuntimeException ex) {
      out.values().forEach(ShardPool::close);
      throw ex;
    }
  }

  /**
   * A new {@link MosModel} on {@code ctx} whose pools (one per pool group, same names) hold this
   * adapter's values and indices, with an AdamW from {@code optimizer}. No layers are attached:
   * attach each block's base weight with {@link MosModel#attach}. The caller closes the model.
   */
  public MosModel toModel(MosContext ctx, AdamW.Builder optimizer) {
    MosModel model = MosModel.create(ctx, config.toMosConfig(0), config.numLayers(), optimizer);
    try {
      for (Map.Entry<String, PoolSpec> e : config.pools().entrySet()) {
        model.addPool(e.getKey(), e.getValue().inFeatures(), e.getValue().outFeatures());
      }
      applyTo(model.pools());
      return model;
    } catch (RuntimeException ex) {
      model.close();
      throw ex;
    }
  }

  /** {@link #toModel(MosContext, AdamW.Builder)} with the default AdamW. */
  public MosModel toModel(MosContext ctx) {
    return toModel(ctx, AdamW.builder());
  }

  /**
   * Adds this adapter to {@code bank} and returns its id ({@link AdapterBank#add(Map)}). Its
   * pools go through a temporary CPU context, so no lock of the bank's context is taken.
   *
   * @throws MosException as {@link AdapterBank#add(Map)}; nothing is added then
   */
  public int addTo(AdapterBank bank) {
    if (bank == null) {
      throw new MosException(Status.NULL_POINTER, "MosAdapter.addTo: bank is null");
    }
    try (MosContext tmp = MosContext.cpu()) {
      Map<String, ShardPool> pools = toPools(tmp);
      try {
        return bank.add(pools);
      } finally {
        pools.values().forEach(ShardPool::close);
      }
    }
  }

  /** The data of pool group {@code name}. */
  public PoolData pool(String name) {
    PoolData d = pools.get(name);
    if (d == null)
      throw new MosException(
          Status.INVALID_ARGUMENT, "no pool group '" + name + "' (have " + pools.keySet() + ")");
    return d;
  }

  /**
   * A_k of pool group {@code name}, block {@code block}: row-major [r x d_in] with
   * A_k[j, i·s_A:(i+1)·s_A] = pool_A[idx_A[j·l + i], :] (method.md §3).
   */
  public float[] assembleA(String name, int block) {
    PoolSpec s = config.pool(name);
    checkBlock(block);
    PoolData d = pool(name);
    int r = config.r();
    int l = config.shardsPerVector();
    int sa = s.inFeatures() / l;
    int din = s.inFeatures();
    float[] a = new float[checkedSize(r, din)];
    int base = block * r * l;
    for (int j = 0; j < r; j++) {
      for (int i = 0; i < l; i++) {
        int shard = d.indexA()[base + j * l + i];
        System.arraycopy(d.poolA(), shard * sa, a, j * din + i * sa, sa);
      }
    }
    return a;
  }

  /**
   * B_k of pool group {@code name}, block {@code block}: row-major [d_out x r] with
   * B_k[i·s_B:(i+1)·s_B, j] = pool_B[:, idx_B[j·l + i]] (method.md §3).
   */
  public float[] assembleB(String name, int block) {
    PoolSpec s = config.pool(name);
    checkBlock(block);
    PoolData d = pool(name);
    int r = config.r();
    int l = config.shardsPerVector();
    int sb = s.outFeatures() / l;
    int p = config.numShards();
    float[] b = new float[checkedSize(s.outFeatures(), r)];
    int base = block * r * l;
    for (int j = 0; j < r; j++) {
      for (int i = 0; i < l; i++) {
        int shard = d.indexB()[base + j * l + i];
        for (int t = 0; t < sb; t++) b[(i * sb + t) * r + j] = d.poolB()[t * p + shard];
      }
    }
    return b;
  }

  private static int checkedSize(long rows, long cols) {
    if (rows * cols > SafeTensors.MAX_ARRAY_ELEMENTS) {
      throw new MosException(
          Status.INVALID_ARGUMENT, rows + " x " + cols + " is too large for one array");
    }
    return (int) (rows * cols);
  }

  private void checkBlock(int block) {
    if (block < 0 || block >= config.numLayers()) {
      throw new MosException(
          Status.INVALID_ARGUMENT,
          "block " + block + " outside [0, L = " + config.numLayers() + ")");
    }
  }
}
