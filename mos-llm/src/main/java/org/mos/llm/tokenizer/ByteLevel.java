// SPDX-License-Identifier: Apache-2.0
// ByteLevel: GPT-2's bytes-to-unicode table, the map that byte-level BPE (GPT-2, Llama 3, Qwen,
// SmolLM) uses to spell every byte as a printable character, and its inverse.
package org.mos.llm.tokenizer;

/**
 * Bytes 0x21-0x7E, 0xA1-0xAC and 0xAE-0xFF stand for themselves; the other 68 bytes map, in
 * order, to U+0100 onward (so the space 0x20 becomes U+0120 'Ġ' and the newline U+010A 'Ċ').
 */
final class ByteLevel {
  private ByteLevel() {}

  /** BYTE_TO_CHAR[b] is the character that spells byte b. */
  static final char[] BYTE_TO_CHAR = new char[256];
  /** CHAR_TO_BYTE[c] is the byte that character c spells, or -1; indexed up to U+0143. */
  static final int[] CHAR_TO_BYTE = new int[0x144];

  /** GPT-2's split pattern, used when the ByteLevel pre-tokenizer has use_regex. */
  static final String GPT2_PATTERN =
      "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

  static {
    java.util.Arrays.fill(CHAR_TO_BYTE, -1);
    int n = 0;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
      char c = printable ? (char) b : (char) (256 + n++);
      BYTE_TO_CHAR[b] = c;
      CHAR_TO_BYTE[c] = b;
    }
  }

  /** The byte-level spelling of {@code s}'s UTF-8 bytes. */
  static String encode(String s) {
    int n = s.length();
    char[] out = new char[n];
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c >= 0x80) return encodeUtf8(s);
      out[i] = BYTE_TO_CHAR[c];
    }
    return new String(out);
  }

  private static String encodeUtf8(String s) {
    byte[] bytes = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    char[] out = new char[bytes.length];
    for (int i = 0; i < bytes.length; i++) out[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
    return new String(out);
  }

  /** The byte {@code c} spells, or -1 when c is not in the table. */
  static int byteOf(int c) {
    return c >= 0 && c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
  }
}
