// SPDX-License-Identifier: Apache-2.0
// DecoderConfig: the shape of a Llama-family decoder (mos_decoder_config_t): sizes, RoPE, biases,
// tying and the storage dtype of its matrices; an immutable record with a builder.
package org.mos;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import org.mos.ffi.mos_decoder_config;
import org.mos.ffi.mos_h;

/**
 * The architecture of a {@link Decoder}: Hugging Face transformers' {@code LlamaForCausalLM}
 * with the fields of libmos's {@code mos_decoder_config_t} (docs/llm.md). Most callers get one
 * from a checkpoint's config.json ({@code org.mos.llm.LlamaModel} maps {@code LlamaConfig} onto
 * it); the builder is for tests and hand-made models.
 *
 * <p>The compact constructor checks nulls only; {@link #validate()} (called by
 * {@link Decoder#create}) runs libmos's {@code mos_decoder_config_validate}, the one place the
 * rules live, and throws {@link MosException} ({@link Status#INVALID_ARGUMENT}) naming the field.
 *
 * {@snippet :
 * DecoderConfig c = DecoderConfig.builder()
 *     .vocabSize(256).hiddenSize(64).intermediateSize(128).numLayers(2)
 *     .numHeads(4).numKvHeads(2).headDim(16).maxPositions(512)
 *     .weightDtype(DType.F32).build();
 * c.validate();
 * }
 *
 * @param vocabSize {@code vocab_size}: rows of the embedding and of lm_head; at least 1
 * @param hiddenSize {@code hidden_size}; at least 1
 * @param intermediateSize {@code intermediate_size}, the MLP's width; at least 1
 * @param numLayers {@code num_hidden_layers}; at least 1
 * @param numHeads {@code num_attention_heads}; at least 1
 * @param numKvHeads {@code num_key_value_heads} (grouped-query attention); divides numHeads
 * @param headDim {@code head_dim} (HF: hidden / heads unless given); even, at least 2
 * @param maxPositions {@code max_position_embeddings}: a position at or above it is refused
 * @param rmsNormEps {@code rms_norm_eps}; positive
 * @param ropeTheta RoPE base ({@code rope_theta}); positive
 * @param ropeType {@link RopeType#DEFAULT} or {@link RopeType#LLAMA3} (Llama 3.1's rescale)
 * @param ropeFactor LLAMA3 only: {@code factor}; positive (0 for DEFAULT)
 * @param ropeLowFreqFactor LLAMA3 only: {@code low_freq_factor}; positive
 * @param ropeHighFreqFactor LLAMA3 only: {@code high_freq_factor}; above the low one
 * @param ropeOriginalMaxPositions LLAMA3 only: {@code original_max_position_embeddings}; at least 1
 * @param qkvBias whether q/k/v_proj have biases (Llama {@code attention_bias}, Qwen2)
 * @param oBias whether o_proj has a bias (Llama {@code attention_bias})
 * @param tieWordEmbeddings whether lm_head is the embedding (no {@code lm_head.weight})
 * @param weightDtype storage of the matrices: {@link DType#BF16} (default) or {@link DType#F32};
 *     norms and biases are always F32, and everything computes in F32
 */
