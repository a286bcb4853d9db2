// SPDX-License-Identifier: Apache-2.0
// Compares libmos's assembled A_k, B_k (mos_pool_assemble) with the method.md §3 closed form
// computed
// here from the pool arrays and indices; exact (F32_ASSEMBLY = 0: assembly only copies).
package org.mos;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AssemblyTest {

  static Stream<Arguments> shapes() {
    return Stream.of(
        Arguments.of("typical", 8, 12, 3, Fixture.cfg(4, 2, 1, 2)),
        Arguments.of("l=1", 6, 10, 2, Fixture.cfg(3, 2, 0, 1)),
        Arguments.of("p=0", 8, 8, 2, Fixture.cfg(4, 2, 0, 2)),
        Arguments.of("p=R_eq (plain LoRA)", 8, 6, 3, Fixture.cfg(2, 2, 2, 2)),
        Arguments.of("l=4", 16, 8, 2, Fixture.cfg(3, 2, 1, 4)),
        Arguments.of("rectangular 64->176", 64, 176, 4, Fixture.cfg(8, 4, 1, 2)),
        Arguments.of("rectangular 176->64", 176, 64, 4, Fixture.cfg(8, 4, 1, 2)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void assembledFactorsEqualTheClosedForm(
      String name, int dIn, int dOut, int numLayers, MosConfig config) {
    try (Fixture f = new Fixture(11, dIn, dOut, numLayers, config)) {
      for (int k = 0; k < numLayers; k++) {
        String ctx = f.describe() + ", block " + k;
        Tolerances.assertClose(
            "A_k", f.pool.assembleA(k), f.oracleA(k), Tolerances.F32_ASSEMBLY, ctx);
        Tolerances.assertClose(
            "B_k", f.pool.assembleB(k), f.oracleB(k), Tolerances.F32_ASSEMBLY, ctx);
      }
    }
  }

  @Test
  void duplicateIndicesAreAllowedAndCopiedRankMajor() {
    // r=3, l=2, P=12: rank 0 = [shard 5 | shard 5], rank 1 = [shard 0 | shard 11], rank 2 = [5 | 0]
    try (Fixture f = new Fixture(3, 8, 12, 3, Fixture.cfg(3, 2, 0, 2))) {
      int[] a = {5, 5, 0, 11, 5, 0};
      int[] b = {1, 1, 1, 1, 2, 3};
      f.pool.setIndices(1, a, b);
      assertArrayEquals(a, f.pool.indicesA(1));
      assertArrayEquals(b, f.pool.indicesB(1));
      float[] poolA = f.pool.read(PoolArray.POOL_A);
      float[] gotA = f.pool.assembleA(1);
      int sA = f.pool.shardLengthA();
      // rank-major by hand: row j, segment i holds pool_A row idx[j*l + i]
      for (int t = 0; t < sA; t++) {
        assertEquals(poolA[5 * sA + t], gotA[0 * 8 + t]);
        assertEquals(poolA[5 * sA + t], gotA[0 * 8 + sA + t]);
        assertEquals(poolA[0 * sA + t], gotA[1 * 8 + t]);
        assertEquals(poolA[11 * sA + t], gotA[1 * 8 + sA + t]);
      }
      Tolerances.assertClose("A_k", gotA, f.oracleA(1), 0, f.describe());
      Tolerances.assertClose("B_k", f.pool.assembleB(1), f.oracleB(1), 0, f.describe());
    }
  }

  @Test
  void assembleIntoTensors() {
    try (Fixture f = new Fixture(5, 8, 12, 3, Fixture.cfg(4, 2, 1, 2));
        Tensor a = Tensor.zeros(f.ctx, 4, 8);
        Tensor b = Tensor.zeros(f.ctx, 12, 4)) {
      f.pool.assemble(2, a, null);
      f.pool.assemble(2, null, b);
      Tolerances.assertClose("A_k", a.toArray(), f.oracleA(2), 0, f.describe());
      Tolerances.assertClose("B_k", b.toArray(), f.oracleB(2), 0, f.describe());
    }
  }
}
