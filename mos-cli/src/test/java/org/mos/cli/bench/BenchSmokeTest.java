// SPDX-License-Identifier: Apache-2.0
// BenchSmokeTest: `mos bench --quick --tiny` runs every case on tiny sizes without crashing and
// writes well-formed JSON records and a PNG. Crash-freedom only: no timing is asserted.
package org.mos.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.cli.Main;

class BenchSmokeTest {
  @TempDir
  Path tmp;

  private static String[] run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
    return new String[] {Integer.toString(code), out.toString(), err.toString()};
  }

  @Test
  void quickTinyRunsEveryCaseAndWritesJsonAndPlot() throws Exception {
    Path json = tmp.resolve("bench.json");
    Path png = tmp.resolve("bench.png");
    String[] r =
        run("bench", "--quick", "--tiny", "--json", json.toString(), "--plot", png.toString());
    assertEquals("0", r[0], "exit code; stdout:\n" + r[1] + "\nstderr:\n" + r[2]);

    JsonNode doc = new ObjectMapper().readTree(json.toFile());
    assertTrue(doc.path("meta").path("tiny").asBoolean());
    Set<String> cases = new HashSet<>();
    List<JsonNode> records = new ArrayList<>();
    doc.path("records").forEach(records::add);
    assertFalse(records.isEmpty());
    for (JsonNode rec : records) {
      assertTrue(rec.has("case"), "record without a case: " + rec);
      cases.add(rec.path("case").asText());
      if (rec.has("metric")) {
        for (String k : new String[] {"variant", "median", "unit"}) {
          assertTrue(rec.has(k), "measurement without " + k + ": " + rec);
        }
      } else if (rec.has("ratio")) {
        assertTrue(rec.has("value") && rec.has("target"), "ratio without value/target: " + rec);
      } else {
        assertTrue(rec.has("note"), "record of no known kind: " + rec);
      }
    }
    assertTrue(cases.contains("java_overhead"), "the Java case ran: " + cases);
    // The native suite runs where the build made mos_bench (it does in the Maven build).
    if (!r[1].contains("native suite skipped")) {
      for (String c : new String[] {
        "layer_fwd_64x96",
        "adapter_64x96",
        "train_step_tiny",
        "serving_decode",
        "serving_prefill",
        "memory",
        "omp_wait_policy_tiny",
        "decoder_train",
        "decoder_1b",
        "decoder_memory"
      }) {
        assertTrue(cases.contains(c), "case " + c + " missing from " + cases);
      }
    }
    BufferedImage img = ImageIO.read(png.toFile());
    assertNotNull(img, "the plot is a readable PNG");
    assertTrue(img.getWidth() > 100 && img.getHeight() > 100);
  }

  @Test
  void anUnknownCaseIsAUsageError() {
    String[] r = run("bench", "--cases", "nope");
    assertEquals("2", r[0]);
    assertTrue(r[2].contains("unknown case 'nope'"), r[2]);
  }
}
