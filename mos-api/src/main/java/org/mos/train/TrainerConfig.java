// SPDX-License-Identifier: Apache-2.0
// TrainerConfig: the training recipe (learning rate, schedule, clipping, evaluation and checkpoint
// cadence, data seed), immutable and validated, with the paper's defaults.
package org.mos.train;

import java.nio.file.Path;

/**
 * How a {@link Trainer} trains. The AdamW hyper-parameters other than the learning rate (betas,
 * eps, weight decay) belong to the {@link org.mos.AdamW} the trainer is given.
 *
 * @param learningRate    peak learning rate reached after warm-up. Default 2e-4 (the official
 *                        code's default, method.md §8). Valid: finite, &gt; 0.
 * @param totalSteps      optimizer steps of the whole run. Default 1000. Valid: &gt;= 1.
 * @param warmupFraction  fraction of the steps spent in linear warm-up; warm-up steps =
 *                        ceil(fraction * totalSteps). Default 0.03 (the paper's warmup_ratio).
 *                        Valid: [0, 1].
 * @param maxGradNorm     global gradient-norm clipping threshold over all pools (each once);
 *                        0 disables. Default 0.3 (the paper's max_grad_norm). Valid: &gt;= 0.
 * @param evalEvery       evaluate every this many steps (and always after the last); 0: only
 *                        after the last. Default 0. Valid: &gt;= 0.
 * @param evalAtStart     also evaluate before the first step (the curve's starting point).
 *                        Default true.
 * @param checkpointEvery write a checkpoint every this many steps into checkpointDir; 0: never.
 *                        Default 0. Valid: &gt;= 0, and &gt; 0 needs a checkpointDir.
 * @param checkpointDir   where periodic checkpoints go ({@code checkpoint-<step>} directories),
 *                        or null. Default null.
 * @param keepCheckpoints periodic checkpoints kept (older ones are deleted); 0 keeps all.
 *                        Default 2. Valid: &gt;= 0.
 * @param seed            seed of the {@link Rng} the task draws its batches from. Default 0.
 */
public record TrainerConfig(
    double learningRate,
    long totalSteps,
    double warmupFraction,
    double maxGradNorm,
    long evalEvery,
    boolean evalAtStart,
    long checkpointEvery,
    Path checkpointDir,
    int keepCheckpoints,
    long seed) {

  /** The paper's warm-up fraction. */
  public static final double DEFAULT_WARMUP_FRACTION = LinearSchedule.DEFAULT_WARMUP_FRACTION;
  /** The paper's gradient clipping threshold. */
  public static final double DEFAULT_MAX_GRAD_NORM = 0.3;

  public TrainerConfig {
    if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
      throw new IllegalArgumentException(
          "learning rate must be finite and > 0, got " + learningRate);
    }
    if (totalSteps < 1) {
      throw new IllegalArgumentException("total steps must be >= 1, got " + totalSteps);
    }
    if (!(warmupFraction >= 0 && warmupFraction <= 1)) {
      throw new IllegalArgumentException(
          "warm-up fraction must be in [0, 1], got " + warmupFraction);
    }
    if (!(maxGradNorm >= 0) || !Double.isFinite(maxGradNorm)) {
      throw new IllegalArgumentException(
          "max grad norm must be finite and >= 0, got " + maxGradNorm);
    }
    if (evalEvery < 0 || checkpointEvery < 0 || keepCheckpoints < 0) {
      throw new IllegalArgumentException(
          "evalEvery, checkpointEvery and keepCheckpoints must be >= 0");
    }
    if (checkpointEvery > 0 && checkpointDir == null) {
      throw new IllegalArgumentException("checkpointEvery > 0 needs a checkpointDir");
    }
  }

  /** The learning-rate schedule of this config. */
  public LinearSchedule schedule() {
    return LinearSchedule.withWarmupFraction(learningRate, totalSteps, warmupFraction);
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder()
        .learningRate(learningRate)
        .totalSteps(totalSteps)
        .warmupFraction(warmupFraction)
        .maxGradNorm(maxGradNorm)
        .evalEvery(evalEvery)
        .evalAtStart(evalAtStart)
        .checkpointEvery(checkpointEvery)
        .checkpointDir(checkpointDir)
        .keepCheckpoints(keepCheckpoints)
        .seed(seed);
  }

  /** Builds a {@link TrainerConfig}; starts from the defaults listed on the record. */
  public static final class Builder {
    private double learningRate = 2e-4;
    private long totalSteps = 1000;
    private double warmupFraction = DEFAULT_WARMUP_FRACTION;
    private double maxGradNorm = DEFAULT_MAX_GRAD_NORM;
    private long evalEvery;
    private boolean evalAtStart = true;
    private long checkpointEvery;
    private Path checkpointDir;
    private int keepCheckpoints = 2;
    private long seed;

    private Builder() {}

    public Builder learningRate(double v) {
      learningRate = v;
      return this;
    }

    public Builder totalSteps(long v) {
      totalSteps = v;
      return this;
    }

    public Builder warmupFraction(double v) {
      warmupFraction = v;
      return this;
    }

    public Builder maxGradNorm(double v) {
      maxGradNorm = v;
      return this;
    }

    public Builder evalEvery(long v) {
      evalEvery = v;
      return this;
    }

    public Builder evalAtStart(boolean v) {
      evalAtStart = v;
      return this;
    }

    public Builder checkpointEvery(long v) {
      checkpointEvery = v;
      return this;
    }

    public Builder checkpointDir(Path v) {
      checkpointDir = v;
      return this;
    }

    public Builder keepCheckpoints(int v) {
      keepCheckpoints = v;
      return this;
    }

    public Builder seed(long v) {
      seed = v;
      return this;
    }

    public TrainerConfig build() {
      return new TrainerConfig(
          learningRate,
          totalSteps,
          warmupFraction,
          maxGradNorm,
          evalEvery,
          evalAtStart,
          checkpointEvery,
          checkpointDir,
          keepCheckpoints,
          seed);
    }
  }
}
