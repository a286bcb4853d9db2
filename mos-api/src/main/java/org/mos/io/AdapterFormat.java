// SPDX-License-Identifier: Apache-2.0
// The mos adapter directory format, version 1 (docs/adapter-format.md): adapter_config.json plus
// adapter_model.safetensors, strict to read and atomic to write.
package org.mos.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mos.MosException;

/**
 * Reads and writes mos adapter directories.
 *
 * <p>A directory holds {@value #CONFIG_FILE} (format, hyperparameters, pool groups) and {@value
 * #WEIGHTS_FILE} with, for every pool group NAME: {@code mos.NAME.pool_A} F32 [P, in/l], {@code
 * mos.NAME.pool_B} F32 [out/l, P], {@code mos.NAME.index_A} and {@code mos.NAME.index_B} I32
 * [num_layers, r·l].
 *
 * <p>Loading is strict: any disagreement between the files, any index outside [0, P), an unknown
 * format_version, a missing or unexpected tensor throws {@link MosFileException} naming the file,
 * the tensor (or key) and the problem. Unknown top-level config keys are ignored (room for later
 * additions), everything the format defines is checked.
 *
 * <p>Saving a new directory writes both files into a temporary sibling directory and renames it
 * into place, so the adapter appears complete or not at all. Saving over an existing adapter
 * writes a complete new directory and exchanges it with the old one in one atomic step (Linux
 * {@code renameat2(RENAME_EXCHANGE)}; elsewhere the files are replaced one by one, each
 * atomically). See {@link AtomicFiles#writeDirectory}.
 */
public final class AdapterFormat {
  private AdapterFormat() {}

  public static final String CONFIG_FILE = "adapter_config.json";
  public static final String WEIGHTS_FILE = "adapter_model.safetensors";
  /** The value of the config's {@code format} key. */
  public static final String FORMAT = "mos-adapter";
  /** The only {@code format_version} this code reads and writes. */
  public static final int FORMAT_VERSION = 1;
  /** The value of the config's {@code peft_type} key. */
  public static final String PEFT_TYPE = "MOS";
  /** Largest adapter_config.json read (a config is a few hundred bytes). */
  static final long MAX_CONFIG_BYTES = 16L << 20;

  /** Tensor name of pool group {@code pool}'s pool_A. */
  public static String poolAName(String pool) {
    return "mos." + pool + ".pool_A";
  }

  public static String poolBName(String pool) {
    return "mos." + pool + ".pool_B";
  }

  public static String indexAName(String pool) {
    return "mos." + pool + ".index_A";
  }

  public static String indexBName(String pool) {
    return "mos." + pool + ".index_B";
  }

  // ---------------------------------------------------------------------------------------------
  // Loading

  /**
   * Resolves what a user may call "the adapter": its directory, or either of its two files.
   */
  public static Path adapterDirectory(Path path) {
    Path name = path.getFileName();
    if (name != null
        && Files.isRegularFile(path)
        && (name.toString().equals(CONFIG_FILE) || name.toString().equals(WEIGHTS_FILE))) {
      Path parent = path.toAbsolutePath().getParent();
      return parent != null ? parent : path;
    }
    return path;
  }

  /** Reads and checks only {@value #CONFIG_FILE} of the adapter at {@code path}. */
  public static AdapterConfig readConfig(Path path) {
    Path dir = requireDirectory(path);
    Path file = dir.resolve(CONFIG_FILE);
    return parseConfig(readConfigBytes(file), file);
  }

