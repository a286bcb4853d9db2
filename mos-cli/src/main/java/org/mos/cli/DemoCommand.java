// SPDX-License-Identifier: Apache-2.0
// `mos demo`: the README's main job. Pretrains (or loads) a small character-level language model
// on the JDK's Java sources, fine-tunes it on the JDK's license texts with LoRA r0, MoS (same
// parameters, larger active rank) and LoRA r, and reports held-out loss, sizes and times.
package org.mos.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.mos.MosConfig;
import org.mos.MosException;
import org.mos.Status;
import org.mos.cli.demo.DemoCorpus;
import org.mos.cli.demo.DemoRunner;
import org.mos.cli.demo.DemoSettings;
import org.mos.cli.demo.LmConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** See docs/demo.md. */
@Command(
    name = "demo",
    header = "Compare LoRA and MoS on a small language model, on text this machine has.",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Pretrains a small character-level language model (residual MLP blocks, each with an up "
            + "and a down projection) on the JDK's own Java sources (lib/src.zip) and caches it, "
            + "then fine-tunes it with the base frozen on the JDK's license texts (legal/), "
            + "comparing LoRA at rank R_eq (--equivalent-rank), MoS with the same trainable "
            + "parameters and active rank r (--r), and LoRA at rank r. Every method gets the same learning-rate search. "
            + "Prints a table (trainable parameters, adapter bytes, held-out bits per character "
            + "over seeds, training time) and writes report.md, loss-curves.png, results.json and "
            + "the adapters to the output directory. No downloads.",
        "",
        "The default run takes a few minutes on 2 cores (the first run also pretrains the base); "
            + "--quick takes under a minute.",
        ""})
public final class DemoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--quick", description = "A smaller model and shorter runs (under a minute).")
  boolean quick;

  @Option(names = "--corpus", paramLabel = "PATH",
      description = "Train on your own UTF-8 text (a file, or a directory of files) instead of the "
          + "JDK's: the first half pretrains the base, the second half is the fine-tuning domain.")
  Path corpus;

  @Option(names = {"-o", "--out"}, paramLabel = "DIR", defaultValue = "mos-out/demo",
      description = "Output directory (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--cache-dir", paramLabel = "DIR",
      description = "Where the pretrained base is cached (default: $MOS_CACHE_DIR, else "
          + "$XDG_CACHE_HOME/mos, else ~/.cache/mos).")
  Path cacheDir;

  @Option(names = "--retrain-base", description = "Pretrain the base again even if it is cached.")
  boolean retrainBase;

  @Option(names = "--seeds", paramLabel = "N", description = "Seeds per method (default: 2).")
  Integer seeds;

  @Option(names = "--steps", paramLabel = "N", description = "Steps of each full run.")
  Integer steps;

  @Option(names = "--search-steps", paramLabel = "N",
      description = "Steps of each learning-rate search run.")
  Integer searchSteps;

  @Option(names = "--lrs", paramLabel = "LR", split = ",",
      description = "The learning rates every method tries (default: 3e-3,1e-2,3e-2).")
  List<Double> learningRates;

  /** MoS's r, R_eq, p, l; LoRA runs at ranks R_eq and r; alpha and dropout for every method. */
  @Mixin MosOptions mos;

  @Option(names = "--workers", paramLabel = "N",
      description = "Fine-tuning runs at a time (default: the cores, at most 2).")
  Integer workers;

  @Option(names = "--threads", paramLabel = "N",
      description = "Native threads per run (default: 1; more only helps on an idle machine).")
  Integer threads;

  @Option(names = "--model", paramLabel = "PRESET", hidden = true,
      description = "Model preset: standard, quick or tiny (tests).")
  String model;

  @Option(names = "--progress", paramLabel = "MODE", hidden = true,
      description = "live, lines or off (default: live on a terminal, else lines).")
  Progress.Mode progress;

  @Override
  public Integer call() throws Exception {
    DemoSettings s = settings();
    PrintWriter o = spec.commandLine().getOut();
    o.printf("mos demo%s: LoRA r=%d vs MoS r=%d (R_eq=%d, p=%d, l=%d) vs LoRA r=%d on a %d-block "
        + "character model; output in %s%n", quick ? " --quick" : "", s.r0, s.r, s.r0, s.p, s.l, s.r,
        s.model.layers(), s.out);
    try {
      new DemoRunner(s, o, progress != null ? progress : Progress.detectMode()).run();
    } catch (DemoCorpus.MissingCorpusException e) {
      throw new MosException(Status.INVALID_ARGUMENT, "demo: " + e.getMessage());
    }
    return 0;
  }

  DemoSettings settings() {
    DemoSettings s = quick ? DemoSettings.quick() : DemoSettings.standard();
    if (model != null) {
      try {
        LmConfig preset = LmConfig.preset(model);
        if (preset.name().equals("tiny")) {
          s = DemoSettings.tiny();
        }
        s.model = preset;
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
    }
    s.corpus = corpus;
    s.out = out;
    if (cacheDir != null) {
      s.cacheDir = cacheDir;
    }
    s.retrainBase = retrainBase;
    s.seeds = positive("--seeds", seeds, s.seeds);
    s.steps = positive("--steps", steps, s.steps);
    s.searchSteps = positive("--search-steps", searchSteps, s.searchSteps);
    if (learningRates != null) {
      for (double lr : learningRates) {
        if (!(lr > 0) || !Double.isFinite(lr)) {
          throw new ParameterException(spec.commandLine(), "--lrs: learning rates must be > 0, got " + lr);
        }
      }
      s.learningRates = List.copyOf(learningRates);
    }
    MosConfig c = mos.config(0);
    s.r0 = c.equivalentRank();
    s.r = c.rank();
    s.p = c.privateRank();
    s.l = c.shardsPerVector();
    s.alpha = c.alpha();
    s.dropout = c.dropout();
    s.workers = positive("--workers", workers, s.workers);
    s.threads = positive("--threads", threads, s.threads);
    try { // fail on a config the core would refuse before any work is done
      for (var m : s.methods()) {
        m.config(s.alpha, s.dropout, 0).validateFor(s.model.width(), s.model.hidden(), s.model.layers())
            .validateFor(s.model.hidden(), s.model.width(), s.model.layers());
      }
    } catch (MosException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    return s;
  }

  private int positive(String name, Integer value, int dflt) {
    if (value == null) {
      return dflt;
    }
    if (value < 1) {
      throw new ParameterException(spec.commandLine(), name + " must be >= 1, got " + value);
    }
    return value;
  }

  /** For tests: the exit code of {@code mos demo args}. */
  static int run(PrintWriter out, PrintWriter err, String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "demo";
    System.arraycopy(args, 0, all, 1, args.length);
    return Main.run(out, err, all);
  }
}
