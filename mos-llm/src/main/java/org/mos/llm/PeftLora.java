// SPDX-License-Identifier: Apache-2.0
// PeftLora: reads a plain PEFT LoRA adapter directory (adapter_config.json +
// adapter_model.safetensors)
// of a Llama-family model as MoS pools: R_eq = p = r, l = 1, block k's private rows are its A and
// B.
package org.mos.llm;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mos.MosException;
import org.mos.Status;
import org.mos.io.AdapterConfig;
import org.mos.io.AdapterFormat;
import org.mos.io.LoraExport;
import org.mos.io.MosAdapter;
import org.mos.io.MosFileException;
import org.mos.io.PoolData;
import org.mos.io.SafeTensors;
import org.mos.io.SafeTensorsReader;
import org.mos.llm.internal.JsonFile;

/**
 * A PEFT LoRA adapter ({@code peft_type: "LORA"}, as {@code PeftModel.save_pretrained} and
 * {@code mos export-lora} write it) read as a {@link MosAdapter} for a {@link LlamaModel}.
 *
 * <p>LoRA is MoS with every rank vector private: R_eq = p = r, one shard per vector (l = 1), so a
 * pool group holds P = r L rows and block k's private rows {@code [k r, (k+1) r)} are exactly its
 * {@code lora_A} rows and {@code lora_B} columns, its indices {@code k r, ..., k r + r − 1} in
 * order. PEFT scales by {@code lora_alpha / r} as MoS does, so alpha carries over; with
 * {@code use_rslora} PEFT scales by {@code lora_alpha / sqrt(r)}, which is MoS's alpha / r with
 * alpha = {@code lora_alpha * sqrt(r)} (the conversion used). {@code lora_dropout} becomes the
 * adapter's training dropout (inference never applies it).
 *
 * <p>Tensors: {@code base_model.model.model.layers.<k>.self_attn.<q|k|v|o>_proj.lora_A.weight}
 * [r, in] and {@code .lora_B.weight} [out, r] (and the same under {@code mlp.<gate|up|down>_proj}),
 * F32, BF16, F16 or F64 (rounded to f32). A projection adapted in some blocks only ({@code layers_to_transform}) gets
 * zero factors in the others, which adds nothing. Refused, with a message naming the key or
 * tensor: another {@code peft_type}; DoRA ({@code use_dora}); trained biases ({@code bias} other
 * than "none", {@code lora_bias}); {@code fan_in_fan_out}; {@code modules_to_save} (whole
 * replaced modules); per-module {@code rank_pattern} / {@code alpha_pattern};
 * {@code layer_replication}; {@code trainable_token_indices}; a tensor that is not such a factor
 * (embedding LoRA, another module); a shape that does not fit the model.
 */
public final class PeftLora {
  private PeftLora() {}

  /** Largest adapter_config.json read. */
  public static final long MAX_CONFIG_BYTES = 4L << 20;

  private static final Pattern KEY = Pattern.compile(
      "base_model\\.model\\.model\\.layers\\.(\\d{1,9})\\.(self_attn|mlp)\\.([a-z_]+)\\.lora_([AB])"
          + "\\.weight");

  /**
   * The {@code peft_type} of {@code dir}'s adapter_config.json ({@code "LORA"}, {@code "MOS"} for
   * a mos adapter, ...), or null when the file is missing, unreadable or has none (a quick look
   * that throws nothing).
   */
  public static String peftType(Path dir) {
    Path file = dir.resolve(AdapterFormat.CONFIG_FILE);
    if (!Files.isRegularFile(file)) return null;
    try {
      JsonNode t =
          JsonFile.read(file, MAX_CONFIG_BYTES, "an adapter config").root.get("peft_type");
      return t != null && t.isTextual() ? t.textValue() : null;
    } catch (MosException e) {
      return null;
    }
  }

