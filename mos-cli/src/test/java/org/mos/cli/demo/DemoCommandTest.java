// SPDX-License-Identifier: Apache-2.0
// `mos demo` through the command line at a tiny size (seconds): the demo writes its table (all 3
// methods), report, PNG, results and adapters and reuses / revalidates its base cache; wrong
// arguments exit 2, bad files exit 1 with one line. (`mos train` is the language-model trainer
// now, tested in tests/.../FineTuneFromTextTest.)
package org.mos.cli.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.cli.Main;
import org.mos.io.MosAdapter;
import org.mos.train.Rng;

class DemoCommandTest {
  record Outcome(int code, String out, String err) {}

  static Outcome mos(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
    return new Outcome(code, out.toString(), err.toString());
  }

  /** Pseudo-English: words from a small fixed vocabulary, so a tiny model can learn something. */
  static String text(long seed, int chars, String... words) {
    Rng rng = new Rng(seed);
    StringBuilder sb = new StringBuilder();
    while (sb.length() < chars) {
      sb.append(words[rng.nextInt(words.length)]).append(rng.nextInt(8) == 0 ? ".\n" : " ");
    }
    return sb.toString();
  }

  static List<String> corpusArgs(Path tmp) throws Exception {
    List<String> args = new ArrayList<>();
    try {
      DemoCorpus.fromJdk(1000);
    } catch (DemoCorpus.MissingCorpusException e) { // no JDK texts here: the documented fallback
      Path f = tmp.resolve("corpus.txt");
      Files.writeString(f, text(1, 60_000, "public", "class", "void", "int", "return", "{", "}")
          + text(2, 60_000, "the", "license", "software", "copyright", "terms", "notice", "shall"));
      args.add("--corpus");
      args.add(f.toString());
    }
    return args;
  }

  @Test
  void demoAtTinySizeWritesEverythingAndReusesItsCache(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("out");
    Path cache = tmp.resolve("cache");
    List<String> args = new ArrayList<>(List.of("demo", "--model", "tiny", "--out", out.toString(),
        "--cache-dir", cache.toString(), "--progress", "off"));
    args.addAll(corpusArgs(tmp));
    Outcome o = mos(args.toArray(new String[0]));
    assertEquals(0, o.code(), o.err() + o.out());
    assertTrue(o.out().contains("pretraining all"), o.out());
    for (String m : List.of("LoRA r=2 ", "MoS r=8 (R_eq=2, p=1, l=2)", "LoRA r=8 ")) {
      assertTrue(o.out().lines().anyMatch(l -> l.startsWith(m) && l.contains(" ± ")), m + " row in\n" + o.out());
    }
    assertTrue(Files.size(out.resolve(DemoReport.REPORT)) > 500);
    String report = Files.readString(out.resolve(DemoReport.REPORT));
    assertTrue(report.contains("| MoS r=8 (R_eq=2, p=1, l=2) |"), report);
    assertTrue(ImageIO.read(out.resolve(DemoReport.PLOT).toFile()).getWidth() > 0);
    JsonNode results = new ObjectMapper().readTree(out.resolve(DemoReport.RESULTS).toFile());
    assertEquals(6, results.path("runs").size(), "3 methods x 2 seeds");
    for (JsonNode run : results.path("runs")) {
      MosAdapter a = MosAdapter.load(Path.of(run.path("adapter").asText()));
      assertEquals(run.path("r").asInt(), a.config().r());
      assertEquals(run.path("trainable_parameters").asLong(), a.config().trainableParameters());
      assertTrue(Double.isFinite(run.path("test_bits").asDouble()));
    }
    // the same parameters for LoRA r0 and MoS; 4x for LoRA r
    JsonNode runs = results.path("runs");
    assertEquals(runs.get(0).path("trainable_parameters"), runs.get(2).path("trainable_parameters"));
    assertEquals(4 * runs.get(0).path("trainable_parameters").asLong(), runs.get(4).path("trainable_parameters").asLong());

    List<String> quick = new ArrayList<>(args);
    quick.addAll(List.of("--seeds", "1", "--steps", "2", "--search-steps", "1", "--lrs", "0.01"));
    Outcome again = mos(quick.toArray(new String[0]));
    assertEquals(0, again.code(), again.err());
    assertTrue(again.out().contains("loaded from the cache"), again.out());

    try (var files = Files.list(cache)) {
      Path cached = files.filter(f -> f.getFileName().toString().startsWith("demo-base-")).findFirst().orElseThrow();
      byte[] b = Files.readAllBytes(cached);
      b[b.length / 2] ^= 0x40;
      Files.write(cached, b);
    }
    Outcome corrupt = mos(quick.toArray(new String[0]));
    assertEquals(0, corrupt.code(), corrupt.err());
    assertTrue(corrupt.out().contains("unusable") && corrupt.out().contains("pretraining all"), corrupt.out());
  }

  @Test
  void demoArgumentAndFileErrors(@TempDir Path tmp) {
    Outcome zero = mos("demo", "--seeds", "0");
    assertEquals(2, zero.code());
    assertTrue(zero.err().contains("--seeds must be >= 1") && zero.err().contains("Usage"), zero.err());
    Outcome badCfg = mos("demo", "--r", "40");
    assertEquals(2, badCfg.code(), badCfg.err());
    Outcome missing = mos("demo", "--model", "tiny", "--corpus", tmp.resolve("nothing.txt").toString(),
        "--out", tmp.resolve("o").toString(), "--cache-dir", tmp.toString(), "--progress", "off");
    assertEquals(1, missing.code());
    assertEquals(1, missing.err().lines().count(), missing.err());
    assertTrue(missing.err().contains("no such file"), missing.err());
  }
}
