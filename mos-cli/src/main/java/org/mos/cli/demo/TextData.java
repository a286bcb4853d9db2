// SPDX-License-Identifier: Apache-2.0
// TextData: encoded text cut into segments, split into train / validation / test by blocks, and
// the batches the model reads (a context window of characters -> the next character).
package org.mos.cli.demo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.mos.train.Rng;

/**
 * A set of text segments and the positions whose full context window lies inside a segment.
 * Example i is (the {@code context} characters before position p, the character at p).
 */
public final class TextData {
  private final byte[] text;
  private final int context;
  private final int[] segStart;
  private final int[] segEnd;
  private final long[] cumulative; // cumulative[i] = valid positions in segments [0, i)

  private TextData(byte[] text, int context, List<int[]> segments) {
    this.text = text;
    this.context = context;
    int n = segments.size();
    segStart = new int[n];
    segEnd = new int[n];
    cumulative = new long[n + 1];
    for (int i = 0; i < n; i++) {
      segStart[i] = segments.get(i)[0];
      segEnd[i] = segments.get(i)[1];
      cumulative[i + 1] = cumulative[i] + Math.max(0, segEnd[i] - segStart[i] - context);
    }
  }

  /** The three parts of a text split. */
  public record Split(TextData train, TextData validation, TextData test) {}

  /**
   * Cut {@code text} into blocks of {@code blockChars} (at least 3) and deal them to train /
   * validation / test in a fixed pseudo-random order with the given fractions (a part with a
   * fraction above 0 gets at least one block; the rest is train). Interleaving
   * blocks keeps every part drawn from the whole text (the JDK's legal/ files differ by module).
   */
  public static Split split(byte[] text, int context, int blockChars, double validationFraction,
      double testFraction) {
    int blocks = Math.max(3, text.length / blockChars);
    int size = Math.max(1, text.length / blocks); // = blockChars up to rounding, smaller for short texts
    int[] order = new int[blocks];
    for (int i = 0; i < blocks; i++) {
      order[i] = i;
    }
    Rng rng = new Rng(0x5EEDL);
    for (int i = blocks - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    int nVal = validationFraction > 0 ? Math.max(1, (int) Math.round(blocks * validationFraction)) : 0;
    int nTest = testFraction > 0 ? Math.max(1, (int) Math.round(blocks * testFraction)) : 0;
    byte[] part = new byte[blocks]; // 0 train, 1 val, 2 test
    for (int i = 0; i < nVal; i++) {
      part[order[i]] = 1;
    }
    for (int i = nVal; i < nVal + nTest; i++) {
      part[order[i]] = 2;
    }
    List<List<int[]>> segs = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    int b = 0;
    while (b < blocks) { // merge runs of consecutive blocks of one part into one segment
      int e = b;
      while (e + 1 < blocks && part[e + 1] == part[b]) {
        e++;
      }
      int start = Math.min(text.length, b * size);
      int end = e == blocks - 1 ? text.length : Math.min(text.length, (e + 1) * size);
      segs.get(part[b]).add(new int[] {start, end});
      b = e + 1;
    }
    return new Split(new TextData(text, context, segs.get(0)), new TextData(text, context, segs.get(1)),
        new TextData(text, context, segs.get(2)));
  }

  /** All of {@code text} as one segment. */
  public static TextData whole(byte[] text, int context) {
    List<int[]> one = new ArrayList<>();
    one.add(new int[] {0, text.length});
    return new TextData(text, context, one);
  }

  /** Number of positions with a full context window. */
  public long positions() {
    return cumulative[cumulative.length - 1];
  }

  /** Characters in the segments. */
  public long chars() {
    long n = 0;
    for (int i = 0; i < segStart.length; i++) {
      n += segEnd[i] - segStart[i];
    }
    return n;
  }

  /** The text position of valid position index {@code i} in [0, positions()). */
  public int position(long i) {
    int s = Arrays.binarySearch(cumulative, i);
    s = s >= 0 ? s : -s - 2;
    while (cumulative[s + 1] <= i) { // skip segments with no valid position
      s++;
    }
    return (int) (segStart[s] + context + (i - cumulative[s]));
  }

  /** Fill n examples at uniformly random valid positions: ctx [n x context] ids, target [n]. */
  public void sample(Rng rng, int n, int[] ctx, int[] target) {
    long total = positions();
    for (int b = 0; b < n; b++) {
      long i = (long) (rng.nextDouble() * total);
      fill(position(Math.min(i, total - 1)), b, ctx, target);
    }
  }

  /**
   * At most {@code max} positions spread evenly over all valid positions (a fixed evaluation set),
   * rounded down to a multiple of {@code multiple} (at least one multiple).
   */
  public int[] evalPositions(int max, int multiple) {
    long total = positions();
    int n = (int) Math.min(max, total);
    n = Math.max(multiple, n / multiple * multiple);
    int[] pos = new int[n];
    for (int k = 0; k < n; k++) {
      pos[k] = position(Math.min(total - 1, (long) ((k + 0.5) * total / n)));
    }
    return pos;
  }

  /** Example b of a batch: the context window before text position p and the character at p. */
  public void fill(int p, int b, int[] ctx, int[] target) {
    for (int j = 0; j < context; j++) {
      ctx[b * context + j] = text[p - context + j];
    }
    target[b] = text[p];
  }

  public int context() {
    return context;
  }
}
