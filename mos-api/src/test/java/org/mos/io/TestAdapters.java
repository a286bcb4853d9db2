// SPDX-License-Identifier: Apache-2.0
// Test fixtures: small adapters with random pools and random valid indices, built in plain Java.
package org.mos.io;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

final class TestAdapters {
  private TestAdapters() {}

  /** Two pool groups (up/down) of a toy model, method.md §2-style structure not required. */
  static AdapterConfig config() {
    return AdapterConfig.builder()
        .r(4)
        .equivalentRank(2)
        .privateRank(1)
        .shardsPerVector(2)
        .loraAlpha(12f)
        .loraDropout(0.1f)
        .numLayers(3)
        .pool("up_proj", 8, 12, "model.layers.{layer}.mlp.up_proj")
        .pool("down_proj", 12, 8, "model.layers.{layer}.mlp.down_proj")
        .baseModel("toy/char-lm")
        .metadata("steps", 100)
        .metadata("note", "test")
        .build();
  }

  static MosAdapter random(AdapterConfig c, long seed) {
    Random rnd = new Random(seed);
    Map<String, PoolData> pools = new LinkedHashMap<>();
    int p = c.numShards();
    int l = c.shardsPerVector();
    for (Map.Entry<String, PoolSpec> e : c.pools().entrySet()) {
      float[] a = new float[p * (e.getValue().inFeatures() / l)];
      float[] b = new float[(e.getValue().outFeatures() / l) * p];
      for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextGaussian();
      for (int i = 0; i < b.length; i++) b[i] = (float) rnd.nextGaussian();
      int[] ia = new int[c.numLayers() * c.indicesPerLayer()];
      int[] ib = new int[ia.length];
      for (int i = 0; i < ia.length; i++) {
        ia[i] = rnd.nextInt(p);
        ib[i] = rnd.nextInt(p);
      }
      pools.put(e.getKey(), new PoolData(a, b, ia, ib));
    }
    return new MosAdapter(c, pools);
  }
}
