// SPDX-License-Identifier: Apache-2.0
// Backend: which compute backend a MosContext runs on (mos_backend_t), and whether this build and
// machine can use it ("absent, not fatal": an unavailable backend is reported, never a crash).
package org.mos;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.mos.ffi.mos_h;

/**
 * A compute backend of libmos.
 *
 * {@snippet :
 * Backend b = Backend.CUDA.isAvailable() ? Backend.CUDA : Backend.CPU;
 * if (b == Backend.CPU) {
 *   System.out.println("CPU only: " + Backend.CUDA.unavailableReason());
 * }
 * try (MosContext ctx = MosContext.create(b)) {
 *   System.out.println(ctx.backend());
 * }
 * }
 */
public enum Backend {
  /** The CPU backend (OpenBLAS + OpenMP); always built. */
  CPU(0),
  /** The CUDA backend; needs a CUDA build of libmos, a driver, a device and cuBLAS. */
  CUDA(1);

  private final int code;

  Backend(int code) {
    this.code = code;
  }

  /** The {@code mos_backend_t} value. */
  public int code() {
    return code;
  }

  static Backend of(int code) {
    for (Backend b : values()) {
      if (b.code == code) {
        return b;
      }
    }
    throw new MosException(Status.INTERNAL, "libmos reported unknown backend " + code);
  }

  /** Whether this backend can be used here (loads libmos if needed). */
  public boolean isAvailable() {
    return query().isEmpty();
  }

  /**
   * Why this backend cannot be used here (e.g. "built without CUDA"), or {@code ""} when it can.
   */
  public String unavailableReason() {
    return query();
  }

  private String query() {
    NativeLoader.load();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment available = arena.allocate(ValueLayout.JAVA_INT);
      long capacity = 1024;
      MemorySegment reason = arena.allocate(capacity);
      Native.check(mos_h.mos_backend_available(code, available, reason, capacity));
      if (available.get(ValueLayout.JAVA_INT, 0) != 0) {
        return "";
      }
      String why = reason.getString(0);
      return why.isEmpty() ? name() + " is unavailable (libmos gave no reason)" : why;
    }
  }
}
