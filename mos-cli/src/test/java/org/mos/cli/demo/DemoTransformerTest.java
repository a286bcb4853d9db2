// SPDX-License-Identifier: Apache-2.0
// `mos demo` on its transformer at a tiny size (seconds): the table of every method (with the
// ablation variants), report, PNG, results and adapters; the cached base is a Hugging Face
// checkpoint that LlamaModel and `mos score` load, bit-identical to the decoder that was saved;
// its byte tokenizer; each ablation variant's index lists; cache reuse and revalidation; errors.
package org.mos.cli.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.Decoder;
import org.mos.MosContext;
import org.mos.ShardPool;
import org.mos.cli.Main;
import org.mos.io.MosAdapter;
import org.mos.llm.LlamaModel;
import org.mos.llm.tokenizer.Tokenizer;
import org.mos.train.Rng;

class DemoTransformerTest {
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

  static Path corpus(Path tmp) throws Exception {
    Path f = tmp.resolve("corpus.txt");
    Files.writeString(
        f,
        text(1, 60_000, "public", "class", "void", "int", "return", "{", "}")
            + text(
                2, 60_000, "the", "license", "software", "copyright", "terms", "notice", "shall"));
    return f;
  }

  @Test
  void demoAtTinySizeWritesEverythingAndReusesItsCache(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("out");
    Path cache = tmp.resolve("cache");
    List<String> args = new ArrayList<>(List.of(
        "demo",
        "--model",
        "tiny",
        "--out",
        out.toString(),
        "--cache-dir",
        cache.toString(),
        "--progress",
        "off",
        "--corpus",
        corpus(tmp).toString()));
    List<String> ablation = new ArrayList<>(args);
    ablation.add("--ablation");
    Outcome o = mos(ablation.toArray(new String[0]));
    assertEquals(0, o.code(), o.err() + o.out());
    assertTrue(o.out().contains("pretraining the base: 16 blocks"), o.out());
    for (String m : List.of(
        "LoRA r=2 ",
        "MoS r=8 (R_eq=2, p=1, l=2)",
        "MoS r=16 (R_eq=2, p=1, l=2)",
        "LoRA r=8 ",
        "LoRA r=16 ",
        "pure sharing (r=32)",
        "+ subset selection (r=8)",
        "+ pair dissociation (r=8)",
        "+ vector sharding (r=8, l=2)")) {
      assertTrue(
          o.out().lines().anyMatch(l -> l.startsWith(m) && l.contains(" ± ")),
          m + " row in\n" + o.out());
    }
    assertTrue(
        o.out().contains("LoRA r=16: 36.97") && o.out().contains("pure sharing: 34.33"), o.out());
    String report = Files.readString(out.resolve(DemoReport.REPORT));
    assertTrue(
        report.contains("| MoS r=8 (R_eq=2, p=1, l=2) |") && report.contains("## Reading"), report);
    assertTrue(ImageIO.read(out.resolve(DemoReport.PLOT).toFile()).getWidth() > 0);
    JsonNode results =
        new ObjectMapper().readTree(out.resolve(DemoReport.RESULTS).toFile());
    assertEquals(18, results.path("runs").size(), "9 methods x 2 seeds");
    // an untrained byte model is at 8 bits per byte; pretraining on this text must beat it
    assertTrue(results.path("base_test_bits").asDouble() < 7.5, results.toString());
    Path base = Path.of(results.path("base_checkpoint").asText());
    long p0 = -1;
    for (JsonNode run : results.path("runs")) {
      MosAdapter a = MosAdapter.load(Path.of(run.path("adapter").asText()));
      assertEquals(run.path("r").asInt(), a.config().r());
      assertEquals(7, a.pools().size(), "all seven projections");
      long params = a.config().trainableParameters();
      assertEquals(run.path("trainable_parameters").asLong(), params, run.toString());
      assertTrue(Double.isFinite(run.path("test_bits").asDouble()));
      if (run.path("key").asText().equals("lora-r2")) {
        p0 = params;
      }
    }
    for (JsonNode run : results.path("runs")) {
      long want =
          switch (run.path("key").asText()) {
            case "lora-r8" -> 4 * p0;
            case "lora-r16" -> 8 * p0;
            default -> p0; // every MoS and ablation variant has LoRA r0's budget
          };
      assertEquals(want, run.path("trainable_parameters").asLong(), run.toString());
    }
    // the adapters load back onto the cached checkpoint
    try (MosContext ctx = MosContext.cpu();
        LlamaModel m = LlamaModel.load(ctx, base)) {
      m.loadAdapter(Path.of(results.path("runs").get(1).path("adapter").asText()));
      assertTrue(Double.isFinite(m.meanNll(new int[][] {ids("public class")})));
    }
    // `mos score` runs on the cached base
    Path idsFile = tmp.resolve("ids.txt");
    Files.writeString(idsFile, "112 117 98 108 105 99 32 99 108 97 115 115\n");
    Outcome score = mos("score", "--model", base.toString(), "--ids", idsFile.toString(), "--json");
    assertEquals(0, score.code(), score.err());
    assertTrue(score.out().contains("\"mean_nll\""), score.out());

    List<String> quick = new ArrayList<>(args);
    quick.addAll(List.of("--seeds", "1", "--steps", "2", "--search-steps", "1", "--lrs", "0.01"));
    Outcome again = mos(quick.toArray(new String[0]));
    assertEquals(0, again.code(), again.err());
    assertTrue(again.out().contains("base model: cached in"), again.out());
    assertFalse(again.out().contains("pretraining the base"), again.out());

    byte[] b = Files.readAllBytes(base.resolve("model.safetensors"));
    b[b.length - 3] ^= 0x40;
    Files.write(base.resolve("model.safetensors"), b);
    Outcome corrupt = mos(quick.toArray(new String[0]));
    assertEquals(0, corrupt.code(), corrupt.err());
    assertTrue(
        corrupt.out().contains("is not usable (model.safetensors: SHA-256")
            && corrupt.out().contains("pretraining the base"),
        corrupt.out());
    assertEquals(
        java.util.Optional.empty(),
        DemoBase.problem(base, results.path("base_key").asText()));
  }

