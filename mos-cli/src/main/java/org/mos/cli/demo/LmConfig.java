// SPDX-License-Identifier: Apache-2.0
// LmConfig: the demo language model's shape and its pretraining recipe, with the presets the
// demo and `mos train` use (sized by measurement to the demo's time limits on 2 cores).
package org.mos.cli.demo;

/**
 * A character-level MLP language model: the previous {@code context} characters are embedded
 * ({@code embed} floats each) and concatenated into the residual stream of width
 * d = context * embed; {@code layers} blocks each compute h += down(relu(up(rmsnorm(h)))) with
 * up: d -> hidden and down: hidden -> d; a final rmsnorm and a linear head give the logits over
 * the {@link Vocab#SIZE} characters.
 *
 * @param name            preset name (part of the cache key)
 * @param context         characters of context (>= 1)
 * @param embed           embedding width per character (>= 1)
 * @param hidden          width of the up projection's output (>= 1)
 * @param layers          L, residual blocks (>= 1; the demo uses >= 4)
 * @param batch           examples per step (pretraining, fine-tuning and evaluation)
 * @param pretrainSteps   optimizer steps of pretraining
 * @param pretrainLr      peak AdamW learning rate of pretraining
 * @param pretrainChars   characters of pretraining text the JDK corpus supplies
 */
public record LmConfig(String name, int context, int embed, int hidden, int layers, int batch,
    int pretrainSteps, double pretrainLr, int pretrainChars) {

  public LmConfig {
    if (context < 1 || embed < 1 || hidden < 1 || layers < 1 || batch < 1 || pretrainSteps < 1) {
      throw new IllegalArgumentException("LmConfig sizes must be >= 1: " + this);
    }
  }

  /** Width of the residual stream, d = context * embed. */
  public int width() {
    return context * embed;
  }

  /** Number of base weights (all trainable during pretraining). */
  public long baseParameters() {
    long d = width();
    return (long) Vocab.SIZE * embed + layers * (d + 2L * d * hidden) + d + (long) Vocab.SIZE * d
        + Vocab.SIZE;
  }

  /** Default demo model (5-minute budget). */
  public static LmConfig standard() {
    return new LmConfig("standard", 16, 8, 256, 8, 256, 1600, 3e-3, 3_000_000);
  }

  /** The --quick demo model (60-second budget). */
  public static LmConfig quick() {
    return new LmConfig("quick", 16, 4, 128, 8, 128, 800, 4e-3, 1_000_000);
  }

  /** A tiny model for tests (a few seconds). */
  public static LmConfig tiny() {
    return new LmConfig("tiny", 8, 4, 32, 8, 32, 40, 5e-3, 200_000);
  }

  /** A preset by name: standard, quick or tiny. */
  public static LmConfig preset(String name) {
    return switch (name) {
      case "standard" -> standard();
      case "quick" -> quick();
      case "tiny" -> tiny();
      default -> throw new IllegalArgumentException(
          "unknown model preset '" + name + "' (expected standard, quick or tiny)");
    };
  }
}
