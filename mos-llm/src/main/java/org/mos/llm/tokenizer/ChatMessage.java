// SPDX-License-Identifier: Apache-2.0
// ChatMessage: one turn of a conversation, as chat templates and the messages JSONL format see it.
package org.mos.llm.tokenizer;

import org.mos.MosException;
import org.mos.Status;

/**
 * One message: {@code role} ("system", "user", "assistant", ...) and its text {@code content}.
 * Both are required (not null).
 */
public record ChatMessage(String role, String content) {
  /** Checks that neither field is null. */
  public ChatMessage {
    if (role == null || content == null) {
      throw new MosException(Status.NULL_POINTER, "ChatMessage: role and content must not be null");
    }
  }
}
