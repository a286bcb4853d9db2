// SPDX-License-Identifier: Apache-2.0
// BenchReport: the records of one `mos bench` run (the native program's and the Java cases'),
// the summary of ratios against their targets, and the JSON file.
package org.mos.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.mos.cli.Table;

/**
 * JSON layout: {@code {"meta": {...}, "records": [...]}}. A measurement record is
 * {@code {"case", "variant", "metric", "median", "p10", "p90", "unit", "n"}}; a ratio record is
 * {@code {"case", "ratio", "value", "target", "met"}} with target a string such as
 * {@code "<= 1.05"} (null: information only); a note is {@code {"case", "note"}}.
 */
public final class BenchReport {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private final ObjectNode meta = F.objectNode();
  private final ArrayNode records = F.arrayNode();
  private final boolean judge;

  /** {@code judge == false} (tiny sizes): targets are recorded but not judged. */
  public BenchReport(boolean judge) {
    this.judge = judge;
  }

  public ObjectNode meta() {
    return meta;
  }

  public ArrayNode records() {
    return records;
  }

  /** Adds the records of a native run; its meta goes under meta.native. */
  public void addNative(JsonNode doc) {
    if (doc.has("meta")) {
      meta.set("native", doc.get("meta"));
    }
    for (JsonNode r : doc.path("records")) {
      records.add(r);
    }
  }

  public void measure(
      String cs,
      String variant,
      String metric,
      double median,
      double p10,
      double p90,
      String unit,
      int n) {
    ObjectNode r = records.addObject();
    r.put("case", cs).put("variant", variant).put("metric", metric);
    num(r, "median", median);
    num(r, "p10", p10);
    num(r, "p90", p90);
    r.put("unit", unit).put("n", n);
  }

  public void time(String cs, String variant, Interleaved.Stats s) {
    measure(cs, variant, "time", s.median() * 1e3, s.p10() * 1e3, s.p90() * 1e3, "ms", s.n());
  }

  /** A ratio with target {@code op target} ({@code op} "<=" or ">="; NaN target: none). */
  public void ratio(String cs, String name, double value, String op, double target, String note) {
    ObjectNode r = records.addObject();
    r.put("case", cs).put("ratio", name);
    num(r, "value", value);
    if (Double.isNaN(target)) {
      r.putNull("target");
      r.putNull("met");
    } else {
      r.put("target", op + " " + trim(target));
      if (judge) {
        r.put("met", op.equals("<=") ? value <= target : value >= target);
      } else {
        r.putNull("met");
      }
    }
    if (note != null && !note.isEmpty()) {
      r.put("note", note);
    }
  }

  public void note(String cs, String text) {
    records.addObject().put("case", cs).put("note", text);
  }

  /** The median of a measurement record, or NaN. */
  public double median(String cs, String variant, String metric) {
    for (JsonNode r : records) {
      if (cs.equals(r.path("case").asText())
          && variant.equals(r.path("variant").asText())
          && metric.equals(r.path("metric").asText())) {
        return r.path("median").asDouble(Double.NaN);
      }
    }
    return Double.NaN;
  }

  /**
   * Every ratio that has a target, as a table; returns how many were missed. {@code quick}: the
   * run took a third of the rounds, so each verdict is marked as indicative and a line says so.
   */
  public int printSummary(PrintWriter out, boolean quick) {
    Table t = new Table("case", "ratio", "value", "target", "").right(2);
    int missed = 0;
    for (JsonNode r : records) {
      if (!r.has("ratio") || r.path("target").isNull()) {
        continue;
      }
      JsonNode met = r.path("met");
      String verdict = met.isBoolean() ? (met.asBoolean() ? "met" : "MISSED") : "not judged";
      if (quick && met.isBoolean()) {
        verdict += " (quick)";
      }
      if (met.isBoolean() && !met.asBoolean()) {
        missed++;
      }
      t.row(
          r.path("case").asText(),
          r.path("ratio").asText(),
          String.format(Locale.ROOT, "%.3f", r.path("value").asDouble()),
          r.path("target").asText(),
          verdict);
    }
    out.println();
    out.println("== summary: ratios against their targets");
    t.print(out);
    if (quick) {
      out.println("--quick ran a third of the rounds: its ratios are indicative (they can move by"
          + " 10-20% between runs); targets are judged by a full run (docs/benchmarks.md).");
    }
    return missed;
  }

  public void write(Path file) throws IOException {
    ObjectNode doc = F.objectNode();
    doc.set("meta", meta);
    doc.set("records", records);
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), doc);
  }

  /** All ratio records (for the plot). */
  public List<JsonNode> ratios() {
    List<JsonNode> out = new ArrayList<>();
    records.forEach(r -> {
      if (r.has("ratio")) {
        out.add(r);
      }
    });
    return out;
  }

  private static void num(ObjectNode r, String key, double v) {
    if (Double.isFinite(v)) {
      r.put(key, v);
    } else {
      r.putNull(key);
    }
  }

  private static String trim(double v) {
    String s = String.format(Locale.ROOT, "%.4f", v);
    return s.replaceAll("0+$", "").replaceAll("\\.$", "");
  }
}
