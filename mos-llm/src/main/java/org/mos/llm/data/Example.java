// SPDX-License-Identifier: Apache-2.0
// Example: one training sequence: token ids and, per token, whether it is a training target.
package org.mos.llm.data;

import org.mos.MosException;
import org.mos.Status;

/**
 * One training sequence. {@code lossMask[i]} says whether token {@code i} is a target, i.e.
 * whether the loss of predicting {@code tokens[i]} from {@code tokens[0..i)} counts. Position 0
 * has nothing before it, so {@code lossMask[0]} is always false. The arrays are owned by the
 * example and must not be modified.
 */
public record Example(int[] tokens, boolean[] lossMask) {
  /** Checks that both arrays are present, of equal length at least 1, and mask[0] is false. */
  public Example {
    if (tokens == null || lossMask == null) {
      throw new MosException(Status.NULL_POINTER, "Example: tokens and lossMask must not be null");
    }
    if (tokens.length != lossMask.length || tokens.length == 0) {
      throw new MosException(
          Status.SHAPE_MISMATCH,
          "Example: " + tokens.length + " tokens but " + lossMask.length
              + " mask entries (need equal, at least 1)");
    }
    if (lossMask[0]) {
      throw new MosException(
          Status.INVALID_ARGUMENT,
          "Example: lossMask[0] must be false (the first"
              + " token has no context to be predicted from)");
    }
  }

  /** Number of tokens. */
  public int length() {
    return tokens.length;
  }

  /** Number of target tokens (true entries of the mask). */
  public int targets() {
    int n = 0;
    for (boolean b : lossMask) if (b) n++;
    return n;
  }
}
