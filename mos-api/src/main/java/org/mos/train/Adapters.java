// Adapters: moves pool groups between live ShardPools and the adapter file format (org.mos.io):
// snapshot pools + indices into a MosAdapter, and write a loaded adapter back into pools.
package org.mos.train;

import java.util.LinkedHashMap;
import java.util.Map;
import org.mos.MosConfig;
import org.mos.PoolArray;
import org.mos.ShardPool;
import org.mos.io.AdapterConfig;
import org.mos.io.MosAdapter;
import org.mos.io.PoolData;
import org.mos.io.PoolSpec;

/** Static helpers; all pool groups of one adapter share r, R_eq, p, l, alpha, dropout and L. */
public final class Adapters {
  private Adapters() {}

  /** A named pool group and the module path ({@code {layer}} placeholder) it adapts. */
  public record NamedPool(ShardPool pool, String modulePath) {}

  /**
   * A copy of the pools' values and every block's indices as a {@link MosAdapter}.
   *
   * @throws IllegalArgumentException when the pools disagree on their MoS hyper-parameters or L
   */
  public static MosAdapter snapshot(Map<String, NamedPool> pools, String baseModel,
      Map<String, Object> metadata) {
    if (pools.isEmpty()) {
      throw new IllegalArgumentException("no pool groups to save");
    }
    ShardPool first = pools.values().iterator().next().pool();
    MosConfig c = first.config();
    AdapterConfig.Builder b = AdapterConfig.builder().r(c.rank()).equivalentRank(c.equivalentRank())
        .privateRank(c.privateRank()).shardsPerVector(c.shardsPerVector()).loraAlpha(c.alpha())
        .loraDropout(c.dropout()).numLayers(first.numLayers()).baseModel(baseModel);
    if (metadata != null) {
      b.metadata(metadata);
    }
    Map<String, PoolData> data = new LinkedHashMap<>();
    for (Map.Entry<String, NamedPool> e : pools.entrySet()) {
      ShardPool p = e.getValue().pool();
      requireSameShape(first, p, e.getKey());
      b.pool(e.getKey(), p.dIn(), p.dOut(), e.getValue().modulePath());
      int per = p.indexLength();
      int[] ia = new int[p.numLayers() * per];
      int[] ib = new int[p.numLayers() * per];
      for (int k = 0; k < p.numLayers(); k++) {
        System.arraycopy(p.indicesA(k), 0, ia, k * per, per);
        System.arraycopy(p.indicesB(k), 0, ib, k * per, per);
      }
      data.put(e.getKey(), new PoolData(p.read(PoolArray.POOL_A), p.read(PoolArray.POOL_B), ia, ib));
    }
    return new MosAdapter(b.build(), data);
  }

  /**
   * Writes an adapter's pools and indices into live pools of the same names, shapes and MoS
   * hyper-parameters (gradients and moments are left as they are).
   *
   * @throws IllegalArgumentException naming the first mismatch
   */
  public static void restore(MosAdapter adapter, Map<String, ShardPool> pools) {
    AdapterConfig ac = adapter.config();
    if (!ac.pools().keySet().equals(pools.keySet())) {
      throw new IllegalArgumentException("the adapter holds pool groups " + ac.pools().keySet()
          + " but the model has " + pools.keySet());
    }
    for (Map.Entry<String, ShardPool> e : pools.entrySet()) { // check everything before writing
      ShardPool p = e.getValue();
      MosConfig c = p.config();
      PoolSpec s = ac.pool(e.getKey());
      if (ac.r() != c.rank() || ac.equivalentRank() != c.equivalentRank()
          || ac.privateRank() != c.privateRank() || ac.shardsPerVector() != c.shardsPerVector()
          || ac.numLayers() != p.numLayers() || s.inFeatures() != p.dIn() || s.outFeatures() != p.dOut()
          || Float.floatToIntBits(ac.loraAlpha()) != Float.floatToIntBits(c.alpha())) {
        throw new IllegalArgumentException("pool group '" + e.getKey() + "': the adapter has r="
            + ac.r() + " R_eq=" + ac.equivalentRank() + " p=" + ac.privateRank() + " l="
            + ac.shardsPerVector() + " alpha=" + ac.loraAlpha() + " L=" + ac.numLayers() + " "
            + s.inFeatures() + "->" + s.outFeatures() + " but the model's pool has r=" + c.rank()
            + " R_eq=" + c.equivalentRank() + " p=" + c.privateRank() + " l=" + c.shardsPerVector()
            + " alpha=" + c.alpha() + " L=" + p.numLayers() + " " + p.dIn() + "->" + p.dOut());
      }
    }
    for (Map.Entry<String, ShardPool> e : pools.entrySet()) {
      ShardPool p = e.getValue();
      PoolData d = adapter.pool(e.getKey());
      p.write(PoolArray.POOL_A, d.poolA());
      p.write(PoolArray.POOL_B, d.poolB());
      int per = p.indexLength();
      for (int k = 0; k < p.numLayers(); k++) {
        p.setIndices(k, d.indexA(k, per), d.indexB(k, per));
      }
    }
  }

  private static void requireSameShape(ShardPool first, ShardPool p, String name) {
    MosConfig a = first.config();
    MosConfig c = p.config();
    if (a.rank() != c.rank() || a.equivalentRank() != c.equivalentRank()
        || a.privateRank() != c.privateRank() || a.shardsPerVector() != c.shardsPerVector()
        || Float.floatToIntBits(a.alpha()) != Float.floatToIntBits(c.alpha())
        || Float.floatToIntBits(a.dropout()) != Float.floatToIntBits(c.dropout())
        || first.numLayers() != p.numLayers()) {
      throw new IllegalArgumentException("pool group '" + name + "' has MoS settings " + c + " and L="
          + p.numLayers() + ", unlike the first pool group's " + a + " and L=" + first.numLayers()
          + "; one adapter file holds one setting");
    }
  }
}
