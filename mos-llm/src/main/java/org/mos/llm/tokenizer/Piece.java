// SPDX-License-Identifier: Apache-2.0
// Piece: a span of text on its way through normalization and pre-tokenization, or an added
// token already resolved to its id.
package org.mos.llm.tokenizer;

/**
 * {@code text} is the piece's current (normalized, pre-tokenized) text; {@code atStart} says it
 * begins where the input begins (Metaspace's "first" prepend scheme needs this); {@code id} is
 * the added token's id, or -1 for text still to be tokenized.
 */
record Piece(String text, boolean atStart, int id) {
  static Piece text(String text, boolean atStart) {
    return new Piece(text, atStart, -1);
  }

  boolean isToken() {
    return id >= 0;
  }
}
