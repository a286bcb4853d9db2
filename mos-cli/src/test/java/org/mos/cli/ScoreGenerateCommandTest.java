// SPDX-License-Identifier: Apache-2.0
// `mos score` and `mos generate` on the checkpoints transformers 5.17 wrote and the adapter peft
// 0.21 wrote (tests/fixtures/hf): the mean NLL equals expected.json's float64 value within 1e-5
// relative with the same number of positions, greedy ids equal transformers' float64 greedy ids
// (compared up to a near-tie, see comparableSteps); a mos adapter and its PEFT export through
// --adapter give what the Java API gives; stdout holds only the JSON.
package org.mos.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mos.MosConfig;
import org.mos.MosContext;
import org.mos.MosModel;
import org.mos.PoolArray;
import org.mos.ShardPool;
import org.mos.io.LoraExport;
import org.mos.llm.LlamaModel;

class ScoreGenerateCommandTest {
  static final ObjectMapper JSON = new ObjectMapper();
  /** Relative tolerance of `mos score` against transformers' float64 mean NLL. */
  static final double NLL_REL = 1e-5;
  /** A top-1/top-2 logit margin below this is a near-tie: f32 may pick either id. */
  static final double NEAR_TIE = 1e-4;

  /** Greedy steps compared and available, over the whole class (reported at the end). */
  static int compared;

  static int available;

  @TempDir
  Path tmp;

  static Path fixtures() {
    Path p = Path.of(System.getProperty("mos.hf.fixtures", "../tests/fixtures/hf"));
    assertTrue(Files.isDirectory(p), "fixture directory missing: " + p.toAbsolutePath());
    return p;
  }

  static JsonNode json(Path file) throws IOException {
    return JSON.readTree(file.toFile());
  }

