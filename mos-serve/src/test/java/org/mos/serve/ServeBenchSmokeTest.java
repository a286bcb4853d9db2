// SPDX-License-Identifier: Apache-2.0
// ServeBenchSmokeTest: `mos serve-bench` at tiny sizes runs every case to the end (crash-freedom
// and the shape of its records; the numbers of such a run mean nothing and are not judged).
package org.mos.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServeBenchSmokeTest {
  @Test
  void everyCaseRunsAtTinySizes() throws Exception {
    StringWriter text = new StringWriter();
    List<ServeBench.Case> cases = ServeBench.run(
        new ServeBench.Options(
            TestModels.fixtures().resolve("llama-gqa-f32"),
            64,
            5,
            4,
            3,
            2,
            List.of("q_proj", "v_proj")),
        new PrintWriter(text));
    assertEquals(5, cases.size(), text.toString());
    for (ServeBench.Case c : cases) {
      assertEquals(c.requests() * 3L, c.tokens(), c.name()); // ignore_eos: exactly max_tokens
      assertTrue(c.seconds() > 0 && c.p50() <= c.p99() && c.ttftP50() <= c.p50(), c.toString());
      assertTrue(c.stepMs() > 0 && c.stepSequences() >= 1, c.toString());
    }
    assertTrue(text.toString().contains("64 adapters / 1 adapter:"), text.toString());
  }
}
