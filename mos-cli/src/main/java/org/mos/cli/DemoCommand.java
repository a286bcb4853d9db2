// SPDX-License-Identifier: Apache-2.0
// `mos demo`: the README's main job. Pretrains (or loads) a small byte-level Llama transformer on
// the JDK's Java sources, fine-tunes it on the JDK's license texts with adapters on all seven
// projections (LoRA r0, MoS at 4 r0 and 8 r0 with LoRA r0's parameters, LoRA 4 r0 and 8 r0, and
// with --ablation the paper's principle-study variants), and reports held-out loss and times.
package org.mos.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.mos.MosConfig;
import org.mos.MosException;
import org.mos.Status;
import org.mos.cli.demo.DemoCorpus;
import org.mos.cli.demo.DemoModel;
import org.mos.cli.demo.DemoRunner;
import org.mos.cli.demo.DemoSettings;
import org.mos.llm.LlamaConfig;
import org.mos.llm.LlamaModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** See docs/demo.md. */
@Command(
    name = "demo",
    header = "Compare LoRA and MoS on a small transformer, on text this machine has.",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Pretrains a small Llama-architecture transformer over bytes (16 blocks) on the JDK's own "
          + "Java sources (lib/src.zip) with libmos's decoder and caches it as a Hugging Face "
          + "checkpoint, then fine-tunes it with the base frozen on the JDK's license texts "
          + "(legal/), with adapters on all seven projections: LoRA at rank r0 "
          + "(--equivalent-rank), MoS with the same trainable parameters at active ranks 4 r0 "
          + "and 8 r0, and LoRA at 4 r0 and 8 r0. Every method gets the same learning-rate "
          + "search. Prints a table laid out like the paper's (trainable parameters, held-out "
          + "bits per token over seeds, difference to LoRA r0, share of the LoRA r0 -> 8 r0 gap "
          + "closed, the paper's figures beside) and writes report.md, loss-curves.png, "
          + "results.json and the adapters to the output directory. No downloads.",
      "",
      "On 2 idle cores the default run takes about 5 minutes the first time (it also "
          + "pretrains the base) and about 3 after; --quick (a smoke run) under a minute; "
          + "--ablation adds the paper's principle-study variants (about 6 minutes). A busy "
          + "machine takes several times longer (docs/demo.md).",
      ""
    })
