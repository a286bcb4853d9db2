// SPDX-License-Identifier: Apache-2.0
// Training safety: a NaN or infinite loss, a NaN or infinite gradient, or an update that leaves the
// pools non-finite stops training with a TrainingDivergedException naming the step; the pools keep
// the last good step's values (checked bit for bit against an uninterrupted run of the same seed
// stopped one step earlier), no checkpoint is written for the bad step, and the checkpoints
// written before stay byte-identical and resumable.
package org.mos.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mos.MosContext;
import org.mos.MosModel;
import org.mos.PoolArray;
import org.mos.ShardPool;
import org.mos.Status;
import org.mos.io.MosAdapter;

class TrainingSafetyTest {
  /** What goes wrong at the bad step. */
  enum Fault {
    NAN_LOSS,
    INF_LOSS,
    NAN_GRADIENT,
    INF_GRADIENT,
    POOL_OVERFLOW
  }

  /** The regression task, broken at one step (0-based) in the way {@code fault} says. */
  static final class Faulty implements TrainingTask {
    final TrainerTest.Regression inner;
    final MosModel model;
    final long badStep;
    final Fault fault;

    Faulty(MosModel model, long badStep, Fault fault) {
      this.inner = new TrainerTest.Regression(model, 1.0);
      this.model = model;
      this.badStep = badStep;
      this.fault = fault;
    }

    @Override
    public double trainStep(long step, Rng rng) {
      double loss = inner.trainStep(step, rng);
      if (step != badStep) return loss;
      ShardPool pool = model.pool("proj");
      switch (fault) {
        case NAN_LOSS -> loss = Double.NaN;
        case INF_LOSS -> loss = Double.POSITIVE_INFINITY;
        case NAN_GRADIENT -> badGradient(Float.NaN);
        case INF_GRADIENT -> badGradient(Float.NEGATIVE_INFINITY);
        case POOL_OVERFLOW -> overflowingMoments(pool);
      }
      return loss;
    }

    // A non-finite dy from the data path: one more forward and backward of block 0 whose dy holds
    // one NaN or infinity, which reaches the pool gradients (libmos refuses non-finite values
    // written into the pools directly).
    private void badGradient(float value) {
      float[] x = inner.evalX;
      float[] dy = new float[x.length];
      dy[dy.length / 2] = value;
      inner.l0.forward(x, TrainerTest.ROWS, true);
      inner.l0.backward(x, dy, TrainerTest.ROWS);
    }

    // Finite moments that make the next AdamW update overflow: m = Float.MAX_VALUE with v = 0
    // gives a step of about lr * MAX / eps.
    private static void overflowingMoments(ShardPool pool) {
      float[] m = pool.read(PoolArray.ADAM_M_A);
      float[] v = pool.read(PoolArray.ADAM_V_A);
      m[m.length / 2] = Float.MAX_VALUE;
      v[v.length / 2] = 0f;
      pool.write(PoolArray.ADAM_M_A, m);
      pool.write(PoolArray.ADAM_V_A, v);
    }

    @Override
    public double evalLoss() {
      return inner.evalLoss();
    }
  }

