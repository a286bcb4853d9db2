// SPDX-License-Identifier: Apache-2.0
// Support for the AdapterBank tests: adapters as ShardPools in their own context with random pools
// and drawn indices, their A_k and B_k from ShardPool.assembleA/B, the dense reference in double,
// and the tolerances read from the one shared table, tests/native/tolerances.h.
package org.mos;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

final class AdapterBankTestSupport {
  private AdapterBankTestSupport() {}

  /** One adapter: a pool group per projection in its own CPU context, and its factors. */
  static final class Source implements AutoCloseable {
    final MosContext ctx;
    final Map<String, ShardPool> pools = new LinkedHashMap<>();
    final Map<String, double[][]> a = new LinkedHashMap<>(); // per block: A_k [r x d_in]
    final Map<String, double[][]> b = new LinkedHashMap<>(); // per block: B_k [d_out x r]
    final int numLayers;
    final MosConfig config;

    Source(long seed, int numLayers, MosConfig config, Object... projs) {
      this.ctx = MosContext.cpu();
      this.numLayers = numLayers;
      this.config = config;
      Random rnd = new Random(seed);
      for (int i = 0; i < projs.length; i += 3) {
        String name = (String) projs[i];
        ShardPool p = ShardPool.create(
            ctx, (Integer) projs[i + 1], (Integer) projs[i + 2], numLayers, config);
        pools.put(name, p);
        p.write(PoolArray.POOL_A, random(rnd, p.size(PoolArray.POOL_A)));
        p.write(PoolArray.POOL_B, random(rnd, p.size(PoolArray.POOL_B)));
        p.generateIndices(seed * 31 + i);
        double[][] ak = new double[numLayers][];
        double[][] bk = new double[numLayers][];
        for (int k = 0; k < numLayers; k++) {
          ak[k] = toDouble(p.assembleA(k));
          bk[k] = toDouble(p.assembleB(k));
        }
        a.put(name, ak);
        b.put(name, bk);
      }
    }

    double scale() {
      return (double) config.alpha() / config.rank();
    }

    /** mos.h: 4 P (s_A + s_B) + 8 L r l bytes per projection. */
    long expectedBytes() {
      long total = 0;
      for (ShardPool p : pools.values()) {
        total += 4L * p.numShards() * (p.shardLengthA() + p.shardLengthB())
            + 8L * numLayers * p.indexLength();
      }
      return total;
    }

    /** (alpha/r) B_k A_k [d_out x d_in]. */
    double[] delta(String proj, int block) {
      ShardPool p = pools.get(proj);
      int r = config.rank();
      double[] d = new double[p.dOut() * p.dIn()];
      for (int o = 0; o < p.dOut(); o++) {
        for (int j = 0; j < r; j++) {
          double bv = scale() * b.get(proj)[block][o * r + j];
          for (int c = 0; c < p.dIn(); c++) {
            d[o * p.dIn() + c] += bv * a.get(proj)[block][j * p.dIn() + c];
          }
        }
      }
      return d;
    }

    /** y[yOff..] += (alpha/r) B_k (A_k x[xOff..]), two products in double; no-op without proj. */
    void addDelta(String proj, int block, float[] x, int xOff, double[] y, int yOff) {
      ShardPool p = pools.get(proj);
      if (p == null) {
        return;
      }
      int r = config.rank();
      double[] u = new double[r];
      double[] ak = a.get(proj)[block];
      double[] bk = b.get(proj)[block];
      for (int j = 0; j < r; j++) {
        double s = 0;
        for (int c = 0; c < p.dIn(); c++) {
          s += ak[j * p.dIn() + c] * x[xOff + c];
        }
        u[j] = s;
      }
      for (int o = 0; o < p.dOut(); o++) {
        double s = 0;
        for (int j = 0; j < r; j++) {
          s += bk[o * r + j] * u[j];
        }
        y[yOff + o] += scale() * s;
      }
    }

    @Override
    public void close() {
      pools.values().forEach(ShardPool::close);
      ctx.close();
    }
  }

  /** An adapter with (r, R_eq, p, l, alpha) over projections given as name, d_in, d_out. */
  static Source source(
      long seed, int numLayers, int r, int rEq, int p, int l, float alpha, Object... projs) {
    MosConfig c = MosConfig.builder()
        .rank(r)
        .equivalentRank(rEq)
        .privateRank(p)
        .shardsPerVector(l)
        .alpha(alpha)
        .build();
    return new Source(seed, numLayers, c, projs);
  }

  static float[] random(Random rnd, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = rnd.nextFloat() * 2 - 1;
    }
    return v;
  }

  static double[] toDouble(float[] v) {
    double[] d = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      d[i] = v[i];
    }
    return d;
  }

  /** y0 + every token's delta through its adapter's dense factors (ids of -1: nothing). */
  static double[] expected(
      List<Source> byId, String proj, int block, float[] x, int[] ids, float[] y0) {
    double[] y = toDouble(y0);
    int dOut = y0.length / ids.length;
    int dIn = x.length / ids.length;
    for (int t = 0; t < ids.length; t++) {
      if (ids[t] >= 0) {
        byId.get(ids[t]).addDelta(proj, block, x, t * dIn, y, t * dOut);
      }
    }
    return y;
  }

  private static Map<String, Double> table;

  /** MOS_TOL_<name> from tests/native/tolerances.h (the one tolerance table). */
  static synchronized double tol(String name) {
    if (table == null) {
      String root = System.getProperty("mos.root", "..");
      Path h = Path.of(root, "tests/native/tolerances.h");
      if (!Files.isRegularFile(h)) {
        h = Path.of("..", "tests/native/tolerances.h");
      }
      Map<String, Double> t = new LinkedHashMap<>();
      try {
        Matcher m = Pattern.compile("#define\\s+MOS_TOL_(\\w+)\\s+([0-9.eE+-]+)")
            .matcher(Files.readString(h));
        while (m.find()) {
          t.put(m.group(1), Double.parseDouble(m.group(2)));
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the tolerance table " + h, e);
      }
      table = t;
    }
    Double v = table.get(name);
    if (v == null) {
      fail("tests/native/tolerances.h has no MOS_TOL_" + name);
    }
    return v;
  }

  /** Normwise relative error max|got - ref| / max|ref| at MOS_TOL_F32_FORWARD. */
  static void assertClose(String what, float[] got, double[] ref, String context) {
    assertClose(what, got, ref, tol("F32_FORWARD"), context);
  }

  static void assertClose(String what, float[] got, double[] ref, double tol, String context) {
    if (got.length != ref.length) {
      fail(what + " [" + context + "]: " + got.length + " values, expected " + ref.length);
    }
    double num = 0;
    double den = 0;
    int worst = 0;
    for (int i = 0; i < ref.length; i++) {
      double d = Math.abs(got[i] - ref[i]);
      if (!(d <= num)) {
        num = d;
        worst = i;
      }
      den = Math.max(den, Math.abs(ref[i]));
    }
    double rel = num / Math.max(den, tol("TINY"));
    if (!(rel <= tol)) {
      fail(String.format(
          "%s [%s]: rel error %.3e > tol %.1e; worst element %d: got %.9g, " + "expected %.9g",
          what, context, rel, tol, worst, got[worst], ref[worst]));
    }
  }
}
