// SPDX-License-Identifier: Apache-2.0
// TestModels: the tiny checkpoint and adapters the server tests serve, written by the tests: the
// transformers fixture's config and tokenizer (tests/fixtures/hf/llama-gqa-f32) with new random
// weights scaled for clear top-1 margins, MoS adapters with random pools, and the PEFT fixture.
package org.mos.serve;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.mos.MosConfig;
import org.mos.MosContext;
import org.mos.MosModel;
import org.mos.PoolArray;
import org.mos.ShardPool;
import org.mos.io.SafeTensorsWriter;
import org.mos.llm.LlamaConfig;
import org.mos.llm.LlamaModel;

final class TestModels {
  private TestModels() {}

  static Path fixtures() {
    return Path.of(System.getProperty("mos.hf.fixtures", "../tests/fixtures/hf"));
  }

  /**
   * A checkpoint in {@code dir}: the fixture's config.json and tokenizer files (with its chat
   * template when {@code chat}), and random weights: matrices ~ N(0, 0.35²) (the logits spread
   * over about ±10, so the top two differ by far more than rounding), norm weights 1.
   */
  static Path checkpoint(Path dir, boolean chat, long seed) throws IOException {
    Path src = fixtures().resolve("llama-gqa-f32");
    Files.createDirectories(dir);
    for (String f : List.of(
        "config.json", "tokenizer.json", "tokenizer_config.json", "generation_config.json")) {
      Files.copy(src.resolve(f), dir.resolve(f));
    }
    if (chat) Files.copy(src.resolve("chat_template.jinja"), dir.resolve("chat_template.jinja"));
    LlamaConfig c = LlamaConfig.parse(Files.readString(dir.resolve("config.json")));
    Random rnd = new Random(seed);
    SafeTensorsWriter w = new SafeTensorsWriter().metadata("format", "pt");
    for (LlamaConfig.TensorSpec s : c.tensors()) {
      long[] shape = s.shapeArray();
      long n = 1;
      for (long d : shape) n *= d;
      float[] v = new float[(int) n];
      boolean norm = s.name().endsWith("norm.weight");
      for (int i = 0; i < v.length; i++) {
        v[i] = norm ? 1f : 0.35f * (float) rnd.nextGaussian();
      }
      w.addF32(s.name(), shape, v);
    }
    w.write(dir.resolve("model.safetensors"));
    return dir;
  }

  /** A MoS adapter (q, v, down; r 4 from R_eq 2) with random pools, saved in {@code dir}. */
  static Path mosAdapter(LlamaModel model, Path dir, long seed) {
    MosConfig cfg = MosConfig.builder()
        .rank(4)
        .equivalentRank(2)
        .privateRank(1)
        .shardsPerVector(2)
        .alpha(8)
        .seed(seed)
        .build();
    MosModel a = model.attachNewAdapter(cfg, List.of("q_proj", "v_proj", "down_proj"));
    try {
      Random rnd = new Random(seed);
      for (ShardPool p : a.pools().values()) {
        for (PoolArray arr : new PoolArray[] {PoolArray.POOL_A, PoolArray.POOL_B}) {
          float[] v = new float[p.size(arr)];
          for (int i = 0; i < v.length; i++) v[i] = 0.5f * (float) rnd.nextGaussian();
          p.write(arr, v);
        }
      }
      model.saveAdapter(dir);
    } finally {
      model.detachAdapter();
    }
    return dir;
  }

  /** The model in {@code dir} with F32 weights. */
  static LlamaModel load(MosContext ctx, Path dir) {
    return LlamaModel.load(
        ctx,
        dir,
        LlamaModel.LoadOptions.defaults().withWeightStorage(LlamaModel.WeightStorage.F32));
  }
}
