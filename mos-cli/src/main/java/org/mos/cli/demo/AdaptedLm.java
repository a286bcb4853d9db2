// SPDX-License-Identifier: Apache-2.0
// AdaptedLm: the demo model with its base frozen and MoS adapters on every block's up and down
// projection (one pool group per projection type, shared by all blocks), as a TrainingTask.
package org.mos.cli.demo;

import java.util.ArrayList;
import java.util.List;
import org.mos.AdamW;
import org.mos.MosConfig;
import org.mos.MosContext;
import org.mos.MosModel;
import org.mos.train.Rng;
import org.mos.train.TrainingTask;

/**
 * Fine-tuning of a pretrained {@link BaseWeights}: pool groups "up_proj" (d -> hidden) and
 * "down_proj" (hidden -> d) over the L blocks; everything else frozen. Losses are in bits per
 * character. Plain LoRA of rank r0 is the config r = R_eq = p = r0, l = 1 (method.md §2).
 */
public final class AdaptedLm implements TrainingTask, AutoCloseable {
  /** Pool group names and their module paths in the saved adapter. */
  public static final String UP = "up_proj";
  public static final String DOWN = "down_proj";
  public static final String UP_PATH = "model.layers.{layer}.mlp.up_proj";
  public static final String DOWN_PATH = "model.layers.{layer}.mlp.down_proj";

  private final MosModel model;
  private final CharLm lm;
  private final List<MosProj> projs = new ArrayList<>();
  private final TextData train;
  private final TextData eval;
  private final int[] evalPositions;
  private final int batch;
  private final int[] ctx;
  private final int[] tgt;

  /**
   * @param evalPositions the fixed held-out positions of {@code eval} that {@link #evalLoss()}
   *     averages over (a multiple of the batch size)
   */
  public AdaptedLm(MosContext context, BaseWeights base, MosConfig mos, Dense dense, TextData train,
      TextData eval, int[] evalPositions) {
    LmConfig cfg = base.cfg;
    this.train = train;
    this.eval = eval;
    this.evalPositions = evalPositions;
    this.batch = cfg.batch();
    this.ctx = new int[batch * cfg.context()];
    this.tgt = new int[batch];
    // the paper's optimizer: AdamW, betas (0.9, 0.999), eps 1e-8, weight decay 0 (method.md §8)
    model = MosModel.create(context, mos, cfg.layers(),
        AdamW.builder().betas(0.9f, 0.999f).eps(1e-8f).weightDecay(0f));
    try {
      model.addPool(UP, cfg.width(), cfg.hidden());
      model.addPool(DOWN, cfg.hidden(), cfg.width());
      CharLm.Proj[] up = new CharLm.Proj[cfg.layers()];
      CharLm.Proj[] down = new CharLm.Proj[cfg.layers()];
      for (int k = 0; k < cfg.layers(); k++) {
        MosProj u = new MosProj(model.attach(UP, k, base.up[k], null));
        MosProj d = new MosProj(model.attach(DOWN, k, base.down[k], null));
        projs.add(u);
        projs.add(d);
        up[k] = u;
        down[k] = d;
      }
      lm = new CharLm(base, null, up, down, dense, batch);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  public MosModel model() {
    return model;
  }

  @Override
  public double trainStep(long step, Rng rng) {
    train.sample(rng, batch, ctx, tgt);
    double loss = lm.forward(ctx, tgt, batch, true) / batch;
    lm.backward();
    return loss / Math.log(2);
  }

  @Override
  public double evalLoss() {
    return lm.evalBits(eval, evalPositions);
  }

  /** Held-out bits per character over other positions (e.g. the test split at the end). */
  public double evalBits(TextData data, int[] positions) {
    return lm.evalBits(data, positions);
  }

  @Override
  public void close() {
    projs.forEach(MosProj::close);
    model.close();
  }
}
