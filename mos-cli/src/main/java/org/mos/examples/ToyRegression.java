// SPDX-License-Identifier: Apache-2.0
// ToyRegression: trains a two-block MoS model (two MosLinear layers in sequence over frozen random
// base weights) to fit a teacher whose weights differ by random low-rank deltas; prints the loss.
package org.mos.examples;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.SplittableRandom;
import org.mos.AdamW;
import org.mos.MosConfig;
import org.mos.MosContext;
import org.mos.MosLinear;
import org.mos.MosModel;

/**
 * A toy regression with the whole training loop in plain Java: two adapted layers
 * {@code y = L1(L0(x))} that share one pool group (blocks 0 and 1 of a projection type
 * {@code "proj"}), frozen random base weights W0, W1, and a teacher
 * {@code y* = (W1 + D1)(W0 + D0) x} with random rank-2 deltas D0, D1. MSE loss, AdamW.
 * The loss printed every few steps goes down because the adapters learn D0 and D1.
 *
 * <p>Run it with {@code ./mos example [steps] [printEvery] [seed]} (the command calls
 * {@link #run}); it lives with the command line, not in the library jar.
 *
 * {@snippet :
 * double[] losses = ToyRegression.run(200, 50, 42L, new PrintWriter(System.out, true));
 * }
 */
public final class ToyRegression {

  static final int DIM = 32;
  static final int BATCH = 128;

  private ToyRegression() {}

  /** {@code main([steps=300] [printEvery=25] [seed=42])}. */
  public static void main(String[] args) {
    int steps = args.length > 0 ? Integer.parseInt(args[0]) : 300;
    int printEvery = args.length > 1 ? Integer.parseInt(args[1]) : 25;
    long seed = args.length > 2 ? Long.parseLong(args[2]) : 42L;
    run(steps, printEvery, seed, new PrintWriter(System.out, true));
  }

  /**
   * Trains for {@code steps} steps, printing the loss every {@code printEvery} steps (and the
   * last) to {@code out} (may be null); returns the loss of every step.
   */
  public static double[] run(int steps, int printEvery, long seed, PrintWriter out) {
    SplittableRandom rng = new SplittableRandom(seed);
    float[] w0 = randomMatrix(rng, DIM, DIM, 1.0 / Math.sqrt(DIM));
    float[] w1 = randomMatrix(rng, DIM, DIM, 1.0 / Math.sqrt(DIM));
    double[] t0 = add(w0, lowRank(rng, DIM, 2, 0.5 / Math.sqrt(DIM)));
    double[] t1 = add(w1, lowRank(rng, DIM, 2, 0.5 / Math.sqrt(DIM)));
    float[] x = randomMatrix(rng, BATCH, DIM, 1.0);
    double[] target = matmulT(matmulT(toDouble(x), BATCH, t0), BATCH, t1);

    // r = 6 active rank vectors per block from a pool budget of R_eq = 4 (p = 1 private).
    MosConfig config = MosConfig.builder()
        .rank(6)
        .equivalentRank(4)
        .privateRank(1)
        .shardsPerVector(2)
        .alpha(8f)
        .seed(seed)
        .build();
    double[] losses = new double[steps];
    try (MosContext ctx = MosContext.cpu();
        MosModel model = MosModel.create(ctx, config, 2, AdamW.builder().lr(1e-2f))) {
      model.addPool("proj", DIM, DIM);
      MosLinear l0 = model.attach("proj", 0, w0, null);
      MosLinear l1 = model.attach("proj", 1, w1, null);
      if (out != null) {
        out.printf(
            Locale.ROOT,
            "toy regression: 2 blocks %dx%d, %d trainable parameters "
                + "(LoRA with the same active rank %d: %d)%n",
            DIM,
            DIM,
            model.trainableParameters(),
            config.rank(),
            2L * config.rank() * (DIM + DIM));
      }
      for (int step = 0; step < steps; step++) {
        float[] h = l0.forward(x, BATCH, true);
        float[] y = l1.forward(h, BATCH, true);
        float[] dy = new float[y.length];
        double loss = 0;
        for (int i = 0; i < y.length; i++) {
          double e = y[i] - target[i];
          loss += e * e;
          dy[i] = (float) (2 * e / y.length);
        }
        loss /= y.length;
        losses[step] = loss;
        model.zeroGrad();
        float[] dh = l1.backward(h, dy, BATCH);
        l0.backward(x, dh, BATCH);
        model.step();
        if (out != null && (step % printEvery == 0 || step == steps - 1)) {
          out.printf(Locale.ROOT, "step %4d  loss %.6f%n", step, loss);
        }
      }
    }
    if (out != null && steps > 0) {
      out.printf(
          Locale.ROOT,
          "loss %.6f -> %.6f (%.1f%% lower)%n",
          losses[0],
          losses[steps - 1],
          100 * (1 - losses[steps - 1] / losses[0]));
    }
    return losses;
  }

  private static float[] randomMatrix(SplittableRandom rng, int rows, int cols, double scale) {
    float[] m = new float[rows * cols];
    for (int i = 0; i < m.length; i++) {
      m[i] = (float) (scale * (2 * rng.nextDouble() - 1) * Math.sqrt(3));
    }
    return m;
  }

  /** A random d x d matrix of rank {@code rank}, entries of size about {@code scale}. */
  private static double[] lowRank(SplittableRandom rng, int d, int rank, double scale) {
    float[] u = randomMatrix(rng, d, rank, 1.0);
    float[] v = randomMatrix(rng, rank, d, 1.0);
    double[] m = new double[d * d];
    for (int i = 0; i < d; i++) {
      for (int j = 0; j < d; j++) {
        double s = 0;
        for (int k = 0; k < rank; k++) {
          s += u[i * rank + k] * v[k * d + j];
        }
        m[i * d + j] = scale * s / Math.sqrt(rank);
      }
    }
    return m;
  }

  private static double[] add(float[] a, double[] b) {
    double[] c = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      c[i] = a[i] + b[i];
    }
    return c;
  }

  private static double[] toDouble(float[] a) {
    double[] d = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      d[i] = a[i];
    }
    return d;
  }

  /** x [n x DIM] times w^T, w [DIM x DIM]. */
  private static double[] matmulT(double[] x, int n, double[] w) {
    double[] y = new double[n * DIM];
    for (int i = 0; i < n; i++) {
      for (int o = 0; o < DIM; o++) {
        double s = 0;
        for (int k = 0; k < DIM; k++) {
          s += x[i * DIM + k] * w[o * DIM + k];
        }
        y[i * DIM + o] = s;
      }
    }
    return y;
  }
}
