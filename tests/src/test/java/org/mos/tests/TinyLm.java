// SPDX-License-Identifier: Apache-2.0
// TinyLm: writes a tiny Llama checkpoint directory for the fine-tuning tests: config.json, random
// weights (model.safetensors) and a character-level tokenizer (tokenizer.json: BPE without merges,
// BOS by its post-processor, tokenizer_config.json naming BOS and EOS), and the data of the
// upper-casing task (prompt "abc=", completion "ABC").
package org.mos.tests;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.mos.io.SafeTensorsWriter;

/** A tiny checkpoint with a character tokenizer, and the word data the tests train on. */
final class TinyLm {
  private TinyLm() {}

  static final ObjectMapper JSON = new ObjectMapper();
  /** The characters of the vocabulary after {@code <s>} (0) and {@code </s>} (1). */
  static final String CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ= ";

  static final int HIDDEN = 64,
      HEADS = 4,
      KV_HEADS = 2,
      HEAD_DIM = 16,
      INTERMEDIATE = 128,
      LAYERS = 4,
      POSITIONS = 32;

  /** Writes the checkpoint into {@code dir} (created), weights drawn from {@code seed}. */
  static Path write(Path dir, long seed) throws IOException {
    Files.createDirectories(dir);
    int vocab = 2 + CHARS.length();
    ObjectNode c = JSON.createObjectNode();
    c.putArray("architectures").add("LlamaForCausalLM");
    c.put("model_type", "llama")
        .put("hidden_size", HIDDEN)
        .put("intermediate_size", INTERMEDIATE)
        .put("num_hidden_layers", LAYERS)
        .put("num_attention_heads", HEADS)
        .put("num_key_value_heads", KV_HEADS)
        .put("head_dim", HEAD_DIM)
        .put("max_position_embeddings", POSITIONS)
        .put("vocab_size", vocab)
        .put("rms_norm_eps", 1e-5)
        .put("rope_theta", 10000.0)
        .put("hidden_act", "silu")
        .put("tie_word_embeddings", false)
        .put("bos_token_id", 0)
        .put("eos_token_id", 1)
        .put("torch_dtype", "float32");
    Files.writeString(dir.resolve("config.json"), c.toPrettyString());

    Random rnd = new Random(seed);
    SafeTensorsWriter w = new SafeTensorsWriter().metadata("format", "pt");
    matrix(w, "model.embed_tokens.weight", vocab, HIDDEN, 1.0, rnd);
    int q = HEADS * HEAD_DIM, kv = KV_HEADS * HEAD_DIM;
    for (int k = 0; k < LAYERS; k++) {
      String b = "model.layers." + k + ".";
      vector(w, b + "input_layernorm.weight", HIDDEN);
      matrix(w, b + "self_attn.q_proj.weight", q, HIDDEN, 1 / Math.sqrt(HIDDEN), rnd);
      matrix(w, b + "self_attn.k_proj.weight", kv, HIDDEN, 1 / Math.sqrt(HIDDEN), rnd);
      matrix(w, b + "self_attn.v_proj.weight", kv, HIDDEN, 1 / Math.sqrt(HIDDEN), rnd);
      matrix(w, b + "self_attn.o_proj.weight", HIDDEN, q, 1 / Math.sqrt(q), rnd);
      vector(w, b + "post_attention_layernorm.weight", HIDDEN);
      matrix(w, b + "mlp.gate_proj.weight", INTERMEDIATE, HIDDEN, 1 / Math.sqrt(HIDDEN), rnd);
      matrix(w, b + "mlp.up_proj.weight", INTERMEDIATE, HIDDEN, 1 / Math.sqrt(HIDDEN), rnd);
      matrix(w, b + "mlp.down_proj.weight", HIDDEN, INTERMEDIATE, 1 / Math.sqrt(INTERMEDIATE), rnd);
    }
    vector(w, "model.norm.weight", HIDDEN);
    matrix(w, "lm_head.weight", vocab, HIDDEN, 1 / Math.sqrt(HIDDEN), rnd);
    w.write(dir.resolve("model.safetensors"));

    ObjectNode t = JSON.createObjectNode();
    t.put("version", "1.0").putNull("truncation").putNull("padding");
    ArrayNode added = t.putArray("added_tokens");
    added.add(token(0, "<s>"));
    added.add(token(1, "</s>"));
    t.putNull("normalizer").putNull("pre_tokenizer");
    ObjectNode post = t.putObject("post_processor").put("type", "TemplateProcessing");
    post.putArray("single").add(special("<s>")).add(sequence("A"));
    post.putArray("pair").add(special("<s>")).add(sequence("A")).add(sequence("B"));
    ObjectNode bos = post.putObject("special_tokens").putObject("<s>").put("id", "<s>");
    bos.putArray("ids").add(0);
    bos.putArray("tokens").add("<s>");
    t.putObject("decoder").put("type", "Fuse");
    ObjectNode model = t.putObject("model");
    model
        .put("type", "BPE")
        .putNull("dropout")
        .putNull("unk_token")
        .putNull("continuing_subword_prefix")
        .putNull("end_of_word_suffix")
        .put("fuse_unk", false)
        .put("byte_fallback", false);
    ObjectNode v = model.putObject("vocab");
    v.put("<s>", 0).put("</s>", 1);
    for (int i = 0; i < CHARS.length(); i++) v.put(String.valueOf(CHARS.charAt(i)), 2 + i);
    model.putArray("merges");
    Files.writeString(dir.resolve("tokenizer.json"), t.toPrettyString());
    Files.writeString(
        dir.resolve("tokenizer_config.json"), "{\"bos_token\": \"<s>\", \"eos_token\": \"</s>\"}");
    return dir;
  }

