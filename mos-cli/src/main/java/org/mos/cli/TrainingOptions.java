// SPDX-License-Identifier: Apache-2.0
// TrainingOptions: the training options of every command that trains (train; demo may share
// them), written once as a picocli mixin: learning rate, steps, batch tokens, sequence length,
// accumulation, seed, warm-up, clipping, evaluation and checkpoint cadence.
package org.mos.cli;

import org.mos.train.TrainerConfig;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code --lr}, {@code --steps}, {@code --batch-tokens}, {@code --seq-len}, {@code --grad-accum},
 * {@code --seed}, {@code --warmup}, {@code --clip}, {@code --eval-every} and
 * {@code --checkpoint-every}: a command takes them with {@code @Mixin TrainingOptions training;},
 * calls {@link #check()} before reading any file and builds its {@link TrainerConfig} with
 * {@link #trainerConfig}.
 */
final class TrainingOptions {
  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Option(
      names = "--lr",
      paramLabel = "X",
      defaultValue = "1e-3",
      description = "Peak learning rate of AdamW, reached after the warm-up and decayed linearly "
          + "to 0 (default: ${DEFAULT-VALUE}).")
  double lr;

  @Option(
      names = "--steps",
      paramLabel = "N",
      defaultValue = "200",
      description = "Optimizer steps (default: ${DEFAULT-VALUE}).")
  long steps;

  @Option(
      names = "--batch-tokens",
      paramLabel = "N",
      defaultValue = "4096",
      description = "Tokens per batch, padding included (rows x longest row; default: "
          + "${DEFAULT-VALUE}). Raised to --seq-len when smaller.")
  int batchTokens;

  @Option(
      names = "--seq-len",
      paramLabel = "N",
      defaultValue = "1024",
      description = "Longest training sequence: plain text is packed into sequences of this "
          + "many tokens, longer records are truncated (default: ${DEFAULT-VALUE}, clamped to "
          + "the model's max_position_embeddings).")
  int seqLen;

  @Option(
      names = "--grad-accum",
      paramLabel = "N",
      defaultValue = "1",
      description =
          "Batches per optimizer step (gradient accumulation; default: " + "${DEFAULT-VALUE}).")
  int gradAccum;

  @Option(
      names = "--seed",
      paramLabel = "N",
      defaultValue = "0",
      description = "Seed of the adapter's initialisation and indices, dropout, the validation "
          + "split and the batch order (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--warmup",
      paramLabel = "F",
      defaultValue = "0.03",
      description = "Warm-up fraction of the linear schedule (default: ${DEFAULT-VALUE}).")
  double warmup;

  @Option(
      names = "--clip",
      paramLabel = "X",
      defaultValue = "0.3",
      description = "Gradient-norm clipping threshold, 0 to disable (default: ${DEFAULT-VALUE}).")
  double clip;

  @Option(
      names = "--eval-every",
      paramLabel = "N",
      defaultValue = "50",
      description = "Validation loss every N steps, and before and after training (default: "
          + "${DEFAULT-VALUE}; 0: before and after only).")
  long evalEvery;

  @Option(
      names = "--checkpoint-every",
      paramLabel = "N",
      defaultValue = "50",
      description = "Checkpoint every N steps (default: ${DEFAULT-VALUE}; 0: none, and no "
          + "--resume then).")
  long checkpointEvery;

  /** Range checks that need no file: a ParameterException (exit code 2) naming the option. */
  void check() {
    if (!(lr > 0) || !Double.isFinite(lr)) fail("--lr must be finite and > 0, got " + lr);
    if (steps < 1) fail("--steps must be >= 1, got " + steps);
    if (batchTokens < 2) fail("--batch-tokens must be >= 2, got " + batchTokens);
    if (seqLen < 2) fail("--seq-len must be >= 2, got " + seqLen);
    if (gradAccum < 1) fail("--grad-accum must be >= 1, got " + gradAccum);
    if (!(warmup >= 0 && warmup <= 1)) fail("--warmup must be in [0, 1], got " + warmup);
    if (!(clip >= 0) || !Double.isFinite(clip)) fail("--clip must be finite and >= 0, got " + clip);
    if (evalEvery < 0) fail("--eval-every must be >= 0, got " + evalEvery);
    if (checkpointEvery < 0) fail("--checkpoint-every must be >= 0, got " + checkpointEvery);
  }

  /** The trainer's settings, checkpoints (when --checkpoint-every > 0) in {@code checkpointDir}. */
  TrainerConfig trainerConfig(java.nio.file.Path checkpointDir) {
    check();
    return TrainerConfig.builder()
        .learningRate(lr)
        .totalSteps(steps)
        .warmupFraction(warmup)
        .maxGradNorm(clip)
        .evalEvery(evalEvery)
        .checkpointEvery(checkpointEvery)
        .checkpointDir(checkpointEvery > 0 ? checkpointDir : null)
        .seed(seed)
        .build();
  }

  private void fail(String message) {
    throw new ParameterException(spec.commandLine(), message);
  }
}
