// SPDX-License-Identifier: Apache-2.0
// Batch: examples trained together, padded to the longest of them.
package org.mos.llm.data;

import java.util.List;

/**
 * Examples of one step, laid out as {@code rows() x length()} with padding after each example.
 *
 * @param examples the examples (unmodifiable)
 * @param length the longest example's length; every row is padded to it
 */
public record Batch(List<Example> examples, int length) {
  /** Makes the list unmodifiable. */
  public Batch {
    examples = List.copyOf(examples);
  }

  /** Number of examples. */
  public int rows() {
    return examples.size();
  }

  /** Row-major {@code [rows, length]} token ids, padding positions filled with {@code padId}. */
  public int[] tokens(int padId) {
    int[] out = new int[rows() * length];
    for (int r = 0; r < rows(); r++) {
      int[] t = examples.get(r).tokens();
      System.arraycopy(t, 0, out, r * length, t.length);
      java.util.Arrays.fill(out, r * length + t.length, (r + 1) * length, padId);
    }
    return out;
  }

  /** Row-major {@code [rows, length]} loss mask; false on padding. */
  public boolean[] lossMask() {
    boolean[] out = new boolean[rows() * length];
    for (int r = 0; r < rows(); r++) {
      boolean[] m = examples.get(r).lossMask();
      System.arraycopy(m, 0, out, r * length, m.length);
    }
    return out;
  }

  /** Each example's length (the attention mask: positions below it are real). */
  public int[] lengths() {
    return examples.stream().mapToInt(Example::length).toArray();
  }

  /** rows x length: the tokens the step computes, padding included. */
  public long paddedTokens() {
    return (long) rows() * length;
  }
}
