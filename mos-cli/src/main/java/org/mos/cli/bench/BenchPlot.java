// SPDX-License-Identifier: Apache-2.0
// BenchPlot: the PNG of a `mos bench` run, drawn with Java2D from its records: every ratio with
// its target (green met, red missed), the layer forward rates, and the memory of a training step.
package org.mos.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/** Draws the benchmark figure. */
public final class BenchPlot {
  private static final Color MET = new Color(0x2e7d32);
  private static final Color MISSED = new Color(0xc62828);
  private static final Color INFO = new Color(0x90a4ae);
  private static final Color[] SERIES = {
    new Color(0x455a64),
    new Color(0x1e88e5),
    new Color(0xfb8c00),
    new Color(0x8e24aa),
    new Color(0x43a047),
    new Color(0x6d4c41)
  };

  private BenchPlot() {}

  /** Writes the figure of {@code records} (the "records" array of the JSON) to {@code png}. */
  public static void write(JsonNode records, String title, Path png) throws IOException {
    List<JsonNode> ratios = new ArrayList<>();
    for (JsonNode r : records) {
      if (r.has("ratio") && !r.path("target").isNull() && r.path("value").isNumber()) {
        ratios.add(r);
      }
    }
    int w = 1500;
    int ratioRows = Math.max(1, ratios.size());
    int top = 70 + ratioRows * 26 + 60;
    int h = top + 420;
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(
        RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, w, h);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
    g.drawString(title, 20, 30);

    drawRatios(g, ratios, 20, 50, w - 40, ratioRows * 26 + 40);
    int half = (w - 60) / 2;
    drawGroups(
        g,
        "Layer forward, GFLOP/s (tokens 512; adapter FLOPs counted)",
        groups(records, "layer_fwd_", "rate"),
        20,
        top,
        half,
        380,
        "%.0f");
    drawGroups(
        g,
        "Training step: peak resident memory above the base model, MiB",
        memory(records),
        40 + half,
        top,
        half,
        380,
        "%.0f");
    g.dispose();
    Path parent = png.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    if (!ImageIO.write(img, "png", png.toFile())) {
      throw new IOException("no PNG writer in this JDK");
    }
  }

  private static void drawRatios(Graphics2D g, List<JsonNode> ratios, int x, int y, int w, int h) {
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    g.setColor(Color.BLACK);
    g.drawString(
        "Ratios against targets (bar: measured; black tick: target; green met, red "
            + "missed, grey not judged)",
        x,
        y + 14);
    int labelW = 620;
    int x0 = x + labelW;
    int plotW = w - labelW - 80;
    double max = 1.5;
    for (JsonNode r : ratios) {
      max = Math.max(max, r.path("value").asDouble() * 1.05);
      max = Math.max(max, target(r) * 1.05);
    }
    max = Math.min(max, 12);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    FontMetrics fm = g.getFontMetrics();
    int row = y + 30;
    // axis ticks
    g.setColor(new Color(0xe0e0e0));
    for (double t = 0; t <= max + 1e-9; t += max > 6 ? 1 : 0.25) {
      int px = x0 + (int) (plotW * t / max);
      g.drawLine(px, row - 4, px, row + ratios.size() * 26);
    }
    g.setColor(Color.GRAY);
    for (double t = 0; t <= max + 1e-9; t += max > 6 ? 2 : 0.5) {
      int px = x0 + (int) (plotW * t / max);
      g.drawString(String.format(Locale.ROOT, "%.1f", t), px - 8, row + ratios.size() * 26 + 14);
    }
    for (JsonNode r : ratios) {
      String label = r.path("case").asText() + ": " + r.path("ratio").asText();
      if (fm.stringWidth(label) > labelW - 10) {
        while (fm.stringWidth(label + "...") > labelW - 10 && label.length() > 4) {
          label = label.substring(0, label.length() - 1);
        }
        label += "...";
      }
      g.setColor(Color.BLACK);
      g.drawString(label, x, row + 14);
      double v = r.path("value").asDouble();
      JsonNode met = r.path("met");
      g.setColor(met.isBoolean() ? (met.asBoolean() ? MET : MISSED) : INFO);
      int bw = (int) (plotW * Math.min(v, max) / max);
      g.fillRect(x0, row + 3, Math.max(1, bw), 16);
      double t = target(r);
      int tx = x0 + (int) (plotW * Math.min(t, max) / max);
      g.setColor(Color.BLACK);
      g.setStroke(new BasicStroke(3));
      g.drawLine(tx, row, tx, row + 22);
      g.setStroke(new BasicStroke(1));
      g.drawString(
          String.format(Locale.ROOT, "%.3f  (%s)", v, r.path("target").asText()),
          x0 + Math.max(bw, tx - x0) + 8,
          row + 16);
      row += 26;
    }
  }

