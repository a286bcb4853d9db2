// SPDX-License-Identifier: Apache-2.0
// MosLibrary: where the bindings in mos_h find libmos's symbols. The Java API's loader
// (org.mos.NativeLoader) picks the library and installs it here once per JVM.
package org.mos.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one {@link SymbolLookup} that {@link mos_h} resolves every symbol through.
 *
 * <p>It starts empty; {@link #load(Path)} (or {@link #use(SymbolLookup, String)}) installs libmos
 * exactly once per JVM, and every later call with the same library is a no-op. Installing a
 * different library after the first is refused, because the downcall handles already bound to the
 * first one would silently keep calling it. The library is opened by absolute path:
 * {@code SymbolLookup.libraryLookup(String, Arena)} is plain {@code dlopen} and ignores
 * {@code java.library.path}.
 *
 * {@snippet :
 * MosLibrary.load(Path.of("/opt/mos/libmos.so"));   // normally done by org.mos.NativeLoader
 * int abi = mos_h.mos_abi_version();
 * }
 */
public final class MosLibrary {

  private static volatile SymbolLookup lookup;
  private static volatile String source;

  private MosLibrary() {}

  /**
   * Opens libmos at {@code library} (an existing file; made absolute) with a global arena and
   * installs it. Idempotent for the same path.
   *
   * @throws IllegalArgumentException if the file does not exist or cannot be opened
   * @throws IllegalStateException if another library was installed before
   */
  public static synchronized void load(Path library) {
    Path abs = library.toAbsolutePath().normalize();
    String description = abs.toString();
    if (lookup != null) {
      requireSame(description);
      return;
    }
    if (!Files.isRegularFile(abs)) {
      throw new IllegalArgumentException("libmos not found at " + abs);
    }
    use(SymbolLookup.libraryLookup(abs, Arena.global()), description);
  }

  /**
   * Installs an already opened lookup (e.g. {@code SymbolLookup.loaderLookup()} after
   * {@code System.loadLibrary("mos")}), described by {@code description} in messages.
   * The lookup must stay valid for the life of the JVM.
   *
   * @throws IllegalStateException if a different library was installed before
   */
  public static synchronized void use(SymbolLookup libraryLookup, String description) {
    if (libraryLookup == null || description == null) {
      throw new IllegalArgumentException("MosLibrary.use: lookup and description must not be null");
    }
    if (lookup != null) {
      requireSame(description);
      return;
    }
    source = description;
    lookup = libraryLookup;
  }

  /** Whether a library has been installed. */
  public static boolean isLoaded() {
    return lookup != null;
  }

  /** Where the installed library came from (its absolute path, usually), or null. */
  public static String source() {
    return source;
  }

  /**
   * The installed lookup.
   *
   * @throws IllegalStateException if none has been installed yet
   */
  public static SymbolLookup lookup() {
    SymbolLookup l = lookup;
    if (l == null) {
      throw new IllegalStateException(
          "libmos is not loaded yet: call org.mos.NativeLoader.load() (every org.mos entry point "
              + "does) or org.mos.ffi.MosLibrary.load(Path) before using org.mos.ffi.mos_h");
    }
    return l;
  }

  private static void requireSame(String description) {
    if (!description.equals(source)) {
      throw new IllegalStateException("libmos is already loaded from " + source
          + "; cannot switch to " + description + " in the same JVM");
    }
  }
}
