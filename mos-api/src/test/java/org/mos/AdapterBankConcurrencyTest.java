// SPDX-License-Identifier: Apache-2.0
// AdapterBank under load: 8 threads apply mixed batches (arrays, and now and then tensors) while
// the main thread removes and re-adds adapters and switches kernels, for about 1.5 s. Every
// successful apply is checked against the precomputed dense expectation (MOS_TOL_F32_FORWARD);
// an apply naming an adapter removed meanwhile must fail with INVALID_ARGUMENT "... was removed"
// and leave y untouched. Anything else (a wrong number, another error, a crash) fails the test.
// And the Java handle's CONCURRENT strategy itself: calls overlap, close waits for them.
package org.mos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class AdapterBankConcurrencyTest {

  static final int L = 2;
  static final int T = 16;
  static final int D_IN = 64;
  static final int D_OUT = 48;
  static final int STABLE = 3;
  static final int HOT = 3;
  static final int THREADS = 8;

  @Test
  @Timeout(120)
  void eightThreadsApplyWhileAdaptersComeAndGo() throws Exception {
    int[][] cfgs = {
      {6, 4, 2, 2}, {4, 2, 0, 1}, {7, 4, 1, 4}, {2, 1, 0, 2}, {5, 3, 1, 1}, {14, 8, 2, 2}
    };
    List<AdapterBankTestSupport.Source> sources = new ArrayList<>();
    try (MosContext ctx = MosContext.cpu();
        AdapterBank bank = AdapterBank.create(ctx, 0)) {
      for (int c = 0; c < cfgs.length; c++) {
        int[] g = cfgs[c];
        sources.add(AdapterBankTestSupport.source(
            100 + c, L, g[0], g[1], g[2], g[3], 4f * (c + 1), "o_proj", D_IN, D_OUT));
      }
      float[] x = AdapterBankTestSupport.random(new Random(77), T * D_IN);
      // delta[c][k]: content c's output for every token of x, block k.
      double[][][] delta = new double[sources.size()][L][];
      int[] zeros = new int[T];
      for (int c = 0; c < sources.size(); c++) {
        for (int k = 0; k < L; k++) {
          delta[c][k] = AdapterBankTestSupport.expected(
              List.of(sources.get(c)), "o_proj", k, x, zeros, new float[T * D_OUT]);
        }
      }
      int[] stableId = new int[STABLE];
      for (int c = 0; c < STABLE; c++) {
        stableId[c] = bank.add(sources.get(c).pools);
      }
      AtomicIntegerArray hotId = new AtomicIntegerArray(HOT);
      for (int h = 0; h < HOT; h++) {
        hotId.set(h, bank.add(sources.get(STABLE + h).pools));
      }
      int slot = bank.projection("o_proj").slot();
      double tol = AdapterBankTestSupport.tol("F32_FORWARD");

      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong checked = new AtomicLong();
      AtomicLong stale = new AtomicLong();
      ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
      List<Thread> workers = new ArrayList<>();
      for (int w = 0; w < THREADS; w++) {
        final int seed = w;
        Thread th = new Thread(
            () -> {
              Random rnd = new Random(seed);
              int[] ids = new int[T];
              int[] content = new int[T];
              float[] y = new float[T * D_OUT];
              try (Tensor xt = Tensor.of(ctx, x, T, D_IN);
                  Tensor yt = Tensor.zeros(ctx, T, D_OUT)) {
                long n = 0;
                while (!stop.get()) {
                  int block = rnd.nextInt(L);
                  for (int t = 0; t < T; t++) {
                    if (t > 0 && rnd.nextBoolean()) { // runs, as in a prefill
                      ids[t] = ids[t - 1];
                      content[t] = content[t - 1];
                      continue;
                    }
                    int pick = rnd.nextInt(STABLE + HOT + 1) - 1;
                    content[t] = pick;
                    ids[t] =
                        pick < 0 ? -1 : pick < STABLE ? stableId[pick] : hotId.get(pick - STABLE);
                  }
                  boolean viaTensor = n++ % 10 == 9;
                  Arrays.fill(y, 0f);
                  try {
                    if (viaTensor) {
                      yt.copyFrom(y);
                      bank.apply("o_proj", block, xt, ids, yt);
                      yt.copyTo(y);
                    } else {
                      bank.apply(slot, block, x, ids, y);
                    }
                  } catch (MosException e) {
                    if (viaTensor) {
                      yt.copyTo(y);
                    }
                    boolean untouched = true;
                    for (float v : y) {
                      untouched &= v == 0f;
                    }
                    if (e.status() == Status.INVALID_ARGUMENT
                        && e.getMessage().contains("was removed")
                        && untouched) {
                      stale.incrementAndGet();
                    } else {
                      failures.add("unexpected failure (y untouched: " + untouched + "): " + e);
                    }
                    continue;
                  }
                  double num = 0;
                  double den = 0;
                  for (int t = 0; t < T; t++) {
                    for (int o = 0; o < D_OUT; o++) {
                      double ref = content[t] < 0 ? 0 : delta[content[t]][block][t * D_OUT + o];
                      den = Math.max(den, Math.abs(ref));
                      num = Math.max(num, Math.abs(ref - y[t * D_OUT + o]));
                    }
                  }
                  if (num / Math.max(den, 1e-30) <= tol) {
                    checked.incrementAndGet();
                  } else {
                    failures.add("wrong result: block " + block + " ids " + Arrays.toString(ids)
                        + " rel error " + num / den + " (tensor path: " + viaTensor + ")");
                  }
                }
              } catch (Throwable e) {
                failures.add("worker died: " + e);
              }
            },
            "bank-worker-" + w);
        workers.add(th);
        th.start();
      }

      long swaps = 0;
      long deadline = System.nanoTime() + 1_500_000_000L;
      AdapterBank.Path[] paths = AdapterBank.Path.values();
      while (System.nanoTime() < deadline && failures.isEmpty()) {
        int h = (int) (swaps % HOT);
        bank.remove(hotId.get(h));
        Thread.sleep(1);
        hotId.set(h, bank.add(sources.get(STABLE + h).pools));
        bank.setPath(paths[(int) (swaps % paths.length)]);
        swaps++;
        Thread.sleep(2);
      }
      stop.set(true);
      for (Thread th : workers) {
        th.join(60_000);
      }
      assertTrue(failures.isEmpty(), failures.size() + " failures, first: " + failures.peek());
      assertTrue(
          checked.get() > 100 && swaps > 20,
          "too little happened: " + checked.get() + " checked applies, " + stale.get() + " stale, "
              + swaps + " swaps");
      assertEquals(STABLE + HOT, bank.size());
      System.out.println("AdapterBankConcurrencyTest: " + checked.get() + " checked applies, "
          + stale.get() + " refused stale ids, " + swaps + " hot swaps");
    } finally {
      sources.forEach(AdapterBankTestSupport.Source::close);
    }
  }

  /**
   * The bank's handle is CONCURRENT: a second call runs while one is in flight, the context's lock
   * stays free meanwhile, and close() waits for the call in flight before freeing the bank.
   */
  @Test
  @Timeout(60)
  void callsOverlapAndCloseWaitsForTheOneInFlight() throws Exception {
    try (MosContext ctx = MosContext.cpu()) {
      AdapterBank bank = AdapterBank.create(ctx, 0);
      CountDownLatch inside = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      AtomicBoolean sawOpenBank = new AtomicBoolean();
      Thread holder = new Thread(() -> bank.handle.query((self, scratch) -> {
        inside.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        sawOpenBank.set(self.address() != 0); // still the live bank at the end of the call
        return null;
      }));
      holder.start();
      inside.await();
      assertEquals(0, bank.size(), "a second call while the first is in flight");
      try (Tensor t = Tensor.zeros(ctx, 2, 3)) { // the context's lock is not held by the bank
        assertEquals(2, t.rows());
      }
      Thread closer = new Thread(bank::close);
      closer.start();
      closer.join(300);
      assertTrue(closer.isAlive(), "close() returned while a call was in flight");
      release.countDown();
      closer.join(30_000);
      holder.join(30_000);
      assertFalse(closer.isAlive() || holder.isAlive());
      assertTrue(sawOpenBank.get());
      assertTrue(bank.isClosed());
      assertEquals(
          "AdapterBank is closed",
          assertThrows(MosClosedException.class, bank::size).getMessage());
    }
  }
}
