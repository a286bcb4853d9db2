// SPDX-License-Identifier: Apache-2.0
// LmTrainingTask: the TrainingTask of a LlamaModel's attached adapter on a Dataset: token-budget
// batches epoch after epoch, gradient accumulation, the validation loss, and the state (batch
// position, dropout generator) a checkpoint needs to resume bit-identically.
package org.mos.llm.train;

import java.util.ArrayList;
import java.util.List;
import org.mos.Decoder;
import org.mos.MosException;
import org.mos.MosLinear;
import org.mos.Status;
import org.mos.llm.LlamaModel;
import org.mos.llm.data.Batch;
import org.mos.llm.data.Batches;
import org.mos.llm.data.Dataset;
import org.mos.llm.data.Example;
import org.mos.train.Rng;
import org.mos.train.Trainer;
import org.mos.train.TrainingTask;

/**
 * Trains the adapter attached to a {@link LlamaModel} on a {@link Dataset} through a
 * {@link Trainer} ({@link LlamaModel#trainer()}).
 *
 * <p><b>A step.</b> An optimizer step takes the next {@code gradAccum} batches of the epoch's
 * order ({@link Batches#byTokenBudget}: at most {@code batchTokens} padded tokens each, the order
 * drawn from {@code seed + epoch}; a new epoch starts when one runs out) and calls
 * {@link LlamaModel#loss} on each with backward and {@code gradScale = 1 / (target tokens of the
 * whole step)}, so the pools' gradients are those of the step's mean loss per target token
 * whatever the accumulation; it returns that mean. The trainer then clips and steps.
 *
 * <p><b>Evaluation.</b> {@link #evalLoss} is the mean negative log-likelihood per target token
 * over every validation example (inference mode: no dropout), in chunks of {@code batchTokens};
 * NaN when the dataset has no validation examples.
 *
 * <p><b>Resuming.</b> The batch order depends only on (seed, epoch, position), not on the
 * trainer's {@link Rng}; {@link #saveState} records the position, the tokens trained so far and
 * the decoder's dropout generator (seed, counter), which {@link org.mos.train.Checkpoint} does
 * not hold itself, so a resumed run draws the same batches and the same dropout masks as an
 * uninterrupted one. It also records the batching settings and the data's size, and
 * {@link #restoreState} refuses a state written with others.
 *
 * {@snippet :
 * Dataset data = Datasets.load(file, model.tokenizer().orElseThrow(),
 *     DataOptions.defaults().withMaxLength(512).withValidationFraction(0.1));
 * model.attachNewAdapter(mosConfig, LlamaModel.PROJECTIONS);
 * Trainer trainer = model.trainer().config(TrainerConfig.builder().learningRate(1e-3)
 *     .totalSteps(200).evalEvery(50).build()).build();
 * trainer.run(new LmTrainingTask(model, data, 4096));
 * model.saveAdapter(out);
 * }
 */
public final class LmTrainingTask implements TrainingTask {
  private static final String STATE_PREFIX = "lm-task-v1";

  private final LlamaModel model;
  private final List<Example> train;
  private final List<Example> validation;
  private final int batchTokens;
  private final int gradAccum;
  private final long seed;

  private long epoch;
  private int position;
  private List<Batch> epochBatches;
  private long tokensTrained;
  private long lastStepTokens;

  /** {@link #LmTrainingTask(LlamaModel, Dataset, int, int, long)} with no accumulation, seed 0. */
  public LmTrainingTask(LlamaModel model, Dataset data, int batchTokens) {
    this(model, data, batchTokens, 1, 0);
  }

  /**
   * A task over {@code data}'s training and validation examples for {@code model}'s attached
   * adapter.
   *
   * @param batchTokens the padded tokens (rows x longest example) of one batch; at least the
   *     longest training or validation example
   * @param gradAccum batches per optimizer step (at least 1)
   * @param seed seeds the batch order ({@code seed + epoch})
   * @throws MosException INVALID_STATE when no adapter is attached; INVALID_ARGUMENT when there
   *     is no training example, an example is longer than {@code batchTokens} or than the model's
   *     positions, or gradAccum &lt; 1
   */
  public LmTrainingTask(LlamaModel model, Dataset data, int batchTokens, int gradAccum, long seed) {
    String fn = "LmTrainingTask";
    if (model == null || data == null) {
      throw new MosException(Status.NULL_POINTER, fn + ": model and data must not be null");
    }
    if (model.adapter().isEmpty()) {
      throw new MosException(
          Status.INVALID_STATE,
          fn + ": " + model.name() + " has no adapter"
              + " attached (attachNewAdapter or loadAdapter first)");
    }
    if (data.train().isEmpty()) {
      throw new MosException(Status.INVALID_ARGUMENT, fn + ": the dataset has no training example");
    }
    if (gradAccum < 1) {
      throw new MosException(
          Status.INVALID_ARGUMENT, fn + ": gradAccum must be >= 1, got " + gradAccum);
    }
    int longest = 0;
    for (List<Example> l : List.of(data.train(), data.validation())) {
      for (Example e : l) longest = Math.max(longest, e.length());
    }
    if (longest > batchTokens) {
      throw new MosException(
          Status.INVALID_ARGUMENT,
          fn + ": an example of " + longest
              + " tokens does not fit a batch of " + batchTokens + " tokens (raise the batch tokens"
              + " or lower the maximum sequence length)");
    }
    if (longest > model.config().maxPositions()) {
      throw new MosException(
          Status.INVALID_ARGUMENT,
          fn + ": an example of " + longest
              + " tokens is longer than " + model.name() + "'s "
              + model.config().maxPositions()
              + " positions (lower the maximum sequence length)");
    }
    this.model = model;
    this.train = data.train();
    this.validation = data.validation();
    this.batchTokens = batchTokens;
    this.gradAccum = gradAccum;
    this.seed = seed;
  }

