// SPDX-License-Identifier: Apache-2.0
// Metrics: the server's counters, gauges and histograms, written in Prometheus' text format.
package org.mos.serve;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** Counters and histograms of {@link MosServer}; {@link Engine} adds the live gauges. */
final class Metrics {
  /** A Prometheus histogram with fixed upper bounds (cumulative buckets when written). */
  static final class Histogram {
    final String name;
    final String help;
    final double[] bounds;
    final long[] counts;
    long count;
    double sum;

    Histogram(String name, String help, double... bounds) {
      this.name = name;
      this.help = help;
      this.bounds = bounds;
      this.counts = new long[bounds.length];
    }

    synchronized void observe(double v) {
      for (int i = 0; i < bounds.length; i++) {
        if (v <= bounds[i]) counts[i]++;
      }
      count++;
      sum += v;
    }

    synchronized long count() {
      return count;
    }

    synchronized double sum() {
      return sum;
    }

    synchronized void write(StringBuilder out) {
      out.append("# HELP ").append(name).append(' ').append(help).append('\n');
      out.append("# TYPE ").append(name).append(" histogram\n");
      for (int i = 0; i < bounds.length; i++) {
        out.append(name)
            .append("_bucket{le=\"")
            .append(num(bounds[i]))
            .append("\"} ")
            .append(counts[i])
            .append('\n');
      }
      out.append(name).append("_bucket{le=\"+Inf\"} ").append(count).append('\n');
      out.append(name).append("_sum ").append(num(sum)).append('\n');
      out.append(name).append("_count ").append(count).append('\n');
    }
  }

  private static final double[] SECONDS = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60
  };

  final Map<String, LongAdder> requestsByStatus = new ConcurrentHashMap<>();
  final LongAdder promptTokens = new LongAdder();
  final LongAdder generationTokens = new LongAdder();
  final AtomicLong steps = new AtomicLong();
  final Histogram batchSize = new Histogram(
      "mos_batch_size_sequences",
      "Sequences in one decoding step (all adapters together).",
      1,
      2,
      4,
      8,
      16,
      32,
      64,
      128,
      256);
  final Histogram stepSeconds =
      new Histogram("mos_step_seconds", "Wall time of one decoding step.", SECONDS);
  final Histogram ttftSeconds = new Histogram(
      "mos_time_to_first_token_seconds",
      "From a request's arrival to its first generated token.",
      SECONDS);
  final Histogram latencySeconds = new Histogram(
      "mos_request_latency_seconds", "From a request's arrival to its last token.", SECONDS);

  void request(int status) {
    requestsByStatus
        .computeIfAbsent(Integer.toString(status), k -> new LongAdder())
        .increment();
  }

  static String num(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
    return String.format(Locale.ROOT, "%.6g", v);
  }

  static void counter(StringBuilder out, String name, String help, long value) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(" counter\n");
    out.append(name).append(' ').append(value).append('\n');
  }

  static void gauge(StringBuilder out, String name, String help, double value) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(" gauge\n");
    out.append(name).append(' ').append(num(value)).append('\n');
  }

  /** The counters and histograms (the engine appends its gauges). */
  void write(StringBuilder out) {
    out.append("# HELP mos_requests_total HTTP requests answered, by status code.\n");
    out.append("# TYPE mos_requests_total counter\n");
    for (Map.Entry<String, LongAdder> e : new TreeMap<>(requestsByStatus).entrySet()) {
      out.append("mos_requests_total{status=\"")
          .append(e.getKey())
          .append("\"} ")
          .append(e.getValue().sum())
          .append('\n');
    }
    counter(out, "mos_prompt_tokens_total", "Prompt tokens prefilled.", promptTokens.sum());
    counter(out, "mos_generation_tokens_total", "Tokens generated.", generationTokens.sum());
    counter(out, "mos_steps_total", "Decoding steps run.", steps.get());
    batchSize.write(out);
    stepSeconds.write(out);
    ttftSeconds.write(out);
    latencySeconds.write(out);
  }

  /** Escapes a label value (backslash, quote, newline). */
  static String label(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
