// SPDX-License-Identifier: Apache-2.0
// Property tests: a generator of malformed adapter directories. Every case starts from a valid
// adapter and breaks it in one of the ways an untrusted file can be broken: truncated anywhere, a
// wrong header length, invalid UTF-8 or JSON, offsets reversed / overlapping / outside the data,
// wrong dtypes or shapes, config values that disagree or are absurd, indices outside [0, P), NaN
// or Inf in the pools, random bytes flipped. Each must end in a MosFileException naming the file
// and the problem on one line; anything else (another exception, an Error such as
// OutOfMemoryError, a hang past the timeout) fails the property. About 12,700 cases per run, the
// same number every run (docs/reliability.md).
//
// Plain JUnit 5 with seeded generators (org.mos.testing.Cases), no property-testing library: every
// property is one @Test that runs its cases from a per-run seed; a failure prints that seed and
// the command that replays it (-Dmos.test.seed=0x...). carrotsearch randomizedtesting's runner is
// JUnit 4 only (its Jupiter port is a 0.x release built on JUnit 6), and Jazzer's @FuzzTest runs
// only its stored inputs in a plain test run (fuzzing is a separate mode, one test at a time,
// replayed from a crash file, not a seed); neither gives a fixed number of generated cases per run.
package org.mos.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mos.testing.Cases;
import org.mos.testing.Cases.Gen;

