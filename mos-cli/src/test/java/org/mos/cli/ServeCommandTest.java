// SPDX-License-Identifier: Apache-2.0
// ServeCommandTest: `mos serve` and `mos serve-bench` keep the command line's error contract (bad
// arguments: the problem and the usage, exit 2; a bad checkpoint: one line, exit 1), before any
// server starts. The server itself is tested in mos-serve (MosServerTest, OpenAiClientTest).
package org.mos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServeCommandTest {
  @TempDir
  Path tmp;

  record Result(int code, String out, String err) {}

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
    return new Result(code, out.toString(), err.toString());
  }

  static void usage(Result r, String problem) {
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains(problem), r.err());
    assertTrue(r.err().contains("Usage:"), r.err());
    assertFalse(r.err().contains("\tat "), r.err());
  }

  @Test
  void badArgumentsPrintTheProblemAndTheUsage() throws Exception {
    Path model = Files.createDirectories(tmp.resolve("m"));
    usage(run("serve"), "Missing required option: '--model=DIR'");
    usage(run("serve", "--model", model.toString(), "--max-batch", "0"), "max-batch must be >= 1");
    usage(
        run("serve", "--model", model.toString(), "--max-batch", "8", "--max-batch-tokens", "4"),
        "max-batch-tokens (4) must be >= max-batch (8)");
    usage(run("serve", "--model", model.toString(), "--port", "70000"), "port must be in");
    usage(
        run(
            "serve",
            "--model",
            model.toString(),
            "--adapters",
            tmp.resolve("no").toString()),
        "is not a directory");
    usage(
        run("serve", "--model", model.toString(), "--request-timeout", "0"),
        "--request-timeout must be >= 1");
    usage(run("serve-bench", "--hidden", "100"), "--hidden must be a multiple of 64");
    usage(run("serve-bench", "--serial-requests", "65"), "--serial-requests in [1, 64]");
    usage(run("serve-bench", "--layers", "2"), "--layers must be >= 5");
    usage(run("serve-bench", "--projections", "q_proj,x_proj"), "'x_proj' is none of");
  }

  @Test
  void aBadCheckpointIsOneLine() {
    Result r = run("serve", "--model", tmp.resolve("nope").toString(), "--port", "0");
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().startsWith("mos: ") && r.err().contains("nope"), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
  }
}
