// SPDX-License-Identifier: Apache-2.0
// TokenIds: token id sequences as the command line takes them: whitespace-separated decimal ids,
// one
// sequence per line of a file (score) or in one argument (generate), checked against a vocabulary.
package org.mos.cli;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.mos.io.MosFileException;

/** Parsing and checking of token ids. */
final class TokenIds {
  private TokenIds() {}

  /** Largest ids file read (about 100 million ids). */
  static final long MAX_FILE_BYTES = 1L << 30;

  /**
   * The ids of {@code text}, separated by whitespace.
   *
   * @return null with {@code problem[0]} set when a word is not a decimal id in [0, 2^31)
   */
  static int[] parse(String text, String[] problem) {
    String s = text.strip();
    if (s.isEmpty()) return new int[0];
    String[] words = s.split("\\s+");
    int[] ids = new int[words.length];
    for (int i = 0; i < words.length; i++) {
      String w = words[i];
      boolean digits =
          !w.isEmpty() && w.length() <= 10 && w.chars().allMatch(c -> c >= '0' && c <= '9');
      long v = digits ? Long.parseLong(w) : -1;
      if (v < 0 || v > Integer.MAX_VALUE) {
        problem[0] = "'" + MosFileException.printable(w, 40) + "' is not a token id (a decimal"
            + " integer >= 0)";
        return null;
      }
      ids[i] = (int) v;
    }
    return ids;
  }

  /**
   * The sequences of {@code file}, one per line; blank lines are skipped. Read as a stream, so a
   * pipe works too (at most {@link #MAX_FILE_BYTES} bytes).
   *
   * @throws MosFileException naming the file and line for anything but ids and whitespace
   */
  static int[][] readFile(Path file) {
    if (!Files.exists(file)) throw new MosFileException(file, "no such file");
    if (Files.isDirectory(file)) {
      throw new MosFileException(file, "is a directory (expected a text file of token ids)");
    }
    List<int[]> out = new ArrayList<>();
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      IntList line = new IntList();
      long read = 0;
      long value = -1; // the id being read, -1 between ids
      int lineNo = 1;
      int c;
      while ((c = in.read()) != -1) {
        if (++read > MAX_FILE_BYTES) {
          throw new MosFileException(file, "more than " + MAX_FILE_BYTES + " bytes");
        }
        if (c >= '0' && c <= '9') {
          value = (value < 0 ? 0 : value * 10) + (c - '0');
          if (value > Integer.MAX_VALUE) {
            throw new MosFileException(
                file, "line " + lineNo + ": an id above " + Integer.MAX_VALUE);
          }
          continue;
        }
        if (value >= 0) {
          line.add((int) value);
          value = -1;
        }
        if (c == '\n') {
          if (line.size > 0) out.add(line.take());
          lineNo++;
        } else if (c != ' ' && c != '\t' && c != '\r' && c != '\f' && c != 0x0b) {
          throw new MosFileException(
              file,
              "line " + lineNo + ": byte 0x"
                  + Integer.toHexString(c) + (c >= 0x21 && c < 0x7f ? " ('" + (char) c + "')" : "")
                  + " is neither a digit nor whitespace (expected decimal token ids)");
        }
      }
      if (value >= 0) line.add((int) value);
      if (line.size > 0) out.add(line.take());
    } catch (IOException e) {
      throw new MosFileException(file, null, "cannot read: " + e.getMessage(), e);
    }
    return out.toArray(new int[0][]);
  }

  /** A growable int array. */
  private static final class IntList {
    int[] a = new int[64];
    int size;

    void add(int v) {
      if (size == a.length) a = Arrays.copyOf(a, 2 * size);
      a[size++] = v;
    }

    int[] take() {
      int[] r = Arrays.copyOf(a, size);
      size = 0;
      return r;
    }
  }

  /** The first id outside [0, vocab) as "id V at position P", or null. */
  static String outOfVocab(int[] ids, int vocab) {
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] >= vocab) {
        return "id " + ids[i] + " at position " + (i + 1) + " is outside the vocabulary [0, "
            + vocab + ")";
      }
    }
    return null;
  }
}
