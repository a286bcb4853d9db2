// A mos adapter as plain data: its config and, per pool group, both pools and every block's
// routing indices. Loads and saves the adapter directory format; assembles A_k and B_k in Java.
package org.mos.io;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

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
   * @throws IllegalArgumentException if {@code pools} does not hold exactly the config's pool
   *     groups, or an array length or index disagrees with the config
   */
  public MosAdapter {
    if (config == null || pools == null) throw new IllegalArgumentException("null config or pools");
    if (!pools.keySet().equals(config.pools().keySet())) {
      throw new IllegalArgumentException("pool data for " + pools.keySet()
          + " but the config describes " + config.pools().keySet());
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

  /** The data of pool group {@code name}. */
  public PoolData pool(String name) {
    PoolData d = pools.get(name);
    if (d == null) throw new IllegalArgumentException("no pool group '" + name + "' (have "
        + pools.keySet() + ")");
    return d;
  }

  /**
   * A_k of pool group {@code name}, block {@code layer}: row-major [r x d_in] with
   * A_k[j, i·s_A:(i+1)·s_A] = pool_A[idx_A[j·l + i], :] (spec §3).
   */
  public float[] assembleA(String name, int layer) {
    PoolSpec s = config.pool(name);
    checkLayer(layer);
    PoolData d = pool(name);
    int r = config.r();
    int l = config.shardsPerVector();
    int sa = s.inFeatures() / l;
    int din = s.inFeatures();
    float[] a = new float[checkedSize(r, din)];
    int base = layer * r * l;
    for (int j = 0; j < r; j++) {
      for (int i = 0; i < l; i++) {
        int shard = d.indexA()[base + j * l + i];
        System.arraycopy(d.poolA(), shard * sa, a, j * din + i * sa, sa);
      }
    }
    return a;
  }

  /**
   * B_k of pool group {@code name}, block {@code layer}: row-major [d_out x r] with
   * B_k[i·s_B:(i+1)·s_B, j] = pool_B[:, idx_B[j·l + i]] (spec §3).
   */
  public float[] assembleB(String name, int layer) {
    PoolSpec s = config.pool(name);
    checkLayer(layer);
    PoolData d = pool(name);
    int r = config.r();
    int l = config.shardsPerVector();
    int sb = s.outFeatures() / l;
    int p = config.numShards();
    float[] b = new float[checkedSize(s.outFeatures(), r)];
    int base = layer * r * l;
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
      throw new IllegalArgumentException(rows + " x " + cols + " is too large for one array");
    }
    return (int) (rows * cols);
  }

  private void checkLayer(int layer) {
    if (layer < 0 || layer >= config.numLayers()) {
      throw new IllegalArgumentException("layer " + layer + " outside [0, " + config.numLayers()
          + ")");
    }
  }
}
