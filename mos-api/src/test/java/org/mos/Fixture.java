// SPDX-License-Identifier: Apache-2.0
// Fixture: seeded random data and a ready pool (random pool_A AND pool_B, generated indices) for
// the
// numerical tests, plus the oracle view of a block of it.
package org.mos;

import java.util.SplittableRandom;

/** One projection type's pool in a CPU context, with random contents. Close it after use. */
final class Fixture implements AutoCloseable {
  final long seed;
  final int dIn;
  final int dOut;
  final int numLayers;
  final MosConfig config;
  final MosContext ctx;
  final ShardPool pool;
  final SplittableRandom rng;

  Fixture(long seed, int dIn, int dOut, int numLayers, MosConfig config) {
    this(MosContext.cpu(), seed, dIn, dOut, numLayers, config);
  }

  Fixture(MosContext ctx, long seed, int dIn, int dOut, int numLayers, MosConfig config) {
    this.seed = seed;
    this.dIn = dIn;
    this.dOut = dOut;
    this.numLayers = numLayers;
    this.config = config;
    this.ctx = ctx;
    this.rng = new SplittableRandom(seed);
    this.pool = ShardPool.create(ctx, dIn, dOut, numLayers, config);
    pool.init(seed);
    pool.generateIndices(seed + 1);
    // pool_B = 0 after init; random B makes every gradient non-trivial.
    pool.write(PoolArray.POOL_B, random(pool.size(PoolArray.POOL_B), 0.5));
  }

  float[] random(int n, double scale) {
    return random(rng, n, scale);
  }

  static float[] random(SplittableRandom rng, int n, double scale) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (scale * (2 * rng.nextDouble() - 1));
    }
    return v;
  }

  int r() {
    return config.rank();
  }

  int l() {
    return config.shardsPerVector();
  }

  double[] oracleA(int k) {
    return Oracle.assembleA(
        pool.read(PoolArray.POOL_A), pool.shardLengthA(), pool.indicesA(k), r(), l());
  }

  double[] oracleB(int k) {
    return Oracle.assembleB(
        pool.read(PoolArray.POOL_B),
        pool.shardLengthB(),
        pool.numShards(),
        pool.indicesB(k),
        r(),
        l());
  }

  Oracle.Layer oracle(int k, float[] w, float[] bias) {
    return new Oracle.Layer(
        oracleA(k),
        oracleB(k),
        w == null ? null : Oracle.d(w),
        bias == null ? null : Oracle.d(bias),
        r(),
        dIn,
        dOut,
        config.scaling());
  }

  /** "seed=.., dIn->dOut, L, config" for failure messages. */
  String describe() {
    return "seed=" + seed + ", " + dIn + "->" + dOut + ", L=" + numLayers + ", r=" + r() + ", R_eq="
        + config.equivalentRank() + ", p=" + config.privateRank() + ", l=" + l();
  }

  @Override
  public void close() {
    pool.close();
    ctx.close();
  }

  static MosConfig cfg(int r, int rEq, int p, int l) {
    return MosConfig.builder()
        .rank(r)
        .equivalentRank(rEq)
        .privateRank(p)
        .shardsPerVector(l)
        .alpha(16f)
        .build();
  }
}
