// SPDX-License-Identifier: Apache-2.0
// BaseModels: get the pretrained base of a config: from the cache when a valid file is there,
// else pretrain it (with a progress bar) and cache it. Shared by `mos demo` and `mos train`.
package org.mos.cli.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import org.mos.cli.Progress;

/** Static helper. */
public final class BaseModels {
  private BaseModels() {}

  /**
   * A base model and where it came from.
   *
   * @param key              the cache key (config, seed, corpus hash)
   * @param fromCache        whether it was loaded rather than trained now
   * @param pretrainSeconds  the time its pretraining took (when it was trained, now or before)
   */
  public record Base(BaseWeights weights, String key, boolean fromCache, double pretrainSeconds) {}

  /** Load the base of (cfg, seed, pretraining text) from cacheDir, or pretrain and cache it. */
  public static Base loadOrPretrain(LmConfig cfg, byte[] pretrainText, String source, long seed,
      Path cacheDir, boolean retrain, Dense dense, PrintWriter out, Progress.Mode mode) {
    String key = BaseCache.key(cfg, seed, DemoCorpus.sha256(pretrainText));
    Path file = BaseCache.file(cacheDir, key);
    if (!retrain) {
      var loaded = BaseCache.load(file, cfg, key);
      if (loaded.isPresent() && loaded.get().weights() != null) {
        out.printf("base model: loaded from the cache %s%n", file);
        return new Base(loaded.get().weights(), key, true,
            loaded.get().info().path("pretrain_seconds").asDouble(Double.NaN));
      }
      if (loaded.isPresent()) {
        out.printf("base model: the cached file %s is unusable (%s); pretraining again%n", file,
            loaded.get().problem());
      }
    }
    TextData.Split pre = TextData.split(pretrainText, cfg.context(), 4096, 0.02, 0.02);
    out.printf("base model: pretraining all %,d weights for %,d steps of %d examples on %s "
        + "(once; cached in %s)%n", cfg.baseParameters(), cfg.pretrainSteps(), cfg.batch(), source, cacheDir);
    out.flush();
    long t0 = System.nanoTime();
    BaseWeights w;
    try (Progress bar = Progress.start("pretrain", cfg.pretrainSteps(), out, mode)) {
      w = Pretrainer.pretrain(cfg, pre.train(), dense, seed,
          (step, total, loss) -> bar.update(step, loss / Math.log(2), (long) step * cfg.batch()));
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    ObjectNode info = new ObjectMapper().createObjectNode();
    info.put("pretrain_seconds", seconds);
    info.put("corpus", source);
    try {
      BaseCache.save(file, w, key, info);
    } catch (IOException e) {
      out.printf("base model: could not cache it in %s (%s); continuing%n", file, e.getMessage());
    }
    return new Base(w, key, false, seconds);
  }
}
