// SPDX-License-Identifier: Apache-2.0
// TinyCheckpoint: writes small Llama checkpoint directories (config.json + random weights, single
// file or sharded with an index) for the tests, with hooks to break them in one place.
package org.mos.llm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.mos.io.SafeTensors.Dtype;
import org.mos.io.SafeTensorsWriter;

/** A tiny checkpoint's parts, editable before {@link #write}. */
final class TinyCheckpoint {
  static final ObjectMapper JSON = new ObjectMapper();

  /** A transformers-5-style config.json of a 2-block GQA Llama (hidden 16, 4 heads, 2 KV heads). */
  static ObjectNode config() {
    ObjectNode c = JSON.createObjectNode();
    c.putArray("architectures").add("LlamaForCausalLM");
    c.put("attention_bias", false)
        .put("attention_dropout", 0.0)
        .put("bos_token_id", 0)
        .put("dtype", "float32")
        .put("eos_token_id", 1)
        .put("head_dim", 4)
        .put("hidden_act", "silu")
        .put("hidden_size", 16)
        .put("initializer_range", 0.02)
        .put("intermediate_size", 24)
        .put("max_position_embeddings", 64)
        .put("mlp_bias", false)
        .put("model_type", "llama")
        .put("num_attention_heads", 4)
        .put("num_hidden_layers", 2)
        .put("num_key_value_heads", 2)
        .putNull("pad_token_id")
        .put("pretraining_tp", 1)
        .put("rms_norm_eps", 1e-5);
    c.putObject("rope_parameters").put("rope_theta", 10000.0).put("rope_type", "default");
    c.put("tie_word_embeddings", false)
        .put("transformers_version", "5.17.0")
        .put("use_cache", true)
        .put("vocab_size", 32);
    return c;
  }

  /** One tensor to write: name, dtype, shape, values (or raw bytes for odd dtypes). */
  record Entry(String name, Dtype dtype, long[] shape, float[] values, byte[] raw) {}

  final ObjectNode config;
  final Map<String, Entry> tensors = new LinkedHashMap<>();

  TinyCheckpoint(ObjectNode config) {
    this.config = config;
  }

  /** Every tensor the config describes, random, in {@code dtype}. */
  static TinyCheckpoint of(ObjectNode config, Dtype dtype, long seed) {
    TinyCheckpoint t = new TinyCheckpoint(config);
    LlamaConfig c = LlamaConfig.parse(config.toString());
    Random rnd = new Random(seed);
    for (LlamaConfig.TensorSpec s : c.tensors()) t.put(s.name(), dtype, s.shapeArray(), rnd);
    return t;
  }

  void put(String name, Dtype dtype, long[] shape, Random rnd) {
    long n = 1;
    for (long d : shape) n *= d;
    float[] v = new float[(int) n];
    for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian();
    tensors.put(name, new Entry(name, dtype, shape, v, null));
  }

  void putRaw(String name, Dtype dtype, long[] shape, byte[] raw) {
    tensors.put(name, new Entry(name, dtype, shape, null, raw));
  }

  private static SafeTensorsWriter add(SafeTensorsWriter w, Entry e) {
    if (e.raw != null) return w.addRaw(e.name, e.dtype, e.shape, e.raw);
    return switch (e.dtype) {
      case F32 -> w.addF32(e.name, e.shape, e.values);
      case BF16 -> w.addBf16(e.name, e.shape, e.values);
      case F16 -> {
        byte[] b = new byte[e.values.length * 2];
        for (int i = 0; i < e.values.length; i++) {
          short h = Float.floatToFloat16(e.values[i]);
          b[2 * i] = (byte) h;
          b[2 * i + 1] = (byte) (h >> 8);
        }
        yield w.addRaw(e.name, Dtype.F16, e.shape, b);
      }
      default -> throw new IllegalArgumentException(e.dtype.toString());
    };
  }

  /** Writes config.json and model.safetensors into {@code dir}. */
  Path write(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("config.json"), config.toPrettyString());
    SafeTensorsWriter w = new SafeTensorsWriter().metadata("format", "pt");
    for (Entry e : tensors.values()) add(w, e);
    w.write(dir.resolve("model.safetensors"));
    return dir;
  }

  /**
   * Writes config.json, {@code shards} files model-0000k-of-0000n.safetensors (tensors dealt
   * round-robin) and model.safetensors.index.json into {@code dir}; returns the index's
   * weight_map for editing and rewriting by {@link #writeIndex}.
   */
  ObjectNode writeSharded(Path dir, int shards) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("config.json"), config.toPrettyString());
    List<SafeTensorsWriter> ws = new ArrayList<>();
    for (int i = 0; i < shards; i++) ws.add(new SafeTensorsWriter().metadata("format", "pt"));
    ObjectNode index = JSON.createObjectNode();
    index.putObject("metadata").put("total_size", 0);
    ObjectNode map = index.putObject("weight_map");
    int k = 0;
    for (Entry e : tensors.values()) {
      int s = k++ % shards;
      add(ws.get(s), e);
      map.put(e.name, shardName(s, shards));
    }
    for (int i = 0; i < shards; i++) ws.get(i).write(dir.resolve(shardName(i, shards)));
    writeIndex(dir, index);
    return index;
  }

  static String shardName(int i, int n) {
    return String.format("model-%05d-of-%05d.safetensors", i + 1, n);
  }

  static void writeIndex(Path dir, ObjectNode index) throws IOException {
    Files.writeString(dir.resolve(HfCheckpoint.INDEX_FILE), index.toPrettyString());
  }
}
