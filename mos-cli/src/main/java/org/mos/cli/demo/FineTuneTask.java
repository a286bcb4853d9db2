// SPDX-License-Identifier: Apache-2.0
// FineTuneTask: one fine-tuning run of the demo: the cached base checkpoint loaded into libmos's
// decoder (frozen), one adapter on all seven projections, as a TrainingTask for
// org.mos.train.Trainer.
package org.mos.cli.demo;

import java.nio.file.Path;
import java.util.Arrays;
import org.mos.AdamW;
import org.mos.Decoder;
import org.mos.MosContext;
import org.mos.MosModel;
import org.mos.ShardPool;
import org.mos.llm.LlamaModel;
import org.mos.train.Rng;
import org.mos.train.TrainingTask;

/** Losses are in bits per token (= bits per byte). */
public final class FineTuneTask implements TrainingTask, AutoCloseable {
  private final LlamaModel model;
  private final MosModel adapter;
  private final ByteData train;
  private final ByteData eval;
  private final int[] evalStarts;
  private final int seqs;
  private final int len;
  private final int[] lengths;
  private final int[] tokens;
  private final int[] targets;
  private final float scale;

  /**
   * @param evalStarts the fixed windows of {@code eval} that {@link #evalLoss()} averages over
   */
  public FineTuneTask(
      MosContext ctx,
      Path base,
      DemoModel m,
      Method method,
      float alpha,
      float dropout,
      long seed,
      ByteData train,
      ByteData eval,
      int[] evalStarts) {
    this.train = train;
    this.eval = eval;
    this.evalStarts = evalStarts;
    this.seqs = m.finetuneSeqs();
    this.len = m.seqLen();
    this.lengths = new int[seqs];
    Arrays.fill(lengths, len);
    this.tokens = new int[seqs * len];
    this.targets = new int[seqs * len];
    this.scale = 1f / (seqs * (len - 1));
    model = LlamaModel.load(
        ctx,
        base,
        LlamaModel.LoadOptions.defaults()
            .withWeightStorage(LlamaModel.WeightStorage.F32)
            .withTokenizer(false));
    try {
      // the paper's optimizer: AdamW, betas (0.9, 0.999), eps 1e-8, weight decay 0 (method.md §8)
      adapter = model.attachNewAdapter(
          method.config(alpha, dropout, seed),
          LlamaModel.PROJECTIONS,
          AdamW.builder().betas(0.9f, 0.999f).eps(1e-8f).weightDecay(0f));
      for (ShardPool pool : adapter.pools().values()) {
        method.applyRecipe(pool);
      }
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  public LlamaModel model() {
    return model;
  }

  public MosModel adapter() {
    return adapter;
  }

  @Override
  public double trainStep(long step, Rng rng) {
    train.sample(rng, seqs, len, tokens, targets);
    Decoder.Loss l = model.decoder().loss(lengths, tokens, targets, true, scale);
    return l.mean() / Math.log(2);
  }

  @Override
  public double evalLoss() {
    return bits(eval, evalStarts);
  }

  /** Mean bits per token over the given windows of {@code data} (inference mode). */
  public double bits(ByteData data, int[] starts) {
    double sum = 0;
    long count = 0;
    int chunk = Math.max(seqs, 2048 / len);
    for (int i = 0; i < starts.length; i += chunk) {
      int k = Math.min(chunk, starts.length - i);
      int[] lens = new int[k];
      Arrays.fill(lens, len);
      int[] tok = new int[k * len];
      int[] tgt = new int[k * len];
      for (int j = 0; j < k; j++) {
        data.fill(starts[i + j], len, j * len, tok, tgt);
      }
      Decoder.Loss l = model.decoder().loss(lens, tok, tgt, false, 0f);
      sum += l.sum();
      count += l.count();
    }
    return sum / count / Math.log(2);
  }

  @Override
  public String saveState() {
    var d = model.dropoutState();
    return d.seed() + " " + d.counter();
  }

  @Override
  public void restoreState(String state) {
    String[] p = state.split(" ");
    model.setDropoutState(
        new org.mos.MosLinear.DropoutState(Long.parseLong(p[0]), Long.parseLong(p[1])));
  }

  @Override
  public void close() {
    model.close();
  }
}
