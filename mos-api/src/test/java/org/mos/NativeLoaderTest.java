// SPDX-License-Identifier: Apache-2.0
// NativeLoader: where libmos came from, the failure report (every place + why + the
// --enable-native-access hint), the ABI-major refusal (a fake libmos built here with cc), the
// extraction of the platform artifact's copy into one temporary directory, and the refusal of an
// OS/architecture mos publishes no libmos for (named by os.name and os.arch).
package org.mos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.ffi.MosLibrary;

class NativeLoaderTest {

  @Test
  void loadsFromTheConfiguredPath() {
    NativeLoader.load();
    NativeLoader.load(); // idempotent
    String configured = System.getProperty("mos.library.path");
    Assumptions.assumeTrue(configured != null, "surefire sets mos.library.path");
    assertEquals(
        Path.of(configured).toAbsolutePath().normalize().toString(), NativeLoader.loadedFrom());
  }

  @Test
  void failureReportListsEveryPlaceAndTheNativeAccessFlag() {
    String report = NativeLoader.failureReport(List.of(
        "-Dmos.library.path: not set",
        "$MOS_LIBRARY_PATH: not set",
        "class path: not on the class path",
        "System.loadLibrary: no"));
    assertTrue(report.contains("1. -Dmos.library.path: not set"), report);
    assertTrue(report.contains("4. System.loadLibrary: no"), report);
    assertTrue(report.contains("--enable-native-access=ALL-UNNAMED"), report);
    assertTrue(report.contains("MOS_LIBRARY_PATH"), report);
    assertEquals(
        "not set", NativeLoader.pathCandidate("-Dmos.library.path", null).tryLoad());
    String missing = NativeLoader.pathCandidate("x", "/nonexistent/libmos.so").tryLoad();
    assertTrue(missing.contains("no such file /nonexistent/libmos.so"), missing);
  }

  @Test
  void refusesAnotherAbiMajorVersion(@TempDir Path dir) throws Exception {
    NativeLoader.load(); // the real libmos first (the test order is not fixed)
    // The bindings are ABI 2: a library of the 1.x ABI (positional configs, byte counts) and one
    // of a future 3.x are refused.
    assertEquals(2, org.mos.ffi.mos_h.MOS_ABI_VERSION_MAJOR());
    Path oldAbi = compile(dir, "old", "int mos_abi_version(void) { return 1002; }");
    String why = NativeLoader.loadPath(oldAbi);
    assertNotNull(why, "a library of ABI 1.2 must be refused");
    assertTrue(
        why.contains("refused")
            && why.contains("ABI version 1.2")
            && why.contains("major version 2"),
        why);
    Path newerAbi = compile(dir, "newer", "int mos_abi_version(void) { return 3000; }");
    String whyNewer = NativeLoader.loadPath(newerAbi);
    assertTrue(whyNewer != null && whyNewer.contains("ABI version 3.0"), whyNewer);
    Path notMos = compile(dir, "other", "int something_else(void) { return 1; }");
    String why2 = NativeLoader.loadPath(notMos);
    assertTrue(why2 != null && why2.contains("does not export mos_abi_version"), why2);
    String garbage = NativeLoader.loadPath(Files.writeString(dir.resolve("libjunk.so"), "not elf"));
    assertTrue(garbage != null && garbage.contains("cannot open"), garbage);
    assertTrue(
        MosLibrary.isLoaded() && !MosLibrary.source().contains(dir.toString()),
        "a refused library is never installed");
  }

  @Test
  void extractsTheBundledLibrariesIntoOneDirectory() {
    NativeLoader.load();
    String resource = "native/" + NativeLoader.platform() + "/libmos.so";
    Assumptions.assumeTrue(
        NativeLoader.class.getClassLoader().getResource(resource) != null,
        "mos-native is not on the test class path");
    // libmos is loaded already (from mos.library.path), so installing the extracted copy is
    // refused, after the extraction and the ABI check succeeded.
    String why = NativeLoader.candidates().get(2).tryLoad();
    assertNotNull(why);
    assertTrue(why.contains("extracted to") && why.contains("already loaded"), why);
    Path dir = Path.of(why.substring(why.indexOf("extracted to ") + 13, why.indexOf(" but ")));
    assertTrue(Files.isRegularFile(dir.resolve("libmos.so")), dir.toString());
    if (NativeLoader.class
            .getClassLoader()
            .getResource("native/" + NativeLoader.platform() + "/libopenblas.so.0")
        != null) {
      assertTrue(Files.isRegularFile(dir.resolve("libopenblas.so.0")), "OpenBLAS next to libmos");
    }
  }