  static int[] ints(JsonNode a) {
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) out[i] = a.get(i).asInt();
    return out;
  }

  static String line(int[] ids) {
    return Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(" "));
  }

  /** expected.json's sequences as an ids file (with a blank line and extra spaces thrown in). */
  Path idsFile(JsonNode expected) throws IOException {
    List<String> lines = new ArrayList<>();
    for (JsonNode s : expected.get("sequences"))
      lines.add(" " + line(ints(s)).replace(" ", "  \t"));
    lines.add(1, "");
    return Files.write(tmp.resolve("ids.txt"), lines);
  }

  /** Runs mos; checks exit 0 and that stdout is exactly one JSON object. */
  static JsonNode run(String... args) throws IOException {
    MainTest.Run r = MainTest.mos(args);
    assertEquals(0, r.code(), r.err());
    List<String> out = r.out().lines().toList();
    assertEquals(1, out.size(), "one line on stdout: " + r.out());
    JsonNode o = JSON.readTree(out.get(0));
    assertTrue(o.isObject(), r.out());
    assertTrue(r.err().startsWith("mos " + args[0] + ": "), "a summary on stderr: " + r.err());
    return o;
  }

  @ParameterizedTest
  @ValueSource(strings = {"llama-gqa-f32", "llama-tied-bf16-sharded", "llama-bias-headdim-f32"})
  void scoreAndGreedyGenerateMatchTransformers(String name) throws IOException {
    Path dir = fixtures().resolve(name);
    JsonNode ex = json(dir.resolve("expected.json"));
    checkScore(ex, "--model", dir.toString());
    checkGreedy(ex, dir, null);
  }

  @Test
  void peftAdapterThroughAdapterMatchesPeft() throws IOException {
    Path base = fixtures().resolve("llama-gqa-f32");
    Path peft = fixtures().resolve("peft-lora-gqa");
    JsonNode ex = json(peft.resolve("expected.json"));
    checkScore(ex, "--model", base.toString(), "--adapter", peft.toString());
    checkGreedy(ex, base, peft);
  }

  private void checkScore(JsonNode ex, String... modelArgs) throws IOException {
    List<String> args = new ArrayList<>(List.of("score"));
    args.addAll(List.of(modelArgs));
    args.addAll(List.of("--ids", idsFile(ex).toString(), "--json"));
    JsonNode o = run(args.toArray(new String[0]));
    assertEquals(2, o.size(), "exactly mean_nll and tokens: " + o);
    assertEquals(ex.get("tokens").asLong(), o.get("tokens").asLong());
    double want = ex.get("mean_nll_f64").asDouble();
    double got = o.get("mean_nll").asDouble();
    assertEquals(want, got, NLL_REL * Math.abs(want), "mean NLL " + got + " vs " + want);
  }

  private void checkGreedy(JsonNode ex, Path model, Path adapter) throws IOException {
    for (JsonNode g : ex.get("greedy")) {
      int[] prompt = ints(g.get("prompt"));
      int[] want = ints(g.get("ids_f64"));
      List<String> args = new ArrayList<>(List.of("generate", "--model", model.toString()));
      if (adapter != null) args.addAll(List.of("--adapter", adapter.toString()));
      args.addAll(List.of(
          "--ids",
          line(prompt),
          "--max-new-tokens",
          g.get("max_new_tokens").asText(),
          "--temperature",
          "0",
          "--json"));
      JsonNode o = run(args.toArray(new String[0]));
      assertEquals(1, o.size(), o.toString());
      int[] got = ints(o.get("ids"));
      int n =
          comparableSteps(model, adapter, prompt, want, g.get("min_margin_f64").asDouble());
      compared += n;
      available += want.length;
      assertArrayEquals(
          Arrays.copyOf(want, n),
          Arrays.copyOf(got, Math.min(n, got.length)),
          "greedy ids from " + Arrays.toString(prompt) + ": " + Arrays.toString(got));
      if (n == want.length) assertArrayEquals(want, got, "every id, an EOS ending it included");
    }
  }

  /**
   * All steps when transformers' smallest top-1/top-2 margin exceeds {@link #NEAR_TIE}; else up
   * to and including the first step whose margin, recomputed here along the expected ids, is a
   * near-tie (after it, f32 may legitimately take the other branch).
   */
  static int comparableSteps(Path model, Path adapter, int[] prompt, int[] want, double minMargin) {
    if (minMargin > NEAR_TIE) return want.length;
    try (MosContext ctx = MosContext.cpu();
        LlamaModel m = LlamaModel.load(
            ctx,
            model,
            LlamaModel.LoadOptions.defaults()
                .withWeightStorage(LlamaModel.WeightStorage.AS_CHECKPOINT)
                .withTokenizer(false))) {
      if (adapter != null) m.loadAdapter(adapter);
      int vocab = m.config().vocabSize();
      for (int t = 0; t < want.length; t++) {
        int[] c = Arrays.copyOf(prompt, prompt.length + t);
        System.arraycopy(want, 0, c, prompt.length, t);
        float[] l = m.logits(c);
        float[] row = Arrays.copyOfRange(l, (c.length - 1) * vocab, c.length * vocab);
        float[] sorted = row.clone();
        Arrays.sort(sorted);
        if (sorted[vocab - 1] - sorted[vocab - 2] < NEAR_TIE) return t + 1;
      }
      return want.length;
    }
  }

  @AfterAll
  static void report() {
    System.out.printf(
        "mos generate vs transformers: compared %d of %d greedy steps%n", compared, available);
  }

  @Test
  void aMosAdapterAndItsPeftExportGiveWhatTheApiGives() throws IOException {
    Path base = fixtures().resolve("llama-gqa-f32");
    Path adapter = tmp.resolve("adapter");
    Path peft = tmp.resolve("peft");
    int[] seq = {5, 77, 3, 190, 45, 12, 300, 8};
    double apiNll;
    int[] apiIds;
    try (MosContext ctx = MosContext.cpu();
        LlamaModel m = LlamaModel.load(
            ctx,
            base,
            LlamaModel.LoadOptions.defaults().withWeightStorage(LlamaModel.WeightStorage.F32))) {
      MosModel a = m.attachNewAdapter(
          MosConfig.builder()
              .rank(4)
              .equivalentRank(2)
              .privateRank(1)
              .shardsPerVector(2)
              .alpha(8)
              .build(),
          List.of("k_proj", "up_proj"));
      Random rnd = new Random(3);
      for (ShardPool p : a.pools().values()) {
        float[] v = new float[p.size(PoolArray.POOL_B)];
        for (int i = 0; i < v.length; i++) v[i] = 0.3f * (float) rnd.nextGaussian();
        p.write(PoolArray.POOL_B, v);
      }
      m.saveAdapter(adapter);
      LoraExport.export(m.adapterSnapshot(null), peft, LoraExport.Precision.F32, false);
      apiNll = m.meanNll(new int[][] {seq});
      apiIds = m.generate(Arrays.copyOf(seq, 3), LlamaModel.GenerateOptions.greedy(10))
          .ids();
    }
    Path ids = Files.writeString(tmp.resolve("one.txt"), line(seq) + "\n");
    for (Path ad : List.of(adapter, peft)) {
      JsonNode s = run(
          "score",
          "--model",
          base.toString(),
          "--adapter",
          ad.toString(),
          "--ids",
          ids.toString(),
          "--json");
      assertEquals(apiNll, s.get("mean_nll").asDouble(), 1e-6 * apiNll, ad.toString());
      assertEquals(seq.length - 1, s.get("tokens").asInt());
      JsonNode g = run(
          "generate",
          "--model",
          base.toString(),
          "--adapter",
          ad.toString(),
          "--ids",
          "5 77 3",
          "--max-new-tokens",
          "10",
          "--json");
      assertArrayEquals(apiIds, ints(g.get("ids")), ad.toString());
    }
  }

  @Test
  void plainOutputAndSampling() throws IOException {
    Path base = fixtures().resolve("llama-gqa-f32");
    Path ids = Files.writeString(tmp.resolve("one.txt"), "5 77 3 190\n");
    MainTest.Run s = MainTest.mos("score", "--model", base.toString(), "--ids", ids.toString());
    assertEquals(0, s.code(), s.err());
    assertTrue(s.out().startsWith("mean NLL ") && s.out().contains("over 3 positions"), s.out());
    MainTest.Run g = MainTest.mos(
        "generate",
        "--model",
        base.toString(),
        "--ids",
        "5 77",
        "--max-new-tokens",
        "6",
        "--temperature",
        "0.8",
        "--seed",
        "4");
    assertEquals(0, g.code(), g.err());
    MainTest.Run again = MainTest.mos(
        "generate",
        "--model",
        base.toString(),
        "--ids",
        "5 77",
        "--max-new-tokens",
        "6",
        "--temperature",
        "0.8",
        "--seed",
        "4",
        "--weight-dtype",
        "f32");
    assertEquals(g.out(), again.out(), "sampling is reproducible from the seed");
    String[] words = g.out().strip().split(" ");
    assertTrue(words.length >= 1 && words.length <= 6, g.out());
  }
}
