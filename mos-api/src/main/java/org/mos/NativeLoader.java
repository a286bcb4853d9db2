// SPDX-License-Identifier: Apache-2.0
// NativeLoader: finds libmos (explicit path, environment, the copy inside the mos-native jar,
// java.library.path), refuses a library of another ABI major version, and installs it in
// MosLibrary.
package org.mos;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.mos.ffi.MosLibrary;
import org.mos.ffi.mos_h;

/**
 * Loads libmos once per JVM. Every entry point of the API calls {@link #load()}, so calling it
 * yourself is only useful to fail early or to print {@link #loadedFrom()}.
 *
 * <p>Places tried, in order (the first usable one wins):
 * <ol>
 *   <li>the system property {@code mos.library.path} (the file, or a directory holding
 *       {@code libmos.so});
 *   <li>the environment variable {@code MOS_LIBRARY_PATH} (same forms);
 *   <li>{@code native/<os>-<arch>/libmos.so} on the class path: the platform artifact
 *       {@code org.mos:mos-native:<version>:linux-x86_64} (classifier = platform), extracted
 *       with its OpenBLAS runtime ({@code libopenblas.so.0}, {@code libgfortran.so.5},
 *       {@code libquadmath.so.0}) into one temporary directory, so libmos's {@code $ORIGIN}
 *       run path finds them. mos publishes it for linux-x86_64 only; on any
 *       other OS or architecture this place is refused with a message that names the JVM's
 *       {@code os.name} and {@code os.arch} (a libmos built there from source still loads
 *       through the first two places);
 *   <li>{@code System.loadLibrary("mos")} ({@code java.library.path}).
 * </ol>
 * A library whose {@code mos_abi_version() / 1000} differs from the bindings'
 * {@code MOS_ABI_VERSION_MAJOR} is refused (and the next place tried). When nothing works, the
 * {@link MosException} ({@link Status#BACKEND_UNAVAILABLE}) lists every place and why it failed.
 * The JVM needs {@code --enable-native-access=ALL-UNNAMED} (or the manifest attribute
 * {@code Enable-Native-Access: ALL-UNNAMED}); without it, JDK 25 warns, later JDKs refuse.
 *
 * {@snippet :
 * NativeLoader.load();                                  // optional: fail early
 * System.out.println("libmos from " + NativeLoader.loadedFrom());
 * try (MosContext ctx = MosContext.cpu()) {
 *   System.out.println(MosContext.version());
 * }
 * }
 */
public final class NativeLoader {

  /** The platforms (classifiers of {@code org.mos:mos-native}) mos publishes libmos for. */
  static final List<String> PUBLISHED_PLATFORMS = List.of("linux-x86_64");

  /** The library files the mos-native jar carries, libmos first. */
  static final List<String> BUNDLED =
      List.of("libmos.so", "libopenblas.so.0", "libgfortran.so.5", "libquadmath.so.0");

  private static final System.Logger LOG = System.getLogger(NativeLoader.class.getName());

  private NativeLoader() {}

  /**
   * Loads libmos if it is not loaded yet; a no-op afterwards.
   *
   * @throws MosException ({@link Status#BACKEND_UNAVAILABLE}) listing every place tried and why
   */
  public static synchronized void load() {
    if (MosLibrary.isLoaded()) {
      return;
    }
    passiveOpenMpUnlessSet();
    List<String> tried = new ArrayList<>();
    boolean explicitFailed = false;
    for (Candidate c : candidates()) {
      String why = c.tryLoad();
      if (why == null) {
        if (explicitFailed) {
          LOG.log(
              System.Logger.Level.WARNING,
              "libmos: loaded from " + c.description() + " after failures: " + tried);
        }
        return;
      }
      explicitFailed |= c.explicit();
      tried.add(c.description() + ": " + why);
    }
    throw new MosException(Status.BACKEND_UNAVAILABLE, failureReport(tried));
  }

  /**
   * Sets OMP_WAIT_POLICY=PASSIVE in the process environment before libgomp (a dependency of
   * libmos) starts, unless the user set it. libgomp's default lets idle OpenMP threads spin after
   * each parallel loop; on a small machine they then steal the cores the next OpenBLAS product
   * needs (measured: a training step up to 1.64x slower, docs/benchmarks.md case 7). Best effort:
   * any failure leaves the environment as it is.
   */
  static void passiveOpenMpUnlessSet() {
    if (System.getenv("OMP_WAIT_POLICY") != null) {
      return;
    }
    try (Arena arena = Arena.ofConfined()) {
      Linker linker = Linker.nativeLinker();
      MemorySegment setenv = linker.defaultLookup().find("setenv").orElse(null);
      if (setenv == null) {
        return;
      }
      MethodHandle h = linker.downcallHandle(
          setenv,
          FunctionDescriptor.of(
              ValueLayout.JAVA_INT,
              ValueLayout.ADDRESS,
              ValueLayout.ADDRESS,
              ValueLayout.JAVA_INT));
      int rc = (int)
          h.invokeExact(arena.allocateFrom("OMP_WAIT_POLICY"), arena.allocateFrom("PASSIVE"), 0);
      if (rc != 0) {
        LOG.log(System.Logger.Level.DEBUG, "setenv(OMP_WAIT_POLICY) returned " + rc);
      }
    } catch (Throwable t) {
      LOG.log(System.Logger.Level.DEBUG, "could not set OMP_WAIT_POLICY: " + t);
    }
  }

