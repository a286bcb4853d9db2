// SPDX-License-Identifier: Apache-2.0
// Oracle: the double-precision dense reference of method.md §3-§5 (assembly by the closed form,
// forward, backward, scatter-add), written from docs/method.md only; the tests compare libmos with
// it.
package org.mos;

/** All matrices are flat, row-major double arrays. */
final class Oracle {
  private Oracle() {}

  /** A_k [r x d_in]: A[j, i*s_A + t] = pool_A[idx[j*l + i], t]  (pool_A is [P x s_A]). */
  static double[] assembleA(float[] poolA, int sA, int[] idx, int r, int l) {
    int dIn = l * sA;
    double[] a = new double[r * dIn];
    for (int j = 0; j < r; j++) {
      for (int i = 0; i < l; i++) {
        int row = idx[j * l + i];
        for (int t = 0; t < sA; t++) {
          a[j * dIn + i * sA + t] = poolA[row * sA + t];
        }
      }
    }
    return a;
  }

  /** B_k [d_out x r]: B[i*s_B + t, j] = pool_B[t, idx[j*l + i]]  (pool_B is [s_B x P]). */
  static double[] assembleB(float[] poolB, int sB, int numShards, int[] idx, int r, int l) {
    int dOut = l * sB;
    double[] b = new double[dOut * r];
    for (int j = 0; j < r; j++) {
      for (int i = 0; i < l; i++) {
        int col = idx[j * l + i];
        for (int t = 0; t < sB; t++) {
          b[(i * sB + t) * r + j] = poolB[t * numShards + col];
        }
      }
    }
    return b;
  }

  /** c [m x n] = a [m x k] b [k x n]. */
  static double[] mm(double[] a, double[] b, int m, int k, int n) {
    double[] c = new double[m * n];
    for (int i = 0; i < m; i++) {
      for (int p = 0; p < k; p++) {
        double v = a[i * k + p];
        if (v == 0) {
          continue;
        }
        for (int j = 0; j < n; j++) {
          c[i * n + j] += v * b[p * n + j];
        }
      }
    }
    return c;
  }

  /** t [n x m] = a^T for a [m x n]. */
  static double[] tr(double[] a, int m, int n) {
    double[] t = new double[n * m];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        t[j * m + i] = a[i * n + j];
      }
    }
    return t;
  }

  static double[] d(float[] a) {
    double[] r = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      r[i] = a[i];
    }
    return r;
  }

  static double[] scaled(double[] a, double s) {
    double[] r = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      r[i] = a[i] * s;
    }
    return r;
  }

  static double[] plus(double[] a, double[] b) {
    double[] r = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      r[i] = a[i] + b[i];
    }
    return r;
  }

  /** One layer's factors, scaling, base weight and bias; computes method.md §4-§5 in double. */
  static final class Layer {
    final double[] a; // [r x dIn]
    final double[] b; // [dOut x r]
    final double[] w; // [dOut x dIn] or null
    final double[] bias; // [dOut] or null
    final int r;
    final int dIn;
    final int dOut;
    final double scale;

    Layer(
        double[] a, double[] b, double[] w, double[] bias, int r, int dIn, int dOut, double scale) {
      this.a = a;
      this.b = b;
      this.w = w;
      this.bias = bias;
      this.r = r;
      this.dIn = dIn;
      this.dOut = dOut;
      this.scale = scale;
    }

    /** (alpha/r) B A [dOut x dIn]. */
    double[] delta() {
      return scaled(mm(b, a, dOut, r, dIn), scale);
    }

    /** The adapter branch s (xd A^T) B^T, xd = the (already dropped-out) input [n x dIn]. */
    double[] adapter(double[] xd, int n) {
      double[] u = mm(xd, tr(a, r, dIn), n, dIn, r);
      return scaled(mm(u, tr(b, dOut, r), n, r, dOut), scale);
    }

    /** FULL mode: x W^T + bias + adapter(xd). */
    double[] forwardFull(double[] x, double[] xd, int n) {
      double[] y = mm(x, tr(w, dOut, dIn), n, dIn, dOut);
      if (bias != null) {
        for (int i = 0; i < n; i++) {
          for (int o = 0; o < dOut; o++) {
            y[i * dOut + o] += bias[o];
          }
        }
      }
      return plus(y, adapter(xd, n));
    }

    /** Gradients of method.md §5: {dA [r x dIn], dB [dOut x r], dxAdapter [n x dIn] (before mask)}. */
    double[][] backward(double[] xd, double[] g, int n) {
      double[] u = mm(xd, tr(a, r, dIn), n, dIn, r);
      double[] dB = scaled(mm(tr(g, n, dOut), u, dOut, n, r), scale);
      double[] du = scaled(mm(g, b, n, dOut, r), scale);
      double[] dA = mm(tr(du, n, r), xd, r, n, dIn);
      double[] dxAdapter = mm(du, a, n, r, dIn);
      return new double[][] {dA, dB, dxAdapter};
    }

    /** G W [n x dIn]. */
    double[] baseDx(double[] g, int n) {
      return mm(g, w, n, dOut, dIn);
    }
  }

  /** dpool_A[idx[j*l+i], t] += dA[j, i*s_A + t]. */
  static void scatterA(double[] gradPoolA, double[] dA, int sA, int[] idx, int r, int l) {
    int dIn = l * sA;
    for (int j = 0; j < r; j++) {
      for (int i = 0; i < l; i++) {
        int row = idx[j * l + i];
        for (int t = 0; t < sA; t++) {
          gradPoolA[row * sA + t] += dA[j * dIn + i * sA + t];
        }
      }
    }
  }

  /** dpool_B[t, idx[j*l+i]] += dB[i*s_B + t, j]. */
  static void scatterB(
      double[] gradPoolB, double[] dB, int sB, int numShards, int[] idx, int r, int l) {
    for (int j = 0; j < r; j++) {
      for (int i = 0; i < l; i++) {
        int col = idx[j * l + i];
        for (int t = 0; t < sB; t++) {
          gradPoolB[t * numShards + col] += dB[(i * sB + t) * r + j];
        }
      }
    }
  }
}
