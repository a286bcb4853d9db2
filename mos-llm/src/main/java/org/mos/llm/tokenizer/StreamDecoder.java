// SPDX-License-Identifier: Apache-2.0
// StreamDecoder: turns generated ids, one at a time, into text pieces that never cut a UTF-8
// character in two, for streaming to a terminal or as server-sent events.
package org.mos.llm.tokenizer;

import java.util.Arrays;

/**
 * Keeps the ids not yet fully printed and decodes a short window each time: the text of the
 * window with the new id, minus the text of the window without it. Text ending in U+FFFD (an
 * incomplete UTF-8 sequence so far) is held back until a later id completes it; {@link #flush}
 * hands out whatever is left at the end. The window starts one printed piece back, so decoders
 * that treat the first token specially (SentencePiece's leading space) see the same context as a
 * whole decode. Concatenating every {@link #push} and the final {@link #flush} gives
 * {@link Tokenizer#decode} of all ids. Not thread-safe.
 *
 * {@snippet :
 * StreamDecoder stream = tokenizer.streamDecoder(true);
 * for (int id : generatedIds) System.out.print(stream.push(id));
 * System.out.print(stream.flush());
 * }
 */
public final class StreamDecoder {
  private final Tokenizer tokenizer;
  private final boolean skipSpecialTokens;
  private int[] ids = new int[16];
  private int n;
  private int prefixOffset; // start of the decode window
  private int readOffset; // ids before this have been printed

  StreamDecoder(Tokenizer tokenizer, boolean skipSpecialTokens) {
    this.tokenizer = tokenizer;
    this.skipSpecialTokens = skipSpecialTokens;
  }

  /**
   * Adds one id; returns the text it completes (often "", never a broken character).
   *
   * @throws org.mos.MosException for an id outside the vocabulary (the stream is unchanged)
   */
  public String push(int id) {
    if (id < 0 || id >= tokenizer.vocabSize()) {
      throw new org.mos.MosException(
          org.mos.Status.INDEX_OUT_OF_RANGE,
          "StreamDecoder.push: id " + id + " is outside the vocabulary [0, " + tokenizer.vocabSize()
              + ")");
    }
    if (n == ids.length) compactOrGrow();
    ids[n++] = id;
    String before = tokenizer.decode(ids, prefixOffset, readOffset, skipSpecialTokens);
    String after = tokenizer.decode(ids, prefixOffset, n, skipSpecialTokens);
    if (after.length() > before.length() && !after.endsWith("\uFFFD")) {
      prefixOffset = readOffset;
      readOffset = n;
      return after.substring(before.length());
    }
    return "";
  }

  /** The text still held back (e.g. an incomplete character at the end, as U+FFFD); resets. */
  public String flush() {
    String before = tokenizer.decode(ids, prefixOffset, readOffset, skipSpecialTokens);
    String after = tokenizer.decode(ids, prefixOffset, n, skipSpecialTokens);
    String rest = after.length() > before.length() ? after.substring(before.length()) : "";
    n = 0;
    prefixOffset = 0;
    readOffset = 0;
    return rest;
  }

  private void compactOrGrow() {
    if (prefixOffset > 0) {
      System.arraycopy(ids, prefixOffset, ids, 0, n - prefixOffset);
      n -= prefixOffset;
      readOffset -= prefixOffset;
      prefixOffset = 0;
    }
    if (n == ids.length) ids = Arrays.copyOf(ids, ids.length * 2);
  }
}