public final class DemoCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--quick", description = "A smaller model and shorter runs (a smoke run).")
  boolean quick;

  @Option(
      names = "--ablation",
      description = "Also run pure sharing, + subset selection, + pair "
          + "dissociation and + vector sharding at the same budget (MoS is + privatization).")
  boolean ablation;

  @Option(
      names = "--corpus",
      paramLabel = "PATH",
      description = "Train on your own UTF-8 text (a file, or a directory of files) instead of the "
          + "JDK's: the first half pretrains the base, the second half is the fine-tuning domain.")
  Path corpus;

  @Option(
      names = {"-o", "--out"},
      paramLabel = "DIR",
      defaultValue = "mos-out/demo",
      description = "Output directory (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(
      names = "--cache-dir",
      paramLabel = "DIR",
      description = "Where the pretrained base is cached (default: $MOS_CACHE_DIR, else "
          + "$XDG_CACHE_HOME/mos, else ~/.cache/mos).")
  Path cacheDir;

  @Option(names = "--retrain-base", description = "Pretrain the base again even if it is cached.")
  boolean retrainBase;

  @Option(names = "--seeds", paramLabel = "N", description = "Seeds per method (default: 2).")
  Integer seeds;

  @Option(names = "--steps", paramLabel = "N", description = "Steps of each full run.")
  Integer steps;

  @Option(
      names = "--search-steps",
      paramLabel = "N",
      description = "Steps of each learning-rate search run.")
  Integer searchSteps;

  @Option(
      names = "--lrs",
      paramLabel = "LR",
      split = ",",
      description = "The learning rates every method tries (default: 1e-3,3e-3,1e-2; --quick "
          + "3e-3,1e-2).")
  List<Double> learningRates;

  @Option(
      names = "--equivalent-rank",
      paramLabel = "N",
      description = "r0: LoRA's small rank and MoS's budget R_eq (default: 2). MoS runs at active "
          + "ranks 4 r0 and 8 r0, LoRA also at 4 r0 and 8 r0.")
  Integer r0;

  @Option(names = "--private-rank", paramLabel = "N", description = "MoS's p (default: 1).")
  Integer privateRank;

  @Option(names = "--shards-per-vector", paramLabel = "N", description = "MoS's l (default: 2).")
  Integer shards;

  @Option(
      names = "--alpha",
      paramLabel = "X",
      description = "alpha for every method, scaling " + "alpha/r (default: 16).")
  Float alpha;

  @Option(names = "--dropout", paramLabel = "X", description = "Adapter dropout (default: 0.1).")
  Float dropout;

  @Option(
      names = "--workers",
      paramLabel = "N",
      description = "Fine-tuning runs at a time (default: the cores, at most 2).")
  Integer workers;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description = "Native threads per fine-tuning run (default: 1; more only helps on an idle "
          + "machine).")
  Integer threads;

  @Option(
      names = "--model",
      paramLabel = "PRESET",
      hidden = true,
      description = "Model preset: standard, quick or tiny (tests).")
  String model;

  @Option(
      names = "--progress",
      paramLabel = "MODE",
      hidden = true,
      description = "live, lines or off (default: live on a terminal, else lines).")
  Progress.Mode progress;

  @Override
  public Integer call() throws Exception {
    DemoSettings s = settings();
    PrintWriter o = spec.commandLine().getOut();
    int[] ranks = s.mosRanks();
    o.printf(
        "mos demo%s%s: LoRA r=%d vs MoS r=%d and r=%d (R_eq=%d, p=%d, l=%d) vs LoRA r=%d and r=%d, "
            + "adapters on all seven projections of a %d-block byte-level Llama; output in %s%n",
        quick ? " --quick" : "",
        s.ablation ? " --ablation" : "",
        s.r0,
        ranks[0],
        ranks[1],
        s.r0,
        s.p,
        s.l,
        ranks[0],
        ranks[1],
        s.model.layers(),
        s.out);
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
        DemoModel preset = DemoModel.preset(model);
        if (preset.name().equals("tiny")) {
          s = DemoSettings.tiny();
        }
        s.model = preset;
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
    }
    s.ablation = ablation;
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
          throw new ParameterException(
              spec.commandLine(), "--lrs: learning rates must be > 0, got " + lr);
        }
      }
      s.learningRates = List.copyOf(learningRates);
    }
    s.r0 = positive("--equivalent-rank", r0, s.r0);
    s.p = privateRank == null ? s.p : privateRank;
    if (s.p < 0) {
      throw new ParameterException(spec.commandLine(), "--private-rank must be >= 0, got " + s.p);
    }
    s.l = positive("--shards-per-vector", shards, s.l);
    if (alpha != null) {
      if (!(alpha > 0) || !Float.isFinite(alpha)) {
        throw new ParameterException(spec.commandLine(), "--alpha must be > 0, got " + alpha);
      }
      s.alpha = alpha;
    }
    if (dropout != null) {
      if (!(dropout >= 0 && dropout < 1)) {
        throw new ParameterException(
            spec.commandLine(), "--dropout must be in [0, 1), got " + dropout);
      }
      s.dropout = dropout;
    }
    s.workers = positive("--workers", workers, s.workers);
    s.threads = positive("--threads", threads, s.threads);
    try { // fail on a config the core would refuse before any work is done
      LlamaConfig c = s.model.llamaConfig();
      for (var m : s.methods()) {
        MosConfig mc = m.config(s.alpha, s.dropout, 0);
        for (String proj : LlamaModel.PROJECTIONS) {
          int[] shape = LlamaModel.projectionShape(c, proj);
          mc.validateFor(shape[0], shape[1], s.model.layers());
        }
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