  @Override
  public double trainStep(long step, Rng rng) {
    List<Batch> batches = new ArrayList<>(gradAccum);
    long targets = 0;
    for (int i = 0; i < gradAccum; i++) {
      Batch b = nextBatch();
      batches.add(b);
      for (Example e : b.examples()) targets += e.targets();
    }
    float scale = targets == 0 ? 0f : (float) (1.0 / targets);
    Decoder.Loss total = new Decoder.Loss(0, 0);
    long tokens = 0;
    for (Batch b : batches) {
      total = total.plus(model.loss(b.examples(), true, scale));
      for (Example e : b.examples()) tokens += e.length();
    }
    lastStepTokens = tokens;
    tokensTrained += tokens;
    return total.count() == 0 ? 0 : total.mean();
  }

  private Batch nextBatch() {
    if (epochBatches == null || position >= epochBatches.size()) {
      if (epochBatches != null) {
        epoch++;
        position = 0;
      }
      epochBatches = Batches.byTokenBudget(train, batchTokens, seed + epoch);
    }
    return epochBatches.get(position++);
  }

  @Override
  public double evalLoss() {
    if (validation.isEmpty()) return Double.NaN;
    Decoder.Loss total = new Decoder.Loss(0, 0);
    List<Example> chunk = new ArrayList<>();
    long tokens = 0;
    for (Example e : validation) {
      if (!chunk.isEmpty() && tokens + e.length() > batchTokens) {
        total = total.plus(model.loss(chunk, false, 1f));
        chunk.clear();
        tokens = 0;
      }
      chunk.add(e);
      tokens += e.length();
    }
    total = total.plus(model.loss(chunk, false, 1f));
    return total.count() == 0 ? Double.NaN : total.mean();
  }

  /** Tokens (padding excluded) of every batch trained so far, resumed runs included. */
  public long tokensTrained() {
    return tokensTrained;
  }

  /** Tokens of the last step's batches. */
  public long lastStepTokens() {
    return lastStepTokens;
  }

  /** Epochs begun before the current one (0 during the first). */
  public long epoch() {
    return epoch;
  }

  /** Batches of one epoch (the same count every epoch up to a batch or so). */
  public int batchesPerEpoch() {
    if (epochBatches == null)
      epochBatches = Batches.byTokenBudget(train, batchTokens, seed + epoch);
    return epochBatches.size();
  }

  /**
   * {@code lm-task-v1 epoch position tokensTrained dropoutSeed dropoutCounter batchTokens
   * gradAccum seed trainExamples}.
   */
  @Override
  public String saveState() {
    MosLinear.DropoutState d = model.dropoutState();
    return STATE_PREFIX + " " + epoch + " " + position + " " + tokensTrained + " " + d.seed() + " "
        + d.counter() + " " + batchTokens + " " + gradAccum + " " + seed + " " + train.size();
  }

  /**
   * Restores what {@link #saveState} wrote.
   *
   * @throws MosException INVALID_ARGUMENT for a state of another format, or written with other
   *     batch tokens, accumulation, seed or number of training examples (nothing is changed then)
   */
  @Override
  public void restoreState(String state) {
    String[] f = state == null ? new String[0] : state.strip().split(" ");
    if (f.length != 10 || !f[0].equals(STATE_PREFIX)) {
      throw new MosException(
          Status.INVALID_ARGUMENT,
          "LmTrainingTask: the task state '"
              + (state == null ? "" : org.mos.io.MosFileException.printable(state, 120))
              + "' is not one this class wrote");
    }
    long[] v = new long[9];
    try {
      for (int i = 0; i < 9; i++) v[i] = Long.parseLong(f[i + 1]);
    } catch (NumberFormatException e) {
      throw new MosException(
          Status.INVALID_ARGUMENT,
          "LmTrainingTask: the task state '" + state + "' holds a value that is not an integer");
    }
    check("batch tokens", v[5], batchTokens);
    check("gradient accumulation", v[6], gradAccum);
    check("seed", v[7], seed);
    check("training examples", v[8], train.size());
    if (v[0] < 0 || v[1] < 0 || v[2] < 0 || v[4] < 0) {
      throw new MosException(
          Status.INVALID_ARGUMENT,
          "LmTrainingTask: the task state '" + state + "' holds a negative count");
    }
    List<Batch> batches = Batches.byTokenBudget(train, batchTokens, seed + v[0]);
    if (v[1] > batches.size()) {
      throw new MosException(
          Status.INVALID_ARGUMENT,
          "LmTrainingTask: the task state's batch" + " position " + v[1] + " is beyond epoch "
              + v[0] + "'s " + batches.size() + " batches");
    }
    model.setDropoutState(new MosLinear.DropoutState(v[3], v[4]));
    epoch = v[0];
    position = (int) v[1];
    tokensTrained = v[2];
    epochBatches = batches;
  }

  private static void check(String what, long saved, long now) {
    if (saved != now) {
      throw new MosException(
          Status.INVALID_ARGUMENT,
          "LmTrainingTask: the checkpoint was trained" + " with " + what + " " + saved
              + ", this task has " + now);
    }
  }
}
