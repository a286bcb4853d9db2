// SPDX-License-Identifier: Apache-2.0
// The PEFT LoRA export: every lora_A / lora_B equals A_k / B_k computed here independently by the
// method.md's reshape form (A_k = pool_A[idx_A].reshape(r, d_in), B_k = pool_B.T[idx_B].reshape(r,
// d_out).T), exactly in f32 and as round-to-nearest-even in bf16; the config is PEFT's.
package org.mos.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.Bf16;

class LoraExportTest {
  @TempDir
  Path tmp;

  private final AdapterConfig config = TestAdapters.config();
  private final MosAdapter adapter = TestAdapters.random(config, 3);

  /** pool_A[idx_A].reshape(r, d_in): the gathered rows, concatenated, read as [r x d_in]. */
  static float[] referenceA(float[] poolA, int[] idx, int sA) {
    float[] flat = new float[idx.length * sA];
    for (int m = 0; m < idx.length; m++) {
      for (int t = 0; t < sA; t++) flat[m * sA + t] = poolA[idx[m] * sA + t];
    }
    return flat;
  }

  /** pool_B.T[idx_B].reshape(r, d_out).T with pool_B [s_B x P]. */
  static float[] referenceB(float[] poolB, int[] idx, int sB, int p, int r) {
    float[] flat = new float[idx.length * sB]; // [r x d_out] once reshaped
    for (int m = 0; m < idx.length; m++) {
      for (int t = 0; t < sB; t++) flat[m * sB + t] = poolB[t * p + idx[m]];
    }
    int dOut = flat.length / r;
    float[] b = new float[flat.length]; // transpose to [d_out x r]
    for (int j = 0; j < r; j++) {
      for (int o = 0; o < dOut; o++) b[o * r + j] = flat[j * dOut + o];
    }
    return b;
  }

  @Test
  void f32ExportEqualsTheAssembledFactors() throws IOException {
    Path out = tmp.resolve("lora");
    LoraExport.export(adapter, out, LoraExport.Precision.F32, false);
    check(out, false);
  }

  @Test
  void bf16ExportIsTheRoundedFactors() throws IOException {
    Path out = tmp.resolve("lora16");
    LoraExport.export(adapter, out, LoraExport.Precision.BF16, false);
    check(out, true);
  }

  private void check(Path out, boolean bf16) throws IOException {
    int r = config.r();
    int l = config.shardsPerVector();
    int p = config.numShards();
    try (SafeTensorsReader in = SafeTensorsReader.open(out.resolve(AdapterFormat.WEIGHTS_FILE))) {
      assertEquals(2 * 2 * config.numLayers(), in.tensors().size());
      for (String name : config.pools().keySet()) {
        PoolSpec s = config.pool(name);
        PoolData d = adapter.pool(name);
        for (int k = 0; k < config.numLayers(); k++) {
          String path = s.modulePath().replace("{layer}", Integer.toString(k));
          String a = "base_model.model." + path + ".lora_A.weight";
          String b = "base_model.model." + path + ".lora_B.weight";
          SafeTensors.Dtype want = bf16 ? SafeTensors.Dtype.BF16 : SafeTensors.Dtype.F32;
          assertEquals(want, in.get(a).dtype());
          assertTrue(in.get(a).hasShape(r, s.inFeatures()), in.get(a).toString());
          assertTrue(in.get(b).hasShape(s.outFeatures(), r), in.get(b).toString());
          float[] refA = referenceA(d.poolA(), d.indexA(k, r * l), s.inFeatures() / l);
          float[] refB = referenceB(d.poolB(), d.indexB(k, r * l), s.outFeatures() / l, p, r);
          same(refA, in.readFloats(a), bf16, a);
          same(refB, in.readFloats(b), bf16, b);
          // The Java assembly used by the exporter agrees with the reference too.
          same(refA, adapter.assembleA(name, k), false, a);
          same(refB, adapter.assembleB(name, k), false, b);
        }
      }
    }
  }

  private static void same(float[] want, float[] got, boolean bf16, String what) {
    assertEquals(want.length, got.length, what);
    for (int i = 0; i < want.length; i++) {
      float w = bf16 ? Bf16.round(want[i]) : want[i];
      assertEquals(
          Float.floatToRawIntBits(w),
          Float.floatToRawIntBits(got[i]),
          what + "[" + i + "]: want " + w + " got " + got[i]);
      if (bf16) assertEquals(want[i], got[i], Math.abs(want[i]) / 256f, what);
    }
  }

  @Test
  void configIsAPeftLoraConfig() throws IOException {
    Path out = tmp.resolve("lora");
    LoraExport.export(adapter, out, LoraExport.Precision.F32, false);
    JsonNode c =
        SafeTensors.JSON.readTree(out.resolve(AdapterFormat.CONFIG_FILE).toFile());
    assertEquals("LORA", c.get("peft_type").asText());
    assertEquals(4, c.get("r").intValue());
    assertTrue(c.get("lora_alpha").isIntegralNumber(), "PEFT writes an integral alpha");
    assertEquals(12, c.get("lora_alpha").intValue());
    assertEquals(0.1f, c.get("lora_dropout").floatValue());
    assertEquals("none", c.get("bias").asText());
    assertEquals("toy/char-lm", c.get("base_model_name_or_path").asText());
    assertEquals(
        List.of("up_proj", "down_proj"),
        List.of(
            c.get("target_modules").get(0).asText(),
            c.get("target_modules").get(1).asText()));
    assertEquals(2, c.get("target_modules").size());
    assertEquals(false, c.get("fan_in_fan_out").booleanValue());
  }

  @Test
  void refusesToOverwriteUnlessAsked() throws IOException {
    Path out = tmp.resolve("lora");
    LoraExport.export(adapter, out, LoraExport.Precision.F32, false);
    MosFileException e = assertThrows(
        MosFileException.class,
        () -> LoraExport.export(adapter, out, LoraExport.Precision.BF16, false));
    assertTrue(e.getMessage().startsWith(out + ": already holds an adapter"), e.getMessage());
    LoraExport.export(adapter, out, LoraExport.Precision.BF16, true);
    try (SafeTensorsReader in = SafeTensorsReader.open(out.resolve(AdapterFormat.WEIGHTS_FILE))) {
      assertEquals(SafeTensors.Dtype.BF16, in.tensors().get(0).dtype());
    }
    assertEquals(2, Files.list(out).count());
  }

  @Test
  void exportedSizeIsDenseLoraAtRankR() throws IOException {
    Path out = tmp.resolve("lora");
    LoraExport.export(adapter, out, LoraExport.Precision.F32, false);
    try (SafeTensorsReader in = SafeTensorsReader.open(out.resolve(AdapterFormat.WEIGHTS_FILE))) {
      long bytes =
          in.tensors().stream().mapToLong(SafeTensors.TensorInfo::byteSize).sum();
      assertEquals(LoraExport.exportedBytes(config, LoraExport.Precision.F32), bytes);
      assertEquals(config.loraParameters(config.r()) * 4, bytes);
    }
  }
}
