// SPDX-License-Identifier: Apache-2.0
// Interleaved: the Java twin of mos_bench's timing harness: variants of one case run round-robin
// (the starting variant rotating each round) after warm-up; per-call seconds per round.
package org.mos.cli.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Runs variants interleaved and keeps seconds per call for every round. */
public final class Interleaved {

  /** One variant: a name and one call ({@code call} counts up). */
  public record Variant(String name, Call run) {}

  /** One call of a variant. */
  @FunctionalInterface
  public interface Call {
    void run(int call);
  }

  /** Warm-up rounds, timed rounds, minimum sample length (calls repeat until it is reached). */
  public record Timing(int warmupRounds, int rounds, double minSampleSeconds, int minWarmupCalls) {}

  /** Median, 10th and 90th percentile (nearest rank) of seconds per call. */
  public record Stats(double median, double p10, double p90, int n) {
    public static Stats of(double[] values) {
      double[] v = values.clone();
      Arrays.sort(v);
      int n = v.length;
      if (n == 0) {
        return new Stats(Double.NaN, Double.NaN, Double.NaN, 0);
      }
      double median = n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
      return new Stats(median, rank(v, 0.10), rank(v, 0.90), n);
    }

    private static double rank(double[] sorted, double q) {
      int i = (int) Math.ceil(q * sorted.length);
      return sorted[Math.min(sorted.length - 1, Math.max(0, i - 1))];
    }
  }

  /** The seconds per call of every variant in every round. */
  public static final class Measured {
    private final List<String> names;
    private final double[][] seconds;

    Measured(List<String> names, double[][] seconds) {
      this.names = names;
      this.seconds = seconds;
    }

    public Stats stats(String name) {
      return Stats.of(seconds[index(name)]);
    }

    public double[] seconds(String name) {
      return seconds[index(name)].clone();
    }

    /** Median over rounds of a[i] / b[i]: the two ran back to back in every round. */
    public double pairedRatio(String a, String b) {
      double[] x = seconds[index(a)];
      double[] y = seconds[index(b)];
      double[] r = new double[Math.min(x.length, y.length)];
      for (int i = 0; i < r.length; i++) {
        r[i] = x[i] / y[i];
      }
      return Stats.of(r).median();
    }

    private int index(String name) {
      int i = names.indexOf(name);
      if (i < 0) {
        throw new IllegalArgumentException("no variant " + name);
      }
      return i;
    }
  }

  private Interleaved() {}

  /** Runs the variants: warm-up (at least {@code minWarmupCalls} calls each, for the JIT), then rounds. */
  public static Measured run(List<Variant> variants, Timing t) {
    int v = variants.size();
    int[] calls = new int[v];
    double[] perCall = new double[v];
    for (int w = 0; w < Math.max(1, t.warmupRounds()); w++) {
      for (int i = 0; i < v; i++) {
        long t0 = System.nanoTime();
        variants.get(i).run().run(calls[i]++);
        perCall[i] = (System.nanoTime() - t0) * 1e-9;
      }
    }
    // The JIT needs calls, not rounds: keep warming up until every variant had its share.
    while (Arrays.stream(calls).min().orElse(0) < t.minWarmupCalls()) {
      for (int i = 0; i < v; i++) {
        long t0 = System.nanoTime();
        variants.get(i).run().run(calls[i]++);
        perCall[i] = (System.nanoTime() - t0) * 1e-9;
      }
    }
    // Repeats per sample, per variant: a sample lasts at least minSampleSeconds.
    int[] reps = new int[v];
    for (int i = 0; i < v; i++) {
      reps[i] = 1;
      if (t.minSampleSeconds() > 0 && perCall[i] > 0 && perCall[i] < t.minSampleSeconds()) {
        reps[i] = (int) Math.min(1000, Math.ceil(t.minSampleSeconds() / perCall[i]));
      }
    }
    double[][] seconds = new double[v][t.rounds()];
    for (int round = 0; round < t.rounds(); round++) {
      for (int j = 0; j < v; j++) {
        int i = (j + round) % v;
        Call c = variants.get(i).run();
        long t0 = System.nanoTime();
        for (int k = 0; k < reps[i]; k++) {
          c.run(calls[i]++);
        }
        seconds[i][round] = (System.nanoTime() - t0) * 1e-9 / reps[i];
      }
    }
    List<String> names = new ArrayList<>();
    for (Variant x : variants) {
      names.add(x.name());
    }
    return new Measured(names, seconds);
  }
}