  @ParameterizedTest
  @EnumSource(Fault.class)
  void aNonFiniteStepStopsTrainingAndKeepsTheLastGoodCheckpoint(Fault fault, @TempDir Path tmp)
      throws IOException {
    // Checkpoints after steps 5 and 10; the fault is in step 12 (1-based) -- for POOL_OVERFLOW
    // in step 15, where a checkpoint is due and finds the pools non-finite.
    long badStep = fault == Fault.POOL_OVERFLOW ? 14 : 11;
    Path ckpts = tmp.resolve("ckpt");
    TrainerConfig cfg = TrainerTest.config()
        .totalSteps(40)
        .evalEvery(0)
        .checkpointDir(ckpts)
        .checkpointEvery(5)
        .keepCheckpoints(0)
        .build();
    Map<Path, byte[]> written = new TreeMap<>();
    float[][] pools;
    try (MosContext ctx = MosContext.cpu();
        MosModel m = TrainerTest.model(ctx, 3)) {
      Trainer t = Trainer.builder(m).config(cfg).build();
      t.addListener(new TrainingListener() {
        @Override
        public void onCheckpoint(long step, Path dir) {
          written.putAll(contents(dir));
        }
      });
      TrainingDivergedException e =
          assertThrows(TrainingDivergedException.class, () -> t.run(new Faulty(m, badStep, fault)));
      assertEquals(Status.INVALID_STATE, e.status());
      assertEquals(badStep + 1, e.step());
      String msg = e.getMessage();
      assertTrue(msg.startsWith("training diverged at step " + (badStep + 1) + ": "), msg);
      switch (fault) {
        case NAN_LOSS -> assertTrue(msg.contains("the training loss is NaN"), msg);
        case INF_LOSS -> assertTrue(msg.contains("the training loss is Infinity"), msg);
        case NAN_GRADIENT, INF_GRADIENT -> assertTrue(msg.contains("the gradient norm is"), msg);
        case POOL_OVERFLOW ->
          assertTrue(msg.contains("after the update") && msg.contains("finite"), msg);
      }
      Path lastGood = ckpts.resolve("checkpoint-00000010");
      assertEquals(lastGood, e.lastGoodCheckpoint().orElseThrow());
      assertTrue(msg.contains(lastGood.toString()), msg);
      assertEquals(
          fault == Fault.POOL_OVERFLOW ? badStep + 1 : badStep,
          t.step(),
          "steps done: the bad one is not counted unless its update was applied");
      pools = new float[][] {
        m.pool("proj").read(PoolArray.POOL_A), m.pool("proj").read(PoolArray.POOL_B)
      };
    }
    // No checkpoint for the bad step, no temporary leftovers; the earlier ones byte-identical.
    try (Stream<Path> s = Files.list(ckpts)) {
      assertEquals(
          java.util.List.of("checkpoint-00000005", "checkpoint-00000010"),
          s.map(p -> p.getFileName().toString()).sorted().toList());
    }
    Map<Path, byte[]> now = new TreeMap<>();
    for (String c : new String[] {"checkpoint-00000005", "checkpoint-00000010"}) {
      now.putAll(contents(ckpts.resolve(c)));
    }
    assertEquals(written.keySet(), now.keySet());
    for (Path p : written.keySet()) assertArrayEquals(written.get(p), now.get(p), p.toString());
    MosAdapter.load(ckpts.resolve("checkpoint-00000010").resolve(Checkpoint.ADAPTER_DIR));

    if (fault != Fault.POOL_OVERFLOW) {
      // The pools hold exactly what an uninterrupted run has after badStep steps.
      try (MosContext ctx = MosContext.cpu();
          MosModel m = TrainerTest.model(ctx, 3)) {
        Trainer t = Trainer.builder(m)
            .config(TrainerTest.config().totalSteps(40).evalEvery(0).build())
            .build();
        t.runUntil(new TrainerTest.Regression(m, 1.0), badStep);
        assertArrayEquals(m.pool("proj").read(PoolArray.POOL_A), pools[0]);
        assertArrayEquals(m.pool("proj").read(PoolArray.POOL_B), pools[1]);
      }
    }
    // Resuming from the last good checkpoint works (and would diverge again at the same fault).
    try (MosContext ctx = MosContext.cpu();
        MosModel m = TrainerTest.model(ctx, 77)) {
      Trainer t = Trainer.builder(m)
          .config(TrainerTest.config().totalSteps(40).evalEvery(0).build())
          .build();
      TrainerTest.Regression task = new TrainerTest.Regression(m, 1.0);
      t.resume(ckpts, task);
      assertEquals(10, t.step());
      assertFalse(Double.isNaN(t.runUntil(task, 12).train().getLast().loss()));
    }
  }

  /** A checkpoint whose trainer_state.json was edited: refused, and the trainer and model as before. */
  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(
      strings = {
        "train_history=[[1]]",
        "train_history=[5]",
        "train_history={\"a\":[1]}",
        "eval_history=[[]]",
        "eval_history=[[1,\"x\"]]",
        "rng_state=\"abc\"",
        "rng_state=1.5",
        "step=\"5\"",
        "step=-1",
        "step=1e30",
        "dropout=[]",
        "dropout={\"proj.0\":[\"x\",1]}",
        "train_seconds=\"fast\"",
        "task_state=5"
      })
  void aMalformedTrainerStateChangesNothing(String edit, @TempDir Path tmp) throws IOException {
    Path ckpt = tmp.resolve("ckpt");
    try (MosContext ctx = MosContext.cpu();
        MosModel m = TrainerTest.model(ctx, 3)) {
      Trainer t = Trainer.builder(m)
          .config(TrainerTest.config().totalSteps(40).evalEvery(0).build())
          .build();
      t.runUntil(new TrainerTest.Regression(m, 1.0), 5);
      t.saveCheckpoint(ckpt, null);
    }
    Path state = ckpt.resolve(Checkpoint.STATE_FILE);
    com.fasterxml.jackson.databind.node.ObjectNode root =
        (com.fasterxml.jackson.databind.node.ObjectNode)
            new com.fasterxml.jackson.databind.ObjectMapper().readTree(state.toFile());
    int eq = edit.indexOf('=');
    root.set(
        edit.substring(0, eq),
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(edit.substring(eq + 1)));
    Files.writeString(state, root.toString());
    try (MosContext ctx = MosContext.cpu();
        MosModel m = TrainerTest.model(ctx, 11)) {
      Trainer t = Trainer.builder(m)
          .config(TrainerTest.config().totalSteps(40).evalEvery(0).build())
          .build();
      TrainerTest.Regression task = new TrainerTest.Regression(m, 1.0);
      float[] before = m.pool("proj").read(PoolArray.POOL_A);
      org.mos.io.MosFileException e =
          assertThrows(org.mos.io.MosFileException.class, () -> t.resume(ckpt, task), edit);
      assertTrue(e.getMessage().startsWith(state + ": "), e.getMessage());
      assertFalse(e.getMessage().contains("\n"), e.getMessage());
      assertEquals(0, t.step(), edit);
      assertEquals(0, m.optimizer().stepCount(), edit);
      assertArrayEquals(before, m.pool("proj").read(PoolArray.POOL_A), edit + ": pools changed");
      assertTrue(t.trainHistory().isEmpty(), edit);
    }
  }

  private static Map<Path, byte[]> contents(Path dir) {
    Map<Path, byte[]> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) out.put(p, Files.readAllBytes(p));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }
}