  private static int[] ids(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    int[] out = new int[b.length];
    for (int i = 0; i < b.length; i++) {
      out[i] = b[i] & 0xff;
    }
    return out;
  }

  @Test
  void savedCheckpointComputesWhatTheDecoderComputedAndItsTokenizerIsBytes(@TempDir Path tmp)
      throws Exception {
    DemoModel m = DemoModel.tiny();
    int[] tok = ids("int main() { return 0; } // é\n");
    int[] lengths = {tok.length};
    float[] before;
    try (MosContext ctx = MosContext.cpu();
        Decoder dec = Decoder.create(ctx, m.decoderConfig())) {
      DemoBase.initWeights(dec, m, 3);
      before = dec.logits(lengths, tok);
      DemoBase.save(dec, m, tmp);
    }
    try (MosContext ctx = MosContext.cpu();
        LlamaModel loaded = LlamaModel.load(
            ctx,
            tmp,
            LlamaModel.LoadOptions.defaults().withWeightStorage(LlamaModel.WeightStorage.F32))) {
      assertEquals(m.baseParameters(), loaded.config().parameterCount());
      assertTrue(loaded.config().tieWordEmbeddings());
      assertArrayEquals(before, loaded.logits(tok), "F32 weights round-trip exactly");
      Tokenizer t = loaded.tokenizer().orElseThrow();
      String text = "class Foo {\n\tint é = 1; // ∑ 😀\r\n}";
      assertArrayEquals(ids(text), t.encode(text, false));
      assertEquals(text, t.decode(ids(text), false));
    }
  }

