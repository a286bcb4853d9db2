// SPDX-License-Identifier: Apache-2.0
// LineReader: reads a UTF-8 file line by line with a cap on line length, naming the line of any
// invalid UTF-8, so a huge or broken data file is a clear error rather than an OutOfMemoryError.
package org.mos.llm.data;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.mos.io.MosFileException;

/**
 * Lines with their terminator ("\n", "\r\n" kept as is). Lines are split on the byte 0x0A (which
 * never occurs inside a UTF-8 sequence) and decoded one at a time, so invalid UTF-8 is reported
 * on its own line. Not thread-safe.
 */
final class LineReader implements Closeable {
  private final Path file;
  private final InputStream in;
  private final int maxBytes;
  private final CharsetDecoder utf8 = StandardCharsets.UTF_8
      .newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT)
      .onUnmappableCharacter(CodingErrorAction.REPORT);
  private int lineNumber; // number of the line last returned (1-based)
  private boolean continued; // the last segment ended without a line break (cut at maxBytes)
  private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
  private byte[] carry = new byte[0];

  LineReader(Path file, int maxBytes) {
    this.file = file;
    this.maxBytes = maxBytes;
    try {
      this.in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
    } catch (IOException e) {
      throw new MosFileException(file, null, "cannot read: " + e.getMessage(), e);
    }
  }

  /**
   * The next segment: a whole line with its "\n", or, when a line is longer than maxBytes, its
   * next part of about maxBytes bytes (cut between two characters). Null at the end.
   */
  String next() {
    if (!continued) lineNumber++;
    buf.reset();
    buf.write(carry, 0, carry.length);
    carry = new byte[0];
    try {
      int c;
      while ((c = in.read()) >= 0) {
        buf.write(c);
        if (c == '\n') {
          continued = false;
          return decode(buf.toByteArray());
        }
        if (buf.size() >= maxBytes) {
          byte[] b = buf.toByteArray();
          int cut = b.length;
          while (cut > 1 && (b[cut - 1] & 0xC0) == 0x80) cut--; // back to a character start
          if (cut > 1 && (b[cut - 1] & 0x80) != 0) cut--; // which may itself be cut off
          carry = java.util.Arrays.copyOfRange(b, cut, b.length);
          continued = true;
          return decode(java.util.Arrays.copyOf(b, cut));
        }
      }
    } catch (IOException e) {
      throw new MosFileException(
          file, null, "line " + lineNumber + ": cannot read: " + e.getMessage(), e);
    }
    continued = false;
    return buf.size() == 0 ? null : decode(buf.toByteArray());
  }

  private String decode(byte[] b) {
    try {
      return utf8.decode(ByteBuffer.wrap(b)).toString();
    } catch (CharacterCodingException e) {
      throw new MosFileException(file, null, "line " + lineNumber + ": not valid UTF-8", e);
    }
  }

  /** The line number of the segment last returned. */
  int lineNumber() {
    return lineNumber;
  }

  /** Whether the segment last returned stopped at maxBytes, inside a line. */
  boolean cutInsideLine() {
    return continued;
  }

  @Override
  public void close() {
    try {
      in.close();
    } catch (IOException ignored) {
      // read-only: nothing is lost
    }
  }
}
