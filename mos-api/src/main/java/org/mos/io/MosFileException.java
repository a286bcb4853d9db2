// SPDX-License-Identifier: Apache-2.0
// A malformed or inconsistent file: the safetensors codec, the adapter format and the PEFT export
// report every problem with this exception, naming the file, the tensor (if any) and the problem.
package org.mos.io;

import java.nio.file.Path;
import java.util.Optional;
import org.mos.MosException;
import org.mos.Status;

/**
 * A file that is not what it should be: truncated, malformed, inconsistent with its config, or
 * unwritable. The message has the form {@code <file>: tensor '<name>': <problem>} (the tensor part
 * only when one tensor is at fault), so a command line can print it as one line.
 *
 * <p>The status is always {@link Status#INVALID_ARGUMENT}: the caller handed the library a file it
 * cannot accept.
 */
public final class MosFileException extends MosException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final String tensor;
  private final String problem;

  /** A problem with {@code file} as a whole (no particular tensor). */
  public MosFileException(Path file, String problem) {
    this(file, null, problem, null);
  }

  /** A problem with one tensor (or one config key) of {@code file}; {@code tensor} may be null. */
  public MosFileException(Path file, String tensor, String problem) {
    this(file, tensor, problem, null);
  }

  /** As above, keeping the underlying cause (for {@code --verbose} stack traces). */
  public MosFileException(Path file, String tensor, String problem, Throwable cause) {
    super(Status.INVALID_ARGUMENT, format(file, tensor, problem));
    if (cause != null) initCause(cause);
    this.file = file;
    this.tensor = tensor;
    this.problem = problem;
  }

  /** Longest tensor name and problem text kept in the message (the rest is counted, not shown). */
  static final int MAX_NAME_CHARS = 120;

  static final int MAX_PROBLEM_CHARS = 1000;

  private static String format(Path file, String tensor, String problem) {
    StringBuilder sb = new StringBuilder();
    sb.append(file == null ? "<unnamed>" : printable(file.toString(), MAX_PROBLEM_CHARS))
        .append(": ");
    if (tensor != null)
      sb.append("tensor '").append(printable(tensor, MAX_NAME_CHARS)).append("': ");
    return sb.append(printable(problem, MAX_PROBLEM_CHARS)).toString();
  }

  /**
   * {@code s} safe to print as part of one line: control characters (line breaks included) as
   * a backslash-u escape, and cut after {@code max} characters. Names and values in a hostile file can be
   * anything; the message must stay one readable line.
   */
  public static String printable(String s, int max) {
    if (s == null) return "null";
    StringBuilder sb = new StringBuilder(Math.min(s.length(), max) + 16);
    int n = Math.min(s.length(), max);
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      // C0 and C1 controls (ESC and CSI start terminal escape sequences), DEL, line separators.
      if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029') {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    if (s.length() > max) sb.append("... (").append(s.length() - max).append(" more characters)");
    return sb.toString();
  }

  /** A short reason for an I/O failure: the exception's class when its message is only a path. */
  static String describe(java.io.IOException e) {
    String kind =
        switch (e) {
          case java.nio.file.NoSuchFileException x -> "no such file or directory";
          case java.nio.file.AccessDeniedException x -> "permission denied";
          case java.nio.file.FileAlreadyExistsException x -> "already exists";
          case java.nio.file.NotDirectoryException x -> "not a directory";
          case java.nio.file.DirectoryNotEmptyException x -> "directory not empty";
          default -> null;
        };
    if (kind != null) {
      String f = ((java.nio.file.FileSystemException) e).getFile();
      return f == null ? kind : kind + " (" + f + ")";
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  /** The file at fault. */
  public Path file() {
    return file;
  }

  /** The tensor (or config key) at fault, if one is. */
  public Optional<String> tensor() {
    return Optional.ofNullable(tensor);
  }

  /** The problem alone, without file and tensor. */
  public String problem() {
    return problem;
  }
}
