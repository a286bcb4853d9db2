// SPDX-License-Identifier: Apache-2.0
// AddedVocabulary: the added_tokens of tokenizer.json (special tokens such as <|eot_id|> and any
// other added token), found in the input before the model sees it, as the Rust crate does.
package org.mos.llm.tokenizer;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tokens whose {@code normalized} flag is false are matched in the raw input; the others in the
 * normalized text, against their own normalized spelling. Matching is leftmost-longest; a match
 * of a {@code single_word} token inside a word is skipped; {@code lstrip}/{@code rstrip} swallow
 * the whitespace on that side.
 */
final class AddedVocabulary {
  /** One entry of added_tokens. */
  record Added(
      int id,
      String content,
      boolean special,
      boolean singleWord,
      boolean lstrip,
      boolean rstrip,
      boolean normalized) {}

  private static final class Node {
    final Map<Character, Node> next = new HashMap<>(4);
    Added token; // the token ending here, or null
  }

  private final Node raw = new Node();
  private final Node norm = new Node();
  private final boolean any;

  AddedVocabulary(List<Added> tokens, Pipeline.Norm normalizer) {
    for (Added t : tokens) {
      if (t.normalized()) {
        String spelled = normalizer == null ? t.content() : normalizer.apply(t.content());
        if (!spelled.isEmpty()) insert(norm, spelled, t);
      } else {
        insert(raw, t.content(), t);
      }
    }
    any = !tokens.isEmpty();
  }

  private static void insert(Node root, String s, Added t) {
    Node n = root;
    for (int i = 0; i < s.length(); i++) n = n.next.computeIfAbsent(s.charAt(i), k -> new Node());
    if (n.token == null) n.token = t;
  }

  /** Splits raw input into added tokens and text (first pass). */
  void splitRaw(String text, List<Piece> out) {
    split(raw, text, true, out);
  }

  /** Splits an already normalized text piece (second pass). */
  void splitNormalized(Piece p, List<Piece> out) {
    split(norm, p.text(), p.atStart(), out);
  }

  private void split(Node root, String s, boolean atStart, List<Piece> out) {
    if (!any || root.next.isEmpty()) {
      if (!s.isEmpty()) out.add(Piece.text(s, atStart));
      return;
    }
    int startOffset = 0;
    int i = 0;
    while (i < s.length()) {
      // Longest token starting at i.
      Node n = root;
      Added found = null;
      int foundEnd = -1;
      for (int k = i; k < s.length(); k++) {
        n = n.next.get(s.charAt(k));
        if (n == null) break;
        if (n.token != null) {
          found = n.token;
          foundEnd = k + 1;
        }
      }
      if (found == null) {
        i++;
        continue;
      }
      int start = i, stop = foundEnd;
      i = foundEnd; // matches never overlap, even a skipped one
      if (found.singleWord()) {
        boolean startOk =
            start == 0 || !ENDS_WITH_WORD.matcher(s.substring(0, start)).find();
        boolean stopOk =
            stop == s.length() || !STARTS_WITH_WORD.matcher(s.substring(stop)).find();
        if (!startOk || !stopOk) continue;
      }
      if (found.lstrip()) {
        Matcher m = TRAILING_SPACE.matcher(s.substring(0, start));
        int newStart = m.find() ? m.start() : start;
        start = Math.max(newStart, startOffset);
      }
      if (found.rstrip()) {
        Matcher m = LEADING_SPACE.matcher(s.substring(stop));
        if (m.find()) stop += m.end();
      }
      if (startOffset < start)
        out.add(Piece.text(s.substring(startOffset, start), atStart && startOffset == 0));
      out.add(new Piece(s.substring(start, stop), atStart && start == 0, found.id()));
      startOffset = stop;
      i = Math.max(i, stop);
    }
    if (startOffset < s.length())
      out.add(Piece.text(s.substring(startOffset), atStart && startOffset == 0));
  }

  private static final Pattern STARTS_WITH_WORD =
      Pattern.compile("^\\w", Pattern.UNICODE_CHARACTER_CLASS);
  private static final Pattern ENDS_WITH_WORD =
      Pattern.compile("\\w\\z", Pattern.UNICODE_CHARACTER_CLASS);
  private static final Pattern LEADING_SPACE =
      Pattern.compile("^\\s*", Pattern.UNICODE_CHARACTER_CLASS);
  private static final Pattern TRAILING_SPACE =
      Pattern.compile("\\s*\\z", Pattern.UNICODE_CHARACTER_CLASS);
}
