// SPDX-License-Identifier: Apache-2.0
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
import org.mos.io.AdapterConfig;
import org.mos.io.AdapterFormat;

class FineTuneFromTextTest {
  record Outcome(int code, String out, String err) {}

  static Outcome mos(String... args) {
    StringWriter out = new StringWriter(), err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
    return new Outcome(code, out.toString(), err.toString());
  }

  /** The completion greedy generation gives for {@code word + "="} (EOS left out). */
  static String answer(Path model, Path adapter, String word) throws Exception {
    List<String> args = new ArrayList<>(List.of(
        "generate",
        "--model",
        model.toString(),
        "--prompt",
        word + "=",
        "--max-new-tokens",
        "4",
        "--json"));
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
    Outcome t = mos(
        "train",
        "--model",
        model.toString(),
        "--data",
        train.toString(),
        "--val",
        val.toString(),
        "--out",
        out.toString(),
        "--steps",
        System.getProperty("ft.steps", "400"),
        "--lr",
        System.getProperty("ft.lr", "2e-2"),
        "--batch-tokens",
        "256",
        "--dropout",
        "0",
        "--eval-every",
        "100",
        "--threads",
        System.getProperty("ft.threads", "1"),
        "--progress",
        "off");
    double secs = (System.nanoTime() - t0) / 1e9;
    System.out.println(t.out());
    assertEquals(0, t.code(), t.err() + t.out());
    AdapterConfig ac = AdapterFormat.readConfig(out);
    assertEquals("tiny-llama", ac.baseModel());
    assertEquals(7, ac.pools().size(), "all seven projections by default");
    assertTrue(Files.isRegularFile(out.resolve(AdapterFormat.WEIGHTS_FILE)));
    assertTrue(Files.isRegularFile(out.resolve("best").resolve(AdapterFormat.CONFIG_FILE)));
    assertTrue(
        t.out().contains("r: 5, the largest r"),
        "the default r is clamped for 4 blocks: " + t.out());

    int base = correct(model, null, heldOut);
    int tuned = correct(model, out, heldOut);
    System.out.printf(
        Locale.ROOT,
        "held-out words upper-cased: base %d/%d, tuned %d/%d;" + " training took %.1f s%n",
        base,
        heldOut.size(),
        tuned,
        heldOut.size(),
        secs);
    assertTrue(base <= 1, "the random base should not know the rule: " + base);
    assertTrue(tuned >= 24, "the adapter should answer most held-out words: " + tuned);
  }

  @Test
  void aResumedRunEndsBitForBitWhereTheStraightRunEnded(@TempDir Path tmp) throws Exception {
    Path model = TinyLm.write(tmp.resolve("tiny-llama"), 2);
    List<String> words = TinyLm.words(60, 8);
    Path train = TinyLm.upperCaseJsonl(tmp.resolve("train.jsonl"), words);
    Path straight = tmp.resolve("straight"), resumed = tmp.resolve("resumed");
    List<String> common = List.of(
        "--model",
        model.toString(),
        "--data",
        train.toString(),
        "--steps",
        "12",
        "--checkpoint-every",
        "6",
        "--eval-every",
        "6",
        "--batch-tokens",
        "64",
        "--grad-accum",
        "2",
        "--dropout",
        "0.1",
        "--lr",
        "1e-2",
        "--threads",
        "1",
        "--progress",
        "off");
    List<String> a = new ArrayList<>(List.of("train", "--out", straight.toString()));
    a.addAll(common);
    Outcome s = mos(a.toArray(new String[0]));
    assertEquals(0, s.code(), s.err() + s.out());
    assertTrue(
        s.out().contains("6 training, 0 validation") || s.out().contains("validation"), s.out());

    // a run that stopped after step 6: only its first checkpoint exists
    Path ck = resumed.resolve("checkpoints");
    Files.createDirectories(ck);
    copyTree(
        straight.resolve("checkpoints/checkpoint-00000006"), ck.resolve("checkpoint-00000006"));
    List<String> b = new ArrayList<>(List.of("train", "--out", resumed.toString(), "--resume"));
    b.addAll(common);
    Outcome r = mos(b.toArray(new String[0]));
    assertEquals(0, r.code(), r.err() + r.out());
    assertTrue(r.out().contains("resuming"), r.out());
    assertArrayEquals(
        Files.readAllBytes(straight.resolve(AdapterFormat.WEIGHTS_FILE)),
        Files.readAllBytes(resumed.resolve(AdapterFormat.WEIGHTS_FILE)),
        "the resumed run's adapter differs from the straight run's");
    assertArrayEquals(
        Files.readAllBytes(straight.resolve("best").resolve(AdapterFormat.WEIGHTS_FILE)),
        Files.readAllBytes(resumed.resolve("best").resolve(AdapterFormat.WEIGHTS_FILE)));

    // a new run over an earlier run's checkpoints is refused: it would mix the two
    List<String> again = new ArrayList<>(List.of("train", "--out", straight.toString()));
    again.addAll(common);
    Outcome n = mos(again.toArray(new String[0]));
    assertEquals(1, n.code(), n.out());
    assertTrue(
        n.err().contains("--resume")
            && n.err().contains(straight.resolve("checkpoints").toString()),
        n.err());

    // resuming on other data is refused, naming the checkpoint
    Path other = TinyLm.upperCaseJsonl(tmp.resolve("other.jsonl"), words.subList(0, 30));
    List<String> c = new ArrayList<>(List.of("train", "--out", resumed.toString(), "--resume"));
    c.addAll(common);
    c.set(c.indexOf(train.toString()), other.toString());
    Outcome w = mos(c.toArray(new String[0]));
    assertEquals(1, w.code(), w.out());
    assertTrue(w.err().contains("other data") && w.err().contains(ck.toString()), w.err());
    assertTrue(Files.isDirectory(ck.resolve("checkpoint-00000012")), "the resumed run checkpoints");
  }

