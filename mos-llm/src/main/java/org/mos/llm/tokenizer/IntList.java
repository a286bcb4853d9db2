// SPDX-License-Identifier: Apache-2.0
// IntList: a growable int array (token ids), so encoding does not box every id.
package org.mos.llm.tokenizer;

import java.util.Arrays;

/** A minimal growable list of ints. Not thread-safe. */
final class IntList {
  private int[] a;
  private int n;

  IntList(int capacity) {
    a = new int[Math.max(4, capacity)];
  }

  void add(int x) {
    if (n == a.length) a = Arrays.copyOf(a, a.length * 2);
    a[n++] = x;
  }

  void addAll(int[] xs) {
    if (n + xs.length > a.length) a = Arrays.copyOf(a, Math.max(a.length * 2, n + xs.length));
    System.arraycopy(xs, 0, a, n, xs.length);
    n += xs.length;
  }

  int size() {
    return n;
  }

  int[] toArray() {
    return Arrays.copyOf(a, n);
  }
}
