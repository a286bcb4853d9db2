// SPDX-License-Identifier: Apache-2.0
// MosConfig: defaults, builder, the compact constructor's rules, validateFor, and parity of the
// Java rules with libmos's mos_config_validate over a grid (exact: same accept/reject decision);
// trainable-parameter counts from the config alone vs method.md §7's numbers and libmos (exact).
package org.mos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;
import org.mos.ffi.mos_config;
import org.mos.ffi.mos_h;

class MosConfigTest {

  /** mos_config_validate on a mos_config_t filled field by field (any values, valid or not). */
  static int validate(
      int dIn, int dOut, int numBlocks, int r, int rEq, int p, int l, float alpha, float dropout) {
    try (Arena a = Arena.ofConfined()) {
      return mos_h.mos_config_validate(
          struct(a, dIn, dOut, numBlocks, r, rEq, p, l, alpha, dropout));
    }
  }

  static MemorySegment struct(
      Arena a,
      int dIn,
      int dOut,
      int numBlocks,
      int r,
      int rEq,
      int p,
      int l,
      float alpha,
      float dropout) {
    MemorySegment c = mos_config.allocate(a);
    mos_config.struct_size(c, (int) mos_config.sizeof());
    mos_config.d_in(c, dIn);
    mos_config.d_out(c, dOut);
    mos_config.num_blocks(c, numBlocks);
    mos_config.rank(c, r);
    mos_config.equivalent_rank(c, rEq);
    mos_config.private_rank(c, p);
    mos_config.shards_per_vector(c, l);
    mos_config.alpha(c, alpha);
    mos_config.dropout(c, dropout);
    return c;
  }

  @Test
  void theNativeStructIsTheHeadersAndItsSizeIsChecked() {
    NativeLoader.load();
    assertEquals(40, mos_config.sizeof(), "mos_config_t: nine 4-byte fields after struct_size");
    try (Arena a = Arena.ofConfined()) {
      MemorySegment c =
          MosConfig.builder().rank(4).equivalentRank(2).privateRank(1).build().toNative(a, 8, 6, 3);
      assertEquals(0, mos_h.mos_config_validate(c), Native.lastError());
      assertEquals("", Native.lastError(), "a successful call empties mos_last_error");
      mos_config.struct_size(c, 36);
      assertEquals(Status.INVALID_ARGUMENT.code(), mos_h.mos_config_validate(c));
      assertTrue(
          Native.lastError()
              .startsWith(
                  "mos_config_validate: config->struct_size is 36 but this library's mos_config_t has 40"),
          Native.lastError());
      // The fields arrive as named: r = 3 with R_eq = 1 (L = l = 1) needs 3 shared shards of
      // S = 1 public row and is refused; the swapped pair r = 1, R_eq = 3 is valid.
      MemorySegment tooWide = struct(a, 8, 8, 1, 3, 1, 0, 1, 16f, 0f);
      assertEquals(Status.INVALID_ARGUMENT.code(), mos_h.mos_config_validate(tooWide));
      MemorySegment swapped = struct(a, 8, 8, 1, 1, 3, 0, 1, 16f, 0f);
      assertEquals(0, mos_h.mos_config_validate(swapped), Native.lastError());
      MemorySegment count = a.allocate(ValueLayout.JAVA_LONG);
      Native.check(mos_h.mos_config_param_count(swapped, count));
      assertEquals(3L * 1 * 16, count.get(ValueLayout.JAVA_LONG, 0));
    }
  }

  @Test
  void defaultsAndBuilder() {
    MosConfig d = MosConfig.defaults();
    assertEquals(new MosConfig(16, 4, 1, 2, 16f, 0f, 0L), d);
    assertEquals(1f, d.scaling());
    MosConfig c = d.toBuilder().rank(8).seed(9).dropout(0.1f).build();
    assertEquals(8, c.rank());
    assertEquals(9L, c.seed());
    assertEquals(0.1f, c.dropout());
    assertEquals(2f, c.scaling());
    assertEquals(4 * 32 * 2, d.numShards(32));
    assertEquals(3 * 32 * 2, d.publicShards(32));
    assertThrows(MosException.class, () -> MosConfig.builder().dropout(1f).build());
    assertThrows(
        MosException.class, () -> MosConfig.builder().dropout(Float.NaN).build());
    assertThrows(
        MosException.class,
        () -> MosConfig.builder().alpha(Float.POSITIVE_INFINITY).build());
    assertThrows(MosException.class, () -> MosConfig.builder().rank(0).build());
    assertThrows(
        MosException.class,
        () -> MosConfig.builder().equivalentRank(0).privateRank(0).build());
    assertThrows(
        MosException.class, () -> MosConfig.builder().shardsPerVector(0).build());
    assertThrows(MosException.class, () -> MosConfig.builder().privateRank(-1).build());
    // The defaults need L >= 5: (16 - 1) * 2 = 30 <= 3 * L * 2.
    assertThrows(MosException.class, () -> d.validateFor(64, 64, 4));
    assertEquals(d, d.validateFor(64, 64, 5));
  }

