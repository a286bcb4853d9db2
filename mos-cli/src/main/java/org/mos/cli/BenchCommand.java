// SPDX-License-Identifier: Apache-2.0
// `mos bench`: the benchmark suite in one command: the native program mos_bench (cases 1-3, 5, 6, 8
// run in a child process), then the Java-overhead case (4) in this JVM, one summary of ratios
// against their targets, the JSON records and a PNG plot.
package org.mos.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.mos.MosContext;
import org.mos.MosException;
import org.mos.Status;
import org.mos.bench.JavaOverhead;
import org.mos.cli.bench.BenchPlot;
import org.mos.cli.bench.BenchReport;
import org.mos.cli.bench.Interleaved;
import org.mos.cli.bench.NativeSuite;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Runs the benchmark suite (docs/benchmarks.md). */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Benchmark mos against the baselines a user would otherwise pick, side by side: every "
          + "case runs its variants interleaved in one process after warm-up and reports "
          + "medians (p10/p90) and ratios against the targets of docs/benchmarks.md.",
      "Cases: layer (MoS vs dense LoRA vs plain sgemm), adapter (adapter-only forward and "
          + "backward), train (training step), java (Java API overhead), serving, memory, omp "
          + "(the training step with libgomp spinning vs passive), decoder (a decoder training "
          + "step vs sgemm and LoRA, 1B-shaped decode vs memory bandwidth, prefill, memory).",
      "Take numbers on a quiet machine: the load average is printed and checked.",
      ""
    })
public final class BenchCommand implements Callable<Integer> {
  static final List<String> NATIVE_CASES =
      List.of("layer", "adapter", "train", "serving", "memory", "decoder");

  @Spec
  CommandSpec spec;

  @Option(names = "--quick", description = "Fewer rounds (about a minute).")
  boolean quick;

  @Option(
      names = "--tiny",
      description =
          "Tiny sizes, for smoke tests: the numbers mean nothing " + "and targets are not judged.")
  boolean tiny;

  @Option(names = "--json", paramLabel = "FILE", description = "Write the records as JSON.")
  Path json;

  @Option(names = "--plot", paramLabel = "FILE", description = "Write a PNG figure.")
  Path plot;

  @Option(
      names = "--native",
      paramLabel = "PATH",
      description = "The mos_bench program (default: "
          + "next to libmos, native/target/cmake/native/bench/mos_bench).")
  Path nativeExe;

  @Option(
      names = "--cases",
      paramLabel = "LIST",
      split = ",",
      description = "Subset of: layer, "
          + "adapter, train, java, serving, memory, omp, decoder (default: all).")
  List<String> cases;

  @Option(
      names = "--from",
      paramLabel = "FILE",
      description = "Run nothing: print the summary "
          + "of an earlier --json FILE (and draw --plot from it).")
  Path from;

