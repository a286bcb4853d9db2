// SPDX-License-Identifier: Apache-2.0
// CharLm: forward and backward of the demo's character-level language model. The elementwise
// work (embedding, RMSNorm, ReLU, residuals, softmax) is plain Java; the projections are Proj
// objects: dense ones (pretraining, head) or MoS-adapted ones (fine-tuning).
package org.mos.cli.demo;

/**
 * The model of {@link LmConfig}: h0 = concat(embed[c_1..c_T]); for each block k,
 * h += down_k(relu(up_k(rmsnorm_k(h)))); logits = head(rmsnorm_f(h)) + bias.
 * With {@code baseGrad != null} backward accumulates the gradient of every base weight
 * (pretraining); otherwise the base is frozen and backward only drives the projections'
 * own backward (the adapters' pool gradients).
 */
public final class CharLm {
  /** A linear map x [n x in] -> y [n x out] of one block. */
  public interface Proj {
    /** y = projection of x (overwrites y). */
    void forward(float[] x, float[] y, int n, boolean training);

    /** After a training forward on the same x: dx = gradient w.r.t. x (dx may be null), and
     *  accumulate whatever the projection trains. */
    void backward(float[] x, float[] dy, float[] dx, int n);
  }

  /** A dense projection y = x W^T with W [out x in]; accumulates dW when grad is not null. */
  public static final class DenseProj implements Proj {
    private final Dense dense;
    private final float[] w;
    private final float[] grad;
    private final int in;
    private final int out;

    public DenseProj(Dense dense, float[] w, float[] grad, int in, int out) {
      this.dense = dense;
      this.w = w;
      this.grad = grad;
      this.in = in;
      this.out = out;
    }

    @Override
    public void forward(float[] x, float[] y, int n, boolean training) {
      dense.gemm(false, true, n, out, in, 1f, x, w, 0f, y);
    }

    @Override
    public void backward(float[] x, float[] dy, float[] dx, int n) {
      if (dx != null) {
        dense.gemm(false, false, n, in, out, 1f, dy, w, 0f, dx);
      }
      if (grad != null) {
        dense.gemm(true, false, out, in, n, 1f, dy, x, 1f, grad);
      }
    }
  }

  private static final float EPS = 1e-5f;

  private final LmConfig cfg;
  private final BaseWeights w;
  private final BaseWeights g; // null: base frozen
  private final Proj[] up;
  private final Proj[] down;
  private final Dense dense;
  private final int d;
  private final int hid;
  private final int cap;

  // activations of the last forward, sized for `cap` examples
  private final float[][] h;       // L+1 x [n x d]
  private final float[][] nrm;     // L x [n x d]
  private final float[][] inv;     // L x [n]
  private final float[][] pre;     // L x [n x hidden]
  private final float[][] act;     // L x [n x hidden]
  private final float[] nf;
  private final float[] invf;
  private final float[] logits;
  private final float[] dh;
  private final float[] dtmp;
  private final float[] dhid;
  private int[] lastCtx;
  private int[] lastTarget;
  private int lastN;

  /**
   * @param up    L projections d -> hidden
   * @param down  L projections hidden -> d
   * @param cap   the largest batch forward will see
   */
  public CharLm(BaseWeights w, BaseWeights grad, Proj[] up, Proj[] down, Dense dense, int cap) {
    this.cfg = w.cfg;
    this.w = w;
    this.g = grad;
    this.up = up;
    this.down = down;
    this.dense = dense;
    this.d = cfg.width();
    this.hid = cfg.hidden();
    this.cap = cap;
    int nl = cfg.layers();
    h = new float[nl + 1][cap * d];
    nrm = new float[nl][cap * d];
    inv = new float[nl][cap];
    pre = new float[nl][cap * hid];
    act = new float[nl][cap * hid];
    nf = new float[cap * d];
    invf = new float[cap];
    logits = new float[cap * Vocab.SIZE];
    dh = new float[cap * d];
    dtmp = new float[cap * d];
    dhid = new float[cap * hid];
  }

  /** A model whose projections are all dense over {@code w} (grads into {@code grad} if not null). */
  public static CharLm dense(BaseWeights w, BaseWeights grad, Dense dense, int cap) {
    int nl = w.cfg.layers();
    Proj[] up = new Proj[nl];
    Proj[] down = new Proj[nl];
    int d = w.cfg.width();
    int hid = w.cfg.hidden();
    for (int k = 0; k < nl; k++) {
      up[k] = new DenseProj(dense, w.up[k], grad == null ? null : grad.up[k], d, hid);
      down[k] = new DenseProj(dense, w.down[k], grad == null ? null : grad.down[k], hid, d);
    }
    return new CharLm(w, grad, up, down, dense, cap);
  }

  public LmConfig config() {
    return cfg;
  }

