// SPDX-License-Identifier: Apache-2.0
// DemoRunner: the protocol of `mos demo`: load the texts, pretrain (or load the cached) base,
// search each method's learning rate on the same grid, run every method on every seed, and write
// the table, the plot, the report, results.json and the adapters.
package org.mos.cli.demo;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.mos.MosContext;
import org.mos.cli.Progress;
import org.mos.train.Trainer;
import org.mos.train.TrainerConfig;
import org.mos.train.TrainingListener;
import org.mos.train.TrainingResult;

/**
 * Runs the comparison of {@link DemoSettings#methods()}. The learning rate of every method comes
 * from the same grid, scored by the validation loss of a short seed-0 run; the full runs report
 * the test split's loss. Every method sees the same batches for a given seed.
 */
public final class DemoRunner {
  /** One learning-rate trial. */
  public record Trial(Method method, double lr, double validationBits, double seconds) {}

  /** One full run. */
  public record Run(Method method, int seed, double lr, long[] evalSteps, double[] evalBits,
      double testBits, double trainSeconds, long adapterBytes, Path adapter) {}

  /** Everything the demo measured. */
  public record Results(DemoSettings settings, DemoCorpus corpus, String baseKey, boolean baseFromCache,
      double pretrainSeconds, double basePretrainBits, double baseTestBits, List<Trial> trials,
      List<Run> runs, double totalSeconds, String dense) {

    /** The runs of one method. */
    public List<Run> runsOf(Method m) {
      return runs.stream().filter(r -> r.method.equals(m)).toList();
    }

    /** The chosen learning rate of one method. */
    public double chosenLr(Method m) {
      return trials.stream().filter(t -> t.method.equals(m))
          .min(java.util.Comparator.comparingDouble(t -> Double.isFinite(t.validationBits)
              ? t.validationBits : Double.POSITIVE_INFINITY))
          .map(Trial::lr).orElseThrow();
    }
  }

  private final DemoSettings s;
  private final PrintWriter out;
  private final Progress.Mode mode;

  public DemoRunner(DemoSettings settings, PrintWriter out, Progress.Mode mode) {
    this.s = settings;
    this.out = out;
    this.mode = mode;
  }

