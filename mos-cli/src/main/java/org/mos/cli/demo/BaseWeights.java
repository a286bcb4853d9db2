// SPDX-License-Identifier: Apache-2.0
// BaseWeights: every weight of the demo's base model as named float arrays (the order is the
// serialisation order of the base cache), with their initialisation.
package org.mos.cli.demo;

import java.util.LinkedHashMap;
import java.util.Map;
import org.mos.train.Rng;

/** Weights of a {@link LmConfig} model; up[k] is [hidden x d] and down[k] is [d x hidden] (out x in). */
public final class BaseWeights {
  public final LmConfig cfg;
  public final float[] embed;     // [V x embed]
  public final float[][] normGain; // L x [d]
  public final float[][] up;       // L x [hidden x d]
  public final float[][] down;     // L x [d x hidden]
  public final float[] finalGain;  // [d]
  public final float[] head;       // [V x d]
  public final float[] headBias;   // [V]

  /** All zeros (gradient buffers, or a model about to be loaded). */
  public BaseWeights(LmConfig cfg) {
    this.cfg = cfg;
    int d = cfg.width();
    int h = cfg.hidden();
    embed = new float[Vocab.SIZE * cfg.embed()];
    normGain = new float[cfg.layers()][d];
    up = new float[cfg.layers()][h * d];
    down = new float[cfg.layers()][d * h];
    finalGain = new float[d];
    head = new float[Vocab.SIZE * d];
    headBias = new float[Vocab.SIZE];
  }

  /**
   * A freshly initialised model: embeddings N(0, 1), gains 1, up U(+-1/sqrt(d)), down
   * U(+-1/sqrt(hidden)) scaled by 1/sqrt(2L) (so the residual stream does not grow with depth),
   * head U(+-1/sqrt(d)), head bias 0.
   */
  public static BaseWeights init(LmConfig cfg, long seed) {
    BaseWeights w = new BaseWeights(cfg);
    Rng rng = new Rng(seed);
    for (int i = 0; i < w.embed.length; i++) {
      w.embed[i] = (float) rng.nextGaussian();
    }
    float bu = (float) (1 / Math.sqrt(cfg.width()));
    float bd = (float) (1 / Math.sqrt(cfg.hidden()) / Math.sqrt(2.0 * cfg.layers()));
    for (int k = 0; k < cfg.layers(); k++) {
      java.util.Arrays.fill(w.normGain[k], 1f);
      uniform(rng, w.up[k], bu);
      uniform(rng, w.down[k], bd);
    }
    java.util.Arrays.fill(w.finalGain, 1f);
    uniform(rng, w.head, bu);
    return w;
  }

  private static void uniform(Rng rng, float[] x, float bound) {
    for (int i = 0; i < x.length; i++) {
      x[i] = (2 * rng.nextFloat() - 1) * bound;
    }
  }

  /** Every array by name, in serialisation order. */
  public Map<String, float[]> tensors() {
    Map<String, float[]> m = new LinkedHashMap<>();
    m.put("embed", embed);
    for (int k = 0; k < cfg.layers(); k++) {
      m.put("layers." + k + ".norm", normGain[k]);
      m.put("layers." + k + ".up_proj", up[k]);
      m.put("layers." + k + ".down_proj", down[k]);
    }
    m.put("final_norm", finalGain);
    m.put("head", head);
    m.put("head_bias", headBias);
    return m;
  }

  /** Total number of floats. */
  public long size() {
    long n = 0;
    for (float[] a : tensors().values()) {
      n += a.length;
    }
    return n;
  }

  /** Set every value to 0. */
  public void zero() {
    for (float[] a : tensors().values()) {
      java.util.Arrays.fill(a, 0f);
    }
  }
}