  /**
   * Forward n examples (ctx [n x context] ids, target [n]); returns the summed cross-entropy in
   * nats. Keeps the activations for {@link #backward()}.
   */
  public double forward(int[] ctx, int[] target, int n, boolean training) {
    if (n > cap) {
      throw new IllegalArgumentException("batch " + n + " exceeds the model's capacity " + cap);
    }
    int e = cfg.embed();
    int c = cfg.context();
    float[] h0 = h[0];
    for (int b = 0; b < n; b++) {
      for (int j = 0; j < c; j++) {
        System.arraycopy(w.embed, ctx[b * c + j] * e, h0, b * d + j * e, e);
      }
    }
    for (int k = 0; k < cfg.layers(); k++) {
      rmsForward(h[k], w.normGain[k], nrm[k], inv[k], n);
      up[k].forward(nrm[k], pre[k], n, training);
      float[] p = pre[k];
      float[] a = act[k];
      for (int i = 0, m = n * hid; i < m; i++) {
        a[i] = p[i] > 0f ? p[i] : 0f;
      }
      down[k].forward(act[k], h[k + 1], n, training);
      float[] hk = h[k];
      float[] hn = h[k + 1];
      for (int i = 0, m = n * d; i < m; i++) {
        hn[i] += hk[i];
      }
    }
    rmsForward(h[cfg.layers()], w.finalGain, nf, invf, n);
    int v = Vocab.SIZE;
    dense.gemm(false, true, n, v, d, 1f, nf, w.head, 0f, logits);
    double loss = 0;
    for (int b = 0; b < n; b++) {
      int o = b * v;
      float max = Float.NEGATIVE_INFINITY;
      for (int j = 0; j < v; j++) {
        logits[o + j] += w.headBias[j];
        max = Math.max(max, logits[o + j]);
      }
      double sum = 0;
      for (int j = 0; j < v; j++) {
        float ex = (float) Math.exp(logits[o + j] - max);
        logits[o + j] = ex; // keep the unnormalised probabilities for backward
        sum += ex;
      }
      loss += Math.log(sum) - Math.log(logits[o + target[b]]);
      float is = (float) (1 / sum);
      for (int j = 0; j < v; j++) {
        logits[o + j] *= is; // now softmax probabilities
      }
    }
    lastCtx = ctx;
    lastTarget = target;
    lastN = n;
    return loss;
  }

  /** Backward of the mean loss of the last (training) forward. */
  public void backward() {
    int n = lastN;
    int v = Vocab.SIZE;
    float inN = 1f / n;
    for (int b = 0; b < n; b++) { // dlogits = (p - onehot) / n, in place
      int o = b * v;
      logits[o + lastTarget[b]] -= 1f;
      for (int j = 0; j < v; j++) {
        logits[o + j] *= inN;
      }
    }
    if (g != null) {
      dense.gemm(true, false, v, d, n, 1f, logits, nf, 1f, g.head);
      for (int b = 0; b < n; b++) {
        for (int j = 0; j < v; j++) {
          g.headBias[j] += logits[b * v + j];
        }
      }
    }
    dense.gemm(false, false, n, d, v, 1f, logits, w.head, 0f, dtmp); // d nf
    java.util.Arrays.fill(dh, 0, n * d, 0f);
    rmsBackward(h[cfg.layers()], w.finalGain, invf, dtmp, dh, g == null ? null : g.finalGain, n);
    for (int k = cfg.layers() - 1; k >= 0; k--) {
      down[k].backward(act[k], dh, dhid, n);
      float[] p = pre[k];
      for (int i = 0, m = n * hid; i < m; i++) {
        if (p[i] <= 0f) {
          dhid[i] = 0f;
        }
      }
      boolean needInput = k > 0 || g != null;
      up[k].backward(nrm[k], dhid, needInput ? dtmp : null, n);
      if (needInput) {
        rmsBackward(h[k], w.normGain[k], inv[k], dtmp, dh, g == null ? null : g.normGain[k], n);
      }
    }
    if (g != null) {
      int e = cfg.embed();
      int c = cfg.context();
      for (int b = 0; b < n; b++) {
        for (int j = 0; j < c; j++) {
          int dst = lastCtx[b * c + j] * e;
          int src = b * d + j * e;
          for (int t = 0; t < e; t++) {
            g.embed[dst + t] += dh[src + t];
          }
        }
      }
    }
  }

  /** y = x * inv * gain per row, inv = 1 / sqrt(mean(x^2) + eps). */
  private void rmsForward(float[] x, float[] gain, float[] y, float[] invOut, int n) {
    for (int b = 0; b < n; b++) {
      int o = b * d;
      double ss = 0;
      for (int i = 0; i < d; i++) {
        ss += x[o + i] * x[o + i];
      }
      float iv = (float) (1 / Math.sqrt(ss / d + EPS));
      invOut[b] = iv;
      for (int i = 0; i < d; i++) {
        y[o + i] = x[o + i] * iv * gain[i];
      }
    }
  }

  /** dx += d rmsnorm / dx applied to dy; dGain (if not null) += sum over rows of dy * x * inv. */
  private void rmsBackward(float[] x, float[] gain, float[] invIn, float[] dy, float[] dx,
      float[] dGain, int n) {
    for (int b = 0; b < n; b++) {
      int o = b * d;
      float iv = invIn[b];
      double dot = 0;
      for (int i = 0; i < d; i++) {
        dot += dy[o + i] * gain[i] * x[o + i];
      }
      float coef = (float) (dot * iv * iv / d);
      for (int i = 0; i < d; i++) {
        dx[o + i] += iv * (gain[i] * dy[o + i] - x[o + i] * coef);
      }
      if (dGain != null) {
        for (int i = 0; i < d; i++) {
          dGain[i] += dy[o + i] * x[o + i] * iv;
        }
      }
    }
  }

  /** Mean cross-entropy in bits per character over fixed positions of {@code data} (no dropout). */
  public double evalBits(TextData data, int[] positions) {
    int c = cfg.context();
    int[] ctx = new int[cap * c];
    int[] tgt = new int[cap];
    double sum = 0;
    for (int s = 0; s < positions.length; s += cap) {
      int n = Math.min(cap, positions.length - s);
      for (int b = 0; b < n; b++) {
        data.fill(positions[s + b], b, ctx, tgt);
      }
      sum += forward(ctx, tgt, n, false);
    }
    return sum / positions.length / Math.log(2);
  }
}
