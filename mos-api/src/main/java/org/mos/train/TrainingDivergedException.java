// SPDX-License-Identifier: Apache-2.0
// TrainingDivergedException: a step produced a NaN or infinite loss or gradient (or left the pools
// non-finite). The trainer stops before that step's update reaches the pools or a checkpoint.
package org.mos.train;

import java.nio.file.Path;
import java.util.Optional;
import org.mos.MosException;
import org.mos.Status;

/**
 * Training stopped because step {@link #step()} was not finite. When the loss or the gradient norm
 * is NaN or infinite, the optimizer step is skipped, so the pools keep the values of the last good
 * step. When the update itself overflowed (finite gradients, non-finite pools: found when a
 * checkpoint is due), the checkpoint is not written. Either way earlier checkpoints are left
 * untouched.
 * {@link #lastGoodCheckpoint()} names the newest checkpoint written before, if any: resume from it
 * with a smaller learning rate or stronger clipping.
 *
 * <p>Status {@link Status#INVALID_STATE}: the model reached a state training cannot continue from.
 */
public final class TrainingDivergedException extends MosException {
  private static final long serialVersionUID = 1L;

  private final long step;
  private final double loss;
  private final double gradNorm;
  private final transient Path lastGoodCheckpoint;

  TrainingDivergedException(
      long step,
      double loss,
      double gradNorm,
      String what,
      boolean updated,
      Path lastGoodCheckpoint) {
    super(Status.INVALID_STATE, message(step, what, updated, lastGoodCheckpoint));
    this.step = step;
    this.loss = loss;
    this.gradNorm = gradNorm;
    this.lastGoodCheckpoint = lastGoodCheckpoint;
  }

  private static String message(long step, String what, boolean updated, Path lastGood) {
    return "training diverged at step " + step + ": " + what + "; "
        + (updated ? "" : "the pools keep the values of step " + (step - 1) + " and ")
        + "no checkpoint was written for this step; "
        + (lastGood == null
            ? "no earlier checkpoint exists"
            : "the last good checkpoint is " + lastGood)
        + " (try a smaller learning rate or stronger gradient clipping)";
  }

  /** The 1-based step that failed. */
  public long step() {
    return step;
  }

  /** That step's training loss (may be NaN or infinite). */
  public double loss() {
    return loss;
  }

  /** That step's global gradient norm before clipping (NaN when not computed). */
  public double gradNorm() {
    return gradNorm;
  }

  /** The newest checkpoint written before the failure, if any. */
  public Optional<Path> lastGoodCheckpoint() {
    return Optional.ofNullable(lastGoodCheckpoint);
  }
}
