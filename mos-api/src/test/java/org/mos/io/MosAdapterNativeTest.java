// SPDX-License-Identifier: Apache-2.0
// Adapters and live pools (needs libmos): model -> adapter -> files -> adapter -> model keeps every
// pool value and index bit for bit, and the PEFT export equals libmos's own assembly of A_k, B_k.
package org.mos.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.MosConfig;
import org.mos.MosContext;
import org.mos.MosException;
import org.mos.MosModel;
import org.mos.PoolArray;
import org.mos.ShardPool;

class MosAdapterNativeTest {
  @TempDir
  Path tmp;

  private MosContext ctx;
  private MosModel model;

  @BeforeEach
  void setUp() {
    ctx = MosContext.cpu();
    MosConfig config = MosConfig.builder()
        .rank(4)
        .equivalentRank(2)
        .privateRank(1)
        .shardsPerVector(2)
        .alpha(8f)
        .dropout(0.05f)
        .seed(11)
        .build();
    model = MosModel.create(ctx, config, 3);
    model.addPool("up_proj", 8, 12);
    model.addPool("down_proj", 12, 8);
    // Non-zero B so the assembled factors are not trivially zero.
    for (ShardPool p : model.pools().values()) {
      float[] b = new float[p.size(PoolArray.POOL_B)];
      for (int i = 0; i < b.length; i++) b[i] = (float) Math.sin(i + 0.5) / 7f;
      p.write(PoolArray.POOL_B, b);
    }
  }

  @AfterEach
  void tearDown() {
    model.close();
    ctx.close();
  }

  @Test
  void modelToFilesToModelIsBitIdentical() {
    MosAdapter a = MosAdapter.fromModel(
        model, Map.of("up_proj", "model.layers.{layer}.mlp.up_proj"), "toy", Map.of("step", 3));
    assertEquals("model.layers.{layer}.mlp.up_proj", a.config().pool("up_proj").modulePath());
    assertEquals("model.layers.{layer}.down_proj", a.config().pool("down_proj").modulePath());
    assertEquals(model.trainableParameters(), a.config().trainableParameters());
    Path dir = tmp.resolve("adapter");
    a.save(dir);
    MosAdapter back = MosAdapter.load(dir);
    assertEquals(a, back);
    try (MosModel restored = back.toModel(ctx)) {
      for (String name : model.pools().keySet()) {
        ShardPool x = model.pool(name);
        ShardPool y = restored.pool(name);
        assertBits(x.read(PoolArray.POOL_A), y.read(PoolArray.POOL_A), name + " pool_A");
        assertBits(x.read(PoolArray.POOL_B), y.read(PoolArray.POOL_B), name + " pool_B");
        for (int k = 0; k < 3; k++) {
          assertArrayEquals(x.indicesA(k), y.indicesA(k));
          assertArrayEquals(x.indicesB(k), y.indicesB(k));
        }
      }
    }
    Map<String, ShardPool> pools = back.toPools(ctx);
    try {
      assertEquals(
          back,
          MosAdapter.fromPools(
              pools,
              Map.of("up_proj", "model.layers.{layer}.mlp.up_proj"),
              "toy",
              Map.of("step", 3)));
    } finally {
      pools.values().forEach(ShardPool::close);
    }
  }

  @Test
  void exportEqualsLibmosAssembly() {
    MosAdapter a = MosAdapter.fromModel(model, null, null, null);
    Path out = tmp.resolve("lora");
    LoraExport.export(a, out, LoraExport.Precision.F32, false);
    try (SafeTensorsReader in = SafeTensorsReader.open(out.resolve(AdapterFormat.WEIGHTS_FILE))) {
      for (String name : model.pools().keySet()) {
        ShardPool p = model.pool(name);
        for (int k = 0; k < 3; k++) {
          String path = "model.layers." + k + "." + name;
          assertBits(p.assembleA(k), in.readF32(LoraExport.loraAName(path)), name + " A_" + k);
          assertBits(p.assembleB(k), in.readF32(LoraExport.loraBName(path)), name + " B_" + k);
          assertBits(p.assembleA(k), a.assembleA(name, k), name + " java A_" + k);
          assertBits(p.assembleB(k), a.assembleB(name, k), name + " java B_" + k);
        }
      }
    }
  }

  @Test
  void applyToRefusesMismatchedPools() {
    MosAdapter a = MosAdapter.fromModel(model, null, null, null);
    MosConfig other = MosConfig.builder()
        .rank(2)
        .equivalentRank(2)
        .privateRank(1)
        .shardsPerVector(2)
        .alpha(8f)
        .build();
    try (ShardPool up = ShardPool.create(ctx, 8, 12, 3, other);
        ShardPool down = ShardPool.create(ctx, 12, 8, 3, other)) {
      MosException e = assertThrows(
          MosException.class, () -> a.applyTo(Map.of("up_proj", up, "down_proj", down)));
      assertTrue(e.getMessage().contains("the adapter has r=4"), e.getMessage());
      assertThrows(MosException.class, () -> a.applyTo(Map.of("up_proj", up)));
    }
  }

  private static void assertBits(float[] want, float[] got, String what) {
    assertEquals(want.length, got.length, what);
    for (int i = 0; i < want.length; i++) {
      assertEquals(
          Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]), what + "[" + i + "]");
    }
  }
}
