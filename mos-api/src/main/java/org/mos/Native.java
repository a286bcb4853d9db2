// SPDX-License-Identifier: Apache-2.0
// Native: small helpers shared by the API classes: status checks with mos_last_error, handle
// out-parameters, argument checks that throw MosException in libmos's message style.
package org.mos;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.mos.ffi.mos_h;

final class Native {
  private Native() {}

  /** Throws MosException(status, mos_last_error()) unless status is MOS_STATUS_OK. */
  static void check(int status) {
    if (status != 0) {
      String msg = lastError();
      Status s = Status.of(status);
      if (msg.isEmpty()) {
        msg = "libmos call failed with status " + status + " (" + s + ") and no message";
      } else if (s == Status.INTERNAL && status != Status.INTERNAL.code()) {
        msg = msg + " (unknown status code " + status + ")";
      }
      throw new MosException(s, msg);
    }
  }

  /** This thread's mos_last_error() text ("" if none). */
  static String lastError() {
    MemorySegment p = mos_h.mos_last_error();
    return p.equals(MemorySegment.NULL) ? "" : p.reinterpret(Long.MAX_VALUE).getString(0);
  }

  /** A C string returned by libmos (static storage), as a Java string. */
  static String string(MemorySegment p) {
    return p.equals(MemorySegment.NULL) ? "" : p.reinterpret(Long.MAX_VALUE).getString(0);
  }

  /** An out-parameter slot for a handle. */
  static MemorySegment handleSlot(Arena arena) {
    return arena.allocate(ValueLayout.ADDRESS);
  }

  static MemorySegment handleIn(MemorySegment slot) {
    return slot.get(ValueLayout.ADDRESS, 0);
  }

  /** Java-side null check: MosException(NULL_POINTER) naming the function and the argument. */
  static <T> T notNull(T value, String function, String argument) {
    if (value == null) {
      throw new MosException(Status.NULL_POINTER, function + ": " + argument + " is null");
    }
    return value;
  }

  static MosException invalid(String message) {
    return new MosException(Status.INVALID_ARGUMENT, message);
  }

  static MosException shape(String message) {
    return new MosException(Status.SHAPE_MISMATCH, message);
  }

  /** Both objects must belong to the same context (one lock serializes the call). */
  static void sameContext(String function, MosContext expected, MosContext actual, String what) {
    if (expected != actual) {
      throw invalid(function + ": " + what + " belongs to another MosContext");
    }
  }
}
