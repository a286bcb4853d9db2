// SPDX-License-Identifier: Apache-2.0
// Plain-text tables and number formats for the command's reports: aligned columns, thousands
// separators, byte sizes in binary units, durations as h:mm:ss.
package org.mos.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An aligned text table: a header row, data rows, optional separator rows. Columns whose header
 * is right-aligned (see {@link #right}) hold numbers.
 *
 * {@snippet :
 * Table t = new Table("method", "params", "bits/char").right(1, 2);
 * t.row("LoRA r=4", Table.count(20480), "1.234");
 * t.print(out);
 * }
 */
public final class Table {
  private final String[] header;
  private final boolean[] rightAligned;
  private final List<String[]> rows = new ArrayList<>();
  private static final String[] RULE = new String[0];

  public Table(String... header) {
    this.header = header.clone();
    this.rightAligned = new boolean[header.length];
  }

  /** Right-aligns the columns {@code columns} (0-based). */
  public Table right(int... columns) {
    for (int c : columns) rightAligned[c] = true;
    return this;
  }

  /** Adds a row; missing cells are blank, extra cells an error. */
  public Table row(Object... cells) {
    if (cells.length > header.length) {
      throw new IllegalArgumentException(cells.length + " cells for " + header.length + " columns");
    }
    String[] r = new String[header.length];
    for (int i = 0; i < r.length; i++)
      r[i] = i < cells.length && cells[i] != null ? cells[i].toString() : "";
    rows.add(r);
    return this;
  }

  /** Adds a horizontal rule. */
  public Table rule() {
    rows.add(RULE);
    return this;
  }

  /** The table as lines, columns separated by two spaces, no trailing blanks. */
  public List<String> lines() {
    int[] w = new int[header.length];
    for (int i = 0; i < w.length; i++) w[i] = header[i].length();
    for (String[] r : rows) for (int i = 0; i < r.length; i++) w[i] = Math.max(w[i], r[i].length());
    List<String> out = new ArrayList<>();
    out.add(format(header, w));
    out.add(rule(w));
    for (String[] r : rows) out.add(r == RULE ? rule(w) : format(r, w));
    return out;
  }

  public void print(PrintWriter out) {
    for (String line : lines()) out.println(line);
  }

  @Override
  public String toString() {
    return String.join("\n", lines());
  }

  private String format(String[] cells, int[] w) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < cells.length; i++) {
      if (i > 0) sb.append("  ");
      String c = cells[i];
      String pad = " ".repeat(w[i] - c.length());
      sb.append(rightAligned[i] ? pad + c : c + pad);
    }
    return sb.toString().stripTrailing();
  }

  private static String rule(int[] w) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < w.length; i++) {
      if (i > 0) sb.append("  ");
      sb.append("-".repeat(w[i]));
    }
    return sb.toString();
  }

  // ---- number formats (locale-independent) ----------------------------------------------------

  /** 1234567 -> "1,234,567". */
  public static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /** Bytes in binary units: "812 B", "1.5 KiB", "12.3 MiB", "1.02 GiB". */
  public static String bytes(long n) {
    if (Math.abs(n) < 1024) return n + " B";
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = n;
    int u = -1;
    while (Math.abs(v) >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(
        Locale.ROOT, v >= 100 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s", v, units[u]);
  }

  /** Seconds as "0:07", "12:34" or "1:02:03". */
  public static String duration(double seconds) {
    if (!Double.isFinite(seconds) || seconds < 0) return "--:--";
    long s = Math.round(seconds);
    long h = s / 3600;
    long m = (s % 3600) / 60;
    long sec = s % 60;
    return h > 0
        ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, sec)
        : String.format(Locale.ROOT, "%d:%02d", m, sec);
  }

  /** A ratio as "4.00x". */
  public static String ratio(double x) {
    return String.format(Locale.ROOT, "%.2fx", x);
  }

  /** A float as Java prints it when integral ("16"), else up to 6 significant digits. */
  public static String number(double x) {
    if (x == Math.rint(x) && Math.abs(x) < 1e15) return Long.toString((long) x);
    return String.format(Locale.ROOT, "%.6g", x).replaceAll("\\.?0+(e|$)", "$1");
  }
}
