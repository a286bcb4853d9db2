// SPDX-License-Identifier: Apache-2.0
// The demo's pure-Java parts: vocabulary round trip, the missing-JDK message, the user-text split,
// license-header stripping, plot tick labels, and the PNG writer. (The transformer demo itself:
// DemoTransformerTest.)
package org.mos.cli.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoPartsTest {
  @Test
  void vocabularyMapsPrintableAsciiAndNormalises() {
    byte[] ids = Vocab.encode("a\tb\r\nZ~ \u00e9");
    assertEquals("a b\nZ~ \u00b7", Vocab.decode(ids, 0, ids.length));
    for (char c = 32; c <= 126; c++) {
      assertEquals(c, Vocab.symbol(Vocab.id(c)));
    }
    assertEquals(Vocab.OTHER, Vocab.id('\u00e9'));
    assertTrue(Vocab.id('~') < Vocab.SIZE);
  }

  @Test
  void missingJdkTextsNameTheCorpusOption(@TempDir Path tmp) {
    DemoCorpus.MissingCorpusException e = assertThrows(
        DemoCorpus.MissingCorpusException.class, () -> DemoCorpus.fromJdk(List.of(tmp), 1000));
    assertTrue(e.getMessage().contains("--corpus PATH"), e.getMessage());
    assertTrue(e.getMessage().contains("src.zip"), e.getMessage());
  }

  @Test
  void userTextIsSplitInHalves(@TempDir Path tmp) throws Exception {
    Path f = tmp.resolve("t.txt");
    Files.writeString(f, "x".repeat(1000) + "y".repeat(1000));
    DemoCorpus c = DemoCorpus.fromUserText(f, 100);
    assertEquals(1000, c.pretrain().length);
    assertEquals(Vocab.id('y'), c.finetune()[0]);
    assertThrows(DemoCorpus.MissingCorpusException.class, () -> DemoCorpus.fromUserText(f, 5000));
    assertThrows(
        DemoCorpus.MissingCorpusException.class,
        () -> DemoCorpus.fromUserText(tmp.resolve("no"), 1));
  }

  @Test
  void licenseHeadersAreStripped() {
    assertEquals(
        "package a;", DemoCorpus.stripLicenseHeader("/*\n * Copyright (c) 2020\n */\npackage a;"));
    assertEquals("/** doc */ class A {}", DemoCorpus.stripLicenseHeader("/** doc */ class A {}"));
  }

  @Test
  void plotTicksAndPng(@TempDir Path tmp) throws Exception {
    double[] t = LossPlot.ticks(3.41, 3.58);
    assertTrue(t.length >= 3 && t.length <= 10, java.util.Arrays.toString(t));
    assertEquals("3.45", LossPlot.fmt(3.45, t));
    double[] steps = LossPlot.ticks(0, 600);
    assertEquals("100", LossPlot.fmt(100, steps));
    Path png = tmp.resolve("p.png");
    LossPlot.write(
        png,
        "title",
        "step",
        "bits",
        List.of(new LossPlot.Series(
            "a",
            Color.BLUE,
            new double[] {0, 1, 2},
            new double[] {3, 2, 1.5},
            new double[] {3, 1.9, 1.4},
            new double[] {3, 2.1, 1.6})),
        Double.NaN,
        null);
    BufferedImage img = ImageIO.read(png.toFile());
    assertTrue(img.getWidth() >= 800 && img.getHeight() >= 400);
  }
}