  /** A report written by {@code mos bench --json} or mos_bench; MosException naming the file. */
  static JsonNode readReport(Path file) {
    JsonNode doc;
    try {
      doc = new ObjectMapper()
          .readTree(org.mos.io.BoundedFiles.readAll(file, 64L << 20, "a benchmark report"));
    } catch (java.nio.file.NoSuchFileException e) {
      throw new MosException(Status.INVALID_ARGUMENT, file + ": no such file");
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new MosException(
          Status.INVALID_ARGUMENT, file + ": not valid JSON: " + e.getOriginalMessage());
    } catch (java.io.IOException e) {
      throw new MosException(Status.INVALID_ARGUMENT, file + ": cannot read: " + e.getMessage());
    }
    if (doc == null || !doc.isObject() || !doc.path("records").isArray()) {
      throw new MosException(
          Status.INVALID_ARGUMENT,
          file + ": not a benchmark report (expected"
              + " an object with a 'records' array, as written by mos bench --json)");
    }
    for (JsonNode r : doc.get("records")) {
      if (!r.isObject() || !r.path("case").isTextual()) {
        throw new MosException(
            Status.INVALID_ARGUMENT,
            file + ": not a benchmark report (a record" + " without a 'case' name: " + r + ")");
      }
    }
    return doc;
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (from != null) {
      JsonNode doc = readReport(from);
      BenchReport r = new BenchReport(true);
      r.addNative(doc);
      r.printSummary(out, doc.path("meta").path("quick").asBoolean(false));
      if (plot != null) {
        BenchPlot.write(r.records(), title(doc.path("meta")), plot);
        out.println("mos bench: wrote " + plot);
      }
      return 0;
    }
    List<String> selected = cases == null || cases.isEmpty()
        ? new ArrayList<>(
            List.of("layer", "adapter", "train", "java", "serving", "memory", "omp", "decoder"))
        : new ArrayList<>(cases);
    for (String c : selected) {
      if (!c.equals("java") && !c.equals("omp") && !NATIVE_CASES.contains(c)) {
        throw new picocli.CommandLine.ParameterException(
            spec.commandLine(),
            "unknown case '" + c
                + "' (expected layer, adapter, train, java, serving, memory, omp, decoder)");
      }
    }
    BenchReport report = new BenchReport(!tiny);
    fillMeta(report, out);

    List<String> tried = new ArrayList<>();
    Optional<Path> exe = NativeSuite.locate(nativeExe, tried);
    if (exe.isEmpty()) {
      String msg =
          "native suite skipped: mos_bench not found (looked at " + String.join(", ", tried)
              + "); build it with the native module (cmake target mos_bench) or pass --native";
      out.println("mos bench: " + msg);
      report.note("native", msg);
    }
    List<String> nativeCases = selected.stream().filter(NATIVE_CASES::contains).toList();
    if (exe.isPresent() && !nativeCases.isEmpty()) {
      List<String> args = new ArrayList<>(flags());
      args.add("--cases");
      args.add(String.join(",", nativeCases));
      report.addNative(NativeSuite.run(exe.get(), args, out, false));
    }
    if (selected.contains("java")) {
      javaOverhead(report, exe, out);
    }
    if (selected.contains("omp") && exe.isPresent()) {
      ompWaitPolicy(report, exe.get(), out);
    }
    int missed = report.printSummary(out, quick && !tiny);
    out.println(
        tiny
            ? "mos bench: --tiny: targets not judged"
            : "mos bench: " + missed + " target(s) missed"
                + (quick ? " (indicative: --quick)" : ""));
    if (json != null) {
      report.write(json);
      out.println("mos bench: wrote " + json);
    }
    if (plot != null) {
      BenchPlot.write(report.records(), title(report.meta()), plot);
      out.println("mos bench: wrote " + plot);
    }
    return 0; // a missed target is a finding, not a failure
  }

  private List<String> flags() {
    List<String> f = new ArrayList<>();
    if (quick) {
      f.add("--quick");
    }
    if (tiny) {
      f.add("--tiny");
    }
    return f;
  }

