// SPDX-License-Identifier: Apache-2.0
// DemoReport: the demo's outputs: the console table (laid out like the paper's, its figures
// beside),
// loss-curves.png, report.md and results.json, from the measured DemoRunner.Results.
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
  public record Summary(
      Method method,
      double lr,
      long parameters,
      long adapterBytes,
      double mean,
      double std,
      double[] values,
      double trainSeconds) {}

  /** The paper's average score (LLaMA2-7B, method.md §8) for a method of this demo, or NaN. */
  public record Paper(String label, double score) {}

  /** LoRA r=2 and LoRA r=16 in the paper: the ends of the gap. */
  static final double PAPER_LORA_LOW = 34.98;

  static final double PAPER_LORA_HIGH = 36.97;

  /** The paper's counterpart of a method, when it reports one. */
  static Paper paper(Method m, DemoSettings s) {
    if (m.equals(Method.lora(s.r0))) {
      return new Paper("LoRA r=2", 34.98);
    }
    if (m.equals(Method.lora(8 * s.r0))) {
      return new Paper("LoRA r=16", 36.97);
    }
    if (m.recipe() == Method.Recipe.WHOLE) {
      return new Paper("pure sharing", 34.33);
    }
    if (m.recipe() == Method.Recipe.TIED) {
      return new Paper("+ subset selection", 36.12);
    }
    if (m.p() > 0 && !m.isLora() && m.req() == s.r0) {
      return new Paper("MoS \"4/8\"", 36.39);
    }
    return new Paper("", Double.NaN);
  }

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
      out.add(new Summary(
          m, r.chosenLr(m), m.parameters(r.settings().model), bytes, mean, std, v, secs));
    }
    return out;
  }

  private static Summary find(List<Summary> sums, Method m) {
    return sums.stream().filter(x -> x.method().equals(m)).findFirst().orElseThrow();
  }

  /** Share of the LoRA r0 -> LoRA 8 r0 gap that a loss closes (lower loss is better). */
  static double gapClosed(double low, double high, double value) {
    return Math.abs(low - high) < 1e-12 ? Double.NaN : (low - value) / (low - high);
  }

  /**
   * Whether the LoRA r0 -> LoRA 8 r0 gap is resolved: larger than twice the larger seed spread of
   * its two ends (else shares of it are noise and are not printed).
   */
  static boolean gapResolved(Summary low, Summary high) {
    return low.mean() - high.mean() > 2 * Math.max(low.std(), high.std());
  }

  /** The results table's header and rows (the console table and the Markdown table share them). */
  static List<String[]> tableRows(Results r) {
    DemoSettings st = r.settings();
    List<Summary> sums = summaries(r);
    Summary low = find(sums, Method.lora(st.r0));
    Summary high = find(sums, st.loraHigh());
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {
      "method",
      "trainable params",
      "lr",
      "held-out bits/token (mean ± std)",
      "vs " + low.method().label(),
      "gap closed",
      "paper (LLaMA2-7B avg)",
      "paper gap closed",
      "train time/run"
    });
    for (Summary s : sums) {
      Paper p = paper(s.method(), st);
      double g = gapResolved(low, high) ? gapClosed(low.mean(), high.mean(), s.mean()) : Double.NaN;
      double pg = (p.score() - PAPER_LORA_LOW) / (PAPER_LORA_HIGH - PAPER_LORA_LOW);
      rows.add(new String[] {
        s.method().label(),
        Table.count(s.parameters()),
        DemoRunner.fmtLr(s.lr()),
        String.format("%.4f ± %.4f", s.mean(), s.std()),
        s == low ? "" : String.format("%+.4f", s.mean() - low.mean()),
        Double.isNaN(g) ? "" : String.format("%.0f%%", 100 * g),
        p.label().isEmpty() ? "" : p.label() + ": " + String.format("%.2f", p.score()),
        p.label().isEmpty() ? "" : String.format("%.0f%%", 100 * pg),
        Table.duration(s.trainSeconds())
      });
    }
    return rows;
  }

  /** The results table for the console. */
  public static Table table(Results r) {
    List<String[]> rows = tableRows(r);
    Table t = new Table(rows.get(0)).right(1, 2, 3, 4, 5, 7, 8);
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
    out.printf(
        "held-out loss on the fine-tuning test split (%d seed(s) per method; base model before "
            + "fine-tuning: %.4f bits/token); paper: average benchmark score, higher is better%n",
        r.settings().seeds, r.baseTestBits());
    table(r).print(out);
    try {
      plot(r, dir.resolve(PLOT));
    } catch (IOException | RuntimeException | LinkageError | InternalError e) {
      // e.g. a headless JDK without fonts: the numbers matter more than the picture
      out.printf(
          "could not draw %s (%s); the table, report and results are still written%n",
          dir.resolve(PLOT), e);
    }
    Files.writeString(dir.resolve(REPORT), markdown(r));
    new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(dir.resolve(RESULTS).toFile(), json(r));
    String edges = edgeWarning(r);
    if (!edges.isEmpty()) {
      out.println(edges);
    }
    out.println();
    out.println(reading(r));
    out.println();
    out.printf(
        "wrote %s, %s, %s and the adapters under %s (total %s wall, %s CPU; load average %s)%n",
        dir.resolve(REPORT),
        dir.resolve(PLOT),
        dir.resolve(RESULTS),
        dir.resolve("adapters"),
        Table.duration(r.totalSeconds()),
        Table.duration(r.cpuSeconds()),
        loadAverage());
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
      series.add(new LossPlot.Series(
          label, LossPlot.PALETTE[c++ % LossPlot.PALETTE.length], x, mean, lo, hi));
    }
    LossPlot.write(
        file,
        shortName(r) + ": held-out loss, mean of " + r.settings().seeds + " seed(s), band min..max",
        "optimizer step",
        "held-out bits per token",
        series,
        Double.NaN,
        null);
  }

  private static String shortName(Results r) {
    return r.settings().corpus == null
        ? r.settings().model.layers() + "-block byte Llama on JDK licenses"
        : "byte Llama on " + r.settings().corpus.getFileName();
  }

  /** Share of public shards a block draws: (r - p) l of (R_eq - p) L l. */
  static String overlap(Method m, DemoModel model) {
    int pub = (m.req() - m.p()) * model.layers() * m.l();
    int drawn = (m.r() - m.p()) * m.l();
    return pub == 0
        ? ""
        : String.format("%d of %d public shards (%.0f%%)", drawn, pub, 100.0 * drawn / pub);
  }

  static String markdown(Results r) {
    DemoSettings s = r.settings();
    DemoModel m = s.model;
    StringBuilder md = new StringBuilder();
    md.append("# mos demo: MoS vs LoRA on a small Llama-architecture transformer\n\n");
    md.append("Date: ")
        .append(ZonedDateTime.now().format(DateTimeFormatter.RFC_1123_DATE_TIME))
        .append("  \nMachine: ")
        .append(machine())
        .append("  \nTotal time: ")
        .append(Table.duration(r.totalSeconds()))
        .append(String.format(
            " wall, %s CPU, load average %s at the end (base %s, learning-rate search %s, "
                + "full runs %s)%n%n",
            Table.duration(r.cpuSeconds()),
            loadAverage(),
            r.base().fromCache()
                ? "from the cache"
                : "pretrained in " + Table.duration(r.base().pretrainSeconds()),
            Table.duration(r.searchSeconds()),
            Table.duration(r.runSeconds())));
    md.append("## Setup\n\n");
    md.append("- Pretraining text: ")
        .append(r.corpus().pretrainSource())
        .append(String.format(", %,d bytes%n", r.corpus().pretrain().length));
    md.append("- Fine-tuning text: ")
        .append(r.corpus().finetuneSource())
        .append(String.format(
            ", %,d bytes, "
                + "cut into 1,024-byte blocks dealt 80/10/10 to train/validation/test%n",
            r.corpus().finetune().length));
    md.append(String.format(
        "- Model: Llama architecture run by libmos's decoder: %d blocks, hidden %d, %d "
            + "heads of %d, SwiGLU MLP %d, RoPE, RMSNorm, tied embeddings; tokens are bytes (vocabulary 256); "
            + "%,d base weights; checkpoint %s%n",
        m.layers(),
        m.hidden(),
        m.heads(),
        m.hidden() / m.heads(),
        m.intermediate(),
        m.baseParameters(),
        r.base().dir()));
    md.append(String.format(
        "- Base: pretrained from scratch on all weights, %,d steps of %d x %d tokens "
            + "(AdamW 0.9/0.95, weight decay 0.1, clipping 1.0, peak lr %s, cosine); %.4f bits/byte on held-out "
            + "Java, %.4f on the fine-tuning test split%n",
        m.pretrainSteps(),
        m.pretrainSeqs(),
        m.seqLen(),
        DemoRunner.fmtLr(m.pretrainLr()),
        r.basePretrainBits(),
        r.baseTestBits()));
    md.append(
            "- Fine-tuning: base frozen; adapters on all seven projections (q, k, v, o, gate, up, down), "
                + "one pool group per projection type shared by all blocks; AdamW (0.9, 0.999, eps 1e-8, weight "
                + "decay 0), linear schedule with 3% warm-up, gradient clipping 0.3, alpha ")
        .append(fmt(s.alpha))
        .append(" (scaling alpha/r), dropout ")
        .append(fmt(s.dropout))
        .append(String.format(
            ", %d x %d " + "tokens a step, %d steps%n", m.finetuneSeqs(), m.seqLen(), s.steps));
    md.append("- Learning rate: every method tries ")
        .append(s.learningRates)
        .append(" for ")
        .append(s.searchSteps)
        .append(" steps (seed 0), widened once by one point for a method whose "
            + "best is at an edge; the lowest validation loss wins; the full runs (seeds 0..")
        .append(s.seeds - 1)
        .append(") report the test split\n");
    md.append(String.format(
        "- Held-out loss: mean cross-entropy in bits per token (= per byte) over %d "
            + "fixed test windows of %d tokens%n%n",
        s.testWindows, m.seqLen()));
    md.append("## Results\n\n");
    md.append(markdownTable(tableRows(r))).append('\n');
    md.append(
        "Gap closed: (LoRA r0 - method) / (LoRA r0 - LoRA 8 r0) of the held-out loss; for the paper, "
            + "of the average score between LoRA r=2 (34.98) and LoRA r=16 (36.97). The paper's MoS at 19.99M "
            + "matched LoRA r=64 (37.63 vs 37.53); its ablations of MoS 16/32: without pair dissociation -1.09, "
            + "without privatization -1.09, without vector sharding -0.41.\n\n");
    md.append("Per seed (bits/token): ");
    for (Summary sm : summaries(r)) {
      md.append(sm.method().label())
          .append(' ')
          .append(java.util.Arrays.toString(java.util.Arrays.stream(sm.values())
              .mapToObj(v -> String.format("%.4f", v))
              .toArray()))
          .append("; ");
    }
    md.setLength(md.length() - 2);
    md.append("\n\nRouting: ");
    for (Method me : s.methods()) {
      if (!me.isLora() && me.recipe() != Method.Recipe.WHOLE) {
        md.append(me.label()).append(" draws ").append(overlap(me, m)).append(" per block; ");
      }
    }
    md.setLength(md.length() - 2);
    md.append(".\n\n![held-out loss curves](").append(PLOT).append(")\n\n");
    md.append("Learning-rate search (validation bits/token after ")
        .append(s.searchSteps)
        .append(" steps):\n\n");
    java.util.TreeSet<Double> all = new java.util.TreeSet<>();
    r.trials().forEach(t -> all.add(t.lr()));
    List<String[]> lt = new ArrayList<>();
    List<String> header = new ArrayList<>();
    header.add("method");
    for (double lr : all) {
      header.add("lr " + DemoRunner.fmtLr(lr));
    }
    header.add("chosen");
    lt.add(header.toArray(new String[0]));
    for (Method me : s.methods()) {
      List<String> row = new ArrayList<>();
      row.add(me.label());
      for (double lr : all) {
        row.add(r.trials().stream()
            .filter(t -> t.method().equals(me) && t.lr() == lr)
            .map(t -> String.format("%.4f", t.validationBits()))
            .findFirst()
            .orElse(""));
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

  /** A note naming the methods whose chosen learning rate is still the edge of what they tried. */
  static String edgeWarning(Results r) {
    List<String> at = new ArrayList<>();
    for (Method m : r.settings().methods()) {
      List<Double> grid = r.gridOf(m);
      double lr = r.chosenLr(m);
      if (grid.size() >= 2 && (lr == grid.get(0) || lr == grid.get(grid.size() - 1))) {
        at.add(m.label() + " (" + DemoRunner.fmtLr(lr) + ")");
      }
    }
    return at.isEmpty()
        ? ""
        : "Note: after widening, the best learning rate of " + String.join(", ", at)
            + " is still at the edge of what it tried; its optimum may lie outside (widen with --lrs).";
  }

  /** The measured reading: what agrees with the paper's direction and what does not. */
  static String reading(Results r) {
    DemoSettings st = r.settings();
    List<Summary> sm = summaries(r);
    Summary low = find(sm, Method.lora(st.r0));
    Summary high = find(sm, st.loraHigh());
    StringBuilder b = new StringBuilder();
    for (int rank : st.mosRanks()) {
      Summary mos = find(sm, Method.mos(rank, st.r0, st.p, st.l));
      double d = mos.mean() - low.mean();
      double spread = Math.max(mos.std(), low.std());
      b.append(String.format(
          "%s: %+.4f bits/token vs %s at the same %s parameters (%s)",
          mos.method().label(),
          d,
          low.method().label(),
          Table.count(low.parameters()),
          Math.abs(d) <= spread ? "within the seed spread" : d < 0 ? "better" : "worse"));
      b.append(
          gapResolved(low, high)
              ? String.format(
                  ", closing %.0f%% of the gap to %s (paper: about 71%%). ",
                  100 * gapClosed(low.mean(), high.mean(), mos.mean()),
                  high.method().label())
              : ". ");
    }
    if (!gapResolved(low, high)) {
      b.append(String.format(
          "The gap between %s and %s is not larger than twice their seed spread, so no share "
              + "of it is given. ",
          low.method().label(), high.method().label()));
    }
    b.append(String.format(
        "%s (%.0fx the parameters) is %+.4f vs %s. ",
        high.method().label(),
        (double) high.parameters() / low.parameters(),
        high.mean() - low.mean(),
        low.method().label()));
    if (st.ablation) {
      Method[] chain = {
        Method.pureSharing(st.r0, st.model.layers()),
        Method.subset(4 * st.r0, st.r0),
        Method.dissociated(4 * st.r0, st.r0),
        Method.sharded(4 * st.r0, st.r0, st.l),
        Method.mos(4 * st.r0, st.r0, st.p, st.l)
      };
      b.append(
          "Ablation chain (each adds one mechanism; paper: pure sharing 34.33 < LoRA 34.98 < + subset "
              + "36.12 < MoS 36.39): ");
      for (Method m : chain) {
        Summary x = find(sm, m);
        b.append(String.format("%s %.4f, ", m.label(), x.mean()));
      }
      b.setLength(b.length() - 2);
      b.append(String.format(" (LoRA r=%d %.4f). ", st.r0, low.mean()));
    }
    b.append(String.format(
        "These are the measured numbers of this run (%d seed(s)); lower bits are better, "
            + "the paper's scores are higher-is-better benchmark averages, so only directions compare.",
        st.seeds));
    return b.toString();
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
    o.put("model", s.model.toString());
    o.put("base_parameters", s.model.baseParameters());
    o.put("base_checkpoint", r.base().dir().toString());
    o.put("pretrain_source", r.corpus().pretrainSource());
    o.put("finetune_source", r.corpus().finetuneSource());
    o.put("base_key", r.base().key());
    o.put("base_from_cache", r.base().fromCache());
    o.put("pretrain_seconds", r.base().pretrainSeconds());
    o.put("base_pretrain_bits", r.basePretrainBits());
    o.put("base_test_bits", r.baseTestBits());
    o.put("alpha", s.alpha);
    o.put("dropout", s.dropout);
    o.put("steps", s.steps);
    o.put("search_steps", s.searchSteps);
    o.put("ablation", s.ablation);
    o.put("search_seconds", r.searchSeconds());
    o.put("run_seconds", r.runSeconds());
    o.put("total_seconds", r.totalSeconds());
    o.put("cpu_seconds", r.cpuSeconds());
    o.put("load_average", loadAverage());
    ArrayNode table = o.putArray("table");
    List<Summary> sums = summaries(r);
    Summary low = find(sums, Method.lora(s.r0));
    Summary high = find(sums, s.loraHigh());
    for (Summary sm : sums) {
      Paper p = paper(sm.method(), s);
      ObjectNode row = table
          .addObject()
          .put("method", sm.method().label())
          .put("key", sm.method().key())
          .put("trainable_parameters", sm.parameters())
          .put("lr", sm.lr())
          .put("mean_bits", sm.mean())
          .put("std_bits", sm.std())
          .put("vs_lora_r0", sm.mean() - low.mean())
          .put("gap_closed", gapClosed(low.mean(), high.mean(), sm.mean()))
          .put("gap_resolved", gapResolved(low, high));
      if (!p.label().isEmpty()) {
        row.put("paper_method", p.label()).put("paper_score", p.score());
      }
    }
    ArrayNode trials = o.putArray("lr_search");
    for (Trial t : r.trials()) {
      trials
          .addObject()
          .put("method", t.method().label())
          .put("lr", t.lr())
          .put("validation_bits", t.validationBits())
          .put("seconds", t.seconds());
    }
    ArrayNode runs = o.putArray("runs");
    for (Run run : r.runs()) {
      ObjectNode ro = runs.addObject();
      ro.put("method", run.method().label())
          .put("key", run.method().key())
          .put("r", run.method().r())
          .put("equivalent_rank", run.method().req())
          .put("private_rank", run.method().p())
          .put("shards_per_vector", run.method().l())
          .put("recipe", run.method().recipe().toString())
          .put("seed", run.seed())
          .put("lr", run.lr())
          .put("trainable_parameters", run.method().parameters(s.model))
          .put("adapter_bytes", run.adapterBytes())
          .put("test_bits", run.testBits())
          .put("train_seconds", run.trainSeconds())
          .put("adapter", run.adapter().toString());
      ArrayNode curve = ro.putArray("curve");
      for (int i = 0; i < run.evalSteps().length; i++) {
        curve.addArray().add(run.evalSteps()[i]).add(run.evalBits()[i]);
      }
    }
    return o;
  }

  /** The 1-minute load average ("?" where unknown): how busy the machine was. */
  static String loadAverage() {
    double l =
        java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    return l < 0 ? "?" : String.format("%.1f", l);
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
    return Runtime.getRuntime().availableProcessors() + " cores, " + cpu + ", "
        + System.getProperty("os.name") + " " + System.getProperty("os.version") + ", Java "
        + Runtime.version().feature() + ", " + lib;
  }

  private static String fmt(float v) {
    return v == Math.rint(v) ? Integer.toString((int) v) : Float.toString(v);
  }
}