  /** Run the whole demo and write its outputs under settings.out. */
  public Results run() throws IOException {
    long t0 = System.nanoTime();
    LmConfig cfg = s.model;
    DemoCorpus corpus = s.corpus == null ? DemoCorpus.fromJdk(cfg.pretrainChars())
        : DemoCorpus.fromUserText(s.corpus, 40_000);
    out.printf("pretraining text: %s, %,d characters%n", corpus.pretrainSource(), corpus.pretrain().length);
    out.printf("fine-tuning text: %s, %,d characters%n", corpus.finetuneSource(), corpus.finetune().length);
    TextData.Split pre = TextData.split(corpus.pretrain(), cfg.context(), 4096, 0.02, 0.02);
    TextData.Split ft = TextData.split(corpus.finetune(), cfg.context(), 1024, 0.1, 0.1);
    int[] testPos = ft.test().evalPositions(s.testPositions, cfg.batch());
    int[] valPos = ft.validation().evalPositions(s.validationPositions, cfg.batch());
    int[] prePos = pre.validation().evalPositions(s.testPositions, cfg.batch());
    out.printf("fine-tuning split (blocks of 1,024 characters): train %,d, validation %,d, test %,d "
        + "characters; held-out loss on %,d test positions%n", ft.train().chars(), ft.validation().chars(),
        ft.test().chars(), testPos.length);
    out.flush();

    Files.createDirectories(s.out);
    List<Trial> trials = new ArrayList<>();
    List<Run> runs = new ArrayList<>();
    try (MosContext ctx = MosContext.cpu(); Dense dense = new CoreDense(ctx)) {
      if (s.threads > 0) {
        ctx.setNumThreads(s.threads);
      }
      // ---- the base --------------------------------------------------------------------------
      BaseModels.Base b = BaseModels.loadOrPretrain(cfg, corpus.pretrain(), corpus.pretrainSource(),
          s.pretrainSeed, s.cacheDir, s.retrainBase, dense, out, mode);
      BaseWeights base = b.weights();
      String key = b.key();
      boolean fromCache = b.fromCache();
      double pretrainSeconds = b.pretrainSeconds();
      CharLm baseLm = CharLm.dense(base, null, dense, cfg.batch());
      double basePre = baseLm.evalBits(pre.validation(), prePos);
      double baseTest = baseLm.evalBits(ft.test(), testPos);
      out.printf("base model: %.3f bits/char on held-out pretraining text, %.3f on the fine-tuning "
          + "test split (before fine-tuning)%n", basePre, baseTest);

      // ---- learning-rate search ---------------------------------------------------------------
      List<Method> methods = s.methods();
      long searchTotal = (long) methods.size() * s.learningRates.size() * s.searchSteps;
      out.printf("learning-rate search: %s for every method, %d steps each, seed 0, scored on the "
          + "validation split (%d run(s) at a time)%n", s.learningRates, s.searchSteps, workers());
      out.flush();
      final BaseWeights frozen = base;
      try (Progress bar = Progress.start("lr search", searchTotal, out, mode)) {
        AtomicLong done = new AtomicLong();
        List<Callable<Trial>> jobs = new ArrayList<>();
        for (Method m : methods) {
          for (double lr : s.learningRates) {
            jobs.add(() -> {
              TrainingResult r = fineTune(frozen, ft, m, lr, 0, s.searchSteps, ft.validation(), valPos,
                  bar, done, searchTotal);
              Trial t = new Trial(m, lr, r.finalEvalLoss(), r.trainSeconds());
              bar.log(String.format("  %-30s lr %-7s validation %.4f bits/char", m.label(), fmtLr(lr),
                  t.validationBits()));
              return t;
            });
          }
        }
        trials.addAll(runAll(jobs));
        bar.update(searchTotal, Double.NaN, searchTotal * cfg.batch());
      }
      // ---- full runs ----------------------------------------------------------------------------
      Results partial = new Results(s, corpus, key, fromCache, pretrainSeconds, basePre, baseTest, trials,
          runs, 0, dense.name());
      long evalEvery = Math.max(1, s.steps / Math.max(1, s.evalPoints));
      long runTotal = (long) methods.size() * s.seeds * s.steps;
      out.printf("full runs: %d steps, %d seed(s) per method, held-out (test) loss every %d steps%n",
          s.steps, s.seeds, evalEvery);
      out.flush();
      Path adapters = s.out.resolve("adapters");
      try (Progress bar = Progress.start("fine-tune", runTotal, out, mode)) {
        AtomicLong done = new AtomicLong();
        List<Callable<Run>> jobs = new ArrayList<>();
        for (Method m : methods) {
          double lr = partial.chosenLr(m);
          for (int seed = 0; seed < s.seeds; seed++) {
            int sd = seed;
            Path dir = adapters.resolve(m.key() + "-seed" + seed);
            jobs.add(() -> {
              Run run = fullRun(frozen, ft, m, lr, sd, testPos, evalEvery, dir, key, bar, done, runTotal);
              bar.log(String.format("  %-30s seed %d  lr %-7s test %.4f bits/char  %s", m.label(), sd,
                  fmtLr(lr), run.testBits(), org.mos.cli.Table.duration(run.trainSeconds())));
              return run;
            });
          }
        }
        runs.addAll(runAll(jobs));
        bar.update(runTotal, Double.NaN, runTotal * cfg.batch());
      }
      Results results = new Results(s, corpus, key, fromCache, pretrainSeconds, basePre, baseTest,
          trials, runs, (System.nanoTime() - t0) / 1e9, dense.name());
      DemoReport.write(results, out);
      return results;
    }
  }

  /** Parallel runs: one per worker thread, each with its own single-threaded native context. */
  private int workers() {
    return Math.max(1, s.workers);
  }

