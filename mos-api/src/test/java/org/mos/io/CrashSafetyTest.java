// SPDX-License-Identifier: Apache-2.0
// Crash safety of adapter saves: a child JVM saves two different adapters into one directory
// alternately and is killed with SIGKILL -- at random moments (most land inside a save, which
// takes tens of milliseconds for these 4-8 MB adapters) and once deterministically between
// "new files complete" and "put in place". Afterwards the directory must load, strictly, as one
// of the two versions: the one last reported saved, or the next one if the kill came after the
// atomic exchange but before the child could say so. Never a torn or half-written adapter.
package org.mos.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.testing.Child;

class CrashSafetyTest {
  private static final MosAdapter[] VERSIONS = {SaveLoop.version(0), SaveLoop.version(1)};

  @Test
  void theExchangeIsAvailableHere() {
    // Linux with glibc: overwrites take the atomic path (not the file-by-file fallback).
    assertTrue(DirectoryExchange.AVAILABLE, "renameat2 not found");
  }

  @Test
  void killedAtRandomMomentsTheAdapterStillLoads(@TempDir Path tmp) throws Exception {
    Random rnd = new Random(20261128);
    int insideSave = 0;
    int kills = 8;
    for (int k = 0; k < kills; k++) {
      Path dir = tmp.resolve("adapter-" + k);
      boolean busy = k % 2 == 1; // a directory that also holds a sub-directory and a link
      if (busy) {
        Files.createDirectories(dir.resolve("logs"));
        Files.writeString(dir.resolve("logs/run.txt"), "log");
        Files.createSymbolicLink(dir.resolve("latest"), Path.of("logs/run.txt"));
      }
      try (Child child = Child.start(SaveLoop.class, dir.toString())) {
        child.await("saved 1", 60_000); // both versions written once: overwrites from now on
        Thread.sleep(rnd.nextInt(250));
        child.kill();
        List<String> out = child.output();
        int lastSaved = lastNumber(out, "saved ");
        int lastBegun = lastNumber(out, "begin ");
        if (lastBegun > lastSaved) insideSave++;
        MosAdapter loaded = MosAdapter.load(dir);
        boolean isLast = loaded.equals(VERSIONS[lastSaved % 2]);
        boolean isNext = lastBegun > lastSaved && loaded.equals(VERSIONS[(lastSaved + 1) % 2]);
        assertTrue(
            isLast || isNext,
            "kill " + k + ": after 'saved " + lastSaved + "' the adapter" + " is neither version "
                + lastSaved % 2 + " nor the one being saved");
        if (busy) {
          assertEquals("log", Files.readString(dir.resolve("latest")), "kill " + k);
        }
      }
    }
    System.out.printf(
        "crash safety: %d SIGKILLs, %d inside a save, adapter loaded every time%n",
        kills, insideSave);
    assertTrue(insideSave >= 1, "no kill landed inside a save; the test did not test anything");
  }

  @Test
  void killedBetweenWritingAndCommittingThePreviousAdapterLoads(@TempDir Path tmp)
      throws Exception {
    Path dir = tmp.resolve("adapter");
    try (Child child = Child.start(SaveLoop.class, dir.toString(), "pause")) {
      child.await("committing", 60_000); // save 1's files are complete, not yet in place
      child.kill();
    }
    assertEquals(VERSIONS[0], MosAdapter.load(dir));
    // What the killed save left behind is a hidden temporary sibling, never the adapter itself.
    try (var s = Files.list(tmp)) {
      for (Path p : s.toList()) {
        String name = p.getFileName().toString();
        assertTrue(name.equals("adapter") || name.startsWith(".adapter.tmp-"), name);
      }
    }
  }

  private static int lastNumber(List<String> lines, String prefix) {
    int n = -1;
    for (String l : lines) {
      if (l.startsWith(prefix))
        n = Integer.parseInt(l.substring(prefix.length()).trim());
    }
    return n;
  }
}
