// SPDX-License-Identifier: Apache-2.0
// The demo model's hand-written backward against central finite differences (float32 model:
// 3 % relative + 5e-4 absolute on the mean loss; a coordinate whose two step sizes disagree sits
// at a ReLU kink and is skipped, at most a quarter of them), the core's mos_gemm against
// the plain-Java product (all four transpose cases, 1e-4 relative), and the frozen-base model's
// first fine-tuning step equal to the base (pool B starts at 0).
package org.mos.cli.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.mos.MosConfig;
import org.mos.MosContext;
import org.mos.train.Rng;

class CharLmTest {
  static final LmConfig CFG = new LmConfig("t", 3, 2, 5, 2, 4, 1, 1e-3, 1000);

  @Test
  void backwardMatchesFiniteDifferences() {
    BaseWeights w = BaseWeights.init(CFG, 5);
    Rng rng = new Rng(9);
    for (float[] a : w.tensors().values()) { // non-trivial gains and bias too
      for (int i = 0; i < a.length; i++) {
        a[i] += (float) (0.1 * rng.nextGaussian());
      }
    }
    BaseWeights g = new BaseWeights(CFG);
    Dense dense = new JavaDense();
    CharLm lm = CharLm.dense(w, g, dense, 4);
    int[] ctx = new int[4 * 3];
    int[] tgt = new int[4];
    for (int i = 0; i < ctx.length; i++) {
      ctx[i] = rng.nextInt(Vocab.SIZE);
    }
    for (int i = 0; i < tgt.length; i++) {
      tgt[i] = rng.nextInt(Vocab.SIZE);
    }
    lm.forward(ctx, tgt, 4, true);
    lm.backward(); // gradient of the mean loss
    int checked = 0;
    int kinks = 0;
    for (var e : w.tensors().entrySet()) {
      float[] p = e.getValue();
      float[] gr = g.tensors().get(e.getKey());
      for (int k = 0; k < 4; k++) {
        int i = e.getKey().equals("embed") ? ctx[k] * CFG.embed() + k % CFG.embed() : rng.nextInt(p.length);
        double fd1 = centralDifference(lm, ctx, tgt, p, i, 2e-3f);
        double fd2 = centralDifference(lm, ctx, tgt, p, i, 1e-3f);
        if (Math.abs(fd1 - fd2) > 0.05 * Math.abs(fd2) + 2e-4) {
          kinks++;
          continue;
        }
        assertEquals(fd2, gr[i], 0.03 * Math.abs(fd2) + 5e-4, e.getKey() + "[" + i + "]");
        checked++;
      }
    }
    assertTrue(kinks * 3 <= checked, kinks + " kinks, " + checked + " checked");
    assertTrue(checked >= 20);
  }

  private static double centralDifference(CharLm lm, int[] ctx, int[] tgt, float[] p, int i, float h) {
    float old = p[i];
    p[i] = old + h;
    double up = lm.forward(ctx, tgt, 4, false) / 4;
    p[i] = old - h;
    double dn = lm.forward(ctx, tgt, 4, false) / 4;
    p[i] = old;
    return (up - dn) / (2 * h);
  }

  @Test
  void coreGemmEqualsJavaGemm() {
    Rng rng = new Rng(3);
    int m = 7;
    int n = 5;
    int k = 9;
    float[] a = new float[m * k];
    float[] b = new float[k * n];
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) rng.nextGaussian();
    }
    for (int i = 0; i < b.length; i++) {
      b[i] = (float) rng.nextGaussian();
    }
    try (MosContext ctx = MosContext.cpu(); CoreDense core = new CoreDense(ctx)) {
      Dense java = new JavaDense();
      for (int variant = 0; variant < 4; variant++) {
        boolean ta = (variant & 1) != 0;
        boolean tb = (variant & 2) != 0;
        float[] c1 = new float[m * n];
        float[] c2 = new float[m * n];
        for (int i = 0; i < c1.length; i++) {
          c1[i] = c2[i] = (float) rng.nextGaussian();
        }
        // the same numbers, laid out as each variant expects
        float[] aa = ta ? JavaDense.transpose(a, m, k) : a;
        float[] bb = tb ? JavaDense.transpose(b, k, n) : b;
        core.gemm(ta, tb, m, n, k, 0.5f, aa, bb, 2f, c1);
        java.gemm(ta, tb, m, n, k, 0.5f, aa, bb, 2f, c2);
        for (int i = 0; i < c1.length; i++) {
          assertEquals(c2[i], c1[i], 1e-4 * (1 + Math.abs(c2[i])), "variant " + variant + " at " + i);
        }
      }
      assertTrue(core.name().startsWith("mos_gemm"));
    }
  }

  @Test
  void adaptedModelStartsAtTheBase() {
    LmConfig cfg = LmConfig.tiny();
    BaseWeights w = BaseWeights.init(cfg, 2);
    byte[] text = new byte[5000];
    Rng rng = new Rng(4);
    for (int i = 0; i < text.length; i++) {
      text[i] = (byte) rng.nextInt(Vocab.SIZE);
    }
    TextData d = TextData.whole(text, cfg.context());
    int[] pos = d.evalPositions(64, cfg.batch());
    try (MosContext ctx = MosContext.cpu(); CoreDense dense = new CoreDense(ctx)) {
      double base = CharLm.dense(w, null, dense, cfg.batch()).evalBits(d, pos);
      MosConfig mos = Method.mos(8, 2, 1, 2).config(16, 0.1f, 0);
      try (AdaptedLm lm = new AdaptedLm(ctx, w, mos, dense, d, d, pos)) {
        assertEquals(base, lm.evalLoss(), 1e-5, "pool_B = 0: the adapted model is the base");
        assertEquals(2L * cfg.layers() * 2 * (cfg.width() + cfg.hidden()), lm.model().trainableParameters());
        double loss = lm.trainStep(0, new Rng(1));
        assertTrue(loss > 0 && Double.isFinite(loss));
      }
    }
  }
}
