// SPDX-License-Identifier: Apache-2.0
// Export of a mos adapter to a standard PEFT LoRA adapter directory: every block's assembled A_k
// and B_k under PEFT's key names, so PEFT, vLLM and LoRAX load it as plain rank-r LoRA.
package org.mos.io;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a PEFT LoRA adapter equivalent to a mos adapter.
 *
 * <p>For every pool group and block k the export holds {@code base_model.model.<module path of
 * block k>.lora_A.weight} [r, in_features] = A_k and {@code ...lora_B.weight} [out_features, r] =
 * B_k, assembled by method.md §3. PEFT scales LoRA by lora_alpha / r exactly as MoS does, with the same
 * r and alpha, so the exported adapter computes the same function. The config carries {@code
 * peft_type: LORA}, r, lora_alpha, lora_dropout, target_modules (the last component of every
 * module path, which is the pool name in the usual layout), {@code bias: none}.
 *
 * <p>The export is dense: it holds r/R_eq times the values of the mos adapter (that is the price
 * of the ecosystem's formats). Tensors are assembled one at a time while writing.
 */
public final class LoraExport {
  private LoraExport() {}

  /** The prefix PEFT gives module paths in its state dicts. */
  public static final String PREFIX = "base_model.model.";

  /** Element type of the exported factors. */
  public enum Precision {
    /** IEEE float32: the factors exactly. */
    F32,
    /** bfloat16, rounded to nearest-even: half the bytes, about 3 significant digits. */
    BF16
  }

  /** PEFT's key for the A factor of the module at {@code modulePath}. */
  public static String loraAName(String modulePath) {
    return PREFIX + modulePath + ".lora_A.weight";
  }

  /** PEFT's key for the B factor of the module at {@code modulePath}. */
  public static String loraBName(String modulePath) {
    return PREFIX + modulePath + ".lora_B.weight";
  }

  /** PEFT's target_modules: the distinct last components of the pool groups' module paths. */
  public static List<String> targetModules(AdapterConfig config) {
    Set<String> names = new LinkedHashSet<>();
    for (PoolSpec s : config.pools().values()) {
      String path = s.modulePath();
      names.add(path.substring(path.lastIndexOf('.') + 1));
    }
    return List.copyOf(names);
  }

  /** The adapter_config.json of the export (PEFT's LoraConfig fields). */
  public static byte[] peftConfigJson(AdapterConfig c) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.put("peft_type", "LORA");
    if (c.baseModel() != null) {
      root.put("base_model_name_or_path", c.baseModel());
    } else {
      root.putNull("base_model_name_or_path");
    }
    root.put("task_type", "CAUSAL_LM");
    root.put("r", c.r());
    // PEFT's own configs hold an integer alpha; keep it integral when it is.
    if (c.loraAlpha() == Math.rint(c.loraAlpha()) && Math.abs(c.loraAlpha()) < 1e9) {
      root.put("lora_alpha", (long) c.loraAlpha());
    } else {
      root.put("lora_alpha", c.loraAlpha());
    }
    root.put("lora_dropout", c.loraDropout());
    ArrayNode targets = root.putArray("target_modules");
    targetModules(c).forEach(targets::add);
    root.put("bias", "none");
    root.put("fan_in_fan_out", false);
    root.put("inference_mode", true);
    root.put("init_lora_weights", true);
    root.put("use_rslora", false);
    root.put("use_dora", false);
    root.putNull("modules_to_save");
    root.putNull("layers_to_transform");
    root.putObject("rank_pattern");
    root.putObject("alpha_pattern");
    return AdapterFormat.prettyJson(root);
  }

  /**
   * Writes the PEFT LoRA form of {@code adapter} into directory {@code outDir} (created if
   * missing), atomically like {@link AdapterFormat#save}.
   *
   * @param overwrite replace an adapter already in {@code outDir}; when false, an {@code outDir}
   *     holding adapter_config.json or adapter_model.safetensors is refused
   * @throws MosFileException if {@code outDir} holds an adapter and overwrite is false, or cannot be
   *     written
   */
  public static void export(
      MosAdapter adapter, Path outDir, Precision precision, boolean overwrite) {
    if (!overwrite
        && (Files.exists(outDir.resolve(AdapterFormat.CONFIG_FILE))
            || Files.exists(outDir.resolve(AdapterFormat.WEIGHTS_FILE)))) {
      throw new MosFileException(
          outDir,
          "already holds an adapter; choose another directory or"
              + " allow overwriting (mos export-lora --force)");
    }
    AdapterConfig c = adapter.config();
    SafeTensors.Dtype dtype =
        precision == Precision.BF16 ? SafeTensors.Dtype.BF16 : SafeTensors.Dtype.F32;
    SafeTensorsWriter w = new SafeTensorsWriter().metadata("format", "pt");
    for (Map.Entry<String, PoolSpec> e : c.pools().entrySet()) {
      String name = e.getKey();
      PoolSpec s = e.getValue();
      for (int k = 0; k < c.numLayers(); k++) {
        int layer = k;
        String path = s.modulePath(k);
        w.addFloatsLazily(
            loraAName(path),
            dtype,
            new long[] {c.r(), s.inFeatures()},
            () -> adapter.assembleA(name, layer));
        w.addFloatsLazily(
            loraBName(path),
            dtype,
            new long[] {s.outFeatures(), c.r()},
            () -> adapter.assembleB(name, layer));
      }
    }
    byte[] config = peftConfigJson(c);
    try {
      AtomicFiles.writeDirectory(
          outDir,
          List.of(
              new AtomicFiles.Content(AdapterFormat.WEIGHTS_FILE, w::writeTo),
              new AtomicFiles.Content(AdapterFormat.CONFIG_FILE, ch -> {
                ByteBuffer b = ByteBuffer.wrap(config);
                while (b.hasRemaining()) ch.write(b);
              })));
    } catch (IOException ex) {
      throw new MosFileException(
          outDir, null, "cannot write the export: " + MosFileException.describe(ex), ex);
    }
  }

  /** Bytes of the exported weights file (header excluded) for {@code precision}. */
  public static long exportedBytes(AdapterConfig c, Precision precision) {
    return c.loraParameters(c.r()) * (precision == Precision.BF16 ? 2 : 4);
  }
}
