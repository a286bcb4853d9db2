// SPDX-License-Identifier: Apache-2.0
// `mos train`: fine-tune MoS adapters with the Trainer on a text file, on the demo's model family
// (a character-level language model whose base is pretrained once and cached), with progress,
// periodic checkpoints, --resume, and the adapter saved in the adapter format.
package org.mos.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.mos.MosConfig;
import org.mos.MosContext;
import org.mos.MosException;
import org.mos.Status;
import org.mos.cli.demo.AdaptedLm;
import org.mos.cli.demo.BaseModels;
import org.mos.cli.demo.BaseCache;
import org.mos.cli.demo.CoreDense;
import org.mos.cli.demo.DemoCorpus;
import org.mos.cli.demo.LmConfig;
import org.mos.cli.demo.TextData;
import org.mos.cli.demo.Vocab;
import org.mos.io.AdapterConfig;
import org.mos.io.AdapterFormat;
import org.mos.train.Checkpoint;
import org.mos.train.Trainer;
import org.mos.train.TrainerConfig;
import org.mos.train.TrainingListener;
import org.mos.train.TrainingResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** See docs/demo.md ("mos train"). */
@Command(
    name = "train",
    header = "Fine-tune MoS adapters on a text file (the demo's character-level model).",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Fine-tunes MoS adapters on TEXT (UTF-8) with the base frozen. The model is the demo's: a "
            + "character-level language model whose blocks' up and down projections carry the "
            + "adapters (pool groups up_proj and down_proj shared by all blocks). Its base is "
            + "pretrained once on the JDK's Java sources (or --base-corpus) and cached. TEXT is cut "
            + "into 1,024-character blocks, 90%% to train and 10%% to validation. Prints progress and "
            + "the validation loss in bits per character; saves the adapter (--save).",
        "",
        "Plain LoRA of rank N is --r N --equivalent-rank N --private-rank N --shards-per-vector 1.",
        ""})
