// SPDX-License-Identifier: Apache-2.0
// HfCheckpoint on the checkpoints transformers 5.17 wrote (tests/fixtures/hf: every tensor found
// with its dtype and shape, the EOS ids transformers reported, the per-tensor mapped views equal
// to the bytes the streamed reader reads), resident memory while walking a larger checkpoint
// (the kernel's RssFile), and tiny checkpoints written here and broken in one place each: every
// problem is a one-line MosFileException naming the file and the problem.
package org.mos.llm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mos.llm.LlamaConfigTest.assertOneLine;
import static org.mos.llm.LlamaConfigTest.fixtures;
import static org.mos.llm.LlamaConfigTest.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mos.MosException;
import org.mos.io.MosFileException;
import org.mos.io.SafeTensors.Dtype;
import org.mos.io.SafeTensorsReader;

class HfCheckpointTest {
  @TempDir
  Path tmp;

  // ---- the checkpoints transformers wrote ----------------------------------------------------

  @ParameterizedTest
  @ValueSource(strings = {"llama-gqa-f32", "llama-tied-bf16-sharded", "llama-bias-headdim-f32"})
  void opensWhatTransformersWrote(String name) throws IOException {
    Path dir = fixtures().resolve(name);
    JsonNode expected = json(dir.resolve("expected.json"));
    try (HfCheckpoint ckpt = HfCheckpoint.open(dir)) {
      LlamaConfig config = ckpt.config();
      assertEquals(LlamaConfig.read(dir.resolve("config.json")), config);
      Dtype storage =
          switch (expected.get("storage").asText()) {
            case "float32" -> Dtype.F32;
            case "bfloat16" -> Dtype.BF16;
            default -> throw new AssertionError(expected.get("storage"));
          };
      assertEquals(Set.of(storage), ckpt.dtypes(), name);
      List<Integer> eos = new ArrayList<>();
      expected.get("eos_ids").forEach(e -> eos.add(e.asInt()));
      assertEquals(eos, ckpt.eosTokenIds(), name + ": EOS ids as transformers reads them");
      assertEquals(dir.resolve("generation_config.json"), ckpt.eosTokenIdsSource());
      assertEquals(List.of(), ckpt.notes(), name);
      assertEquals(config.tensors().size(), ckpt.tensors().size());
      for (int i = 0; i < ckpt.tensors().size(); i++) {
        HfCheckpoint.Tensor t = ckpt.tensors().get(i);
        LlamaConfig.TensorSpec s = config.tensors().get(i);
        assertEquals(s.name(), t.name());
        assertEquals(s.rows(), t.rows(), t.name());
        assertEquals(s.cols(), t.cols(), t.name());
      }
      assertEquals(config.bytes(storage), ckpt.dataBytes());

      // Every tensor visited once, each view the tensor's bytes as the streamed reader reads them.
      Map<String, Integer> visits = new HashMap<>();
      List<MemorySegment> views = new ArrayList<>();
      Map<Path, SafeTensorsReader> readers = new HashMap<>();
      try {
        ckpt.forEachTensor((t, data) -> {
          visits.merge(t.name(), 1, Integer::sum);
          assertEquals(t.byteSize(), data.byteSize(), t.name());
          assertTrue(data.isReadOnly(), t.name());
          SafeTensorsReader r = readers.computeIfAbsent(t.file(), SafeTensorsReader::open);
          assertArrayEquals(r.readBytes(t.name()), data.toArray(ValueLayout.JAVA_BYTE), t.name());
          views.add(data);
        });
      } finally {
        readers.values().forEach(SafeTensorsReader::close);
      }
      assertEquals(config.tensors().size(), visits.size());
      assertTrue(visits.values().stream().allMatch(v -> v == 1), "each once: " + visits);
      assertThrows(
          IllegalStateException.class,
          () -> views.get(0).get(ValueLayout.JAVA_BYTE, 0),
          "a view is unmapped after its callback");
      if (name.contains("sharded")) assertEquals(6, ckpt.files().size());

      String norm = "model.layers.1.input_layernorm.weight";
      float[] viaCallback = new float[config.hiddenSize()];
      ckpt.withTensor(norm, (t, data) -> {
        for (int i = 0; i < viaCallback.length; i++) {
          viaCallback[i] = storage == Dtype.F32
              ? data.getAtIndex(
                  ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), i)
              : org.mos.Bf16.toFloat(data.getAtIndex(
                  ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), i));
        }
      });
      assertArrayEquals(ckpt.readFloats(norm), viaCallback);
      assertThrows(MosException.class, () -> ckpt.tensor("lm_head.bias"));
    }
  }

  @Test
  void closedCheckpointRefusesUse() {
    HfCheckpoint ckpt = HfCheckpoint.open(fixtures().resolve("llama-gqa-f32"));
    ckpt.close();
    ckpt.close();
    assertThrows(IllegalStateException.class, () -> ckpt.forEachTensor((t, d) -> {}));
    assertThrows(IllegalStateException.class, () -> ckpt.readFloats("model.norm.weight"));
  }

  // ---- memory --------------------------------------------------------------------------------

  /** Resident file-backed memory of this process (kB), from /proc/self/status; -1 if unknown. */
  private static long rssFileKb() throws IOException {
    Path status = Path.of("/proc/self/status");
    if (!Files.exists(status)) return -1;
    for (String line : Files.readAllLines(status)) {
      if (line.startsWith("RssFile:")) return Long.parseLong(line.replaceAll("\\D", ""));
    }
    return -1;
  }

  /**
   * Walking a checkpoint and touching every byte keeps at most about one tensor of the files
   * resident: each view is unmapped when its callback returns. Without that, resident memory
   * would grow by the whole 48 MiB.
   */
  @Test
  void residentMemoryStaysAtAboutOneTensor() throws IOException {
    org.junit.jupiter.api.Assumptions.assumeTrue(rssFileKb() >= 0, "needs /proc/self/status");
    ObjectNode c = TinyCheckpoint.config();
    c.put("vocab_size", 16384)
        .put("hidden_size", 256)
        .put("intermediate_size", 512)
        .put("num_attention_heads", 4)
        .put("num_key_value_heads", 4)
        .put("head_dim", 64)
        .put("num_hidden_layers", 6)
        .put("eos_token_id", 1);
    // about 48 MiB of F32: 2 x 16 MiB for embed + lm_head, 6 blocks of ~2.5 MiB
    TinyCheckpoint t = new TinyCheckpoint(c);
    LlamaConfig config = LlamaConfig.parse(c.toString());
    Random rnd = new Random(1);
    for (LlamaConfig.TensorSpec s : config.tensors())
      t.put(s.name(), Dtype.F32, s.shapeArray(), rnd);
    Path dir = t.write(tmp.resolve("big"));
    t.tensors.clear(); // let the heap copies go
    long largest = 16384L * 256 * 4;
    try (HfCheckpoint ckpt = HfCheckpoint.open(dir)) {
      long base = rssFileKb();
      long[] peak = {0};
      double[] sum = {0};
      ckpt.forEachTensor((tensor, data) -> {
        long n = data.byteSize() / 4;
        for (long i = 0; i < n; i += 1024)
          sum[0] += data.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i);
        try {
          peak[0] = Math.max(peak[0], rssFileKb() - base);
        } catch (IOException e) {
          throw new RuntimeException(e);
        }
      });
      long total = ckpt.dataBytes();
      assertTrue(total > 45L << 20, "the checkpoint is large enough to tell: " + total);
      // one tensor, plus the kernel's fault-around and whatever the JVM maps meanwhile
      assertTrue(
          peak[0] * 1024 < largest + (8L << 20),
          "peak file-backed resident growth " + peak[0] + " kB; largest tensor " + largest / 1024
              + " kB, all tensors " + total / 1024 + " kB (sum " + sum[0] + ")");
    }
  }

  // ---- tiny checkpoints broken in one place --------------------------------------------------

  private Path tiny(String name) throws IOException {
    return TinyCheckpoint.of(TinyCheckpoint.config(), Dtype.F32, 5).write(tmp.resolve(name));
  }

  private static MosFileException refused(Path dir) {
    return assertThrows(MosFileException.class, () -> HfCheckpoint.open(dir).close());
  }

  @Test
  void tinyCheckpointsOfEveryDtypeOpen() throws IOException {
    for (Dtype d : List.of(Dtype.F32, Dtype.BF16, Dtype.F16)) {
      TinyCheckpoint t = TinyCheckpoint.of(TinyCheckpoint.config(), d, 3);
      Path dir = t.write(tmp.resolve(d.name()));
      try (HfCheckpoint ckpt = HfCheckpoint.open(dir)) {
        assertEquals(Set.of(d), ckpt.dtypes());
        float[] want =
            t.tensors.get("model.layers.0.self_attn.q_proj.weight").values().clone();
        if (d == Dtype.BF16)
          for (int i = 0; i < want.length; i++) want[i] = org.mos.Bf16.round(want[i]);
        if (d == Dtype.F16) {
          for (int i = 0; i < want.length; i++)
            want[i] = Float.float16ToFloat(Float.floatToFloat16(want[i]));
        }
        assertArrayEquals(
            want, ckpt.readFloats("model.layers.0.self_attn.q_proj.weight"), d.name());
        assertEquals(List.of(1), ckpt.eosTokenIds(), "config.json's, without a generation config");
        assertEquals(dir.resolve("config.json"), ckpt.eosTokenIdsSource());
      }
    }
    // mixed dtypes (F32 norms, BF16 matrices) are fine
    TinyCheckpoint t = TinyCheckpoint.of(TinyCheckpoint.config(), Dtype.BF16, 3);
    t.put("model.norm.weight", Dtype.F32, new long[] {16}, new Random(2));
    try (HfCheckpoint ckpt = HfCheckpoint.open(t.write(tmp.resolve("mixed")))) {
      assertEquals(Set.of(Dtype.F32, Dtype.BF16), ckpt.dtypes());
    }
  }

  @Test
  void missingExtraMisshapedAndBadDtypeTensors() throws IOException {
    TinyCheckpoint t = TinyCheckpoint.of(TinyCheckpoint.config(), Dtype.F32, 5);
    t.tensors.remove("model.layers.1.mlp.up_proj.weight");
    Path dir = t.write(tmp.resolve("missing"));
    assertOneLine(
        refused(dir),
        dir.resolve("model.safetensors").toString(),
        "tensor 'model.layers.1.mlp.up_proj.weight': missing tensor (expected shape [24, 16] from config.json)");

    t = TinyCheckpoint.of(TinyCheckpoint.config(), Dtype.F32, 5);
    t.put("model.layers.0.mlp.extra.weight", Dtype.F32, new long[] {2, 2}, new Random(1));
    dir = t.write(tmp.resolve("extra"));
    assertOneLine(
        refused(dir),
        "model.safetensors",
        "tensor 'model.layers.0.mlp.extra.weight': unexpected tensor: not a weight of LlamaForCausalLM");

    t = TinyCheckpoint.of(TinyCheckpoint.config(), Dtype.F32, 5);
    t.put("model.layers.2.input_layernorm.weight", Dtype.F32, new long[] {16}, new Random(1));
    dir = t.write(tmp.resolve("layer-beyond"));
    assertOneLine(
        refused(dir),
        "model.safetensors",
        "tensor 'model.layers.2.input_layernorm.weight': unexpected tensor: not a weight of"
            + " LlamaForCausalLM with this config.json (2 layers");

    t = TinyCheckpoint.of(TinyCheckpoint.config(), Dtype.F32, 5);
    t.put("model.layers.0.self_attn.k_proj.weight", Dtype.F32, new long[] {16, 8}, new Random(1));
    dir = t.write(tmp.resolve("shape"));
    assertOneLine(
        refused(dir),
        "model.safetensors",
        "tensor 'model.layers.0.self_attn.k_proj.weight': shape [16, 8], expected [8, 16] from config.json");

    t = TinyCheckpoint.of(TinyCheckpoint.config(), Dtype.F32, 5);
    t.put("model.norm.weight", Dtype.F32, new long[] {1, 16}, new Random(1));
    dir = t.write(tmp.resolve("rank"));
    assertOneLine(
        refused(dir),
        "model.safetensors",
        "tensor 'model.norm.weight': shape [1, 16], expected [16]");

    for (Dtype bad : List.of(Dtype.F64, Dtype.I32, Dtype.F8_E4M3)) {
      t = TinyCheckpoint.of(TinyCheckpoint.config(), Dtype.F32, 5);
      t.putRaw("model.norm.weight", bad, new long[] {16}, new byte[16 * bad.size()]);
      dir = t.write(tmp.resolve("dtype-" + bad));
      assertOneLine(
          refused(dir),
          "model.safetensors",
          "tensor 'model.norm.weight': dtype " + bad
              + " is not supported (supported: BF16, F16, F32)");
    }

    // attention_bias true in config.json but no biases in the file
    ObjectNode biased = TinyCheckpoint.config().put("attention_bias", true);
    t = TinyCheckpoint.of(TinyCheckpoint.config(), Dtype.F32, 5);
    t.config.setAll(biased);
    dir = t.write(tmp.resolve("no-bias"));
    assertOneLine(
        refused(dir),
        "model.safetensors",
        "tensor 'model.layers.0.self_attn.q_proj.bias': missing tensor (expected shape [16]");
  }

  @Test
  void lmHeadInATiedCheckpointFollowsTransformers() throws IOException {
    ObjectNode c = TinyCheckpoint.config().put("tie_word_embeddings", true);
    TinyCheckpoint t = TinyCheckpoint.of(c, Dtype.BF16, 5);
    // equal to the embedding: skipped
    TinyCheckpoint.Entry e = t.tensors.get("model.embed_tokens.weight");
    t.tensors.put(
        "lm_head.weight",
        new TinyCheckpoint.Entry("lm_head.weight", e.dtype(), e.shape(), e.values(), null));
    Path dir = t.write(tmp.resolve("tied-equal"));
    try (HfCheckpoint ckpt = HfCheckpoint.open(dir)) {
      assertTrue(ckpt.config().tieWordEmbeddings());
      assertFalse(ckpt.tensors().stream().anyMatch(x -> x.name().equals("lm_head.weight")));
      assertEquals(1, ckpt.notes().size());
      assertTrue(
          ckpt.notes().get(0).startsWith("lm_head.weight ignored"), ckpt.notes().toString());
      int[] visits = {0};
      ckpt.forEachTensor((x, d) -> visits[0]++);
      assertEquals(ckpt.config().tensors().size(), visits[0], "lm_head.weight is not visited");
    }
    // different: transformers 5 does not tie, nor does mos
    t.put("lm_head.weight", Dtype.BF16, e.shape(), new Random(9));
    dir = t.write(tmp.resolve("tied-different"));
    try (HfCheckpoint ckpt = HfCheckpoint.open(dir)) {
      assertFalse(ckpt.config().tieWordEmbeddings(), "used as an untied output layer");
      assertEquals(LlamaConfig.parse(c.toString()).withTieWordEmbeddings(false), ckpt.config());
      assertTrue(ckpt.tensors().stream().anyMatch(x -> x.name().equals("lm_head.weight")));
      assertTrue(
          ckpt.notes().get(0).contains("differs from model.embed_tokens.weight"),
          ckpt.notes().toString());
    }
    // same values in another dtype count as equal
    t.tensors.put(
        "lm_head.weight",
        new TinyCheckpoint.Entry(
            "lm_head.weight", Dtype.F32, e.shape(), roundedToBf16(e.values()), null));
    try (HfCheckpoint ckpt = HfCheckpoint.open(t.write(tmp.resolve("tied-f32-head")))) {
      assertTrue(ckpt.config().tieWordEmbeddings());
    }
    // misshaped: refused
    t.put("lm_head.weight", Dtype.BF16, new long[] {31, 16}, new Random(9));
    assertOneLine(
        refused(t.write(tmp.resolve("tied-shape"))),
        "model.safetensors",
        "tensor 'lm_head.weight': shape [31, 16], expected [32, 16]");
  }

  private static float[] roundedToBf16(float[] v) {
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) out[i] = org.mos.Bf16.round(v[i]);
    return out;
  }

  @Test
  void oldRotaryBuffersAreSkipped() throws IOException {
    TinyCheckpoint t = TinyCheckpoint.of(TinyCheckpoint.config(), Dtype.F32, 5);
    for (int i = 0; i < 2; i++) {
      t.put(
          "model.layers." + i + ".self_attn.rotary_emb.inv_freq",
          Dtype.F32,
          new long[] {2},
          new Random(i));
    }
    try (HfCheckpoint ckpt = HfCheckpoint.open(t.write(tmp.resolve("inv-freq")))) {
      assertEquals(
          List.of("2 rotary_emb.inv_freq buffers ignored: RoPE is computed from config.json"
              + " (transformers ignores them too)"),
          ckpt.notes());
    }
    t.put("model.layers.2.self_attn.rotary_emb.inv_freq", Dtype.F32, new long[] {2}, new Random(1));
    assertOneLine(
        refused(t.write(tmp.resolve("inv-freq-beyond"))),
        "model.safetensors",
        "tensor 'model.layers.2.self_attn.rotary_emb.inv_freq': unexpected tensor");
  }

  @Test
  void configThatDescribesMoreThanTheFilesHold() throws IOException {
    Path dir = tiny("small");
    ObjectNode c =
        TinyCheckpoint.config().put("num_hidden_layers", 1000).put("vocab_size", 1 << 20);
    Files.writeString(dir.resolve("config.json"), c.toString());
    assertOneLine(
        refused(dir),
        dir.resolve("config.json").toString(),
        "describes 35506448 parameters (at least 71012896 bytes in BF16 or F16), but the"
            + " checkpoint's tensors hold only");
  }

  @Test
  void generationConfigGivesTheEosIds() throws IOException {
    Path dir = tiny("gen");
    Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": [3, 1, 3]}");
    try (HfCheckpoint ckpt = HfCheckpoint.open(dir)) {
      assertEquals(List.of(3, 1), ckpt.eosTokenIds());
      assertEquals(dir.resolve("generation_config.json"), ckpt.eosTokenIdsSource());
    }
    Files.writeString(dir.resolve("generation_config.json"), "{\"bos_token_id\": 0}");
    try (HfCheckpoint ckpt = HfCheckpoint.open(dir)) {
      assertEquals(List.of(), ckpt.eosTokenIds(), "a generation config is used whole");
    }
    Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": [1, 32]}");
    assertOneLine(
        refused(dir), "generation_config.json", "eos_token_id[1]: value 32 is outside [0, 31]");
    Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": ");
    assertOneLine(refused(dir), "generation_config.json", "not valid JSON");
  }

  @Test
  void directoryProblems() throws IOException {
    assertOneLine(refused(tmp.resolve("none")), "none", "no such directory");
    Path file = Files.writeString(tmp.resolve("file"), "x");
    assertOneLine(refused(file), "file", "not a directory");
    Path dir = tiny("no-weights");
    Files.delete(dir.resolve("model.safetensors"));
    assertOneLine(
        refused(dir),
        dir.toString(),
        "holds neither model.safetensors nor model.safetensors.index.json");
    Files.writeString(dir.resolve("pytorch_model.bin"), "pickle");
    assertOneLine(refused(dir), dir.toString(), "mos reads safetensors only");
    Path noConfig = tiny("no-config");
    Files.delete(noConfig.resolve("config.json"));
    assertOneLine(refused(noConfig), noConfig.resolve("config.json").toString(), "no such file");
    Path subdir = tiny("weights-dir");
    Files.delete(subdir.resolve("model.safetensors"));
    Files.createDirectory(subdir.resolve("model.safetensors"));
    assertOneLine(refused(subdir), "model.safetensors", "not a regular file");
  }

  @Test
  void truncatedAndCorruptFilesSurfaceWithTheirPath() throws IOException {
    Path dir = tiny("truncated");
    Path weights = dir.resolve("model.safetensors");
    try (FileChannel ch = FileChannel.open(weights, StandardOpenOption.WRITE)) {
      ch.truncate(ch.size() - 100);
    }
    assertOneLine(refused(dir), weights.toString(), "truncated file?");

    dir = tiny("corrupt");
    weights = dir.resolve("model.safetensors");
    byte[] b = Files.readAllBytes(weights);
    b[9] = '!'; // inside the JSON header
    Files.write(weights, b);
    assertOneLine(refused(dir), weights.toString(), "header");

    dir = tiny("garbage");
    Files.write(dir.resolve("model.safetensors"), new byte[] {1, 2, 3});
    assertOneLine(refused(dir), dir.resolve("model.safetensors").toString(), "truncated: 3 bytes");

    // cut short after opening: a clear error when the tensor is mapped
    dir = tiny("cut-later");
    Path w = dir.resolve("model.safetensors");
    try (HfCheckpoint ckpt = HfCheckpoint.open(dir)) {
      try (FileChannel ch = FileChannel.open(w, StandardOpenOption.WRITE)) {
        ch.truncate(ch.size() / 2);
      }
      MosFileException e =
          assertThrows(MosFileException.class, () -> ckpt.forEachTensor((t, d) -> {}));
      assertOneLine(e, w.toString(), "the file now holds");
    }
  }

  // ---- sharded -------------------------------------------------------------------------------

  @Test
  void shardedCheckpointsOpenAndVisitEveryShard() throws IOException {
    TinyCheckpoint t = TinyCheckpoint.of(TinyCheckpoint.config(), Dtype.BF16, 5);
    Path dir = tmp.resolve("sharded");
    t.writeSharded(dir, 3);
    try (HfCheckpoint ckpt = HfCheckpoint.open(dir)) {
      assertEquals(3, ckpt.files().size());
      int[] n = {0};
      ckpt.forEachTensor((x, d) -> n[0]++);
      assertEquals(ckpt.config().tensors().size(), n[0]);
      assertEquals(List.of(), ckpt.notes());
    }
    // a single file next to the index wins, as in transformers
    t.write(dir);
    try (HfCheckpoint ckpt = HfCheckpoint.open(dir)) {
      assertEquals(List.of(dir.resolve("model.safetensors")), ckpt.files());
      assertTrue(ckpt.notes().get(0).startsWith("model.safetensors.index.json ignored"));
    }
  }

  private Path sharded(String name, java.util.function.BiConsumer<Path, ObjectNode> breakIt)
      throws IOException {
    TinyCheckpoint t = TinyCheckpoint.of(TinyCheckpoint.config(), Dtype.F32, 5);
    Path dir = tmp.resolve(name);
    ObjectNode index = t.writeSharded(dir, 2);
    breakIt.accept(dir, index);
    TinyCheckpoint.writeIndex(dir, index);
    return dir;
  }

  private static ObjectNode map(ObjectNode index) {
    return (ObjectNode) index.get("weight_map");
  }

  @Test
  void brokenShardIndexes() throws IOException {
    String first = TinyCheckpoint.shardName(0, 2);
    String second = TinyCheckpoint.shardName(1, 2);

    Path dir = sharded("shard-missing", (d, i) -> {
      try {
        Files.delete(d.resolve(second));
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    });
    assertOneLine(
        refused(dir),
        dir.resolve(second).toString(),
        "no such file (named by model.safetensors.index.json)");

    dir = sharded("dotdot", (d, i) -> map(i).put("model.norm.weight", "../" + first));
    assertOneLine(
        refused(dir),
        "model.safetensors.index.json",
        "\"../" + first + "\" leads out of the checkpoint directory (..)");

    dir = sharded("absolute", (d, i) -> map(i).put("model.norm.weight", "/etc/passwd"));
    assertOneLine(
        refused(dir), "model.safetensors.index.json", "\"/etc/passwd\" is an absolute path");

    Path outside = tiny("outside").resolve("model.safetensors");
    dir = sharded("link-out", (d, i) -> {
      try {
        Files.createSymbolicLink(d.resolve("linked.safetensors"), outside);
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
      map(i).put("model.norm.weight", "linked.safetensors");
    });
    assertOneLine(
        refused(dir),
        dir.resolve("linked.safetensors").toString(),
        "is a link to " + outside.toRealPath() + ", outside the checkpoint directory");

    dir = sharded("lacks", (d, i) -> map(i)
        .put(
            "model.norm.weight",
            map(i).get("model.norm.weight").asText().equals(first) ? second : first));
    assertOneLine(
        refused(dir),
        "model.safetensors.index.json",
        "tensor 'model.norm.weight': the weight_map puts it in");

    dir = sharded("unlisted", (d, i) -> map(i).remove("model.norm.weight"));
    assertOneLine(
        refused(dir),
        "model-0000",
        "tensor 'model.norm.weight': not in" + " model.safetensors.index.json's weight_map");

    dir = sharded("not-a-name", (d, i) -> map(i).put("model.norm.weight", 3));
    assertOneLine(
        refused(dir),
        "model.safetensors.index.json",
        "weight_map.model.norm.weight: expected a file name, found the number 3");

    dir = sharded("no-map", (d, i) -> i.remove("weight_map"));
    assertOneLine(
        refused(dir), "model.safetensors.index.json", "weight_map: missing (expected an object)");

    dir = sharded("empty-map", (d, i) -> i.putObject("weight_map"));
    assertOneLine(refused(dir), "model.safetensors.index.json", "weight_map: empty");

    // "./x" is "x"
    dir = sharded("dot-slash", (d, i) -> map(i).put("model.embed_tokens.weight", "./" + first));
    try (HfCheckpoint ckpt = HfCheckpoint.open(dir)) {
      assertEquals(2, ckpt.files().size());
    }

    dir = sharded("bad-json", (d, i) -> {});
    Files.writeString(dir.resolve(HfCheckpoint.INDEX_FILE), "{\"weight_map\": {\"a\": \"b\",}");
    assertOneLine(refused(dir), "model.safetensors.index.json", "not valid JSON");

    dir = sharded("metadata", (d, i) -> i.put("metadata", "x"));
    assertOneLine(refused(dir), "model.safetensors.index.json", "metadata: expected an object");

    // a shard cut short: the reader's error, with the shard's path
    dir = sharded("shard-truncated", (d, i) -> {});
    try (FileChannel ch = FileChannel.open(dir.resolve(first), StandardOpenOption.WRITE)) {
      ch.truncate(ch.size() - 8);
    }
    assertOneLine(refused(dir), dir.resolve(first).toString(), "truncated file?");
  }

  @Test
  void linksInsideTheDirectoryAndTheHubCacheAreFollowed() throws IOException {
    // A file linked from elsewhere in the directory is fine.
    Path dir = tiny("inner-link");
    Files.createDirectory(dir.resolve("store"));
    Files.move(dir.resolve("model.safetensors"), dir.resolve("store/w.safetensors"));
    Files.createSymbolicLink(dir.resolve("model.safetensors"), Path.of("store/w.safetensors"));
    try (HfCheckpoint ckpt = HfCheckpoint.open(dir)) {
      assertEquals(ckpt.config().tensors().size(), ckpt.tensors().size());
    }

    // The hub cache: models--org--name/snapshots/<rev>/file -> ../../blobs/<hash>
    Path repo = tmp.resolve("hub/models--org--tiny");
    Path snapshot = Files.createDirectories(repo.resolve("snapshots/0123abcd"));
    Path blobs = Files.createDirectories(repo.resolve("blobs"));
    Path src = tiny("hub-src");
    int k = 0;
    for (String f : List.of("config.json", "model.safetensors")) {
      Files.move(src.resolve(f), blobs.resolve("blob" + k));
      Files.createSymbolicLink(snapshot.resolve(f), Path.of("../../blobs/blob" + k));
      k++;
    }
    try (HfCheckpoint ckpt = HfCheckpoint.open(snapshot)) {
      assertEquals(ckpt.config().tensors().size(), ckpt.tensors().size());
    }
    // ... but not a link from a snapshot to anywhere else
    Files.delete(snapshot.resolve("model.safetensors"));
    Path elsewhere = tiny("elsewhere").resolve("model.safetensors");
    Files.createSymbolicLink(snapshot.resolve("model.safetensors"), elsewhere);
    assertOneLine(refused(snapshot), "model.safetensors", "outside the checkpoint directory");
    // and a dangling link is reported as such
    Files.delete(snapshot.resolve("model.safetensors"));
    Files.createSymbolicLink(snapshot.resolve("model.safetensors"), Path.of("../../blobs/none"));
    assertOneLine(refused(snapshot), "model.safetensors", "a link to nowhere");
  }
}
