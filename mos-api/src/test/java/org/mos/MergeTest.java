// SPDX-License-Identifier: Apache-2.0
// Merging (method.md §10.11): W' = W + (alpha/r) B_k A_k vs the double oracle at F32_DELTA (1e-5);
// the
// merged forward vs the unmerged one at F32_MERGED_FORWARD (1e-5); merge + unmerge vs the original
// W at F32_MERGE_ROUNDTRIP (1e-5); and the state errors (merge twice, unmerge unmerged, no weight).
package org.mos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MergeTest {

  @Test
  void mergeUnmergeRoundTrip() {
    try (Fixture f = new Fixture(51, 16, 24, 3, Fixture.cfg(4, 2, 1, 2))) {
      float[] w = f.random(24 * 16, 0.5);
      try (Tensor wt = Tensor.of(f.ctx, w, 24, 16);
          MosLinear layer = MosLinear.create(f.pool, 2, wt, null)) {
        String ctx = f.describe() + ", block 2";
        float[] x = f.random(5 * 16, 1);
        float[] unmerged = layer.forward(x, 5, false);
        assertFalse(layer.isMerged());
        layer.merge();
        assertTrue(layer.isMerged());
        Tolerances.assertClose(
            "W' = W + delta",
            wt.toArray(),
            Oracle.plus(Oracle.d(w), f.oracle(2, w, null).delta()),
            Tolerances.F32_DELTA,
            ctx);
        Tolerances.assertClose(
            "merged forward",
            layer.forward(x, 5, false),
            unmerged,
            Tolerances.F32_MERGED_FORWARD,
            ctx);
        MosException twice = assertThrows(MosException.class, layer::merge);
        assertEquals(Status.INVALID_STATE, twice.status(), twice.getMessage());
        layer.unmerge();
        assertFalse(layer.isMerged());
        Tolerances.assertClose(
            "W after merge + unmerge", wt.toArray(), w, Tolerances.F32_MERGE_ROUNDTRIP, ctx);
        MosException again = assertThrows(MosException.class, layer::unmerge);
        assertEquals(Status.INVALID_STATE, again.status(), again.getMessage());
      }
    }
  }

  @Test
  void adapterOnlyLayerCannotMerge() {
    try (Fixture f = new Fixture(52, 8, 8, 2, Fixture.cfg(2, 2, 1, 2));
        MosLinear layer = MosLinear.create(f.pool, 0, null, null)) {
      MosException e = assertThrows(MosException.class, layer::merge);
      assertEquals(Status.INVALID_STATE, e.status(), e.getMessage());
      assertFalse(layer.isMerged());
    }
  }
}