  /** Loads the adapter at {@code path} (its directory or one of its files), strictly. */
  public static MosAdapter load(Path path) {
    Path dir = requireDirectory(path);
    Path configFile = dir.resolve(CONFIG_FILE);
    AdapterConfig config = parseConfig(readConfigBytes(configFile), configFile);
    Path weights = dir.resolve(WEIGHTS_FILE);
    Map<String, PoolData> pools = new LinkedHashMap<>();
    try (SafeTensorsReader in = SafeTensorsReader.open(weights)) {
      Set<String> expected = new HashSet<>();
      int p = config.numShards();
      int l = config.shardsPerVector();
      long perLayer = config.indicesPerLayer();
      for (Map.Entry<String, PoolSpec> e : config.pools().entrySet()) {
        String name = e.getKey();
        PoolSpec s = e.getValue();
        String a = poolAName(name);
        String b = poolBName(name);
        String ia = indexAName(name);
        String ib = indexBName(name);
        expected.addAll(List.of(a, b, ia, ib));
        expect(in, a, SafeTensors.Dtype.F32, p, s.inFeatures() / l);
        expect(in, b, SafeTensors.Dtype.F32, s.outFeatures() / l, p);
        expect(in, ia, SafeTensors.Dtype.I32, config.numLayers(), perLayer);
        expect(in, ib, SafeTensors.Dtype.I32, config.numLayers(), perLayer);
        int[] idxA = in.readI32(ia);
        int[] idxB = in.readI32(ib);
        checkIndices(weights, ia, idxA, p, (int) perLayer);
        checkIndices(weights, ib, idxB, p, (int) perLayer);
        float[] poolA = in.readF32(a);
        float[] poolB = in.readF32(b);
        checkFinite(weights, a, poolA, s.inFeatures() / l);
        checkFinite(weights, b, poolB, p);
        pools.put(name, new PoolData(poolA, poolB, idxA, idxB));
      }
      for (SafeTensors.TensorInfo t : in.tensors()) {
        if (!expected.contains(t.name())) {
          throw new MosFileException(
              weights,
              t.name(),
              "unexpected tensor: no pool group of " + CONFIG_FILE + " (pools "
                  + config.pools().keySet() + ") describes it");
        }
      }
    }
    return new MosAdapter(config, pools);
  }

  private static void expect(
      SafeTensorsReader in, String name, SafeTensors.Dtype dtype, long rows, long cols) {
    SafeTensors.TensorInfo t = in.find(name)
        .orElseThrow(() -> new MosFileException(
            in.file(), name, "missing tensor (" + CONFIG_FILE + " lists its pool group)"));
    if (t.dtype() != dtype) {
      throw new MosFileException(
          in.file(), name, "dtype is " + t.dtype() + ", the format needs " + dtype);
    }
    if (!t.hasShape(rows, cols)) {
      throw new MosFileException(
          in.file(),
          name,
          "shape is " + java.util.Arrays.toString(t.shape()) + " but " + CONFIG_FILE + " implies ["
              + rows + ", " + cols + "]");
    }
  }

  private static void checkIndices(Path file, String tensor, int[] idx, int p, int perLayer) {
    String bad = PoolData.firstOutOfRange(idx, p, perLayer);
    if (bad != null) throw new MosFileException(file, tensor, bad);
  }

  private static void checkFinite(Path file, String tensor, float[] values, int cols) {
    String bad = PoolData.firstNonFinite(values, cols);
    if (bad != null) throw new MosFileException(file, tensor, bad);
  }

  private static Path requireDirectory(Path path) {
    Path dir = adapterDirectory(path);
    if (!Files.exists(dir)) throw new MosFileException(dir, "no such adapter directory");
    if (!Files.isDirectory(dir)) {
      throw new MosFileException(
          dir,
          "not an adapter directory (expected a directory holding " + CONFIG_FILE + " and "
              + WEIGHTS_FILE + ")");
    }
    return dir;
  }

  private static byte[] readConfigBytes(Path file) {
    if (!Files.exists(file)) {
      throw new MosFileException(file, "no such file: not a mos adapter directory?");
    }
    return BoundedFiles.readAll(file, MAX_CONFIG_BYTES, "an adapter config");
  }

