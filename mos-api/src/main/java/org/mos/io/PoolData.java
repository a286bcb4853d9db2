// SPDX-License-Identifier: Apache-2.0
// One pool group's values as plain arrays: both pools and every block's routing indices, in the
// layouts of the C API and of the adapter file.
package org.mos.io;

import java.util.Arrays;
import org.mos.MosException;
import org.mos.Status;

/**
 * The values of one pool group. Arrays are held, not copied; treat them as read-only once the
 * object is built. {@link #equals} compares contents (floats by bits, so NaN payloads count).
 *
 * @param poolA  pool_A, row-major [P x d_in/l]: row m is A-shard m
 * @param poolB  pool_B, row-major [d_out/l x P]: column m is B-shard m
 * @param indexA routing indices of A, row-major [L x r·l]: block k's are {@code
 *               indexA[k·r·l .. (k+1)·r·l)}, rank-major (shard i of rank vector j at j·l + i)
 * @param indexB the same for B
 */
public record PoolData(float[] poolA, float[] poolB, int[] indexA, int[] indexB) {
  public PoolData {
    if (poolA == null || poolB == null || indexA == null || indexB == null) {
      throw new MosException(Status.NULL_POINTER, "PoolData arrays must not be null");
    }
  }

  /** Block {@code block}'s A indices (a copy of r·l ints), given r·l = {@code perLayer}. */
  public int[] indexA(int block, int perLayer) {
    return Arrays.copyOfRange(indexA, block * perLayer, (block + 1) * perLayer);
  }

  /** Block {@code block}'s B indices (a copy of r·l ints), given r·l = {@code perLayer}. */
  public int[] indexB(int block, int perLayer) {
    return Arrays.copyOfRange(indexB, block * perLayer, (block + 1) * perLayer);
  }

  /**
   * Checks the array lengths and index ranges against {@code config}'s pool group {@code name}.
   *
   * @throws MosException naming the array and the problem
   */
  public void validate(AdapterConfig config, String name) {
    PoolSpec s = config.pool(name);
    int p = config.numShards();
    int l = config.shardsPerVector();
    expect(name, "pool_A", poolA.length, (long) p * (s.inFeatures() / l));
    expect(name, "pool_B", poolB.length, (long) (s.outFeatures() / l) * p);
    long idx = (long) config.numLayers() * config.indicesPerLayer();
    expect(name, "index_A", indexA.length, idx);
    expect(name, "index_B", indexB.length, idx);
    String bad = firstOutOfRange(indexA, p, config.indicesPerLayer());
    if (bad != null)
      throw new MosException(Status.INDEX_OUT_OF_RANGE, "pool '" + name + "': index_A " + bad);
    bad = firstOutOfRange(indexB, p, config.indicesPerLayer());
    if (bad != null)
      throw new MosException(Status.INDEX_OUT_OF_RANGE, "pool '" + name + "': index_B " + bad);
    bad = firstNonFinite(poolA, s.inFeatures() / l);
    if (bad != null)
      throw new MosException(Status.INVALID_ARGUMENT, "pool '" + name + "': pool_A " + bad);
    bad = firstNonFinite(poolB, p);
    if (bad != null)
      throw new MosException(Status.INVALID_ARGUMENT, "pool '" + name + "': pool_B " + bad);
  }

  /**
   * Null if every value is finite; else "holds NaN at [row, col] (a diverged or corrupt
   * adapter)". A pool with NaN or Inf would turn every output of every block it feeds into NaN,
   * so adapters refuse to hold one (load, save and capture alike).
   */
  static String firstNonFinite(float[] values, int cols) {
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) {
        return "holds " + values[i] + " at [" + i / cols + ", " + i % cols + "] (a diverged or"
            + " corrupt adapter: pools must be finite)";
      }
    }
    return null;
  }

  private static void expect(String name, String what, int have, long want) {
    if (have != want) {
      throw new MosException(
          Status.SHAPE_MISMATCH,
          "pool '" + name + "': " + what + " has " + have + " values, the config needs " + want);
    }
  }

  /** Null if every index is in [0, p); else "block k, position j: index v outside [0, p)". */
  static String firstOutOfRange(int[] idx, int p, int perLayer) {
    for (int i = 0; i < idx.length; i++) {
      if (idx[i] < 0 || idx[i] >= p) {
        return "block " + i / perLayer + ", position " + i % perLayer + ": index " + idx[i]
            + " outside [0, " + p + ")";
      }
    }
    return null;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof PoolData d)) return false;
    return bitsEqual(poolA, d.poolA)
        && bitsEqual(poolB, d.poolB)
        && Arrays.equals(indexA, d.indexA)
        && Arrays.equals(indexB, d.indexB);
  }

  private static boolean bitsEqual(float[] a, float[] b) {
    if (a.length != b.length) return false;
    for (int i = 0; i < a.length; i++) {
      if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) return false;
    }
    return true;
  }

  @Override
  public int hashCode() {
    return 31
            * (31 * (31 * Arrays.hashCode(poolA) + Arrays.hashCode(poolB))
                + Arrays.hashCode(indexA))
        + Arrays.hashCode(indexB);
  }

  @Override
  public String toString() {
    return "PoolData[poolA=" + poolA.length + " floats, poolB=" + poolB.length + " floats, indexA="
        + indexA.length + " ints, indexB=" + indexB.length + " ints]";
  }
}
