// SPDX-License-Identifier: Apache-2.0
// Progress and Table: with a fake clock, LINES prints at the first update, then once per interval,
// then at the end; LIVE redraws one line with \r; OFF prints nothing; formats are locale-free.
package org.mos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressTest {
  private final AtomicLong nanos = new AtomicLong();
  private final StringWriter sink = new StringWriter();

  private Progress bar(Progress.Mode mode, long total) {
    return Progress.start("train", total, new PrintWriter(sink), mode, nanos::get);
  }

  private void advance(double seconds) {
    nanos.addAndGet((long) (seconds * 1e9));
  }

  @Test
  void linesModePrintsPeriodicallyAndAtTheEnd() {
    try (Progress p = bar(Progress.Mode.LINES, 100).interval(Duration.ofSeconds(10))) {
      for (int step = 1; step <= 100; step++) {
        p.update(step, 2.0 - step / 100.0, step * 32L);
        advance(1); // one step per second: lines at steps 1, 11, 21, ..., 91 and 100
      }
    }
    List<String> lines = sink.toString().lines().toList();
    assertEquals(11, lines.size(), sink.toString());
    assertTrue(
        lines.get(0).startsWith("train  [--------------------]  1/100    1%  loss 1.9900"),
        lines.get(0));
    // After step 11 (10 s after step 1): 320 examples in 10 s, 89 steps left at 1 s each.
    assertEquals(
        "train  [##------------------]  11/100   11%  loss 1.8900  32.0 ex/s  ETA 1:29",
        lines.get(1));
    assertEquals(
        "train  [####################]  100/100  100%  loss 1.0000  32.0 ex/s  done in 1:39",
        lines.get(10));
    assertFalse(sink.toString().contains("\r"));
  }

  @Test
  void liveModeRedrawsInPlace() {
    Progress p = bar(Progress.Mode.LIVE, 4);
    p.update(1, 0.5);
    advance(0.01);
    p.update(2, 0.4); // within 100 ms: not drawn
    advance(0.2);
    p.update(3, 0.3);
    p.log("eval loss 0.25");
    advance(0.01);
    p.update(4, 0.2); // the last step is always drawn
    p.close();
    String s = sink.toString();
    assertTrue(s.startsWith("\rtrain  [#####---------------]  1/4   25%  loss 0.5000"), s);
    assertFalse(s.contains("2/4"), s);
    assertTrue(s.contains("\rtrain  [###############-----]  3/4   75%  loss 0.3000  ETA 0:00"), s);
    assertTrue(s.contains("\reval loss 0.25\n\rtrain"), "a log line stands on its own: " + s);
    assertTrue(
        s.contains("\rtrain  [####################]  4/4  100%  loss 0.2000  done in 0:00"), s);
    assertTrue(s.endsWith("\n"), "close ends the line");
  }

  @Test
  void offPrintsNothingAndUnknownTotalHasNoBar() {
    try (Progress p = bar(Progress.Mode.OFF, 10)) {
      p.update(5, 1.0);
      p.log("hidden");
    }
    assertEquals("", sink.toString());
    try (Progress p = bar(Progress.Mode.LINES, 0)) {
      p.update(7, Double.NaN);
      assertEquals("train  step 7", p.line());
    }
  }

  @Test
  void closeShowsTheLastStateOnce() {
    Progress p = bar(Progress.Mode.LINES, 100);
    p.update(1, 1.0);
    advance(1);
    p.update(2, 0.9); // within the interval: not printed yet
    p.close();
    p.close();
    List<String> lines = sink.toString().lines().toList();
    assertEquals(2, lines.size(), sink.toString());
    assertTrue(lines.get(1).contains("2/100"), lines.get(1));
  }

  @Test
  void formats() {
    assertEquals("1,234,567", Table.count(1_234_567));
    assertEquals("812 B", Table.bytes(812));
    assertEquals("1.50 KiB", Table.bytes(1536));
    assertEquals("12.0 KiB", Table.bytes(12_288));
    assertEquals("1.00 GiB", Table.bytes(1L << 30));
    assertEquals("0:07", Table.duration(7.2));
    assertEquals("1:02:03", Table.duration(3723));
    assertEquals("--:--", Table.duration(Double.NaN));
    assertEquals("16", Table.number(16f));
    assertEquals("0.1", Table.number(0.1f));
    assertEquals("0.05", Table.number(0.05));
    Table t = new Table("name", "n").right(1);
    t.row("a", "1").row("long name", "1,000");
    assertEquals(
        "name           n\n---------  -----\na              1\nlong name  1,000", t.toString());
  }
}