  /**
   * Parses and checks the content of an adapter_config.json; {@code file} names it in errors.
   */
  public static AdapterConfig parseConfig(byte[] json, Path file) {
    JsonNode root;
    try {
      String text = StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(json))
          .toString();
      root = SafeTensors.JSON.readTree(text);
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new MosFileException(file, null, "not valid UTF-8", e);
    } catch (JsonProcessingException e) {
      throw new MosFileException(file, null, "not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) throw new MosFileException(file, "not a JSON object");
    JsonNode format = root.get("format");
    if (format == null) {
      JsonNode peft = root.get("peft_type");
      String hint = peft != null && peft.isTextual()
          ? " (peft_type is '" + peft.textValue() + "': a PEFT adapter, not a mos adapter)"
          : "";
      throw new MosFileException(file, "missing key 'format': not a mos adapter config" + hint);
    }
    if (!format.isTextual() || !format.textValue().equals(FORMAT)) {
      throw new MosFileException(file, "format is " + format + ", expected \"" + FORMAT + "\"");
    }
    JsonNode version = required(root, "format_version", file);
    if (!version.isIntegralNumber()
        || !version.canConvertToInt()
        || version.intValue() != FORMAT_VERSION) {
      throw new MosFileException(
          file,
          "unsupported format_version " + version + " (this mos reads" + " version "
              + FORMAT_VERSION + "; a newer mos may read it)");
    }
    JsonNode peftType = required(root, "peft_type", file);
    if (!peftType.isTextual() || !peftType.textValue().equals(PEFT_TYPE)) {
      throw new MosFileException(
          file, "peft_type is " + peftType + ", expected \"" + PEFT_TYPE + "\"");
    }
    int r = intKey(root, "r", file);
    int eq = intKey(root, "equivalent_rank", file);
    int p = intKey(root, "private_rank", file);
    int l = intKey(root, "shards_per_vector", file);
    float alpha = floatKey(root, "lora_alpha", file);
    float dropout = floatKey(root, "lora_dropout", file);
    int layers = intKey(root, "num_layers", file);
    JsonNode poolsNode = required(root, "pools", file);
    if (!poolsNode.isObject()) throw new MosFileException(file, "key 'pools' is not an object");
    Map<String, PoolSpec> pools = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : poolsNode.properties()) {
      String where = "pools." + e.getKey();
      JsonNode spec = e.getValue();
      if (!spec.isObject())
        throw new MosFileException(file, "key '" + where + "' is not an object");
      int in = intKey(spec, "in_features", where + ".in_features", file);
      int out = intKey(spec, "out_features", where + ".out_features", file);
      JsonNode path = spec.get("module_path");
      if (path == null || !path.isTextual()) {
        throw new MosFileException(
            file, "key '" + where + ".module_path' is missing or not a" + " string");
      }
      try {
        pools.put(e.getKey(), new PoolSpec(in, out, path.textValue()));
      } catch (MosException ex) {
        throw new MosFileException(file, null, where + ": " + ex.getMessage(), ex);
      }
    }
    String baseModel = null;
    JsonNode bm = root.get("base_model");
    if (bm != null && !bm.isNull()) {
      if (!bm.isTextual()) throw new MosFileException(file, "key 'base_model' is not a string");
      baseModel = bm.textValue();
    }
    Map<String, Object> metadata = new LinkedHashMap<>();
    JsonNode md = root.get("metadata");
    if (md != null && !md.isNull()) {
      if (!md.isObject()) throw new MosFileException(file, "key 'metadata' is not an object");
      @SuppressWarnings("unchecked")
      Map<String, Object> m = SafeTensors.JSON.convertValue(md, LinkedHashMap.class);
      metadata.putAll(m);
    }
    try {
      return new AdapterConfig(r, eq, p, l, alpha, dropout, layers, pools, baseModel, metadata);
    } catch (MosException ex) {
      throw new MosFileException(file, null, "invalid configuration: " + ex.getMessage(), ex);
    }
  }

  private static JsonNode required(JsonNode obj, String key, Path file) {
    JsonNode v = obj.get(key);
    if (v == null) throw new MosFileException(file, "missing key '" + key + "'");
    return v;
  }

  private static int intKey(JsonNode obj, String key, Path file) {
    return intKey(obj, key, key, file);
  }

