// SPDX-License-Identifier: Apache-2.0
// LlamaModel on the checkpoints and the PEFT adapter transformers 5.17 / peft 0.21 wrote
// (tests/fixtures/hf): mean NLL within 1e-6 relative of transformers' float64 result, logits within
// 1e-5, greedy ids equal to transformers' float64 greedy continuation (up to a near-tie), for both
// storage dtypes, single-file and sharded, tied and untied; BF16 storage of an F32 checkpoint
// equals
// F32 storage of the same weights rounded to bf16 in Java.
package org.mos.llm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mos.llm.LlamaConfigTest.fixtures;
import static org.mos.llm.LlamaConfigTest.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mos.Bf16;
import org.mos.DType;
import org.mos.MosContext;
import org.mos.io.SafeTensorsWriter;
import org.mos.llm.LlamaModel.LoadOptions;
import org.mos.llm.LlamaModel.WeightStorage;

class LlamaModelHfTest {
  /** Relative tolerance of the mean NLL against transformers' float64 value. */
  static final double NLL_REL = 1e-6;
  /** Absolute tolerance of a logit against transformers' float64 value. */
  static final double LOGIT_ABS = 1e-5;
  /** A top-1/top-2 logit margin below this is a near-tie: f32 may pick either. */
  static final double NEAR_TIE = 1e-4;

  static MosContext ctx;

  @TempDir
  Path tmp;

  @BeforeAll
  static void context() {
    ctx = MosContext.cpu();
  }

  @AfterAll
  static void closeContext() {
    ctx.close();
  }

  /** Every scored sequence of expected.json. */
  static int[][] sequences(JsonNode expected) {
    JsonNode s = expected.get("sequences");
    int[][] out = new int[s.size()][];
    for (int i = 0; i < out.length; i++) out[i] = ints(s.get(i));
    return out;
  }

