// BoundedFiles: reads a whole file only after checking its size against a limit, so a huge or
// hostile file is a clear error instead of an OutOfMemoryError.
package org.mos.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Size-checked whole-file reads for every file mos reads into memory at once. */
public final class BoundedFiles {
  private BoundedFiles() {}

  /**
   * The bytes of {@code file}, refused before any allocation when it holds more than {@code
   * maxBytes}.
   *
   * @param what what the file is, for the message ("a trainer state", "a text to train on")
   * @throws MosFileException when the file is missing, unreadable or too large
   */
  public static byte[] readAll(Path file, long maxBytes, String what) {
    try {
      long size = Files.size(file);
      if (size > maxBytes) {
        throw new MosFileException(file, size + " bytes: too large for " + what + " (the limit is "
            + maxBytes + " bytes)");
      }
      byte[] bytes = Files.readAllBytes(file);
      if (bytes.length > maxBytes) { // it grew while being read
        throw new MosFileException(file, "grew beyond " + maxBytes + " bytes while being read");
      }
      return bytes;
    } catch (NoSuchFileException e) {
      throw new MosFileException(file, null, "no such file", e);
    } catch (IOException e) {
      throw new MosFileException(file, null, "cannot read: " + SafeTensors.describe(e), e);
    }
  }
}
