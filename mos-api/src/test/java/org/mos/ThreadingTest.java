// SPDX-License-Identifier: Apache-2.0
// The thread model: contexts used from several threads at once give bit-identical results to a
// sequential run (exact), and one context shared by several threads is serialized by its lock
// (each thread's results equal the sequential ones exactly).
package org.mos;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class ThreadingTest {

  /** A few training steps of a small model in its own context; returns the final pool_A. */
  static float[] train(long seed) {
    MosConfig c = Fixture.cfg(4, 2, 1, 2).toBuilder().seed(seed).dropout(0.1f).build();
    try (MosContext ctx = MosContext.cpu();
        MosModel model = MosModel.create(ctx, c, 3, AdamW.builder().lr(1e-2f))) {
      model.addPool("p", 16, 16);
      MosLinear layer = model.attach("p", 1, new float[256], null);
      float[] x = Fixture.random(new java.util.SplittableRandom(seed), 8 * 16, 1);
      for (int step = 0; step < 10; step++) {
        float[] y = layer.forward(x, 8, true);
        model.zeroGrad();
        layer.backward(x, y, 8); // loss = |y|^2 / 2
        model.step();
      }
      return model.pool("p").read(PoolArray.POOL_A);
    }
  }

  @Test
  void contextsRunInParallel() throws Exception {
    int n = 4;
    float[][] sequential = new float[n][];
    for (int i = 0; i < n; i++) {
      sequential[i] = train(i);
    }
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      for (int round = 0; round < 3; round++) {
        List<Future<float[]>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          long seed = i;
          futures.add(pool.submit(() -> train(seed)));
        }
        for (int i = 0; i < n; i++) {
          assertArrayEquals(sequential[i], futures.get(i).get(), "seed " + i + ", round " + round);
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void oneContextSharedByThreadsIsSerialized() throws Exception {
    try (Fixture f = new Fixture(91, 16, 16, 4, Fixture.cfg(4, 2, 1, 2))) {
      int n = 4;
      MosLinear[] layers = new MosLinear[n];
      float[][] xs = new float[n][];
      float[][] expected = new float[n][];
      for (int k = 0; k < n; k++) {
        layers[k] = MosLinear.create(f.pool, k, null, null);
        xs[k] = f.random(8 * 16, 1);
        expected[k] = layers[k].forward(xs[k], 8, false);
      }
      ExecutorService exec = Executors.newFixedThreadPool(n);
      try {
        List<Future<?>> futures = new ArrayList<>();
        for (int k = 0; k < n; k++) {
          int kk = k;
          futures.add(exec.submit(() -> {
            for (int i = 0; i < 50; i++) {
              assertArrayEquals(expected[kk], layers[kk].forward(xs[kk], 8, false), "block " + kk);
            }
            return null;
          }));
        }
        for (Future<?> fut : futures) {
          fut.get();
        }
      } finally {
        exec.shutdownNow();
        for (MosLinear l : layers) {
          l.close();
        }
      }
    }
  }
}
