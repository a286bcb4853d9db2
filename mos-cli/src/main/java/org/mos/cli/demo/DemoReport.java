// SPDX-License-Identifier: Apache-2.0
// DemoReport: the demo's outputs: the console table, loss-curves.png, report.md and results.json,
// from the measured DemoRunner.Results.
package org.mos.cli.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import org.mos.MosContext;
import org.mos.cli.Table;
import org.mos.cli.demo.DemoRunner.Results;
import org.mos.cli.demo.DemoRunner.Run;
import org.mos.cli.demo.DemoRunner.Trial;

/** Static writers; every number comes from a {@link Results}. */
public final class DemoReport {
  /** File names under the output directory. */
  public static final String PLOT = "loss-curves.png";
  public static final String REPORT = "report.md";
  public static final String RESULTS = "results.json";

  private DemoReport() {}

  /** Mean, sample standard deviation (0 for one value), and the values of one method. */
  public record Summary(Method method, double lr, long parameters, long adapterBytes, double mean,
      double std, double[] values, double trainSeconds) {}

  /** Per-method summaries in the order of the settings' methods. */
  public static List<Summary> summaries(Results r) {
    List<Summary> out = new ArrayList<>();
    for (Method m : r.settings().methods()) {
      List<Run> runs = r.runsOf(m);
      double[] v = runs.stream().mapToDouble(Run::testBits).toArray();
      double mean = java.util.Arrays.stream(v).average().orElse(Double.NaN);
      double ss = 0;
      for (double x : v) {
        ss += (x - mean) * (x - mean);
      }
      double std = v.length > 1 ? Math.sqrt(ss / (v.length - 1)) : 0;
      double secs = runs.stream().mapToDouble(Run::trainSeconds).average().orElse(Double.NaN);
      long bytes = runs.isEmpty() ? 0 : runs.get(0).adapterBytes();
      out.add(new Summary(m, r.chosenLr(m), m.parameters(r.settings().model), bytes, mean, std, v, secs));
    }
    return out;
  }

