// SPDX-License-Identifier: Apache-2.0
// TrainAndServe: a Java application on the installed mos artifacts (mos-api and the platform
// artifact of libmos, nothing else): trains one MoS adapter for a few AdamW steps, then serves it
// from an AdapterBank in a mixed batch and checks the bank's output against x ΔW^T computed here
// in double precision from the trained layer's ΔW (tolerance 1e-5 of the output's scale).
package org.mos.examples.app;

import java.util.Random;
import org.mos.AdamW;
import org.mos.AdapterBank;
import org.mos.MosConfig;
import org.mos.MosContext;
import org.mos.MosLinear;
import org.mos.MosModel;
import org.mos.NativeLoader;

public final class TrainAndServe {

  private TrainAndServe() {}

  public static void main(String[] args) {
    final int dIn = 32;
    final int dOut = 48;
    final int blocks = 4;
    final int block = 2;
    final int rows = 16;
    MosConfig config = MosConfig.builder()
        .rank(4)
        .equivalentRank(2)
        .privateRank(1)
        .shardsPerVector(2)
        .seed(7)
        .build();
    Random rng = new Random(11);
    float[] x = new float[rows * dIn];
    float[] map = new float[dOut * dIn]; // the target: y* = x M^T, rank 1
    float[] u = new float[dOut];
    float[] v = new float[dIn];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rng.nextGaussian();
    }
    for (int o = 0; o < dOut; o++) {
      u[o] = (float) rng.nextGaussian();
    }
    for (int i = 0; i < dIn; i++) {
      v[i] = (float) rng.nextGaussian() / dIn;
    }
    for (int o = 0; o < dOut; o++) {
      for (int i = 0; i < dIn; i++) {
        map[o * dIn + i] = u[o] * v[i];
      }
    }
    float[] target = matmulT(x, map, rows, dIn, dOut);

    try (MosContext ctx = MosContext.cpu();
        MosModel model = MosModel.create(ctx, config, blocks, AdamW.builder().lr(0.02f))) {
      System.out.println(
          "libmos " + MosContext.version() + ", loaded from " + NativeLoader.loadedFrom());
      model.addPool("q_proj", dIn, dOut);
      MosLinear layer = model.attach("q_proj", block, new float[dOut * dIn], null); // W = 0
      double first = Double.NaN;
      double loss = Double.NaN;
      for (int step = 0; step < 40; step++) {
        float[] y = layer.forward(x, rows, true);
        float[] dy = new float[y.length];
        loss = 0;
        for (int i = 0; i < y.length; i++) {
          double d = y[i] - target[i];
          loss += d * d / y.length;
          dy[i] = (float) (2 * d / y.length);
        }
        if (step == 0) {
          first = loss;
        }
        model.zeroGrad();
        layer.backward(x, dy, rows);
        model.step();
      }
      System.out.printf(
          "trained %d AdamW steps: loss %.4e -> %.4e (%d trainable parameters)%n",
          40, first, loss, model.trainableParameters());
      if (!(loss < 0.5 * first)) {
        fail("training did not halve the loss");
      }

      // Serve it: tokens alternate between the adapter and none (-1).
      float[] delta = layer.deltaWeight(); // (alpha / r) B_k A_k, [d_out x d_in]
      try (AdapterBank bank = AdapterBank.create(ctx, 0)) {
        int id = bank.add(model);
        int slot = bank.projection("q_proj").slot();
        int[] ids = new int[rows];
        for (int t = 0; t < rows; t++) {
          ids[t] = t % 2 == 0 ? id : -1;
        }
        float[] y = new float[rows * dOut];
        bank.apply(slot, block, x, ids, y);
        float[] want = matmulT(x, delta, rows, dIn, dOut);
        double scale = 0;
        double worst = 0;
        for (int t = 0; t < rows; t++) {
          for (int o = 0; o < dOut; o++) {
            double expected = ids[t] < 0 ? 0 : want[t * dOut + o];
            scale = Math.max(scale, Math.abs(expected));
            worst = Math.max(worst, Math.abs(y[t * dOut + o] - expected));
          }
        }
        System.out.printf(
            "adapter bank: %d tokens (%d with adapter %d), worst |y - x dW^T| "
                + "%.2e of max |y| %.2e; %d bytes served vs %d as dense LoRA%n",
            rows, rows / 2, id, worst, scale, bank.bytes(id), bank.denseLoraBytes(id));
        if (!(scale > 0 && worst <= 1e-5 * scale)) {
          fail("the bank's output differs from the trained layer's");
        }
      }
    }
    System.out.println("java-app OK");
  }

  /** a [n x k] times b^T, b [m x k], in double, rounded to float. */
  private static float[] matmulT(float[] a, float[] b, int n, int k, int m) {
    float[] out = new float[n * m];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m; j++) {
        double s = 0;
        for (int p = 0; p < k; p++) {
          s += (double) a[i * k + p] * b[j * k + p];
        }
        out[i * m + j] = (float) s;
      }
    }
    return out;
  }

  private static void fail(String why) {
    System.err.println("java-app FAILED: " + why);
    System.exit(1);
  }
}