  @Test
  void javaAndNativeValidationAgree() {
    NativeLoader.load();
    int checked = 0;
    for (int r = 0; r <= 5; r++) {
      for (int rEq = 0; rEq <= 3; rEq++) {
        for (int p = -1; p <= 4; p++) {
          for (int l = 0; l <= 3; l++) {
            for (int numLayers : new int[] {0, 1, 2}) {
              for (int[] d : new int[][] {{6, 6}, {4, 6}, {6, 9}, {0, 6}}) {
                boolean fromJava;
                try {
                  new MosConfig(r, rEq, p, l, 16f, 0f, 0).checkShapes(d[0], d[1], numLayers);
                  fromJava = true;
                } catch (MosException e) {
                  assertEquals(Status.INVALID_ARGUMENT, e.status());
                  fromJava = false;
                }
                int status = validate(d[0], d[1], numLayers, r, rEq, p, l, 16f, 0f);
                assertEquals(
                    fromJava,
                    status == 0,
                    "r=" + r + " R_eq=" + rEq + " p=" + p + " l=" + l
                        + " L=" + numLayers + " d=" + d[0] + "->" + d[1] + ": Java says " + fromJava
                        + ", libmos status " + status + " " + Native.lastError());
                if (status != 0) {
                  assertEquals(Status.INVALID_ARGUMENT.code(), status);
                }
                checked++;
              }
            }
          }
        }
      }
    }
    assertTrue(checked > 1000);
    for (float dropout : new float[] {-0.1f, 0f, 0.5f, 1f, Float.NaN}) {
      int status = validate(8, 8, 2, 2, 2, 1, 2, 16f, dropout);
      assertEquals(dropout >= 0 && dropout < 1, status == 0, "dropout " + dropout);
    }
    assertTrue(validate(8, 8, 2, 2, 2, 1, 2, Float.NaN, 0f) != 0, "alpha NaN");
  }

  @Test
  void trainableParametersFromTheConfigAlone() {
    // LLaMA2-7B: q, k, v, o 4096 -> 4096; gate, up 4096 -> 11008; down 11008 -> 4096; L = 32.
    int[][] projections = {
      {4096, 4096},
      {4096, 4096},
      {4096, 4096},
      {4096, 4096},
      {4096, 11008},
      {4096, 11008},
      {11008, 4096}
    };
    assertEquals(
        4_997_120L, total(MosConfig.builder().rank(8).equivalentRank(2).build(), projections, 32));
    assertEquals(
        19_988_480L,
        total(MosConfig.builder().rank(32).equivalentRank(8).build(), projections, 32));
    // independent of r, p and l
    assertEquals(
        4_997_120L,
        total(
            MosConfig.builder()
                .rank(64)
                .equivalentRank(2)
                .privateRank(0)
                .shardsPerVector(8)
                .build(),
            projections,
            32));
    // LLaMA2-13B (5120 / 13824, L = 40), R_eq = 2: 7,823,360 (method.md §7)
    int[][] p13 = {
      {5120, 5120},
      {5120, 5120},
      {5120, 5120},
      {5120, 5120},
      {5120, 13824},
      {5120, 13824},
      {13824, 5120}
    };
    assertEquals(7_823_360L, total(MosConfig.builder().rank(8).equivalentRank(2).build(), p13, 40));
  }

  static long total(MosConfig c, int[][] projections, int numLayers) {
    long sum = 0;
    NativeLoader.load();
    for (int[] p : projections) {
      long fromJava = c.trainableParameters(p[0], p[1], numLayers);
      try (Arena a = Arena.ofConfined()) {
        var out = a.allocate(ValueLayout.JAVA_LONG);
        Native.check(mos_h.mos_config_param_count(c.toNative(a, p[0], p[1], numLayers), out));
        assertEquals(fromJava, out.get(ValueLayout.JAVA_LONG, 0), "mos_config_param_count");
      }
      sum += fromJava;
    }
    return sum;
  }

  @Test
  void poolParameterCountMatchesTheConfig() {
    MosConfig c = Fixture.cfg(8, 4, 1, 2);
    try (MosContext ctx = MosContext.cpu();
        ShardPool pool = ShardPool.create(ctx, 64, 176, 4, c)) {
      assertEquals(c.trainableParameters(64, 176, 4), pool.parameterCount());
      assertEquals(4L * 4 * 240, pool.parameterCount());
      assertEquals(
          pool.size(PoolArray.POOL_A) + pool.size(PoolArray.POOL_B), pool.parameterCount());
      assertEquals(32, pool.numShards());
      assertEquals(24, pool.publicShards());
      assertEquals(32, pool.shardLengthA());
      assertEquals(88, pool.shardLengthB());
      assertEquals(16, pool.indexLength());
      assertEquals(32, pool.rows(PoolArray.GRAD_A));
      assertEquals(88, pool.rows(PoolArray.ADAM_V_B));
    }
  }
}