  @Test
  void ablationVariantsHaveTheirIndexRecipes(@TempDir Path tmp) throws Exception {
    DemoModel m = DemoModel.tiny();
    try (MosContext ctx = MosContext.cpu();
        Decoder dec = Decoder.create(ctx, m.decoderConfig())) {
      DemoBase.initWeights(dec, m, 3);
      DemoBase.save(dec, m, tmp);
    }
    ByteData data = new ByteData(text(3, 5000, "a", "b").getBytes(StandardCharsets.US_ASCII));
    int layers = m.layers();
    int req = 2;
    for (Method method : List.of(
        Method.pureSharing(req, layers),
        Method.subset(8, req),
        Method.dissociated(8, req),
        Method.sharded(8, req, 2),
        Method.mos(8, req, 1, 2),
        Method.lora(2))) {
      try (MosContext ctx = MosContext.cpu();
          FineTuneTask task = new FineTuneTask(
              ctx, tmp, m, method, 16f, 0.1f, 5, data, data, data.windows(m.seqLen(), 2))) {
        assertEquals(7, task.adapter().pools().size());
        for (ShardPool pool : task.adapter().pools().values()) {
          int pub = (method.req() - method.p()) * layers * method.l();
          assertEquals(method.req() * layers * method.l(), pool.numShards(), method.label());
          boolean anyUntied = false;
          Set<String> lists = new HashSet<>();
          for (int k = 0; k < layers; k++) {
            int[] a = pool.indicesA(k);
            int[] bb = pool.indicesB(k);
            assertEquals(method.r() * method.l(), a.length);
            lists.add(java.util.Arrays.toString(a));
            switch (method.recipe()) {
              case WHOLE -> {
                for (int i = 0; i < a.length; i++) {
                  assertEquals(i, a[i]);
                  assertEquals(i, bb[i]);
                }
              }
              case TIED -> assertArrayEquals(a, bb, method.label());
              case DRAWN -> anyUntied |= !java.util.Arrays.equals(a, bb);
            }
            int shared = (method.r() - method.p()) * method.l();
            assertEquals(
                shared,
                java.util.Arrays.stream(a, 0, shared).distinct().count(),
                "without replacement");
            for (int i = 0; i < shared; i++) {
              assertTrue(a[i] >= 0 && a[i] < pub && bb[i] >= 0 && bb[i] < pub, method.label());
            }
            for (int i = shared;
                i < a.length;
                i++) { // the block's private rows, whole and in order
              assertEquals(pub + k * method.p() * method.l() + (i - shared), a[i]);
              assertEquals(a[i], bb[i]);
            }
          }
          if (method.recipe() == Method.Recipe.WHOLE) {
            assertEquals(1, lists.size(), "every block uses the whole pool");
          } else {
            assertTrue(lists.size() > 1, method.label() + ": blocks differ");
          }
          if (method.recipe() == Method.Recipe.DRAWN && !method.isLora()) {
            assertTrue(anyUntied, method.label() + ": A and B drawn independently");
          }
        }
        // one training step runs through the rewritten routes
        double bits = task.trainStep(0, new Rng(1));
        assertTrue(Double.isFinite(bits) && bits > 0);
      }
    }
    assertNotEquals(Method.subset(8, 2), Method.dissociated(8, 2));
  }

  @Test
  void demoArgumentErrors(@TempDir Path tmp) {
    Outcome zero = mos("demo", "--seeds", "0");
    assertEquals(2, zero.code());
    assertTrue(
        zero.err().contains("--seeds must be >= 1") && zero.err().contains("Usage"), zero.err());
    Outcome badCfg = mos("demo", "--private-rank", "3");
    assertEquals(2, badCfg.code(), badCfg.err());
    Outcome missing = mos(
        "demo",
        "--model",
        "tiny",
        "--corpus",
        tmp.resolve("nothing.txt").toString(),
        "--out",
        tmp.resolve("o").toString(),
        "--cache-dir",
        tmp.toString(),
        "--progress",
        "off");
    assertEquals(1, missing.code());
    assertEquals(1, missing.err().lines().count(), missing.err());
    assertTrue(missing.err().contains("no such file"), missing.err());
  }
}
