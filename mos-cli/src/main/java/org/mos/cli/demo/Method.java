// SPDX-License-Identifier: Apache-2.0
// Method: one adapter configuration the demo compares (LoRA is MoS with r = R_eq = p, l = 1).
package org.mos.cli.demo;

import org.mos.MosConfig;

/**
 * @param key    a file-name-safe id, e.g. "mos-r8-req2"
 * @param label  the table's name, e.g. "MoS r=8 (R_eq=2, p=1, l=2)"
 * @param r      active rank
 * @param req    equivalent rank (the parameter budget)
 * @param p      private rank
 * @param l      shards per vector
 */
public record Method(String key, String label, int r, int req, int p, int l) {
  /** Plain LoRA of rank r (method.md §2: p = R_eq = r degenerates to LoRA; l = 1). */
  public static Method lora(int r) {
    return new Method("lora-r" + r, "LoRA r=" + r, r, r, r, 1);
  }

  /** MoS with active rank r and the parameters of LoRA at rank req. */
  public static Method mos(int r, int req, int p, int l) {
    return new Method("mos-r" + r + "-req" + req, "MoS r=" + r + " (R_eq=" + req + ", p=" + p + ", l=" + l + ")",
        r, req, p, l);
  }

  /** The core config of this method. */
  public MosConfig config(float alpha, float dropout, long seed) {
    return MosConfig.builder().rank(r).equivalentRank(req).privateRank(p).shardsPerVector(l)
        .alpha(alpha).dropout(dropout).seed(seed).build();
  }

  /** Trainable parameters on the demo model: R_eq * L * 2 (d + hidden) (method.md §7). */
  public long parameters(LmConfig cfg) {
    return (long) req * cfg.layers() * 2L * (cfg.width() + cfg.hidden());
  }

  public boolean isLora() {
    return r == req && p == req;
  }
}
