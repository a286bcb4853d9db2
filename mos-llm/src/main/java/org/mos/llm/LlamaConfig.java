// SPDX-License-Identifier: Apache-2.0
// LlamaConfig: the architecture of a Hugging Face LlamaForCausalLM (or Qwen2 / Mistral) checkpoint,
// read strictly from config.json in either format transformers writes, with its tensor list.
package org.mos.llm;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.mos.MosException;
import org.mos.Status;
import org.mos.io.MosFileException;
import org.mos.io.SafeTensors.Dtype;
import org.mos.llm.internal.GenerationIds;
import org.mos.llm.internal.JsonFile;

/**
 * The architecture of a decoder checkpoint, as Hugging Face transformers'
 * {@code LlamaForCausalLM} (and its close relatives {@code Qwen2ForCausalLM} and
 * {@code MistralForCausalLM}) read it from {@code config.json}: token embedding, {@code numLayers}
 * blocks of RMSNorm, grouped-query attention with RoPE and a SwiGLU MLP, a final RMSNorm and the
 * output layer. Every field maps one-to-one onto libmos's decoder configuration.
 *
 * <p>{@link #read} and {@link #parse} accept both formats real checkpoints use: transformers 4's
 * {@code rope_theta} + {@code rope_scaling} + {@code torch_dtype}, and transformers 5's
 * {@code rope_parameters} + {@code dtype}. Missing keys take transformers' defaults for the
 * model type; the five sizes ({@code vocab_size}, {@code hidden_size}, {@code intermediate_size},
 * {@code num_hidden_layers}, {@code num_attention_heads}) must be given. Keys that do not change
 * the maths ({@code initializer_range}, {@code use_cache}, {@code pretraining_tp},
 * {@code attention_dropout}, {@code pad_token_id}, ...) and unknown keys are ignored; a value
 * this class cannot honour ({@code hidden_act} other than silu, {@code mlp_bias} true, a RoPE
 * type other than default or llama3, sliding-window attention, quantization) is refused with a
 * {@link MosFileException} naming the file, the key and the value. See docs/llm.md
 * ("Checkpoints").
 *
 * <p>The compact constructor checks every rule below and the limits ({@link #MAX_VOCAB} ...
 * {@link #MAX_PARAMETERS}), so a hostile file is refused before anything is sized from it.
 *
 * {@snippet :
 * LlamaConfig c = LlamaConfig.read(Path.of("SmolLM2-135M/config.json"));
 * long n = c.parameterCount();                       // 134,515,008
 * for (LlamaConfig.TensorSpec t : c.tensors()) System.out.println(t);
 * }
 *
 * @param architecture the model family ({@code model_type} / {@code architectures})
 * @param vocabSize {@code vocab_size}: rows of the embedding and the output layer. 1 to
 *     {@link #MAX_VOCAB}
 * @param hiddenSize {@code hidden_size}. 1 to {@link #MAX_HIDDEN}
 * @param intermediateSize {@code intermediate_size}: the MLP's width. 1 to {@link #MAX_INTERMEDIATE}
 * @param numLayers {@code num_hidden_layers}. 1 to {@link #MAX_LAYERS}
 * @param numHeads {@code num_attention_heads}. 1 to {@link #MAX_HEADS}
 * @param numKvHeads {@code num_key_value_heads} (grouped-query attention; default: Llama
 *     {@code num_attention_heads}, Qwen2 32, Mistral 8, as transformers). Divides numHeads
 * @param headDim {@code head_dim}, or hidden_size / num_attention_heads when not given (then it
 *     must divide exactly). Even, 2 to {@link #MAX_HEAD_DIM}
 * @param maxPositions {@code max_position_embeddings} (default: Llama 2048, Qwen2 32768, Mistral
 *     131072). At least 1
 * @param rmsNormEps {@code rms_norm_eps} (default 1e-6). Positive, also as a float
 * @param rope the rotary embedding ({@code rope_parameters} or {@code rope_theta} /
 *     {@code rope_scaling})
 * @param qkvBias whether q/k/v_proj have biases: Llama {@code attention_bias}, always for Qwen2,
 *     never for Mistral
 * @param oBias whether o_proj has a bias: Llama {@code attention_bias}, never for Qwen2 and
 *     Mistral
 * @param tieWordEmbeddings {@code tie_word_embeddings} (default false): the output layer is the
 *     embedding, and there is no {@code lm_head.weight}
 * @param dtype {@code dtype} (or the older {@code torch_dtype}): the dtype the checkpoint was
 *     saved in, if the file says (F32, BF16 or F16). Informative only: each tensor's own dtype
 *     is what is read
 * @param bosTokenId {@code bos_token_id} (default: Llama and Mistral 1, Qwen2 none), in
 *     [0, vocabSize)
 * @param eosTokenIds {@code eos_token_id}, an id or a list (default: Llama and Mistral [2], Qwen2
 *     none), each in [0, vocabSize)
 */