  private static double target(JsonNode r) {
    String t = r.path("target").asText("");
    try {
      return Double.parseDouble(t.replace("<=", "").replace(">=", "").trim());
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  /** case -> (variant -> median) for measurement records of {@code metric} in cases with prefix. */
  private static Map<String, Map<String, Double>> groups(
      JsonNode records, String prefix, String metric) {
    Map<String, Map<String, Double>> out = new LinkedHashMap<>();
    for (JsonNode r : records) {
      String cs = r.path("case").asText();
      if (cs.startsWith(prefix) && metric.equals(r.path("metric").asText())) {
        out.computeIfAbsent(cs.substring(prefix.length()), k -> new LinkedHashMap<>())
            .put(r.path("variant").asText(), r.path("median").asDouble());
      }
    }
    return out;
  }

  private static Map<String, Map<String, Double>> memory(JsonNode records) {
    Map<String, Map<String, Double>> out = new LinkedHashMap<>();
    for (JsonNode r : records) {
      if ("memory".equals(r.path("case").asText())
          && "step_peak_resident".equals(r.path("metric").asText())) {
        String v = r.path("variant").asText();
        String group = v.startsWith("dense")
            ? "dense LoRA"
            : v.replaceAll("_r\\d+$", "").replace("mos_Req", "MoS R_eq=");
        String series = "r=" + v.replaceAll(".*_r", "");
        out.computeIfAbsent(group, k -> new LinkedHashMap<>())
            .put(series, r.path("median").asDouble());
      }
    }
    return out;
  }

  private static void drawGroups(
      Graphics2D g,
      String title,
      Map<String, Map<String, Double>> data,
      int x,
      int y,
      int w,
      int h,
      String fmt) {
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    g.drawString(title, x, y + 14);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    if (data.isEmpty()) {
      g.setColor(Color.GRAY);
      g.drawString("(no records)", x, y + 40);
      return;
    }
    List<String> series = new ArrayList<>();
    double max = 0;
    for (Map<String, Double> m : data.values()) {
      for (Map.Entry<String, Double> e : m.entrySet()) {
        if (!series.contains(e.getKey())) {
          series.add(e.getKey());
        }
        max = Math.max(max, e.getValue());
      }
    }
    max = max <= 0 ? 1 : max * 1.15;
    int plotTop = y + 50;
    int plotH = h - 110;
    int base = plotTop + plotH;
    g.setColor(Color.GRAY);
    g.drawLine(x + 40, base, x + w, base);
    int groupW = (w - 60) / data.size();
    int barW = Math.max(6, (groupW - 20) / Math.max(1, series.size()));
    int gi = 0;
    for (Map.Entry<String, Map<String, Double>> grp : data.entrySet()) {
      int gx = x + 50 + gi * groupW;
      for (int si = 0; si < series.size(); si++) {
        Double v = grp.getValue().get(series.get(si));
        if (v == null) {
          continue;
        }
        int bh = (int) (plotH * v / max);
        g.setColor(SERIES[si % SERIES.length]);
        g.fillRect(gx + si * barW, base - bh, barW - 3, bh);
        g.setColor(Color.BLACK);
        String s = String.format(Locale.ROOT, fmt, v);
        g.drawString(s, gx + si * barW, base - bh - 3);
      }
      g.setColor(Color.BLACK);
      g.drawString(grp.getKey(), gx, base + 16);
      gi++;
    }
    int ly = base + 34;
    int lx = x + 40;
    for (int si = 0; si < series.size(); si++) {
      g.setColor(SERIES[si % SERIES.length]);
      g.fillRect(lx, ly - 10, 12, 12);
      g.setColor(Color.BLACK);
      g.drawString(series.get(si), lx + 16, ly);
      lx += 30 + g.getFontMetrics().stringWidth(series.get(si));
      if (lx > x + w - 120) {
        lx = x + 40;
        ly += 16;
      }
    }
  }
}
