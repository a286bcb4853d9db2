// SPDX-License-Identifier: Apache-2.0
// AdamW and clipping vs a hand computation in double of torch.optim.AdamW's update and of
// clip_grad_norm_ (global over all pools, each once) at F32_OPTIMIZER (1e-6 normwise relative).
package org.mos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class AdamWTest {

  static final float LR = 0.05f;
  static final float B1 = 0.8f;
  static final float B2 = 0.95f;
  static final float EPS = 1e-6f;
  static final float WD = 0.1f;

  /** p, m, v of one array in double, updated by the documented formula. */
  static final class Ref {
    final double[] p;
    final double[] m;
    final double[] v;

    Ref(float[] p) {
      this.p = Oracle.d(p);
      this.m = new double[p.length];
      this.v = new double[p.length];
    }

    void step(float[] g, int t) {
      for (int i = 0; i < p.length; i++) {
        p[i] -= LR * WD * p[i];
        m[i] = B1 * m[i] + (1 - B1) * g[i];
        v[i] = B2 * v[i] + (1 - B2) * (double) g[i] * g[i];
        double mh = m[i] / (1 - Math.pow(B1, t));
        double vh = v[i] / (1 - Math.pow(B2, t));
        p[i] -= LR * mh / (Math.sqrt(vh) + EPS);
      }
    }
  }

  @Test
  void twoStepsMatchTheHandComputation() {
    try (Fixture f = new Fixture(61, 8, 12, 3, Fixture.cfg(4, 2, 1, 2));
        AdamW opt =
            AdamW.builder().lr(LR).betas(B1, B2).eps(EPS).weightDecay(WD).build(f.ctx)) {
      opt.addPool(f.pool);
      assertEquals(List.of(f.pool), opt.pools());
      Ref a = new Ref(f.pool.read(PoolArray.POOL_A));
      Ref b = new Ref(f.pool.read(PoolArray.POOL_B));
      for (int t = 1; t <= 2; t++) {
        float[] gA = f.random(f.pool.size(PoolArray.GRAD_A), 1);
        float[] gB = f.random(f.pool.size(PoolArray.GRAD_B), 1);
        f.pool.write(PoolArray.GRAD_A, gA);
        f.pool.write(PoolArray.GRAD_B, gB);
        opt.step();
        assertEquals(t, opt.stepCount());
        a.step(gA, t);
        b.step(gB, t);
        String ctx = f.describe() + ", step " + t;
        Tolerances.assertClose(
            "pool_A", f.pool.read(PoolArray.POOL_A), a.p, Tolerances.F32_OPTIMIZER, ctx);
        Tolerances.assertClose(
            "pool_B", f.pool.read(PoolArray.POOL_B), b.p, Tolerances.F32_OPTIMIZER, ctx);
        Tolerances.assertClose(
            "m_A", f.pool.read(PoolArray.ADAM_M_A), a.m, Tolerances.F32_OPTIMIZER, ctx);
        Tolerances.assertClose(
            "v_A", f.pool.read(PoolArray.ADAM_V_A), a.v, Tolerances.F32_OPTIMIZER, ctx);
        Tolerances.assertClose(
            "m_B", f.pool.read(PoolArray.ADAM_M_B), b.m, Tolerances.F32_OPTIMIZER, ctx);
        Tolerances.assertClose(
            "v_B", f.pool.read(PoolArray.ADAM_V_B), b.v, Tolerances.F32_OPTIMIZER, ctx);
      }
      opt.zeroGrad();
      for (float v : f.pool.read(PoolArray.GRAD_A)) {
        assertEquals(0f, v);
      }
    }
  }

  @Test
  void clipGradNormIsGlobalOverPoolsEachOnce() {
    try (MosContext ctx = MosContext.cpu();
        ShardPool p1 = ShardPool.create(ctx, 8, 12, 3, Fixture.cfg(4, 2, 1, 2));
        ShardPool p2 = ShardPool.create(ctx, 12, 8, 3, Fixture.cfg(4, 2, 1, 2));
        AdamW opt = AdamW.create(ctx)) {
      opt.addPool(p1);
      opt.addPool(p2);
      java.util.SplittableRandom rng = new java.util.SplittableRandom(62);
      float[][] grads = new float[4][];
      ShardPool[] owner = {p1, p1, p2, p2};
      PoolArray[] which = {PoolArray.GRAD_A, PoolArray.GRAD_B, PoolArray.GRAD_A, PoolArray.GRAD_B};
      double sq = 0;
      for (int i = 0; i < 4; i++) {
        grads[i] = Fixture.random(rng, owner[i].size(which[i]), 1);
        owner[i].write(which[i], grads[i]);
        for (float g : grads[i]) {
          sq += (double) g * g;
        }
      }
      double norm = Math.sqrt(sq);
      assertEquals(
          norm, opt.gradNorm(), norm * Tolerances.F32_OPTIMIZER * 10, "norm without clipping");
      for (int i = 0; i < 4; i++) {
        Tolerances.assertClose(
            "unclipped " + which[i], owner[i].read(which[i]), grads[i], 0, "max_norm 0");
      }
      double max = norm / 4;
      float reported = opt.clipGradNorm((float) max);
      assertEquals(norm, reported, norm * Tolerances.F32_OPTIMIZER * 10, "norm before clipping");
      double scale = max / (norm + 1e-6);
      for (int i = 0; i < 4; i++) {
        Tolerances.assertClose(
            "clipped " + which[i],
            owner[i].read(which[i]),
            Oracle.scaled(Oracle.d(grads[i]), scale),
            Tolerances.F32_OPTIMIZER,
            "max_norm " + max);
      }
      float small = opt.clipGradNorm(1e9f);
      assertEquals(max, small, max * 1e-5, "a norm under max_norm is not clipped");
    }
  }

  @Test
  void stepCountLrAndDuplicatePools() {
    try (Fixture f = new Fixture(63, 8, 8, 2, Fixture.cfg(2, 2, 1, 2));
        AdamW opt = AdamW.create(f.ctx)) {
      assertEquals(2e-4f, opt.lr());
      assertEquals(0.9f, opt.beta1());
      assertEquals(0.999f, opt.beta2());
      assertEquals(1e-8f, opt.eps());
      assertEquals(0f, opt.weightDecay());
      opt.setLr(1e-3f);
      assertEquals(1e-3f, opt.lr());
      opt.addPool(f.pool);
      MosException dup = assertThrows(MosException.class, () -> opt.addPool(f.pool));
      assertEquals(Status.INVALID_ARGUMENT, dup.status(), dup.getMessage());
      assertEquals(1, opt.pools().size());
      assertEquals(0, opt.stepCount());
      opt.setStepCount(41);
      opt.step();
      assertEquals(42, opt.stepCount());
    }
  }
}