public final class TrainCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "TEXT", description = "The UTF-8 text file to fine-tune on.")
  Path text;

  @Option(names = "--save", paramLabel = "ADAPTER", defaultValue = "mos-out/train/adapter",
      description = "Directory to save the adapter to (default: ${DEFAULT-VALUE}).")
  Path save;

  @Mixin MosOptions mosOptions;

  @Option(names = "--lr", paramLabel = "X", defaultValue = "0.01",
      description = "Peak learning rate (default: 0.01, the demo search's choice on the standard model).")
  double lr;

  @Option(names = "--steps", paramLabel = "N", defaultValue = "500", description = "Optimizer steps (default: 500).")
  long steps;

  @Option(names = "--warmup", paramLabel = "F", defaultValue = "0.03",
      description = "Warm-up fraction of the linear schedule (default: 0.03).")
  double warmup;

  @Option(names = "--clip", paramLabel = "X", defaultValue = "0.3",
      description = "Gradient-norm clipping threshold, 0 to disable (default: 0.3).")
  double clip;

  @Option(names = "--seed", paramLabel = "N", defaultValue = "0",
      description = "Seed of the adapter's init, indices, dropout and batches (default: 0).")
  long seed;

  @Option(names = "--eval-every", paramLabel = "N", defaultValue = "50",
      description = "Validation loss every N steps (and at the end; default: 50).")
  long evalEvery;

  @Option(names = "--checkpoint-dir", paramLabel = "DIR",
      description = "Write checkpoints (checkpoint-<step>/) here.")
  Path checkpointDir;

  @Option(names = "--checkpoint-every", paramLabel = "N", defaultValue = "0",
      description = "Checkpoint every N steps (needs --checkpoint-dir; default: at the end only).")
  long checkpointEvery;

  @Option(names = "--resume", paramLabel = "CHECKPOINT",
      description = "Continue from a checkpoint (a checkpoint-<step> directory or the directory "
          + "holding them: the latest). The training settings come from the checkpoint.")
  Path resume;

  @Option(names = "--model", paramLabel = "PRESET", defaultValue = "standard",
      description = "Model size: standard, quick or tiny (default: ${DEFAULT-VALUE}).")
  String model;

  @Option(names = "--base-corpus", paramLabel = "PATH",
      description = "Pretrain the base on this text instead of the JDK's Java sources.")
  Path baseCorpus;

  @Option(names = "--cache-dir", paramLabel = "DIR",
      description = "Where the pretrained base is cached (default: as for mos demo).")
  Path cacheDir;

  @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
      description = "Native threads (default: 1).")
  int threads;

  @Option(names = "--progress", paramLabel = "MODE", hidden = true,
      description = "live, lines or off (default: live on a terminal, else lines).")
  Progress.Mode progress;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Progress.Mode mode = progress != null ? progress : Progress.detectMode();
    LmConfig cfg;
    try {
      cfg = LmConfig.preset(model);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--model: " + e.getMessage());
    }
    if (steps < 1 || evalEvery < 0 || checkpointEvery < 0 || threads < 1) {
      throw new ParameterException(spec.commandLine(),
          "--steps and --threads must be >= 1, --eval-every and --checkpoint-every >= 0");
    }
    if (checkpointEvery > 0 && checkpointDir == null && resume == null) {
      throw new ParameterException(spec.commandLine(), "--checkpoint-every needs --checkpoint-dir");
    }
    MosConfig mos = null;
    TrainerConfig tc = null;
    if (resume == null) { // options are checked before any file is read
      mos = mosOptions.config(seed);
      try {
        mos.validateFor(cfg.width(), cfg.hidden(), cfg.layers()).validateFor(cfg.hidden(), cfg.width(), cfg.layers());
        tc = TrainerConfig.builder().learningRate(lr).totalSteps(steps).warmupFraction(warmup).maxGradNorm(clip)
            .evalEvery(evalEvery).checkpointDir(checkpointDir)
            .checkpointEvery(checkpointDir != null && checkpointEvery == 0 ? steps : checkpointEvery)
            .seed(seed).build();
      } catch (MosException | IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
    }
    byte[] raw = org.mos.io.BoundedFiles.readAll(text, DemoCorpus.MAX_TEXT_BYTES,
        "a text to train on (it is read into memory whole)");
    byte[] encoded = Vocab.encode(new String(raw, StandardCharsets.UTF_8));
    int minChars = 3 * (cfg.context() + 64);
    if (encoded.length < minChars) {
      throw new MosException(Status.INVALID_ARGUMENT, text + ": holds " + encoded.length
          + " characters; training needs at least " + minChars);
    }
    String textHash = DemoCorpus.sha256(encoded);

    // resuming: what to train comes from the checkpoint
    Path resumeDir = null;
    if (resume != null) {
      resumeDir = Checkpoint.latest(resume);
      AdapterConfig ac = AdapterFormat.readConfig(resumeDir.resolve(Checkpoint.ADAPTER_DIR));
      Object savedHash = ac.metadata().get("text_sha256");
      if (savedHash != null && !savedHash.equals(textHash)) {
        throw new MosException(Status.INVALID_ARGUMENT, resumeDir + ": the checkpoint was trained on "
            + "another text (sha256 " + savedHash + "), not " + text);
      }
      Object savedModel = ac.metadata().get("model_preset");
      if (savedModel != null && !savedModel.equals(cfg.name())) {
        throw new MosException(Status.INVALID_ARGUMENT, resumeDir + ": the checkpoint is for --model "
            + savedModel + ", not " + cfg.name());
      }
      TrainerConfig saved = Checkpoint.readConfig(resumeDir);
      mos = MosConfig.builder().rank(ac.r()).equivalentRank(ac.equivalentRank()).privateRank(ac.privateRank())
          .shardsPerVector(ac.shardsPerVector()).alpha(ac.loraAlpha()).dropout(ac.loraDropout())
          .seed(saved.seed()).build();
      Path ckDir = checkpointDir != null ? checkpointDir : resumeDir.getParent();
      tc = saved.toBuilder().checkpointDir(ckDir)
          .checkpointEvery(checkpointEvery > 0 ? checkpointEvery : saved.totalSteps()).build();
      out.printf("resuming %s: r=%d R_eq=%d p=%d l=%d, lr %s, %d steps (settings from the checkpoint)%n",
          resumeDir, ac.r(), ac.equivalentRank(), ac.privateRank(), ac.shardsPerVector(), saved.learningRate(),
          saved.totalSteps());
    }

    TextData.Split split = TextData.split(encoded, cfg.context(), 1024, 0.1, 0);
    int[] valPos = split.validation().evalPositions(4096, cfg.batch());
    out.printf("text: %s, %,d characters (train %,d, validation %,d)%n", text, encoded.length,
        split.train().chars(), split.validation().chars());
    try (MosContext ctx = MosContext.cpu(); CoreDense dense = new CoreDense(ctx)) {
      ctx.setNumThreads(threads);
      BaseModels.Base base;
      if (baseCorpus != null) {
        DemoCorpus c;
        try {
          c = DemoCorpus.fromUserText(baseCorpus, 2 * minChars);
        } catch (DemoCorpus.MissingCorpusException e) {
          throw new MosException(Status.INVALID_ARGUMENT, "train: --base-corpus: " + e.getMessage());
        }
        byte[] all = new byte[c.pretrain().length + c.finetune().length]; // the whole text pretrains
        System.arraycopy(c.pretrain(), 0, all, 0, c.pretrain().length);
        System.arraycopy(c.finetune(), 0, all, c.pretrain().length, c.finetune().length);
        base = BaseModels.loadOrPretrain(cfg, all, baseCorpus.toString(), 1, dir(), false, dense, out, mode);
      } else {
        DemoCorpus c;
        try {
          c = DemoCorpus.fromJdk(cfg.pretrainChars());
        } catch (DemoCorpus.MissingCorpusException e) {
          throw new MosException(Status.INVALID_ARGUMENT, "train: " + e.getMessage().replace(
              "./mos demo --corpus PATH", "./mos train --base-corpus PATH"));
        }
        base = BaseModels.loadOrPretrain(cfg, c.pretrain(), c.pretrainSource(), 1, dir(), false, dense, out, mode);
      }
      try (AdaptedLm task = new AdaptedLm(ctx, base.weights(), mos, dense, split.train(), split.validation(),
          valPos)) {
        Trainer trainer = Trainer.builder(task.model()).config(tc)
            .modulePath(AdaptedLm.UP, AdaptedLm.UP_PATH).modulePath(AdaptedLm.DOWN, AdaptedLm.DOWN_PATH)
            .baseModel("mos-demo-base-" + base.key()).metadata("text_sha256", textHash)
            .metadata("model_preset", cfg.name()).metadata("text", text.toString()).build();
        if (resumeDir != null) {
          trainer.resume(resumeDir, task);
        }
        out.printf("training %,d parameters (LoRA rank %d would have as many; active rank %d) for steps "
            + "%d..%d%n", task.model().trainableParameters(), mos.equivalentRank(), mos.rank(), trainer.step() + 1,
            tc.totalSteps());
        out.flush();
        TrainingResult result;
        try (Progress bar = Progress.start("train", tc.totalSteps(), out, mode)) {
          trainer.addListener(new TrainingListener() {
            @Override
            public void onStep(StepRecord s) {
              bar.update(s.step(), s.loss(), s.step() * cfg.batch());
            }

            @Override
            public void onEval(EvalRecord e) {
              bar.log(String.format("step %d: validation %.4f bits/char", e.step(), e.loss()));
            }

            @Override
            public void onCheckpoint(long step, Path dir) {
              bar.log("checkpoint: " + dir);
            }
          });
          result = trainer.run(task);
        }
        trainer.saveAdapter(save);
        double first = result.eval().isEmpty() ? Double.NaN : result.eval().get(0).loss();
        out.printf("validation: %.4f bits/char before training, %.4f after; %s of training%n", first,
            result.finalEvalLoss(), Table.duration(result.trainSeconds()));
        out.printf("saved the adapter to %s (%s)%n", save, Table.bytes(size(save)));
      }
    }
    return 0;
  }

  private Path dir() {
    return cacheDir != null ? cacheDir : BaseCache.defaultDir();
  }

  private static long size(Path dir) throws IOException {
    try (var s = Files.walk(dir)) {
      long n = 0;
      for (Path f : s.filter(Files::isRegularFile).toList()) {
        n += Files.size(f);
      }
      return n;
    }
  }
}
