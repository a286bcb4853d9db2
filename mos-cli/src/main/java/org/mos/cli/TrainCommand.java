// SPDX-License-Identifier: Apache-2.0
// `mos train --model DIR --data FILE --out DIR`: fine-tune an MoS adapter on a Hugging Face
// Llama-family checkpoint from a text or JSONL file, through the Trainer (schedule, clipping,
// validation, best adapter, checkpoints, --resume), the adapter saved straight into --out.
package org.mos.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mos.AdamW;
import org.mos.MosConfig;
import org.mos.MosContext;
import org.mos.MosException;
import org.mos.MosModel;
import org.mos.Status;
import org.mos.io.AdapterConfig;
import org.mos.io.AdapterFormat;
import org.mos.io.MosFileException;
import org.mos.llm.LlamaConfig;
import org.mos.llm.LlamaModel;
import org.mos.llm.LlamaModel.LoadOptions;
import org.mos.llm.LlamaModel.WeightStorage;
import org.mos.llm.data.DataOptions;
import org.mos.llm.data.DataStats;
import org.mos.llm.data.Dataset;
import org.mos.llm.data.Datasets;
import org.mos.llm.tokenizer.Tokenizer;
import org.mos.llm.train.BestAdapterKeeper;
import org.mos.llm.train.LmTrainingTask;
import org.mos.train.Checkpoint;
import org.mos.train.Trainer;
import org.mos.train.TrainerConfig;
import org.mos.train.TrainingListener;
import org.mos.train.TrainingResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** See docs/llm.md ("Fine-tune from text"). */
@Command(
    name = "train",
    header = "Fine-tune an MoS adapter on a checkpoint from a text or JSONL file.",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Trains a new MoS adapter on --model (a Hugging Face Llama-family checkpoint directory "
          + "with its tokenizer files), the base frozen. --data is JSONL when its name ends in "
          + ".jsonl ({\"text\"}, {\"prompt\", \"completion\"} with the loss on the completion "
          + "and EOS, or {\"messages\"} with the chat template), plain text otherwise (packed "
          + "into --seq-len sequences, EOS between documents).",
      "The adapter (adapter_config.json, adapter_model.safetensors) is written into --out "
          + "itself; checkpoints go to --out/checkpoints and the adapter with the lowest "
          + "validation loss to --out/best. --resume continues from the latest checkpoint with "
          + "its settings.",
      "Plain LoRA of rank N is --r N --equivalent-rank N --private-rank N --shards-per-vector 1.",
      ""
    })
final class TrainCommand implements Callable<Integer> {
  /** Where checkpoints go inside --out. */
  static final String CHECKPOINTS = "checkpoints";
  /** Where the best adapter goes inside --out. */
  static final String BEST = "best";

  @Spec
  CommandSpec spec;

  @Option(
      names = "--model",
      paramLabel = "DIR",
      required = true,
      description = "A Hugging Face checkpoint directory: config.json, the safetensors weights "
          + "and tokenizer.json (what 'huggingface-cli download' writes).")
  Path model;

  @Option(
      names = "--data",
      paramLabel = "FILE",
      required = true,
      description = "Training data: a .jsonl file, or plain UTF-8 text.")
  Path data;

  @Option(
      names = "--val",
      paramLabel = "FILE",
      description = "Validation data, read the same way (default: --val-fraction of --data).")
  Path val;

