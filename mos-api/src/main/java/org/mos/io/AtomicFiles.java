// SPDX-License-Identifier: Apache-2.0
// Crash-safe writes: every file is written under a temporary name in its final directory, flushed
// to disk, and renamed into place, so a reader sees the old file or the new one, never a torn one.
package org.mos.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Atomic file and directory writes, used by every writer of org.mos.io; {@link
 * #replaceDirectory} is public for the trainer's checkpoints.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** Writes a file's whole content into an open channel positioned at 0. */
  @FunctionalInterface
  interface ChannelWriter {
    void write(FileChannel channel) throws IOException;
  }

  /** One file of a directory write. */
  record Content(String fileName, ChannelWriter writer) {}

  /** Test hook: runs after every temporary file is complete, before the first rename. */
  @FunctionalInterface
  interface Hook {
    void beforeCommit(Path target) throws IOException;
  }

  /** Set by tests only, to simulate a failure (crash, full disk) at the worst moment. */
  static volatile Hook hook;

  /**
   * Writes {@code target} atomically: into {@code .<name>.tmp-<random>} next to it, fsync, then
   * rename over the target. On any failure the temporary file is removed and the old target (if
   * any) is left untouched.
   */
  static void writeFile(Path target, ChannelWriter writer) throws IOException {
    Path abs = target.toAbsolutePath().normalize();
    Path dir = abs.getParent();
    if (dir == null) throw new IOException("cannot write to a file system root");
    Files.createDirectories(dir);
    Path tmp = tempSibling(abs);
    try {
      writeAndSync(tmp, writer);
      runHook(abs);
      moveAtomically(tmp, abs);
      syncDirectory(dir);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Writes the files of {@code dir}. Every file is first written into a temporary sibling
   * directory. When {@code dir} does not exist, that directory is renamed to {@code dir}: the
   * directory appears complete or not at all. When it exists, the other files of {@code dir} are
   * hard-linked into the temporary directory and the two directories are exchanged in one atomic
   * step ({@code renameat2(RENAME_EXCHANGE)}, Linux): a reader, or a crash, sees the whole old set
   * of files or the whole new one, never new weights next to an old config. Where the exchange is
   * not available (another OS or file system, or {@code dir} holds sub-directories) the files are
   * replaced one by one, each atomically, in the order given (callers put the file that describes
   * the others, e.g. the config, last). Files of {@code dir} not named in {@code files} are kept.
   */
  static void writeDirectory(Path dir, List<Content> files) throws IOException {
    Path abs = dir.toAbsolutePath().normalize();
    if (Files.exists(abs) && !Files.isDirectory(abs)) {
      throw new IOException("exists and is not a directory");
    }
    // A symbolic link to the adapter directory stays a link: the exchange happens at its target.
    if (Files.isSymbolicLink(abs) && Files.isDirectory(abs)) abs = abs.toRealPath();
    Path parent = abs.getParent();
    if (parent == null) throw new IOException("cannot write to a file system root");
    Files.createDirectories(parent);
    if (!Files.exists(abs)) {
      Path tmpDir = tempSibling(abs);
      Files.createDirectory(tmpDir);
      try {
        for (Content c : files) writeAndSync(tmpDir.resolve(c.fileName()), c.writer());
        syncDirectory(tmpDir);
        runHook(abs);
        try {
          moveAtomically(tmpDir, abs);
          syncDirectory(parent);
          return;
        } catch (DirectoryNotEmptyException | java.nio.file.FileAlreadyExistsException raced) {
          // Someone created dir meanwhile: fall through to the file-by-file replacement below.
        }
      } finally {
        deleteRecursively(tmpDir);
      }
    }
    if (replaceByExchange(abs, files)) return;
    List<Path> tmps = new ArrayList<>();
    try {
      for (Content c : files) {
        Path tmp = tempSibling(abs.resolve(c.fileName()));
        tmps.add(tmp);
        writeAndSync(tmp, c.writer());
      }
      runHook(abs);
      for (int i = 0; i < files.size(); i++) {
        moveAtomically(tmps.get(i), abs.resolve(files.get(i).fileName()));
      }
      syncDirectory(abs);
    } finally {
      for (Path t : tmps) Files.deleteIfExists(t);
    }
  }

  /** Most entries mirrored into the new directory before the exchange gives up (see below). */
  static final int MAX_MIRRORED_ENTRIES = 10_000;

  /**
   * The atomic replacement of an existing directory's files (see {@link #writeDirectory}); false
   * when it cannot be used here, before anything was changed. The directory's other entries are
   * mirrored into the new one first: regular files hard-linked, symbolic links re-created,
   * sub-directories rebuilt the same way (with their permissions), so the exchange keeps them;
   * entries added or replaced by others while the save runs are moved across after it. Anything
   * else (a FIFO, a socket, a device, an entry on another file system, more than {@value
   * #MAX_MIRRORED_ENTRIES} entries) makes it return false.
   */
  private static boolean replaceByExchange(Path dir, List<Content> files) throws IOException {
    if (!DirectoryExchange.AVAILABLE) return false;
    Path tmpDir = tempSibling(dir);
    Files.createDirectory(tmpDir);
    try {
      copyPermissions(dir, tmpDir);
      java.util.Set<String> saved = new java.util.HashSet<>();
      for (Content c : files) saved.add(c.fileName());
      Mirror m = new Mirror();
      try (Stream<Path> list = Files.list(dir)) {
        for (Path p : list.toList()) {
          String name = p.getFileName().toString();
          if (saved.contains(name)) continue;
          if (!m.copy(p, tmpDir.resolve(name), Path.of(name))) return false;
        }
      } catch (IOException e) {
        return false; // e.g. a hard link across file systems: the fallback copes
      }
      for (Content c : files) writeAndSync(tmpDir.resolve(c.fileName()), c.writer());
      syncDirectory(tmpDir);
      runHook(dir);
      if (!DirectoryExchange.exchange(tmpDir, dir)) return false; // not supported: nothing changed
      // tmpDir now holds the directory as it was at the exchange: keep what others added or
      // replaced in it after it was mirrored (a log line, an eval result written meanwhile).
      m.keepLateEntries(tmpDir, dir, Path.of(""), saved);
      syncDirectory(dir);
      syncDirectory(dir.getParent());
      return true;
    } finally {
      deleteRecursively(tmpDir); // the new files on failure, the old ones after the exchange
    }
  }

  /**
   * Re-creates a directory's entries elsewhere without copying contents, and remembers the
   * identity (file key) of every entry it saw, to find later additions and replacements.
   */
  private static final class Mirror {
    private final java.util.Map<Path, Object> seen = new java.util.HashMap<>();
    private int budget = MAX_MIRRORED_ENTRIES;

    /** {@code src} at {@code dst} ({@code rel}: its path inside the directory); false if it cannot. */
    boolean copy(Path src, Path dst, Path rel) throws IOException {
      if (--budget < 0) return false;
      seen.put(rel, key(src));
      if (Files.isSymbolicLink(src)) {
        Files.createSymbolicLink(dst, Files.readSymbolicLink(src));
      } else if (Files.isRegularFile(src, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        Files.createLink(dst, src); // the same file: later writes to it show in both
      } else if (Files.isDirectory(src, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectory(dst);
        copyPermissions(src, dst);
        try (Stream<Path> list = Files.list(src)) {
          for (Path p : list.toList()) {
            String name = p.getFileName().toString();
            if (!copy(p, dst.resolve(name), rel.resolve(name))) return false;
          }
        }
      } else {
        return false; // a FIFO, socket or device: cannot be linked, must not be read
      }
      return true;
    }

    /**
     * Moves into {@code now} every entry of {@code old} (at {@code rel}) that was not mirrored,
     * or was replaced since (another file key), except the files this save wrote.
     */
    void keepLateEntries(Path old, Path now, Path rel, java.util.Set<String> saved)
        throws IOException {
      try (Stream<Path> list = Files.list(old.resolve(rel.toString()))) {
        for (Path p : list.toList()) {
          String name = p.getFileName().toString();
          if (rel.toString().isEmpty() && saved.contains(name)) continue;
          Path r = rel.resolve(name);
          Object was = seen.get(r);
          if (was != null && was.equals(key(p))) {
            if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
              keepLateEntries(old, now, r, saved);
            }
            continue;
          }
          Path target = now.resolve(r.toString());
          if (Files.isDirectory(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            deleteRecursively(target);
          }
          moveAtomically(p, target);
        }
      }
    }

    private static Object key(Path p) throws IOException {
      return Files.readAttributes(
              p,
              java.nio.file.attribute.BasicFileAttributes.class,
              java.nio.file.LinkOption.NOFOLLOW_LINKS)
          .fileKey();
    }
  }

  private static void copyPermissions(Path from, Path to) {
    try {
      Files.setPosixFilePermissions(
          to, Files.getPosixFilePermissions(from, java.nio.file.LinkOption.NOFOLLOW_LINKS));
    } catch (IOException | UnsupportedOperationException ignored) {
      // Not a POSIX file system: the new directory keeps the default permissions.
    }
  }

  /**
   * Puts the complete directory {@code fresh} in place of {@code target} (a sibling, which may not
   * exist): a rename when {@code target} is absent, else an atomic exchange where the platform has
   * one, else two renames (the old directory is moved aside first). {@code fresh} is gone
   * afterwards, and so is the old content.
   */
  public static void replaceDirectory(Path fresh, Path target) throws IOException {
    if (!Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      moveAtomically(fresh, target);
    } else if (DirectoryExchange.exchange(fresh, target)) {
      deleteRecursively(fresh); // now holds the old content
    } else {
      Path old = tempSibling(target);
      moveAtomically(target, old);
      try {
        moveAtomically(fresh, target);
      } catch (IOException | RuntimeException e) {
        moveAtomically(old, target); // put the old directory back rather than leave none
        throw e;
      }
      deleteRecursively(old);
    }
    syncDirectory(target.toAbsolutePath().getParent());
  }

  private static void runHook(Path target) throws IOException {
    Hook h = hook;
    if (h != null) h.beforeCommit(target);
  }

  private static Path tempSibling(Path target) {
    String rnd = Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
    return target.resolveSibling("." + target.getFileName() + ".tmp-" + rnd);
  }

  private static void writeAndSync(Path file, ChannelWriter writer) throws IOException {
    // CREATE_NEW with default permissions (umask), unlike createTempFile's 0600.
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      writer.write(ch);
      ch.force(true);
    }
  }

  private static void moveAtomically(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      // Same directory, so this only happens on exotic file systems; a plain replace is the best
      // left.
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Best effort: make a rename durable (Linux allows fsync on a directory; others may not). */
  private static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | RuntimeException ignored) {
      // Not supported here; the rename itself is still atomic.
    }
  }

  /** Deletes {@code root} and everything under it (links are removed, not followed). */
  public static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }
}
