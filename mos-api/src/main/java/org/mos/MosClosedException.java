// SPDX-License-Identifier: Apache-2.0
// MosClosedException: a call on an object that was closed (or on a closed context), refused
// before anything reaches libmos.
package org.mos;

/**
 * A method was called on a closed object: {@code "ShardPool is closed"}, or on an object that
 * borrows caller memory (a {@link Tensor#wrap} tensor, a layer whose weight is one) after that
 * memory's arena was closed. Status {@link Status#INVALID_STATE}. Closing is idempotent; a closed
 * object never touches freed memory.
 */
public final class MosClosedException extends MosException {
  private static final long serialVersionUID = 1L;

  /** {@code type}: the class the user sees, e.g. "ShardPool". */
  public MosClosedException(String type) {
    super(Status.INVALID_STATE, type + " is closed");
  }

  private MosClosedException(String message, Void full) {
    super(Status.INVALID_STATE, message);
  }

  /** Caller memory an object borrows (Tensor.wrap) was freed: its arena is closed. */
  static MosClosedException memoryFreed(String type) {
    return new MosClosedException(
        type + " uses caller memory that was freed (the Arena of the"
            + " segment given to Tensor.wrap is closed)",
        null);
  }
}
