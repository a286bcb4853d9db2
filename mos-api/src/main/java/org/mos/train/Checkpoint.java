// SPDX-License-Identifier: Apache-2.0
// Checkpoint: the directory a training run checkpoints into: what it holds, how it is written
// (atomically) and read back (strictly, every file checked before anything changes), finding the
// latest one and pruning old ones.
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
import org.mos.MosException;
import org.mos.MosLinear;
import org.mos.MosModel;
import org.mos.PoolArray;
import org.mos.ShardPool;
import org.mos.io.AtomicFiles;
import org.mos.io.BoundedFiles;
import org.mos.io.MosAdapter;
import org.mos.io.MosFileException;
import org.mos.io.SafeTensors;
import org.mos.io.SafeTensorsReader;
import org.mos.io.SafeTensorsWriter;
import org.mos.train.TrainingListener.EvalRecord;
import org.mos.train.TrainingListener.StepRecord;

/**
 * A checkpoint of a {@link Trainer}: a directory written atomically (a temporary directory, then
 * a rename):
 * <pre>
 *   adapter/                the pools and every block's indices, in the adapter format (org.mos.io)
 *   optimizer.safetensors   AdamW moments per pool ({@code NAME.adam_m_A} ...), step count in the metadata
 *   trainer_state.json      step, config, the data Rng's state, every layer's dropout (seed, counter),
 *                           the loss history, the task's own state
 * </pre>
 * {@link Trainer#saveCheckpoint} writes one and {@link Trainer#resume} restores one; a run with
 * {@code checkpointEvery} writes {@code checkpoint-<step>} directories and keeps the newest few.
 * Reading is strict: a checkpoint may come from anywhere, so every value is checked (type, range,
 * shape) and a bad one is a {@link MosFileException} naming the file and the key.
 *
 * {@snippet :
 * Path latest = Checkpoint.latest(Path.of("run"));        // run/checkpoint-00000500
 * Trainer trainer = Trainer.builder(model).config(Checkpoint.readConfig(latest)).build();
 * trainer.resume(latest, task);
 * }
 */
public final class Checkpoint {
  private Checkpoint() {}

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

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private static final PoolArray[] MOMENTS = {
    PoolArray.ADAM_M_A, PoolArray.ADAM_V_A, PoolArray.ADAM_M_B, PoolArray.ADAM_V_B
  };

  /** checkpoint-N directories by N as a number (names may outgrow the 8 zero-padded digits). */
  private static final Comparator<Path> BY_STEP = Comparator.comparing(
          (Path p) -> new java.math.BigInteger(p.getFileName().toString().substring(11)))
      .thenComparing(p -> p.getFileName().toString());

  /**
   * The trainer's own state between two steps (the model's is read from the model itself).
   *
   * @param taskState the task's {@link TrainingTask#saveState}, or null
   */
  record TrainerState(
      long step,
      long rngState,
      double trainSeconds,
      double evalSeconds,
      List<StepRecord> trainHistory,
      List<EvalRecord> evalHistory,
      String taskState) {}

  // ---- writing --------------------------------------------------------------------------------

