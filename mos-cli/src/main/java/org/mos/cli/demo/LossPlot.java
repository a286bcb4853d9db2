// SPDX-License-Identifier: Apache-2.0
// LossPlot: the demo's PNG of held-out loss curves (java.awt, headless): a full view and a zoom on
// the second half of training, mean over seeds with a min-max band, axes, ticks, labels, legend.
package org.mos.cli.demo;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/** Writes a two-panel line plot; needs no display (java.awt.headless is set before drawing). */
public final class LossPlot {
  /** One curve: mean y per x with a [lo, hi] band (lo = hi = mean for one seed). */
  public record Series(
      String label, Color color, double[] x, double[] mean, double[] lo, double[] hi) {}

  /** Colours that stay apart for colour-blind readers (Okabe-Ito). */
  public static final Color[] PALETTE = {
    new Color(0, 114, 178), new Color(213, 94, 0), new Color(0, 158, 115), new Color(204, 121, 167),
    new Color(230, 159, 0), new Color(86, 180, 233), new Color(0, 0, 0), new Color(128, 128, 128),
    new Color(150, 40, 40)
  };

  private static final int W = 1400;
  private static final int H = 640;

  private LossPlot() {}

  /**
   * Write {@code file} (PNG). {@code reference} (NaN: none) is drawn as a dashed grey line
   * labelled {@code referenceLabel} in the full view.
   */
  public static void write(
      Path file,
      String title,
      String xLabel,
      String yLabel,
      List<Series> series,
      double reference,
      String referenceLabel)
      throws IOException {
    System.setProperty("java.awt.headless", "true");
    BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(
          RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, W, H);
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 20));
      FontMetrics fm = g.getFontMetrics();
      g.drawString(title, (W - fm.stringWidth(title)) / 2, 32);

      double xMin = Double.POSITIVE_INFINITY;
      double xMax = Double.NEGATIVE_INFINITY;
      for (Series s : series) {
        for (double v : s.x) {
          xMin = Math.min(xMin, v);
          xMax = Math.max(xMax, v);
        }
      }
      if (!(xMax > xMin)) {
        xMax = xMin + 1;
      }
      int legendH = 34 * legendRows(g, series, reference, referenceLabel);
      int top = 56;
      int panelW = (W - 60) / 2;
      int panelH = H - top - legendH - 20;
      double[] full = yRange(series, xMin, reference);
      panel(
          g,
          10,
          top,
          panelW,
          panelH,
          series,
          xMin,
          xMax,
          full,
          "whole run",
          xLabel,
          yLabel,
          reference,
          referenceLabel);
      double xHalf = xMin + (xMax - xMin) / 2;
      double[] zoom = yRange(series, xHalf, Double.NaN);
      panel(
          g,
          40 + panelW,
          top,
          panelW,
          panelH,
          series,
          xHalf,
          xMax,
          zoom,
          "second half (zoom)",
          xLabel,
          yLabel,
          Double.NaN,
          null);
      legend(g, series, H - legendH + 4, reference, referenceLabel);
    } finally {
      g.dispose();
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    if (!ImageIO.write(img, "png", file.toFile())) {
      throw new IOException("no PNG writer available");
    }
  }

  private static double[] yRange(List<Series> series, double fromX, double reference) {
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (Series s : series) {
      for (int i = 0; i < s.x.length; i++) {
        if (s.x[i] >= fromX) {
          lo = Math.min(lo, s.lo[i]);
          hi = Math.max(hi, s.hi[i]);
        }
      }
    }
    if (!Double.isNaN(reference)) {
      lo = Math.min(lo, reference);
      hi = Math.max(hi, reference);
    }
    if (!(hi > lo)) {
      hi = lo + 1e-3;
    }
    double pad = (hi - lo) * 0.06;
    return new double[] {lo - pad, hi + pad};
  }

  private static void panel(
      Graphics2D g,
      int px,
      int py,
      int pw,
      int ph,
      List<Series> series,
      double x0,
      double x1,
      double[] y,
      String subtitle,
      String xLabel,
      String yLabel,
      double reference,
      String referenceLabel) {
    Font tickFont = new Font(Font.SANS_SERIF, Font.PLAIN, 14);
    Font labelFont = new Font(Font.SANS_SERIF, Font.PLAIN, 16);
    int left = px + 78;
    int right = px + pw - 28;
    int top = py + 26;
    int bottom = py + ph - 52;
    g.setFont(labelFont);
    g.setColor(Color.BLACK);
    FontMetrics fm = g.getFontMetrics();
    g.drawString(subtitle, (left + right - fm.stringWidth(subtitle)) / 2, py + 16);
    double y0 = y[0];
    double y1 = y[1];
    java.util.function.DoubleUnaryOperator sx = v -> left + (v - x0) / (x1 - x0) * (right - left);
    java.util.function.DoubleUnaryOperator sy = v -> bottom - (v - y0) / (y1 - y0) * (bottom - top);
    // grid and ticks
    g.setFont(tickFont);
    fm = g.getFontMetrics();
    double[] yt = ticks(y0, y1);
    for (double t : yt) {
      int yy = (int) Math.round(sy.applyAsDouble(t));
      g.setColor(new Color(225, 225, 225));
      g.drawLine(left, yy, right, yy);
      g.setColor(Color.BLACK);
      g.drawLine(left - 5, yy, left, yy);
      String s = fmt(t, yt);
      g.drawString(s, left - 8 - fm.stringWidth(s), yy + fm.getAscent() / 2 - 1);
    }
    double[] xt = ticks(x0, x1);
    for (double t : xt) {
      int xx = (int) Math.round(sx.applyAsDouble(t));
      g.setColor(new Color(225, 225, 225));
      g.drawLine(xx, top, xx, bottom);
      g.setColor(Color.BLACK);
      g.drawLine(xx, bottom, xx, bottom + 5);
      String s = fmt(t, xt);
      g.drawString(s, xx - fm.stringWidth(s) / 2, bottom + 8 + fm.getAscent());
    }
    g.setColor(Color.BLACK);
    g.setStroke(new BasicStroke(1.5f));
    g.drawRect(left, top, right - left, bottom - top);
    // axis labels
    g.setFont(labelFont);
    fm = g.getFontMetrics();
    g.drawString(xLabel, (left + right - fm.stringWidth(xLabel)) / 2, bottom + 44);
    Graphics2D gr = (Graphics2D) g.create();
    gr.rotate(-Math.PI / 2);
    gr.drawString(yLabel, -(top + bottom + fm.stringWidth(yLabel)) / 2, px + 20);
    gr.dispose();
    // data, clipped to the plot area
    Graphics2D gc = (Graphics2D) g.create();
    gc.clipRect(left, top, right - left + 1, bottom - top + 1);
    if (!Double.isNaN(reference)) {
      gc.setColor(Color.GRAY);
      gc.setStroke(new BasicStroke(
          2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {8f, 6f}, 0f));
      int yy = (int) Math.round(sy.applyAsDouble(reference));
      gc.drawLine(left, yy, right, yy);
      if (referenceLabel != null) {
        gc.setFont(tickFont);
        gc.drawString(referenceLabel, left + 8, yy - 6);
      }
    }
    for (Series s : series) {
      Path2D band = new Path2D.Double();
      Path2D line = new Path2D.Double();
      boolean first = true;
      for (int i = 0; i < s.x.length; i++) {
        double xx = sx.applyAsDouble(s.x[i]);
        if (first) {
          band.moveTo(xx, sy.applyAsDouble(s.hi[i]));
          line.moveTo(xx, sy.applyAsDouble(s.mean[i]));
          first = false;
        } else {
          band.lineTo(xx, sy.applyAsDouble(s.hi[i]));
          line.lineTo(xx, sy.applyAsDouble(s.mean[i]));
        }
      }
      for (int i = s.x.length - 1; i >= 0; i--) {
        band.lineTo(sx.applyAsDouble(s.x[i]), sy.applyAsDouble(s.lo[i]));
      }
      band.closePath();
      Color c = s.color;
      gc.setColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), 50));
      gc.fill(band);
      gc.setColor(c);
      gc.setStroke(new BasicStroke(2.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
      gc.draw(line);
      for (int i = 0; i < s.x.length; i++) {
        int xx = (int) Math.round(sx.applyAsDouble(s.x[i]));
        int yy = (int) Math.round(sy.applyAsDouble(s.mean[i]));
        gc.fillOval(xx - 3, yy - 3, 7, 7);
      }
    }
    gc.dispose();
  }

  /** Width of one legend entry. */
  private static int entryWidth(FontMetrics fm, String label) {
    return 40 + fm.stringWidth(label) + 30;
  }

  /** Rows the legend needs: entries wrap when a row would be wider than the image. */
  private static int legendRows(
      Graphics2D g, List<Series> series, double reference, String refLabel) {
    return legendLayout(g, series, reference, refLabel).size();
  }

  /** Legend entries (labels; null colour = the reference) grouped into rows that fit the width. */
  private static List<List<Series>> legendLayout(
      Graphics2D g, List<Series> series, double reference, String refLabel) {
    FontMetrics fm = g.getFontMetrics(new Font(Font.SANS_SERIF, Font.PLAIN, 16));
    List<Series> all = new java.util.ArrayList<>(series);
    if (!Double.isNaN(reference) && refLabel != null) {
      all.add(
          new Series(refLabel, null, new double[0], new double[0], new double[0], new double[0]));
    }
    List<List<Series>> rows = new java.util.ArrayList<>();
    List<Series> row = new java.util.ArrayList<>();
    int width = 0;
    for (Series s : all) {
      int w = entryWidth(fm, s.label);
      if (!row.isEmpty() && width + w > W - 20) {
        rows.add(row);
        row = new java.util.ArrayList<>();
        width = 0;
      }
      row.add(s);
      width += w;
    }
    if (!row.isEmpty()) {
      rows.add(row);
    }
    return rows.isEmpty() ? List.of(List.of()) : rows;
  }

  private static void legend(
      Graphics2D g, List<Series> series, int y, double reference, String refLabel) {
    List<List<Series>> rows = legendLayout(g, series, reference, refLabel);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 16));
    FontMetrics fm = g.getFontMetrics();
    for (List<Series> row : rows) {
      int total = row.stream().mapToInt(s -> entryWidth(fm, s.label)).sum();
      int x = Math.max(10, (W - total) / 2);
      for (Series s : row) {
        if (s.color == null) { // the reference line
          g.setColor(Color.GRAY);
          g.setStroke(new BasicStroke(
              2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {8f, 6f}, 0f));
        } else {
          g.setColor(s.color);
          g.setStroke(new BasicStroke(3f));
        }
        g.drawLine(x, y + 10, x + 30, y + 10);
        g.setColor(Color.BLACK);
        g.drawString(s.label, x + 38, y + 10 + fm.getAscent() / 2 - 1);
        x += entryWidth(fm, s.label);
      }
      y += 34;
    }
    g.setStroke(new BasicStroke(1f));
  }

  /** "Nice" tick values (1, 2, 5 x 10^k steps) covering [lo, hi], about 6 of them. */
  static double[] ticks(double lo, double hi) {
    double raw = (hi - lo) / 6;
    double mag = Math.pow(10, Math.floor(Math.log10(raw)));
    double step =
        raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag : 10 * mag;
    double start = Math.ceil(lo / step) * step;
    int n = (int) Math.floor((hi - start) / step + 1e-9) + 1;
    double[] t = new double[Math.max(0, n)];
    for (int i = 0; i < t.length; i++) {
      t[i] = start + i * step;
    }
    return t;
  }

  /** A tick label with as many decimals as the tick spacing needs. */
  static String fmt(double v, double[] ticks) {
    double step = ticks.length > 1 ? ticks[1] - ticks[0] : Math.abs(v);
    int decimals = step > 0 ? (int) Math.max(0, Math.ceil(-Math.log10(step) - 1e-9)) : 0;
    return String.format("%." + Math.min(decimals, 6) + "f", v);
  }
}
