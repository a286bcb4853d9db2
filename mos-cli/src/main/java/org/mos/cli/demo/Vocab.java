// SPDX-License-Identifier: Apache-2.0
// Vocab: the demo's fixed character vocabulary (97 symbols). Text is normalised (CRLF -> LF,
// tab -> space) and every other character outside printable ASCII maps to one "other" symbol.
package org.mos.cli.demo;

import java.nio.charset.StandardCharsets;

/** Id 0 = any other character, 1 = newline, 2..96 = the printable ASCII characters ' '..'~'. */
public final class Vocab {
  /** Number of symbols. */
  public static final int SIZE = 97;
  /** Id of the catch-all symbol. */
  public static final int OTHER = 0;

  private Vocab() {}

  /** The id of a character (after normalisation: tab counts as a space). */
  public static int id(char c) {
    if (c == '\n') {
      return 1;
    }
    if (c == '\t') {
      return ' ' - 30;
    }
    if (c >= 32 && c <= 126) {
      return c - 30;
    }
    return OTHER;
  }

  /** The character of an id ('\u00b7' for "other"). */
  public static char symbol(int id) {
    if (id == 1) {
      return '\n';
    }
    if (id >= 2 && id < SIZE) {
      return (char) (id + 30);
    }
    return '\u00b7';
  }

  /** Encode text: CR is dropped (so CRLF becomes LF), every other character maps by {@link #id}. */
  public static byte[] encode(CharSequence text) {
    byte[] out = new byte[text.length()];
    int n = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\r') {
        continue;
      }
      out[n++] = (byte) id(c);
    }
    return n == out.length ? out : java.util.Arrays.copyOf(out, n);
  }

  /** Encode UTF-8 bytes (malformed input is replaced, then maps to "other"). */
  public static byte[] encodeUtf8(byte[] utf8) {
    return encode(new String(utf8, StandardCharsets.UTF_8));
  }

  /** Decode ids back to text. */
  public static String decode(byte[] ids, int from, int to) {
    StringBuilder sb = new StringBuilder(to - from);
    for (int i = from; i < to; i++) {
      sb.append(symbol(ids[i]));
    }
    return sb.toString();
  }
}
