// SPDX-License-Identifier: Apache-2.0
// TrainingTask: what a user of the Trainer implements: forward + backward of one training batch,
// and the held-out loss. The trainer owns the optimizer, the schedule, clipping and checkpoints.
package org.mos.train;

/**
 * One training problem for a {@link Trainer}.
 *
 * <p>Contract of {@link #trainStep}: the trainer has zeroed the pool gradients and set the
 * learning rate; the task draws its batch with {@code rng} (and nothing else random, so that a
 * checkpoint that stores the trainer's {@link Rng} resumes the same batches), runs the training
 * forward of its layers (dropout comes from the layers' own counter-based generators, which
 * checkpoints also store) and their backward, leaving the gradients in the pools; it returns the
 * batch's mean loss. The trainer then clips and steps.
 *
 * {@snippet :
 * TrainingTask task = new TrainingTask() {
 *   public double trainStep(long step, Rng rng) {
 *     float[] x = batch(rng);                    // draw the batch from rng only
 *     float[] y = layer.forward(x, rows, true);  // training forward (dropout on)
 *     float[] dy = lossGradient(y);              // d(mean loss)/dy
 *     layer.backward(x, dy, rows);               // adds the pool gradients
 *     return meanLoss(y);
 *   }
 *   public double evalLoss() { return heldOutLoss(); }
 * };
 * }
 */
public interface TrainingTask {
  /**
   * Forward and backward of the training batch for optimizer step {@code step} (0-based);
   * returns the batch's mean loss.
   */
  double trainStep(long step, Rng rng);

  /** The mean held-out loss (inference mode: no dropout, no gradients). */
  double evalLoss();

  /**
   * Any state of the task beyond the trainer's Rng that a resumed run needs (null: none), as a
   * string the task can parse back; stored in checkpoints.
   */
  default String saveState() {
    return null;
  }

  /** Restore what {@link #saveState()} returned (called by {@link Trainer#resume}). */
  default void restoreState(String state) {}
}
