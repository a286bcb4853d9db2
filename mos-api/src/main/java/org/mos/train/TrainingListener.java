// SPDX-License-Identifier: Apache-2.0
// TrainingListener: callbacks for progress bars, logs and curves; every method has a no-op default.
package org.mos.train;

import java.nio.file.Path;

/** Receives the trainer's events on the training thread. */
public interface TrainingListener {
  /** After optimizer step {@code r.step()} (1-based count of steps done). */
  default void onStep(StepRecord r) {}

  /** After an evaluation. */
  default void onEval(EvalRecord r) {}

  /** After a checkpoint was written (atomically) to {@code dir}. */
  default void onCheckpoint(long step, Path dir) {}

  /**
   * One optimizer step.
   *
   * @param step       steps done so far (1..totalSteps)
   * @param totalSteps steps of the whole run
   * @param loss       the batch's mean training loss
   * @param lr         the learning rate this step used
   * @param gradNorm   the global gradient norm before clipping
   */
  record StepRecord(long step, long totalSteps, double loss, double lr, double gradNorm) {}

  /**
   * One evaluation.
   *
   * @param step steps done when it ran (0: before training)
   * @param loss the task's held-out loss
   */
  record EvalRecord(long step, double loss) {}
}
