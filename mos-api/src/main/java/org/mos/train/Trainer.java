// SPDX-License-Identifier: Apache-2.0
// Trainer: fine-tunes a MosModel's pools on a TrainingTask: the loop (AdamW with linear warm-up and
// decay, global grad-norm clipping, periodic evaluation, callbacks, divergence checks) and when
// to checkpoint; the checkpoint files themselves are Checkpoint's.
package org.mos.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mos.AdamW;
import org.mos.MosException;
import org.mos.MosModel;
import org.mos.io.MosAdapter;
import org.mos.io.MosFileException;
import org.mos.train.TrainingListener.EvalRecord;
import org.mos.train.TrainingListener.StepRecord;

/**
 * Trains the pools of a {@link MosModel} (only the pools are trainable, method.md §10.10). One step:
 * <pre>
 *   lr = schedule(step); zero the pool gradients; loss = task.trainStep(step, rng);
 *   clip the global gradient norm (default 0.3); AdamW step;
 *   evaluate every evalEvery steps and after the last; checkpoint every checkpointEvery steps
 * </pre>
 *
 * <p>A checkpoint ({@link Checkpoint}: the adapter, the AdamW moments and step, the trainer's
 * state) is written atomically by {@link #saveCheckpoint} and every {@code checkpointEvery}
 * steps. {@link #resume} on a fresh model of the same shape restores all of it, so the rest of
 * the run computes exactly what an uninterrupted run would (bit for bit on the same machine and
 * build).
 *
 * {@snippet :
 * Trainer trainer = Trainer.builder(model)
 *     .config(TrainerConfig.builder().learningRate(1e-3).totalSteps(500).evalEvery(50).build())
 *     .listener(new TrainingListener() {
 *       public void onEval(EvalRecord r) { System.out.println(r.step() + " " + r.loss()); }
 *     })
 *     .build();
 * TrainingResult result = trainer.run(task);
 * trainer.saveAdapter(Path.of("my-adapter"));
 * }
 */
public final class Trainer {
  private final MosModel model;
  private final TrainerConfig config;
  private final Map<String, String> modulePaths;
  private final String baseModel;
  private final Map<String, Object> metadata;
  private final List<TrainingListener> listeners = new ArrayList<>();
  private final Rng rng;
  private final List<StepRecord> trainHistory = new ArrayList<>();
  private final List<EvalRecord> evalHistory = new ArrayList<>();
  private long step;
  private double trainSeconds;
  private double evalSeconds;
  private volatile boolean stopRequested;
  private Path lastCheckpoint;

  private Trainer(Builder b) {
    this.model = b.model;
    this.config = b.config;
    this.modulePaths = new LinkedHashMap<>();
    for (String name : model.pools().keySet()) {
      modulePaths.put(name, b.modulePaths.getOrDefault(name, "model.layers.{layer}." + name));
    }
    this.baseModel = b.baseModel;
    this.metadata = new LinkedHashMap<>(b.metadata);
    this.listeners.addAll(b.listeners);
    this.rng = new Rng(config.seed());
  }

  /** A builder for a trainer of {@code model}'s pools. */
  public static Builder builder(MosModel model) {
    if (model == null) {
      throw new IllegalArgumentException("model must not be null");
    }
    return new Builder(model);
  }

  public TrainerConfig config() {
    return config;
  }

  public MosModel model() {
    return model;
  }

  /** Optimizer steps done. */
  public long step() {
    return step;
  }

  /** The Rng the task draws its batches from (its state is part of every checkpoint). */
  public Rng rng() {
    return rng;
  }

  public List<StepRecord> trainHistory() {
    return List.copyOf(trainHistory);
  }

  public List<EvalRecord> evalHistory() {
    return List.copyOf(evalHistory);
  }

  public void addListener(TrainingListener listener) {
    listeners.add(listener);
  }

  /** Ask a running {@link #run} to return after the current step (e.g. from a listener). */
  public void requestStop() {
    stopRequested = true;
  }

