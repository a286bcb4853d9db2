// SPDX-License-Identifier: Apache-2.0
// LmTrainingTask and BestAdapterKeeper on the tiny 4-block model: a step with accumulation returns
// the mean NLL of its batches computed in double from the logits and leaves the gradient of that
// mean (the same examples in one loss call); the validation loss is the mean NLL over every
// validation example whatever the chunking; epochs roll over; a saved state restores the batch
// order and refuses other settings; the keeper saves only new lows.
package org.mos.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.MosContext;
import org.mos.MosException;
import org.mos.MosModel;
import org.mos.PoolArray;
import org.mos.ShardPool;
import org.mos.Status;
import org.mos.io.AdapterFormat;
import org.mos.io.SafeTensors.Dtype;
import org.mos.llm.data.Batch;
import org.mos.llm.data.Batches;
import org.mos.llm.data.DataFormat;
import org.mos.llm.data.DataStats;
import org.mos.llm.data.Dataset;
import org.mos.llm.data.Example;
import org.mos.llm.train.BestAdapterKeeper;
import org.mos.llm.train.LmTrainingTask;
import org.mos.train.Rng;
import org.mos.train.TrainingListener.EvalRecord;

class LmTrainingTaskTest {
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

  LlamaModel model() throws IOException {
    Path dir = LlamaModelTest.tiny(LlamaModelTest.config(), Dtype.F32, 11).write(tmp.resolve("m"));
    LlamaModel m = LlamaModel.load(ctx, dir, LlamaModelTest.F32);
    LlamaModelTest.randomize(m.attachNewAdapter(LlamaModelTest.MOS, LlamaModel.PROJECTIONS), 5);
    return m;
  }