  private static int intKey(JsonNode obj, String key, String where, Path file) {
    JsonNode v = obj.get(key);
    if (v == null) throw new MosFileException(file, "missing key '" + where + "'");
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw new MosFileException(file, "key '" + where + "' is " + v + ", not a 32-bit integer");
    }
    return v.intValue();
  }

  private static float floatKey(JsonNode obj, String key, Path file) {
    JsonNode v = required(obj, key, file);
    if (!v.isNumber())
      throw new MosFileException(file, "key '" + key + "' is " + v + ", not a number");
    return v.floatValue();
  }

  // ---------------------------------------------------------------------------------------------
  // Saving

  /** The adapter_config.json content of {@code config}, pretty-printed, keys in format order. */
  public static byte[] configJson(AdapterConfig config) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.put("format", FORMAT);
    root.put("format_version", FORMAT_VERSION);
    root.put("peft_type", PEFT_TYPE);
    root.put("r", config.r());
    root.put("equivalent_rank", config.equivalentRank());
    root.put("private_rank", config.privateRank());
    root.put("shards_per_vector", config.shardsPerVector());
    root.put("lora_alpha", config.loraAlpha());
    root.put("lora_dropout", config.loraDropout());
    root.put("num_layers", config.numLayers());
    ObjectNode pools = root.putObject("pools");
    config.pools().forEach((name, s) -> {
      ObjectNode p = pools.putObject(name);
      p.put("in_features", s.inFeatures());
      p.put("out_features", s.outFeatures());
      p.put("module_path", s.modulePath());
    });
    if (config.baseModel() != null) root.put("base_model", config.baseModel());
    if (!config.metadata().isEmpty())
      root.set("metadata", SafeTensors.JSON.valueToTree(config.metadata()));
    return prettyJson(root);
  }

  static byte[] prettyJson(JsonNode node) {
    DefaultPrettyPrinter pp = new DefaultPrettyPrinter(Separators.createDefaultInstance()
            .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
            .withObjectEmptySeparator("")
            .withArrayEmptySeparator(""))
        .withObjectIndenter(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE.withLinefeed("\n"));
    ObjectWriter w = SafeTensors.JSON.writer(pp);
    try {
      byte[] body = w.writeValueAsBytes(node);
      byte[] out = java.util.Arrays.copyOf(body, body.length + 1);
      out[body.length] = '\n';
      return out;
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The safetensors content of {@code adapter}: four tensors per pool group. */
  static SafeTensorsWriter weights(MosAdapter adapter) {
    AdapterConfig c = adapter.config();
    SafeTensorsWriter w = new SafeTensorsWriter()
        .metadata("format", FORMAT)
        .metadata("format_version", Integer.toString(FORMAT_VERSION));
    int p = c.numShards();
    int l = c.shardsPerVector();
    for (Map.Entry<String, PoolSpec> e : c.pools().entrySet()) {
      String name = e.getKey();
      PoolSpec s = e.getValue();
      PoolData d = adapter.pools().get(name);
      w.addF32(poolAName(name), new long[] {p, s.inFeatures() / l}, d.poolA());
      w.addF32(poolBName(name), new long[] {s.outFeatures() / l, p}, d.poolB());
      w.addI32(indexAName(name), new long[] {c.numLayers(), c.indicesPerLayer()}, d.indexA());
      w.addI32(indexBName(name), new long[] {c.numLayers(), c.indicesPerLayer()}, d.indexB());
    }
    return w;
  }

  /**
   * Saves {@code adapter} into directory {@code dir} (created if missing, parents included),
   * atomically as the class comment describes. Other files in {@code dir} are left alone.
   *
   * @throws MosFileException if the directory cannot be written
   */
  public static void save(MosAdapter adapter, Path dir) {
    byte[] config = configJson(adapter.config());
    SafeTensorsWriter weights = weights(adapter);
    List<AtomicFiles.Content> files = new ArrayList<>();
    files.add(new AtomicFiles.Content(WEIGHTS_FILE, weights::writeTo));
    files.add(new AtomicFiles.Content(CONFIG_FILE, ch -> {
      ByteBuffer b = ByteBuffer.wrap(config);
      while (b.hasRemaining()) ch.write(b);
    }));
    try {
      AtomicFiles.writeDirectory(dir, files);
    } catch (IOException e) {
      throw new MosFileException(
          dir, null, "cannot save the adapter: " + MosFileException.describe(e), e);
    }
  }
}
