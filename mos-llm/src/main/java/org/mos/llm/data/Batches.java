// SPDX-License-Identifier: Apache-2.0
// Batches: groups examples into batches by a token budget (rows x longest length), with little
// padding and an order fixed by a seed.
package org.mos.llm.data;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.mos.MosException;
import org.mos.Status;
import org.mos.train.Rng;

/** The batching helper. */
public final class Batches {
  private Batches() {}

  /** Examples sorted by length together, so batches mix lengths little. */
  static final int WINDOW = 1024;

  /**
   * One epoch of batches. The examples are shuffled with {@code seed}; each window of 1024 is
   * sorted by length (longest first) and cut greedily into batches whose rows x longest length
   * stay within {@code batchTokens}; the batches are then shuffled with the same seed. The same
   * examples and seed always give the same batches (use seed + epoch for a new order each epoch).
   *
   * @throws MosException ({@link Status#INVALID_ARGUMENT}) when an example is longer than
   *     {@code batchTokens} or {@code batchTokens} is not positive
   */
  public static List<Batch> byTokenBudget(List<Example> examples, int batchTokens, long seed) {
    if (examples == null)
      throw new MosException(Status.NULL_POINTER, "Batches.byTokenBudget: examples is null");
    if (batchTokens < 1) {
      throw new MosException(
          Status.INVALID_ARGUMENT, "batch tokens must be positive, got " + batchTokens);
    }
    Rng rng = new Rng(seed);
    List<Example> order = new ArrayList<>(examples);
    shuffle(order, rng);
    List<Batch> batches = new ArrayList<>();
    for (int w = 0; w < order.size(); w += WINDOW) {
      List<Example> window = new ArrayList<>(order.subList(w, Math.min(order.size(), w + WINDOW)));
      window.sort(Comparator.comparingInt(Example::length).reversed()); // stable
      List<Example> cur = new ArrayList<>();
      int longest = 0;
      for (Example e : window) {
        if (e.length() > batchTokens) {
          throw new MosException(
              Status.INVALID_ARGUMENT,
              "an example of " + e.length()
                  + " tokens does not fit a batch of " + batchTokens + " tokens (raise the batch"
                  + " tokens or lower the maximum sequence length)");
        }
        int newLongest = Math.max(longest, e.length());
        if (!cur.isEmpty() && (long) (cur.size() + 1) * newLongest > batchTokens) {
          batches.add(new Batch(cur, longest));
          cur = new ArrayList<>();
          newLongest = e.length();
        }
        cur.add(e);
        longest = newLongest;
      }
      if (!cur.isEmpty()) batches.add(new Batch(cur, longest));
    }
    shuffle(batches, rng);
    return batches;
  }

  /** Fisher-Yates with the project's seeded generator (the same on every JDK). */
  static <T> void shuffle(List<T> list, Rng rng) {
    for (int i = list.size() - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      T t = list.get(i);
      list.set(i, list.get(j));
      list.set(j, t);
    }
  }
}