  /** Random examples of 3 to 10 tokens, each with at least one target. */
  static List<Example> examples(int n, long seed) {
    Random rnd = new Random(seed);
    List<Example> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int len = 3 + rnd.nextInt(8);
      int[] t = new int[len];
      boolean[] mask = new boolean[len];
      for (int j = 0; j < len; j++) {
        t[j] = rnd.nextInt(32);
        mask[j] = j > 0 && (j == len - 1 || rnd.nextBoolean());
      }
      out.add(new Example(t, mask));
    }
    return out;
  }

  static Dataset dataset(List<Example> train, List<Example> val) {
    return new Dataset(
        train, val, new DataStats(DataFormat.JSONL_PROMPT_COMPLETION, 0, 0, 0, 0, 0, 0, 0, 0));
  }

  /** Mean NLL per target over {@code examples}, in double from the logits. */
  static double meanNll(LlamaModel m, List<Example> examples) {
    double sum = 0;
    long n = 0;
    for (Example e : examples) {
      sum += LlamaModelTest.nll(m, e.tokens(), e.lossMask());
      n += e.targets();
    }
    return sum / n;
  }

  static Map<String, float[]> grads(MosModel a) {
    Map<String, float[]> g = new LinkedHashMap<>();
    for (Map.Entry<String, ShardPool> e : a.pools().entrySet()) {
      g.put(e.getKey() + "/A", e.getValue().read(PoolArray.GRAD_A));
      g.put(e.getKey() + "/B", e.getValue().read(PoolArray.GRAD_B));
    }
    return g;
  }

  @Test
  void aStepWithAccumulationIsTheMeanOverItsBatches() throws IOException {
    try (LlamaModel m = model()) {
      MosModel a = m.adapter().orElseThrow();
      List<Example> train = examples(14, 1);
      LmTrainingTask task = new LmTrainingTask(m, dataset(train, List.of()), 24, 2, 9);
      List<Batch> order = Batches.byTokenBudget(train, 24, 9);
      assertTrue(order.size() >= 3, "the test needs several batches");
      List<Example> step = new ArrayList<>(order.get(0).examples());
      step.addAll(order.get(1).examples());
      long targets = step.stream().mapToLong(Example::targets).sum();

      a.zeroGrad();
      m.loss(step, true, 1f / targets); // the oracle: all of the step in one call
      Map<String, float[]> want = grads(a);
      a.zeroGrad();
      double loss = task.trainStep(0, new Rng(0));
      Map<String, float[]> got = grads(a);

      assertEquals(meanNll(m, step), loss, 1e-5 * loss);
      double norm = 0;
      for (String k : want.keySet()) {
        float[] w = want.get(k), g = got.get(k);
        for (int i = 0; i < w.length; i++) {
          norm = Math.max(norm, Math.abs(w[i]));
          assertEquals(w[i], g[i], 1e-5 + 1e-4 * Math.abs(w[i]), k + "[" + i + "]");
        }
      }
      assertTrue(norm > 1e-4, "the gradient is not zero");
      long tokens = step.stream().mapToLong(Example::length).sum();
      assertEquals(tokens, task.lastStepTokens());
      assertEquals(tokens, task.tokensTrained());
    }
  }

  @Test
  void theValidationLossIsTheMeanOverEveryExampleWhateverTheChunks() throws IOException {
    try (LlamaModel m = model()) {
      List<Example> val = examples(9, 2);
      double want = meanNll(m, val);
      for (int batchTokens : new int[] {10, 25, 1000}) {
        LmTrainingTask task = new LmTrainingTask(m, dataset(examples(3, 3), val), batchTokens);
        assertEquals(want, task.evalLoss(), 1e-5 * want, "batch tokens " + batchTokens);
      }
      assertTrue(
          Double.isNaN(new LmTrainingTask(m, dataset(examples(3, 3), List.of()), 10).evalLoss()),
          "no validation examples: NaN");
    }
  }

  @Test
  void epochsRollOverAndAStateRestoresTheOrder() throws IOException {
    try (LlamaModel m = model()) {
      Dataset data = dataset(examples(10, 4), List.of());
      LmTrainingTask a = new LmTrainingTask(m, data, 20, 1, 3);
      int perEpoch = a.batchesPerEpoch();
      for (int s = 0; s < perEpoch + 1; s++) a.trainStep(s, new Rng(0));
      assertEquals(1, a.epoch(), "the second epoch has begun");
      String state = a.saveState();
      double next = a.trainStep(perEpoch + 1, new Rng(0));

      LmTrainingTask b = new LmTrainingTask(m, data, 20, 1, 3);
      b.restoreState(state);
      assertEquals(1, b.epoch());
      assertEquals(next, b.trainStep(perEpoch + 1, new Rng(0)), 1e-6 * Math.abs(next));

      LmTrainingTask other = new LmTrainingTask(m, data, 30, 1, 3);
      MosException e = assertThrows(MosException.class, () -> other.restoreState(state));
      assertEquals(Status.INVALID_ARGUMENT, e.status());
      assertTrue(e.getMessage().contains("batch tokens 20"), e.getMessage());
      assertThrows(MosException.class, () -> b.restoreState("lm-task-v1 1 2"));
      assertThrows(MosException.class, () -> b.restoreState("something else entirely"));
    }
  }

  @Test
  void refusesWhatCannotTrain() throws IOException {
    try (LlamaModel m = model()) {
      MosException big = assertThrows(
          MosException.class, () -> new LmTrainingTask(m, dataset(examples(5, 6), List.of()), 4));
      assertTrue(big.getMessage().contains("does not fit a batch of 4"), big.getMessage());
      assertEquals(
          Status.INVALID_ARGUMENT,
          assertThrows(
                  MosException.class,
                  () -> new LmTrainingTask(m, dataset(List.of(), List.of()), 64))
              .status());
      assertEquals(
          Status.INVALID_ARGUMENT,
          assertThrows(
                  MosException.class,
                  () -> new LmTrainingTask(m, dataset(examples(5, 6), List.of()), 64, 0, 0))
              .status());
      m.detachAdapter();
      assertEquals(
          Status.INVALID_STATE,
          assertThrows(
                  MosException.class,
                  () -> new LmTrainingTask(m, dataset(examples(5, 6), List.of()), 64))
              .status());
    }
  }

  @Test
  void theKeeperSavesNewLowsOnly() throws IOException {
    try (LlamaModel m = model()) {
      Path dir = tmp.resolve("best");
      BestAdapterKeeper k = new BestAdapterKeeper(m, dir, Map.of("run", "x"));
      k.onEval(new EvalRecord(0, Double.NaN));
      assertFalse(Files.exists(dir), "NaN is not a loss");
      k.onEval(new EvalRecord(0, 3.0));
      assertEquals(
          0L, ((Number) AdapterFormat.readConfig(dir).metadata().get("best_step")).longValue());
      LlamaModelTest.randomize(m.adapter().orElseThrow(), 8);
      k.onEval(new EvalRecord(10, 3.5));
      assertEquals(
          0L, ((Number) AdapterFormat.readConfig(dir).metadata().get("best_step")).longValue());
      k.onEval(new EvalRecord(20, 2.0));
      Map<String, Object> meta = AdapterFormat.readConfig(dir).metadata();
      assertEquals(20L, ((Number) meta.get("best_step")).longValue());
      assertEquals("x", meta.get("run"));
      assertEquals(2.0, k.bestLoss());
      assertEquals(20, k.bestStep());
      assertEquals(
          m.adapterSnapshot(null).pools().keySet(),
          org.mos.io.MosAdapter.load(dir).pools().keySet());
      BestAdapterKeeper resumed = new BestAdapterKeeper(m, dir, Map.of())
          .resumeFrom(List.of(new EvalRecord(0, 3.0), new EvalRecord(20, 2.0)));
      assertEquals(20, resumed.bestStep());
    }
  }
}