  /**
   * Reads the PEFT LoRA adapter in {@code dir} for a model of {@code config} (see the class
   * comment).
   *
   * @throws MosFileException naming the file, the key or tensor, and the problem
   */
  public static MosAdapter read(Path dir, LlamaConfig config) {
    if (dir == null || config == null) {
      throw new MosException(Status.NULL_POINTER, "PeftLora.read: dir or config is null");
    }
    if (!Files.isDirectory(dir)) {
      throw new MosFileException(
          dir, Files.exists(dir) ? "not an adapter directory" : "no such" + " adapter directory");
    }
    JsonFile cf = JsonFile.read(
        dir.resolve(AdapterFormat.CONFIG_FILE), MAX_CONFIG_BYTES, "an adapter config");
    JsonNode root = cf.root;
    String type = cf.optString(root, "peft_type", "");
    if (!"LORA".equals(type)) {
      throw cf.fail(
          "peft_type",
          type == null
              ? "missing: not a PEFT adapter"
              : "\"" + MosFileException.printable(type, 40) + "\" is not supported (mos reads LORA"
                  + " and its own MOS adapters)");
    }
    int r = (int) cf.integer(root, "r", "", 1, 1 << 16, -1);
    if (r < 1) throw cf.fail("r", "missing");
    double loraAlpha = cf.number(root, "lora_alpha", "", 8);
    double dropout = cf.number(root, "lora_dropout", "", 0);
    if (!(dropout >= 0 && dropout < 1)) {
      throw cf.fail("lora_dropout", "value " + dropout + " is outside [0, 1)");
    }
    boolean rslora = cf.bool(root, "use_rslora", "", false);
    refuseTrue(cf, "use_dora", "DoRA (weight-decomposed LoRA) is not MoS's maths");
    refuseTrue(cf, "lora_bias", "trained LoRA biases are not supported");
    refuseTrue(
        cf,
        "fan_in_fan_out",
        "fan_in_fan_out (Conv1D-style weights) does not apply to" + " Llama's Linear layers");
    refuseTrue(cf, "use_qalora", "QA-LoRA is not supported");
    String bias = cf.optString(root, "bias", "");
    if (bias != null && !bias.equals("none")) {
      throw cf.fail(
          "bias",
          "\"" + MosFileException.printable(bias, 40) + "\": trained biases are"
              + " not supported (only \"none\")");
    }
    refuseNonEmpty(cf, "modules_to_save", "whole modules saved besides LoRA are not supported");
    refuseNonEmpty(cf, "rank_pattern", "per-module ranks are not supported (one r for all)");
    refuseNonEmpty(cf, "alpha_pattern", "per-module alphas are not supported (one lora_alpha)");
    refuseNonEmpty(cf, "layer_replication", "layer replication is not supported");
    refuseNonEmpty(cf, "trainable_token_indices", "trainable token embeddings are not supported");
    refuseNonEmpty(cf, "target_parameters", "LoRA on parameters (not modules) is not supported");
    String base = cf.optString(root, "base_model_name_or_path", "");

    Path weights = dir.resolve(AdapterFormat.WEIGHTS_FILE);
    if (!Files.exists(weights)) {
      throw new MosFileException(
          weights,
          Files.exists(dir.resolve("adapter_model.bin"))
              ? "missing; only adapter_model.bin is present: convert it to safetensors (PEFT saves"
                  + " safetensors by default)"
              : "no such file");
    }
    int layers = config.numLayers();
    Map<String, float[][]> a = new LinkedHashMap<>(); // projection -> block -> lora_A
    Map<String, float[][]> b = new LinkedHashMap<>();
    try (SafeTensorsReader in = SafeTensorsReader.open(weights)) {
      for (SafeTensors.TensorInfo t : in.tensors()) {
        Matcher m = KEY.matcher(t.name());
        String proj = m.matches() ? m.group(3) : null;
        if (proj == null
            || !LlamaModel.PROJECTIONS.contains(proj)
            || !m.group(2).equals(LlamaModel.parentModule(proj))) {
          throw new MosFileException(
              weights,
              t.name(),
              "is not a LoRA factor of a projection of"
                  + " this model (expected " + LoraExport.loraAName(LlamaModel.modulePath("q_proj"))
                  + " and the like for q/k/v/o_proj under self_attn, gate/up/down_proj under mlp)");
        }
        long layer = Long.parseLong(m.group(1));
        if (layer >= layers) {
          throw new MosFileException(
              weights,
              t.name(),
              "block " + layer + ", but the model has " + layers
                  + " blocks: an adapter of another model?");
        }
        int[] shape = LlamaModel.projectionShape(config, proj); // {d_in, d_out}
        boolean isA = m.group(4).equals("A");
        long[] want = isA ? new long[] {r, shape[0]} : new long[] {shape[1], r};
        if (t.dtype() != SafeTensors.Dtype.F32
            && t.dtype() != SafeTensors.Dtype.BF16
            && t.dtype() != SafeTensors.Dtype.F16
            && t.dtype() != SafeTensors.Dtype.F64) {
          throw new MosFileException(
              weights, t.name(), "dtype " + t.dtype() + " is not F32," + " BF16, F16 or F64");
        }
        if (!t.hasShape(want)) {
          throw new MosFileException(
              weights,
              t.name(),
              "shape "
                  + java.util.Arrays.toString(t.shape()) + ", expected "
                  + java.util.Arrays.toString(want)
                  + " (r = " + r + " from adapter_config.json, the model's " + proj + " is "
                  + shape[0] + " -> " + shape[1] + ")");
        }
        float[][] slots = (isA ? a : b).computeIfAbsent(proj, k -> new float[layers][]);
        slots[(int) layer] =
            t.dtype() == SafeTensors.Dtype.F64 ? readF64(in, t) : in.readFloats(t.name());
      }
    }
    if (a.isEmpty() && b.isEmpty()) {
      throw new MosFileException(weights, "holds no LoRA factor");
    }
    AdapterConfig.Builder cb = AdapterConfig.builder()
        .r(r)
        .equivalentRank(r)
        .privateRank(r)
        .shardsPerVector(1)
        .numLayers(layers)
        .loraAlpha((float) (rslora ? loraAlpha * Math.sqrt(r) : loraAlpha))
        .loraDropout((float) dropout)
        .baseModel(base)
        .metadata("source", "peft-lora")
        .metadata("peft_lora_alpha", loraAlpha)
        .metadata("peft_use_rslora", rslora);
    Map<String, PoolData> pools = new LinkedHashMap<>();
    for (String proj : LlamaModel.PROJECTIONS) {
      float[][] as = a.get(proj);
      float[][] bs = b.get(proj);
      if (as == null && bs == null) continue;
      int[] shape = LlamaModel.projectionShape(config, proj);
      int dIn = shape[0];
      int dOut = shape[1];
      long p = (long) r * layers;
      if (p * Math.max(dIn, dOut) > Integer.MAX_VALUE - 8) {
        throw new MosFileException(
            weights,
            proj + ": " + p + " x " + Math.max(dIn, dOut) + " values do not fit one array");
      }
      float[] poolA = new float[(int) p * dIn];
      float[] poolB = new float[dOut * (int) p];
      int[] index = new int[layers * r];
      for (int k = 0; k < layers; k++) {
        float[] fa = as == null ? null : as[k];
        float[] fb = bs == null ? null : bs[k];
        if ((fa == null) != (fb == null)) {
          throw new MosFileException(
              weights,
              LoraExport.loraAName(modulePathOf(proj, k)),
              "block " + k + " of " + proj + " has lora_" + (fa == null ? "B" : "A")
                  + " but no lora_" + (fa == null ? "A" : "B"));
        }
        for (int j = 0; j < r; j++) index[k * r + j] = k * r + j;
        if (fa == null) continue; // a block the adapter leaves alone: zero factors
        System.arraycopy(fa, 0, poolA, k * r * dIn, r * dIn);
        for (int o = 0; o < dOut; o++) {
          System.arraycopy(fb, o * r, poolB, (int) (o * p + (long) k * r), r);
        }
      }
      cb.pool(proj, dIn, dOut, LlamaModel.modulePath(proj));
      pools.put(proj, new PoolData(poolA, poolB, index, index.clone()));
    }
    try {
      return new MosAdapter(cb.build(), pools);
    } catch (MosFileException e) {
      throw e;
    } catch (MosException e) {
      throw new MosFileException(weights, e.getMessage());
    }
  }

  /** An F64 tensor (PEFT saves the model's dtype) rounded to f32. */
  private static float[] readF64(SafeTensorsReader in, SafeTensors.TensorInfo t) {
    float[] out = new float[Math.toIntExact(t.numElements())];
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment s = in.segment(t.name(), arena);
      for (int i = 0; i < out.length; i++) out[i] = (float) s.getAtIndex(LE_F64, i);
    }
    return out;
  }

  private static final ValueLayout.OfDouble LE_F64 =
      ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private static String modulePathOf(String proj, int layer) {
    return LlamaModel.modulePath(proj).replace("{layer}", Integer.toString(layer));
  }

  private static void refuseTrue(JsonFile cf, String key, String why) {
    if (cf.bool(cf.root, key, "", false)) throw cf.fail(key, "true: " + why);
  }

  private static void refuseNonEmpty(JsonFile cf, String key, String why) {
    JsonNode v = cf.root.get(key);
    if (v == null || v.isNull()) return;
    if ((v.isObject() || v.isArray()) && v.isEmpty()) return;
    if (v.isBoolean() && !v.booleanValue()) return;
    throw cf.fail(key, "set (" + JsonFile.kind(v) + "): " + why);
  }
}
