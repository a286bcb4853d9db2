// SPDX-License-Identifier: Apache-2.0
// LlamaConfig against what Hugging Face transformers 5.17 wrote and computed: the config.json of
// the checkpoints in tests/fixtures/hf (names and shapes of the tensors transformers saved, the
// index's total_parameters and total_size), and public models' configs (tests/fixtures/hf/configs:
// the transformers 4 file and transformers' own re-save in its v5 format must give equal records;
// num_parameters() of the model transformers built; its RoPE, head_dim, KV heads and biases).
// Then every hostile or unsupported value: a one-line MosFileException naming file, key, value.
package org.mos.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mos.MosException;
import org.mos.io.MosFileException;
import org.mos.io.SafeTensors.Dtype;
import org.mos.io.SafeTensors.TensorInfo;
import org.mos.io.SafeTensorsReader;
import org.mos.llm.LlamaConfig.Architecture;
import org.mos.llm.LlamaConfig.Rope;
import org.mos.llm.LlamaConfig.RopeType;

class LlamaConfigTest {
  @TempDir
  Path tmp;

  static Path fixtures() {
    Path p = Path.of(System.getProperty("mos.hf.fixtures", "../tests/fixtures/hf"));
    assertTrue(Files.isDirectory(p), "fixture directory missing: " + p.toAbsolutePath());
    return p;
  }

  static JsonNode json(Path file) throws IOException {
    return TinyCheckpoint.JSON.readTree(file.toFile());
  }

  // ---- the checkpoints transformers wrote ----------------------------------------------------

  @Test
  void readsTheFixtureConfigsAsWritten() {
    LlamaConfig gqa = LlamaConfig.read(fixtures().resolve("llama-gqa-f32/config.json"));
    assertEquals(
        new LlamaConfig(
            Architecture.LLAMA,
            384,
            64,
            160,
            3,
            4,
            2,
            16,
            256,
            1e-5,
            Rope.of(10000.0),
            false,
            false,
            false,
            Optional.of(Dtype.F32),
            OptionalInt.of(0),
            List.of(1)),
        gqa);

    LlamaConfig tied = LlamaConfig.read(fixtures().resolve("llama-tied-bf16-sharded/config.json"));
    assertEquals(
        new LlamaConfig(
            Architecture.LLAMA,
            300,
            48,
            128,
            4,
            6,
            1,
            8,
            512,
            1e-6,
            Rope.llama3(500000.0, 8.0, 1.0, 4.0, 32),
            false,
            false,
            true,
            Optional.of(Dtype.BF16),
            OptionalInt.of(1),
            List.of(2, 7)),
        tied);

    LlamaConfig bias = LlamaConfig.read(fixtures().resolve("llama-bias-headdim-f32/config.json"));
    assertEquals(
        new LlamaConfig(
            Architecture.LLAMA,
            256,
            64,
            96,
            2,
            4,
            2,
            24,
            128,
            1e-5,
            Rope.of(10000.0),
            true,
            true,
            false,
            Optional.of(Dtype.F32),
            OptionalInt.of(0),
            List.of(1)),
        bias);
    assertEquals(96, bias.qDim(), "head_dim 24 x 4 heads, not hidden_size");
    assertEquals(48, bias.kvDim());
  }

