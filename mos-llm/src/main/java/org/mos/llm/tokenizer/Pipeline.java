// SPDX-License-Identifier: Apache-2.0
// Pipeline: the tokenizer.json components mos supports (normalizers, pre-tokenizers, decoders,
// post-processors), each built from its JSON object and behaving as Hugging Face tokenizers does.
package org.mos.llm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.mos.llm.internal.JsonFile;

/**
 * The supported component types. Each mirrors the Rust {@code tokenizers} crate (0.21): the
 * Llama 2 / Mistral (SentencePiece-style BPE) and GPT-2 / Llama 3 / Qwen / SmolLM (byte-level
 * BPE) files use only these. Anything else is refused when the file is loaded.
 */
final class Pipeline {
  private Pipeline() {}

  /** Deepest nesting of Sequence components accepted. */
  static final int MAX_DEPTH = 8;

  // ---------------------------------------------------------------- normalizers

  /** A normalizer: text in, text out (HF's offset tracking is not needed here). */
  interface Norm {
    String apply(String s);
  }

  static Norm normalizer(JsonFile f, JsonNode n, String path, int depth) {
    if (n == null || n.isNull()) return null;
    if (!n.isObject()) throw f.fail(path, "expected an object or null, found " + JsonFile.kind(n));
    if (depth > MAX_DEPTH) throw f.fail(path, "Sequence nested more than " + MAX_DEPTH + " deep");
    String type = f.string(n, "type", path);
    switch (type) {
      case "Sequence": {
        JsonNode list = f.array(n, "normalizers", path);
        List<Norm> parts = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
          Norm p = normalizer(f, list.get(i), path + ".normalizers[" + i + "]", depth + 1);
          if (p != null) parts.add(p);
        }
        return s -> {
          for (Norm p : parts) s = p.apply(s);
          return s;
        };
      }
      case "Prepend": {
        String prefix = f.string(n, "prepend", path);
        return s -> s.isEmpty() ? s : prefix + s;
      }
      case "Replace": {
        Pattern p = pattern(f, n, path);
        String content = Matcher.quoteReplacement(f.string(n, "content", path));
        return s -> p.matcher(s).replaceAll(content);
      }
      case "NFC":
        return s -> Normalizer.normalize(s, Normalizer.Form.NFC);
      case "NFD":
        return s -> Normalizer.normalize(s, Normalizer.Form.NFD);
      case "NFKC":
        return s -> Normalizer.normalize(s, Normalizer.Form.NFKC);
      case "NFKD":
        return s -> Normalizer.normalize(s, Normalizer.Form.NFKD);
      case "Lowercase":
        return s -> s.toLowerCase(Locale.ROOT);
      case "Strip": {
        boolean left = f.bool(n, "strip_left", path, true);
        boolean right = f.bool(n, "strip_right", path, true);
        return s -> strip(s, left, right);
      }
      default:
        throw f.fail(
            JsonFile.child(path, "type"),
            "normalizer \"" + printable(type)
                + "\" is not supported (supported: Sequence, Prepend, Replace, NFC, NFD, NFKC, NFKD,"
                + " Lowercase, Strip)");
    }
  }

  static String strip(String s, boolean left, boolean right) {
    int b = 0, e = s.length();
    while (left && b < e) {
      int c = s.codePointAt(b);
      if (!isWhitespace(c)) break;
      b += Character.charCount(c);
    }
    while (right && e > b) {
      int c = s.codePointBefore(e);
      if (!isWhitespace(c)) break;
      e -= Character.charCount(c);
    }
    return s.substring(b, e);
  }

  /** Rust's char::is_whitespace: the Unicode White_Space property. */
  static boolean isWhitespace(int c) {
    return WHITESPACE.matcher(new String(Character.toChars(c))).matches();
  }

  private static final Pattern WHITESPACE = Pattern.compile("\\s", Pattern.UNICODE_CHARACTER_CLASS);

  /** A {"String": s} (literal) or {"Regex": r} pattern. */
  static Pattern pattern(JsonFile f, JsonNode n, String path) {
    JsonNode p = f.object(n, "pattern", path, false);
    String pp = JsonFile.child(path, "pattern");
    if (p.size() != 1) throw f.fail(pp, "expected {\"String\": ...} or {\"Regex\": ...}");
    if (p.has("String")) return Pattern.compile(Pattern.quote(f.string(p, "String", pp)));
    return regex(f, f.string(p, "Regex", pp), JsonFile.child(pp, "Regex"));
  }

  /**
   * Compiles an Oniguruma pattern as a Java one. The patterns in real tokenizer files (GPT-2's,
   * Llama 3's, Qwen's) mean the same in both once \s, \w and case folding are Unicode-aware.
   */
  static Pattern regex(JsonFile f, String regex, String path) {
    try {
      return Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
    } catch (PatternSyntaxException e) {
      throw f.fail(path, "regular expression not supported: " + printable(e.getDescription()));
    }
  }

  // ---------------------------------------------------------------- pre-tokenizers

  /** A pre-tokenizer: one piece of text in, its sub-pieces out (empty ones dropped). */
  interface PreTok {
    void apply(Piece in, List<Piece> out);
  }

  enum Behavior {
    REMOVED,
    ISOLATED,
    MERGED_WITH_PREVIOUS,
    MERGED_WITH_NEXT,
    CONTIGUOUS
  }

  static PreTok preTokenizer(JsonFile f, JsonNode n, String path, int depth) {
    if (n == null || n.isNull()) return null;
    if (!n.isObject()) throw f.fail(path, "expected an object or null, found " + JsonFile.kind(n));
    if (depth > MAX_DEPTH) throw f.fail(path, "Sequence nested more than " + MAX_DEPTH + " deep");
    String type = f.string(n, "type", path);
    switch (type) {
      case "Sequence": {
        JsonNode list = f.array(n, "pretokenizers", path);
        List<PreTok> parts = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
          PreTok p = preTokenizer(f, list.get(i), path + ".pretokenizers[" + i + "]", depth + 1);
          if (p != null) parts.add(p);
        }
        return (in, out) -> {
          List<Piece> cur = List.of(in);
          for (PreTok p : parts) {
            List<Piece> next = new ArrayList<>();
            for (Piece c : cur) p.apply(c, next);
            cur = next;
          }
          out.addAll(cur);
        };
      }
      case "ByteLevel": {
        boolean prefixSpace = f.bool(n, "add_prefix_space", path, true);
        boolean useRegex = f.bool(n, "use_regex", path, true);
        Pattern gpt2 = Pattern.compile(ByteLevel.GPT2_PATTERN, Pattern.UNICODE_CHARACTER_CLASS);
        return (in, out) -> {
          String s = in.text();
          if (prefixSpace && !s.startsWith(" ")) s = " " + s;
          List<Piece> parts = new ArrayList<>();
          if (useRegex) {
            split(new Piece(s, in.atStart(), -1), regexMatches(gpt2, s), Behavior.ISOLATED, parts);
          } else if (!s.isEmpty()) {
            parts.add(new Piece(s, in.atStart(), -1));
          }
          for (Piece p : parts) out.add(new Piece(ByteLevel.encode(p.text()), p.atStart(), -1));
        };
      }
      case "Split": {
        Pattern p = pattern(f, n, path);
        Behavior b = behavior(f, n, path);
        boolean invert = f.bool(n, "invert", path, false);
        return (in, out) -> {
          List<int[]> m = regexMatches(p, in.text());
          if (invert) for (int[] r : m) r[2] ^= 1;
          split(in, m, b, out);
        };
      }
      case "Metaspace": {
        int repl = f.codePoint(n, "replacement", path);
        String rep = new String(Character.toChars(repl));
        String scheme;
        if (n.has("prepend_scheme")) {
          scheme = f.string(n, "prepend_scheme", path);
          if (!scheme.equals("always") && !scheme.equals("first") && !scheme.equals("never")) {
            throw f.fail(
                JsonFile.child(path, "prepend_scheme"),
                "expected \"always\", \"first\" or" + " \"never\", found \"" + printable(scheme)
                    + "\"");
          }
        } else {
          scheme = f.bool(n, "add_prefix_space", path, true) ? "always" : "never";
        }
        boolean doSplit = f.bool(n, "split", path, true);
        String sch = scheme;
        return (in, out) -> {
          String s = in.text().replace(" ", rep);
          boolean prepend =
              switch (sch) {
                case "always" -> true;
                case "first" -> in.atStart();
                default -> false;
              };
          if (prepend && !s.startsWith(rep)) s = rep + s;
          Piece p = new Piece(s, in.atStart(), -1);
          if (doSplit) {
            split(p, charMatches(s, c -> c == repl), Behavior.MERGED_WITH_NEXT, out);
          } else if (!s.isEmpty()) {
            out.add(p);
          }
        };
      }
      case "Digits": {
        boolean individual = f.bool(n, "individual_digits", path, false);
        return (in, out) -> split(
            in,
            charMatches(in.text(), Pipeline::isNumeric),
            individual ? Behavior.ISOLATED : Behavior.CONTIGUOUS,
            out);
      }
      default:
        throw f.fail(
            JsonFile.child(path, "type"),
            "pre-tokenizer \"" + printable(type)
                + "\" is not supported (supported: Sequence, ByteLevel, Split, Metaspace, Digits)");
    }
  }

  /** Rust's char::is_numeric: general categories Nd, Nl and No. */
  static boolean isNumeric(int c) {
    int t = Character.getType(c);
    return t == Character.DECIMAL_DIGIT_NUMBER
        || t == Character.LETTER_NUMBER
        || t == Character.OTHER_NUMBER;
  }

  static Behavior behavior(JsonFile f, JsonNode n, String path) {
    String b = f.string(n, "behavior", path);
    return switch (b) {
      case "Removed" -> Behavior.REMOVED;
      case "Isolated" -> Behavior.ISOLATED;
      case "MergedWithPrevious" -> Behavior.MERGED_WITH_PREVIOUS;
      case "MergedWithNext" -> Behavior.MERGED_WITH_NEXT;
      case "Contiguous" -> Behavior.CONTIGUOUS;
      default ->
        throw f.fail(
            JsonFile.child(path, "behavior"), "unknown split behavior \"" + printable(b) + "\"");
    };
  }

  /** Segments {start, end, isMatch} covering s: the pattern's matches and the gaps between. */
  static List<int[]> regexMatches(Pattern p, String s) {
    List<int[]> out = new ArrayList<>();
    if (s.isEmpty()) {
      out.add(new int[] {0, 0, 0});
      return out;
    }
    Matcher m = p.matcher(s);
    int prev = 0;
    while (m.find()) {
      if (prev != m.start()) out.add(new int[] {prev, m.start(), 0});
      out.add(new int[] {m.start(), m.end(), 1});
      prev = m.end();
    }
    if (prev != s.length()) out.add(new int[] {prev, s.length(), 0});
    return out;
  }

  /** As regexMatches, for a per-character predicate: each matching character is one match. */
  static List<int[]> charMatches(String s, IntPredicate pred) {
    List<int[]> out = new ArrayList<>();
    if (s.isEmpty()) {
      out.add(new int[] {0, 0, 0});
      return out;
    }
    int prev = 0;
    for (int i = 0; i < s.length(); ) {
      int c = s.codePointAt(i);
      int e = i + Character.charCount(c);
      if (pred.test(c)) {
        if (prev != i) out.add(new int[] {prev, i, 0});
        out.add(new int[] {i, e, 1});
        prev = e;
      }
      i = e;
    }
    if (prev != s.length()) out.add(new int[] {prev, s.length(), 0});
    return out;
  }

  /** Cuts {@code in} at the segments as HF's SplitDelimiterBehavior does; empty parts dropped. */
  static void split(Piece in, List<int[]> segs, Behavior b, List<Piece> out) {
    List<int[]> parts = new ArrayList<>(); // {start, end, remove}
    switch (b) {
      case REMOVED -> {
        for (int[] s : segs) parts.add(new int[] {s[0], s[1], s[2]});
      }
      case ISOLATED -> {
        for (int[] s : segs) parts.add(new int[] {s[0], s[1], 0});
      }
      case MERGED_WITH_PREVIOUS -> {
        boolean prevMatch = false;
        for (int[] s : segs) {
          boolean match = s[2] == 1;
          if (match && !prevMatch && !parts.isEmpty()) parts.getLast()[1] = s[1];
          else parts.add(new int[] {s[0], s[1], 0});
          prevMatch = match;
        }
      }
      case MERGED_WITH_NEXT -> {
        boolean prevMatch = false;
        for (int i = segs.size() - 1; i >= 0; i--) {
          int[] s = segs.get(i);
          boolean match = s[2] == 1;
          if (match && !prevMatch && !parts.isEmpty()) parts.getLast()[0] = s[0];
          else parts.add(new int[] {s[0], s[1], 0});
          prevMatch = match;
        }
        java.util.Collections.reverse(parts);
      }
      case CONTIGUOUS -> {
        boolean prevMatch = false;
        for (int[] s : segs) {
          boolean match = s[2] == 1;
          if (match == prevMatch && !parts.isEmpty()) parts.getLast()[1] = s[1];
          else parts.add(new int[] {s[0], s[1], 0});
          prevMatch = match;
        }
      }
    }
    String t = in.text();
    for (int[] p : parts) {
      if (p[2] == 1 || p[0] == p[1]) continue;
      out.add(new Piece(t.substring(p[0], p[1]), in.atStart() && p[0] == 0, -1));
    }
  }

  // ---------------------------------------------------------------- decoders

  /** A decoder: the list of token strings in, a list of strings out (then concatenated). */
  interface Dec {
    List<String> apply(List<String> tokens);
  }

  static Dec decoder(JsonFile f, JsonNode n, String path, int depth) {
    if (n == null || n.isNull()) return null;
    if (!n.isObject()) throw f.fail(path, "expected an object or null, found " + JsonFile.kind(n));
    if (depth > MAX_DEPTH) throw f.fail(path, "Sequence nested more than " + MAX_DEPTH + " deep");
    String type = f.string(n, "type", path);
    switch (type) {
      case "Sequence": {
        JsonNode list = f.array(n, "decoders", path);
        List<Dec> parts = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
          Dec d = decoder(f, list.get(i), path + ".decoders[" + i + "]", depth + 1);
          if (d != null) parts.add(d);
        }
        return tokens -> {
          for (Dec d : parts) tokens = d.apply(tokens);
          return tokens;
        };
      }
      case "ByteLevel":
        return Pipeline::byteLevelDecode;
      case "Replace": {
        Pattern p = pattern(f, n, path);
        String content = Matcher.quoteReplacement(f.string(n, "content", path));
        return tokens -> {
          List<String> out = new ArrayList<>(tokens.size());
          for (String t : tokens) out.add(p.matcher(t).replaceAll(content));
          return out;
        };
      }
      case "ByteFallback":
        return Pipeline::byteFallbackDecode;
      case "Fuse":
        return tokens -> List.of(String.join("", tokens));
      case "Strip": {
        int content = f.codePoint(n, "content", path);
        long start = f.integer(n, "start", path, 0, Integer.MAX_VALUE, 0);
        long stop = f.integer(n, "stop", path, 0, Integer.MAX_VALUE, 0);
        return tokens -> {
          List<String> out = new ArrayList<>(tokens.size());
          for (String t : tokens) out.add(stripDecode(t, content, start, stop));
          return out;
        };
      }
      case "Metaspace": {
        int repl = f.codePoint(n, "replacement", path);
        boolean never;
        if (n.has("prepend_scheme")) {
          never = "never".equals(f.string(n, "prepend_scheme", path));
        } else {
          never = !f.bool(n, "add_prefix_space", path, true);
        }
        return tokens -> {
          List<String> out = new ArrayList<>(tokens.size());
          for (int i = 0; i < tokens.size(); i++) {
            StringBuilder sb = new StringBuilder();
            String t = tokens.get(i);
            for (int k = 0; k < t.length(); ) {
              int c = t.codePointAt(k);
              if (c == repl) {
                if (i != 0 || never) sb.append(' ');
              } else {
                sb.appendCodePoint(c);
              }
              k += Character.charCount(c);
            }
            out.add(sb.toString());
          }
          return out;
        };
      }
      default:
        throw f.fail(
            JsonFile.child(path, "type"),
            "decoder \"" + printable(type) + "\" is not"
                + " supported (supported: Sequence, ByteLevel, Replace, ByteFallback, Fuse, Strip,"
                + " Metaspace)");
    }
  }

  /** Each token's characters back to bytes (a token with a character outside the table is kept
   *  as its own UTF-8), all bytes decoded as one lossy UTF-8 string. */
  static List<String> byteLevelDecode(List<String> tokens) {
    int total = 0;
    for (String t : tokens) total += t.length() * 3;
    byte[] bytes = new byte[total];
    int n = 0;
    for (String t : tokens) {
      int start = n;
      boolean ok = true;
      for (int i = 0; i < t.length(); i++) {
        int b = ByteLevel.byteOf(t.charAt(i));
        if (b < 0) {
          ok = false;
          break;
        }
        bytes[n++] = (byte) b;
      }
      if (!ok) {
        n = start;
        byte[] raw = t.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(raw, 0, bytes, n, raw.length);
        n += raw.length;
      }
    }
    return List.of(lossyUtf8(java.util.Arrays.copyOf(bytes, n)));
  }

  /**
   * UTF-8 with each maximal invalid subsequence replaced by one U+FFFD, exactly as Rust's
   * {@code String::from_utf8_lossy} does (the Unicode standard's "maximal subpart" practice).
   */
  static String lossyUtf8(byte[] b) {
    StringBuilder sb = new StringBuilder(b.length);
    int i = 0, validFrom = 0;
    while (i < b.length) {
      int first = b[i] & 0xFF;
      int start = i;
      i++;
      if (first < 0x80) continue;
      int bad = -1; // length of the invalid sequence starting at start, or -1 when valid
      int width = first >= 0xC2 && first <= 0xDF
          ? 2
          : first >= 0xE0 && first <= 0xEF ? 3 : first >= 0xF0 && first <= 0xF4 ? 4 : 0;
      int second = i < b.length ? b[i] & 0xFF : -1;
      switch (width) {
        case 2 -> {
          if (!cont(second)) bad = 1;
          else i++;
        }
        case 3 -> {
          boolean ok = (first == 0xE0 && second >= 0xA0 && second <= 0xBF)
              || (first >= 0xE1 && first <= 0xEC && cont(second))
              || (first == 0xED && second >= 0x80 && second <= 0x9F)
              || (first >= 0xEE && cont(second));
          if (!ok) bad = 1;
          else if (!cont(i + 1 < b.length ? b[i + 1] & 0xFF : -1)) bad = 2;
          else i += 2;
        }
        case 4 -> {
          boolean ok = (first == 0xF0 && second >= 0x90 && second <= 0xBF)
              || (first >= 0xF1 && first <= 0xF3 && cont(second))
              || (first == 0xF4 && second >= 0x80 && second <= 0x8F);
          if (!ok) bad = 1;
          else if (!cont(i + 1 < b.length ? b[i + 1] & 0xFF : -1)) bad = 2;
          else if (!cont(i + 2 < b.length ? b[i + 2] & 0xFF : -1)) bad = 3;
          else i += 3;
        }
        default -> bad = 1;
      }
      if (bad > 0) {
        sb.append(new String(b, validFrom, start - validFrom, StandardCharsets.UTF_8))
            .append('\uFFFD');
        i = start + bad;
        validFrom = i;
      }
    }
    return sb.append(new String(b, validFrom, b.length - validFrom, StandardCharsets.UTF_8))
        .toString();
  }

  private static boolean cont(int x) {
    return x >= 0x80 && x <= 0xBF;
  }

  static List<String> byteFallbackDecode(List<String> tokens) {
    List<String> out = new ArrayList<>(tokens.size());
    java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();
    for (String t : tokens) {
      int b = byteToken(t);
      if (b >= 0) {
        pending.write(b);
        continue;
      }
      flushBytes(pending, out);
      out.add(t);
    }
    flushBytes(pending, out);
    return out;
  }

  /** Bytes gathered from {@code <0xNN>} tokens: their text if valid UTF-8, else one U+FFFD per byte. */
  private static void flushBytes(java.io.ByteArrayOutputStream pending, List<String> out) {
    if (pending.size() == 0) return;
    byte[] b = pending.toByteArray();
    pending.reset();
    try {
      out.add(StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(b))
          .toString());
    } catch (CharacterCodingException e) {
      for (int i = 0; i < b.length; i++) out.add("\uFFFD");
    }
  }

  /** The byte a {@code <0xNN>} token stands for, or -1 (Rust's u8::from_str_radix, '+' included). */
  static int byteToken(String t) {
    if (t.length() != 6 || !t.startsWith("<0x") || t.charAt(5) != '>') return -1;
    char a = t.charAt(3), c = t.charAt(4);
    if (a == '+') return Character.digit(c, 16) >= 0 && c < 128 ? Character.digit(c, 16) : -1;
    if (a >= 128 || c >= 128) return -1;
    int hi = Character.digit(a, 16), lo = Character.digit(c, 16);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
  }

  static String stripDecode(String t, int content, long start, long stop) {
    int[] cps = t.codePoints().toArray();
    int b = 0;
    while (b < cps.length && b < start && cps[b] == content) b++;
    int e = cps.length;
    int removed = 0;
    while (e > b && removed < stop && cps[e - 1] == content) {
      e--;
      removed++;
    }
    return new String(cps, b, e - b);
  }

  static String printable(String s) {
    return org.mos.io.MosFileException.printable(s, 80);
  }
}
