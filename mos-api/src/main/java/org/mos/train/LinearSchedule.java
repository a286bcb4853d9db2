// SPDX-License-Identifier: Apache-2.0
// LinearSchedule: linear warm-up then linear decay to zero, the schedule of the paper's runs
// (HF transformers' get_linear_schedule_with_warmup with warmup_ratio 0.03).
package org.mos.train;

/**
 * The learning rate of optimizer step {@code t} (0-based) for a run of {@code totalSteps} steps:
 * <pre>
 *   t &lt; W:  peak * t / W                       (linear warm-up, W = warmupSteps)
 *   t &gt;= W: peak * (T - t) / max(1, T - W)      (linear decay to 0 at T = totalSteps)
 * </pre>
 * exactly HF transformers' {@code get_linear_schedule_with_warmup}, which the paper's
 * {@code finetune_trainer.py} uses with {@code warmup_ratio = 0.03}; there W =
 * ceil(0.03 * T). Like HF, the very first step (t = 0) runs at learning rate 0 when W &gt; 0.
 *
 * @param peakLr      the learning rate reached at the end of warm-up (&gt; 0)
 * @param totalSteps  T, the number of optimizer steps of the whole run (&gt;= 1)
 * @param warmupSteps W, 0 &lt;= W &lt;= T
 */
public record LinearSchedule(double peakLr, long totalSteps, long warmupSteps) {
  /** The paper's warm-up fraction. */
  public static final double DEFAULT_WARMUP_FRACTION = 0.03;

  public LinearSchedule {
    if (!(peakLr > 0) || !Double.isFinite(peakLr)) {
      throw new IllegalArgumentException(
          "peak learning rate must be finite and > 0, got " + peakLr);
    }
    if (totalSteps < 1) {
      throw new IllegalArgumentException("total steps must be >= 1, got " + totalSteps);
    }
    if (warmupSteps < 0 || warmupSteps > totalSteps) {
      throw new IllegalArgumentException(
          "warm-up steps must be in [0, " + totalSteps + "], got " + warmupSteps);
    }
  }

  /** W = ceil(fraction * T), as HF's TrainingArguments.get_warmup_steps does. */
  public static LinearSchedule withWarmupFraction(double peakLr, long totalSteps, double fraction) {
    if (!(fraction >= 0 && fraction <= 1)) {
      throw new IllegalArgumentException("warm-up fraction must be in [0, 1], got " + fraction);
    }
    return new LinearSchedule(peakLr, totalSteps, (long) Math.ceil(fraction * totalSteps));
  }

  /** The learning rate for 0-based step t (t &gt;= T gives 0). */
  public double lrAt(long t) {
    if (t < 0) {
      throw new IllegalArgumentException("step must be >= 0, got " + t);
    }
    if (t < warmupSteps) {
      return peakLr * (double) t / (double) Math.max(1, warmupSteps);
    }
    return peakLr
        * Math.max(0.0, (double) (totalSteps - t) / (double) Math.max(1, totalSteps - warmupSteps));
  }
}
