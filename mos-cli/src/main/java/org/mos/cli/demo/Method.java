// SPDX-License-Identifier: Apache-2.0
// Method: one adapter configuration the demo compares, with its index recipe (LoRA is MoS with
// r = R_eq = p, l = 1; the ablation variants are MoS pools whose routing indices are rewritten).
package org.mos.cli.demo;

import org.mos.MosConfig;
import org.mos.ShardPool;

/**
 * @param key    a file-name-safe id, e.g. "mos-r8"
 * @param label  the table's name, e.g. "MoS r=8 (R_eq=2, p=1, l=2)"
 * @param r      active rank
 * @param req    equivalent rank (the parameter budget)
 * @param p      private rank
 * @param l      shards per vector
 * @param recipe how every block's index lists are made
 */
public record Method(String key, String label, int r, int req, int p, int l, Recipe recipe) {
  /** Index recipes (docs/demo.md gives each one's exact lists). */
  public enum Recipe {
    /**
     * The core's routing (mos_pool_generate_indices): per block, (r - p) l public shards of A
     * drawn without replacement, those of B drawn independently, then the block's p l private
     * rows. With p = R_eq = r and l = 1 this is plain LoRA.
     */
    DRAWN,
    /** As DRAWN (p = 0, l = 1), then B's list replaced by A's: the pair is tied. */
    TIED,
    /** Every block uses the whole pool, rows 0..P-1 in order, for A and for B (r = P). */
    WHOLE
  }

  /** Plain LoRA of rank r (method.md §2: p = R_eq = r degenerates to LoRA; l = 1). */
  public static Method lora(int r) {
    return new Method("lora-r" + r, "LoRA r=" + r, r, r, r, 1, Recipe.DRAWN);
  }

  /** MoS with active rank r and the parameters of LoRA at rank req. */
  public static Method mos(int r, int req, int p, int l) {
    return new Method(
        "mos-r" + r,
        "MoS r=" + r + " (R_eq=" + req + ", p=" + p + ", l=" + l + ")",
        r,
        req,
        p,
        l,
        Recipe.DRAWN);
  }

  /** Pure sharing: one pool of R_eq L vectors per projection type, used whole by every block, A and B tied. */
  public static Method pureSharing(int req, int layers) {
    return new Method(
        "pure-sharing",
        "pure sharing (r=" + req * layers + ")",
        req * layers,
        req,
        0,
        1,
        Recipe.WHOLE);
  }

  /** + subset selection: each block a random r-subset, the same rows for A and B. */
  public static Method subset(int r, int req) {
    return new Method(
        "subset-r" + r, "+ subset selection (r=" + r + ")", r, req, 0, 1, Recipe.TIED);
  }

  /** + pair dissociation: A's and B's subsets drawn independently. */
  public static Method dissociated(int r, int req) {
    return new Method(
        "pairs-r" + r, "+ pair dissociation (r=" + r + ")", r, req, 0, 1, Recipe.DRAWN);
  }

  /** + vector sharding: l shards per vector. */
  public static Method sharded(int r, int req, int l) {
    return new Method(
        "shards-r" + r, "+ vector sharding (r=" + r + ", l=" + l + ")", r, req, 0, l, Recipe.DRAWN);
  }

  /** The core config of this method. */
  public MosConfig config(float alpha, float dropout, long seed) {
    return MosConfig.builder()
        .rank(r)
        .equivalentRank(req)
        .privateRank(p)
        .shardsPerVector(l)
        .alpha(alpha)
        .dropout(dropout)
        .seed(seed)
        .build();
  }

  /** Rewrites a pool's indices per {@link #recipe} (after the core drew them from the seed). */
  public void applyRecipe(ShardPool pool) {
    switch (recipe) {
      case DRAWN -> {}
      case TIED -> {
        for (int k = 0; k < pool.numLayers(); k++) {
          int[] a = pool.indicesA(k);
          pool.setIndices(k, a, a);
        }
      }
      case WHOLE -> {
        int[] all = new int[pool.indexLength()];
        for (int i = 0; i < all.length; i++) {
          all[i] = i;
        }
        for (int k = 0; k < pool.numLayers(); k++) {
          pool.setIndices(k, all, all);
        }
      }
      default -> throw new IllegalStateException(recipe.toString());
    }
  }

  /** Trainable parameters on the demo model: R_eq L Σ(d_in + d_out) over the seven projections. */
  public long parameters(DemoModel m) {
    return (long) req * m.layers() * m.projectionWidths();
  }

  public boolean isLora() {
    return r == req && p == req && l == 1 && recipe == Recipe.DRAWN;
  }
}
