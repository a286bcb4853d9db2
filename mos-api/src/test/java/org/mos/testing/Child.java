// SPDX-License-Identifier: Apache-2.0
// Child: runs a main class of the test classpath in a separate JVM, so a test can kill it with
// SIGKILL at a chosen moment (crash-safety tests) and read what it printed so far.
package org.mos.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A child JVM whose stdout lines arrive in a queue. */
public final class Child implements AutoCloseable {
  private final Process process;
  private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final List<String> all = java.util.Collections.synchronizedList(new ArrayList<>());
  private final Thread reader;

  private Child(Process process) {
    this.process = process;
    this.reader = new Thread(
        () -> {
          try (BufferedReader r = new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
              all.add(line);
              lines.add(line);
            }
          } catch (IOException ignored) {
            // The child was killed: its pipe breaks.
          }
        },
        "child-stdout");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code mainClass} with this JVM's classpath, libmos path and native access. */
  public static Child start(Class<?> mainClass, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.add("-Xmx512m");
    for (String p : new String[] {"mos.library.path", "mos.root"}) {
      String v = System.getProperty(p);
      if (v != null) cmd.add("-D" + p + "=" + v);
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass.getName());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    return new Child(pb.start());
  }

  /** Waits for the next line starting with {@code prefix} (other lines are skipped). */
  public String await(String prefix, long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000;
    while (true) {
      long left = deadline - System.nanoTime();
      String line = lines.poll(Math.max(left, 0), TimeUnit.NANOSECONDS);
      if (line == null) {
        throw new AssertionError("the child printed no '" + prefix + "' line within " + timeoutMs
            + " ms; alive=" + process.isAlive() + ", output so far: " + all);
      }
      if (line.startsWith(prefix)) return line;
    }
  }

  /** SIGKILL (no shutdown hooks, no finally blocks), then waits until it is gone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
    reader.join(5000);
  }

  /** Every line printed so far. */
  public List<String> output() {
    synchronized (all) {
      return List.copyOf(all);
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) kill();
  }
}