  /** Train to {@link TrainerConfig#totalSteps()}. */
  public TrainingResult run(TrainingTask task) {
    return runUntil(task, config.totalSteps());
  }

  /**
   * Train until {@code stopStep} steps are done (at most totalSteps; the schedule always spans
   * totalSteps), e.g. to stop half-way and checkpoint.
   */
  public TrainingResult runUntil(TrainingTask task, long stopStep) {
    stopRequested = false;
    long stop = Math.min(stopStep, config.totalSteps());
    if (step == 0 && config.evalAtStart() && evalHistory.isEmpty()) {
      evaluate(task);
    }
    AdamW opt = model.optimizer();
    LinearSchedule schedule = config.schedule();
    while (step < stop && !stopRequested) {
      long t0 = System.nanoTime();
      double lr = schedule.lrAt(step);
      opt.setLr((float) lr);
      opt.zeroGrad();
      double loss = task.trainStep(step, rng);
      if (!Double.isFinite(loss)) {
        throw diverged(step + 1, loss, Double.NaN, "the training loss is " + loss, false);
      }
      float norm = opt.clipGradNorm((float) config.maxGradNorm());
      if (!Float.isFinite(norm)) {
        // Checked before the update: a NaN gradient would make every pool value NaN.
        throw diverged(
            step + 1, loss, norm, "the gradient norm is " + norm + " (loss " + loss + ")", false);
      }
      opt.step();
      step++;
      trainSeconds += (System.nanoTime() - t0) / 1e9;
      StepRecord r = new StepRecord(step, config.totalSteps(), loss, lr, norm);
      trainHistory.add(r);
      for (TrainingListener l : listeners) {
        l.onStep(r);
      }
      boolean last = step == config.totalSteps();
      if (last || (config.evalEvery() > 0 && step % config.evalEvery() == 0)) {
        evaluate(task);
      }
      if (config.checkpointEvery() > 0 && (last || step % config.checkpointEvery() == 0)) {
        Path dir = config.checkpointDir().resolve(String.format("checkpoint-%08d", step));
        saveCheckpoint(dir, task);
        lastCheckpoint = dir;
        Checkpoint.prune(config.checkpointDir(), config.keepCheckpoints());
        for (TrainingListener l : listeners) {
          l.onCheckpoint(step, dir);
        }
      }
    }
    return result();
  }

  /** Stops the run at the failing step (1-based), before its update or its checkpoint. */
  private TrainingDivergedException diverged(
      long failed, double loss, double norm, String what, boolean updated) {
    stopRequested = true;
    return new TrainingDivergedException(failed, loss, norm, what, updated, lastCheckpoint);
  }

  /** The newest checkpoint this trainer wrote or resumed from, or null. */
  public Path lastCheckpoint() {
    return lastCheckpoint;
  }

  /** The curves and times so far. */
  public TrainingResult result() {
    return new TrainingResult(step, trainHistory, evalHistory, trainSeconds, evalSeconds);
  }

  private void evaluate(TrainingTask task) {
    long t0 = System.nanoTime();
    double loss = task.evalLoss();
    evalSeconds += (System.nanoTime() - t0) / 1e9;
    EvalRecord r = new EvalRecord(step, loss);
    evalHistory.add(r);
    for (TrainingListener l : listeners) {
      l.onEval(r);
    }
  }

  // ---- adapters -------------------------------------------------------------------------------

  /** A copy of the current pools and indices as an adapter. */
  public MosAdapter adapter() {
    return MosAdapter.fromPools(model.pools(), modulePaths, baseModel, metadata);
  }

  /** Save the current adapter to directory {@code dir} (atomically, adapter format). */
  public void saveAdapter(Path dir) {
    adapter().save(dir);
  }

  // ---- checkpoints (the files: Checkpoint) ---------------------------------------------------