// Each property is given two minutes (it takes seconds); the timeout runs it on its own thread, so
// a loader that never returns fails the property instead of holding up the run.
@Timeout(value = 2, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MalformedAdapterFileTest {
  // The valid adapter every case starts from: 2 pool groups, r=4, R_eq=2, p=1, l=2, L=3, P=12.
  private static final AdapterConfig CONFIG = TestAdapters.config();
  private static final MosAdapter ADAPTER = TestAdapters.random(CONFIG, 7);
  private static final int P = CONFIG.numShards();

  private static Path root;
  private static Path caseDir;
  private static byte[] configBytes;
  private static byte[] weightsBytes;
  private static ObjectNode header; // the weights file's JSON header
  private static byte[] data; // its data area
  private static List<String> tensorNames;

  @BeforeAll
  static void saveTheValidAdapter() throws IOException {
    root = Files.createTempDirectory("mos-malformed-");
    Path valid = root.resolve("valid");
    ADAPTER.save(valid);
    configBytes = Files.readAllBytes(valid.resolve(AdapterFormat.CONFIG_FILE));
    weightsBytes = Files.readAllBytes(valid.resolve(AdapterFormat.WEIGHTS_FILE));
    long n = ByteBuffer.wrap(weightsBytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    header = (ObjectNode)
        SafeTensors.JSON.readTree(new String(weightsBytes, 8, (int) n, StandardCharsets.UTF_8));
    data = Arrays.copyOfRange(weightsBytes, 8 + (int) n, weightsBytes.length);
    tensorNames = new ArrayList<>();
    header.fieldNames().forEachRemaining(k -> {
      if (!k.equals(SafeTensors.METADATA_KEY)) tensorNames.add(k);
    });
    caseDir = root.resolve("case");
    Files.createDirectories(caseDir);
    // The starting point itself must load, or every property below would pass for nothing.
    assertEquals(ADAPTER, MosAdapter.load(write(configBytes, weightsBytes)));
  }

  /** Cases per kind, refused with a MosFileException naming the problem (or accepted, blind). */
  private static final Map<String, LongAdder> OUTCOMES = new ConcurrentHashMap<>();

  private static void count(String what) {
    OUTCOMES.computeIfAbsent(what, k -> new LongAdder()).increment();
  }

  @AfterAll
  static void reportAndRemoveFiles() throws IOException {
    AtomicFiles.deleteRecursively(root);
    // The figures docs/reliability.md quotes: printed, and kept in target/ for the record.
    StringBuilder sb = new StringBuilder("malformed adapter files, seed " + Cases.seedText()
        + " (-D" + Cases.SEED_PROPERTY + "), cases per kind:\n");
    long total = 0;
    for (Map.Entry<String, LongAdder> e : new TreeMap<>(OUTCOMES).entrySet()) {
      sb.append(String.format("  %-70s %6d%n", e.getKey(), e.getValue().sum()));
      total += e.getValue().sum();
    }
    sb.append(String.format("  %-70s %6d%n", "total", total));
    System.out.print(sb);
    Path out = Path.of("target", "reliability", "malformed-adapter-files.txt");
    Files.createDirectories(out.getParent());
    Files.writeString(out, sb);
  }

  // ---- truncation and the header length -------------------------------------------------------

  @Test
  void truncatedWeightsAnywhere() {
    Cases.forAll(1500, g -> {
      int cut = g.oneOf(
          () -> g.intIn(0, weightsBytes.length - 1),
          () -> g.pick(0, 7, 8, 9, weightsBytes.length - 1));
      refused(
          "truncated weights",
          configBytes,
          Arrays.copyOf(weightsBytes, cut),
          AdapterFormat.WEIGHTS_FILE,
          "truncated",
          "beyond the end",
          "outside the data area",
          "not valid JSON",
          "header is empty",
          "not valid UTF-8");
    });
  }

  @Test
  void truncatedConfigAnywhere() {
    // Every cut, in order: the file is short enough to try them all. The last byte is the newline
    // after '}': cutting only it leaves a valid file.
    Cases.forAll(
        configBytes.length - 1,
        g -> refused(
            "truncated config",
            Arrays.copyOf(configBytes, g.index()),
            weightsBytes,
            AdapterFormat.CONFIG_FILE,
            "not valid JSON",
            "not a JSON object"));
  }

  @Test
  void wrongHeaderLength() {
    long real =
        ByteBuffer.wrap(weightsBytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    long size = weightsBytes.length;
    Cases.forAll(1000, g -> {
      long n = until(
          () -> g.oneOf(
              g::anyLong, // any 64-bit value, negative (huge unsigned) ones included
              () -> g.longIn(0, size + 16), // near the real value: cuts JSON or eats data
              () -> g.pick(
                  0L,
                  1L,
                  2L,
                  size - 8,
                  size - 7,
                  size,
                  Long.MAX_VALUE,
                  Long.MIN_VALUE,
                  -1L,
                  SafeTensors.MAX_HEADER_BYTES,
                  SafeTensors.MAX_HEADER_BYTES + 1)),
          v -> v != real);
      byte[] w = weightsBytes.clone();
      ByteBuffer.wrap(w, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(n);
      refused(
          "header length",
          configBytes,
          w,
          AdapterFormat.WEIGHTS_FILE,
          "absurdly large",
          "beyond the end",
          "header is empty",
          "not valid JSON",
          "not valid UTF-8",
          "not described by the header",
          "outside the data area",
          "does not start with '{'");
    });
  }

  // ---- the header's bytes: UTF-8 and JSON ------------------------------------------------------

  private static final byte[][] INVALID_UTF8 = {
    {(byte) 0xFF},
    {(byte) 0xFE},
    {(byte) 0x80},
    {(byte) 0xBF}, // never valid / lone continuation
    {(byte) 0xC0, (byte) 0x80},
    {(byte) 0xC1, (byte) 0xBF}, // overlong encodings
    {(byte) 0xE0, (byte) 0x80, (byte) 0x80}, // overlong 3-byte
    {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // a UTF-16 surrogate
    {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // beyond U+10FFFF
    {(byte) 0xE2, (byte) 0x82, (byte) 0x41}, // truncated sequence
  };

  @Test
  void invalidUtf8InTheHeader() {
    Cases.forAll(800, g -> {
      byte[] bad = INVALID_UTF8[g.intIn(0, INVALID_UTF8.length - 1)];
      int n = headerLength();
      int at = 8 + g.intIn(0, n - bad.length);
      byte[] w = weightsBytes.clone();
      System.arraycopy(bad, 0, w, at, bad.length);
      refused(
          "invalid UTF-8 (weights)", configBytes, w, AdapterFormat.WEIGHTS_FILE, "not valid UTF-8");
    });
  }

  @Test
  void invalidUtf8InTheConfig() {
    Cases.forAll(400, g -> {
      byte[] bad = INVALID_UTF8[g.intIn(0, INVALID_UTF8.length - 1)];
      byte[] c = configBytes.clone();
      System.arraycopy(bad, 0, c, g.intIn(0, c.length - bad.length), bad.length);
      refused(
          "invalid UTF-8 (config)", c, weightsBytes, AdapterFormat.CONFIG_FILE, "not valid UTF-8");
    });
  }

  /** One ASCII byte of the header replaced, drawn again until the result is no longer JSON. */
  @Test
  void brokenJsonHeader() {
    int n = headerLength();
    Cases.forAll(800, g -> {
      byte[] w = until(
          () -> {
            byte[] x = weightsBytes.clone();
            x[8 + g.intIn(0, n - 1)] = (byte) jsonBreaker(g);
            return x;
          },
          x -> !isJson(Arrays.copyOfRange(x, 8, 8 + n)));
      refused(
          "broken JSON (weights)",
          configBytes,
          w,
          AdapterFormat.WEIGHTS_FILE,
          "not valid JSON",
          "does not start with '{'");
    });
  }

  @Test
  void brokenJsonConfig() {
    Cases.forAll(500, g -> {
      byte[] c = until(
          () -> {
            byte[] x = configBytes.clone();
            x[g.intIn(0, x.length - 1)] = (byte) jsonBreaker(g);
            return x;
          },
          x -> !isJson(x));
      refused("broken JSON (config)", c, weightsBytes, AdapterFormat.CONFIG_FILE, "not valid JSON");
    });
  }

  private static char jsonBreaker(Gen g) {
    return g.pick(
        '{', '}', '[', ']', ':', ',', '"', '\\', 'x', '0', '-', '\'', '\u0000', '\u001f', '/', '#');
  }

  /** A header replaced by other JSON: a non-object, nested very deep, or a huge string. */
  @Test
  void headerIsOtherJson() {
    Cases.forAll(300, g -> {
      String json = g.oneOf(
          () -> g.pick("[]", "null", "0", "\"x\"", "true", "{}", "[{}]", "1e999"),
          () -> {
            int d = g.intIn(1, 5000);
            return "[".repeat(d) + "]".repeat(d);
          },
          () -> {
            int d = g.intIn(1, 5000);
            return "{\"a\":".repeat(d) + "1" + "}".repeat(d);
          },
          () -> "{\"" + "a".repeat(g.intIn(1, 200_000)) + "\":1}",
          () -> "{\"__metadata__\":" + quote(g.string(0, 40)) + "}",
          // Names an attacker controls: control characters, line breaks, any length.
          () -> "{" + quote(g.string(1, 300)) + ":1}");
      refused(
          "other JSON header",
          configBytes,
          weights(json.getBytes(StandardCharsets.UTF_8), data),
          AdapterFormat.WEIGHTS_FILE,
          "not a JSON object",
          "does not start with '{'",
          "header is empty",
          "not valid JSON",
          "entry is not an object",
          "missing or non-string 'dtype'",
          "missing tensor",
          "not described by the header",
          "__metadata__",
          "unexpected tensor");
    });
  }

  // ---- tensor entries: offsets, dtypes, shapes --------------------------------------------------

  enum OffsetBreak {
    REVERSED,
    OVERLAPPING,
    OUTSIDE,
    SHIFTED,
    NEGATIVE,
    NOT_A_NUMBER,
    ONE_VALUE,
    THREE_VALUES,
    MISSING,
    HOLE
  }

  @Test
  void badOffsets() {
    Cases.forAll(1200, g -> {
      OffsetBreak kind = g.pick(OffsetBreak.values());
      int k = g.intIn(1, 1 << 20);
      ObjectNode h = header.deepCopy();
      ObjectNode e = (ObjectNode) h.get(g.pick(tensorNames));
      long begin = e.get("data_offsets").get(0).longValue();
      long end = e.get("data_offsets").get(1).longValue();
      ArrayNode off = JsonNodeFactory.instance.arrayNode();
      switch (kind) {
        case REVERSED -> off.add(end).add(begin);
        case OVERLAPPING -> {
          // Move the tensor onto its neighbour's bytes (or the neighbour onto it).
          long shift = begin > 0 ? -1 - (k % begin) : 1 + (k % (end - begin));
          off.add(begin + shift).add(end + shift);
        }
        case OUTSIDE -> off.add(begin + data.length).add(end + data.length + k);
        case SHIFTED -> off.add(begin + k).add(end + k);
        case NEGATIVE -> off.add(-k).add(end);
        case NOT_A_NUMBER -> off.add("0").add(1.5);
        case ONE_VALUE -> off.add(begin);
        case THREE_VALUES -> off.add(begin).add(end).add(end);
        case MISSING -> off = null;
        case HOLE -> off.add(begin).add(end - Math.min(k, end - begin));
      }
      if (off == null) e.remove("data_offsets");
      else e.set("data_offsets", off);
      refused(
          "offsets " + kind,
          configBytes,
          weights(h, data),
          AdapterFormat.WEIGHTS_FILE,
          "data_offsets",
          "overlap",
          "hole",
          "not described by the header",
          "begin is after end");
    });
  }

  @Test
  void wrongDtype() {
    Cases.forAll(800, g -> {
      ObjectNode h = header.deepCopy();
      ObjectNode e = (ObjectNode) h.get(g.pick(tensorNames));
      String now = e.get("dtype").asText();
      String dtype = until(
          () -> g.oneOf(
              () -> g.pick(SafeTensors.Dtype.values()).name(),
              () -> g.pick("f32", "float32", "", "F32 ", "int32", "F128"),
              () -> g.string(0, 8)),
          d -> !d.equals(now));
      e.put("dtype", dtype);
      refused(
          "dtype",
          configBytes,
          weights(h, data),
          AdapterFormat.WEIGHTS_FILE,
          "dtype",
          "data_offsets");
    });
  }

  @Test
  void wrongShape() {
    Cases.forAll(1000, g -> {
      ObjectNode h = header.deepCopy();
      ObjectNode e = (ObjectNode) h.get(g.pick(tensorNames));
      long[] now = new long[e.get("shape").size()];
      for (int i = 0; i < now.length; i++) now[i] = e.get("shape").get(i).longValue();
      List<Long> shape = until(
          () -> g.list(
              0,
              4,
              () -> g.oneOf(
                  () -> g.longIn(0, 48),
                  () -> g.pick(
                      -1L, Long.MAX_VALUE, 1L << 31, 1L << 40, 1L << 62, Integer.MAX_VALUE + 1L))),
          s -> !Arrays.equals(now, s.stream().mapToLong(Long::longValue).toArray()));
      ArrayNode s = e.putArray("shape");
      shape.forEach(s::add);
      refused(
          "shape",
          configBytes,
          weights(h, data),
          AdapterFormat.WEIGHTS_FILE,
          "shape",
          "data_offsets");
    });
  }

  // ---- the config: values that disagree with the weights, absurd values -------------------------

  /** Every edit of {@link #configEdits()} that changes the config, in order. */
  @Test
  void configValuesThatDoNotFit() {
    ObjectNode valid = configJson();
    List<Map.Entry<String, JsonNode>> edits = configEdits().stream()
        .filter(edit -> !edit.getValue().equals(valid.at(edit.getKey())))
        .toList();
    Cases.forAll(edits.size(), g -> {
      Map.Entry<String, JsonNode> edit = edits.get(g.index());
      ObjectNode c = configJson();
      int slash = edit.getKey().lastIndexOf('/');
      ObjectNode parent = (ObjectNode) c.at(edit.getKey().substring(0, slash));
      parent.set(edit.getKey().substring(slash + 1), edit.getValue());
      refused(
          "config " + edit.getKey(),
          bytes(c),
          weightsBytes,
          null,
          "invalid configuration",
          "shape is",
          "not a 32-bit integer",
          "not a number",
          "missing tensor",
          "unexpected tensor",
          "divisible",
          "not a string",
          "pools.",
          "unsupported format_version",
          "key 'pools'");
    });
  }

  /**
   * Keys that fix the tensors' shapes, each set to every value of a list (any change must disagree
   * with the weights), and keys with a valid range, set only to values outside it. Small enough to
   * try every edit instead of sampling.
   */
  private static List<Map.Entry<String, JsonNode>> configEdits() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    List<JsonNode> ints = new ArrayList<>();
    for (int v = -4; v <= 64; v++) ints.add(f.numberNode(v));
    for (int v : new int[] {Integer.MAX_VALUE, Integer.MIN_VALUE, 1 << 30, 65536}) {
      ints.add(f.numberNode(v));
    }
    for (long v : new long[] {1L << 31, Long.MAX_VALUE, -(1L << 40)}) ints.add(f.numberNode(v));
    ints.addAll(List.of(
        f.numberNode(4.5),
        f.numberNode(1e300),
        f.textNode("4"),
        f.nullNode(),
        f.booleanNode(true),
        f.arrayNode(),
        f.objectNode()));
    List<Map.Entry<String, JsonNode>> edits = new ArrayList<>();
    for (String key : List.of(
        "/r",
        "/equivalent_rank",
        "/shards_per_vector",
        "/num_layers",
        "/pools/up_proj/in_features",
        "/pools/up_proj/out_features",
        "/pools/down_proj/in_features",
        "/pools/down_proj/out_features")) {
      for (JsonNode v : ints) edits.add(Map.entry(key, v));
    }
    for (int v : new int[] {-1, 3, 4, 100, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
      edits.add(Map.entry("/private_rank", f.numberNode(v)));
    }
    for (double v : new double[] {-0.5, 1.0, 1.5, 1e30, -1e-9}) {
      edits.add(Map.entry("/lora_dropout", f.numberNode(v)));
    }
    for (double v : new double[] {1e39, -1e39, 1e300}) {
      edits.add(Map.entry("/lora_alpha", f.numberNode(v)));
    }
    for (JsonNode v : List.of(f.textNode("16"), f.nullNode(), f.arrayNode())) {
      edits.add(Map.entry("/lora_alpha", v));
    }
    for (int v : new int[] {0, 2, -1, Integer.MAX_VALUE}) {
      edits.add(Map.entry("/format_version", f.numberNode(v)));
    }
    for (JsonNode v : List.of(
        f.numberNode(3),
        f.nullNode(),
        f.textNode(""),
        f.textNode("model.layers.0.q"),
        f.textNode("model.layers.{layer}.mlp.down_proj"))) {
      edits.add(Map.entry("/pools/up_proj/module_path", v));
    }
    for (JsonNode v : List.of(f.objectNode(), f.arrayNode(), f.textNode("x"))) {
      edits.add(Map.entry("/pools", v));
    }
    return edits;
  }

  // ---- tensor contents: indices outside [0, P), NaN and Inf in the pools ------------------------

  @Test
  void indicesOutsideThePool() {
    List<String> indexTensors =
        tensorNames.stream().filter(n -> n.contains(".index_")).toList();
    assertFalse(indexTensors.isEmpty());
    Cases.forAll(800, g -> {
      SafeTensors.TensorInfo t = info(g.pick(indexTensors));
      int at = (int) (t.begin() + 4L * g.longIn(0, t.numElements() - 1));
      int value = g.oneOf(
          () -> g.intIn(Integer.MIN_VALUE, -1),
          () -> g.intIn(P, Integer.MAX_VALUE),
          () -> g.pick(-1, P, Integer.MAX_VALUE, Integer.MIN_VALUE));
      byte[] d = data.clone();
      ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN).putInt(at, value);
      refused(
          "index",
          configBytes,
          weights(header, d),
          AdapterFormat.WEIGHTS_FILE,
          "index " + value + " outside [0, " + P + ")");
    });
  }

  @Test
  void nonFinitePoolValues() {
    List<String> poolTensors =
        tensorNames.stream().filter(n -> n.contains(".pool_")).toList();
    assertFalse(poolTensors.isEmpty());
    Cases.forAll(800, g -> {
      SafeTensors.TensorInfo t = info(g.pick(poolTensors));
      int at = (int) (t.begin() + 4L * g.longIn(0, t.numElements() - 1));
      // Exponent all ones: +-Inf (mantissa 0) or a NaN with any payload, quiet or signalling.
      int bits = (g.intIn(0, 1) << 31) | 0x7F800000 | g.intIn(0, 0x7FFFFF);
      byte[] d = data.clone();
      ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN).putInt(at, bits);
      refused(
          "non-finite",
          configBytes,
          weights(header, d),
          AdapterFormat.WEIGHTS_FILE,
          "pools must be finite");
    });
  }

  // ---- blind fuzzing: any outcome but a MosFileException or a valid adapter is a failure --------

  @Test
  void randomByteFlips() {
    Cases.forAll(1500, g -> {
      List<Integer> positions = g.list(1, 8, () -> g.intIn(0, Integer.MAX_VALUE));
      byte xor = (byte) g.intIn(1, 255);
      boolean inConfig = g.bool();
      byte[] target = (inConfig ? configBytes : weightsBytes).clone();
      for (int pos : positions) target[pos % target.length] ^= xor;
      Path dir = inConfig ? write(target, weightsBytes) : write(configBytes, target);
      try {
        MosAdapter loaded = MosAdapter.load(dir);
        // Accepted: then it is a consistent adapter (the constructor re-validated it) that saves
        // and loads back to itself.
        Path again = root.resolve("again");
        loaded.save(again);
        assertEquals(loaded, MosAdapter.load(again));
        AtomicFiles.deleteRecursively(again);
        count("blind fuzzing: accepted (a value changed, still a valid adapter)");
      } catch (MosFileException e) {
        checkOneLine(e, dir, null);
        count("blind fuzzing: refused");
      } catch (Throwable t) {
        fail("not a MosFileException: " + t, t);
      } finally {
        deleteQuietly(root.resolve("again"));
      }
    });
  }

  // ---- helpers ----------------------------------------------------------------------------------

  /**
   * Draws from {@code gen} until {@code keep} holds (a generator that fits a condition in about
   * every other draw). Giving up after 1,000 draws fails the case: a generator that cannot meet
   * its condition would otherwise test nothing.
   */
  private static <T> T until(Supplier<T> gen, Predicate<T> keep) {
    for (int i = 0; i < 1000; i++) {
      T v = gen.get();
      if (keep.test(v)) return v;
    }
    throw new AssertionError("the generator met its condition in none of 1,000 draws");
  }

  /**
   * Writes the case, loads it, and checks the outcome: a MosFileException whose one-line message
   * starts with the file at fault (when {@code file} is given) and contains one of {@code
   * problems}. Every outcome is counted under {@code label} for the statistics report.
   */
  private static void refused(
      String label, byte[] config, byte[] weights, String file, String... problems) {
    Path dir = write(config, weights);
    MosAdapter loaded;
    try {
      loaded = MosAdapter.load(dir);
    } catch (MosFileException e) {
      checkOneLine(e, dir, file);
      String m = e.getMessage();
      boolean named = Arrays.stream(problems).anyMatch(m::contains);
      assertTrue(
          named, label + ": the message names none of " + Arrays.toString(problems) + ": " + m);
      count(label);
      return;
    } catch (Throwable t) {
      throw new AssertionError(label + ": not a MosFileException: " + t, t);
    }
    fail(label + ": a malformed adapter was accepted: " + loaded.config());
  }

  private static void checkOneLine(MosFileException e, Path dir, String file) {
    String m = e.getMessage();
    assertFalse(m.contains("\n"), m);
    assertTrue(m.startsWith(file == null ? dir.toString() : dir.resolve(file) + ": "), m);
    assertTrue(m.length() < 2000, "message of " + m.length() + " characters");
  }

  private static Path write(byte[] config, byte[] weights) {
    try {
      Files.write(caseDir.resolve(AdapterFormat.CONFIG_FILE), config);
      Files.write(caseDir.resolve(AdapterFormat.WEIGHTS_FILE), weights);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return caseDir;
  }

  /** A weights file with {@code header} (re-serialized, unpadded) over {@code data}. */
  private static byte[] weights(ObjectNode h, byte[] d) {
    return weights(bytes(h), d);
  }

  private static byte[] weights(byte[] json, byte[] d) {
    ByteBuffer b = ByteBuffer.allocate(8 + json.length + d.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(json.length).put(json).put(d);
    return b.array();
  }

  private static byte[] bytes(JsonNode n) {
    try {
      return SafeTensors.JSON.writeValueAsBytes(n);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static ObjectNode configJson() {
    try {
      return (ObjectNode) SafeTensors.JSON.readTree(configBytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int headerLength() {
    return (int)
        ByteBuffer.wrap(weightsBytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }

  private static SafeTensors.TensorInfo info(String name) {
    JsonNode e = header.get(name);
    long begin = e.get("data_offsets").get(0).longValue();
    long end = e.get("data_offsets").get(1).longValue();
    return new SafeTensors.TensorInfo(
        name,
        SafeTensors.Dtype.of(e.get("dtype").asText()).get(),
        new long[] {e.get("shape").get(0).longValue(), e.get("shape").get(1).longValue()},
        begin,
        end,
        (end - begin) / 4);
  }

  private static boolean isJson(byte[] b) {
    try {
      String s = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(b)).toString();
      SafeTensors.JSON.readTree(s);
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  private static String quote(String s) {
    return JsonNodeFactory.instance.textNode(s).toString();
  }

  private static void deleteQuietly(Path p) {
    try {
      AtomicFiles.deleteRecursively(p);
    } catch (IOException ignored) {
      // A leftover under the container's temporary root is removed with it.
    }
  }
}
