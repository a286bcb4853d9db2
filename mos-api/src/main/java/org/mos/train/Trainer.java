// Trainer: fine-tunes a MosModel's pools on a TrainingTask: AdamW with linear warm-up and decay,
// global grad-norm clipping, periodic evaluation, callbacks, and checkpoints that resume exactly.
package org.mos.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.mos.AdamW;
import org.mos.MosLinear;
import org.mos.MosException;
import org.mos.MosModel;
import org.mos.PoolArray;
import org.mos.ShardPool;
import org.mos.io.AtomicFiles;
import org.mos.io.MosAdapter;
import org.mos.io.MosFileException;
import org.mos.io.SafeTensors;
import org.mos.train.TrainingListener.EvalRecord;
import org.mos.train.TrainingListener.StepRecord;

/**
 * Trains the pools of a {@link MosModel} (only the pools are trainable, spec §10.10). One step:
 * <pre>
 *   lr = schedule(step); zero the pool gradients; loss = task.trainStep(step, rng);
 *   clip the global gradient norm (default 0.3); AdamW step;
 *   evaluate every evalEvery steps and after the last; checkpoint every checkpointEvery steps
 * </pre>
 *
 * <p>A checkpoint is a directory written atomically (a temporary directory, then a rename):
 * <pre>
 *   adapter/                the pools and every block's indices, in the adapter format (org.mos.io)
 *   optimizer.safetensors   AdamW moments per pool ({@code NAME.adam_m_A} ...), step count in the metadata
 *   trainer_state.json      step, config, the data Rng's state, every layer's dropout (seed, counter),
 *                           the loss history, the task's own state
 * </pre>
 * {@link #resume} on a fresh model of the same shape restores all of it, so the rest of the run
 * computes exactly what an uninterrupted run would (bit for bit on the same machine and build).
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
  /** Name of the trainer state file in a checkpoint. */
  public static final String STATE_FILE = "trainer_state.json";
  /** Name of the optimizer state file in a checkpoint. */
  public static final String OPTIMIZER_FILE = "optimizer.safetensors";
  /** Name of the adapter directory in a checkpoint. */
  public static final String ADAPTER_DIR = "adapter";
  static final String STATE_FORMAT = "mos-trainer-state";
  static final int STATE_VERSION = 1;
  /** Largest trainer_state.json read (its loss history grows by ~100 bytes a step). */
  static final long MAX_STATE_BYTES = 1L << 30;
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

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
        throw diverged(step + 1, loss, norm, "the gradient norm is " + norm + " (loss " + loss + ")",
            false);
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
        pruneCheckpoints();
        for (TrainingListener l : listeners) {
          l.onCheckpoint(step, dir);
        }
      }
    }
    return result();
  }

  /** Stops the run at the failing step (1-based), before its update or its checkpoint. */
  private TrainingDivergedException diverged(long failed, double loss, double norm, String what,
      boolean updated) {
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

  // ---- checkpoints ----------------------------------------------------------------------------

  /**
   * Write a checkpoint of the state between two steps to directory {@code dir} (replacing one
   * there): a temporary sibling directory is filled, then renamed into place.
   *
   * @return dir
   * @throws MosFileException when it cannot be written (the previous checkpoint, if any, stays)
   */
  public Path saveCheckpoint(Path dir, TrainingTask task) {
    Path target = dir.toAbsolutePath().normalize();
    Path parent = target.getParent();
    Path tmp = null;
    try {
      Files.createDirectories(parent);
      MosAdapter adapter;
      try {
        adapter = adapter();
      } catch (MosException e) {
        if (!e.getMessage().contains("must be finite")) throw e;
        // The update overflowed: refuse to write it, so the previous checkpoint stays the newest.
        throw diverged(step, Double.NaN, Double.NaN, "after the update, " + e.getMessage(), true);
      }
      tmp = Files.createTempDirectory(parent, target.getFileName() + ".tmp-");
      adapter.save(tmp.resolve(ADAPTER_DIR));
      SafeTensors.Writer w = SafeTensors.writer();
      AdamW opt = model.optimizer();
      w.metadata("format", "mos-optimizer-state").metadata("optimizer", "AdamW")
          .metadata("step", Long.toString(opt.stepCount()))
          .metadata("beta1", Float.toString(opt.beta1())).metadata("beta2", Float.toString(opt.beta2()))
          .metadata("eps", Float.toString(opt.eps()))
          .metadata("weight_decay", Float.toString(opt.weightDecay()));
      for (Map.Entry<String, ShardPool> e : model.pools().entrySet()) {
        ShardPool p = e.getValue();
        for (PoolArray a : MOMENTS) {
          w.addF32(e.getKey() + "." + momentName(a), new long[] {p.rows(a), p.cols(a)}, p.read(a));
        }
      }
      w.write(tmp.resolve(OPTIMIZER_FILE));
      Files.write(tmp.resolve(STATE_FILE), JSON.writeValueAsBytes(stateJson(task)));
      AtomicFiles.replaceDirectory(tmp, target);
      tmp = null;
      return dir;
    } catch (IOException e) {
      throw new MosFileException(target, null, "cannot write the checkpoint: " + e, e);
    } finally {
      if (tmp != null) {
        deleteRecursively(tmp);
      }
    }
  }

  private static final PoolArray[] MOMENTS = {
      PoolArray.ADAM_M_A, PoolArray.ADAM_V_A, PoolArray.ADAM_M_B, PoolArray.ADAM_V_B};

  private static String momentName(PoolArray a) {
    return switch (a) {
      case ADAM_M_A -> "adam_m_A";
      case ADAM_V_A -> "adam_v_A";
      case ADAM_M_B -> "adam_m_B";
      case ADAM_V_B -> "adam_v_B";
      default -> throw new IllegalArgumentException(a.toString());
    };
  }

  private ObjectNode stateJson(TrainingTask task) {
    ObjectNode s = JSON.createObjectNode();
    s.put("format", STATE_FORMAT);
    s.put("format_version", STATE_VERSION);
    s.put("step", step);
    s.set("config", configJson(config));
    s.put("rng_state", rng.state());
    ObjectNode dropout = s.putObject("dropout");
    for (Map.Entry<String, ShardPool> e : model.pools().entrySet()) {
      for (int k = 0; k < model.numLayers(); k++) {
        MosLinear layer = model.layer(e.getKey(), k);
        if (layer != null) {
          MosLinear.DropoutState d = layer.dropoutState();
          dropout.putArray(e.getKey() + "." + k).add(d.seed()).add(d.counter());
        }
      }
    }
    s.put("train_seconds", trainSeconds);
    s.put("eval_seconds", evalSeconds);
    ArrayNode th = s.putArray("train_history");
    for (StepRecord r : trainHistory) {
      th.addArray().add(r.step()).add(r.loss()).add(r.lr()).add(r.gradNorm());
    }
    ArrayNode eh = s.putArray("eval_history");
    for (EvalRecord r : evalHistory) {
      eh.addArray().add(r.step()).add(r.loss());
    }
    String ts = task == null ? null : task.saveState();
    if (ts == null) {
      s.putNull("task_state");
    } else {
      s.put("task_state", ts);
    }
    return s;
  }

  private static ObjectNode configJson(TrainerConfig c) {
    ObjectNode o = JSON.createObjectNode();
    o.put("learning_rate", c.learningRate());
    o.put("total_steps", c.totalSteps());
    o.put("warmup_fraction", c.warmupFraction());
    o.put("max_grad_norm", c.maxGradNorm());
    o.put("eval_every", c.evalEvery());
    o.put("eval_at_start", c.evalAtStart());
    o.put("checkpoint_every", c.checkpointEvery());
    o.put("keep_checkpoints", c.keepCheckpoints());
    o.put("seed", c.seed());
    return o;
  }

  /**
   * The config a checkpoint was written with (checkpointDir unset), to build the trainer that
   * resumes it.
   *
   * @param checkpoint a checkpoint directory, or a directory of {@code checkpoint-*} ones (the
   *     latest is used)
   */
  public static TrainerConfig readConfig(Path checkpoint) {
    Path dir = latestCheckpoint(checkpoint);
    JsonNode c = readState(dir).path("config");
    try {
      return TrainerConfig.builder().learningRate(c.path("learning_rate").asDouble())
          .totalSteps(c.path("total_steps").asLong()).warmupFraction(c.path("warmup_fraction").asDouble())
          .maxGradNorm(c.path("max_grad_norm").asDouble()).evalEvery(c.path("eval_every").asLong())
          .evalAtStart(c.path("eval_at_start").asBoolean(true))
          .keepCheckpoints(c.path("keep_checkpoints").asInt(2)).seed(c.path("seed").asLong()).build();
    } catch (IllegalArgumentException e) {
      throw new MosFileException(dir.resolve(STATE_FILE), "config", e.getMessage(), e);
    }
  }

  /** checkpoint-N directories by N as a number (names may outgrow the 8 zero-padded digits). */
  private static final Comparator<Path> BY_STEP = Comparator.comparing(
      (Path p) -> new java.math.BigInteger(p.getFileName().toString().substring(11)))
      .thenComparing(p -> p.getFileName().toString());

  /** {@code path} itself if it holds a checkpoint, else its latest {@code checkpoint-*} child. */
  public static Path latestCheckpoint(Path path) {
    if (Files.isRegularFile(path.resolve(STATE_FILE))) {
      return path;
    }
    if (Files.isDirectory(path)) {
      try (Stream<Path> s = Files.list(path)) {
        Path latest = s.filter(p -> p.getFileName().toString().matches("checkpoint-\\d+")
                && Files.isRegularFile(p.resolve(STATE_FILE)))
            .max(BY_STEP).orElse(null);
        if (latest != null) {
          return latest;
        }
      } catch (IOException e) {
        throw new MosFileException(path, null, "cannot list: " + e.getMessage(), e);
      }
    }
    throw new MosFileException(path, null, "not a checkpoint (no " + STATE_FILE
        + ", and no checkpoint-* directory holding one)");
  }

  private static JsonNode readState(Path dir) {
    Path f = dir.resolve(STATE_FILE);
    JsonNode s;
    try {
      s = JSON.readTree(org.mos.io.BoundedFiles.readAll(f, MAX_STATE_BYTES, "a trainer state"));
    } catch (NoSuchFileException e) {
      throw new MosFileException(f, null, "missing");
    } catch (IOException e) {
      throw new MosFileException(f, null, "unreadable: " + e.getMessage(), e);
    }
    if (s == null || !STATE_FORMAT.equals(s.path("format").asText())) {
      throw new MosFileException(f, null, "not a mos trainer state (format is not " + STATE_FORMAT + ")");
    }
    if (s.path("format_version").asInt() != STATE_VERSION) {
      throw new MosFileException(f, "format_version", "unknown version "
          + s.path("format_version").asText() + " (this build reads " + STATE_VERSION + ")");
    }
    return s;
  }

  /**
   * Restore a checkpoint into this trainer, its model (pools, indices, AdamW moments and step,
   * every layer's dropout state) and {@code task} ({@link TrainingTask#restoreState}). The model
   * must have the checkpoint's pool groups, shapes and MoS settings and the same attached layers;
   * this trainer's config must match the checkpoint's in everything that shapes the run
   * (learning rate, steps, warm-up, clipping, evaluation cadence, seed).
   *
   * @param checkpoint a checkpoint directory or a directory of {@code checkpoint-*} ones (latest)
   * @throws MosFileException for a missing, malformed or mismatching checkpoint; nothing is
   *     changed in that case unless the failure is in the adapter or optimizer data themselves
   */
  public void resume(Path checkpoint, TrainingTask task) {
    Path dir = latestCheckpoint(checkpoint);
    JsonNode s = readState(dir);
    Path stateFile = dir.resolve(STATE_FILE);
    TrainerConfig saved = readConfig(dir);
    if (!sameRun(saved, config)) {
      throw new MosFileException(stateFile, "config", "the checkpoint was written by a run with "
          + saved + ", this trainer has " + config + " (build the trainer from Trainer.readConfig)");
    }
    long savedStep = integer(s.get("step"), "step", stateFile);
    if (savedStep < 0 || savedStep > config.totalSteps()) {
      throw new MosFileException(stateFile, "step", "step " + s.path("step").asText()
          + " is outside [0, " + config.totalSteps() + "]");
    }
    // every attached layer needs its dropout state
    JsonNode dropout = s.path("dropout");
    if (!dropout.isObject()) {
      throw new MosFileException(stateFile, "dropout", "is " + kind(dropout) + ", not an object");
    }
    Map<MosLinear, long[]> dropoutStates = new LinkedHashMap<>();
    for (Map.Entry<String, ShardPool> e : model.pools().entrySet()) {
      for (int k = 0; k < model.numLayers(); k++) {
        MosLinear layer = model.layer(e.getKey(), k);
        JsonNode d = dropout.get(e.getKey() + "." + k);
        if ((layer == null) != (d == null)) {
          throw new MosFileException(stateFile, "dropout", "layer " + e.getKey() + "." + k
              + (layer == null ? " is in the checkpoint but not attached in the model"
                  : " is attached in the model but has no dropout state in the checkpoint"));
        }
        if (layer != null) {
          if (!d.isArray() || d.size() != 2) {
            throw new MosFileException(stateFile, "dropout", "layer " + e.getKey() + "." + k
                + ": expected [seed, counter]");
          }
          String where = "dropout." + e.getKey() + "." + k;
          dropoutStates.put(layer, new long[] {integer(d.get(0), where, stateFile),
              integer(d.get(1), where, stateFile)});
        }
      }
    }
    if (dropout.size() != dropoutStates.size()) {
      throw new MosFileException(stateFile, "dropout", "the checkpoint has " + dropout.size()
          + " layers, the model " + dropoutStates.size());
    }
    // read the adapter and the moments completely before changing anything
    Path adapterDir = dir.resolve(ADAPTER_DIR);
    MosAdapter adapter = MosAdapter.load(adapterDir);
    Path optFile = dir.resolve(OPTIMIZER_FILE);
    Map<ShardPool, Map<PoolArray, float[]>> moments = new LinkedHashMap<>();
    long optStep;
    try (SafeTensors.Reader r = SafeTensors.open(optFile)) {
      try {
        optStep = Long.parseLong(r.metadata().getOrDefault("step", "-1"));
      } catch (NumberFormatException e) {
        throw new MosFileException(optFile, "__metadata__", "step is not a number");
      }
      if (optStep != savedStep) {
        throw new MosFileException(optFile, "__metadata__", "optimizer step " + optStep
            + " differs from the trainer's " + savedStep);
      }
      for (Map.Entry<String, ShardPool> e : model.pools().entrySet()) {
        ShardPool p = e.getValue();
        Map<PoolArray, float[]> m = new LinkedHashMap<>();
        for (PoolArray a : MOMENTS) {
          String name = e.getKey() + "." + momentName(a);
          SafeTensors.TensorInfo info = r.find(name).orElseThrow(
              () -> new MosFileException(optFile, name, "missing"));
          if (info.dtype() != SafeTensors.Dtype.F32 || !info.hasShape(p.rows(a), p.cols(a))) {
            throw new MosFileException(optFile, name, "is " + info.dtype() + " "
                + java.util.Arrays.toString(info.shape()) + ", expected F32 [" + p.rows(a) + ", "
                + p.cols(a) + "]");
          }
          m.put(a, r.readF32(name));
        }
        moments.put(p, m);
      }
    }
    // ... and the rest of the trainer state, strictly, so that a malformed file changes nothing
    long rngState = integer(s.get("rng_state"), "rng_state", stateFile);
    double savedTrainSeconds = number(s.path("train_seconds"), "train_seconds", stateFile);
    double savedEvalSeconds = number(s.path("eval_seconds"), "eval_seconds", stateFile);
    List<StepRecord> savedTrain = new ArrayList<>();
    for (JsonNode r : rows(s, "train_history", 4, stateFile)) {
      savedTrain.add(new StepRecord(integer(r.get(0), "train_history", stateFile), config.totalSteps(),
          number(r.get(1), "train_history", stateFile), number(r.get(2), "train_history", stateFile),
          number(r.get(3), "train_history", stateFile)));
    }
    List<EvalRecord> savedEval = new ArrayList<>();
    for (JsonNode r : rows(s, "eval_history", 2, stateFile)) {
      savedEval.add(new EvalRecord(integer(r.get(0), "eval_history", stateFile),
          number(r.get(1), "eval_history", stateFile)));
    }
    JsonNode ts = s.path("task_state");
    if (!ts.isMissingNode() && !ts.isNull() && !ts.isTextual()) {
      throw new MosFileException(stateFile, "task_state", "is " + kind(ts) + ", not a string");
    }
    // Everything is read and checked: from here on only writes.
    try {
      adapter.applyTo(model.pools());
    } catch (MosException e) {
      throw new MosFileException(adapterDir, null, e.getMessage(), e);
    }
    for (Map.Entry<ShardPool, Map<PoolArray, float[]>> e : moments.entrySet()) {
      for (Map.Entry<PoolArray, float[]> m : e.getValue().entrySet()) {
        e.getKey().write(m.getKey(), m.getValue());
      }
      e.getKey().zeroGrad();
    }
    model.optimizer().setStepCount(optStep);
    for (Map.Entry<MosLinear, long[]> e : dropoutStates.entrySet()) {
      e.getKey().setDropoutState(e.getValue()[0], e.getValue()[1]);
    }
    rng.setState(rngState);
    step = savedStep;
    trainSeconds = savedTrainSeconds;
    evalSeconds = savedEvalSeconds;
    trainHistory.clear();
    trainHistory.addAll(savedTrain);
    evalHistory.clear();
    evalHistory.addAll(savedEval);
    if (task != null && ts.isTextual()) {
      task.restoreState(ts.asText());
    }
    lastCheckpoint = dir;
  }

  // ---- strict readers of trainer_state.json (a checkpoint may come from anywhere) -------------

  /** An integral JSON number that fits 64 bits ({@code where} names it in the error). */
  private static long integer(JsonNode v, String where, Path file) {
    if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new MosFileException(file, where, "holds " + kind(v) + ", not a 64-bit integer");
    }
    return v.longValue();
  }

  /** A number; NaN and infinities are written as strings by Jackson and read back here. */
  private static double number(JsonNode v, String where, Path file) {
    if (v != null && v.isNumber()) return v.doubleValue();
    if (v != null && v.isTextual()) {
      switch (v.textValue()) {
        case "NaN": return Double.NaN;
        case "Infinity": return Double.POSITIVE_INFINITY;
        case "-Infinity": return Double.NEGATIVE_INFINITY;
        default: break;
      }
    }
    throw new MosFileException(file, where, "holds " + kind(v) + ", not a number");
  }

  /** {@code key}: an array of arrays of exactly {@code width} elements (empty if absent). */
  private static List<JsonNode> rows(JsonNode obj, String key, int width, Path file) {
    JsonNode a = obj.get(key);
    if (a == null || a.isNull()) return List.of();
    if (!a.isArray()) throw new MosFileException(file, key, "is " + kind(a) + ", not an array");
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode r : a) {
      if (!r.isArray() || r.size() != width) {
        throw new MosFileException(file, key, "entry " + printable(r) + " is not an array of "
            + width + " values");
      }
      out.add(r);
    }
    return out;
  }

  private static String kind(JsonNode v) {
    return v == null || v.isMissingNode() ? "missing" : printable(v);
  }

  private static String printable(JsonNode v) {
    return MosFileException.printable(v.toString(), 80);
  }

  private static boolean sameRun(TrainerConfig a, TrainerConfig b) {
    return a.learningRate() == b.learningRate() && a.totalSteps() == b.totalSteps()
        && a.warmupFraction() == b.warmupFraction() && a.maxGradNorm() == b.maxGradNorm()
        && a.evalEvery() == b.evalEvery() && a.evalAtStart() == b.evalAtStart() && a.seed() == b.seed();
  }

  private void pruneCheckpoints() {
    if (config.keepCheckpoints() <= 0) {
      return;
    }
    try (Stream<Path> s = Files.list(config.checkpointDir())) {
      List<Path> entries = s.toList();
      List<Path> all = entries.stream()
          .filter(p -> p.getFileName().toString().matches("checkpoint-\\d+"))
          .sorted(BY_STEP).toList();
      for (int i = 0; i < all.size() - config.keepCheckpoints(); i++) {
        deleteRecursively(all.get(i));
      }
      // Half-written checkpoints of a run that was killed while saving (never read by resume).
      for (Path p : entries) {
        if (p.getFileName().toString().matches("checkpoint-\\d+\\.tmp-.*")) deleteRecursively(p);
      }
    } catch (IOException e) {
      // pruning is best effort; the checkpoint itself is written
    }
  }

  /** Best effort: a leftover is pruned by the next run. */
  static void deleteRecursively(Path dir) {
    try {
      AtomicFiles.deleteRecursively(dir);
    } catch (IOException e) {
      // best effort
    }
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
