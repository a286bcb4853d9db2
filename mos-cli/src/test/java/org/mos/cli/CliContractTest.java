// SPDX-License-Identifier: Apache-2.0
// The command line's error contract, for every command: bad arguments print the problem and the
// command's usage and exit 2; a bad file prints exactly one line "mos: <file>: <problem>" and
// exits 1; neither prints a stack trace unless --verbose is given. Every case below must stop
// before any long work starts (no pretraining, no benchmark), so the table runs in seconds.
package org.mos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CliContractTest {
  @TempDir
  static Path tmp;

  static Path text; // a readable text file, long enough to train on
  static Path shortText; // too short to train on
  static Path garbage; // not JSON, not safetensors, not an adapter
  static Path garbageDir; // a directory holding garbage in the adapter files' names
  static Path badCheckpoint;

  @BeforeAll
  static void files() throws IOException {
    text = Files.writeString(tmp.resolve("text.txt"), "the quick brown fox. ".repeat(5000));
    shortText = Files.writeString(tmp.resolve("short.txt"), "too short");
    garbage = Files.write(tmp.resolve("garbage.bin"), new byte[] {0x7f, 'E', 'L', 'F', 0, 1, 2});
    garbageDir = Files.createDirectories(tmp.resolve("garbage-adapter"));
    Files.writeString(garbageDir.resolve("adapter_config.json"), "{\"format\": \"mos-adapter\"");
    Files.write(garbageDir.resolve("adapter_model.safetensors"), new byte[] {1, 2, 3});
    // 600 MB that take no disk space: a sparse file, bigger than any text mos reads whole.
    try (java.io.RandomAccessFile f =
        new java.io.RandomAccessFile(tmp.resolve("huge.txt").toFile(), "rw")) {
      f.setLength(600L << 20);
    }
    Path zero = Files.createDirectories(tmp.resolve("zero-adapter"));
    Files.createSymbolicLink(zero.resolve("adapter_config.json"), Path.of("/dev/zero"));
    Files.write(zero.resolve("adapter_model.safetensors"), new byte[8]);
    Files.writeString(tmp.resolve("vocab.txt"), "1 2 3\n4 384 5\n");
    Files.writeString(tmp.resolve("single.txt"), "7\n\n8\n");
    Path broken = Files.createDirectories(tmp.resolve("broken-model"));
    Files.writeString(
        broken.resolve("config.json"), "{\"model_type\": \"llama\", \"vocab_size\":" + " -5}");
    badCheckpoint = Files.createDirectories(tmp.resolve("run/checkpoints/checkpoint-00000005"));
    Files.writeString(tmp.resolve("good.jsonl"), "{\"prompt\": \"a\", \"completion\": \"b\"}\n");
    Files.writeString(
        tmp.resolve("bad.jsonl"),
        "{\"prompt\": \"a\", \"completion\": \"b\"}\n" + "{\"prompt\": \"a\", \"completion\": \n");
    Files.writeString(badCheckpoint.resolve("trainer_state.json"), "{\"format\": 3}");
  }

  static Stream<Arguments> badArguments() {
    return Stream.of(
        // command, args..., the phrase the problem line must contain
        cmd("", "no command", "missing COMMAND"),
        cmd("", "unknown command", "Unmatched argument", "frobnicate"),
        cmd("", "unknown global option", "Unknown option", "--frob"),
        cmd("inspect", "no adapter", "Missing required parameter", ""),
        cmd("inspect", "unknown option", "Unknown option", "--nope", "x"),
        cmd("inspect", "two adapters", "Unmatched argument", "a", "b"),
        cmd("export-lora", "no output", "Missing required parameter", "a"),
        cmd("export-lora", "bad dtype", "is not a dtype", "a", "b", "--dtype", "f16"),
        cmd("example", "steps not a number", "Invalid value", "not-a-number"),
        cmd("example", "zero steps", "must be >= 1", "0"),
        cmd("example", "too many arguments", "Unmatched argument", "1", "2", "3", "4"),
        cmd("demo", "seeds not a number", "Invalid value", "--seeds", "two"),
        cmd("demo", "zero steps", "--steps must be >= 1", "--steps", "0"),
        cmd("demo", "negative private rank", "--private-rank must be >= 0", "--private-rank", "-1"),
        cmd("demo", "dropout 1", "--dropout must be in [0, 1)", "--dropout", "1"),
        cmd("demo", "bad learning rate", "learning rates must be > 0", "--lrs", "0.1,-1"),
        cmd(
            "demo",
            "config the core refuses",
            "private",
            "--equivalent-rank",
            "2",
            "--private-rank",
            "3"),
        cmd("demo", "unknown model preset", "", "--model", "huge"),
        cmd("demo", "bad progress mode", "Invalid value", "--progress", "sometimes"),
        cmd("demo", "stray argument", "Unmatched argument", "extra"),
        cmd("train", "no model", "Missing required option", "--data", "TEXT", "--out", "o"),
        cmd("train", "no data", "Missing required option", "--model", "GQA", "--out", "o"),
        cmd("train", "no out", "Missing required option", "--model", "GQA", "--data", "TEXT"),
        cmd("train", "zero steps", "--steps must be >= 1", tr("--steps", "0")),
        cmd("train", "zero grad-accum", "--grad-accum must be >= 1", tr("--grad-accum", "0")),
        cmd("train", "one-token sequences", "--seq-len must be >= 2", tr("--seq-len", "1")),
        cmd("train", "negative lr", "--lr must be finite and > 0", tr("--lr", "-1")),
        cmd("train", "r not a number", "Invalid value", tr("--r", "eight")),
        cmd("train", "p > R_eq", "private", tr("--private-rank", "3", "--equivalent-rank", "2")),
        cmd(
            "train",
            "unknown projection",
            "--targets: 'x_proj' is not a projection",
            tr("--targets", "q_proj,x_proj")),
        cmd("train", "a projection twice", "given twice", tr("--targets", "q_proj,q_proj")),
        cmd(
            "train",
            "validation fraction 1",
            "--val-fraction must be in [0, 1)",
            tr("--val-fraction", "1")),
        cmd(
            "train",
            "validation file and fraction",
            "not both",
            tr("--val", "TEXT", "--val-fraction", "0.2")),
        cmd(
            "train",
            "resume without checkpoints",
            "--resume needs checkpoints",
            tr("--resume", "--checkpoint-every", "0")),
        cmd("train", "dropout not a number", "Invalid value", tr("--dropout", "lots")),
        cmd("score", "no model", "Missing required option", "--ids", "x"),
        cmd("score", "no ids", "Missing required option", "--model", "GQA"),
        cmd(
            "score",
            "bad weight dtype",
            "is not a weight dtype",
            "--model",
            "GQA",
            "--ids",
            "x",
            "--weight-dtype",
            "f16"),
        cmd("generate", "no model", "Missing required option", "--ids", "1 2"),
        cmd("generate", "no prompt", "one of the two", "--model", "GQA"),
        cmd(
            "generate",
            "both prompts",
            "one of the two",
            "--model",
            "GQA",
            "--ids",
            "1 2",
            "--prompt",
            "hello"),
        cmd(
            "generate",
            "top-p 0",
            "--top-p must be in (0, 1]",
            "--model",
            "GQA",
            "--prompt",
            "hello",
            "--top-p",
            "0"),
        cmd(
            "generate",
            "negative top-k",
            "--top-k must be >= 0",
            "--model",
            "GQA",
            "--prompt",
            "hello",
            "--top-k",
            "-1"),
        cmd(
            "generate",
            "an id that is not a number",
            "'x' is not a token id",
            "--model",
            "GQA",
            "--ids",
            "1 x 3"),
        cmd("generate", "a negative id", "'-3' is not a token id", "--model", "GQA", "--ids", "-3"),
        cmd("generate", "an empty prompt", "at least one id", "--model", "GQA", "--ids", " "),
        cmd(
            "generate",
            "zero new tokens",
            "--max-new-tokens must be >= 1",
            "--model",
            "GQA",
            "--ids",
            "1",
            "--max-new-tokens",
            "0"),
        cmd(
            "generate",
            "negative temperature",
            "--temperature must be >= 0",
            "--model",
            "GQA",
            "--ids",
            "1",
            "--temperature",
            "-1"),
        cmd(
            "generate",
            "an id outside the vocabulary",
            "outside the vocabulary [0, 384)",
            "--model",
            "GQA",
            "--ids",
            "1 384"),
        cmd(
            "generate",
            "beyond max positions",
            "more than the model's",
            "--model",
            "GQA",
            "--ids",
            "1 2",
            "--max-new-tokens",
            "100000"),
        cmd("bench", "unknown case", "unknown case 'gpu'", "--cases", "gpu"),
        cmd("bench", "unknown option", "Unknown option", "--fast"),
        cmd("help", "help for an unknown command", "Unknown subcommand", "frobnicate"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("badArguments")
  void badArgumentsPrintUsageAndExitTwo(
      String command, String what, String phrase, List<String> args) {
    MainTest.Run r = MainTest.mos(argv(command, args));
    assertEquals(2, r.code(), what + ": " + r.err());
    String first = r.errLines().get(0);
    assertTrue(
        first.startsWith(
            command.isEmpty() || command.equals("help") ? "mos: " : "mos " + command + ": "),
        what + ": " + first);
    assertTrue(r.err().contains(phrase), what + ": '" + phrase + "' missing in " + r.err());
    assertTrue(
        r.err()
            .contains(
                "Usage: mos" + (command.isEmpty() || command.equals("help") ? "" : " " + command)),
        what + ": no usage in " + r.err());
    assertNoStackTrace(r, what);
    assertEquals("", r.out(), what + ": nothing on stdout");
  }

  static Stream<Arguments> badFiles() {
    return Stream.of(
        // command, what, the file the line must name, args...
        file("inspect", "missing adapter", "nope", "nope"),
        file(
            "inspect", "garbage adapter", "garbage-adapter/adapter_config.json", "garbage-adapter"),
        file("inspect", "a file, not an adapter", "garbage.bin", "garbage.bin"),
        file(
            "export-lora",
            "garbage adapter",
            "garbage-adapter/adapter_config.json",
            "garbage-adapter",
            "out"),
        file("export-lora", "output is an existing file", "garbage.bin", "ADAPTER", "garbage.bin"),
        file(
            "train",
            "missing data",
            "nope.jsonl",
            "--model",
            "GQA",
            "--data",
            "nope.jsonl",
            "--out",
            "o"),
        file(
            "train",
            "a malformed JSONL line",
            "bad.jsonl",
            "--model",
            "GQA",
            "--data",
            "bad.jsonl",
            "--out",
            "o"),
        file(
            "train",
            "a malformed validation line",
            "bad.jsonl",
            "--model",
            "GQA",
            "--data",
            "good.jsonl",
            "--val",
            "bad.jsonl",
            "--out",
            "o"),
        file(
            "train",
            "data is a directory",
            "garbage-adapter",
            "--model",
            "GQA",
            "--data",
            "garbage-adapter",
            "--out",
            "o"),
        file(
            "train",
            "missing model",
            "nope-model",
            "--model",
            "nope-model",
            "--data",
            "good.jsonl",
            "--out",
            "o"),
        file(
            "demo",
            "corpus too large to read whole",
            "huge.txt",
            "--corpus",
            "huge.txt",
            "--cache-dir",
            "cache",
            "--retrain-base"),
        file(
            "train",
            "resume from nothing",
            "nope-out/checkpoints",
            "--model",
            "GQA",
            "--data",
            "good.jsonl",
            "--out",
            "nope-out",
            "--resume"),
        file(
            "train",
            "resume from a broken checkpoint",
            "checkpoint-00000005",
            "--model",
            "GQA",
            "--data",
            "good.jsonl",
            "--out",
            "run",
            "--resume"),
        file(
            "demo",
            "corpus missing",
            "nope-corpus",
            "--corpus",
            "nope-corpus",
            "--cache-dir",
            "cache",
            "--retrain-base"),
        file("bench", "summary from a missing file", "nope.json", "--from", "nope.json"),
        file("bench", "summary from garbage", "garbage.bin", "--from", "garbage.bin"),
        file("bench", "summary from the wrong JSON", "text.json", "--from", "text.json"),
        file("bench", "summary from a device", "/dev/zero", "--from", "/dev/zero"),
        file(
            "inspect",
            "config is a link to a device",
            "zero-adapter/adapter_config.json",
            "zero-adapter"),
        file(
            "train",
            "data is a device",
            "/dev/zero",
            "--model",
            "GQA",
            "--data",
            "/dev/zero",
            "--out",
            "o"),
        file("score", "missing model", "nope-model", "--model", "nope-model", "--ids", "IDS"),
        file(
            "score",
            "a model without config.json",
            "garbage-adapter/config.json",
            "--model",
            "garbage-adapter",
            "--ids",
            "IDS"),
        file("score", "missing ids file", "nope.txt", "--model", "GQA", "--ids", "nope.txt"),
        file(
            "score",
            "ids file of garbage",
            "garbage.bin",
            "--model",
            "GQA",
            "--ids",
            "garbage.bin"),
        file("score", "ids file is a device", "/dev/zero", "--model", "GQA", "--ids", "/dev/zero"),
        file(
            "score",
            "an id outside the vocabulary",
            "vocab.txt",
            "--model",
            "GQA",
            "--ids",
            "vocab.txt"),
        file("score", "nothing to score", "single.txt", "--model", "GQA", "--ids", "single.txt"),
        file(
            "score",
            "garbage adapter",
            "garbage-adapter/adapter_config.json",
            "--model",
            "GQA",
            "--adapter",
            "garbage-adapter",
            "--ids",
            "IDS"),
        file(
            "score",
            "an adapter of another model",
            "peft-lora-gqa/adapter_model.safetensors",
            "--model",
            "TIED",
            "--adapter",
            "PEFT",
            "--ids",
            "IDS"),
        file(
            "generate",
            "missing adapter",
            "nope-adapter",
            "--model",
            "GQA",
            "--adapter",
            "nope-adapter",
            "--ids",
            "1 2"),
        file(
            "generate",
            "a model whose config is broken",
            "broken-model/config.json",
            "--model",
            "broken-model",
            "--ids",
            "1 2"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("badFiles")
  void aBadFileIsOneLineAndExitOne(String command, String what, String named, List<String> args)
      throws IOException {
    Files.writeString(tmp.resolve("text.json"), "{\"records\": 3}");
    MainTest.Run r = MainTest.mos(argv(command, resolve(args)));
    assertEquals(1, r.code(), what + ": " + r.err());
    assertEquals(1, r.errLines().size(), what + ": not one line: " + r.err());
    String line = r.errLines().get(0);
    assertTrue(line.startsWith("mos: "), line);
    assertTrue(
        line.contains(tmp.resolve(named).toString()) || line.contains(named),
        what + ": the line does not name " + named + ": " + line);
    assertFalse(line.contains("Exception"), what + ": a Java class name in " + line);
    assertNoStackTrace(r, what);
  }

  @Test
  void verboseAddsTheStackTraceToAFileError() {
    MainTest.Run r = MainTest.mos("inspect", garbageDir.toString(), "--verbose");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("\tat org.mos.io."), r.err());
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private static Arguments cmd(String command, String what, String phrase, String... args) {
    List<String> a = new ArrayList<>();
    for (String s : args) if (!s.isEmpty()) a.add(s);
    return Arguments.of(command, what, phrase, a);
  }

  /** A train command line that is valid but for {@code extra}. */
  private static String[] tr(String... extra) {
    List<String> a = new ArrayList<>(List.of("--model", "GQA", "--data", "TEXT", "--out", "o"));
    a.addAll(List.of(extra));
    return a.toArray(new String[0]);
  }

  private static Arguments file(String command, String what, String named, String... args) {
    return Arguments.of(command, what, named, List.of(args));
  }

  private static String[] argv(String command, List<String> args) {
    List<String> all = new ArrayList<>();
    if (!command.isEmpty()) all.add(command);
    for (String a : args) {
      all.add(a.equals("TEXT") ? text.toString() : a.equals("GQA") ? fixture("llama-gqa-f32") : a);
    }
    return all.toArray(new String[0]);
  }

  /** Relative names are files under the test directory; ADAPTER is a valid adapter. */
  private static List<String> resolve(List<String> args) throws IOException {
    List<String> out = new ArrayList<>();
    for (String a : args) {
      if (a.equals("GQA") || a.equals("TIED") || a.equals("PEFT")) {
        out.add(fixture(
            a.equals("GQA")
                ? "llama-gqa-f32"
                : a.equals("TIED") ? "llama-tied-bf16-sharded" : "peft-lora-gqa"));
      } else if (a.equals("IDS")) {
        out.add(Files.writeString(tmp.resolve("ids.txt"), "1 2 3\n4 5\n").toString());
      } else if (a.contains(" ")) {
        out.add(a);
      } else if (a.equals("ADAPTER")) {
        Path dir = tmp.resolve("valid-adapter");
        if (!Files.exists(dir)) MainTest.toyAdapter().save(dir);
        out.add(dir.toString());
      } else if (a.startsWith("--") || a.matches("\\d+") || a.startsWith("/")) {
        out.add(a);
      } else {
        out.add(tmp.resolve(a).toString());
      }
    }
    return out;
  }

  /** A checkpoint of tests/fixtures/hf. */
  private static String fixture(String name) {
    return Path.of(System.getProperty("mos.hf.fixtures", "../tests/fixtures/hf"))
        .resolve(name)
        .toString();
  }

  private static void assertNoStackTrace(MainTest.Run r, String what) {
    assertFalse(r.err().contains("\tat "), what + ": stack trace without --verbose: " + r.err());
    assertFalse(r.out().contains("\tat "), what + ": stack trace on stdout: " + r.out());
  }
}
