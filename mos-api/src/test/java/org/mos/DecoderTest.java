// SPDX-License-Identifier: Apache-2.0
// The Java decoder wrapper (Decoder, DecoderConfig, KvCache, Sampling) on a small random model:
// weights listed and set by name, every refused argument a MosException naming it, loss == the
// double-precision sum from the logits (1e-5 relative), step logits == recomputation (1e-5),
// greedy sampling == argmax with the lowest id on ties, training the base (an AdamW step against
// the signs of finite-difference gradients, weights read back), lifetimes (closed objects, the
// cache keeping
// the decoder alive, the Cleaner), a callback that throws or re-enters.
package org.mos;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DecoderTest {
  static final int VOCAB = 40;

  static DecoderConfig config(DType dtype) {
    return DecoderConfig.builder()
        .vocabSize(VOCAB)
        .hiddenSize(16)
        .intermediateSize(24)
        .numLayers(2)
        .numHeads(4)
        .numKvHeads(2)
        .maxPositions(48)
        .weightDtype(dtype)
        .build();
  }

  /** A decoder with weights ~ N(0, 0.25²) and norm weights ~ 1 + N(0, 0.1²). */
  static Decoder random(MosContext ctx, DType dtype, long seed) {
    Decoder d = Decoder.create(ctx, config(dtype).validate());
    SplittableRandom rnd = new SplittableRandom(seed);
    for (Decoder.WeightInfo w : d.weights()) {
      float[] v = Fixture.random(rnd, (int) (w.rows() * w.cols()), 0.25f);
      if (w.name().endsWith("norm.weight")) for (int i = 0; i < v.length; i++) v[i] += 1f;
      d.setWeight(w.name(), w.rows(), w.cols(), v);
    }
    return d;
  }

  @Test
  void weightsAreListedSetAndChecked() {
    try (MosContext ctx = MosContext.cpu();
        Decoder d = Decoder.create(ctx, config(DType.BF16))) {
      List<Decoder.WeightInfo> ws = d.weights();
      assertEquals(1 + 2 * 9 + 2, ws.size(), "embedding, 9 per block, norm, lm_head");
      assertEquals(
          new Decoder.WeightInfo("model.embed_tokens.weight", VOCAB, 16, false), ws.get(0));
      assertEquals(
          new Decoder.WeightInfo("model.layers.0.self_attn.k_proj.weight", 8, 16, false),
          ws.get(3));
      assertEquals("lm_head.weight", ws.get(ws.size() - 1).name());
      MosException unset =
          assertThrows(MosException.class, () -> d.logits(new int[] {2}, new int[] {1, 2}));
      assertEquals(Status.INVALID_STATE, unset.status());
      assertTrue(unset.getMessage().contains("model.embed_tokens.weight"), unset.getMessage());

      MosException name = assertThrows(
          MosException.class,
          () -> d.setWeight("model.layers.9.mlp.up_proj.weight", 24, 16, new float[24 * 16]));
      assertTrue(name.getMessage().contains("model.layers.9"), name.getMessage());
      MosException shape = assertThrows(
          MosException.class, () -> d.setWeight("model.norm.weight", 1, 15, new float[15]));
      assertEquals(Status.SHAPE_MISMATCH, shape.status());
      MosException bytes = assertThrows(
          MosException.class,
          () -> d.setWeight(
              "model.norm.weight",
              Decoder.SourceDtype.BF16,
              1,
              16,
              java.lang.foreign.MemorySegment.ofArray(new float[16])));
      assertTrue(bytes.getMessage().contains("32 bytes"), bytes.getMessage());
      d.setWeight("model.norm.weight", 1, 16, new float[16]);
      assertTrue(d.weights().stream().filter(Decoder.WeightInfo::isSet).count() == 1);
    }
    MosException bad = assertThrows(
        MosException.class,
        () -> config(DType.F32).toBuilder().numKvHeads(3).build().validate());
    assertTrue(bad.getMessage().contains("num_kv_heads"), bad.getMessage());
  }

  @Test
  void lossIsTheSumFromTheLogitsAndStepsEqualRecomputation() {
    try (MosContext ctx = MosContext.cpu();
        Decoder d = random(ctx, DType.F32, 1);
        KvCache cache = d.newKvCache(64)) {
      int[] a = {1, 7, 3, 39, 0, 22};
      int[] b = {5, 5, 9};
      int[] tokens = new int[9];
      System.arraycopy(a, 0, tokens, 0, 6);
      System.arraycopy(b, 0, tokens, 6, 3);
      int[] targets = {7, 3, 39, -1, 22, -100, 5, 9, -1};
      Decoder.Loss l = d.loss(new int[] {6, 3}, tokens, targets, false, 1f);
      float[] logits = d.logits(new int[] {6, 3}, tokens);
      double want = 0;
      int count = 0;
      for (int t = 0; t < 9; t++) {
        if (targets[t] < 0) continue;
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < VOCAB; v++) max = Math.max(max, logits[t * VOCAB + v]);
        double z = 0;
        for (int v = 0; v < VOCAB; v++) z += Math.exp(logits[t * VOCAB + v] - max);
        want += max + Math.log(z) - logits[t * VOCAB + targets[t]];
        count++;
      }
      assertEquals(count, l.count());
      assertEquals(want, l.sum(), 1e-5 * want);
      assertEquals(want / count, l.mean(), 1e-5 * want / count);

      int sa = cache.addSequence();
      int sb = cache.addSequence();
      float[] step = d.step(cache, new int[] {sb, sa}, new int[] {3, 6}, concat(b, a));
      assertClose(row(d.logits(new int[] {3}, b), 2), java.util.Arrays.copyOf(step, VOCAB));
      assertClose(
          row(d.logits(new int[] {6}, a), 5), java.util.Arrays.copyOfRange(step, VOCAB, 2 * VOCAB));
      float[] next = d.step(cache, new int[] {sa}, new int[] {1}, new int[] {11});
      assertClose(row(d.logits(new int[] {7}, concat(a, new int[] {11})), 6), next);
      assertEquals(new KvCache.Usage(32, 64, 32, 2), cache.usage());
      MosException twice = assertThrows(
          MosException.class,
          () -> d.step(cache, new int[] {sa, sa}, new int[] {1, 1}, new int[] {1, 2}));
      assertTrue(twice.getMessage().contains("twice"), twice.getMessage());
      assertEquals(7, cache.sequenceLength(sa), "a refused step changes nothing");
      MosException lengths = assertThrows(
          MosException.class, () -> d.step(cache, new int[] {sa}, new int[] {2}, new int[] {1}));
      assertEquals(Status.SHAPE_MISMATCH, lengths.status());
      assertThrows(MosException.class, () -> cache.removeSequence(99));
    }
  }

  @Test
  void baseTrainingStepsAgainstFiniteDifferencesAndWeightsReadBack() {
    try (MosContext ctx = MosContext.cpu();
        Decoder d = random(ctx, DType.F32, 3)) {
      float[] norm = new float[16];
      for (int i = 0; i < 16; i++) norm[i] = 1f + 0.01f * i;
      d.setWeight("model.norm.weight", 1, 16, norm);
      assertArrayEquals(
          norm, d.weight("model.norm.weight", 1, 16), "F32 storage reads back exactly");
      assertEquals(
          Status.SHAPE_MISMATCH,
          assertThrows(MosException.class, () -> d.weight("model.norm.weight", 1, 15))
              .status());
      assertEquals(
          Status.INVALID_STATE,
          assertThrows(MosException.class, d::baseZeroGrad).status());

      int[] tokens = {1, 7, 3, 39, 0, 22, 5};
      int[] targets = {7, 3, 39, 0, 22, 5, -1};
      int[] lengths = {7};
      String name = "model.layers.1.mlp.up_proj.weight";
      float[] w = d.weight(name, 24, 16);
      // the sign of d(loss)/dw for a few elements, by central differences in double
      int[] elems = {0, 17, 200, 383};
      double[] grad = new double[elems.length];
      for (int j = 0; j < elems.length; j++) {
        float[] p = w.clone();
        float h = 1e-2f;
        p[elems[j]] = w[elems[j]] + h;
        d.setWeight(name, 24, 16, p);
        double up = d.loss(lengths, tokens, targets, false, 1f).sum();
        p[elems[j]] = w[elems[j]] - h;
        d.setWeight(name, 24, 16, p);
        double down = d.loss(lengths, tokens, targets, false, 1f).sum();
        grad[j] = (up - down) / (2 * h);
      }
      d.setWeight(name, 24, 16, w);
      d.setBaseTrainable(true);
      d.baseZeroGrad();
      d.loss(lengths, tokens, targets, true, 1f);
      float lr = 1e-3f;
      double gnorm = d.baseStep(lr, 0.9f, 0.999f, 1e-8f, 0f, 0f);
      assertTrue(gnorm > 0 && Double.isFinite(gnorm), "norm " + gnorm);
      float[] after = d.weight(name, 24, 16);
      for (int j = 0; j < elems.length; j++) {
        // AdamW's first step moves every weight by lr * g / (|g| + eps): -lr * sign(g)
        if (Math.abs(grad[j]) < 1e-4) continue;
        assertEquals(
            w[elems[j]] - lr * Math.signum(grad[j]),
            after[elems[j]],
            1e-6,
            "element " + elems[j] + ", finite-difference gradient " + grad[j]);
      }
    }
    try (MosContext ctx = MosContext.cpu();
        Decoder d = random(ctx, DType.BF16, 3)) {
      assertEquals(
          Status.UNSUPPORTED,
          assertThrows(MosException.class, () -> d.setBaseTrainable(true)).status());
    }
  }

  @Test
  void greedySamplingIsTheArgmaxWithTheLowestIdOnTies() {
    float[] logits = {0.5f, 2f, -1f, 2f, Float.NEGATIVE_INFINITY};
    Sampling.Draw d = Sampling.greedy().sample(logits, 0);
    assertEquals(1, d.token());
    double z = 0;
    for (float x : logits) z += Math.exp(x);
    assertEquals(2 - Math.log(z), d.logprob(), 1e-6);
    assertEquals(
        3, Sampling.greedy().sample(new float[] {9, 0, 0, 1, 2}, 1, 4, 0).token());
    // Top-k 1 keeps only the argmax, whatever the temperature and draw.
    for (long c = 0; c < 20; c++) {
      assertEquals(1, new Sampling(5f, 1, 1f, c).sample(logits, c).token());
    }
    assertThrows(MosException.class, () -> new Sampling(1f, 0, 0f, 0));
    assertThrows(MosException.class, () -> new Sampling(Float.NaN, 0, 1f, 0));
    MosException nan = assertThrows(
        MosException.class, () -> Sampling.greedy().sample(new float[] {1, Float.NaN}, 0));
    assertEquals(Status.INVALID_ARGUMENT, nan.status());
  }

  @Test
  void generateCallsBackInOrderAndSurvivesAThrowingCallback() {
    try (MosContext ctx = MosContext.cpu();
        Decoder d = random(ctx, DType.BF16, 2)) {
      List<Decoder.GenerateRequest> reqs = List.of(
          new Decoder.GenerateRequest(new int[] {1, 2, 3}, 6, Sampling.greedy(), null, -1),
          new Decoder.GenerateRequest(new int[] {4}, 4, Sampling.temperature(1f, 9), null, -1));
      List<List<Integer>> seen = List.of(new ArrayList<>(), new ArrayList<>());
      int[][] out = d.generate(null, reqs, (r, t) -> {
        seen.get(r).add(t);
        return false;
      });
      assertEquals(6, out[0].length);
      assertEquals(4, out[1].length);
      for (int r = 0; r < 2; r++) {
        assertEquals(java.util.Arrays.stream(out[r]).boxed().toList(), seen.get(r));
      }
      // Greedy by hand through the logits: the same ids.
      int[] ctxIds = {1, 2, 3};
      for (int t = 0; t < 6; t++) {
        float[] l = d.logits(new int[] {ctxIds.length}, ctxIds);
        int id =
            Sampling.greedy().sample(l, (ctxIds.length - 1) * VOCAB, VOCAB, t).token();
        assertEquals(out[0][t], id, "step " + t);
        ctxIds = concat(ctxIds, new int[] {id});
      }
      RuntimeException boom = assertThrows(
          RuntimeException.class,
          () -> d.generate(null, reqs, (r, t) -> {
            throw new RuntimeException("boom");
          }));
      assertEquals("boom", boom.getMessage());
      MosException reenter = assertThrows(
          MosException.class,
          () -> d.generate(null, reqs, (r, t) -> d.logits(new int[] {1}, new int[] {1}) == null));
      assertEquals(Status.INVALID_STATE, reenter.status());
      assertArrayEquals(out[0], d.generate(null, reqs.subList(0, 1), null)[0], "still usable");
      MosException tooLong = assertThrows(
          MosException.class,
          () -> d.generate(
              null,
              List.of(new Decoder.GenerateRequest(new int[] {1}, 60, Sampling.greedy(), null, -1)),
              null));
      assertTrue(tooLong.getMessage().contains("48"), tooLong.getMessage());
    }
  }

  @Test
  void attachedPoolsMergeAndLifetimes() {
    MosContext ctx = MosContext.cpu();
    Decoder d = random(ctx, DType.F32, 3);
    ShardPool pool = ShardPool.create(ctx, 16, 8, 2, Fixture.cfg(2, 1, 0, 2));
    pool.init(4);
    pool.generateIndices(4);
    pool.write(
        PoolArray.POOL_B,
        Fixture.random(new SplittableRandom(5), pool.size(PoolArray.POOL_B), 0.5f));
    int[] seq = {3, 1, 4, 1, 5};
    float[] base = d.logits(new int[] {5}, seq);
    d.attachPool("v_proj", pool);
    assertEquals(List.of("v_proj"), List.copyOf(d.attachedPools().keySet()));
    float[] adapted = d.logits(new int[] {5}, seq);
    assertFalse(java.util.Arrays.equals(base, adapted));
    d.merge();
    assertTrue(d.isMerged());
    assertClose(adapted, d.logits(new int[] {5}, seq));
    assertThrows(MosException.class, d::merge);
    d.unmerge();
    try (ShardPool square = ShardPool.create(ctx, 16, 16, 2, Fixture.cfg(2, 1, 0, 2))) {
      MosException wrong = assertThrows(MosException.class, () -> d.attachPool("k_proj", square));
      assertEquals(Status.SHAPE_MISMATCH, wrong.status());
    }
    d.detachPool("v_proj");
    assertClose(base, d.logits(new int[] {5}, seq)); // W + delta - delta: W to rounding

    MosLinear.DropoutState s = new MosLinear.DropoutState(7, 3);
    d.setDropoutState(s.seed(), s.counter());
    assertEquals(s, d.dropoutState());

    KvCache cache = d.newKvCache(16);
    d.close();
    ctx.close();
    pool.close();
    assertThrows(MosClosedException.class, () -> d.logits(new int[] {1}, new int[] {1}));
    int id = cache.addSequence(); // the cache keeps the native decoder alive
    assertEquals(0, cache.sequenceLength(id));
    assertFalse(ctx.nativeFreed());
    cache.close();
    assertTrue(ctx.nativeFreed());
    assertThrows(MosClosedException.class, cache::addSequence);
  }

  static float[] row(float[] logits, int t) {
    return java.util.Arrays.copyOfRange(logits, t * VOCAB, (t + 1) * VOCAB);
  }

  static int[] concat(int[] a, int[] b) {
    int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  static void assertClose(float[] want, float[] got) {
    assertEquals(want.length, got.length);
    double scale = 1;
    for (float w : want) scale = Math.max(scale, Math.abs(w));
    for (int i = 0; i < want.length; i++) {
      assertEquals(want[i], got[i], 1e-5 * scale, "element " + i);
    }
  }
}