  /** Where the loaded libmos came from (an absolute path, usually), or null if not loaded. */
  public static String loadedFrom() {
    return MosLibrary.source();
  }

  static String failureReport(List<String> tried) {
    StringBuilder sb = new StringBuilder("libmos could not be loaded. Tried, in order:");
    for (int i = 0; i < tried.size(); i++) {
      sb.append("\n  ").append(i + 1).append(". ").append(tried.get(i));
    }
    sb.append("\nThis JVM runs on ")
        .append(osDescription())
        .append("; mos publishes libmos for ")
        .append(String.join(", ", PUBLISHED_PLATFORMS))
        .append('.');
    sb.append(
            "\nFix: pass -Dmos.library.path=/path/to/libmos.so (or set MOS_LIBRARY_PATH), or add ")
        .append("the dependency ")
        .append(nativeCoordinates(platform()))
        .append("; build libmos with ./mvnw -B package.")
        .append(
            "\nThe JVM also needs --enable-native-access=ALL-UNNAMED (for java -jar: the manifest ")
        .append("attribute Enable-Native-Access: ALL-UNNAMED).");
    return sb.toString();
  }

  /** One place libmos may be; tryLoad returns null on success, else why it failed. */
  interface Candidate {
    String description();

    boolean explicit();

    String tryLoad();
  }

  static List<Candidate> candidates() {
    List<Candidate> list = new ArrayList<>();
    list.add(pathCandidate("-Dmos.library.path", System.getProperty("mos.library.path")));
    list.add(pathCandidate("$MOS_LIBRARY_PATH", System.getenv("MOS_LIBRARY_PATH")));
    list.add(new Candidate() {
      @Override
      public String description() {
        return "class path resource native/" + platform() + "/libmos.so (the artifact "
            + nativeCoordinates(platform()) + ")";
      }

      @Override
      public boolean explicit() {
        return false;
      }

      @Override
      public String tryLoad() {
        return loadFromClasspath();
      }
    });
    list.add(new Candidate() {
      @Override
      public String description() {
        return "System.loadLibrary(\"mos\") with java.library.path="
            + System.getProperty("java.library.path");
      }

      @Override
      public boolean explicit() {
        return false;
      }

      @Override
      public String tryLoad() {
        try {
          System.loadLibrary("mos");
        } catch (UnsatisfiedLinkError | SecurityException e) {
          return e.getMessage();
        }
        // The loader lookup sees the libraries loaded by this class's loader.
        return install(SymbolLookup.loaderLookup(), "System.loadLibrary(\"mos\")", null);
      }
    });
    return list;
  }

  static Candidate pathCandidate(String name, String value) {
    return new Candidate() {
      @Override
      public String description() {
        return name + (value == null || value.isBlank() ? "" : "=" + value);
      }

      @Override
      public boolean explicit() {
        return value != null && !value.isBlank();
      }

      @Override
      public String tryLoad() {
        if (value == null || value.isBlank()) {
          return "not set";
        }
        Path p = Path.of(value.trim());
        if (Files.isDirectory(p)) {
          p = p.resolve(System.mapLibraryName("mos"));
        }
        return loadPath(p);
      }
    };
  }

  /** Opens {@code file}, checks its ABI and installs it; null on success, else why not. */
  static String loadPath(Path file) {
    Path abs = file.toAbsolutePath().normalize();
    if (!Files.isRegularFile(abs)) {
      return "no such file " + abs;
    }
    Arena arena = Arena.ofShared();
    SymbolLookup lookup;
    try {
      lookup = SymbolLookup.libraryLookup(abs, arena);
    } catch (IllegalArgumentException | IllegalCallerException e) {
      arena.close();
      return "cannot open " + abs + ": " + e.getMessage();
    }
    // The arena of an accepted library is never closed: its symbols live as long as the JVM.
    return install(lookup, abs.toString(), arena);
  }

  private static String install(SymbolLookup lookup, String description, Arena arena) {
    String abiProblem = checkAbi(lookup, description);
    if (abiProblem != null) {
      if (arena != null) {
        arena.close();
      }
      return abiProblem;
    }
    try {
      MosLibrary.use(lookup, description);
    } catch (IllegalStateException e) {
      if (arena != null) {
        arena.close();
      }
      return e.getMessage();
    }
    return null;
  }

