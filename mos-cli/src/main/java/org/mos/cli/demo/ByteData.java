// SPDX-License-Identifier: Apache-2.0
// ByteData: text as byte tokens for the demo's decoder: the train / validation / test split of
// 1,024-byte blocks, random training windows and the fixed held-out windows.
package org.mos.cli.demo;

import java.util.ArrayList;
import java.util.List;
import org.mos.train.Rng;

/** Token ids are the text's UTF-8 bytes (0..255), CR dropped. */
public final class ByteData {
  /** One split's bytes, its blocks concatenated in dealt order. */
  private final byte[] bytes;

  public ByteData(byte[] bytes) {
    this.bytes = bytes;
  }

  /** Bytes in the split. */
  public int size() {
    return bytes.length;
  }

  /** The three splits of a text. */
  public record Split(ByteData train, ByteData validation, ByteData test) {}

  /**
   * Cuts {@code text} (CR removed) into blocks of {@code block} bytes and deals them in a fixed
   * pseudo-random order (seed 7): the first {@code valFrac} of the blocks to validation, the next
   * {@code testFrac} to test, the rest to train. Each split gets at least one block.
   */
  public static Split split(byte[] text, int block, double valFrac, double testFrac) {
    byte[] clean = stripCr(text);
    int n = (clean.length + block - 1) / block;
    if (n < 3) {
      throw new IllegalArgumentException(
          "text too short: " + clean.length + " bytes, need at least " + (2 * block + 1));
    }
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Rng rng = new Rng(7);
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    int nVal = Math.max(1, (int) Math.round(n * valFrac));
    int nTest = Math.max(1, (int) Math.round(n * testFrac));
    List<Integer> val = new ArrayList<>();
    List<Integer> test = new ArrayList<>();
    List<Integer> train = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      (i < nVal ? val : i < nVal + nTest ? test : train).add(order[i]);
    }
    return new Split(
        gather(clean, train, block), gather(clean, val, block), gather(clean, test, block));
  }

  private static ByteData gather(byte[] text, List<Integer> blocks, int block) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (int b : blocks) {
      int from = b * block;
      out.write(text, from, Math.min(block, text.length - from));
    }
    return new ByteData(out.toByteArray());
  }

  static byte[] stripCr(byte[] text) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(text.length);
    for (byte b : text) {
      if (b != '\r') {
        out.write(b);
      }
    }
    return out.toByteArray();
  }

  /**
   * A training batch: {@code seqs} windows of {@code len} bytes starting at positions drawn from
   * {@code rng}, concatenated into {@code tokens}; position t's logits predict the next byte
   * ({@code targets[t]} = tokens[t + 1]; the last position of each window: -1), so each window
   * scores len - 1 predictions, every one from at least one byte of context.
   */
  public void sample(Rng rng, int seqs, int len, int[] tokens, int[] targets) {
    int span = bytes.length - len;
    if (span < 0) {
      throw new IllegalArgumentException(
          "split of " + bytes.length + " bytes is shorter than a window of " + len);
    }
    for (int s = 0; s < seqs; s++) {
      int start = rng.nextInt(span + 1);
      fill(start, len, s * len, tokens, targets);
    }
  }

  /** The starts of up to {@code maxWindows} non-overlapping windows of {@code len} from the start. */
  public int[] windows(int len, int maxWindows) {
    int n = Math.min(maxWindows, bytes.length / len);
    int[] starts = new int[n];
    for (int i = 0; i < n; i++) {
      starts[i] = i * len;
    }
    return starts;
  }

  /** Window {@code start} of {@code len} bytes into tokens/targets at {@code offset} (as {@link #sample}). */
  public void fill(int start, int len, int offset, int[] tokens, int[] targets) {
    for (int t = 0; t < len; t++) {
      int id = bytes[start + t] & 0xff;
      tokens[offset + t] = id;
      targets[offset + t] = t == len - 1 ? -1 : bytes[start + t + 1] & 0xff;
    }
  }
}