  /** 3-letter lower-case words, distinct, drawn from {@code seed}. */
  static List<String> words(int count, long seed) {
    Random rnd = new Random(seed);
    List<String> out = new ArrayList<>();
    while (out.size() < count) {
      String s = "" + (char) ('a' + rnd.nextInt(26)) + (char) ('a' + rnd.nextInt(26))
          + (char) ('a' + rnd.nextInt(26));
      if (!out.contains(s)) out.add(s);
    }
    return out;
  }

  /** A JSONL file of {"prompt": "abc=", "completion": "ABC"} records. */
  static Path upperCaseJsonl(Path file, List<String> words) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (String wd : words) {
      sb.append("{\"prompt\": \"")
          .append(wd)
          .append("=\", \"completion\": \"")
          .append(wd.toUpperCase(Locale.ROOT))
          .append("\"}\n");
    }
    Files.writeString(file, sb.toString());
    return file;
  }

  private static ObjectNode token(int id, String content) {
    return JSON.createObjectNode()
        .put("id", id)
        .put("content", content)
        .put("single_word", false)
        .put("lstrip", false)
        .put("rstrip", false)
        .put("normalized", false)
        .put("special", true);
  }

  private static ObjectNode special(String id) {
    ObjectNode o = JSON.createObjectNode();
    o.putObject("SpecialToken").put("id", id).put("type_id", 0);
    return o;
  }

  private static ObjectNode sequence(String id) {
    ObjectNode o = JSON.createObjectNode();
    o.putObject("Sequence").put("id", id).put("type_id", 0);
    return o;
  }

  private static void matrix(
      SafeTensorsWriter w, String name, int rows, int cols, double std, Random rnd) {
    float[] v = new float[rows * cols];
    for (int i = 0; i < v.length; i++) v[i] = (float) (rnd.nextGaussian() * std);
    w.addF32(name, new long[] {rows, cols}, v);
  }

  private static void vector(SafeTensorsWriter w, String name, int n) {
    float[] v = new float[n];
    java.util.Arrays.fill(v, 1f);
    w.addF32(name, new long[] {n}, v);
  }
}
