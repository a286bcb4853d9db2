// SPDX-License-Identifier: Apache-2.0
// BoundedFiles: reads a whole file only after checking its size against a limit, so a huge or
// hostile file is a clear error instead of an OutOfMemoryError.
package org.mos.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Size-checked whole-file reads for every file mos reads into memory at once. */
public final class BoundedFiles {
  private BoundedFiles() {}

  /**
   * The bytes of {@code file}, refused when it holds more than {@code maxBytes} (at most 2 GiB)
   * or is not a regular file. Devices, FIFOs and /proc files report a size of 0 and would read
   * without end (or block), so only regular files are read, and never more than {@code maxBytes
   * + 1} bytes whatever the file system says.
   *
   * @param what what the file is, for the message ("a trainer state", "a text to train on")
   * @throws MosFileException when the file is missing, not a regular file, unreadable or too large
   */
  public static byte[] readAll(Path file, long maxBytes, String what) {
    requireRegularFile(file, what);
    int cap = (int) Math.min(maxBytes + 1, Integer.MAX_VALUE - 8);
    try (InputStream in = Files.newInputStream(file)) {
      byte[] bytes = in.readNBytes(cap);
      if (bytes.length > maxBytes) {
        throw new MosFileException(
            file,
            "more than " + maxBytes + " bytes: too large for " + what + " (the limit is " + maxBytes
                + " bytes)");
      }
      return bytes;
    } catch (NoSuchFileException e) {
      throw new MosFileException(file, null, "no such file", e);
    } catch (IOException e) {
      throw new MosFileException(file, null, "cannot read: " + MosFileException.describe(e), e);
    }
  }

  /**
   * Refuses a path that is missing or not a regular file (symbolic links to regular files are
   * fine) with a MosFileException naming it.
   */
  public static void requireRegularFile(Path file, String what) {
    if (!Files.exists(file)) throw new MosFileException(file, "no such file");
    if (!Files.isRegularFile(file)) {
      throw new MosFileException(
          file,
          "not a regular file (a directory, device, FIFO or socket):" + " refusing to read it as "
              + what);
    }
  }
}
