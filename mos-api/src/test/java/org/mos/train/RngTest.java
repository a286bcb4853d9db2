// SPDX-License-Identifier: Apache-2.0
// Rng: the same seed gives the same stream, a restored state continues it exactly, bounded draws
// stay in range and are roughly uniform.
package org.mos.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RngTest {
  @Test
  void stateRestoresTheStream() {
    Rng a = new Rng(42);
    for (int i = 0; i < 10; i++) {
      a.nextLong();
    }
    long state = a.state();
    long[] expected = {a.nextLong(), a.nextInt(7), Double.doubleToLongBits(a.nextGaussian())};
    Rng b = new Rng(0);
    b.setState(state);
    assertEquals(expected[0], b.nextLong());
    assertEquals(expected[1], b.nextInt(7));
    assertEquals(expected[2], Double.doubleToLongBits(b.nextGaussian()));
    assertNotEquals(new Rng(1).nextLong(), new Rng(2).nextLong());
  }

  @Test
  void boundedDrawsAreInRangeAndSpread() {
    Rng r = new Rng(7);
    int[] counts = new int[10];
    for (int i = 0; i < 100_000; i++) {
      int v = r.nextInt(10);
      assertTrue(v >= 0 && v < 10);
      counts[v]++;
      double d = r.nextDouble();
      assertTrue(d >= 0 && d < 1);
      float f = r.nextFloat();
      assertTrue(f >= 0 && f < 1);
    }
    for (int c : counts) {
      assertTrue(Math.abs(c - 10_000) < 500, "counts " + java.util.Arrays.toString(counts));
    }
  }
}
