// Property tests (jqwik): a generator of malformed adapter directories. Every case starts from a
// valid adapter and breaks it in one of the ways an untrusted file can be broken: truncated
// anywhere, a wrong header length, invalid UTF-8 or JSON, offsets reversed / overlapping /
// outside the data, wrong dtypes or shapes, config values that disagree or are absurd, indices
// outside [0, P), NaN or Inf in the pools, random bytes flipped. Each must end in a
// MosFileException naming the file and the problem on one line; anything else (another exception,
// an Error such as OutOfMemoryError, a hang) fails the property. The tries add up to more than
// 10,000 cases per run (docs/reliability.md); jqwik prints the seed of any failure.
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
import java.util.concurrent.atomic.LongAdder;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

class MalformedAdapterFileTest {
  // The valid adapter every case starts from: 2 pool groups, r=4, R_eq=2, p=1, l=2, L=3, P=12.
  private static final AdapterConfig CONFIG = TestAdapters.config();
  private static final MosAdapter ADAPTER = TestAdapters.random(CONFIG, 7);
  private static final int P = CONFIG.numShards();

  private static Path root;
  private static Path caseDir;
  private static byte[] configBytes;
  private static byte[] weightsBytes;
  private static ObjectNode header;      // the weights file's JSON header
  private static byte[] data;            // its data area
  private static List<String> tensorNames;

