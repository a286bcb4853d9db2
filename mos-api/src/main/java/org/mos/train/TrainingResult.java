// SPDX-License-Identifier: Apache-2.0
// TrainingResult: what a Trainer run produced: the loss curves and the time spent.
package org.mos.train;

import java.util.List;
import org.mos.train.TrainingListener.EvalRecord;
import org.mos.train.TrainingListener.StepRecord;

/**
 * @param steps        steps done (the trainer's step count)
 * @param train        every step's record since step 0 (resumed runs include the restored ones)
 * @param eval         every evaluation since step 0
 * @param trainSeconds wall time of the training steps (forward, backward, clip, AdamW), summed
 *                     over sessions
 * @param evalSeconds  wall time of the evaluations
 */
public record TrainingResult(
    long steps,
    List<StepRecord> train,
    List<EvalRecord> eval,
    double trainSeconds,
    double evalSeconds) {

  public TrainingResult {
    train = List.copyOf(train);
    eval = List.copyOf(eval);
  }

  /** The last evaluation's loss (NaN if none ran). */
  public double finalEvalLoss() {
    return eval.isEmpty() ? Double.NaN : eval.get(eval.size() - 1).loss();
  }
}
