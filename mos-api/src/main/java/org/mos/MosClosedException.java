// MosClosedException: a call on an object that was closed (or on a closed context), refused
// before anything reaches libmos.
package org.mos;

/**
 * A method was called on a closed object: {@code "ShardPool is closed"}. Status {@link
 * Status#INVALID_STATE}. Closing is idempotent; a closed object never touches freed memory.
 */
public final class MosClosedException extends MosException {
  private static final long serialVersionUID = 1L;

  /** {@code type}: the class the user sees, e.g. "ShardPool". */
  public MosClosedException(String type) {
    super(Status.INVALID_STATE, type + " is closed");
  }
}
