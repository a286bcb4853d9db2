// SPDX-License-Identifier: Apache-2.0
// The demo's pure-Java parts: vocabulary round trip, block splits (disjoint, complete, fixed),
// batching, the base cache's validation (every corruption is reported, never half-used), the
// missing-JDK message, plot tick labels, and the PNG writer.
package org.mos.cli.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
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
import org.mos.train.Rng;

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
  void splitsAreDisjointCompleteAndFixed() {
    byte[] text = new byte[100_000];
    for (int i = 0; i < text.length; i++) {
      text[i] = (byte) (i % Vocab.SIZE);
    }
    TextData.Split s = TextData.split(text, 8, 1000, 0.1, 0.1);
    assertEquals(text.length, s.train().chars() + s.validation().chars() + s.test().chars());
    assertEquals(10_000, s.validation().chars(), 1000);
    assertEquals(10_000, s.test().chars(), 1000);
    TextData.Split again = TextData.split(text, 8, 1000, 0.1, 0.1);
    assertArrayEquals(s.test().evalPositions(500, 10), again.test().evalPositions(500, 10));
    // every example's context lies inside one part: its target position is never in another part
    java.util.Set<Integer> test = new java.util.HashSet<>();
    for (int p : s.test().evalPositions(100_000, 1)) {
      test.add(p);
    }
    for (int p : s.train().evalPositions(100_000, 1)) {
      assertFalse(test.contains(p));
    }
    TextData.Split noTest = TextData.split(text, 8, 1000, 0.1, 0);
    assertEquals(0, noTest.test().positions());
    TextData.Split tiny = TextData.split(new byte[300], 8, 1000, 0.3, 0.3);
    assertEquals(300, tiny.train().chars() + tiny.validation().chars() + tiny.test().chars());
  }

  @Test
  void batchesHoldTheContextBeforeTheTarget() {
    byte[] text = Vocab.encode("abcdefghijklmnopqrst");
    TextData d = TextData.whole(text, 4);
    assertEquals(16, d.positions());
    int[] ctx = new int[3 * 4];
    int[] tgt = new int[3];
    d.sample(new Rng(1), 3, ctx, tgt);
    for (int b = 0; b < 3; b++) {
      for (int j = 0; j < 4; j++) {
        assertEquals(Vocab.symbol(tgt[b]) - 4 + j, Vocab.symbol(ctx[b * 4 + j]), "example " + b);
      }
    }
    int[] pos = d.evalPositions(8, 4);
    assertEquals(8, pos.length);
    assertTrue(pos[0] >= 4 && pos[7] < 20);
  }

  @Test
  void baseCacheRoundTripsAndRejectsEveryCorruption(@TempDir Path tmp) throws Exception {
    LmConfig cfg = LmConfig.tiny();
    BaseWeights w = BaseWeights.init(cfg, 3);
    String key = BaseCache.key(cfg, 3, "abc");
    Path f = BaseCache.file(tmp, key);
    BaseCache.save(f, w, key, null);
    var ok = BaseCache.load(f, cfg, key).orElseThrow();
    assertNull(ok.problem());
    assertArrayEquals(w.up[2], ok.weights().up[2]);
    assertArrayEquals(w.headBias, ok.weights().headBias);
    try (var s = Files.list(tmp)) {
      assertEquals(1, s.count(), "no temporary file left");
    }
    assertTrue(BaseCache.load(tmp.resolve("absent.bin"), cfg, key).isEmpty());
    assertNotNull(BaseCache.load(f, cfg, BaseCache.key(cfg, 4, "abc")).orElseThrow().problem(), "other key");
    assertNotNull(BaseCache.load(f, LmConfig.quick(), key).orElseThrow().problem(), "other config");
    byte[] good = Files.readAllBytes(f);
    byte[] flipped = good.clone();
    flipped[good.length / 2] ^= 1;
    Files.write(f, flipped);
    assertTrue(BaseCache.load(f, cfg, key).orElseThrow().problem().contains("checksum"));
    Files.write(f, java.util.Arrays.copyOf(good, good.length - 100));
    assertNotNull(BaseCache.load(f, cfg, key).orElseThrow().problem(), "truncated");
    Files.write(f, new byte[10]);
    assertNotNull(BaseCache.load(f, cfg, key).orElseThrow().problem(), "garbage");
    assertNotEquals(BaseCache.key(cfg, 3, "abc"), BaseCache.key(LmConfig.quick(), 3, "abc"));
  }

  private static void assertNotEquals(Object a, Object b) {
    assertFalse(a.equals(b), a + " equals " + b);
  }

  @Test
  void missingJdkTextsNameTheCorpusOption(@TempDir Path tmp) {
    DemoCorpus.MissingCorpusException e = assertThrows(DemoCorpus.MissingCorpusException.class,
        () -> DemoCorpus.fromJdk(List.of(tmp), 1000));
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
    assertThrows(DemoCorpus.MissingCorpusException.class, () -> DemoCorpus.fromUserText(tmp.resolve("no"), 1));
  }

  @Test
  void licenseHeadersAreStripped() {
    assertEquals("package a;", DemoCorpus.stripLicenseHeader("/*\n * Copyright (c) 2020\n */\npackage a;"));
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
    LossPlot.write(png, "title", "step", "bits", List.of(
        new LossPlot.Series("a", Color.BLUE, new double[] {0, 1, 2}, new double[] {3, 2, 1.5},
            new double[] {3, 1.9, 1.4}, new double[] {3, 2.1, 1.6})), Double.NaN, null);
    BufferedImage img = ImageIO.read(png.toFile());
    assertTrue(img.getWidth() >= 800 && img.getHeight() >= 400);
  }
}
