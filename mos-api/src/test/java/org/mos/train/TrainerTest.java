// SPDX-License-Identifier: Apache-2.0
// Trainer on a toy regression through two chained MoS layers (dropout on): the schedule and the
// clipping the optimizer really sees, checkpoints that resume to the bit-identical loss curve
// (new context, model, task and trainer; the fresh model even has another seed), checkpoint
// rotation, and clear errors for a mismatching or broken checkpoint.
package org.mos.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.AdamW;
import org.mos.MosConfig;
import org.mos.MosContext;
import org.mos.MosLinear;
import org.mos.MosModel;
import org.mos.PoolArray;
import org.mos.io.MosAdapter;
import org.mos.io.MosFileException;

class TrainerTest {
  static final int D = 8;
  static final int ROWS = 6;
  static final int LAYERS = 2;

  /** y = L1(L0(x)) against a fixed random linear target; mean squared error / 2. */
  static final class Regression implements TrainingTask {
    final MosLinear l0;
    final MosLinear l1;
    final float[] target = new float[D * D];
    final float[] evalX = new float[ROWS * D];
    final double gradScale;

    Regression(MosModel model, double gradScale) {
      this.gradScale = gradScale;
      Rng fixed = new Rng(99);
      for (int i = 0; i < target.length; i++) {
        target[i] = (float) fixed.nextGaussian();
      }
      for (int i = 0; i < evalX.length; i++) {
        evalX[i] = (float) fixed.nextGaussian();
      }
      float[] w0 = new float[D * D];
      float[] w1 = new float[D * D];
      for (int i = 0; i < w0.length; i++) {
        w0[i] = (float) (0.3 * fixed.nextGaussian());
        w1[i] = (float) (0.3 * fixed.nextGaussian());
      }
      l0 = model.attach("proj", 0, w0, null);
      l1 = model.attach("proj", 1, w1, null);
    }

    double loss(float[] x, boolean train) {
      float[] h = l0.forward(x, ROWS, train);
      float[] y = l1.forward(h, ROWS, train);
      float[] want = new float[ROWS * D];
      for (int b = 0; b < ROWS; b++) {
        for (int o = 0; o < D; o++) {
          float s = 0;
          for (int i = 0; i < D; i++) {
            s += x[b * D + i] * target[o * D + i];
          }
          want[b * D + o] = s;
        }
      }
      double loss = 0;
      float[] dy = new float[ROWS * D];
      for (int i = 0; i < dy.length; i++) {
        float e = y[i] - want[i];
        loss += 0.5 * e * e / ROWS;
        dy[i] = (float) (gradScale * e / ROWS);
      }
      if (train) {
        float[] dh = l1.backward(h, dy, ROWS);
        l0.backward(x, dh, ROWS);
      }
      return loss;
    }

