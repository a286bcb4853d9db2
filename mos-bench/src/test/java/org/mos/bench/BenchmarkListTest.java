// SPDX-License-Identifier: Apache-2.0
// BenchmarkListTest: JMH's annotation processor really ran (on JDK 23+ it runs only when listed in
// annotationProcessorPaths; otherwise the build passes and no benchmark exists). Runs nothing.
package org.mos.bench;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BenchmarkListTest {
  @Test
  void jmhGeneratedTheBenchmarks() throws IOException {
    try (InputStream in = getClass().getResourceAsStream("/META-INF/BenchmarkList")) {
      assertNotNull(
          in, "META-INF/BenchmarkList is missing: the JMH annotation processor did not run");
      String list = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      for (String b : new String[] {"forwardApi", "forwardFfmDirect", "downcallOnly"}) {
        assertTrue(
            list.contains("JavaOverheadBench") && list.contains(b),
            "no generated benchmark JavaOverheadBench." + b);
      }
    }
  }
}
