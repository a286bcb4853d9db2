// SPDX-License-Identifier: Apache-2.0
// DirectoryExchange: Linux's renameat2(RENAME_EXCHANGE) through the FFM API, to swap a finished
// temporary directory with the directory it replaces in one atomic step.
package org.mos.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/** Atomic exchange of two paths (package-private; used by {@link AtomicFiles}). */
final class DirectoryExchange {
  private DirectoryExchange() {}

  private static final int AT_FDCWD = -100;
  private static final int RENAME_EXCHANGE = 2;
  private static final int ENOSYS = 38;
  private static final int EINVAL = 22;
  private static final int EXDEV = 18;
  private static final int ENOTSUP = 95;

  private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final MethodHandle RENAMEAT2 = lookup();

  /** Whether this platform offers renameat2 (glibc 2.28+ on Linux). */
  static final boolean AVAILABLE = RENAMEAT2 != null;

  private static MethodHandle lookup() {
    if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
      return null;
    }
    try {
      Linker linker = Linker.nativeLinker();
      return linker
          .defaultLookup()
          .find("renameat2")
          .map(addr -> linker.downcallHandle(
              addr,
              FunctionDescriptor.of(
                  ValueLayout.JAVA_INT,
                  ValueLayout.JAVA_INT,
                  ValueLayout.ADDRESS,
                  ValueLayout.JAVA_INT,
                  ValueLayout.ADDRESS,
                  ValueLayout.JAVA_INT),
              Linker.Option.captureCallState("errno")))
          .orElse(null);
    } catch (RuntimeException | LinkageError e) {
      return null; // no native access or no such symbol: callers fall back
    }
  }

  /**
   * Exchanges {@code a} and {@code b} atomically (both must exist).
   *
   * @return false when the file system or kernel cannot (nothing was changed)
   * @throws IOException for any other failure
   */
  static boolean exchange(Path a, Path b) throws IOException {
    if (RENAMEAT2 == null) return false;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CALL_STATE);
      MemorySegment from = arena.allocateFrom(a.toAbsolutePath().toString());
      MemorySegment to = arena.allocateFrom(b.toAbsolutePath().toString());
      int rc = (int) RENAMEAT2.invokeExact(state, AT_FDCWD, from, AT_FDCWD, to, RENAME_EXCHANGE);
      if (rc == 0) return true;
      int errno = (int) ERRNO.get(state, 0L);
      if (errno == ENOSYS || errno == EINVAL || errno == EXDEV || errno == ENOTSUP) return false;
      throw new IOException(
          "renameat2(" + a + ", " + b + ", RENAME_EXCHANGE) failed, errno " + errno);
    } catch (IOException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IOException("renameat2: " + t, t);
    }
  }
}