  static int[] ints(JsonNode a) {
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) out[i] = a.get(i).asInt();
    return out;
  }

  @ParameterizedTest(name = "{0} stored as {1}")
  @CsvSource({
    "llama-gqa-f32, F32",
    "llama-gqa-f32, AS_CHECKPOINT",
    "llama-tied-bf16-sharded, BF16",
    "llama-tied-bf16-sharded, F32",
    "llama-bias-headdim-f32, AS_CHECKPOINT"
  })
  void matchesTransformers(String name, WeightStorage storage) throws IOException {
    Path dir = fixtures().resolve(name);
    JsonNode ex = json(dir.resolve("expected.json"));
    try (LlamaModel m =
        LlamaModel.load(ctx, dir, LoadOptions.defaults().withWeightStorage(storage))) {
      assertEquals(
          name.contains("bf16") && storage != WeightStorage.F32 ? DType.BF16 : DType.F32,
          m.weightDtype());
      assertEquals(name.contains("tied"), m.config().tieWordEmbeddings());
      checkAgainst(m, ex, name);
      assertEquals(ints(ex.get("eos_ids")).length, m.eosTokenIds().size());
    }
  }

  @Test
  void peftLoraAdapterMatchesPeft() throws IOException {
    Path peft = fixtures().resolve("peft-lora-gqa");
    JsonNode ex = json(peft.resolve("expected.json"));
    try (LlamaModel m = LlamaModel.load(
        ctx,
        fixtures().resolve("llama-gqa-f32"),
        LoadOptions.defaults().withWeightStorage(WeightStorage.F32))) {
      m.loadAdapter(peft);
      assertEquals(7, m.adapter().orElseThrow().pools().size());
      checkAgainst(m, ex, "peft-lora-gqa");
    }
  }

  /** NLL, logits of sequence 2, greedy continuations. */
  static void checkAgainst(LlamaModel m, JsonNode ex, String what) {
    int[][] seqs = sequences(ex);
    org.mos.Decoder.Loss l = m.score(seqs);
    assertEquals(ex.get("tokens").asLong(), l.count(), what + ": scored positions");
    double ref = ex.get("mean_nll_f64").asDouble();
    assertEquals(ref, l.mean(), NLL_REL * Math.abs(ref), what + ": mean NLL");
    assertEquals(l.mean(), m.meanNll(seqs), 0.0);

    float[] logits = m.logits(seqs[2]);
    JsonNode rows = ex.get("logits_seq2_f64");
    int vocab = m.config().vocabSize();
    double worst = 0;
    for (int t = 0; t < rows.size(); t++) {
      for (int v = 0; v < vocab; v++) {
        worst =
            Math.max(worst, Math.abs(logits[t * vocab + v] - rows.get(t).get(v).asDouble()));
      }
    }
    assertTrue(worst <= LOGIT_ABS, what + ": worst logit difference " + worst);

    for (JsonNode g : ex.get("greedy")) {
      int[] prompt = ints(g.get("prompt"));
      int[] want = ints(g.get("ids_f64"));
      LlamaModel.Generation got = m.generate(
          prompt, LlamaModel.GenerateOptions.greedy(g.get("max_new_tokens").asInt()));
      int n = comparableSteps(m, prompt, want, g.get("min_margin_f64").asDouble());
      assertTrue(got.ids().length >= n, what + ": " + Arrays.toString(got.ids()));
      assertArrayEquals(
          Arrays.copyOf(want, n),
          Arrays.copyOf(got.ids(), n),
          what + ": greedy ids from " + Arrays.toString(prompt));
      if (n == want.length) {
        assertArrayEquals(want, got.ids(), what);
        boolean eos = want.length < g.get("max_new_tokens").asInt();
        assertEquals(
            eos ? LlamaModel.FinishReason.STOP_ID : LlamaModel.FinishReason.LENGTH,
            got.finishReason(),
            what);
      }
    }
  }

  /**
   * How many greedy steps a test may compare: all when transformers' smallest top-1/top-2 margin
   * is above {@link #NEAR_TIE}; otherwise up to and including the first step where this model's
   * own margin (by recomputation along the expected ids) is a near-tie.
   */
  static int comparableSteps(LlamaModel m, int[] prompt, int[] want, double minMargin) {
    if (minMargin > NEAR_TIE) return want.length;
    int vocab = m.config().vocabSize();
    for (int t = 0; t < want.length; t++) {
      int[] ctx = Arrays.copyOf(prompt, prompt.length + t);
      System.arraycopy(want, 0, ctx, prompt.length, t);
      float[] l = m.logits(ctx);
      float a = Float.NEGATIVE_INFINITY;
      float b = Float.NEGATIVE_INFINITY;
      for (int v = 0; v < vocab; v++) {
        float x = l[(ctx.length - 1) * vocab + v];
        if (x > a) {
          b = a;
          a = x;
        } else if (x > b) {
          b = x;
        }
      }
      if (a - b < NEAR_TIE) return t + 1;
    }
    return want.length;
  }

  @Test
  void bf16StorageRoundsTheF32WeightsToNearestEven() throws IOException {
    // Oracle: the same checkpoint with every tensor rounded to bf16 in Java (org.mos.Bf16) and
    // saved as F32, loaded with exact F32 storage.
    Path src = fixtures().resolve("llama-gqa-f32");
    Path rounded = tmp.resolve("rounded");
    Files.createDirectories(rounded);
    Files.copy(src.resolve("config.json"), rounded.resolve("config.json"));
    SafeTensorsWriter w = new SafeTensorsWriter().metadata("format", "pt");
    try (HfCheckpoint ck = HfCheckpoint.open(src)) {
      for (HfCheckpoint.Tensor t : ck.tensors()) {
        float[] v = ck.readFloats(t.name());
        boolean matrix = t.rows() > 1;
        for (int i = 0; i < v.length && matrix; i++) v[i] = Bf16.round(v[i]);
        w.addF32(t.name(), matrix ? new long[] {t.rows(), t.cols()} : new long[] {t.cols()}, v);
      }
    }
    w.write(rounded.resolve("model.safetensors"));
    int[] seq = sequences(json(src.resolve("expected.json")))[1];
    try (LlamaModel bf16 = LlamaModel.load(ctx, src, LoadOptions.defaults());
        LlamaModel f32 = LlamaModel.load(
            ctx, rounded, LoadOptions.defaults().withWeightStorage(WeightStorage.F32))) {
      assertEquals(DType.BF16, bf16.weightDtype());
      float[] a = bf16.logits(seq);
      float[] b = f32.logits(seq);
      for (int i = 0; i < a.length; i++) {
        assertEquals(b[i], a[i], LOGIT_ABS, "logit " + i);
      }
    }
  }
}