  /** The results table's header and rows (the console table and the Markdown table share them). */
  static List<String[]> tableRows(Results r) {
    List<Summary> sums = summaries(r);
    double ref = sums.get(0).mean();
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"method", "trainable params", "adapter bytes", "lr",
        "held-out bits/char (mean ± std)", "vs " + sums.get(0).method().label(), "train time/run"});
    for (Summary s : sums) {
      rows.add(new String[] {s.method().label(), Table.count(s.parameters()), Table.count(s.adapterBytes()),
          DemoRunner.fmtLr(s.lr()), String.format("%.4f ± %.4f", s.mean(), s.std()),
          s == sums.get(0) ? "" : String.format("%+.4f", s.mean() - ref), Table.duration(s.trainSeconds())});
    }
    return rows;
  }

  /** The results table for the console. */
  public static Table table(Results r) {
    List<String[]> rows = tableRows(r);
    Table t = new Table(rows.get(0)).right(1, 2, 3, 4, 5, 6);
    for (String[] row : rows.subList(1, rows.size())) {
      t.row((Object[]) row);
    }
    return t;
  }

  /** Print the table and write the plot, report.md and results.json. */
  public static void write(Results r, PrintWriter out) throws IOException {
    Path dir = r.settings().out;
    Files.createDirectories(dir);
    out.println();
    out.printf("held-out loss on the fine-tuning test split (%d seed(s) per method; base model before "
        + "fine-tuning: %.4f bits/char)%n", r.settings().seeds, r.baseTestBits());
    table(r).print(out);
    try {
      plot(r, dir.resolve(PLOT));
    } catch (IOException | RuntimeException | LinkageError | InternalError e) {
      // e.g. a headless JDK without fonts: the numbers matter more than the picture
      out.printf("could not draw %s (%s); the table, report and results are still written%n",
          dir.resolve(PLOT), e);
    }
    Files.writeString(dir.resolve(REPORT), markdown(r));
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(dir.resolve(RESULTS).toFile(), json(r));
    String edges = edgeWarning(r);
    if (!edges.isEmpty()) {
      out.println(edges);
    }
    out.println();
    out.printf("wrote %s, %s, %s and the adapters under %s (total %s)%n", dir.resolve(REPORT),
        dir.resolve(PLOT), dir.resolve(RESULTS), dir.resolve("adapters"), Table.duration(r.totalSeconds()));
    out.flush();
  }

  static void plot(Results r, Path file) throws IOException {
    List<LossPlot.Series> series = new ArrayList<>();
    int c = 0;
    for (Method m : r.settings().methods()) {
      List<Run> runs = r.runsOf(m);
      int n = runs.get(0).evalSteps().length;
      double[] x = new double[n + 1];
      double[] mean = new double[n + 1];
      double[] lo = new double[n + 1];
      double[] hi = new double[n + 1];
      x[0] = 0;
      mean[0] = lo[0] = hi[0] = r.baseTestBits(); // before training every adapter is the base
      for (int i = 0; i < n; i++) {
        x[i + 1] = runs.get(0).evalSteps()[i];
        double sum = 0;
        double mn = Double.POSITIVE_INFINITY;
        double mx = Double.NEGATIVE_INFINITY;
        for (Run run : runs) {
          double v = run.evalBits()[i];
          sum += v;
          mn = Math.min(mn, v);
          mx = Math.max(mx, v);
        }
        mean[i + 1] = sum / runs.size();
        lo[i + 1] = mn;
        hi[i + 1] = mx;
      }
      String label = m.label() + ", " + Table.count(m.parameters(r.settings().model)) + " params";
      series.add(new LossPlot.Series(label, LossPlot.PALETTE[c++ % LossPlot.PALETTE.length], x, mean, lo, hi));
    }
    LossPlot.write(file, "Fine-tuning " + shortName(r) + ": held-out loss (mean over "
        + r.settings().seeds + " seed(s), band = min..max)", "optimizer step", "held-out bits per character",
        series, Double.NaN, null);
  }

  private static String shortName(Results r) {
    return r.settings().corpus == null ? "Java-pretrained char model on JDK license texts"
        : "char model on " + r.settings().corpus.getFileName();
  }

  static String markdown(Results r) {
    DemoSettings s = r.settings();
    LmConfig m = s.model;
    StringBuilder md = new StringBuilder();
    md.append("# mos demo: MoS vs LoRA on a small character-level language model\n\n");
    md.append("Date: ").append(ZonedDateTime.now().format(DateTimeFormatter.RFC_1123_DATE_TIME))
        .append("  \nMachine: ").append(machine()).append("  \nDense products: ").append(r.dense())
        .append("  \nTotal time: ").append(Table.duration(r.totalSeconds())).append("\n\n");
    md.append("## Setup\n\n");
    md.append("- Pretraining text: ").append(r.corpus().pretrainSource()).append(String.format(", %,d characters%n",
        r.corpus().pretrain().length));
    md.append("- Fine-tuning text: ").append(r.corpus().finetuneSource()).append(String.format(", %,d characters, "
        + "cut into 1,024-character blocks dealt 80/10/10 to train/validation/test%n", r.corpus().finetune().length));
    md.append(String.format("- Model: %d characters of context, %d-float embeddings -> width d = %d; "
        + "%d residual blocks h += down(relu(up(rmsnorm(h)))), up %d->%d, down %d->%d; head over %d "
        + "symbols; %,d base weights%n", m.context(), m.embed(), m.width(), m.layers(), m.width(), m.hidden(),
        m.hidden(), m.width(), Vocab.SIZE, m.baseParameters()));
    md.append(String.format("- Base: pretrained on all weights for %,d steps of %d examples (%s); "
        + "%.4f bits/char on held-out pretraining text, %.4f on the fine-tuning test split%n", m.pretrainSteps(),
        m.batch(), r.baseFromCache() ? "loaded from the cache" : String.format("took %s",
            Table.duration(r.pretrainSeconds())), r.basePretrainBits(), r.baseTestBits()));
    md.append("- Fine-tuning: base frozen; adapters on every block's up_proj and down_proj, one pool "
        + "group per projection type shared by all blocks; AdamW (0.9, 0.999, eps 1e-8, weight decay "
        + "0), linear schedule with 3% warm-up, gradient clipping 0.3, alpha ").append(fmt(s.alpha))
        .append(" (scaling alpha/r), dropout ").append(fmt(s.dropout)).append(String.format(", batch %d, "
            + "%d steps%n", m.batch(), s.steps));
    md.append("- Learning rate: every method tries ").append(s.learningRates).append(" for ")
        .append(s.searchSteps).append(" steps (seed 0); the lowest validation loss wins; the full runs "
            + "(seeds 0..").append(s.seeds - 1).append(") report the test split\n");
    md.append("- Held-out loss: mean cross-entropy in bits per character over ").append(s.testPositions)
        .append(" fixed test positions\n\n");
    md.append("## Results\n\n");
    md.append(markdownTable(tableRows(r))).append('\n');
    md.append("Per seed (bits/char): ");
    for (Summary sm : summaries(r)) {
      md.append(sm.method().label()).append(' ').append(java.util.Arrays.toString(
          java.util.Arrays.stream(sm.values()).mapToObj(v -> String.format("%.4f", v)).toArray())).append("; ");
    }
    md.setLength(md.length() - 2);
    md.append("\n\n![held-out loss curves](").append(PLOT).append(")\n\n");
    md.append("Learning-rate search (validation bits/char after ").append(s.searchSteps).append(" steps):\n\n");
    List<String[]> lt = new ArrayList<>();
    List<String> header = new ArrayList<>();
    header.add("method");
    for (double lr : s.learningRates) {
      header.add("lr " + DemoRunner.fmtLr(lr));
    }
    header.add("chosen");
    lt.add(header.toArray(new String[0]));
    for (Method me : s.methods()) {
      List<String> row = new ArrayList<>();
      row.add(me.label());
      for (double lr : s.learningRates) {
        row.add(r.trials().stream().filter(t -> t.method().equals(me) && t.lr() == lr)
            .map(t -> String.format("%.4f", t.validationBits())).findFirst().orElse(""));
      }
      row.add(DemoRunner.fmtLr(r.chosenLr(me)));
      lt.add(row.toArray(new String[0]));
    }
    md.append(markdownTable(lt)).append('\n');
    String edges = edgeWarning(r);
    if (!edges.isEmpty()) {
      md.append(edges).append("\n\n");
    }
    md.append("## Reading\n\n").append(reading(r)).append('\n');
    return md.toString();
  }

  /** A note naming the methods whose chosen learning rate is the grid's smallest or largest. */
  static String edgeWarning(Results r) {
    List<Double> grid = r.settings().learningRates;
    if (grid.size() < 2) {
      return "";
    }
    double lo = grid.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
    double hi = grid.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
    List<String> at = new ArrayList<>();
    for (Method m : r.settings().methods()) {
      double lr = r.chosenLr(m);
      if (lr == lo || lr == hi) {
        at.add(m.label() + " (" + DemoRunner.fmtLr(lr) + ")");
      }
    }
    return at.isEmpty() ? "" : "Note: the best learning rate of " + String.join(", ", at) + " is at the edge "
        + "of the grid; its optimum may lie outside it (widen the grid with --lrs for every method).";
  }

  static String reading(Results r) {
    List<Summary> sm = summaries(r);
    Summary lo = sm.get(0);
    Summary mos = sm.get(1);
    Summary hi = sm.get(2);
    String cmp = mos.mean() < lo.mean() ? "lower (better) than" : mos.mean() > lo.mean() ? "higher (worse) than"
        : "equal to";
    double gap = lo.mean() - hi.mean();
    String share = Math.abs(gap) > 1e-9 ? String.format(" MoS closes %.0f%% of the gap between %s and %s.",
        100 * (lo.mean() - mos.mean()) / gap, lo.method().label(), hi.method().label()) : "";
    String noise = Math.abs(mos.mean() - lo.mean()) <= Math.max(mos.std(), lo.std())
        ? " The difference is within the seed-to-seed spread, so this run does not separate them." : "";
    return String.format("With the same %s trainable parameters, %s reached %.4f bits/char, %s %s "
        + "(%.4f, difference %+.4f). %s, with %.1fx the parameters, reached %.4f.%s%s These are the "
        + "measured numbers of this run (%d seed(s)); the paper's claim is MoS >= LoRA at the same "
        + "budget and close to LoRA at rank r.", Table.count(mos.parameters()), mos.method().label(),
        mos.mean(), cmp, lo.method().label(), lo.mean(), mos.mean() - lo.mean(), hi.method().label(),
        (double) hi.parameters() / lo.parameters(), hi.mean(), share, noise, r.settings().seeds);
  }

  /** A Markdown table from a header row and data rows. */
  static String markdownTable(List<String[]> rows) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < rows.size(); i++) {
      sb.append("| ").append(String.join(" | ", rows.get(i))).append(" |\n");
      if (i == 0) {
        sb.append("|").append(" --- |".repeat(rows.get(0).length)).append('\n');
      }
    }
    return sb.toString();
  }

  static ObjectNode json(Results r) {
    ObjectMapper om = new ObjectMapper();
    ObjectNode o = om.createObjectNode();
    DemoSettings s = r.settings();
    o.put("date", ZonedDateTime.now().toString());
    o.put("machine", machine());
    o.put("dense", r.dense());
    o.put("model", s.model.toString());
    o.put("pretrain_source", r.corpus().pretrainSource());
    o.put("finetune_source", r.corpus().finetuneSource());
    o.put("base_key", r.baseKey());
    o.put("base_from_cache", r.baseFromCache());
    o.put("pretrain_seconds", r.pretrainSeconds());
    o.put("base_pretrain_bits", r.basePretrainBits());
    o.put("base_test_bits", r.baseTestBits());
    o.put("alpha", s.alpha);
    o.put("dropout", s.dropout);
    o.put("steps", s.steps);
    o.put("search_steps", s.searchSteps);
    o.put("total_seconds", r.totalSeconds());
    ArrayNode trials = o.putArray("lr_search");
    for (Trial t : r.trials()) {
      trials.addObject().put("method", t.method().label()).put("lr", t.lr()).put("validation_bits",
          t.validationBits()).put("seconds", t.seconds());
    }
    ArrayNode runs = o.putArray("runs");
    for (Run run : r.runs()) {
      ObjectNode ro = runs.addObject();
      ro.put("method", run.method().label()).put("key", run.method().key()).put("r", run.method().r())
          .put("equivalent_rank", run.method().req()).put("private_rank", run.method().p())
          .put("shards_per_vector", run.method().l()).put("seed", run.seed()).put("lr", run.lr())
          .put("trainable_parameters", run.method().parameters(s.model))
          .put("adapter_bytes", run.adapterBytes()).put("test_bits", run.testBits())
          .put("train_seconds", run.trainSeconds()).put("adapter", run.adapter().toString());
      ArrayNode curve = ro.putArray("curve");
      for (int i = 0; i < run.evalSteps().length; i++) {
        curve.addArray().add(run.evalSteps()[i]).add(run.evalBits()[i]);
      }
    }
    return o;
  }

  /** "2 cores, AMD EPYC (model name), Linux 6.1, Java 25, mos 0.1.0 (...)". */
  public static String machine() {
    String cpu = "unknown CPU";
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          cpu = line.substring(line.indexOf(':') + 1).strip();
          break;
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: keep "unknown CPU"
    }
    String lib;
    try {
      lib = MosContext.version();
    } catch (RuntimeException e) {
      lib = "libmos ?";
    }
    return Runtime.getRuntime().availableProcessors() + " cores, " + cpu + ", " + System.getProperty("os.name")
        + " " + System.getProperty("os.version") + ", Java " + Runtime.version().feature() + ", " + lib;
  }

  private static String fmt(float v) {
    return v == Math.rint(v) ? Integer.toString((int) v) : Float.toString(v);
  }
}