  @Test
  void badDataAndArgumentsExitOneAndTwo(@TempDir Path tmp) throws Exception {
    Path model = TinyLm.write(tmp.resolve("m"), 3);
    Path bad = tmp.resolve("bad.jsonl");
    Files.writeString(bad, "{\"prompt\": \"ab=\", \"completion\": \"AB\"}\n{\"prompt\": 3}\n");
    Outcome o = mos(
        "train",
        "--model",
        model.toString(),
        "--data",
        bad.toString(),
        "--out",
        tmp.resolve("o").toString(),
        "--progress",
        "off");
    assertEquals(1, o.code(), o.err());
    assertTrue(o.err().contains(bad.toString()) && o.err().contains("line 2"), o.err());
    assertTrue(!Files.exists(tmp.resolve("o").resolve(AdapterFormat.CONFIG_FILE)));
    Path good = TinyLm.upperCaseJsonl(tmp.resolve("good.jsonl"), TinyLm.words(5, 1));
    Outcome l = mos(
        "train",
        "--model",
        model.toString(),
        "--data",
        good.toString(),
        "--out",
        tmp.resolve("o").toString(),
        "--shards-per-vector",
        "3",
        "--progress",
        "off");
    assertEquals(2, l.code(), l.err());
    assertTrue(l.err().contains("q_proj"), l.err());
  }

  @Test
  void generateStreamsTextAndInspectShowsTheCheckpoint(@TempDir Path tmp) throws Exception {
    Path model = TinyLm.write(tmp.resolve("m"), 4);
    Outcome j = mos(
        "generate",
        "--model",
        model.toString(),
        "--prompt",
        "abc=",
        "--max-new-tokens",
        "5",
        "--json");
    assertEquals(0, j.code(), j.err());
    String text = new ObjectMapper().readTree(j.out()).get("text").asText();
    Outcome s =
        mos("generate", "--model", model.toString(), "--prompt", "abc=", "--max-new-tokens", "5");
    assertEquals(0, s.code(), s.err());
    assertEquals(text + System.lineSeparator(), s.out(), "the streamed text is the JSON text");

    Outcome i = mos("inspect", model.toString(), "--json", "--r", "8", "--equivalent-rank", "2");
    assertEquals(0, i.code(), i.err());
    JsonNode r = new ObjectMapper().readTree(i.out());
    int h = TinyLm.HIDDEN,
        f = TinyLm.INTERMEDIATE,
        q = TinyLm.HEADS * TinyLm.HEAD_DIM,
        kv = TinyLm.KV_HEADS * TinyLm.HEAD_DIM,
        v = 2 + TinyLm.CHARS.length(),
        l = TinyLm.LAYERS;
    long inOut = (h + q) + (h + kv) + (h + kv) + (q + h) + 3L * (h + f);
    assertEquals(2L * l * inOut, r.get("adapter_cost").get("mos_parameters").asLong());
    assertEquals(
        8L * l * inOut, r.get("adapter_cost").get("lora_parameters_at_r").asLong());
    long params = 2L * v * h + h + l * (2L * h + (long) h * q * 2 + 2L * h * kv + 3L * h * f);
    assertEquals(params, r.get("parameters").asLong());
    assertEquals(l, r.get("num_layers").asInt());
    assertEquals("[\"F32\"]", r.get("dtypes").toString());
    Outcome t = mos("inspect", model.toString());
    assertEquals(0, t.code(), t.err());
    assertTrue(
        t.out().contains("LlamaForCausalLM") && t.out().contains("r can be at most 5"), t.out());
  }

  private static void copyTree(Path from, Path to) throws java.io.IOException {
    try (var s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path dest = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) Files.createDirectories(dest);
        else Files.copy(p, dest);
      }
    }
  }
}