  /**
   * Writes a checkpoint of {@code model} (its pools as {@code adapter}, its AdamW moments and step,
   * every layer's dropout state) and of the trainer's {@code state} to directory {@code dir},
   * replacing one there: a temporary sibling directory is filled, then renamed into place.
   *
   * @throws MosFileException when it cannot be written (the previous checkpoint, if any, stays)
   */
  static void write(
      Path dir, MosModel model, MosAdapter adapter, TrainerConfig config, TrainerState state) {
    Path target = dir.toAbsolutePath().normalize();
    Path parent = target.getParent();
    Path tmp = null;
    try {
      Files.createDirectories(parent);
      tmp = Files.createTempDirectory(parent, target.getFileName() + ".tmp-");
      adapter.save(tmp.resolve(ADAPTER_DIR));
      SafeTensorsWriter w = new SafeTensorsWriter();
      AdamW opt = model.optimizer();
      w.metadata("format", "mos-optimizer-state")
          .metadata("optimizer", "AdamW")
          .metadata("step", Long.toString(opt.stepCount()))
          .metadata("beta1", Float.toString(opt.beta1()))
          .metadata("beta2", Float.toString(opt.beta2()))
          .metadata("eps", Float.toString(opt.eps()))
          .metadata("weight_decay", Float.toString(opt.weightDecay()));
      for (Map.Entry<String, ShardPool> e : model.pools().entrySet()) {
        ShardPool p = e.getValue();
        for (PoolArray a : MOMENTS) {
          w.addF32(e.getKey() + "." + momentName(a), new long[] {p.rows(a), p.cols(a)}, p.read(a));
        }
      }
      w.write(tmp.resolve(OPTIMIZER_FILE));
      Files.write(tmp.resolve(STATE_FILE), JSON.writeValueAsBytes(stateJson(model, config, state)));
      AtomicFiles.replaceDirectory(tmp, target);
      tmp = null;
    } catch (IOException e) {
      throw new MosFileException(target, null, "cannot write the checkpoint: " + e, e);
    } finally {
      if (tmp != null) {
        deleteRecursively(tmp);
      }
    }
  }

  private static String momentName(PoolArray a) {
    return switch (a) {
      case ADAM_M_A -> "adam_m_A";
      case ADAM_V_A -> "adam_v_A";
      case ADAM_M_B -> "adam_m_B";
      case ADAM_V_B -> "adam_v_B";
      default -> throw new IllegalArgumentException(a.toString());
    };
  }

