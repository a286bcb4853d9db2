// SPDX-License-Identifier: Apache-2.0
// CasesTest: the seeded property runner itself. Same seed and property, same draws; a failing
// case reports its index, the run seed and a replay command; ranges stay in bounds and reach them.
package org.mos.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CasesTest {
  @Test
  void theSamePropertyDrawsTheSameCasesAndCasesDiffer() {
    List<Long> first = new ArrayList<>();
    List<Long> second = new ArrayList<>();
    Cases.forAll(50, g -> first.add(g.nextLong()));
    Cases.forAll(50, g -> second.add(g.nextLong()));
    assertEquals(first, second);
    assertEquals(50, new HashSet<>(first).size());
  }

  @Test
  void aFailingCaseNamesItsIndexTheSeedAndTheReplay() {
    IllegalStateException cause = new IllegalStateException("the check");
    AssertionError e = assertThrows(
        AssertionError.class,
        () -> Cases.forAll(20, g -> {
          if (g.index() == 7) throw cause;
        }));
    String m = e.getMessage();
    String property = "aFailingCaseNamesItsIndexTheSeedAndTheReplay";
    assertTrue(m.startsWith(property + ": case 7 of 20 failed (seed " + Cases.seedText() + ")"), m);
    assertTrue(m.contains("the check"), m);
    assertTrue(m.contains("-Dtest='CasesTest#" + property + "'"), m);
    assertTrue(m.contains("-D" + Cases.SEED_PROPERTY + "=" + Cases.seedText()), m);
    assertSame(cause, e.getCause());
  }

  @Test
  void errorsFailTheProperty() {
    AssertionError e = assertThrows(
        AssertionError.class,
        () -> Cases.forAll(3, g -> {
          throw new OutOfMemoryError("simulated");
        }));
    assertTrue(e.getCause() instanceof OutOfMemoryError);
  }

  @Test
  void rangesStayInsideTheirBoundsAndReachThem() {
    Set<Long> seen = new HashSet<>();
    Cases.forAll(2000, g -> {
      long v = g.longIn(-3, 5);
      assertTrue(v >= -3 && v <= 5, "drew " + v);
      seen.add(v);
      long big = g.longIn(Long.MAX_VALUE - 2, Long.MAX_VALUE);
      assertTrue(big >= Long.MAX_VALUE - 2, "drew " + big);
      int any = g.intIn(Integer.MIN_VALUE, Integer.MAX_VALUE);
      long wide = g.longIn(-1, Long.MAX_VALUE); // a span of 2^63 + 1 values
      assertTrue(wide >= -1, "drew " + wide);
      g.longIn(Long.MIN_VALUE, Long.MAX_VALUE); // all 2^64 values
      String s = g.string(2, 9);
      assertTrue(s.length() >= 2 && s.length() <= 9, "length " + s.length());
      List<Integer> l = g.list(1, 4, () -> any);
      assertTrue(l.size() >= 1 && l.size() <= 4);
    });
    assertEquals(9, seen.size(), "every value of [-3, 5]: " + seen);
    assertThrows(AssertionError.class, () -> Cases.forAll(1, g -> g.longIn(2, 1)));
  }

  @Test
  void edgesComeUpMoreOftenThanTheirShare() {
    int[] edges = {0};
    Cases.forAll(4000, g -> {
      int v = g.intIn(0, 1_000_000);
      if (v == 0 || v == 1_000_000) edges[0]++;
    });
    // Uniform draws would hit either bound about 0.008 times in 4,000; one draw in 32 is a bound.
    assertTrue(edges[0] > 60, edges[0] + " bounds drawn");
  }
}
