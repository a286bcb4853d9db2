// SPDX-License-Identifier: Apache-2.0
// DemoRunner: the protocol of `mos demo`: load the texts, pretrain (or load the cached) base,
// search each method's learning rate on the same grid (widened once at an edge), run every method
// on every seed, and write the table, the plot, the report, results.json and the adapters.
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
  public record Run(
      Method method,
      int seed,
      double lr,
      long[] evalSteps,
      double[] evalBits,
      double testBits,
      double trainSeconds,
      long adapterBytes,
      Path adapter) {}

  /** Everything the demo measured. */
  public record Results(
      DemoSettings settings,
      DemoCorpus corpus,
      DemoBase.Base base,
      double basePretrainBits,
      double baseTestBits,
      List<Trial> trials,
      List<Run> runs,
      double searchSeconds,
      double runSeconds,
      double totalSeconds,
      double cpuSeconds) {

    /** The runs of one method. */
    public List<Run> runsOf(Method m) {
      return runs.stream().filter(r -> r.method.equals(m)).toList();
    }

    /** The learning rates one method tried, ascending. */
    public List<Double> gridOf(Method m) {
      return trials.stream()
          .filter(t -> t.method.equals(m))
          .map(Trial::lr)
          .sorted()
          .toList();
    }

    /** The chosen learning rate of one method: the lowest validation loss. */
    public double chosenLr(Method m) {
      return trials.stream()
          .filter(t -> t.method.equals(m))
          .min(java.util.Comparator.comparingDouble(
              t -> Double.isFinite(t.validationBits) ? t.validationBits : Double.POSITIVE_INFINITY))
          .map(Trial::lr)
          .orElseThrow();
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
    DemoModel cfg = s.model;
    DemoCorpus corpus = s.corpus == null
        ? DemoCorpus.fromJdk(cfg.pretrainBytes())
        : DemoCorpus.fromUserText(s.corpus, 40_000);
    out.printf(
        "pretraining text: %s, %,d bytes%n", corpus.pretrainSource(), corpus.pretrain().length);
    out.printf(
        "fine-tuning text: %s, %,d bytes%n", corpus.finetuneSource(), corpus.finetune().length);
    ByteData.Split ft = ByteData.split(corpus.finetune(), 1024, 0.1, 0.1);
    int[] testWin = ft.test().windows(cfg.seqLen(), s.testWindows);
    int[] valWin = ft.validation().windows(cfg.seqLen(), s.validationWindows);
    out.printf(
        "fine-tuning split (blocks of 1,024 bytes): train %,d, validation %,d, test %,d bytes; "
            + "held-out loss on %d test windows of %d tokens%n",
        ft.train().size(), ft.validation().size(), ft.test().size(), testWin.length, cfg.seqLen());
    out.flush();
    Files.createDirectories(s.out);

    // ---- the base ------------------------------------------------------------------------------
    byte[] pre = corpus.pretrain();
    int cut = (int) (pre.length * 0.98);
    byte[] preTrain = java.util.Arrays.copyOfRange(pre, 0, cut);
    ByteData preHeld =
        new ByteData(ByteData.stripCr(java.util.Arrays.copyOfRange(pre, cut, pre.length)));
    DemoBase.Base base = DemoBase.loadOrPretrain(
        cfg, preTrain, s.pretrainSeed, s.cacheDir, s.retrainBase, s.pretrainThreads, out, mode);
    double basePre;
    double baseTest;
    try (MosContext ctx = runContext();
        FineTuneTask probe = new FineTuneTask(
            ctx,
            base.dir(),
            cfg,
            Method.lora(s.r0),
            s.alpha,
            0f,
            0,
            ft.train(),
            ft.test(),
            testWin)) {
      basePre = probe.bits(preHeld, preHeld.windows(cfg.seqLen(), s.testWindows));
      baseTest = probe.evalLoss(); // B = 0: the adapter adds nothing yet
    }
    out.printf(
        "base model: %.3f bits/byte on held-out Java, %.3f on the fine-tuning test split (before "
            + "fine-tuning)%n",
        basePre, baseTest);

    // ---- learning-rate search ------------------------------------------------------------------
    List<Method> methods = s.methods();
    long ts = System.nanoTime();
    out.printf(
        "learning-rate search: %s for every method, %d steps each, seed 0, scored on the "
            + "validation split (%d run(s) at a time)%n",
        s.learningRates, s.searchSteps, workers());
    out.flush();
    List<Trial> trials = new ArrayList<>(search(base, ft, valWin, methods, s.learningRates));
    // widen once: a method whose best value sits on the grid's edge tries the next point beyond it
    List<Method> widen = new ArrayList<>();
    List<Double> extra = new ArrayList<>();
    double lo = s.learningRates.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
    double hi = s.learningRates.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
    Results partial0 =
        new Results(s, corpus, base, basePre, baseTest, trials, List.of(), 0, 0, 0, 0);
    for (Method m : methods) {
      double best = partial0.chosenLr(m);
      if (s.learningRates.size() >= 2 && (best == lo || best == hi)) {
        widen.add(m);
        extra.add(best == lo ? lo / step(s.learningRates) : hi * step(s.learningRates));
      }
    }
    if (!widen.isEmpty()) {
      out.printf(
          "widening the grid once for %d method(s) whose best rate is at its edge%n", widen.size());
      trials.addAll(searchPairs(base, ft, valWin, widen, extra));
    }
    double searchSeconds = (System.nanoTime() - ts) / 1e9;

    // ---- full runs
    // -------------------------------------------------------------------------------
    Results partial =
        new Results(s, corpus, base, basePre, baseTest, trials, List.of(), 0, 0, 0, 0);
    long evalEvery = Math.max(1, s.steps / Math.max(1, s.evalPoints));
    long runTotal = (long) methods.size() * s.seeds * s.steps;
    out.printf(
        "full runs: %d steps of %d x %d tokens, %d seed(s) per method, held-out (test) loss every "
            + "%d steps%n",
        s.steps, cfg.finetuneSeqs(), cfg.seqLen(), s.seeds, evalEvery);
    out.flush();
    long tr = System.nanoTime();
    Path adapters = s.out.resolve("adapters");
    List<Run> runs = new ArrayList<>();
    try (Progress bar = Progress.start("fine-tune", runTotal, out, mode)) {
      AtomicLong done = new AtomicLong();
      List<Callable<Run>> jobs = new ArrayList<>();
      for (int seed = 0; seed < s.seeds; seed++) {
        for (Method m : methods) {
          double lr = partial.chosenLr(m);
          int sd = seed;
          Path dir = adapters.resolve(m.key() + "-seed" + seed);
          jobs.add(() -> {
            Run run = fullRun(base, ft, m, lr, sd, testWin, evalEvery, dir, bar, done, runTotal);
            bar.log(String.format(
                "  %-36s seed %d  lr %-7s test %.4f bits/byte  %s",
                m.label(),
                sd,
                fmtLr(lr),
                run.testBits(),
                org.mos.cli.Table.duration(run.trainSeconds())));
            return run;
          });
        }
      }
      runs.addAll(runAll(jobs));
      bar.update(runTotal, Double.NaN, runTotal * s.model.finetuneSeqs());
    }
    double runSeconds = (System.nanoTime() - tr) / 1e9;
    Results results = new Results(
        s,
        corpus,
        base,
        basePre,
        baseTest,
        trials,
        runs,
        searchSeconds,
        runSeconds,
        (System.nanoTime() - t0) / 1e9,
        processCpuSeconds());
    DemoReport.write(results, out);
    return results;
  }

  /** CPU time of this process so far (all threads, user + system), NaN where unknown. */
  static double processCpuSeconds() {
    if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      long ns = os.getProcessCpuTime();
      return ns < 0 ? Double.NaN : ns / 1e9;
    }
    return Double.NaN;
  }

  /** The ratio between neighbouring grid points (3 for the default grid). */
  private static double step(List<Double> grid) {
    List<Double> g = grid.stream().sorted().toList();
    return g.size() < 2 ? 3 : Math.max(1.5, g.get(1) / g.get(0));
  }

  private List<Trial> search(
      DemoBase.Base base, ByteData.Split ft, int[] valWin, List<Method> methods, List<Double> lrs)
      throws IOException {
    List<Method> ms = new ArrayList<>();
    List<Double> ls = new ArrayList<>();
    for (Method m : methods) {
      for (double lr : lrs) {
        ms.add(m);
        ls.add(lr);
      }
    }
    return searchPairs(base, ft, valWin, ms, ls);
  }

  private List<Trial> searchPairs(
      DemoBase.Base base, ByteData.Split ft, int[] valWin, List<Method> ms, List<Double> ls)
      throws IOException {
    long total = (long) ms.size() * s.searchSteps;
    try (Progress bar = Progress.start("lr search", total, out, mode)) {
      AtomicLong done = new AtomicLong();
      List<Callable<Trial>> jobs = new ArrayList<>();
      for (int i = 0; i < ms.size(); i++) {
        Method m = ms.get(i);
        double lr = ls.get(i);
        jobs.add(() -> {
          try (MosContext ctx = runContext();
              FineTuneTask task = new FineTuneTask(
                  ctx,
                  base.dir(),
                  s.model,
                  m,
                  s.alpha,
                  s.dropout,
                  0,
                  ft.train(),
                  ft.validation(),
                  valWin)) {
            Trainer t = task.model()
                .trainer()
                .config(trainerConfig(lr, s.searchSteps, 0, 0))
                .listener(progress(bar, done, total))
                .build();
            TrainingResult r = t.run(task);
            Trial trial = new Trial(m, lr, r.finalEvalLoss(), r.trainSeconds());
            bar.log(String.format(
                "  %-36s lr %-7s validation %.4f bits/byte",
                m.label(), fmtLr(lr), trial.validationBits()));
            return trial;
          }
        });
      }
      List<Trial> res = runAll(jobs);
      bar.update(total, Double.NaN, total * s.model.finetuneSeqs());
      return res;
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

  private Run fullRun(
      DemoBase.Base base,
      ByteData.Split ft,
      Method m,
      double lr,
      int seed,
      int[] testWin,
      long evalEvery,
      Path dir,
      Progress bar,
      AtomicLong done,
      long total) {
    try (MosContext ctx = runContext();
        FineTuneTask task = new FineTuneTask(
            ctx,
            base.dir(),
            s.model,
            m,
            s.alpha,
            s.dropout,
            seed,
            ft.train(),
            ft.test(),
            testWin)) {
      Trainer t = task.model()
          .trainer()
          .config(trainerConfig(lr, s.steps, evalEvery, seed))
          .metadata("method", m.label())
          .metadata("seed", seed)
          .metadata("learning_rate", lr)
          .metadata("demo_base", base.key())
          .listener(progress(bar, done, total))
          .build();
      TrainingResult r = t.run(task);
      t.saveAdapter(dir);
      long[] steps =
          r.eval().stream().mapToLong(TrainingListener.EvalRecord::step).toArray();
      double[] bits =
          r.eval().stream().mapToDouble(TrainingListener.EvalRecord::loss).toArray();
      return new Run(
          m, seed, lr, steps, bits, r.finalEvalLoss(), r.trainSeconds(), directorySize(dir), dir);
    }
  }

  private TrainerConfig trainerConfig(double lr, int steps, long evalEvery, int seed) {
    // evalAtStart off: before training every adapter computes the base model (B = 0)
    return TrainerConfig.builder()
        .learningRate(lr)
        .totalSteps(steps)
        .evalEvery(evalEvery)
        .evalAtStart(false)
        .seed(seed)
        .build();
  }

  /** Counts steps across the parallel runs of a phase; the phase's end is drawn after its last log line. */
  private TrainingListener progress(Progress bar, AtomicLong done, long total) {
    return new TrainingListener() {
      @Override
      public void onStep(StepRecord r) {
        long d = done.incrementAndGet();
        if (d < total) {
          bar.update(d, r.loss(), d * s.model.finetuneSeqs());
        }
      }
    };
  }

  static String fmtLr(double lr) {
    return String.format("%.0e", lr).replace("e-0", "e-");
  }

  static long directorySize(Path dir) {
    try (Stream<Path> st = Files.walk(dir)) {
      return st.filter(Files::isRegularFile)
          .mapToLong(p -> {
            try {
              return Files.size(p);
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          })
          .sum();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
