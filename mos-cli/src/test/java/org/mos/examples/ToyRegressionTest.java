// SPDX-License-Identifier: Apache-2.0
// The seeded toy regression (org.mos.examples.ToyRegression) lowers its MSE loss by over 90%
// in 150 steps, identically on every run (exact).
package org.mos.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ToyRegressionTest {

  @Test
  void lossGoesDown() {
    StringWriter buf = new StringWriter();
    double[] losses = ToyRegression.run(150, 50, 42L, new PrintWriter(buf, true));
    String out = buf.toString();
    assertTrue(
        losses[149] < 0.1 * losses[0], "loss " + losses[0] + " -> " + losses[149] + "\n" + out);
    assertTrue(
        out.contains("step    0") && out.contains("step   50") && out.contains("% lower"), out);
    assertArrayEquals(losses, ToyRegression.run(150, 50, 42L, null), "seeded: identical runs");
  }
}