  /**
   * Case 4. The same forward through mos-api and through a direct FFM downcall, interleaved in
   * this JVM, in blocks; before each block the native program times the same forward
   * ({@code mos_bench --cases java_ref}) in a child process while this JVM waits.
   */
  private void javaOverhead(BenchReport report, Optional<Path> exe, PrintWriter out)
      throws Exception {
    String cs = "java_overhead";
    // Many short blocks: the machine drifts between the child process and this JVM, so the two
    // alternate often (and in alternating order) and the ratio is the median over blocks.
    int blocks = tiny ? 1 : quick ? 4 : 7;
    int sets = JavaOverhead.rotationSets(tiny, tiny ? 8 : 64, tiny ? 64 : 1024);
    Interleaved.Timing first = tiny
        ? new Interleaved.Timing(1, 3, 0, 2)
        : new Interleaved.Timing(3, quick ? 9 : 15, 0.004, 400);
    Interleaved.Timing later = tiny ? first : new Interleaved.Timing(2, first.rounds(), 0.004, 0);
    List<Double> apiS = new ArrayList<>();
    List<Double> ffmS = new ArrayList<>();
    List<Double> paired = new ArrayList<>();
    List<Double> nativeMedians = new ArrayList<>();
    List<Double> blockRatios = new ArrayList<>();
    try (JavaOverhead jo = new JavaOverhead(tiny, sets)) {
      // Both variants share jo's rotation counter: consecutive calls never reuse a buffer set.
      List<Interleaved.Variant> variants = List.of(
          new Interleaved.Variant("java_api", c -> jo.forwardApi()),
          new Interleaved.Variant("java_ffm_direct", c -> jo.forwardFfm()));
      out.printf(
          Locale.ROOT,
          "%n== case 4: Java overhead: MosLinear.forward (mos-api) vs a direct "
              + "FFM downcall vs the native program, tokens %d, %d -> %d, %d rotating sets, %d "
              + "block(s)%n",
          jo.tokens,
          jo.dim,
          jo.dim,
          sets,
          blocks);
      for (int b = 0; b < blocks; b++) {
        double nativeMedian = Double.NaN;
        Interleaved.Measured m = null;
        for (int step = 0; step < 2; step++) {
          if ((step == 0) == (b % 2 == 1)) { // odd blocks: Java first
            m = Interleaved.run(variants, b == 0 ? first : later);
          } else if (exe.isPresent()) {
            List<String> args = new ArrayList<>(flags());
            if (!quick && !tiny) {
              args.add("--quick"); // a short native run per block
            }
            args.addAll(List.of("--cases", "java_ref"));
            BenchReport tmp = new BenchReport(false);
            tmp.addNative(NativeSuite.run(exe.get(), args, out, true));
            nativeMedian = tmp.median(cs, "native_c", "time") * 1e-3;
            nativeMedians.add(nativeMedian);
          }
        }
        for (double s : m.seconds("java_api")) {
          apiS.add(s);
        }
        for (double s : m.seconds("java_ffm_direct")) {
          ffmS.add(s);
        }
        double[] a = m.seconds("java_api");
        double[] f = m.seconds("java_ffm_direct");
        for (int i = 0; i < a.length; i++) {
          paired.add(a[i] / f[i]);
        }
        if (!Double.isNaN(nativeMedian)) {
          blockRatios.add(m.stats("java_api").median() / nativeMedian);
        }
        out.printf(
            Locale.ROOT,
            "  block %d: java_api %.3f ms, java_ffm_direct %.3f ms, native_c " + "%s%n",
            b + 1,
            m.stats("java_api").median() * 1e3,
            m.stats("java_ffm_direct").median() * 1e3,
            Double.isNaN(nativeMedian)
                ? "n/a"
                : String.format(Locale.ROOT, "%.3f ms", nativeMedian * 1e3));
      }
      double flops = jo.flops();
      Interleaved.Stats api = stats(apiS);
      Interleaved.Stats ffm = stats(ffmS);
      out.printf(
          Locale.ROOT,
          "  %-26s %11s %11s %11s %10s%n",
          "variant",
          "median ms",
          "p10 ms",
          "p90 ms",
          "GFLOP/s");
      row(out, "java_api", api, flops);
      row(out, "java_ffm_direct", ffm, flops);
      report.time(cs, "java_api", api);
      report.time(cs, "java_ffm_direct", ffm);
      if (!nativeMedians.isEmpty()) {
        Interleaved.Stats nat = stats(nativeMedians);
        row(out, "native_c (block medians)", nat, flops);
        report.time(cs, "native_c", nat);
      }
      double apiVsFfm = stats(paired).median();
      report.ratio(
          cs,
          "java_api/java_ffm_direct time",
          apiVsFfm,
          "<=",
          1.05,
          "same process, interleaved; a direct downcall differs from a C call by ~20 ns (JMH)");
      printRatio(out, "java_api/java_ffm_direct time", apiVsFfm, "<= 1.05");
      if (!blockRatios.isEmpty()) {
        double apiVsNative = stats(blockRatios).median();
        // Information only: separate processes drift apart by several percent on this machine
        // (compare the block medians above); the target is on the in-process pair.
        report.ratio(
            cs,
            "java_api/native_c time",
            apiVsNative,
            "<=",
            Double.NaN,
            "median over blocks, the native program and this JVM alternating");
        out.printf(
            Locale.ROOT,
            "  ratio %-44s %8.3f   (information: separate processes)%n",
            "java_api/native_c time",
            apiVsNative);
      }
    }
  }

  /**
   * Case 7. libmos runs its own loops with OpenMP (libgomp) and its products with OpenBLAS's
   * pthreads. With OMP_WAIT_POLICY unset, libgomp's idle threads spin after every parallel
   * region and take cores from the OpenBLAS threads of the next product. The training step of
   * case 3, each variant alone in its own child process, once with the variable unset and once
   * PASSIVE (the setting the rest of the suite runs with). Sequential runs, not interleaved.
   */
  private void ompWaitPolicy(BenchReport report, Path exe, PrintWriter out) throws Exception {
    out.printf(
        Locale.ROOT,
        "%n== case 7: training step (case 3) with OMP_WAIT_POLICY unset "
            + "(libgomp spins) and PASSIVE, each variant alone in a child process%n");
    out.printf(Locale.ROOT, "  %-34s %14s %14s %10s%n", "step", "unset ms", "PASSIVE ms", "ratio");
    for (String v : List.of("dense_lora", "mos", "lora_as_mos")) {
      List<String> args = new ArrayList<>(flags());
      args.addAll(List.of("--cases", "train", "--only", v));
      List<String> asIs = new ArrayList<>(args);
      asIs.add("--omp-as-is");
      BenchReport unset = new BenchReport(false);
      unset.addNative(NativeSuite.run(exe, asIs, out, true, Map.of("OMP_WAIT_POLICY", "")));
      BenchReport passive = new BenchReport(false);
      passive.addNative(
          NativeSuite.run(exe, args, out, true, Map.of("OMP_WAIT_POLICY", "PASSIVE")));
      for (JsonNode r : unset.records()) {
        String cs = r.path("case").asText();
        if (!cs.startsWith("train_step_")
            || !"time".equals(r.path("metric").asText())
            || !v.equals(r.path("variant").asText())) {
          continue;
        }
        double a = r.path("median").asDouble();
        double b = passive.median(cs, v, "time");
        String shape = cs.substring("train_step_".length());
        String target = "omp_wait_policy_" + shape;
        report.measure(
            target,
            v + " (unset)",
            "time",
            a,
            r.path("p10").asDouble(),
            r.path("p90").asDouble(),
            "ms",
            r.path("n").asInt());
        report.measure(target, v + " (PASSIVE)", "time", b, Double.NaN, Double.NaN, "ms", 0);
        report.ratio(
            target,
            v + " step time, unset/PASSIVE",
            a / b,
            "<=",
            Double.NaN,
            "> 1: spinning libgomp threads slow the products");
        out.printf(Locale.ROOT, "  %-34s %14.3f %14.3f %10.3f%n", shape + " " + v, a, b, a / b);
      }
    }
  }