public record LlamaConfig(
    Architecture architecture,
    int vocabSize,
    int hiddenSize,
    int intermediateSize,
    int numLayers,
    int numHeads,
    int numKvHeads,
    int headDim,
    int maxPositions,
    double rmsNormEps,
    Rope rope,
    boolean qkvBias,
    boolean oBias,
    boolean tieWordEmbeddings,
    Optional<Dtype> dtype,
    OptionalInt bosTokenId,
    List<Integer> eosTokenIds) {

  /** Largest {@code vocab_size} accepted (token ids are below 2^24 throughout mos-llm). */
  public static final int MAX_VOCAB = 1 << 24;
  /** Largest {@code hidden_size} accepted (Llama 3.1 405B: 16,384). */
  public static final int MAX_HIDDEN = 1 << 16;
  /** Largest {@code intermediate_size} accepted (Llama 3.1 405B: 53,248). */
  public static final int MAX_INTERMEDIATE = 1 << 18;
  /** Largest {@code num_hidden_layers} accepted (Llama 3.1 405B: 126). */
  public static final int MAX_LAYERS = 1024;
  /** Largest {@code num_attention_heads} accepted (Llama 3.1 405B: 128). */
  public static final int MAX_HEADS = 1024;
  /** Largest {@code head_dim} accepted (real models: 64 to 256). */
  public static final int MAX_HEAD_DIM = 1024;
  /** Largest parameter count accepted: 2^40, about 1.1 trillion. */
  public static final long MAX_PARAMETERS = 1L << 40;
  /** Largest config.json read (real ones are a few KiB). */
  public static final long MAX_CONFIG_BYTES = 4L << 20;

  /** The model families read, with the names their config.json uses. */
  public enum Architecture {
    /** {@code LlamaForCausalLM}: Llama 2, 3, 3.1, 3.2, SmolLM, TinyLlama, ... */
    LLAMA("llama", "LlamaForCausalLM"),
    /** {@code Qwen2ForCausalLM}: Llama's maths with biases on q/k/v_proj (not o_proj). */
    QWEN2("qwen2", "Qwen2ForCausalLM"),
    /** {@code MistralForCausalLM}: Llama's maths; only without a sliding window. */
    MISTRAL("mistral", "MistralForCausalLM");

    private final String modelType;
    private final String className;

    Architecture(String modelType, String className) {
      this.modelType = modelType;
      this.className = className;
    }

    /** The {@code model_type} of config.json. */
    public String modelType() {
      return modelType;
    }

    /** The transformers class, the entry of config.json's {@code architectures}. */
    public String className() {
      return className;
    }
  }

  /** How RoPE's inverse frequencies are computed (transformers' {@code rope_type}). */
  public enum RopeType {
    /** {@code "default"}: inv_freq[i] = theta^(-2i/head_dim). */
    DEFAULT,
    /** {@code "llama3"}: the default frequencies rescaled as Llama 3.1 does. */
    LLAMA3
  }

  /**
   * The rotary position embedding.
   *
   * @param type the rope type
   * @param theta {@code rope_theta}, the base (default 10000). Positive, also as a float
   * @param factor LLAMA3: {@code factor} (8 in Llama 3.1), positive; DEFAULT: 0
   * @param lowFreqFactor LLAMA3: {@code low_freq_factor} (1), positive; DEFAULT: 0
   * @param highFreqFactor LLAMA3: {@code high_freq_factor} (4), above lowFreqFactor; DEFAULT: 0
   * @param originalMaxPositions LLAMA3: {@code original_max_position_embeddings} (8192; default
   *     max_position_embeddings), at least 1; DEFAULT: 0
   */
  public record Rope(
      RopeType type,
      double theta,
      double factor,
      double lowFreqFactor,
      double highFreqFactor,
      int originalMaxPositions) {
    public Rope {
      if (type == null) throw invalid("rope_type is null");
      if (!positiveFloat(theta))
        throw invalid("rope_theta " + theta + " must be a positive finite float");
      if (type == RopeType.DEFAULT) {
        if (factor != 0 || lowFreqFactor != 0 || highFreqFactor != 0 || originalMaxPositions != 0) {
          throw invalid("rope_type default takes no factor, low_freq_factor, high_freq_factor or"
              + " original_max_position_embeddings (give 0)");
        }
      } else {
        if (!positiveFloat(factor))
          throw invalid("factor " + factor + " must be a positive finite float");
        if (!positiveFloat(lowFreqFactor)) {
          throw invalid("low_freq_factor " + lowFreqFactor + " must be a positive finite float");
        }
        if (!(Double.isFinite(highFreqFactor) && (float) highFreqFactor > (float) lowFreqFactor)) {
          throw invalid("high_freq_factor " + highFreqFactor + " must be finite and above"
              + " low_freq_factor " + lowFreqFactor);
        }
        if (originalMaxPositions < 1) {
          throw invalid(
              "original_max_position_embeddings " + originalMaxPositions + " must be >= 1");
        }
      }
    }

    /** Default RoPE with base {@code theta}. */
    public static Rope of(double theta) {
      return new Rope(RopeType.DEFAULT, theta, 0, 0, 0, 0);
    }

    /** Llama 3.1's RoPE. */
    public static Rope llama3(
        double theta,
        double factor,
        double lowFreqFactor,
        double highFreqFactor,
        int originalMaxPositions) {
      return new Rope(
          RopeType.LLAMA3, theta, factor, lowFreqFactor, highFreqFactor, originalMaxPositions);
    }
  }

  /**
   * One weight of the checkpoint, by its Hugging Face name: {@code shape} is [rows, cols] for a
   * matrix (rows = out features, {@code y = x W^T}) or [cols] for a vector (norm weights,
   * biases), for which {@link #rows()} is 1, as libmos's {@code mos_decoder_set_weight} takes it.
   */
  public record TensorSpec(String name, List<Long> shape) {
    public TensorSpec {
      shape = List.copyOf(shape);
      if (shape.size() != 1 && shape.size() != 2) {
        throw new IllegalArgumentException(name + ": rank " + shape.size());
      }
    }

    /** Rows: the first dimension of a matrix, 1 for a vector. */
    public long rows() {
      return shape.size() == 2 ? shape.get(0) : 1;
    }

    /** Columns: the last dimension. */
    public long cols() {
      return shape.get(shape.size() - 1);
    }

    public long numElements() {
      return rows() * cols();
    }

    /** The shape as an array. */
    public long[] shapeArray() {
      return shape.stream().mapToLong(Long::longValue).toArray();
    }

    @Override
    public String toString() {
      return name + " " + shape;
    }
  }

  /** Checks every rule of the class comment; MosException (INVALID_ARGUMENT) names the first broken. */
  public LlamaConfig {
    if (architecture == null
        || rope == null
        || dtype == null
        || bosTokenId == null
        || eosTokenIds == null) {
      throw new MosException(Status.NULL_POINTER, "LlamaConfig: a field is null");
    }
    eosTokenIds = List.copyOf(eosTokenIds);
    String p = problem(
        architecture,
        vocabSize,
        hiddenSize,
        intermediateSize,
        numLayers,
        numHeads,
        numKvHeads,
        headDim,
        maxPositions,
        rmsNormEps,
        qkvBias,
        oBias,
        dtype,
        bosTokenId,
        eosTokenIds);
    if (p != null) throw invalid(p);
  }

  private static MosException invalid(String problem) {
    return new MosException(Status.INVALID_ARGUMENT, "LlamaConfig: " + problem);
  }

  private static boolean positiveFloat(double x) {
    return Double.isFinite(x) && x > 0 && (float) x > 0 && Float.isFinite((float) x);
  }

  /** The first broken rule, named by its config.json key, or null. */
  private static String problem(
      Architecture arch,
      int vocab,
      int hidden,
      int inter,
      int layers,
      int heads,
      int kvHeads,
      int headDim,
      int maxPos,
      double eps,
      boolean qkvBias,
      boolean oBias,
      Optional<Dtype> dtype,
      OptionalInt bos,
      List<Integer> eos) {
    String r = range("vocab_size", vocab, 1, MAX_VOCAB);
    if (r == null) r = range("hidden_size", hidden, 1, MAX_HIDDEN);
    if (r == null) r = range("intermediate_size", inter, 1, MAX_INTERMEDIATE);
    if (r == null) r = range("num_hidden_layers", layers, 1, MAX_LAYERS);
    if (r == null) r = range("num_attention_heads", heads, 1, MAX_HEADS);
    if (r == null) r = range("num_key_value_heads", kvHeads, 1, heads);
    if (r == null) r = range("head_dim", headDim, 2, MAX_HEAD_DIM);
    if (r == null) r = range("max_position_embeddings", maxPos, 1, Integer.MAX_VALUE);
    if (r != null) return r;
    if (heads % kvHeads != 0) {
      return "num_key_value_heads " + kvHeads + " does not divide num_attention_heads " + heads;
    }
    if (headDim % 2 != 0) return "head_dim " + headDim + " is odd (RoPE rotates pairs)";
    if (!positiveFloat(eps)) return "rms_norm_eps " + eps + " must be a positive finite float";
    switch (arch) {
      case LLAMA -> {
        if (qkvBias != oBias) {
          return "attention_bias puts biases on q, k, v and o_proj alike (got qkv " + qkvBias
              + ", o " + oBias + ")";
        }
      }
      case QWEN2 -> {
        if (!qkvBias || oBias) return "Qwen2 has biases on q, k and v_proj and none on o_proj";
      }
      case MISTRAL -> {
        if (qkvBias || oBias) return "Mistral has no attention biases";
      }
    }
    if (dtype.isPresent() && !isFloat(dtype.get())) {
      return "dtype " + dtype.get() + " is not supported (supported: F32, BF16, F16)";
    }
    if (bos.isPresent() && (bos.getAsInt() < 0 || bos.getAsInt() >= vocab)) {
      return "bos_token_id " + bos.getAsInt() + " is outside [0, " + (vocab - 1) + "]";
    }
    for (int id : eos) {
      if (id < 0 || id >= vocab)
        return "eos_token_id " + id + " is outside [0, " + (vocab - 1) + "]";
    }
    long n = count(vocab, hidden, inter, layers, heads, kvHeads, headDim, qkvBias, oBias, false);
    if (n < 0 || n > MAX_PARAMETERS) {
      return "these sizes describe "
          + (n < 0 ? "more than 2^63" : String.format(Locale.ROOT, "%,d", n))
          + " parameters, more than the limit of "
          + String.format(Locale.ROOT, "%,d", MAX_PARAMETERS);
    }
    return null;
  }

  private static String range(String key, long v, long min, long max) {
    return v < min || v > max ? key + " " + v + " is outside [" + min + ", " + max + "]" : null;
  }

  static boolean isFloat(Dtype d) {
    return d == Dtype.F32 || d == Dtype.BF16 || d == Dtype.F16;
  }

  /** The parameter count, -1 on overflow. */
  private static long count(
      long vocab,
      long hidden,
      long inter,
      long layers,
      long heads,
      long kvHeads,
      long headDim,
      boolean qkvBias,
      boolean oBias,
      boolean tied) {
    try {
      long q = Math.multiplyExact(heads, headDim);
      long kv = Math.multiplyExact(kvHeads, headDim);
      long block = 2 * hidden; // two norms
      block = Math.addExact(block, Math.multiplyExact(Math.addExact(q, 2 * kv), hidden));
      block = Math.addExact(block, Math.multiplyExact(hidden, q)); // o_proj
      if (qkvBias) block = Math.addExact(block, q + 2 * kv);
      if (oBias) block = Math.addExact(block, hidden);
      block = Math.addExact(block, Math.multiplyExact(3 * hidden, inter)); // gate, up, down
      long embed = Math.multiplyExact(vocab, hidden);
      long n = Math.addExact(Math.multiplyExact(layers, block), Math.addExact(embed, hidden));
      return tied ? n : Math.addExact(n, embed);
    } catch (ArithmeticException e) {
      return -1;
    }
  }

  /**
   * The number of parameters of the tensors {@link #tensors()} lists (a tied output layer counted
   * once, as transformers' {@code num_parameters()} and the index's {@code total_parameters}).
   */
  public long parameterCount() {
    return count(
        vocabSize,
        hiddenSize,
        intermediateSize,
        numLayers,
        numHeads,
        numKvHeads,
        headDim,
        qkvBias,
        oBias,
        tieWordEmbeddings);
  }

  /**
   * Bytes of every weight stored in {@code storage} (F32, BF16 or F16): the data of a
   * checkpoint saved in that dtype.
   */
  public long bytes(Dtype storage) {
    requireFloat(storage);
    return parameterCount() * storage.size();
  }

  /**
   * Bytes libmos's decoder holds for these weights with {@code weightDtype} (F32 or BF16)
   * matrices: the matrices in that dtype, the vectors (norm weights, biases) in F32.
   */
  public long decoderBytes(Dtype weightDtype) {
    if (weightDtype != Dtype.F32 && weightDtype != Dtype.BF16) {
      throw new MosException(
          Status.INVALID_ARGUMENT,
          "LlamaConfig.decoderBytes: the decoder" + " stores matrices in F32 or BF16, not "
              + weightDtype);
    }
    long total = 0;
    for (TensorSpec t : tensors()) {
      total += t.numElements() * (t.shape().size() == 2 ? weightDtype.size() : Float.BYTES);
    }
    return total;
  }

  private static void requireFloat(Dtype d) {
    if (d == null || !isFloat(d)) {
      throw new MosException(
          Status.INVALID_ARGUMENT, "LlamaConfig: storage dtype " + d + " is not F32, BF16 or F16");
    }
  }

  /** This config with {@code tieWordEmbeddings} set to {@code tie}. */
  public LlamaConfig withTieWordEmbeddings(boolean tie) {
    return new LlamaConfig(
        architecture,
        vocabSize,
        hiddenSize,
        intermediateSize,
        numLayers,
        numHeads,
        numKvHeads,
        headDim,
        maxPositions,
        rmsNormEps,
        rope,
        qkvBias,
        oBias,
        tie,
        dtype,
        bosTokenId,
        eosTokenIds);
  }

  /** The query width, numHeads * headDim. */
  public int qDim() {
    return numHeads * headDim;
  }

  /** The key/value width, numKvHeads * headDim. */
  public int kvDim() {
    return numKvHeads * headDim;
  }

  /**
   * Every weight of the checkpoint by its Hugging Face name, with its shape: the embedding; per
   * block input_layernorm, q/k/v/o_proj (and their biases where enabled),
   * post_attention_layernorm, gate/up/down_proj; the final norm; {@code lm_head.weight} unless
   * tied. These are exactly the names libmos's decoder takes.
   */
  public List<TensorSpec> tensors() {
    List<TensorSpec> out = new ArrayList<>(3 + numLayers * 13);
    long h = hiddenSize;
    out.add(new TensorSpec("model.embed_tokens.weight", List.of((long) vocabSize, h)));
    for (int i = 0; i < numLayers; i++) {
      String p = "model.layers." + i + ".";
      out.add(new TensorSpec(p + "input_layernorm.weight", List.of(h)));
      out.add(new TensorSpec(p + "self_attn.q_proj.weight", List.of((long) qDim(), h)));
      if (qkvBias) out.add(new TensorSpec(p + "self_attn.q_proj.bias", List.of((long) qDim())));
      out.add(new TensorSpec(p + "self_attn.k_proj.weight", List.of((long) kvDim(), h)));
      if (qkvBias) out.add(new TensorSpec(p + "self_attn.k_proj.bias", List.of((long) kvDim())));
      out.add(new TensorSpec(p + "self_attn.v_proj.weight", List.of((long) kvDim(), h)));
      if (qkvBias) out.add(new TensorSpec(p + "self_attn.v_proj.bias", List.of((long) kvDim())));
      out.add(new TensorSpec(p + "self_attn.o_proj.weight", List.of(h, (long) qDim())));
      if (oBias) out.add(new TensorSpec(p + "self_attn.o_proj.bias", List.of(h)));
      out.add(new TensorSpec(p + "post_attention_layernorm.weight", List.of(h)));
      out.add(new TensorSpec(p + "mlp.gate_proj.weight", List.of((long) intermediateSize, h)));
      out.add(new TensorSpec(p + "mlp.up_proj.weight", List.of((long) intermediateSize, h)));
      out.add(new TensorSpec(p + "mlp.down_proj.weight", List.of(h, (long) intermediateSize)));
    }
    out.add(new TensorSpec("model.norm.weight", List.of(h)));
    if (!tieWordEmbeddings) {
      out.add(new TensorSpec("lm_head.weight", List.of((long) vocabSize, h)));
    }
    return List.copyOf(out);
  }

  // ------------------------------------------------------------------ reading config.json

  /**
   * Reads {@code configJson} (a config.json of at most {@link #MAX_CONFIG_BYTES}).
   *
   * @throws MosFileException naming the file, the key and the problem, for a missing or
   *     malformed file, a value out of range or one this class does not support
   */
  public static LlamaConfig read(Path configJson) {
    return from(JsonFile.read(configJson, MAX_CONFIG_BYTES, "a model config"));
  }

  /**
   * Parses the text of a config.json; messages name the file {@code config.json}.
   *
   * @throws MosFileException as {@link #read}
   */
  public static LlamaConfig parse(String json) {
    return parse(Path.of("config.json"), json);
  }

  /** Parses the text of a config.json; messages name {@code file}. */
  public static LlamaConfig parse(Path file, String json) {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > MAX_CONFIG_BYTES) {
      throw new MosFileException(
          file, "more than " + MAX_CONFIG_BYTES + " bytes: too large for" + " a model config");
    }
    return from(JsonFile.parse(file, bytes));
  }

  /** The supported values of a refusal, for messages. */
  private static final String SUPPORTED_ARCHITECTURES =
      "LlamaForCausalLM, Qwen2ForCausalLM, MistralForCausalLM";

  static LlamaConfig from(JsonFile f) {
    JsonNode root = f.root;
    Architecture arch = architecture(f);

    if (!JsonFile.absent(root, "quantization_config")) {
      throw f.fail(
          "quantization_config",
          "quantized checkpoints are not supported (mos reads" + " F32, BF16 and F16 weights)");
    }
    String act = JsonFile.absent(root, "hidden_act") ? "silu" : f.string(root, "hidden_act", "");
    if (!act.equals("silu")) {
      throw f.fail(
          "hidden_act",
          "\"" + MosFileException.printable(act, 40) + "\" is not supported (supported: silu)");
    }

    int vocab = required(f, "vocab_size", MAX_VOCAB);
    int hidden = required(f, "hidden_size", MAX_HIDDEN);
    int inter = required(f, "intermediate_size", MAX_INTERMEDIATE);
    int layers = required(f, "num_hidden_layers", MAX_LAYERS);
    int heads = required(f, "num_attention_heads", MAX_HEADS);
    int kvHeads;
    if (!root.has("num_key_value_heads")) {
      kvHeads = switch (arch) { // transformers' defaults per model type
        case LLAMA -> heads;
        case QWEN2 -> 32;
        case MISTRAL -> 8;
      };
    } else {
      kvHeads = (int) f.integer(root, "num_key_value_heads", "", 1, MAX_HEADS, heads);
    }
    if (kvHeads > heads || heads % kvHeads != 0) {
      throw f.fail(
          "num_key_value_heads",
          kvHeads + " does not divide num_attention_heads "
              + heads
              + (root.has("num_key_value_heads")
                  ? ""
                  : " (the key is absent: " + arch.className() + "'s default)"));
    }
    int headDim;
    if (JsonFile.absent(root, "head_dim")) {
      if (hidden % heads != 0) {
        throw f.fail(
            "hidden_size",
            hidden + " is not a multiple of num_attention_heads " + heads
                + ", and head_dim is not given");
      }
      headDim = hidden / heads;
      if (headDim < 2 || headDim % 2 != 0) {
        throw f.fail(
            "hidden_size",
            "hidden_size / num_attention_heads = " + headDim + " is not an even head_dim >= 2");
      }
    } else {
      headDim = (int) f.integer(root, "head_dim", "", 2, MAX_HEAD_DIM, 0);
      if (headDim % 2 != 0) throw f.fail("head_dim", headDim + " is odd (RoPE rotates pairs)");
    }
    long defaultMaxPos =
        switch (arch) {
          case LLAMA -> 2048;
          case QWEN2 -> 32768;
          case MISTRAL -> 4096 * 32;
        };
    int maxPos =
        (int) f.integer(root, "max_position_embeddings", "", 1, Integer.MAX_VALUE, defaultMaxPos);
    double eps = f.number(root, "rms_norm_eps", "", 1e-6);
    if (!positiveFloat(eps)) {
      throw f.fail("rms_norm_eps", eps + " is not a positive finite float");
    }
    if (!JsonFile.absent(root, "partial_rotary_factor")
        && f.number(root, "partial_rotary_factor", "", 1.0) != 1.0) {
      throw f.fail(
          "partial_rotary_factor",
          root.get("partial_rotary_factor").asText()
              + " is not supported (RoPE on the whole head only: 1.0)");
    }
    Rope rope = rope(f, maxPos);

    boolean qkvBias;
    boolean oBias;
    switch (arch) {
      case LLAMA -> {
        qkvBias = f.bool(root, "attention_bias", "", false);
        oBias = qkvBias;
        if (f.bool(root, "mlp_bias", "", false)) {
          throw f.fail("mlp_bias", "true is not supported (supported: false)");
        }
      }
      case QWEN2 -> {
        qkvBias = true;
        oBias = false;
        slidingQwen2(f, layers, maxPos);
      }
      default -> {
        qkvBias = false;
        oBias = false;
        long window = f.integer(
            root,
            "sliding_window",
            "",
            1,
            Long.MAX_VALUE,
            root.has("sliding_window") ? Long.MAX_VALUE : 4096); // absent: transformers' 4096
        if (window < maxPos) {
          throw f.fail(
              "sliding_window",
              window
                  + (root.has("sliding_window")
                      ? ""
                      : " (the key is absent: MistralForCausalLM's default)")
                  + " is below"
                  + " max_position_embeddings " + maxPos + ": sliding-window attention is not"
                  + " supported (give null)");
        }
      }
    }
    boolean tied = f.bool(root, "tie_word_embeddings", "", false);
    Optional<Dtype> dtype = dtype(f);

    OptionalInt bos;
    if (!root.has("bos_token_id")) {
      bos = arch == Architecture.QWEN2 ? OptionalInt.empty() : OptionalInt.of(1);
    } else if (root.get("bos_token_id").isNull()) {
      bos = OptionalInt.empty();
    } else {
      bos = OptionalInt.of(
          (int) f.integerValue(root.get("bos_token_id"), "bos_token_id", 0, vocab - 1));
    }
    List<Integer> eos;
    if (!root.has("eos_token_id")) {
      eos = arch == Architecture.QWEN2 ? List.of() : List.of(2);
    } else {
      eos = GenerationIds.eosIds(f, root.get("eos_token_id"), "eos_token_id", vocab);
    }
    String p = problem(
        arch, vocab, hidden, inter, layers, heads, kvHeads, headDim, maxPos, eps, qkvBias, oBias,
        dtype, bos, eos);
    if (p != null) throw new MosFileException(f.file, p);
    return new LlamaConfig(
        arch, vocab, hidden, inter, layers, heads, kvHeads, headDim, maxPos, eps, rope, qkvBias,
        oBias, tied, dtype, bos, eos);
  }

  private static int required(JsonFile f, String key, int max) {
    if (JsonFile.absent(f.root, key))
      throw f.fail(key, "missing (expected an integer in [1, " + max + "])");
    return (int) f.integer(f.root, key, "", 1, max, 0);
  }

  /** model_type and architectures: at least one given, and they must agree. */
  private static Architecture architecture(JsonFile f) {
    JsonNode root = f.root;
    Architecture byType = null;
    String modelType = f.optString(root, "model_type", "");
    if (modelType != null) {
      for (Architecture a : Architecture.values()) {
        if (a.modelType.equals(modelType)) byType = a;
      }
      if (byType == null) {
        throw f.fail(
            "model_type",
            "\"" + MosFileException.printable(modelType, 60)
                + "\" is not supported (supported: llama, qwen2, mistral)");
      }
    }
    Architecture byClass = null;
    if (!JsonFile.absent(root, "architectures")) {
      JsonNode list = f.array(root, "architectures", "");
      if (list.size() != 1 || !list.get(0).isTextual()) {
        throw f.fail(
            "architectures",
            MosFileException.printable(list.toString(), 200)
                + " is not supported: expected one of [" + SUPPORTED_ARCHITECTURES + "]");
      }
      String name = list.get(0).textValue();
      for (Architecture a : Architecture.values()) {
        // Early conversions wrote "LLaMAForCausalLM"; transformers maps by model_type anyway.
        if (a.className.equalsIgnoreCase(name)) byClass = a;
      }
      if (byClass == null) {
        throw f.fail(
            "architectures",
            "[\"" + MosFileException.printable(name, 80) + "\"] is not supported (supported: "
                + SUPPORTED_ARCHITECTURES + ")");
      }
    }
    if (byType == null && byClass == null) {
      throw f.fail("model_type", "missing, and so is architectures: cannot tell the model family");
    }
    if (byType != null && byClass != null && byType != byClass) {
      throw f.fail(
          "architectures",
          byClass.className + " does not match model_type \"" + byType.modelType + "\"");
    }
    return byType != null ? byType : byClass;
  }

  /**
   * rope_scaling (transformers 4, with the top-level rope_theta) or rope_parameters
   * (transformers 5). As transformers: a non-empty rope_scaling wins over rope_parameters, and
   * the dict's rope_theta over the top-level one.
   */
  private static Rope rope(JsonFile f, int maxPos) {
    JsonNode root = f.root;
    String path;
    JsonNode rp;
    JsonNode scaling = root.get("rope_scaling");
    if (scaling != null && !scaling.isNull() && !scaling.isObject()) {
      throw f.fail("rope_scaling", "expected an object or null, found " + JsonFile.kind(scaling));
    }
    if (scaling != null && scaling.isObject() && !scaling.isEmpty()) {
      path = "rope_scaling";
      rp = scaling;
    } else {
      path = "rope_parameters";
      rp = f.object(root, "rope_parameters", "", true);
      if (rp == null) rp = JsonFile.MAPPER.createObjectNode();
    }
    for (Map.Entry<String, JsonNode> e : rp.properties()) {
      if (e.getValue().isContainerNode()) {
        throw f.fail(
            JsonFile.child(path, e.getKey()),
            "per-layer RoPE parameters are not"
                + " supported (expected a number or a string, found " + JsonFile.kind(e.getValue())
                + ")");
      }
    }
    double theta = rp.has("rope_theta") && !rp.get("rope_theta").isNull()
        ? f.number(rp, "rope_theta", path, 0)
        : f.number(root, "rope_theta", "", 10000.0);
    String thetaPath = rp.has("rope_theta") && !rp.get("rope_theta").isNull()
        ? path + ".rope_theta"
        : "rope_theta";
    if (!positiveFloat(theta)) throw f.fail(thetaPath, theta + " is not a positive finite float");
    if (!JsonFile.absent(rp, "partial_rotary_factor")
        && f.number(rp, "partial_rotary_factor", path, 1.0) != 1.0) {
      throw f.fail(
          JsonFile.child(path, "partial_rotary_factor"),
          rp.get("partial_rotary_factor").asText()
              + " is not supported (RoPE on the whole head only: 1.0)");
    }
    String typeKey = !JsonFile.absent(rp, "rope_type") ? "rope_type" : "type";
    String type = JsonFile.absent(rp, typeKey) ? "default" : f.string(rp, typeKey, path);
    return switch (type) {
      case "default" -> Rope.of(theta);
      case "llama3" -> {
        double factor = llama3Number(f, rp, path, "factor");
        double low = llama3Number(f, rp, path, "low_freq_factor");
        double high = llama3Number(f, rp, path, "high_freq_factor");
        if (!((float) high > (float) low)) {
          throw f.fail(
              JsonFile.child(path, "high_freq_factor"),
              high + " must be above low_freq_factor " + low);
        }
        // transformers fills a missing original_max_position_embeddings from the model's.
        int orig = (int)
            f.integer(rp, "original_max_position_embeddings", path, 1, Integer.MAX_VALUE, maxPos);
        yield Rope.llama3(theta, factor, low, high, orig);
      }
      default ->
        throw f.fail(
            JsonFile.child(path, typeKey),
            "\"" + MosFileException.printable(type, 40)
                + "\" is not supported (supported: default, llama3)");
    };
  }

  private static double llama3Number(JsonFile f, JsonNode rp, String path, String key) {
    if (JsonFile.absent(rp, key)) {
      throw f.fail(JsonFile.child(path, key), "missing (required by rope_type llama3)");
    }
    double x = f.number(rp, key, path, 0);
    if (!positiveFloat(x)) {
      throw f.fail(JsonFile.child(path, key), x + " is not a positive finite float");
    }
    return x;
  }

  /** Qwen2: sliding-window layers (use_sliding_window, max_window_layers or layer_types). */
  private static void slidingQwen2(JsonFile f, int layers, int maxPos) {
    JsonNode root = f.root;
    boolean use = f.bool(root, "use_sliding_window", "", false);
    // transformers: sliding_window is dropped unless use_sliding_window; absent means 4096.
    long window = f.integer(
        root,
        "sliding_window",
        "",
        1,
        Long.MAX_VALUE,
        root.has("sliding_window") ? Long.MAX_VALUE : 4096);
    if (!use || window >= maxPos) return;
    int firstSliding = -1;
    if (!JsonFile.absent(root, "layer_types")) {
      JsonNode types = f.array(root, "layer_types", "");
      for (int i = 0; i < types.size(); i++) {
        JsonNode t = types.get(i);
        if (!t.isTextual()) {
          throw f.fail("layer_types[" + i + "]", "expected a string, found " + JsonFile.kind(t));
        }
        if (t.textValue().equals("sliding_attention") && firstSliding < 0) firstSliding = i;
      }
    } else {
      long from = f.integer(root, "max_window_layers", "", 0, Long.MAX_VALUE, 28);
      if (from < layers) firstSliding = (int) from;
    }
    if (firstSliding >= 0) {
      throw f.fail(
          "use_sliding_window",
          "true with sliding_window " + window
              + " below max_position_embeddings " + maxPos + " (from layer " + firstSliding
              + "): sliding-window attention is not supported");
    }
  }

  /** dtype (transformers 5) or torch_dtype (4); dtype wins when both are given. */
  private static Optional<Dtype> dtype(JsonFile f) {
    String key = !JsonFile.absent(f.root, "dtype") ? "dtype" : "torch_dtype";
    String v = f.optString(f.root, key, "");
    if (v == null) return Optional.empty();
    return switch (v) {
      case "float32" -> Optional.of(Dtype.F32);
      case "bfloat16" -> Optional.of(Dtype.BF16);
      case "float16" -> Optional.of(Dtype.F16);
      default ->
        throw f.fail(
            key,
            "\"" + MosFileException.printable(v, 40)
                + "\" is not supported (supported: float32, bfloat16, float16)");
    };
  }
}
