// SPDX-License-Identifier: Apache-2.0
// DataFormat: the kinds of training data file mos-llm reads.
package org.mos.llm.data;

/** The format of a data file, chosen by extension ({@code .jsonl}: JSONL) and first record. */
public enum DataFormat {
  /** Any file not named {@code .jsonl}: UTF-8 text, the whole file one document, packed. */
  PLAIN_TEXT,
  /** JSONL of {@code {"text": ...}}: each record a document, packed like plain text. */
  JSONL_TEXT,
  /** JSONL of {@code {"prompt": ..., "completion": ...}}: one example each, loss on the completion. */
  JSONL_PROMPT_COMPLETION,
  /** JSONL of {@code {"messages": [{"role", "content"}, ...]}}: rendered by the chat template,
   *  loss on the assistant turns. */
  JSONL_MESSAGES
}
