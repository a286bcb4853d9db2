// SPDX-License-Identifier: Apache-2.0
// BestAdapterKeeper: a TrainingListener that saves the adapter whenever the validation loss reaches
// a new low, so the best adapter of a run survives overfitting later in it.
package org.mos.llm.train;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mos.MosException;
import org.mos.Status;
import org.mos.llm.LlamaModel;
import org.mos.train.TrainingListener;

/**
 * Keeps the adapter with the lowest validation loss: on every evaluation whose loss is finite and
 * lower than any before, {@link LlamaModel#saveAdapter(Path, Map)} writes the attached adapter
 * (atomically) to the directory, with the metadata given plus {@code best_step} and
 * {@code validation_loss}. Evaluations run between steps, so the adapter saved is exactly the one
 * that was evaluated.
 *
 * {@snippet :
 * Trainer trainer = model.trainer().config(config).build();
 * BestAdapterKeeper best = new BestAdapterKeeper(model, out.resolve("best"), Map.of());
 * trainer.addListener(best);
 * trainer.run(task);
 * System.out.println("best validation loss " + best.bestLoss() + " at step " + best.bestStep());
 * }
 */
public final class BestAdapterKeeper implements TrainingListener {
  private final LlamaModel model;
  private final Path dir;
  private final Map<String, Object> metadata;
  private double bestLoss = Double.POSITIVE_INFINITY;
  private long bestStep = -1;

  /**
   * @param dir where the best adapter goes (replaced on each new low)
   * @param metadata saved with it (may be empty)
   */
  public BestAdapterKeeper(LlamaModel model, Path dir, Map<String, Object> metadata) {
    if (model == null || dir == null || metadata == null) {
      throw new MosException(
          Status.NULL_POINTER, "BestAdapterKeeper: model, dir and metadata must" + " not be null");
    }
    this.model = model;
    this.dir = dir;
    this.metadata = new LinkedHashMap<>(metadata);
  }

  /**
   * Continues a resumed run: the best so far is the lowest finite loss of {@code history} (the
   * trainer's {@code evalHistory()} after {@code resume}), whose adapter is already saved.
   */
  public BestAdapterKeeper resumeFrom(List<EvalRecord> history) {
    for (EvalRecord r : history) {
      if (Double.isFinite(r.loss()) && r.loss() < bestLoss) {
        bestLoss = r.loss();
        bestStep = r.step();
      }
    }
    return this;
  }

  @Override
  public void onEval(EvalRecord r) {
    if (!Double.isFinite(r.loss()) || r.loss() >= bestLoss) return;
    Map<String, Object> m = new LinkedHashMap<>(metadata);
    m.put("best_step", r.step());
    m.put("validation_loss", r.loss());
    model.saveAdapter(dir, m);
    bestLoss = r.loss();
    bestStep = r.step();
  }

  /** The lowest validation loss so far (+infinity before the first finite one). */
  public double bestLoss() {
    return bestLoss;
  }

  /** The step of {@link #bestLoss()} (0: before training), or −1 when there is none yet. */
  public long bestStep() {
    return bestStep;
  }

  /** The directory the best adapter is saved to. */
  public Path directory() {
    return dir;
  }
}