public record DecoderConfig(
    int vocabSize,
    int hiddenSize,
    int intermediateSize,
    int numLayers,
    int numHeads,
    int numKvHeads,
    int headDim,
    int maxPositions,
    float rmsNormEps,
    float ropeTheta,
    RopeType ropeType,
    float ropeFactor,
    float ropeLowFreqFactor,
    float ropeHighFreqFactor,
    int ropeOriginalMaxPositions,
    boolean qkvBias,
    boolean oBias,
    boolean tieWordEmbeddings,
    DType weightDtype) {

  /** How RoPE's inverse frequencies are computed ({@code mos_rope_type_t}). */
  public enum RopeType {
    /** {@code inv_freq[i] = theta^(-2i/head_dim)}. */
    DEFAULT(0),
    /** The default frequencies rescaled as Llama 3.1 does (HF's {@code "llama3"}). */
    LLAMA3(1);

    private final int code;

    RopeType(int code) {
      this.code = code;
    }

    /** The {@code mos_rope_type_t} value. */
    public int code() {
      return code;
    }
  }

  /** Checks that the enums are given. */
  public DecoderConfig {
    Native.notNull(ropeType, "DecoderConfig", "ropeType");
    Native.notNull(weightDtype, "DecoderConfig", "weightDtype");
  }

  /**
   * Checks every rule with libmos's {@code mos_decoder_config_validate}.
   *
   * @return this config
   * @throws MosException INVALID_ARGUMENT naming the field and its value
   */
  public DecoderConfig validate() {
    NativeLoader.load();
    try (Arena arena = Arena.ofConfined()) {
      Native.check(mos_h.mos_decoder_config_validate(toNative(arena)));
    }
    return this;
  }

  /** This config with another storage dtype for the matrices. */
  public DecoderConfig withWeightDtype(DType dtype) {
    return toBuilder().weightDtype(dtype).build();
  }

  /** Query width, numHeads * headDim. */
  public int qDim() {
    return numHeads * headDim;
  }

  /** Key/value width, numKvHeads * headDim. */
  public int kvDim() {
    return numKvHeads * headDim;
  }

  /** The {@code mos_decoder_config_t} struct. */
  MemorySegment toNative(SegmentAllocator allocator) {
    MemorySegment c = mos_decoder_config.allocate(allocator);
    mos_decoder_config.vocab_size(c, vocabSize);
    mos_decoder_config.hidden_size(c, hiddenSize);
    mos_decoder_config.intermediate_size(c, intermediateSize);
    mos_decoder_config.num_layers(c, numLayers);
    mos_decoder_config.num_heads(c, numHeads);
    mos_decoder_config.num_kv_heads(c, numKvHeads);
    mos_decoder_config.head_dim(c, headDim);
    mos_decoder_config.max_positions(c, maxPositions);
    mos_decoder_config.rms_norm_eps(c, rmsNormEps);
    mos_decoder_config.rope_theta(c, ropeTheta);
    mos_decoder_config.rope_type(c, ropeType.code());
    mos_decoder_config.rope_factor(c, ropeFactor);
    mos_decoder_config.rope_low_freq_factor(c, ropeLowFreqFactor);
    mos_decoder_config.rope_high_freq_factor(c, ropeHighFreqFactor);
    mos_decoder_config.rope_original_max_positions(c, ropeOriginalMaxPositions);
    mos_decoder_config.qkv_bias(c, qkvBias ? 1 : 0);
    mos_decoder_config.o_bias(c, oBias ? 1 : 0);
    mos_decoder_config.tie_word_embeddings(c, tieWordEmbeddings ? 1 : 0);
    mos_decoder_config.weight_dtype(c, weightDtype.code());
    return c;
  }

  /** A builder holding this config's values. */
  public Builder toBuilder() {
    return new Builder()
        .vocabSize(vocabSize)
        .hiddenSize(hiddenSize)
        .intermediateSize(intermediateSize)
        .numLayers(numLayers)
        .numHeads(numHeads)
        .numKvHeads(numKvHeads)
        .headDim(headDim)
        .maxPositions(maxPositions)
        .rmsNormEps(rmsNormEps)
        .ropeTheta(ropeTheta)
        .rope(ropeType, ropeFactor, ropeLowFreqFactor, ropeHighFreqFactor, ropeOriginalMaxPositions)
        .qkvBias(qkvBias)
        .oBias(oBias)
        .tieWordEmbeddings(tieWordEmbeddings)
        .weightDtype(weightDtype);
  }

  /**
   * A builder. Defaults: no sizes (set them), numKvHeads = numHeads and headDim = hidden / heads
   * when left at 0, maxPositions 2048, rms_norm_eps 1e-6, RoPE default with theta 10000, no
   * biases, untied, BF16 storage.
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Builder of {@link DecoderConfig}. */
  public static final class Builder {
    private int vocabSize;
    private int hiddenSize;
    private int intermediateSize;
    private int numLayers;
    private int numHeads;
    private int numKvHeads;
    private int headDim;
    private int maxPositions = 2048;
    private float rmsNormEps = 1e-6f;
    private float ropeTheta = 10000f;
    private RopeType ropeType = RopeType.DEFAULT;
    private float ropeFactor;
    private float ropeLowFreqFactor;
    private float ropeHighFreqFactor;
    private int ropeOriginalMaxPositions;
    private boolean qkvBias;
    private boolean oBias;
    private boolean tieWordEmbeddings;
    private DType weightDtype = DType.BF16;

    private Builder() {}

    public Builder vocabSize(int v) {
      vocabSize = v;
      return this;
    }

    public Builder hiddenSize(int v) {
      hiddenSize = v;
      return this;
    }

    public Builder intermediateSize(int v) {
      intermediateSize = v;
      return this;
    }

    public Builder numLayers(int v) {
      numLayers = v;
      return this;
    }

    public Builder numHeads(int v) {
      numHeads = v;
      return this;
    }

    public Builder numKvHeads(int v) {
      numKvHeads = v;
      return this;
    }

    public Builder headDim(int v) {
      headDim = v;
      return this;
    }

    public Builder maxPositions(int v) {
      maxPositions = v;
      return this;
    }

    public Builder rmsNormEps(float v) {
      rmsNormEps = v;
      return this;
    }

    public Builder ropeTheta(float v) {
      ropeTheta = v;
      return this;
    }

    /** The RoPE type and its LLAMA3 parameters (all 0 for DEFAULT). */
    public Builder rope(
        RopeType type,
        float factor,
        float lowFreqFactor,
        float highFreqFactor,
        int originalMaxPositions) {
      ropeType = type;
      ropeFactor = factor;
      ropeLowFreqFactor = lowFreqFactor;
      ropeHighFreqFactor = highFreqFactor;
      ropeOriginalMaxPositions = originalMaxPositions;
      return this;
    }

    public Builder qkvBias(boolean v) {
      qkvBias = v;
      return this;
    }

    public Builder oBias(boolean v) {
      oBias = v;
      return this;
    }

    public Builder tieWordEmbeddings(boolean v) {
      tieWordEmbeddings = v;
      return this;
    }

    public Builder weightDtype(DType v) {
      weightDtype = v;
      return this;
    }

    public DecoderConfig build() {
      int kv = numKvHeads == 0 ? numHeads : numKvHeads;
      int hd = headDim == 0 && numHeads > 0 ? hiddenSize / numHeads : headDim;
      return new DecoderConfig(
          vocabSize,
          hiddenSize,
          intermediateSize,
          numLayers,
          numHeads,
          kv,
          hd,
          maxPositions,
          rmsNormEps,
          ropeTheta,
          ropeType,
          ropeFactor,
          ropeLowFreqFactor,
          ropeHighFreqFactor,
          ropeOriginalMaxPositions,
          qkvBias,
          oBias,
          tieWordEmbeddings,
          weightDtype);
    }
  }
}