  /** The tensors transformers saved are exactly the ones the config lists, with those shapes. */
  @ParameterizedTest
  @ValueSource(strings = {"llama-gqa-f32", "llama-tied-bf16-sharded", "llama-bias-headdim-f32"})
  void tensorListIsWhatTransformersSaved(String name) throws IOException {
    Path dir = fixtures().resolve(name);
    LlamaConfig config = LlamaConfig.read(dir.resolve("config.json"));
    Set<String> saved = new HashSet<>();
    long savedElements = 0;
    long savedBytes = 0;
    try (var files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".safetensors")).toList()) {
        try (SafeTensorsReader r = SafeTensorsReader.open(f)) {
          for (TensorInfo t : r.tensors()) {
            saved.add(t.name());
            savedElements += t.numElements();
            savedBytes += t.byteSize();
            LlamaConfig.TensorSpec spec = config.tensors().stream()
                .filter(s -> s.name().equals(t.name()))
                .findFirst()
                .orElseThrow(() -> new AssertionError(
                    name + ": saved tensor " + t.name() + " is not in the config's list"));
            assertEquals(
                List.of(t.shape()[0], t.shape().length == 2 ? t.shape()[1] : -1L),
                List.of(
                    spec.shape().get(0), spec.shape().size() == 2 ? spec.shape().get(1) : -1L),
                t.name());
          }
        }
      }
    }
    Set<String> listed = new HashSet<>();
    config.tensors().forEach(t -> listed.add(t.name()));
    assertEquals(saved, listed, name + ": tensor names");
    assertEquals(savedElements, config.parameterCount(), name + ": parameters");
    Dtype storage = config.dtype().orElseThrow();
    assertEquals(savedBytes, config.bytes(storage), name + ": bytes in " + storage);
  }

  @Test
  void parameterCountAndBytesMatchTheShardIndex() throws IOException {
    Path dir = fixtures().resolve("llama-tied-bf16-sharded");
    JsonNode meta = json(dir.resolve("model.safetensors.index.json")).get("metadata");
    LlamaConfig c = LlamaConfig.read(dir.resolve("config.json"));
    assertEquals(meta.get("total_parameters").asLong(), c.parameterCount());
    assertEquals(meta.get("total_size").asLong(), c.bytes(Dtype.BF16));
    assertEquals(2 * c.bytes(Dtype.BF16), c.bytes(Dtype.F32));
    assertEquals(c.bytes(Dtype.BF16), c.bytes(Dtype.F16));
    // decoder storage: matrices in the weight dtype, vectors (4 x 2 + 1 norms of 48) in f32
    long vectors = (4 * 2 + 1) * 48;
    assertEquals(2 * (c.parameterCount() - vectors) + 4 * vectors, c.decoderBytes(Dtype.BF16));
    assertEquals(c.bytes(Dtype.F32), c.decoderBytes(Dtype.F32));
    assertThrows(MosException.class, () -> c.decoderBytes(Dtype.F16));
    assertThrows(MosException.class, () -> c.bytes(Dtype.I32));
  }

  /** The fixtures' configs rewritten by hand in the transformers 4 format read the same. */
  @ParameterizedTest
  @ValueSource(strings = {"llama-gqa-f32", "llama-tied-bf16-sharded", "llama-bias-headdim-f32"})
  void legacyFormatOfTheFixturesReadsTheSame(String name) throws IOException {
    ObjectNode v5 = (ObjectNode) json(fixtures().resolve(name).resolve("config.json"));
    LlamaConfig want = LlamaConfig.parse(v5.toString());
    for (boolean oldTypeKey : new boolean[] {false, true}) {
      ObjectNode legacy = v5.deepCopy();
      ObjectNode rope = (ObjectNode) legacy.remove("rope_parameters");
      legacy.set("rope_theta", rope.remove("rope_theta"));
      String type = rope.remove("rope_type").asText();
      if (type.equals("default")) {
        legacy.putNull("rope_scaling");
      } else {
        rope.put(oldTypeKey ? "type" : "rope_type", type);
        legacy.set("rope_scaling", rope);
      }
      legacy.set("torch_dtype", legacy.remove("dtype"));
      legacy.put("transformers_version", "4.45.0");
      assertEquals(want, LlamaConfig.parse(legacy.toString()), name + " " + legacy);
    }
  }

  // ---- public models' configs, transformers 4 file vs transformers 5's re-save --------------

  @ParameterizedTest
  @ValueSource(strings = {"llama-3.2-1b", "smollm2-135m", "qwen2.5-0.5b", "mistral-7b-v0.3"})
  void publicConfigsInBothFormatsAgreeWithTransformers(String name) throws IOException {
    Path dir = fixtures().resolve("configs");
    JsonNode want = json(dir.resolve("expected.json")).get(name);
    LlamaConfig legacy = LlamaConfig.read(dir.resolve(name + ".legacy.json"));
    LlamaConfig v5 = LlamaConfig.read(dir.resolve(name + ".v5.json"));
    assertEquals(legacy, v5, name + ": the two formats");
    assertEquals(want.get("num_parameters").asLong(), v5.parameterCount(), name + ": parameters");
    assertEquals(want.get("head_dim").asInt(), v5.headDim(), name);
    assertEquals(want.get("num_key_value_heads").asInt(), v5.numKvHeads(), name);
    JsonNode biases = want.get("attention_biases");
    assertEquals(biases.get("q_proj").asBoolean(), v5.qkvBias(), name + " q/k/v bias");
    assertEquals(biases.get("k_proj").asBoolean(), v5.qkvBias(), name);
    assertEquals(biases.get("o_proj").asBoolean(), v5.oBias(), name + " o bias");
    JsonNode rope = want.get("rope_parameters");
    assertEquals(rope.get("rope_type").asText().toUpperCase(), v5.rope().type().name(), name);
    assertEquals(rope.get("rope_theta").asDouble(), v5.rope().theta(), name);
    if (v5.rope().type() == RopeType.LLAMA3) {
      assertEquals(rope.get("factor").asDouble(), v5.rope().factor());
      assertEquals(rope.get("low_freq_factor").asDouble(), v5.rope().lowFreqFactor());
      assertEquals(rope.get("high_freq_factor").asDouble(), v5.rope().highFreqFactor());
      assertEquals(
          rope.get("original_max_position_embeddings").asInt(), v5.rope().originalMaxPositions());
    }
    assertTrue(want.get("sliding_window").isNull(), name);
  }

  @Test
  void mistralWithASlidingWindowIsRefusedInBothFormats() throws IOException {
    Path dir = fixtures().resolve("configs");
    assertEquals(
        4096,
        json(dir.resolve("expected.json"))
            .get("mistral-7b-v0.1")
            .get("sliding_window")
            .asInt(),
        "transformers applies a 4096-token window");
    for (String f : List.of("mistral-7b-v0.1.legacy.json", "mistral-7b-v0.1.v5.json")) {
      MosFileException e =
          assertThrows(MosFileException.class, () -> LlamaConfig.read(dir.resolve(f)));
      assertOneLine(e, f, "sliding_window: 4096 is below max_position_embeddings 32768");
    }
  }

  // ---- defaults and variants ----------------------------------------------------------------

  @Test
  void missingKeysTakeTransformersDefaults() {
    ObjectNode c = TinyCheckpoint.config();
    for (String k : List.of(
        "num_key_value_heads",
        "head_dim",
        "rms_norm_eps",
        "rope_parameters",
        "tie_word_embeddings",
        "attention_bias",
        "mlp_bias",
        "hidden_act",
        "bos_token_id",
        "eos_token_id",
        "max_position_embeddings",
        "dtype",
        "architectures")) {
      c.remove(k);
    }
    LlamaConfig d = LlamaConfig.parse(c.toString());
    assertEquals(4, d.numKvHeads(), "num_key_value_heads = num_attention_heads");
    assertEquals(4, d.headDim(), "hidden_size / num_attention_heads");
    assertEquals(1e-6, d.rmsNormEps());
    assertEquals(Rope.of(10000.0), d.rope());
    assertEquals(2048, d.maxPositions());
    assertEquals(OptionalInt.of(1), d.bosTokenId());
    assertEquals(List.of(2), d.eosTokenIds());
    assertFalse(d.tieWordEmbeddings() || d.qkvBias() || d.oBias());
    assertEquals(Optional.empty(), d.dtype());

    c.putNull("bos_token_id").putNull("eos_token_id").putNull("num_key_value_heads");
    LlamaConfig n = LlamaConfig.parse(c.toString());
    assertEquals(OptionalInt.empty(), n.bosTokenId());
    assertEquals(List.of(), n.eosTokenIds());
    assertEquals(4, n.numKvHeads());

    // llama3 without original_max_position_embeddings: transformers takes the model's
    c.putObject("rope_parameters")
        .put("rope_type", "llama3")
        .put("factor", 8)
        .put("low_freq_factor", 1)
        .put("high_freq_factor", 4)
        .put("rope_theta", 500000);
    assertEquals(
        Rope.llama3(500000, 8, 1, 4, 2048), LlamaConfig.parse(c.toString()).rope());
  }

  @Test
  void ropePrecedenceFollowsTransformers() {
    ObjectNode c = TinyCheckpoint.config();
    c.put("rope_theta", 1234.0); // the dict's rope_theta wins over the top-level one
    assertEquals(10000.0, LlamaConfig.parse(c.toString()).rope().theta());
    ((ObjectNode) c.get("rope_parameters")).remove("rope_theta");
    assertEquals(1234.0, LlamaConfig.parse(c.toString()).rope().theta());
    // a non-empty rope_scaling wins over rope_parameters; an empty or null one does not
    c.putObject("rope_scaling")
        .put("type", "llama3")
        .put("factor", 2)
        .put("low_freq_factor", 1)
        .put("high_freq_factor", 2)
        .put("original_max_position_embeddings", 16);
    assertEquals(
        Rope.llama3(1234.0, 2, 1, 2, 16), LlamaConfig.parse(c.toString()).rope());
    c.putObject("rope_scaling");
    assertEquals(Rope.of(1234.0), LlamaConfig.parse(c.toString()).rope());
    // "rope_type" wins over the older "type"
    ((ObjectNode) c.get("rope_parameters")).put("type", "yarn");
    assertEquals(RopeType.DEFAULT, LlamaConfig.parse(c.toString()).rope().type());
    // partial_rotary_factor 1.0 changes nothing; harmless keys of other rope types are ignored
    ((ObjectNode) c.get("rope_parameters")).put("partial_rotary_factor", 1.0).put("beta_fast", 32);
    c.put("partial_rotary_factor", 1);
    assertEquals(RopeType.DEFAULT, LlamaConfig.parse(c.toString()).rope().type());
  }

  @Test
  void qwen2AndMistralVariants() {
    ObjectNode q = TinyCheckpoint.config();
    q.put("model_type", "qwen2").putArray("architectures").add("Qwen2ForCausalLM");
    q.remove("attention_bias");
    q.put("use_sliding_window", false).put("sliding_window", 16).put("max_window_layers", 0);
    LlamaConfig qwen = LlamaConfig.parse(q.toString());
    assertEquals(Architecture.QWEN2, qwen.architecture());
    assertTrue(qwen.qkvBias() && !qwen.oBias(), "q/k/v biases, no o bias");
    assertTrue(qwen.tensors().stream()
        .anyMatch(t -> t.name().equals("model.layers.1.self_attn.k_proj.bias")
            && t.shape().equals(List.of(8L))));
    assertFalse(qwen.tensors().stream().anyMatch(t -> t.name().endsWith("o_proj.bias")));
    q.put("use_sliding_window", true).put("max_window_layers", 2); // no layer reaches it
    assertEquals(qwen, LlamaConfig.parse(q.toString()));
    q.put("sliding_window", 64); // window >= positions
    q.put("max_window_layers", 0);
    assertEquals(qwen, LlamaConfig.parse(q.toString()));
    q.put("sliding_window", 16);
    assertRefused(
        q,
        "use_sliding_window: true with sliding_window 16 below"
            + " max_position_embeddings 64 (from layer 0)");
    q.putArray("layer_types").add("full_attention").add("sliding_attention");
    assertRefused(q, "(from layer 1): sliding-window attention is not supported");
    q.remove("model_type"); // architectures alone
    q.put("use_sliding_window", false);
    assertEquals(Architecture.QWEN2, LlamaConfig.parse(q.toString()).architecture());

    ObjectNode m = TinyCheckpoint.config();
    m.put("model_type", "mistral").putArray("architectures").add("MistralForCausalLM");
    m.putNull("sliding_window");
    LlamaConfig mistral = LlamaConfig.parse(m.toString());
    assertEquals(Architecture.MISTRAL, mistral.architecture());
    m.put("sliding_window", 64);
    assertEquals(mistral, LlamaConfig.parse(m.toString()));
    m.put("sliding_window", 63);
    assertRefused(m, "sliding_window: 63 is below max_position_embeddings 64");
    m.remove("sliding_window");
    assertEquals(mistral, LlamaConfig.parse(m.toString()), "transformers' 4096 >= 64 positions");
    m.put("max_position_embeddings", 8192);
    assertRefused(
        m,
        "sliding_window: 4096 (the key is absent: MistralForCausalLM's default) is"
            + " below max_position_embeddings 8192");
  }

  @Test
  void pretrainingTpAndHarmlessKeysAreIgnored() {
    ObjectNode c = TinyCheckpoint.config();
    LlamaConfig want = LlamaConfig.parse(c.toString());
    c.put("pretraining_tp", 8)
        .put("use_cache", false)
        .put("initializer_range", 0.5)
        .put("attention_dropout", 0.1)
        .put("pad_token_id", -1)
        .put("some_future_key", "x")
        .putNull("rope_scaling")
        .putNull("quantization_config");
    c.putArray("architectures").add("LLaMAForCausalLM"); // early conversions' spelling
    c.putObject("nested_future_key").putArray("a").add(1);
    assertEquals(want, LlamaConfig.parse(c.toString()));
  }

  // ---- refusals -----------------------------------------------------------------------------

  static void assertOneLine(MosFileException e, String file, String fragment) {
    String m = e.getMessage();
    assertTrue(m.contains(file), "names the file " + file + ": " + m);
    assertTrue(m.contains(fragment), "says \"" + fragment + "\": " + m);
    assertFalse(m.contains("\n") || m.contains("\r"), "one line: " + m);
  }

  private void assertRefused(ObjectNode config, String fragment) {
    MosFileException e =
        assertThrows(MosFileException.class, () -> LlamaConfig.parse(config.toString()), fragment);
    assertOneLine(e, "config.json", fragment);
  }

  private void refused(Consumer<ObjectNode> change, String fragment) {
    ObjectNode c = TinyCheckpoint.config();
    change.accept(c);
    assertRefused(c, fragment);
  }

  @Test
  void unsupportedValuesAreRefusedNamingKeyAndValue() {
    refused(
        c -> ((ObjectNode) c.get("rope_parameters")).put("rope_type", "yarn"),
        "rope_parameters.rope_type: \"yarn\" is not supported (supported: default, llama3)");
    refused(
        c -> {
          c.remove("rope_parameters");
          c.put("rope_theta", 10000.0)
              .putObject("rope_scaling")
              .put("type", "linear")
              .put("factor", 2);
        },
        "rope_scaling.type: \"linear\" is not supported (supported: default, llama3)");
    refused(
        c -> c.put("hidden_act", "gelu"),
        "hidden_act: \"gelu\" is not supported (supported: silu)");
    refused(c -> c.put("mlp_bias", true), "mlp_bias: true is not supported");
    refused(c -> c.put("model_type", "gpt2"), "model_type: \"gpt2\" is not supported");
    refused(
        c -> c.putArray("architectures").add("LlamaForSequenceClassification"),
        "architectures: [\"LlamaForSequenceClassification\"] is not supported");
    refused(
        c -> c.putArray("architectures").add("LlamaForCausalLM").add("X"),
        "architectures: [\"LlamaForCausalLM\",\"X\"] is not supported");
    refused(
        c -> c.putArray("architectures").add("Qwen2ForCausalLM"),
        "architectures: Qwen2ForCausalLM does not match model_type \"llama\"");
    refused(
        c -> {
          c.remove("model_type");
          c.remove("architectures");
        },
        "model_type: missing, and so is architectures");
    refused(
        c -> c.putObject("quantization_config").put("quant_method", "gptq"),
        "quantization_config: quantized checkpoints are not supported");
    refused(c -> c.put("dtype", "int8"), "dtype: \"int8\" is not supported");
    refused(
        c -> {
          c.remove("dtype");
          c.put("torch_dtype", "float64");
        },
        "torch_dtype: \"float64\" is not supported");
    refused(
        c -> c.put("partial_rotary_factor", 0.5), "partial_rotary_factor: 0.5 is not supported");
    refused(
        c -> ((ObjectNode) c.get("rope_parameters")).put("partial_rotary_factor", 0.25),
        "rope_parameters.partial_rotary_factor: 0.25 is not supported");
    refused(
        c -> c.putObject("rope_parameters").putObject("full_attention").put("rope_type", "default"),
        "rope_parameters.full_attention: per-layer RoPE parameters are not supported");
    refused(
        c -> c.putObject("rope_parameters")
            .put("rope_type", "llama3")
            .put("low_freq_factor", 1)
            .put("high_freq_factor", 4),
        "rope_parameters.factor: missing (required by rope_type llama3)");
    refused(
        c -> c.putObject("rope_parameters")
            .put("rope_type", "llama3")
            .put("factor", 8)
            .put("low_freq_factor", 4)
            .put("high_freq_factor", 4),
        "rope_parameters.high_freq_factor: 4.0 must be above low_freq_factor 4.0");
    refused(
        c -> c.putObject("rope_parameters")
            .put("rope_type", "llama3")
            .put("factor", -8)
            .put("low_freq_factor", 1)
            .put("high_freq_factor", 4),
        "rope_parameters.factor: -8.0 is not a positive finite float");
    refused(
        c -> c.put("rope_scaling", "llama3"),
        "rope_scaling: expected an object or null, found a string");
  }

  @Test
  void hostileValuesAreRefusedBeforeAnythingIsSized() {
    refused(
        c -> c.put("num_hidden_layers", 1_000_000_000_000L),
        "num_hidden_layers: value 1000000000000 is outside [1, 1024]");
    refused(c -> c.put("hidden_size", -64), "hidden_size: value -64 is outside [1, 65536]");
    refused(c -> c.put("vocab_size", 0), "vocab_size: value 0 is outside");
    refused(c -> c.put("hidden_size", "64"), "hidden_size: expected an integer, found a string");
    refused(
        c -> c.put("hidden_size", 64.5), "hidden_size: expected an integer, found the number 64.5");
    refused(
        c -> c.put("vocab_size", 1e30), "vocab_size: expected an integer, found the number 1.0E30");
    refused(
        c -> c.put("vocab_size", new java.math.BigInteger("99999999999999999999999")),
        "vocab_size: value 99999999999999999999999 is outside");
    refused(c -> c.remove("intermediate_size"), "intermediate_size: missing (expected an integer");
    refused(
        c -> c.put("num_key_value_heads", 3),
        "num_key_value_heads: 3 does not divide num_attention_heads 4");
    refused(c -> c.put("num_key_value_heads", 8), "num_key_value_heads: 8 does not divide");
    refused(c -> c.put("head_dim", 5), "head_dim: 5 is odd");
    refused(c -> c.put("head_dim", 100_000), "head_dim: value 100000 is outside [2, 1024]");
    refused(
        c -> {
          c.remove("head_dim");
          c.put("num_attention_heads", 3).put("num_key_value_heads", 3);
        },
        "hidden_size: 16 is not a multiple of num_attention_heads 3, and head_dim is not given");
    refused(c -> c.put("rms_norm_eps", 0), "rms_norm_eps: 0.0 is not a positive finite float");
    refused(
        c -> c.put("rms_norm_eps", 1e-60), "rms_norm_eps: 1.0E-60 is not a positive finite float");
    refused(c -> c.put("rms_norm_eps", "1e-5"), "rms_norm_eps: expected a number, found a string");
    refused(c -> c.put("rms_norm_eps", new java.math.BigDecimal("1e400")), "rms_norm_eps: value");
    refused(
        c -> ((ObjectNode) c.get("rope_parameters")).put("rope_theta", 1e300),
        "rope_parameters.rope_theta: 1.0E300 is not a positive finite float");
    refused(c -> c.put("max_position_embeddings", 1L << 40), "max_position_embeddings: value");
    refused(c -> c.put("eos_token_id", 32), "eos_token_id: value 32 is outside [0, 31]");
    refused(c -> c.putArray("eos_token_id").add(1).add(-2), "eos_token_id[1]: value -2 is outside");
    refused(c -> c.put("eos_token_id", "1"), "eos_token_id: expected an integer, found a string");
    refused(c -> c.put("bos_token_id", -1), "bos_token_id: value -1 is outside [0, 31]");
    refused(
        c -> c.put("tie_word_embeddings", "yes"), "tie_word_embeddings: expected true or false");
    // every size at its limit: more parameters than any file could hold
    refused(
        c -> c.put("vocab_size", LlamaConfig.MAX_VOCAB)
            .put("hidden_size", LlamaConfig.MAX_HIDDEN)
            .put("intermediate_size", LlamaConfig.MAX_INTERMEDIATE)
            .put("num_hidden_layers", LlamaConfig.MAX_LAYERS)
            .put("num_attention_heads", 1024)
            .put("num_key_value_heads", 1024)
            .put("head_dim", 1024),
        "parameters, more than the limit of 1,099,511,627,776");
  }

  @Test
  void hostileFilesAreRefused() throws IOException {
    Path f = tmp.resolve("config.json");
    Files.writeString(f, "[".repeat(100_000) + "]".repeat(100_000));
    assertOneLine(
        assertThrows(MosFileException.class, () -> LlamaConfig.read(f)),
        f.toString(),
        "not valid JSON");
    Files.writeString(f, "{\"a\": " + "{\"b\": ".repeat(5000) + "1" + "}".repeat(5001));
    assertOneLine(
        assertThrows(MosFileException.class, () -> LlamaConfig.read(f)),
        f.toString(),
        "nesting depth");
    Files.writeString(f, "{\"hidden_size\": 1" + "0".repeat(100_000) + "}");
    assertOneLine(
        assertThrows(MosFileException.class, () -> LlamaConfig.read(f)),
        f.toString(),
        "not valid JSON");
    Files.write(f, new byte[(int) LlamaConfig.MAX_CONFIG_BYTES + 1]);
    assertOneLine(
        assertThrows(MosFileException.class, () -> LlamaConfig.read(f)),
        f.toString(),
        "too large for a model config");
    Files.writeString(f, "{\"hidden_size\": 16, \"hidden_size\": 32}");
    assertOneLine(
        assertThrows(MosFileException.class, () -> LlamaConfig.read(f)),
        f.toString(),
        "Duplicate field 'hidden_size'");
    Files.writeString(f, TinyCheckpoint.config() + " {}");
    assertOneLine(
        assertThrows(MosFileException.class, () -> LlamaConfig.read(f)),
        f.toString(),
        "not valid JSON");
    Files.writeString(f, "[]");
    assertOneLine(
        assertThrows(MosFileException.class, () -> LlamaConfig.read(f)),
        f.toString(),
        "expected a JSON object at the top, found an array");
    Files.writeString(f, "");
    assertOneLine(
        assertThrows(MosFileException.class, () -> LlamaConfig.read(f)), f.toString(), "empty");
    assertOneLine(
        assertThrows(MosFileException.class, () -> LlamaConfig.read(tmp.resolve("nope.json"))),
        "nope.json",
        "no such file");
    assertOneLine(
        assertThrows(MosFileException.class, () -> LlamaConfig.read(tmp)),
        tmp.toString(),
        "not a regular file");
  }

  @Test
  void constructorChecksTheRulesToo() {
    LlamaConfig ok = LlamaConfig.parse(TinyCheckpoint.config().toString());
    MosException e = assertThrows(
        MosException.class,
        () -> new LlamaConfig(
            ok.architecture(),
            ok.vocabSize(),
            ok.hiddenSize(),
            ok.intermediateSize(),
            ok.numLayers(),
            ok.numHeads(),
            3,
            ok.headDim(),
            ok.maxPositions(),
            ok.rmsNormEps(),
            ok.rope(),
            false,
            false,
            false,
            ok.dtype(),
            ok.bosTokenId(),
            ok.eosTokenIds()));
    assertTrue(e.getMessage().contains("num_key_value_heads 3 does not divide"), e.getMessage());
    e = assertThrows(
        MosException.class,
        () -> new LlamaConfig(
            Architecture.QWEN2,
            ok.vocabSize(),
            ok.hiddenSize(),
            ok.intermediateSize(),
            ok.numLayers(),
            ok.numHeads(),
            ok.numKvHeads(),
            ok.headDim(),
            ok.maxPositions(),
            ok.rmsNormEps(),
            ok.rope(),
            true,
            true,
            false,
            ok.dtype(),
            ok.bosTokenId(),
            ok.eosTokenIds()));
    assertTrue(e.getMessage().contains("none on o_proj"), e.getMessage());
    e = assertThrows(MosException.class, () -> new Rope(RopeType.LLAMA3, 1e4, 8, 4, 1, 8192));
    assertTrue(
        e.getMessage().contains("high_freq_factor 1.0 must be finite and above"), e.getMessage());
    e = assertThrows(MosException.class, () -> new Rope(RopeType.DEFAULT, 1e4, 8, 0, 0, 0));
    assertTrue(e.getMessage().contains("rope_type default takes no factor"), e.getMessage());
    assertEquals(ok, ok.withTieWordEmbeddings(true).withTieWordEmbeddings(false));
  }
}