  /** Null when {@code lookup} is a libmos of the bindings' major ABI version. */
  static String checkAbi(SymbolLookup lookup, String description) {
    MemorySegment sym = lookup.find("mos_abi_version").orElse(null);
    if (sym == null) {
      return description + " does not export mos_abi_version (not libmos, or a stale build)";
    }
    int abi;
    try {
      MethodHandle mh =
          Linker.nativeLinker().downcallHandle(sym, FunctionDescriptor.of(ValueLayout.JAVA_INT));
      abi = (int) mh.invokeExact();
    } catch (Throwable t) {
      return "calling mos_abi_version failed: " + t;
    }
    int want = mos_h.MOS_ABI_VERSION_MAJOR();
    if (abi / 1000 != want) {
      return "refused: " + description + " has ABI version " + (abi / 1000) + "." + (abi % 1000)
          + " but these Java bindings need major version " + want
          + " (rebuild libmos from the same checkout, or use matching mos jars)";
    }
    return null;
  }

  private static String loadFromClasspath() {
    ClassLoader cl = NativeLoader.class.getClassLoader();
    String platform = platform();
    String missing = classpathProblem(cl, platform, osDescription());
    if (missing != null) {
      return missing;
    }
    String dir = "native/" + platform + "/";
    Path tmp;
    try {
      tmp = Files.createTempDirectory("mos-native-");
      tmp.toFile().deleteOnExit(); // registered first, so deleted after the files
      for (String name : BUNDLED) {
        try (InputStream in = cl.getResourceAsStream(dir + name)) {
          if (in == null) {
            continue; // a build without OpenBLAS carries libmos alone
          }
          Path out = tmp.resolve(name);
          Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
          out.toFile().deleteOnExit();
        }
      }
    } catch (IOException e) {
      return "extracting to a temporary directory failed: " + e;
    }
    String why = loadPath(tmp.resolve(BUNDLED.get(0)));
    return why == null ? null : "extracted to " + tmp + " but " + why;
  }

  /**
   * Null when {@code cl} has libmos for {@code platform}; otherwise why not: an OS/architecture
   * mos publishes no libmos for is refused by name (with the platforms whose libraries the class
   * path does hold, if any), a published one asks for its platform artifact.
   */
  static String classpathProblem(ClassLoader cl, String platform, String os) {
    if (cl != null && cl.getResource("native/" + platform + "/" + BUNDLED.get(0)) != null) {
      return null;
    }
    if (!PUBLISHED_PLATFORMS.contains(platform)) {
      List<String> present = new ArrayList<>();
      for (String p : PUBLISHED_PLATFORMS) {
        if (cl != null && cl.getResource("native/" + p + "/" + BUNDLED.get(0)) != null) {
          present.add(p);
        }
      }
      return "refused: unsupported OS/architecture " + os + " (platform " + platform
          + "): mos publishes libmos for " + String.join(", ", PUBLISHED_PLATFORMS) + " only"
          + (present.isEmpty()
              ? ""
              : "; the class path holds native/" + String.join(", native/", present)
                  + " (another platform), which this JVM cannot load")
          + ". Build libmos on this machine (cmake, see README) and pass -Dmos.library.path";
    }
    return "not on the class path: add the dependency " + nativeCoordinates(platform);
  }

  /** "org.mos:mos-native:0.1.0:linux-x86_64" (the version of mos-api, when its jar says it). */
  static String nativeCoordinates(String platform) {
    String version = NativeLoader.class.getPackage().getImplementationVersion();
    return "org.mos:mos-native:" + (version != null ? version : "<mos version>") + ":" + platform;
  }

  /** "Linux amd64", from the JVM's os.name and os.arch. */
  static String osDescription() {
    return System.getProperty("os.name", "?") + " " + System.getProperty("os.arch", "?");
  }

  /** The running JVM's platform, "linux-x86_64", "macos-aarch64", "windows-x86_64", ... */
  static String platform() {
    return platform(System.getProperty("os.name", ""), System.getProperty("os.arch", ""));
  }

  /** The platform name (os-arch, as the mos-native classifiers spell it) of os.name, os.arch. */
  static String platform(String osName, String osArch) {
    String os = osName.toLowerCase(Locale.ROOT);
    String arch = osArch.toLowerCase(Locale.ROOT);
    String o = os.contains("linux")
        ? "linux"
        : os.contains("mac") ? "macos" : os.contains("win") ? "windows" : os.replace(' ', '_');
    String a = arch.equals("amd64") || arch.equals("x86_64")
        ? "x86_64"
        : arch.equals("aarch64") || arch.equals("arm64") ? "aarch64" : arch;
    return o + "-" + a;
  }
}
