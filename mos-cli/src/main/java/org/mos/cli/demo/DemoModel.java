// SPDX-License-Identifier: Apache-2.0
// DemoModel: the demo's base, a small Llama-architecture decoder over bytes, and its pretraining
// recipe, with the presets `mos demo` uses (sized by measurement to its time limits on 2 cores).
package org.mos.cli.demo;

import org.mos.DType;
import org.mos.llm.LlamaConfig;
import org.mos.llm.LlamaModel;

/**
 * A Llama decoder (RMSNorm, RoPE, causal multi-head attention, SwiGLU MLP, tied embeddings)
 * whose tokens are the bytes of UTF-8 text: vocabulary 256, token id = byte value.
 *
 * @param name             preset name (part of the cache key)
 * @param layers           L, transformer blocks
 * @param hidden           hidden size
 * @param heads            attention heads (head_dim = hidden / heads; as many KV heads)
 * @param intermediate     MLP width (gate_proj and up_proj outputs)
 * @param seqLen           tokens per training sequence (pretraining, fine-tuning, evaluation)
 * @param pretrainSteps    optimizer steps of pretraining
 * @param pretrainSeqs     sequences per pretraining step
 * @param pretrainLr       peak AdamW learning rate of pretraining
 * @param pretrainBytes    bytes of pretraining text the JDK corpus supplies
 * @param finetuneSeqs     sequences per fine-tuning step
 */
public record DemoModel(
    String name,
    int layers,
    int hidden,
    int heads,
    int intermediate,
    int seqLen,
    int pretrainSteps,
    int pretrainSeqs,
    double pretrainLr,
    int pretrainBytes,
    int finetuneSeqs) {
  /** Byte-level vocabulary. */
  public static final int VOCAB = 256;

  public DemoModel {
    if (layers < 1
        || hidden < 2
        || heads < 1
        || hidden % heads != 0
        || (hidden / heads) % 2 != 0
        || intermediate < 1
        || seqLen < 2
        || pretrainSteps < 1
        || pretrainSeqs < 1
        || finetuneSeqs < 1) {
      throw new IllegalArgumentException("bad demo model: " + this);
    }
  }

  /** The default demo model. */
  public static DemoModel standard() {
    return new DemoModel("standard", 16, 48, 4, 128, 128, 800, 8, 3e-3, 2_000_000, 4);
  }

  /** The --quick demo model. */
  public static DemoModel quick() {
    return new DemoModel("quick", 16, 32, 2, 96, 64, 250, 8, 4e-3, 600_000, 4);
  }

  /** A tiny model for tests (seconds). */
  public static DemoModel tiny() {
    return new DemoModel("tiny", 16, 16, 2, 32, 32, 30, 4, 5e-3, 200_000, 2);
  }

  /** A preset by name: standard, quick or tiny. */
  public static DemoModel preset(String name) {
    return switch (name) {
      case "standard" -> standard();
      case "quick" -> quick();
      case "tiny" -> tiny();
      default ->
        throw new IllegalArgumentException(
            "unknown model preset '" + name + "' (expected standard, quick or tiny)");
    };
  }

  /** Hugging Face's config.json of this model (LlamaForCausalLM, F32 weights). */
  public String configJson() {
    return String.format(
        java.util.Locale.ROOT,
        """
        {
          "architectures": ["LlamaForCausalLM"],
          "model_type": "llama",
          "vocab_size": %d,
          "hidden_size": %d,
          "intermediate_size": %d,
          "num_hidden_layers": %d,
          "num_attention_heads": %d,
          "num_key_value_heads": %d,
          "max_position_embeddings": %d,
          "rms_norm_eps": 1e-05,
          "rope_theta": 10000.0,
          "hidden_act": "silu",
          "attention_bias": false,
          "mlp_bias": false,
          "tie_word_embeddings": true,
          "torch_dtype": "float32"
        }
        """,
        VOCAB,
        hidden,
        intermediate,
        layers,
        heads,
        heads,
        Math.max(1024, seqLen));
  }

  /** The Llama config of {@link #configJson()}. */
  public LlamaConfig llamaConfig() {
    return LlamaConfig.parse(configJson());
  }

  /** The decoder config (F32 weight storage, needed to train the base). */
  public org.mos.DecoderConfig decoderConfig() {
    return LlamaModel.decoderConfig(llamaConfig(), DType.F32);
  }

  /** Base weights. */
  public long baseParameters() {
    return llamaConfig().parameterCount();
  }

  /** Sum over the seven projections of d_in + d_out (LoRA's parameters per rank and block). */
  public long projectionWidths() {
    long s = 0;
    LlamaConfig c = llamaConfig();
    for (String p : LlamaModel.PROJECTIONS) {
      int[] sh = LlamaModel.projectionShape(c, p);
      s += sh[0] + sh[1];
    }
    return s;
  }
}
