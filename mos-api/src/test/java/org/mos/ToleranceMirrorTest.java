// SPDX-License-Identifier: Apache-2.0
// Tolerances.java vs tests/native/tolerances.h: every MOS_TOL_* macro has a Java constant of the
// same name (without the prefix) and exactly the same value, and vice versa.
package org.mos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class ToleranceMirrorTest {

  @Test
  void javaTolerancesMirrorTheNativeTable() throws Exception {
    String root = System.getProperty("mos.root", "..");
    Path h = Path.of(root, "tests/native/tolerances.h");
    Assumptions.assumeTrue(Files.isRegularFile(h), "no " + h);
    Map<String, Double> c = new TreeMap<>();
    Matcher m =
        Pattern.compile("#define\\s+MOS_TOL_(\\w+)\\s+([-+0-9.eE]+)").matcher(Files.readString(h));
    while (m.find()) {
      c.put(m.group(1), Double.parseDouble(m.group(2)));
    }
    assertTrue(c.size() >= 5, "parsed " + c);
    Map<String, Double> java = new TreeMap<>();
    for (Field f : Tolerances.class.getDeclaredFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == double.class) {
        java.put(f.getName(), f.getDouble(null));
      }
    }
    assertEquals(c, java, "Tolerances.java must mirror " + h);
  }
}
