// SPDX-License-Identifier: Apache-2.0
// CUDA vs CPU on the same inputs (pools, indices, x, W, dy) over a table of shapes: y, dx, dpool_A,
// dpool_B, delta W and one AdamW step at CUDA_VS_CPU_F32 (1e-5). Skipped where CUDA is unavailable.
package org.mos;

import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CudaParityTest {

  @BeforeAll
  static void needsCuda() {
    Assumptions.assumeTrue(
        Backend.CUDA.isAvailable(), () -> "CUDA unavailable: " + Backend.CUDA.unavailableReason());
  }

  static Stream<Arguments> shapes() {
    return Stream.of(
        Arguments.of(8, 12, 3, Fixture.cfg(4, 2, 1, 2), 5),
        Arguments.of(64, 176, 4, Fixture.cfg(8, 4, 1, 2), 33),
        Arguments.of(256, 512, 4, Fixture.cfg(16, 4, 1, 4), 130),
        Arguments.of(96, 32, 2, Fixture.cfg(3, 2, 0, 1), 7));
  }

  @ParameterizedTest(name = "{0}->{1}, L={2}, {3}, N={4}")
  @MethodSource("shapes")
  void cudaMatchesCpu(int dIn, int dOut, int numLayers, MosConfig config, int n) {
    long seed = 1000 + dIn;
    float[][] cpu = run(Backend.CPU, seed, dIn, dOut, numLayers, config, n);
    float[][] gpu = run(Backend.CUDA, seed, dIn, dOut, numLayers, config, n);
    String[] what = {
      "y", "dx", "dpool_A", "dpool_B", "delta W", "pool_A after AdamW", "pool_B after AdamW"
    };
    String ctx =
        "seed=" + seed + ", " + dIn + "->" + dOut + ", L=" + numLayers + ", " + config + ", N=" + n;
    for (int i = 0; i < what.length; i++) {
      Tolerances.assertClose(
          what[i] + " CUDA vs CPU", gpu[i], cpu[i], Tolerances.CUDA_VS_CPU_F32, ctx);
    }
  }

  static float[][] run(
      Backend backend, long seed, int dIn, int dOut, int numLayers, MosConfig c, int n) {
    java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
    try (MosContext ctx = MosContext.create(backend);
        ShardPool pool = ShardPool.create(ctx, dIn, dOut, numLayers, c);
        Tensor w = Tensor.of(ctx, Fixture.random(rng, dOut * dIn, 0.3), dOut, dIn);
        MosLinear layer = MosLinear.create(pool, numLayers - 1, w, null);
        AdamW opt = AdamW.builder().lr(1e-2f).build(ctx)) {
      pool.init(seed);
      pool.generateIndices(seed);
      pool.write(PoolArray.POOL_B, Fixture.random(rng, pool.size(PoolArray.POOL_B), 0.5));
      opt.addPool(pool);
      float[] x = Fixture.random(rng, n * dIn, 1);
      float[] g = Fixture.random(rng, n * dOut, 1);
      float[] y = layer.forward(x, n, true);
      opt.zeroGrad();
      float[] dx = layer.backward(x, g, n);
      float[] gA = pool.read(PoolArray.GRAD_A);
      float[] gB = pool.read(PoolArray.GRAD_B);
      float[] delta = layer.deltaWeight();
      opt.step();
      ctx.synchronize();
      return new float[][] {
        y, dx, gA, gB, delta, pool.read(PoolArray.POOL_A), pool.read(PoolArray.POOL_B)
      };
    }
  }
}