  @BeforeContainer
  static void saveTheValidAdapter() throws IOException {
    root = Files.createTempDirectory("mos-malformed-");
    Path valid = root.resolve("valid");
    ADAPTER.save(valid);
    configBytes = Files.readAllBytes(valid.resolve(AdapterFormat.CONFIG_FILE));
    weightsBytes = Files.readAllBytes(valid.resolve(AdapterFormat.WEIGHTS_FILE));
    long n = ByteBuffer.wrap(weightsBytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    header = (ObjectNode) SafeTensors.JSON.readTree(
        new String(weightsBytes, 8, (int) n, StandardCharsets.UTF_8));
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

  @AfterContainer
  static void reportAndRemoveFiles() throws IOException {
    AtomicFiles.deleteRecursively(root);
    // The figures docs/reliability.md quotes: printed, and kept in target/ for the record.
    StringBuilder sb = new StringBuilder("malformed adapter files, cases per kind:\n");
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

  @Property(tries = 1500)
  void truncatedWeightsAnywhere(@ForAll("weightsCut") int cut) {
    refused("truncated weights", configBytes, Arrays.copyOf(weightsBytes, cut),
        AdapterFormat.WEIGHTS_FILE, "truncated", "beyond the end", "outside the data area",
        "not valid JSON", "header is empty", "not valid UTF-8");
  }

  @Provide
  Arbitrary<Integer> weightsCut() {
    return Arbitraries.oneOf(Arbitraries.integers().between(0, weightsBytes.length - 1),
        Arbitraries.of(0, 7, 8, 9, weightsBytes.length - 1));
  }

  @Property(tries = 600)
  void truncatedConfigAnywhere(@ForAll("configCut") int cut) {
    refused("truncated config", Arrays.copyOf(configBytes, cut), weightsBytes,
        AdapterFormat.CONFIG_FILE, "not valid JSON", "not a JSON object");
  }

  @Provide
  Arbitrary<Integer> configCut() {
    // The last byte is the newline after '}': cutting only it leaves a valid file.
    return Arbitraries.integers().between(0, configBytes.length - 2);
  }

  @Property(tries = 1000)
  void wrongHeaderLength(@ForAll("headerLengths") long n) {
    long real = ByteBuffer.wrap(weightsBytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    Assume.that(n != real);
    byte[] w = weightsBytes.clone();
    ByteBuffer.wrap(w, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(n);
    refused("header length", configBytes, w, AdapterFormat.WEIGHTS_FILE, "absurdly large",
        "beyond the end", "header is empty", "not valid JSON", "not valid UTF-8",
        "not described by the header", "outside the data area", "does not start with '{'");
  }

  @Provide
  Arbitrary<Long> headerLengths() {
    long size = weightsBytes.length;
    return Arbitraries.oneOf(
        Arbitraries.longs(), // any 64-bit value, negative (huge unsigned) ones included
        Arbitraries.longs().between(0, size + 16), // near the real value: cuts JSON or eats data
        Arbitraries.of(0L, 1L, 2L, size - 8, size - 7, size, Long.MAX_VALUE, Long.MIN_VALUE, -1L,
            SafeTensors.MAX_HEADER_BYTES, SafeTensors.MAX_HEADER_BYTES + 1));
  }

  // ---- the header's bytes: UTF-8 and JSON ------------------------------------------------------

  private static final byte[][] INVALID_UTF8 = {
      {(byte) 0xFF}, {(byte) 0xFE}, {(byte) 0x80}, {(byte) 0xBF}, // never valid / lone continuation
      {(byte) 0xC0, (byte) 0x80}, {(byte) 0xC1, (byte) 0xBF},     // overlong encodings
      {(byte) 0xE0, (byte) 0x80, (byte) 0x80},                    // overlong 3-byte
      {(byte) 0xED, (byte) 0xA0, (byte) 0x80},                    // a UTF-16 surrogate
      {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80},       // beyond U+10FFFF
      {(byte) 0xE2, (byte) 0x82, (byte) 0x41},                    // truncated sequence
  };

  @Property(tries = 800)
  void invalidUtf8InTheHeader(@ForAll @IntRange(min = 0, max = 9) int which,
      @ForAll @IntRange(min = 0, max = 1_000_000) int where) {
    byte[] bad = INVALID_UTF8[which];
    int n = headerLength();
    int at = 8 + where % (n - bad.length + 1);
    byte[] w = weightsBytes.clone();
    System.arraycopy(bad, 0, w, at, bad.length);
    refused("invalid UTF-8 (weights)", configBytes, w, AdapterFormat.WEIGHTS_FILE,
        "not valid UTF-8");
  }

  @Property(tries = 400)
  void invalidUtf8InTheConfig(@ForAll @IntRange(min = 0, max = 9) int which,
      @ForAll @IntRange(min = 0, max = 1_000_000) int where) {
    byte[] bad = INVALID_UTF8[which];
    byte[] c = configBytes.clone();
    System.arraycopy(bad, 0, c, where % (c.length - bad.length + 1), bad.length);
    refused("invalid UTF-8 (config)", c, weightsBytes, AdapterFormat.CONFIG_FILE,
        "not valid UTF-8");
  }

  /** One ASCII byte of the header replaced; kept only when the result is no longer JSON. */
  @Property(tries = 800, maxDiscardRatio = 20)
  void brokenJsonHeader(@ForAll @IntRange(min = 0, max = 1_000_000) int where,
      @ForAll("jsonBreakers") char replacement) {
    int n = headerLength();
    byte[] w = weightsBytes.clone();
    int at = 8 + where % n;
    Assume.that(w[at] != replacement);
    w[at] = (byte) replacement;
    Assume.that(!isJson(Arrays.copyOfRange(w, 8, 8 + n)));
    refused("broken JSON (weights)", configBytes, w, AdapterFormat.WEIGHTS_FILE, "not valid JSON",
        "does not start with '{'");
  }

  @Property(tries = 500, maxDiscardRatio = 20)
  void brokenJsonConfig(@ForAll @IntRange(min = 0, max = 1_000_000) int where,
      @ForAll("jsonBreakers") char replacement) {
    byte[] c = configBytes.clone();
    int at = where % c.length;
    Assume.that(c[at] != replacement);
    c[at] = (byte) replacement;
    Assume.that(!isJson(c));
    refused("broken JSON (config)", c, weightsBytes, AdapterFormat.CONFIG_FILE, "not valid JSON");
  }

  @Provide
  Arbitrary<Character> jsonBreakers() {
    return Arbitraries.of('{', '}', '[', ']', ':', ',', '"', '\\', 'x', '0', '-', '\'', '\u0000',
        '\u001f', '/', '#');
  }

  /** A header replaced by other JSON: a non-object, nested very deep, or a huge string. */
  @Property(tries = 300)
  void headerIsOtherJson(@ForAll("otherJson") String json) {
    refused("other JSON header", configBytes, weights(json.getBytes(StandardCharsets.UTF_8), data),
        AdapterFormat.WEIGHTS_FILE, "not a JSON object", "does not start with '{'", "header is empty",
        "not valid JSON", "entry is not an object", "missing or non-string 'dtype'",
        "missing tensor", "not described by the header", "__metadata__", "unexpected tensor");
  }

  @Provide
  Arbitrary<String> otherJson() {
    Arbitrary<Integer> depth = Arbitraries.integers().between(1, 5000);
    return Arbitraries.oneOf(
        Arbitraries.of("[]", "null", "0", "\"x\"", "true", "{}", "[{}]", "1e999"),
        depth.map(d -> "[".repeat(d) + "]".repeat(d)),
        depth.map(d -> "{\"a\":".repeat(d) + "1" + "}".repeat(d)),
        Arbitraries.integers().between(1, 200_000).map(k -> "{\"" + "a".repeat(k) + "\":1}"),
        Arbitraries.strings().ofMaxLength(40).map(s -> "{\"__metadata__\":" + quote(s) + "}"),
        // Names an attacker controls: control characters, line breaks, any length.
        Arbitraries.strings().ofMinLength(1).ofMaxLength(300).map(s -> "{" + quote(s) + ":1}"));
  }

  // ---- tensor entries: offsets, dtypes, shapes --------------------------------------------------

  enum OffsetBreak { REVERSED, OVERLAPPING, OUTSIDE, SHIFTED, NEGATIVE, NOT_A_NUMBER, ONE_VALUE,
    THREE_VALUES, MISSING, HOLE }

  @Property(tries = 1200)
  void badOffsets(@ForAll("tensorIndex") int t, @ForAll OffsetBreak kind,
      @ForAll @IntRange(min = 1, max = 1 << 20) int k) {
    ObjectNode h = header.deepCopy();
    String name = tensorNames.get(t);
    ObjectNode e = (ObjectNode) h.get(name);
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
    refused("offsets " + kind, configBytes, weights(h, data), AdapterFormat.WEIGHTS_FILE,
        "data_offsets", "overlap", "hole", "not described by the header", "begin is after end");
  }

  @Property(tries = 800)
  void wrongDtype(@ForAll("tensorIndex") int t, @ForAll("dtypes") String dtype) {
    ObjectNode h = header.deepCopy();
    String name = tensorNames.get(t);
    ObjectNode e = (ObjectNode) h.get(name);
    Assume.that(!e.get("dtype").asText().equals(dtype));
    e.put("dtype", dtype);
    refused("dtype", configBytes, weights(h, data), AdapterFormat.WEIGHTS_FILE, "dtype",
        "data_offsets");
  }

  @Provide
  Arbitrary<String> dtypes() {
    return Arbitraries.oneOf(
        Arbitraries.of(SafeTensors.Dtype.values()).map(Enum::name),
        Arbitraries.of("f32", "float32", "", "F32 ", "int32", "F128"),
        Arbitraries.strings().ofMaxLength(8));
  }

  @Property(tries = 1000)
  void wrongShape(@ForAll("tensorIndex") int t, @ForAll("shapes") List<Long> shape) {
    ObjectNode h = header.deepCopy();
    String name = tensorNames.get(t);
    ObjectNode e = (ObjectNode) h.get(name);
    long[] now = new long[e.get("shape").size()];
    for (int i = 0; i < now.length; i++) now[i] = e.get("shape").get(i).longValue();
    Assume.that(!Arrays.equals(now, shape.stream().mapToLong(Long::longValue).toArray()));
    ArrayNode s = e.putArray("shape");
    shape.forEach(s::add);
    refused("shape", configBytes, weights(h, data), AdapterFormat.WEIGHTS_FILE, "shape",
        "data_offsets");
  }

  @Provide
  Arbitrary<List<Long>> shapes() {
    Arbitrary<Long> dim = Arbitraries.oneOf(
        Arbitraries.longs().between(0, 48),
        Arbitraries.of(-1L, Long.MAX_VALUE, 1L << 31, 1L << 40, 1L << 62, Integer.MAX_VALUE + 1L));
    return dim.list().ofMaxSize(4);
  }

  @Provide
  Arbitrary<Integer> tensorIndex() {
    return Arbitraries.integers().between(0, tensorNames.size() - 1);
  }

  // ---- the config: values that disagree with the weights, absurd values -------------------------

  @Property(tries = 1500)
  void configValuesThatDoNotFit(@ForAll("configEdits") Map.Entry<String, JsonNode> edit) {
    ObjectNode c = configJson();
    JsonNode before = c.at(edit.getKey());
    Assume.that(!edit.getValue().equals(before));
    int slash = edit.getKey().lastIndexOf('/');
    ObjectNode parent = (ObjectNode) c.at(edit.getKey().substring(0, slash));
    parent.set(edit.getKey().substring(slash + 1), edit.getValue());
    refused("config " + edit.getKey(), bytes(c), weightsBytes, null,
        "invalid configuration", "shape is", "not a 32-bit integer", "not a number",
        "missing tensor", "unexpected tensor", "divisible", "not a string", "pools.",
        "unsupported format_version", "key 'pools'");
  }

  @Provide
  Arbitrary<Map.Entry<String, JsonNode>> configEdits() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    // Keys that fix the tensors' shapes (any change must disagree with the weights) and keys with
    // a valid range (only out-of-range values are generated for them).
    Arbitrary<String> shapeKeys = Arbitraries.of("/r", "/equivalent_rank", "/shards_per_vector",
        "/num_layers", "/pools/up_proj/in_features", "/pools/up_proj/out_features",
        "/pools/down_proj/in_features", "/pools/down_proj/out_features");
    Arbitrary<JsonNode> ints = Arbitraries.oneOf(
        Arbitraries.integers().between(-4, 64).map(f::numberNode),
        Arbitraries.of(Integer.MAX_VALUE, Integer.MIN_VALUE, 1 << 30, 65536).map(f::numberNode),
        Arbitraries.of(1L << 31, Long.MAX_VALUE, -(1L << 40)).map(f::numberNode),
        Arbitraries.of(f.numberNode(4.5), f.numberNode(1e300), f.textNode("4"), f.nullNode(),
            f.booleanNode(true), f.arrayNode(), f.objectNode()));
    Arbitrary<Map.Entry<String, JsonNode>> shape = Combinators.combine(shapeKeys, ints)
        .as(Map::entry);
    Arbitrary<Map.Entry<String, JsonNode>> ranged = Arbitraries.oneOf(
        Arbitraries.of(-1, 3, 4, 100, Integer.MAX_VALUE, Integer.MIN_VALUE)
            .map(v -> Map.entry("/private_rank", (JsonNode) f.numberNode(v))),
        Arbitraries.of(-0.5, 1.0, 1.5, 1e30, -1e-9)
            .map(v -> Map.entry("/lora_dropout", (JsonNode) f.numberNode(v))),
        Arbitraries.of(1e39, -1e39, 1e300)
            .map(v -> Map.entry("/lora_alpha", (JsonNode) f.numberNode(v))),
        Arbitraries.of((JsonNode) f.textNode("16"), f.nullNode(), f.arrayNode())
            .map(v -> Map.entry("/lora_alpha", v)),
        Arbitraries.of(0, 2, -1, Integer.MAX_VALUE)
            .map(v -> Map.entry("/format_version", (JsonNode) f.numberNode(v))),
        Arbitraries.of((JsonNode) f.numberNode(3), f.nullNode(), f.textNode(""))
            .map(v -> Map.entry("/pools/up_proj/module_path", v)),
        Arbitraries.of((JsonNode) f.objectNode(), f.arrayNode(), f.textNode("x"))
            .map(v -> Map.entry("/pools", v)),
        Arbitraries.of("model.layers.0.q", "model.layers.{layer}.mlp.down_proj")
            .map(v -> Map.entry("/pools/up_proj/module_path", (JsonNode) f.textNode(v))));
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(3, shape), net.jqwik.api.Tuple.of(1, ranged));
  }

  // ---- tensor contents: indices outside [0, P), NaN and Inf in the pools ------------------------

  @Property(tries = 800)
  void indicesOutsideThePool(@ForAll("indexTensor") String name,
      @ForAll @IntRange(min = 0, max = 1_000_000) int where, @ForAll("badIndices") int value) {
    SafeTensors.TensorInfo t = info(name);
    int at = (int) (t.begin() + 4L * (where % t.numElements()));
    byte[] d = data.clone();
    ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN).putInt(at, value);
    refused("index", configBytes, weights(header, d), AdapterFormat.WEIGHTS_FILE,
        "index " + value + " outside [0, " + P + ")");
  }

  @Provide
  Arbitrary<String> indexTensor() {
    return Arbitraries.of(tensorNames).filter(n -> n.contains(".index_"));
  }

  @Provide
  Arbitrary<Integer> badIndices() {
    return Arbitraries.oneOf(Arbitraries.integers().lessOrEqual(-1),
        Arbitraries.integers().greaterOrEqual(P), Arbitraries.of(-1, P, Integer.MAX_VALUE,
            Integer.MIN_VALUE));
  }

  @Property(tries = 800)
  void nonFinitePoolValues(@ForAll("poolTensor") String name,
      @ForAll @IntRange(min = 0, max = 1_000_000) int where, @ForAll("nonFinite") int bits) {
    SafeTensors.TensorInfo t = info(name);
    int at = (int) (t.begin() + 4L * (where % t.numElements()));
    byte[] d = data.clone();
    ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN).putInt(at, bits);
    refused("non-finite", configBytes, weights(header, d), AdapterFormat.WEIGHTS_FILE,
        "pools must be finite");
  }

  @Provide
  Arbitrary<String> poolTensor() {
    return Arbitraries.of(tensorNames).filter(n -> n.contains(".pool_"));
  }

  @Provide
  Arbitrary<Integer> nonFinite() {
    // Exponent all ones: +-Inf (mantissa 0) or a NaN with any payload, quiet or signalling.
    return Combinators.combine(Arbitraries.of(0, 1), Arbitraries.integers().between(0, 0x7FFFFF))
        .as((sign, mantissa) -> (sign << 31) | 0x7F800000 | mantissa);
  }

  // ---- blind fuzzing: any outcome but a MosFileException or a valid adapter is a failure --------

  @Property(tries = 1500)
  void randomByteFlips(@ForAll("flips") List<Integer> positions, @ForAll byte xor,
      @ForAll boolean inConfig) {
    Assume.that(xor != 0);
    byte[] target = (inConfig ? configBytes : weightsBytes).clone();
    for (int pos : positions) target[pos % target.length] ^= xor;
    Path dir = inConfig ? write(target, weightsBytes) : write(configBytes, target);
    try {
      MosAdapter loaded = MosAdapter.load(dir);
      // Accepted: then it is a consistent adapter (the constructor re-validated it) that saves and
      // loads back to itself.
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
  }

  @Provide
  Arbitrary<List<Integer>> flips() {
    return Arbitraries.integers().between(0, Integer.MAX_VALUE).list().ofMinSize(1).ofMaxSize(8);
  }

  // ---- helpers ----------------------------------------------------------------------------------

  /**
   * Writes the case, loads it, and checks the outcome: a MosFileException whose one-line message
   * starts with the file at fault (when {@code file} is given) and contains one of {@code
   * problems}. Every outcome is counted under {@code label} for the statistics report.
   */
  private static void refused(String label, byte[] config, byte[] weights, String file,
      String... problems) {
    Path dir = write(config, weights);
    try {
      MosAdapter loaded = MosAdapter.load(dir);
      fail(label + ": a malformed adapter was accepted: " + loaded.config());
    } catch (MosFileException e) {
      checkOneLine(e, dir, file);
      String m = e.getMessage();
      boolean named = Arrays.stream(problems).anyMatch(m::contains);
      assertTrue(named, label + ": the message names none of " + Arrays.toString(problems) + ": "
          + m);
      count(label);
    } catch (Throwable t) {
      fail(label + ": not a MosFileException: " + t, t);
    }
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
    return (int) ByteBuffer.wrap(weightsBytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }

  private static SafeTensors.TensorInfo info(String name) {
    JsonNode e = header.get(name);
    long begin = e.get("data_offsets").get(0).longValue();
    long end = e.get("data_offsets").get(1).longValue();
    return new SafeTensors.TensorInfo(name, SafeTensors.Dtype.of(e.get("dtype").asText()).get(),
        new long[] {e.get("shape").get(0).longValue(), e.get("shape").get(1).longValue()}, begin,
        end, (end - begin) / 4);
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
