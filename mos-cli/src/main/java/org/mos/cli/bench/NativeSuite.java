// SPDX-License-Identifier: Apache-2.0
// NativeSuite: finds the native mos_bench program and runs it as a child process with --json,
// passing its output through (or keeping it quiet) and returning the parsed records.
package org.mos.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.mos.MosException;
import org.mos.Status;

/** The native half of the suite. */
public final class NativeSuite {
  private NativeSuite() {}

  /**
   * The mos_bench executable: {@code explicit}, else {@code -Dmos.bench.native}, else
   * {@code $MOS_BENCH}, else next to the loaded libmos ({@code <dir of mos.library.path>/native/
   * bench/mos_bench}, where the CMake build puts it), else under {@code mos.root}'s Maven build.
   * Every place looked at is added to {@code tried}.
   */
  public static Optional<Path> locate(Path explicit, List<String> tried) {
    List<Path> candidates = new ArrayList<>();
    if (explicit != null) {
      candidates.add(explicit);
    }
    String prop = System.getProperty("mos.bench.native");
    if (prop != null && !prop.isBlank()) {
      candidates.add(Path.of(prop));
    }
    String env = System.getenv("MOS_BENCH");
    if (env != null && !env.isBlank()) {
      candidates.add(Path.of(env));
    }
    String lib = System.getProperty("mos.library.path");
    if (lib != null && !lib.isBlank()) {
      Path dir = Path.of(lib).toAbsolutePath().getParent();
      if (dir != null) {
        candidates.add(dir.resolve("native/bench/mos_bench"));
      }
    }
    String root = System.getProperty("mos.root");
    if (root != null && !root.isBlank()) {
      candidates.add(Path.of(root, "native/target/cmake/native/bench/mos_bench"));
    }
    for (Path p : candidates) {
      tried.add(p.toString());
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return Optional.of(p.toAbsolutePath());
      }
      if (p == explicit) {
        throw new MosException(
            Status.INVALID_ARGUMENT, p + ": not an executable mos_bench program");
      }
    }
    return Optional.empty();
  }

  /**
   * Runs {@code exe args --json <tmp>}; its output goes to {@code out} line by line (or, when
   * {@code quiet}, only on failure). Returns the parsed JSON document.
   */
  public static JsonNode run(Path exe, List<String> args, PrintWriter out, boolean quiet)
      throws IOException, InterruptedException {
    return run(exe, args, out, quiet, Map.of());
  }

  /**
   * {@link #run(Path, List, PrintWriter, boolean)} with changes to the child's environment: each
   * entry sets a variable, or removes it when its value is the empty string.
   */
  public static JsonNode run(
      Path exe, List<String> args, PrintWriter out, boolean quiet, Map<String, String> env)
      throws IOException, InterruptedException {
    Path json = Files.createTempFile("mos-bench-", ".json");
    try {
      List<String> cmd = new ArrayList<>();
      cmd.add(exe.toString());
      cmd.addAll(args);
      cmd.add("--json");
      cmd.add(json.toString());
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
      env.forEach((k, v) -> {
        if (v.isEmpty()) {
          pb.environment().remove(k);
        } else {
          pb.environment().put(k, v);
        }
      });
      Process p = pb.start();
      Deque<String> tail = new ArrayDeque<>();
      try (BufferedReader r =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          if (!quiet) {
            out.println(line);
            out.flush();
          }
          tail.addLast(line);
          if (tail.size() > 20) {
            tail.removeFirst();
          }
        }
      }
      int code = p.waitFor();
      if (code != 0) {
        throw new MosException(
            Status.INTERNAL, exe + " exited with " + code + ": " + String.join(" | ", tail));
      }
      return new ObjectMapper().readTree(json.toFile());
    } finally {
      Files.deleteIfExists(json);
    }
  }
}