  private static Interleaved.Stats stats(List<Double> v) {
    double[] a = v.stream().mapToDouble(Double::doubleValue).toArray();
    return Interleaved.Stats.of(a);
  }

  private static void row(PrintWriter out, String name, Interleaved.Stats s, double flops) {
    out.printf(
        Locale.ROOT,
        "  %-26s %11.3f %11.3f %11.3f %10.1f%n",
        name,
        s.median() * 1e3,
        s.p10() * 1e3,
        s.p90() * 1e3,
        flops / s.median() * 1e-9);
  }

  private void printRatio(PrintWriter out, String name, double v, String target) {
    out.printf(
        Locale.ROOT,
        "  ratio %-44s %8.3f   target %s%s%n",
        name,
        v,
        target,
        tiny ? "" : v <= 1.05 ? "  met" : "  MISSED"); // both Java targets are <= 1.05
  }

  private void fillMeta(BenchReport report, PrintWriter out) {
    String cpu = firstMatching(Path.of("/proc/cpuinfo"), "model name");
    String load = firstMatching(Path.of("/proc/loadavg"), "");
    String date = ZonedDateTime.now()
        .truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
        .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    String lib;
    try {
      lib = MosContext.version();
    } catch (Throwable t) {
      lib = "libmos not loaded: " + t.getMessage();
    }
    report
        .meta()
        .put("program", "mos bench")
        .put("date", date)
        .put("cpu", cpu)
        .put("hardware_threads", Runtime.getRuntime().availableProcessors())
        .put("java", Runtime.version().toString())
        .put("library", lib)
        .put("loadavg_at_start", load)
        .put("quick", quick)
        .put("tiny", tiny)
        .put("omp_wait_policy", System.getenv().getOrDefault("OMP_WAIT_POLICY", "unset"));
    out.printf(
        Locale.ROOT,
        "mos bench: %s | %s, %d hardware threads | Java %s | %s | load " + "average %s%n",
        lib,
        cpu,
        Runtime.getRuntime().availableProcessors(),
        Runtime.version(),
        date,
        load);
    double l1 = parseFirst(load);
    if (l1 > 0.5 && !tiny) {
      out.println("mos bench: WARNING: load average above 0.5: other work is running; absolute "
          + "numbers suffer (ratios less so: variants are interleaved)");
    }
  }

  private static double parseFirst(String load) {
    try {
      return Double.parseDouble(load.trim().split("\\s+")[0]);
    } catch (RuntimeException e) {
      return Double.NaN;
    }
  }

  private static String firstMatching(Path file, String key) {
    try {
      for (String line : Files.readAllLines(file)) {
        if (key.isEmpty()) {
          return line.trim();
        }
        if (line.startsWith(key)) {
          int c = line.indexOf(':');
          return c < 0 ? line.trim() : line.substring(c + 1).trim();
        }
      }
    } catch (Exception e) {
      // not Linux: leave it empty
    }
    return "";
  }

  private static String title(JsonNode meta) {
    JsonNode m = meta.has("native") && !meta.has("cpu") ? meta.get("native") : meta;
    return String.format(
        Locale.ROOT,
        "mos bench  |  %s, %s threads  |  %s  |  load %s%s",
        m.path("cpu").asText("?"),
        m.path("hardware_threads").asText("?"),
        m.path("date").asText("?"),
        Arrays.stream(m.path("loadavg_at_start").asText("?").split("\\s+"))
            .limit(3)
            .reduce((a, b) -> a + " " + b)
            .orElse("?"),
        m.path("quick").asBoolean(false) ? "  |  --quick" : "");
  }
}