  /**
   * Write a checkpoint of the state between two steps to directory {@code dir} (replacing one
   * there), atomically ({@link Checkpoint}).
   *
   * @return dir
   * @throws MosFileException when it cannot be written (the previous checkpoint, if any, stays)
   * @throws TrainingDivergedException when the last update made a pool value NaN or infinite
   *     (nothing is written then)
   */
  public Path saveCheckpoint(Path dir, TrainingTask task) {
    MosAdapter adapter;
    try {
      adapter = adapter();
    } catch (MosException e) {
      if (!e.getMessage().contains("must be finite")) throw e;
      // The update overflowed: refuse to write it, so the previous checkpoint stays the newest.
      throw diverged(step, Double.NaN, Double.NaN, "after the update, " + e.getMessage(), true);
    }
    Checkpoint.write(
        dir,
        model,
        adapter,
        config,
        new Checkpoint.TrainerState(
            step,
            rng.state(),
            trainSeconds,
            evalSeconds,
            trainHistory,
            evalHistory,
            task == null ? null : task.saveState()));
    return dir;
  }

  /**
   * Restore a checkpoint into this trainer, its model (pools, indices, AdamW moments and step,
   * every layer's dropout state) and {@code task} ({@link TrainingTask#restoreState}). The model
   * must have the checkpoint's pool groups, shapes and MoS settings and the same attached layers;
   * this trainer's config must match the checkpoint's in everything that shapes the run
   * (learning rate, steps, warm-up, clipping, evaluation cadence, seed): build it from
   * {@link Checkpoint#readConfig}.
   *
   * @param checkpoint a checkpoint directory or a directory of {@code checkpoint-*} ones (latest)
   * @throws MosFileException for a missing, malformed or mismatching checkpoint; nothing is
   *     changed in that case unless the failure is in the adapter or optimizer data themselves
   */
  public void resume(Path checkpoint, TrainingTask task) {
    Checkpoint.Loaded loaded = Checkpoint.read(checkpoint, model, config);
    // Everything is read and checked: from here on only writes.
    loaded.restoreModel(model);
    Checkpoint.TrainerState s = loaded.state();
    rng.setState(s.rngState());
    step = s.step();
    trainSeconds = s.trainSeconds();
    evalSeconds = s.evalSeconds();
    trainHistory.clear();
    trainHistory.addAll(s.trainHistory());
    evalHistory.clear();
    evalHistory.addAll(s.evalHistory());
    if (task != null && s.taskState() != null) {
      task.restoreState(s.taskState());
    }
    lastCheckpoint = loaded.dir();
  }

  /** Builds a {@link Trainer}. */
  public static final class Builder {
    private final MosModel model;
    private TrainerConfig config = TrainerConfig.builder().build();
    private final Map<String, String> modulePaths = new LinkedHashMap<>();
    private String baseModel;
    private final Map<String, Object> metadata = new LinkedHashMap<>();
    private final List<TrainingListener> listeners = new ArrayList<>();

    private Builder(MosModel model) {
      this.model = model;
    }

    public Builder config(TrainerConfig v) {
      config = v;
      return this;
    }

    /**
     * Where pool group {@code pool} sits in the base model, with {@code {layer}} for the block
     * (saved with the adapter; default {@code model.layers.{layer}.<pool>}).
     */
    public Builder modulePath(String pool, String path) {
      modulePaths.put(pool, path);
      return this;
    }

    /** The base model's name, saved with the adapter. */
    public Builder baseModel(String v) {
      baseModel = v;
      return this;
    }

    /** Free metadata saved with the adapter. */
    public Builder metadata(String key, Object value) {
      metadata.put(key, value);
      return this;
    }

    public Builder listener(TrainingListener l) {
      listeners.add(l);
      return this;
    }

    public Trainer build() {
      if (model.pools().isEmpty()) {
        throw new IllegalArgumentException("the model has no pools to train");
      }
      for (String p : modulePaths.keySet()) {
        if (!model.pools().containsKey(p)) {
          throw new IllegalArgumentException("module path given for unknown pool '" + p + "'");
        }
      }
      return new Trainer(this);
    }
  }
}