  @Option(
      names = "--val-fraction",
      paramLabel = "F",
      description = "Without --val: hold out this fraction of --data's examples for validation "
          + "(default: 0.1 when --data gives at least 10 examples, else none).")
  Double valFraction;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      required = true,
      description = "The adapter directory to write (created if missing).")
  Path out;

  @Option(
      names = "--targets",
      paramLabel = "q_proj,k_proj,...|all",
      defaultValue = "all",
      description = "The projections to adapt, comma-separated, or all seven (default: "
          + "${DEFAULT-VALUE}).")
  String targets;

  @Mixin
  MosOptions mosOptions;

  @Mixin
  TrainingOptions training;

  @Option(
      names = "--weight-dtype",
      paramLabel = "auto|bf16|f32",
      defaultValue = "auto",
      converter = ModelOptions.StorageConverter.class,
      description = "How the frozen weights are held: auto (f32 for F32/F16 checkpoints, bf16 "
          + "for BF16 ones; the default), bf16 or f32. Computation is f32 either way.")
  WeightStorage weightStorage;

  @Option(
      names = "--threads",
      paramLabel = "N",
      defaultValue = "0",
      description = "CPU threads (OpenMP and OpenBLAS; default: 0, the library's default). One "
          + "thread is often faster for tiny models and on busy machines.")
  int threads;

  @Option(
      names = "--resume",
      description = "Continue from the latest checkpoint in --out/checkpoints; the settings "
          + "come from it (the data must be the same), except --checkpoint-every and "
          + "--threads.")
  boolean resume;

  @Option(
      names = "--progress",
      paramLabel = "MODE",
      hidden = true,
      description = "live, lines or off (default: live on a terminal, else lines).")
  Progress.Mode progress;

  @Override
  public Integer call() throws Exception {
    PrintWriter o = spec.commandLine().getOut();
    Progress.Mode mode = progress != null ? progress : Progress.detectMode();
    training.check();
    List<String> projections = parseTargets();
    if (valFraction != null && !(valFraction >= 0 && valFraction < 1)) {
      throw new ParameterException(
          spec.commandLine(), "--val-fraction must be in [0, 1), got " + valFraction);
    }
    if (val != null && valFraction != null && valFraction > 0) {
      throw new ParameterException(spec.commandLine(), "give --val or --val-fraction, not both");
    }
    if (threads < 0) {
      throw new ParameterException(spec.commandLine(), "--threads must be >= 0, got " + threads);
    }
    if (resume && training.checkpointEvery == 0) {
      throw new ParameterException(
          spec.commandLine(),
          "--resume needs checkpoints (a run with" + " --checkpoint-every 0 writes none)");
    }
    if (!resume) mosOptions.config(training.seed); // the shape-free checks, before any file
    Path ckDir = out.resolve(CHECKPOINTS);

    if (!resume && hasCheckpoints(ckDir)) {
      throw new MosFileException(
          ckDir,
          "holds the checkpoints of an earlier run: continue it"
              + " with --resume, or remove the directory (or choose another --out) to start anew");
    }
    // resuming: the settings come from the latest checkpoint (read before the model is loaded)
    Settings s = resume ? Settings.fromCheckpoint(ckDir, training.checkpointEvery) : null;
    String dataHash = sha256(data);
    if (s != null && !s.dataHash.equals(dataHash)) {
      throw new MosException(
          Status.INVALID_ARGUMENT,
          s.checkpoint + ": the checkpoint was trained" + " on other data (sha256 " + s.dataHash
              + "), not " + data);
    }

    long t0 = System.nanoTime();
    try (MosContext ctx = MosContext.cpu();
        LlamaModel lm = LlamaModel.load(
            withThreads(ctx, threads),
            model,
            LoadOptions.defaults().withWeightStorage(weightStorage).withTokenizer(true))) {
      LlamaConfig c = lm.config();
      Tokenizer tok = lm.tokenizer()
          .orElseThrow(() -> new MosFileException(
              model, "no tokenizer.json: mos train needs the checkpoint's tokenizer"));
      o.printf(
          Locale.ROOT,
          "model: %s, %d blocks, hidden %d, vocabulary %d, %d positions, %s"
              + " weights (loaded in %.1f s)%n",
          lm.name(),
          c.numLayers(),
          c.hiddenSize(),
          c.vocabSize(),
          c.maxPositions(),
          lm.weightDtype(),
          (System.nanoTime() - t0) / 1e9);

      if (s == null) s = Settings.fromOptions(this, c, projections, o);
      // data
      Datasets.Read main = Datasets.read(data, tok, s.seqLen);
      Datasets.Read held = val == null ? null : Datasets.read(val, tok, s.seqLen);
      double fraction = held != null
          ? 0
          : s.valFraction >= 0 ? s.valFraction : main.examples().size() >= 10 ? 0.1 : 0;
      s.valFraction = fraction;
      Dataset ds = Datasets.split(
          data, main, held, new DataOptions(s.seqLen, fraction, null, s.trainer.seed()));
      describeData(o, main.stats(), held == null ? null : held.stats(), ds, fraction);

      // the adapter
      MosConfig mos = s.mos;
      for (String p : s.projections) {
        int[] shape = LlamaModel.projectionShape(c, p);
        try {
          mos.validateFor(shape[0], shape[1], c.numLayers());
        } catch (MosException e) {
          throw new ParameterException(
              spec.commandLine(),
              p + " (" + shape[0] + " -> " + shape[1] + ", " + c.numLayers() + " blocks): "
                  + e.getMessage());
        }
      }
      MosModel adapter = lm.attachNewAdapter(mos, s.projections, AdamW.builder());
      long trainable = adapter.trainableParameters();
      o.printf(
          Locale.ROOT,
          "adapter: MoS r=%d R_eq=%d p=%d l=%d alpha=%s dropout=%s on %s:"
              + " %,d trainable parameters (LoRA of rank %d has as many; of rank %d, %,d)%n",
          mos.rank(),
          mos.equivalentRank(),
          mos.privateRank(),
          mos.shardsPerVector(),
          fmt(mos.alpha()),
          fmt(mos.dropout()),
          String.join(",", s.projections),
          trainable,
          mos.equivalentRank(),
          mos.rank(),
          trainable / mos.equivalentRank() * mos.rank());

      LmTrainingTask task =
          new LmTrainingTask(lm, ds, s.batchTokens, s.gradAccum, s.trainer.seed());
      Map<String, Object> meta = s.metadata(data, dataHash, val);
      Trainer.Builder tb = lm.trainer().config(s.trainer);
      meta.forEach(tb::metadata);
      Trainer trainer = tb.build();
      BestAdapterKeeper best =
          ds.validation().isEmpty() ? null : new BestAdapterKeeper(lm, out.resolve(BEST), meta);
      if (resume) {
        trainer.resume(s.checkpoint, task);
        if (best != null) best.resumeFrom(trainer.evalHistory());
        o.printf(
            "resuming %s at step %d of %d (the settings come from the checkpoint)%n",
            s.checkpoint, trainer.step(), s.trainer.totalSteps());
      }
      TrainerConfig tc = s.trainer;
      o.printf(
          Locale.ROOT,
          "training: %d steps of %d batch(es) of at most %,d tokens (an epoch is"
              + " %d batches), lr %s, warm-up %s, clipping %s, seed %d%n",
          tc.totalSteps(),
          s.gradAccum,
          s.batchTokens,
          task.batchesPerEpoch(),
          fmt(tc.learningRate()),
          fmt(tc.warmupFraction()),
          fmt(tc.maxGradNorm()),
          tc.seed());
      o.flush();
      long tokensAtStart = task.tokensTrained();
      TrainingResult result;
      try (Progress bar = Progress.start("train", tc.totalSteps(), o, mode).unit("tok/s")) {
        if (best != null) trainer.addListener(best); // first: the line below says "best"
        trainer.addListener(new TrainingListener() {
          @Override
          public void onStep(StepRecord r) {
            bar.update(r.step(), r.loss(), task.tokensTrained() - tokensAtStart);
          }

          @Override
          public void onEval(EvalRecord r) {
            if (Double.isNaN(r.loss())) return;
            boolean isBest = best != null && best.bestStep() == r.step();
            String line = String.format(
                Locale.ROOT,
                "step %d: validation loss %.4f%s",
                r.step(),
                r.loss(),
                isBest ? " (best so far)" : "");
            if (bar.mode() == Progress.Mode.OFF) {
              o.println(line);
            } else {
              bar.log(line);
            }
          }
        });
        result = trainer.run(task);
      }
      trainer.saveAdapter(out);
      if (!result.eval().isEmpty() && !ds.validation().isEmpty()) {
        o.printf(
            Locale.ROOT,
            "validation loss: %.4f before training, %.4f after; the best, %.4f"
                + " at step %d, is in %s%n",
            result.eval().get(0).loss(),
            result.finalEvalLoss(),
            best.bestLoss(),
            best.bestStep(),
            out.resolve(BEST));
      }
      o.printf(
          Locale.ROOT,
          "trained %,d tokens in %s; saved the adapter to %s (%s)%n",
          task.tokensTrained(),
          Table.duration(result.trainSeconds()),
          out,
          Table.bytes(Files.size(out.resolve(AdapterFormat.WEIGHTS_FILE))
              + Files.size(out.resolve(AdapterFormat.CONFIG_FILE))));
    }
    return 0;
  }

  private static boolean hasCheckpoints(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) return false;
    try (var s = Files.list(dir)) {
      return s.anyMatch(p -> p.getFileName().toString().startsWith("checkpoint-"));
    }
  }

  private static MosContext withThreads(MosContext ctx, int threads) {
    if (threads > 0) ctx.setNumThreads(threads);
    return ctx;
  }

  private List<String> parseTargets() {
    if (targets.strip().equalsIgnoreCase("all")) return LlamaModel.PROJECTIONS;
    List<String> list = new ArrayList<>();
    for (String t : targets.split(",", -1)) {
      String p = t.strip();
      if (!LlamaModel.PROJECTIONS.contains(p)) {
        throw new ParameterException(
            spec.commandLine(),
            "--targets: '" + p + "' is not a" + " projection (one of "
                + String.join(",", LlamaModel.PROJECTIONS) + ", or all)");
      }
      if (list.contains(p)) {
        throw new ParameterException(spec.commandLine(), "--targets: '" + p + "' is given twice");
      }
      list.add(p);
    }
    return list;
  }

  private static void describeData(
      PrintWriter o, DataStats main, DataStats held, Dataset ds, double fraction) {
    o.printf(
        Locale.ROOT,
        "data: %s, %,d record(s) -> %,d example(s), %,d tokens (%,d trained" + " on)%n",
        switch (main.format()) {
          case PLAIN_TEXT -> "plain text";
          case JSONL_TEXT -> "JSONL {text}";
          case JSONL_PROMPT_COMPLETION -> "JSONL {prompt, completion}";
          default -> "JSONL {messages}";
        },
        main.records(),
        main.examples(),
        main.tokens(),
        main.targets());
    List<String> notes = new ArrayList<>();
    DataStats all = held == null ? main : main.plus(held);
    if (all.truncated() > 0) notes.add(all.truncated() + " truncated to --seq-len");
    if (all.dropped() > 0) notes.add(all.dropped() + " dropped (no target token left)");
    if (all.wholeTextLoss() > 0) notes.add(all.wholeTextLoss() + " trained on their whole text");
    if (all.inexactBoundaries() > 0) {
      notes.add(all.inexactBoundaries() + " tokenized in parts at a boundary");
    }
    if (!notes.isEmpty()) o.println("      " + String.join("; ", notes));
    String how = held != null
        ? "the --val file"
        : fraction > 0
            ? String.format(Locale.ROOT, "%.0f%% held out", 100 * fraction)
            : "none (fewer than 10 examples; give --val or --val-fraction)";
    o.printf(
        Locale.ROOT,
        "split: %,d training, %,d validation example(s) (%s)%n",
        ds.train().size(),
        ds.validation().size(),
        how);
  }

  private static String fmt(float v) {
    return v == Math.rint(v) && Math.abs(v) < 1e9 ? Long.toString((long) v) : Float.toString(v);
  }

  private static String fmt(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e9
        ? Long.toString((long) v)
        : Double.toString(v).replace("E", "e");
  }

  static String sha256(Path file) throws IOException {
    org.mos.io.BoundedFiles.requireRegularFile(file, "training data");
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) md.update(buf, 0, n);
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** What a run trains with: from the options, or from the checkpoint it resumes. */
  private static final class Settings {
    MosConfig mos;
    List<String> projections;
    TrainerConfig trainer;
    int seqLen;
    int batchTokens;
    int gradAccum;
    double valFraction = -1;
    String dataHash;
    Path checkpoint;

    static Settings fromOptions(
        TrainCommand cmd, LlamaConfig c, List<String> projections, PrintWriter o) {
      Settings s = new Settings();
      TrainingOptions t = cmd.training;
      s.projections = projections;
      s.trainer = t.trainerConfig(cmd.out.resolve(CHECKPOINTS));
      s.seqLen = t.seqLen;
      boolean seqGiven = cmd.spec.commandLine().getParseResult().hasMatchedOption("--seq-len");
      if (s.seqLen > c.maxPositions()) {
        s.seqLen = c.maxPositions();
        o.printf(
            "seq-len: %d, the model's max_position_embeddings (%s %d)%n",
            s.seqLen, seqGiven ? "--seq-len" : "the default", t.seqLen);
      }
      s.batchTokens = t.batchTokens;
      if (s.batchTokens < s.seqLen) {
        o.printf(
            "batch-tokens: %d, raised to the sequence length (--batch-tokens %d)%n",
            s.seqLen, s.batchTokens);
        s.batchTokens = s.seqLen;
      }
      s.gradAccum = t.gradAccum;
      if (cmd.valFraction != null) s.valFraction = cmd.valFraction;
      MosConfig mos = cmd.mosOptions.config(t.seed);
      boolean rGiven = cmd.spec.commandLine().getParseResult().hasMatchedOption("--r");
      int p = mos.privateRank(), eq = mos.equivalentRank(), l = c.numLayers();
      // (r - p) <= (R_eq - p) L: the public rank vectors must fit the shared pool
      long maxR = p == eq ? eq : p + (long) (eq - p) * l;
      if (!rGiven && mos.rank() > maxR) {
        o.printf(
            "r: %d, the largest r that R_eq=%d and p=%d allow with %d blocks ((r - p) <="
                + " (R_eq - p) L; the default is %d)%n",
            maxR, eq, p, l, mos.rank());
        mos = new MosConfig(
            (int) maxR, eq, p, mos.shardsPerVector(), mos.alpha(), mos.dropout(), mos.seed());
      }
      s.mos = mos;
      return s;
    }

    /** The settings of the latest checkpoint in {@code ckDir}; checkpoints every {@code every}. */
    static Settings fromCheckpoint(Path ckDir, long every) {
      if (!Files.isDirectory(ckDir)) {
        throw new MosFileException(ckDir, "no checkpoint to resume (no such directory)");
      }
      Settings s = new Settings();
      s.checkpoint = Checkpoint.latest(ckDir);
      AdapterConfig ac = AdapterFormat.readConfig(s.checkpoint.resolve(Checkpoint.ADAPTER_DIR));
      TrainerConfig saved = Checkpoint.readConfig(s.checkpoint);
      s.trainer = saved.toBuilder().checkpointDir(ckDir).checkpointEvery(every).build();
      s.mos = new MosConfig(
          ac.r(),
          ac.equivalentRank(),
          ac.privateRank(),
          ac.shardsPerVector(),
          ac.loraAlpha(),
          ac.loraDropout(),
          saved.seed());
      s.projections = List.copyOf(ac.pools().keySet());
      Map<String, Object> m = ac.metadata();
      s.seqLen = intOf(m, "seq_len", s.checkpoint);
      s.batchTokens = intOf(m, "batch_tokens", s.checkpoint);
      s.gradAccum = intOf(m, "grad_accum", s.checkpoint);
      Object f = m.get("val_fraction");
      if (!(f instanceof Number n)) throw missing(s.checkpoint, "val_fraction");
      s.valFraction = n.doubleValue();
      if (!(m.get("data_sha256") instanceof String h)) throw missing(s.checkpoint, "data_sha256");
      s.dataHash = h;
      return s;
    }

    Map<String, Object> metadata(Path data, String hash, Path val) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("data", data.toString());
      m.put("data_sha256", hash);
      if (val != null) m.put("validation_data", val.toString());
      m.put("val_fraction", valFraction);
      m.put("seq_len", seqLen);
      m.put("batch_tokens", batchTokens);
      m.put("grad_accum", gradAccum);
      return m;
    }

    private static int intOf(Map<String, Object> m, String key, Path ck) {
      if (!(m.get(key) instanceof Number n)) throw missing(ck, key);
      return n.intValue();
    }

    private static MosFileException missing(Path ck, String key) {
      return new MosFileException(
          ck.resolve(Checkpoint.ADAPTER_DIR),
          "metadata." + key + " is missing: not a checkpoint of mos train");
    }
  }
}
