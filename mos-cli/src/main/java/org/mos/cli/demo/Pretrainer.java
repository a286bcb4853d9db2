// SPDX-License-Identifier: Apache-2.0
// Pretrainer: trains every weight of the demo's base model on the pretraining domain (AdamW in
// plain Java over the base's arrays, the dense products through Dense).
package org.mos.cli.demo;

import org.mos.train.LinearSchedule;
import org.mos.train.Rng;

/** Full-weight pretraining of a {@link LmConfig} model; deterministic for a given seed. */
public final class Pretrainer {
  /** Progress of pretraining, once per step. */
  public interface Listener {
    void onStep(int step, int total, double loss);
  }

  private static final double BETA1 = 0.9;
  private static final double BETA2 = 0.99;
  private static final double EPS = 1e-8;
  private static final double WEIGHT_DECAY = 0.01;
  private static final double CLIP = 1.0;

  private Pretrainer() {}

  /** Pretrain a fresh model on {@code train} for cfg.pretrainSteps() steps; returns the weights. */
  public static BaseWeights pretrain(LmConfig cfg, TextData train, Dense dense, long seed,
      Listener listener) {
    BaseWeights w = BaseWeights.init(cfg, seed);
    BaseWeights grad = new BaseWeights(cfg);
    BaseWeights m = new BaseWeights(cfg);
    BaseWeights v = new BaseWeights(cfg);
    CharLm lm = CharLm.dense(w, grad, dense, cfg.batch());
    Rng rng = new Rng(Rng.mix(seed, 1));
    int n = cfg.batch();
    int[] ctx = new int[n * cfg.context()];
    int[] tgt = new int[n];
    LinearSchedule sched = LinearSchedule.withWarmupFraction(cfg.pretrainLr(), cfg.pretrainSteps(), 0.05);
    float[][] ws = w.tensors().values().toArray(new float[0][]);
    float[][] gs = grad.tensors().values().toArray(new float[0][]);
    float[][] ms = m.tensors().values().toArray(new float[0][]);
    float[][] vs = v.tensors().values().toArray(new float[0][]);
    for (int step = 0; step < cfg.pretrainSteps(); step++) {
      grad.zero();
      train.sample(rng, n, ctx, tgt);
      double loss = lm.forward(ctx, tgt, n, true) / n;
      lm.backward();
      double norm2 = 0;
      for (float[] gg : gs) {
        for (float x : gg) {
          norm2 += (double) x * x;
        }
      }
      double norm = Math.sqrt(norm2);
      double scale = norm > CLIP ? CLIP / (norm + 1e-6) : 1.0;
      double lr = sched.lrAt(step);
      int t = step + 1;
      double bc1 = 1 - Math.pow(BETA1, t);
      double bc2 = 1 - Math.pow(BETA2, t);
      for (int a = 0; a < ws.length; a++) {
        // no weight decay on gains, biases and embeddings
        boolean decay = ws[a] == w.head || isProjection(w, ws[a]);
        adamw(ws[a], gs[a], ms[a], vs[a], (float) scale, lr, bc1, bc2, decay ? WEIGHT_DECAY : 0);
      }
      if (listener != null) {
        listener.onStep(step + 1, cfg.pretrainSteps(), loss);
      }
    }
    return w;
  }

  private static boolean isProjection(BaseWeights w, float[] a) {
    for (int k = 0; k < w.cfg.layers(); k++) {
      if (a == w.up[k] || a == w.down[k]) {
        return true;
      }
    }
    return false;
  }

  private static void adamw(float[] p, float[] g, float[] m, float[] v, float scale, double lr,
      double bc1, double bc2, double wd) {
    float b1 = (float) BETA1;
    float b2 = (float) BETA2;
    float stepSize = (float) (lr / bc1);
    float ibc2 = (float) (1 / Math.sqrt(bc2));
    float decay = (float) (1 - lr * wd);
    float eps = (float) EPS;
    for (int i = 0; i < p.length; i++) {
      float gi = g[i] * scale;
      m[i] = b1 * m[i] + (1 - b1) * gi;
      v[i] = b2 * v[i] + (1 - b2) * gi * gi;
      p[i] = p[i] * decay - stepSize * m[i] / ((float) Math.sqrt(v[i]) * ibc2 + eps);
    }
  }
}
