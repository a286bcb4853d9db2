// SPDX-License-Identifier: Apache-2.0
// A progress bar for long work (step/total, loss, examples/s, ETA): redrawn in place on a terminal,
// plain periodic lines in logs and pipes, nothing when switched off.
package org.mos.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Reports the progress of a loop of known length.
 *
 * <p>{@link Mode#LIVE} redraws one line in place ({@code \r}) at most every 100 ms; {@link
 * Mode#LINES} prints a full line at the first update, then at most every {@link #interval} (10 s
 * by default), and at the end; {@link Mode#OFF} prints nothing. {@link #detectMode()} picks LIVE
 * only when standard output is a terminal and the environment is not a CI (variable {@code CI})
 * or a dumb terminal; {@code MOS_PROGRESS=live|lines|off} overrides it.
 *
 * <p>A line looks like {@code train  [#########-----------]  120/500  24%  loss 1.2345  812 ex/s
 * ETA 0:42}. Examples/s is averaged since the first update (so start-up time does not count);
 * the ETA extrapolates the time per step since the first update.
 *
 * {@snippet :
 * try (Progress bar = Progress.start("train", steps)) {   // System.out, mode detected
 *   for (int step = 1; step <= steps; step++) {
 *     double loss = trainOneStep();
 *     bar.update(step, loss, (long) step * batchSize);
 *     if (step % 100 == 0) bar.log("eval: " + evaluate());  // a line above the bar
 *   }
 * }                                                          // close(): the final line
 * }
 *
 * <p>Thread-safe: every method is synchronized.
 */
public final class Progress implements AutoCloseable {

  /** How progress is shown. */
  public enum Mode {
    /** Redraw one line in place. */
    LIVE,
    /** Print a line now and then. */
    LINES,
    /** Print nothing. */
    OFF
  }

  private static final long LIVE_REFRESH_NANOS = 100_000_000L;
  private static final int BAR_WIDTH = 20;

  private final String label;
  private final long total;
  private final PrintWriter out;
  private final Mode mode;
  private final LongSupplier clock;
  private long intervalNanos = Duration.ofSeconds(10).toNanos();
  private String unit = "ex/s";

  private long step;
  private double loss = Double.NaN;
  private long examples = -1;
  private long firstNanos = -1;
  private long firstStep;
  private long firstExamples;
  private long lastDrawNanos;
  private long lastDrawnStep = -1;
  private int lastWidth;
  private boolean closed;

  private Progress(String label, long total, PrintWriter out, Mode mode, LongSupplier clock) {
    this.label = label;
    this.total = total;
    this.out = out;
    this.mode = mode;
    this.clock = clock;
  }

  /** A progress report on standard output, mode from {@link #detectMode()}. */
  public static Progress start(String label, long total) {
    return start(label, total, new PrintWriter(System.out, true), detectMode());
  }

  /** A progress report on {@code out} in {@code mode}; {@code total <= 0} means unknown. */
  public static Progress start(String label, long total, PrintWriter out, Mode mode) {
    return new Progress(label, total, out, mode, System::nanoTime);
  }

  /** As above with a clock in nanoseconds (for tests). */
  static Progress start(String label, long total, PrintWriter out, Mode mode, LongSupplier clock) {
    return new Progress(label, total, out, mode, clock);
  }

  /** LIVE on an interactive terminal outside CI, LINES otherwise; MOS_PROGRESS overrides. */
  public static Mode detectMode() {
    String forced = System.getenv("MOS_PROGRESS");
    if (forced != null) {
      switch (forced.strip().toLowerCase(Locale.ROOT)) {
        case "live" -> {
          return Mode.LIVE;
        }
        case "lines" -> {
          return Mode.LINES;
        }
        case "off", "none", "0" -> {
          return Mode.OFF;
        }
        default -> {} // unknown value: detect
      }
    }
    String ci = System.getenv("CI");
    boolean inCi = ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false");
    boolean dumb = "dumb".equals(System.getenv("TERM"));
    java.io.Console console = System.console();
    boolean terminal = console != null && console.isTerminal();
    return terminal && !inCi && !dumb ? Mode.LIVE : Mode.LINES;
  }

  /** Sets the period of {@link Mode#LINES} output (default 10 s). */
  public synchronized Progress interval(Duration every) {
    intervalNanos = every.toNanos();
    return this;
  }

  /** What the counted items are per second, e.g. {@code "tok/s"} (default {@code "ex/s"}). */
  public synchronized Progress unit(String perSecond) {
    this.unit = perSecond;
    return this;
  }

  /** The mode in use. */
  public Mode mode() {
    return mode;
  }

  /** Progress at {@code step} (1-based, cumulative) with the current loss (NaN: none). */
  public void update(long step, double loss) {
    update(step, loss, -1);
  }

  /**
   * Progress at {@code step} with the current {@code loss} (NaN: none) and the examples processed
   * so far ({@code examples < 0}: not counted).
   */
  public synchronized void update(long step, double loss, long examples) {
    if (closed) return;
    long now = clock.getAsLong();
    if (firstNanos < 0) {
      firstNanos = now;
      firstStep = step;
      firstExamples = Math.max(examples, 0);
    }
    this.step = step;
    this.loss = loss;
    this.examples = examples;
    boolean last = total > 0 && step >= total;
    switch (mode) {
      case LIVE -> {
        if (last || lastDrawnStep < 0 || now - lastDrawNanos >= LIVE_REFRESH_NANOS) draw(now);
      }
      case LINES -> {
        if (last || lastDrawnStep < 0 || now - lastDrawNanos >= intervalNanos) draw(now);
      }
      case OFF -> {}
    }
  }

  /** Prints {@code line} on its own line, above a live bar (which is redrawn after it). */
  public synchronized void log(String line) {
    if (mode == Mode.OFF) return;
    if (mode == Mode.LIVE && lastWidth > 0) {
      out.print("\r" + " ".repeat(lastWidth) + "\r");
      lastWidth = 0;
      out.println(line);
      if (lastDrawnStep >= 0 && !closed) draw(clock.getAsLong());
    } else {
      out.println(line);
    }
    out.flush();
  }

  /** The current line (what the bar shows now). */
  public synchronized String line() {
    return render(clock.getAsLong());
  }

  /** Ends the report: the final state on its own line (if anything was shown). */
  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    if (mode == Mode.OFF || firstNanos < 0) return;
    if (lastDrawnStep != step) draw(clock.getAsLong());
    if (mode == Mode.LIVE) out.println();
    out.flush();
  }

  private void draw(long now) {
    String s = render(now);
    if (mode == Mode.LIVE) {
      int pad = Math.max(0, lastWidth - s.length());
      out.print("\r" + s + " ".repeat(pad));
      lastWidth = s.length();
    } else {
      out.println(s);
    }
    out.flush();
    lastDrawNanos = now;
    lastDrawnStep = step;
  }

  private String render(long now) {
    StringBuilder sb = new StringBuilder(label);
    if (total > 0) {
      double frac = Math.min(1.0, Math.max(0.0, (double) step / total));
      int filled = (int) Math.round(frac * BAR_WIDTH);
      sb.append("  [")
          .append("#".repeat(filled))
          .append("-".repeat(BAR_WIDTH - filled))
          .append("]  ")
          .append(step)
          .append('/')
          .append(total)
          .append(String.format(Locale.ROOT, "  %3d%%", (int) Math.floor(frac * 100)));
    } else {
      sb.append("  step ").append(step);
    }
    if (!Double.isNaN(loss)) sb.append(String.format(Locale.ROOT, "  loss %.4f", loss));
    double secs = firstNanos < 0 ? 0 : (now - firstNanos) / 1e9;
    if (examples >= 0 && secs > 0 && examples > firstExamples) {
      double rate = (examples - firstExamples) / secs;
      sb.append("  ")
          .append(
              rate >= 100
                  ? String.format(Locale.ROOT, "%.0f", rate)
                  : String.format(Locale.ROOT, "%.1f", rate))
          .append(' ')
          .append(unit);
    }
    if (total > 0) {
      if (step >= total) {
        sb.append("  done in ").append(Table.duration(secs));
      } else if (step > firstStep && secs > 0) {
        double eta = secs / (step - firstStep) * (total - step);
        sb.append("  ETA ").append(Table.duration(eta));
      }
    }
    return sb.toString();
  }
}