    @Override
    public double trainStep(long step, Rng rng) {
      float[] x = new float[ROWS * D];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) rng.nextGaussian();
      }
      return loss(x, true);
    }

    @Override
    public double evalLoss() {
      return loss(evalX, false);
    }
  }

  static MosModel model(MosContext ctx, long seed) {
    MosConfig c = MosConfig.builder()
        .rank(3)
        .equivalentRank(2)
        .privateRank(1)
        .shardsPerVector(2)
        .alpha(8)
        .dropout(0.1f)
        .seed(seed)
        .build();
    MosModel m = MosModel.create(ctx, c, LAYERS, AdamW.builder().lr(1e-2f));
    m.addPool("proj", D, D);
    return m;
  }

  static TrainerConfig.Builder config() {
    return TrainerConfig.builder()
        .learningRate(2e-2)
        .totalSteps(40)
        .evalEvery(5)
        .seed(1234);
  }

  @Test
  void scheduleAndDefaultClippingReachTheOptimizer() {
    try (MosContext ctx = MosContext.cpu();
        MosModel m = model(ctx, 3)) {
      Regression task = new Regression(m, 1000.0); // huge gradients: clipping must act
      TrainerConfig cfg = config().totalSteps(10).evalEvery(0).build();
      assertEquals(0.3, cfg.maxGradNorm(), 0.0, "default clipping threshold");
      Trainer t = Trainer.builder(m).config(cfg).build();
      List<Double> clippedNorms = new ArrayList<>();
      List<Float> optimizerLrs = new ArrayList<>();
      t.addListener(new TrainingListener() {
        @Override
        public void onStep(StepRecord r) {
          double n2 = 0;
          for (PoolArray a : new PoolArray[] {PoolArray.GRAD_A, PoolArray.GRAD_B}) {
            for (float g : m.pool("proj").read(a)) {
              n2 += (double) g * g;
            }
          }
          clippedNorms.add(Math.sqrt(n2));
          optimizerLrs.add(m.optimizer().lr());
          assertTrue(r.gradNorm() > 0.3 || r.step() == 1, "pre-clip norm is reported: " + r);
        }
      });
      TrainingResult r = t.run(task);
      assertEquals(10, r.steps());
      for (int i = 1; i < clippedNorms.size(); i++) {
        assertTrue(clippedNorms.get(i) <= 0.3 * (1 + 1e-5), "clipped norm " + clippedNorms.get(i));
      }
      LinearSchedule s = cfg.schedule();
      for (int i = 0; i < 10; i++) {
        assertEquals((float) s.lrAt(i), optimizerLrs.get(i), 0f, "lr of step " + i);
        assertEquals(s.lrAt(i), r.train().get(i).lr(), 0.0);
      }
      assertEquals(10, m.optimizer().stepCount());
      assertEquals(2, r.eval().size(), "at the start and after the last step");
      assertEquals(0, r.eval().get(0).step());
      assertEquals(10, r.eval().get(1).step());
    }
  }

  @Test
  void resumeReproducesTheUninterruptedRunBitForBit(@TempDir Path tmp) {
    int n = 20;
    TrainingResult straight;
    float[][] straightPools;
    try (MosContext ctx = MosContext.cpu();
        MosModel m = model(ctx, 7)) {
      Regression task = new Regression(m, 1.0);
      Trainer t = Trainer.builder(m).config(config().totalSteps(2L * n).build()).build();
      straight = t.run(task);
      straightPools = new float[][] {
        m.pool("proj").read(PoolArray.POOL_A), m.pool("proj").read(PoolArray.POOL_B)
      };
      assertTrue(straight.finalEvalLoss() < straight.eval().get(0).loss(), "it learns");
    }
    Path ckpt = tmp.resolve("ckpt");
    try (MosContext ctx = MosContext.cpu();
        MosModel m = model(ctx, 7)) {
      Regression task = new Regression(m, 1.0);
      Trainer t = Trainer.builder(m).config(config().totalSteps(2L * n).build()).build();
      t.runUntil(task, n);
      assertEquals(n, t.step());
      t.saveCheckpoint(ckpt, task);
    }
    try (MosContext ctx = MosContext.cpu();
        MosModel m = model(ctx, 555)) { // other seed: all restored
      Regression task = new Regression(m, 1.0);
      TrainerConfig saved = Checkpoint.readConfig(ckpt);
      assertEquals(config().totalSteps(2L * n).build(), saved);
      Trainer t = Trainer.builder(m).config(saved).build();
      t.resume(ckpt, task);
      assertEquals(n, t.step());
      assertEquals(n, m.optimizer().stepCount());
      TrainingResult resumed = t.run(task);
      assertEquals(2L * n, resumed.steps());
      assertEquals(straight.train().size(), resumed.train().size());
      for (int i = 0; i < straight.train().size(); i++) {
        assertEquals(
            Double.doubleToLongBits(straight.train().get(i).loss()),
            Double.doubleToLongBits(resumed.train().get(i).loss()),
            "train loss of step " + (i + 1));
        assertEquals(
            Double.doubleToLongBits(straight.train().get(i).gradNorm()),
            Double.doubleToLongBits(resumed.train().get(i).gradNorm()),
            "grad norm of step " + (i + 1));
      }
      assertEquals(straight.eval(), resumed.eval(), "eval curve");
      assertArrayEquals(straightPools[0], m.pool("proj").read(PoolArray.POOL_A), "pool_A");
      assertArrayEquals(straightPools[1], m.pool("proj").read(PoolArray.POOL_B), "pool_B");
    }
  }

  @Test
  void withoutTheDropoutStateTheCurveWouldDiffer(@TempDir Path tmp) {
    // guards the test above: resuming matters, a fresh model does not reproduce the curve
    try (MosContext ctx = MosContext.cpu();
        MosModel a = model(ctx, 7);
        MosModel b = model(ctx, 555)) {
      TrainingResult ra =
          Trainer.builder(a).config(config().build()).build().run(new Regression(a, 1.0));
      TrainingResult rb =
          Trainer.builder(b).config(config().build()).build().run(new Regression(b, 1.0));
      assertNotEquals(ra.train().get(5).loss(), rb.train().get(5).loss());
    }
  }

  @Test
  void periodicCheckpointsRotateAndHoldTheAdapter(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("run");
    try (MosContext ctx = MosContext.cpu();
        MosModel m = model(ctx, 1)) {
      Regression task = new Regression(m, 1.0);
      List<Long> saved = new ArrayList<>();
      Trainer t = Trainer.builder(m)
          .config(config().totalSteps(12).checkpointEvery(5).checkpointDir(dir).build())
          .modulePath("proj", "model.layers.{layer}.mlp.proj")
          .baseModel("toy")
          .listener(new TrainingListener() {
            @Override
            public void onCheckpoint(long step, Path d) {
              saved.add(step);
            }
          })
          .build();
      t.run(task);
      assertEquals(List.of(5L, 10L, 12L), saved);
      try (Stream<Path> s = Files.list(dir)) {
        assertEquals(
            List.of("checkpoint-00000010", "checkpoint-00000012"),
            s.map(p -> p.getFileName().toString()).sorted().toList(),
            "two kept, no temporaries");
      }
      Path latest = Checkpoint.latest(dir);
      assertEquals("checkpoint-00000012", latest.getFileName().toString());
      MosAdapter adapter = MosAdapter.load(latest.resolve(Checkpoint.ADAPTER_DIR));
      assertEquals("toy", adapter.config().baseModel());
      assertEquals(
          "model.layers.{layer}.mlp.proj", adapter.config().pool("proj").modulePath());
      assertArrayEquals(
          m.pool("proj").read(PoolArray.POOL_A), adapter.pool("proj").poolA());
      assertArrayEquals(
          m.pool("proj").indicesB(1),
          adapter.pool("proj").indexB(1, m.pool("proj").indexLength()));
      // saving over an existing checkpoint replaces it
      t.saveCheckpoint(latest, task);
      assertTrue(Files.isRegularFile(latest.resolve(Checkpoint.STATE_FILE)));
    }
  }

  @Test
  void mismatchingOrBrokenCheckpointsAreClearErrors(@TempDir Path tmp) throws Exception {
    Path ckpt = tmp.resolve("c");
    try (MosContext ctx = MosContext.cpu();
        MosModel m = model(ctx, 1)) {
      Regression task = new Regression(m, 1.0);
      Trainer t = Trainer.builder(m).config(config().build()).build();
      t.runUntil(task, 3);
      t.saveCheckpoint(ckpt, task);
    }
    try (MosContext ctx = MosContext.cpu();
        MosModel m = model(ctx, 1)) {
      Regression task = new Regression(m, 1.0);
      Trainer other =
          Trainer.builder(m).config(config().learningRate(0.5).build()).build();
      MosFileException e = assertThrows(MosFileException.class, () -> other.resume(ckpt, task));
      assertTrue(e.getMessage().contains("learningRate=0.5"), e.getMessage());
      assertEquals(0, other.step(), "nothing changed");

      Trainer t = Trainer.builder(m).config(config().build()).build();
      Files.delete(ckpt.resolve(Checkpoint.OPTIMIZER_FILE));
      MosFileException missing = assertThrows(MosFileException.class, () -> t.resume(ckpt, task));
      assertTrue(missing.getMessage().contains(Checkpoint.OPTIMIZER_FILE), missing.getMessage());
      assertThrows(MosFileException.class, () -> t.resume(tmp.resolve("nowhere"), task));
      Files.writeString(ckpt.resolve(Checkpoint.STATE_FILE), "{\"format\": \"something else\"}");
      assertThrows(MosFileException.class, () -> t.resume(ckpt, task));
      assertFalse(Files.exists(tmp.resolve("nowhere")));
    }
  }
}