  @Test
  void platformNamesFollowTheClassifiers() {
    assertEquals("linux-x86_64", NativeLoader.platform("Linux", "amd64"));
    assertEquals("linux-x86_64", NativeLoader.platform("Linux", "x86_64"));
    assertEquals("linux-aarch64", NativeLoader.platform("Linux", "aarch64"));
    assertEquals("macos-aarch64", NativeLoader.platform("Mac OS X", "aarch64"));
    assertEquals("windows-x86_64", NativeLoader.platform("Windows 11", "amd64"));
    assertEquals("freebsd-x86_64", NativeLoader.platform("FreeBSD", "amd64"));
    assertTrue(NativeLoader.PUBLISHED_PLATFORMS.contains("linux-x86_64"));
  }

  @Test
  void refusesAnUnsupportedOsOrArchitectureByName() {
    ClassLoader cl = NativeLoader.class.getClassLoader();
    String why = NativeLoader.classpathProblem(cl, "macos-aarch64", "Mac OS X aarch64");
    assertNotNull(why, "no libmos for macos-aarch64 exists");
    assertTrue(
        why.startsWith("refused: unsupported OS/architecture Mac OS X aarch64 (platform "
                + "macos-aarch64)")
            && why.contains("linux-x86_64 only")
            && why.contains("-Dmos.library.path"),
        why);
    if (cl.getResource("native/linux-x86_64/libmos.so") != null) {
      // The linux-x86_64 artifact on the class path of a Mac is named, and still refused.
      assertTrue(why.contains("the class path holds native/linux-x86_64 (another platform)"), why);
    }
    String arm = NativeLoader.classpathProblem(cl, "linux-aarch64", "Linux aarch64");
    assertTrue(arm != null && arm.contains("Linux aarch64 (platform linux-aarch64)"), arm);
    // The load itself says which JVM it ran on, and what is published.
    String report = NativeLoader.failureReport(List.of("x: no"));
    assertTrue(
        report.contains("This JVM runs on " + System.getProperty("os.name") + " "
            + System.getProperty("os.arch") + "; mos publishes libmos for linux-x86_64."),
        report);
  }

  @Test
  void aPublishedPlatformWithoutItsArtifactAsksForTheClassifier() throws Exception {
    try (URLClassLoader empty = new URLClassLoader(new URL[0], null)) {
      String why = NativeLoader.classpathProblem(empty, "linux-x86_64", "Linux amd64");
      assertNotNull(why);
      assertTrue(
          why.startsWith("not on the class path: add the dependency org.mos:mos-native:")
              && why.endsWith(":linux-x86_64"),
          why);
    }
    String report = NativeLoader.failureReport(List.of("x: no"));
    assertTrue(report.contains("or add the dependency org.mos:mos-native:"), report);
  }

  static Path compile(Path dir, String name, String source) throws Exception {
    Path c = Files.writeString(dir.resolve(name + ".c"), source + "\n");
    Path so = dir.resolve("lib" + name + ".so");
    Process p;
    try {
      p = new ProcessBuilder("cc", "-shared", "-fPIC", "-o", so.toString(), c.toString())
          .redirectErrorStream(true)
          .start();
    } catch (java.io.IOException e) {
      Assumptions.abort("no C compiler (cc) to build a fake library: " + e.getMessage());
      return null;
    }
    boolean done = p.waitFor(60, TimeUnit.SECONDS);
    String out = new String(p.getInputStream().readAllBytes());
    Assumptions.assumeTrue(done && p.exitValue() == 0, "cc failed: " + out);
    return so;
  }
}