  /** Run the jobs on {@link #workers()} threads; results in job order. */
  private <T> List<T> runAll(List<Callable<T>> jobs) throws IOException {
    ExecutorService pool = Executors.newFixedThreadPool(workers(), r -> {
      Thread t = new Thread(r, "mos-demo-worker");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<T>> futures = new ArrayList<>();
      for (Callable<T> j : jobs) {
        futures.add(pool.submit(j));
      }
      List<T> results = new ArrayList<>();
      for (Future<T> f : futures) {
        try {
          results.add(f.get());
        } catch (ExecutionException e) {
          Throwable c = e.getCause();
          if (c instanceof IOException io) {
            throw io;
          }
          if (c instanceof RuntimeException re) {
            throw re;
          }
          if (c instanceof Error err) {
            throw err;
          }
          throw new IllegalStateException(c);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted", e);
        }
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  /** A context of its own for one run (contexts may run in parallel; objects of one may not). */
  private MosContext runContext() {
    MosContext ctx = MosContext.cpu();
    if (s.threads > 0) {
      ctx.setNumThreads(s.threads);
    }
    return ctx;
  }

  private TrainingResult fineTune(BaseWeights base, TextData.Split ft, Method m, double lr, int seed,
      int steps, TextData evalData, int[] evalPos, Progress bar, AtomicLong done, long total) {
    try (MosContext ctx = runContext(); Dense dense = new CoreDense(ctx);
        AdaptedLm task = new AdaptedLm(ctx, base, m.config(s.alpha, s.dropout, seed), dense, ft.train(),
            evalData, evalPos)) {
      Trainer t = Trainer.builder(task.model()).config(trainerConfig(lr, steps, 0, seed))
          .listener(progress(bar, done, total)).build();
      return t.run(task);
    }
  }

  private Run fullRun(BaseWeights base, TextData.Split ft, Method m, double lr, int seed, int[] testPos,
      long evalEvery, Path dir, String baseKey, Progress bar, AtomicLong done, long total) {
    try (MosContext ctx = runContext(); Dense dense = new CoreDense(ctx);
        AdaptedLm task = new AdaptedLm(ctx, base, m.config(s.alpha, s.dropout, seed), dense, ft.train(),
            ft.test(), testPos)) {
      Trainer t = Trainer.builder(task.model()).config(trainerConfig(lr, s.steps, evalEvery, seed))
          .modulePath(AdaptedLm.UP, AdaptedLm.UP_PATH).modulePath(AdaptedLm.DOWN, AdaptedLm.DOWN_PATH)
          .baseModel("mos-demo-base-" + baseKey).metadata("method", m.label()).metadata("seed", seed)
          .metadata("learning_rate", lr).metadata("model", s.model.toString())
          .listener(progress(bar, done, total)).build();
      TrainingResult r = t.run(task);
      t.saveAdapter(dir);
      long[] steps = r.eval().stream().mapToLong(TrainingListener.EvalRecord::step).toArray();
      double[] bits = r.eval().stream().mapToDouble(TrainingListener.EvalRecord::loss).toArray();
      return new Run(m, seed, lr, steps, bits, r.finalEvalLoss(), r.trainSeconds(), directorySize(dir), dir);
    }
  }

  private TrainerConfig trainerConfig(double lr, int steps, long evalEvery, int seed) {
    // evalAtStart off: before training every adapter computes the base model (B = 0)
    return TrainerConfig.builder().learningRate(lr).totalSteps(steps).evalEvery(evalEvery)
        .evalAtStart(false).seed(seed).build();
  }

  /** Counts steps across the parallel runs of a phase; the phase's end is drawn after its last log line. */
  private TrainingListener progress(Progress bar, AtomicLong done, long total) {
    int batch = s.model.batch();
    return new TrainingListener() {
      @Override
      public void onStep(StepRecord r) {
        long d = done.incrementAndGet();
        if (d < total) {
          bar.update(d, r.loss(), d * batch);
        }
      }
    };
  }

  static String fmtLr(double lr) {
    return String.format("%.0e", lr).replace("e-0", "e-");
  }

  static long directorySize(Path dir) {
    try (Stream<Path> st = Files.walk(dir)) {
      return st.filter(Files::isRegularFile).mapToLong(p -> {
        try {
          return Files.size(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }).sum();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