  private static ObjectNode stateJson(MosModel model, TrainerConfig config, TrainerState state) {
    ObjectNode s = JSON.createObjectNode();
    s.put("format", STATE_FORMAT);
    s.put("format_version", STATE_VERSION);
    s.put("step", state.step());
    s.set("config", configJson(config));
    s.put("rng_state", state.rngState());
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
    s.put("train_seconds", state.trainSeconds());
    s.put("eval_seconds", state.evalSeconds());
    ArrayNode th = s.putArray("train_history");
    for (StepRecord r : state.trainHistory()) {
      th.addArray().add(r.step()).add(r.loss()).add(r.lr()).add(r.gradNorm());
    }
    ArrayNode eh = s.putArray("eval_history");
    for (EvalRecord r : state.evalHistory()) {
      eh.addArray().add(r.step()).add(r.loss());
    }
    if (state.taskState() == null) {
      s.putNull("task_state");
    } else {
      s.put("task_state", state.taskState());
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

  // ---- finding and pruning --------------------------------------------------------------------

  /** {@code path} itself if it holds a checkpoint, else its latest {@code checkpoint-*} child. */
  public static Path latest(Path path) {
    if (Files.isRegularFile(path.resolve(STATE_FILE))) {
      return path;
    }
    if (Files.isDirectory(path)) {
      try (Stream<Path> s = Files.list(path)) {
        Path latest = s.filter(p -> p.getFileName().toString().matches("checkpoint-\\d+")
                && Files.isRegularFile(p.resolve(STATE_FILE)))
            .max(BY_STEP)
            .orElse(null);
        if (latest != null) {
          return latest;
        }
      } catch (IOException e) {
        throw new MosFileException(path, null, "cannot list: " + e.getMessage(), e);
      }
    }
    throw new MosFileException(
        path,
        null,
        "not a checkpoint (no " + STATE_FILE + ", and no checkpoint-* directory holding one)");
  }

  /**
   * Deletes all but the newest {@code keep} {@code checkpoint-N} directories of {@code dir}, and
   * the half-written ones of a run that was killed while saving (never read by a resume). Best
   * effort: what cannot be deleted now is pruned by the next run.
   */
  static void prune(Path dir, int keep) {
    if (keep <= 0) {
      return;
    }
    try (Stream<Path> s = Files.list(dir)) {
      List<Path> entries = s.toList();
      List<Path> all = entries.stream()
          .filter(p -> p.getFileName().toString().matches("checkpoint-\\d+"))
          .sorted(BY_STEP)
          .toList();
      for (int i = 0; i < all.size() - keep; i++) {
        deleteRecursively(all.get(i));
      }
      for (Path p : entries) {
        if (p.getFileName().toString().matches("checkpoint-\\d+\\.tmp-.*")) deleteRecursively(p);
      }
    } catch (IOException e) {
      // pruning is best effort; the checkpoint itself is written
    }
  }

  /** Best effort: a leftover is pruned by the next run. */
  private static void deleteRecursively(Path dir) {
    try {
      AtomicFiles.deleteRecursively(dir);
    } catch (IOException e) {
      // best effort
    }
  }

  // ---- reading --------------------------------------------------------------------------------

  /**
   * The config a checkpoint was written with (checkpointDir unset), to build the trainer that
   * resumes it.
   *
   * @param checkpoint a checkpoint directory, or a directory of {@code checkpoint-*} ones (the
   *     latest is used)
   */
  public static TrainerConfig readConfig(Path checkpoint) {
    Path dir = latest(checkpoint);
    JsonNode c = readState(dir).path("config");
    try {
      return TrainerConfig.builder()
          .learningRate(c.path("learning_rate").asDouble())
          .totalSteps(c.path("total_steps").asLong())
          .warmupFraction(c.path("warmup_fraction").asDouble())
          .maxGradNorm(c.path("max_grad_norm").asDouble())
          .evalEvery(c.path("eval_every").asLong())
          .evalAtStart(c.path("eval_at_start").asBoolean(true))
          .keepCheckpoints(c.path("keep_checkpoints").asInt(2))
          .seed(c.path("seed").asLong())
          .build();
    } catch (IllegalArgumentException e) {
      throw new MosFileException(dir.resolve(STATE_FILE), "config", e.getMessage(), e);
    }
  }

  private static JsonNode readState(Path dir) {
    Path f = dir.resolve(STATE_FILE);
    JsonNode s;
    try {
      s = JSON.readTree(BoundedFiles.readAll(f, MAX_STATE_BYTES, "a trainer state"));
    } catch (NoSuchFileException e) {
      throw new MosFileException(f, null, "missing");
    } catch (IOException e) {
      throw new MosFileException(f, null, "unreadable: " + e.getMessage(), e);
    }
    if (s == null || !STATE_FORMAT.equals(s.path("format").asText())) {
      throw new MosFileException(
          f, null, "not a mos trainer state (format is not " + STATE_FORMAT + ")");
    }
    if (s.path("format_version").asInt() != STATE_VERSION) {
      throw new MosFileException(
          f,
          "format_version",
          "unknown version " + s.path("format_version").asText() + " (this build reads "
              + STATE_VERSION + ")");
    }
    return s;
  }

  /**
   * A checkpoint read completely and checked against a model and a run's config; nothing is
   * changed until {@link #restoreModel}.
   *
   * @param dir           the checkpoint directory read
   * @param state         the trainer's state
   * @param moments       the AdamW moments, by the model's pools
   * @param optimizerStep AdamW's step count
   * @param dropout       every attached layer's dropout (seed, counter)
   */
  record Loaded(
      Path dir,
      TrainerState state,
      MosAdapter adapter,
      Map<ShardPool, Map<PoolArray, float[]>> moments,
      long optimizerStep,
      Map<MosLinear, long[]> dropout) {

    /** Writes the pools, indices, moments, step count and dropout states into the model. */
    void restoreModel(MosModel model) {
      try {
        adapter.applyTo(model.pools());
      } catch (MosException e) {
        throw new MosFileException(dir.resolve(ADAPTER_DIR), null, e.getMessage(), e);
      }
      for (Map.Entry<ShardPool, Map<PoolArray, float[]>> e : moments.entrySet()) {
        for (Map.Entry<PoolArray, float[]> m : e.getValue().entrySet()) {
          e.getKey().write(m.getKey(), m.getValue());
        }
        e.getKey().zeroGrad();
      }
      model.optimizer().setStepCount(optimizerStep);
      for (Map.Entry<MosLinear, long[]> e : dropout.entrySet()) {
        e.getKey().setDropoutState(e.getValue()[0], e.getValue()[1]);
      }
    }
  }

  /**
   * Reads the checkpoint at {@code checkpoint} (or the latest {@code checkpoint-*} in it) for
   * {@code model}, which must have the checkpoint's pool groups, shapes and MoS settings and the
   * same attached layers, and a run with {@code config}, which must match the checkpoint's in
   * everything that shapes the run (learning rate, steps, warm-up, clipping, evaluation cadence,
   * seed). Everything is read and checked; nothing is changed.
   *
   * @throws MosFileException for a missing, malformed or mismatching checkpoint
   */
  static Loaded read(Path checkpoint, MosModel model, TrainerConfig config) {
    Path dir = latest(checkpoint);
    JsonNode s = readState(dir);
    Path stateFile = dir.resolve(STATE_FILE);
    TrainerConfig saved = readConfig(dir);
    if (!sameRun(saved, config)) {
      throw new MosFileException(
          stateFile,
          "config",
          "the checkpoint was written by a run with " + saved + ", this trainer has " + config
              + " (build the trainer from Checkpoint.readConfig)");
    }
    long savedStep = integer(s.get("step"), "step", stateFile);
    if (savedStep < 0 || savedStep > config.totalSteps()) {
      throw new MosFileException(
          stateFile,
          "step",
          "step " + s.path("step").asText() + " is outside [0, " + config.totalSteps() + "]");
    }
    Map<MosLinear, long[]> dropoutStates = dropoutStates(s.path("dropout"), model, stateFile);
    // the adapter and the moments, completely
    MosAdapter adapter = MosAdapter.load(dir.resolve(ADAPTER_DIR));
    Path optFile = dir.resolve(OPTIMIZER_FILE);
    Map<ShardPool, Map<PoolArray, float[]>> moments = new LinkedHashMap<>();
    long optStep;
    try (SafeTensorsReader r = SafeTensorsReader.open(optFile)) {
      try {
        optStep = Long.parseLong(r.metadata().getOrDefault("step", "-1"));
      } catch (NumberFormatException e) {
        throw new MosFileException(optFile, "__metadata__", "step is not a number");
      }
      if (optStep != savedStep) {
        throw new MosFileException(
            optFile,
            "__metadata__",
            "optimizer step " + optStep + " differs from the trainer's " + savedStep);
      }
      for (Map.Entry<String, ShardPool> e : model.pools().entrySet()) {
        ShardPool p = e.getValue();
        Map<PoolArray, float[]> m = new LinkedHashMap<>();
        for (PoolArray a : MOMENTS) {
          String name = e.getKey() + "." + momentName(a);
          SafeTensors.TensorInfo info =
              r.find(name).orElseThrow(() -> new MosFileException(optFile, name, "missing"));
          if (info.dtype() != SafeTensors.Dtype.F32 || !info.hasShape(p.rows(a), p.cols(a))) {
            throw new MosFileException(
                optFile,
                name,
                "is " + info.dtype() + " "
                    + java.util.Arrays.toString(info.shape()) + ", expected F32 [" + p.rows(a)
                    + ", "
                    + p.cols(a) + "]");
          }
          m.put(a, r.readF32(name));
        }
        moments.put(p, m);
      }
    }
    // ... and the rest of the trainer state, strictly, so that a malformed file changes nothing
    long rngState = integer(s.get("rng_state"), "rng_state", stateFile);
    double trainSeconds = number(s.path("train_seconds"), "train_seconds", stateFile);
    double evalSeconds = number(s.path("eval_seconds"), "eval_seconds", stateFile);
    List<StepRecord> trainHistory = new ArrayList<>();
    for (JsonNode r : rows(s, "train_history", 4, stateFile)) {
      trainHistory.add(new StepRecord(
          integer(r.get(0), "train_history", stateFile),
          config.totalSteps(),
          number(r.get(1), "train_history", stateFile),
          number(r.get(2), "train_history", stateFile),
          number(r.get(3), "train_history", stateFile)));
    }
    List<EvalRecord> evalHistory = new ArrayList<>();
    for (JsonNode r : rows(s, "eval_history", 2, stateFile)) {
      evalHistory.add(new EvalRecord(
          integer(r.get(0), "eval_history", stateFile),
          number(r.get(1), "eval_history", stateFile)));
    }
    JsonNode ts = s.path("task_state");
    if (!ts.isMissingNode() && !ts.isNull() && !ts.isTextual()) {
      throw new MosFileException(stateFile, "task_state", "is " + kind(ts) + ", not a string");
    }
    TrainerState state = new TrainerState(
        savedStep,
        rngState,
        trainSeconds,
        evalSeconds,
        trainHistory,
        evalHistory,
        ts.isTextual() ? ts.asText() : null);
    return new Loaded(dir, state, adapter, moments, optStep, dropoutStates);
  }

  /** Every attached layer's dropout state; the checkpoint must have exactly those layers. */
  private static Map<MosLinear, long[]> dropoutStates(
      JsonNode dropout, MosModel model, Path stateFile) {
    if (!dropout.isObject()) {
      throw new MosFileException(stateFile, "dropout", "is " + kind(dropout) + ", not an object");
    }
    Map<MosLinear, long[]> states = new LinkedHashMap<>();
    for (Map.Entry<String, ShardPool> e : model.pools().entrySet()) {
      for (int k = 0; k < model.numLayers(); k++) {
        MosLinear layer = model.layer(e.getKey(), k);
        JsonNode d = dropout.get(e.getKey() + "." + k);
        if ((layer == null) != (d == null)) {
          throw new MosFileException(
              stateFile,
              "dropout",
              "layer " + e.getKey() + "." + k
                  + (layer == null
                      ? " is in the checkpoint but not attached in the model"
                      : " is attached in the model but has no dropout state in the checkpoint"));
        }
        if (layer != null) {
          if (!d.isArray() || d.size() != 2) {
            throw new MosFileException(
                stateFile,
                "dropout",
                "layer " + e.getKey() + "." + k + ": expected [seed, counter]");
          }
          String where = "dropout." + e.getKey() + "." + k;
          states.put(layer, new long[] {
            integer(d.get(0), where, stateFile), integer(d.get(1), where, stateFile)
          });
        }
      }
    }
    if (dropout.size() != states.size()) {
      throw new MosFileException(
          stateFile,
          "dropout",
          "the checkpoint has " + dropout.size() + " layers, the model " + states.size());
    }
    return states;
  }

  private static boolean sameRun(TrainerConfig a, TrainerConfig b) {
    return a.learningRate() == b.learningRate()
        && a.totalSteps() == b.totalSteps()
        && a.warmupFraction() == b.warmupFraction()
        && a.maxGradNorm() == b.maxGradNorm()
        && a.evalEvery() == b.evalEvery()
        && a.evalAtStart() == b.evalAtStart()
        && a.seed() == b.seed();
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
        case "NaN":
          return Double.NaN;
        case "Infinity":
          return Double.POSITIVE_INFINITY;
        case "-Infinity":
          return Double.NEGATIVE_INFINITY;
        default:
          break;
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
        throw new MosFileException(
            file, key, "entry " + printable(r) + " is not an array of " + width + " values");
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
}
