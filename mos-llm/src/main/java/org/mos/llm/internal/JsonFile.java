// SPDX-License-Identifier: Apache-2.0
// JsonFile: one JSON file read with a size limit and strict parsing, plus typed field access whose
// every failure is a MosFileException naming the file, the JSON path and what was expected.
package org.mos.llm.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Path;
import org.mos.io.BoundedFiles;
import org.mos.io.MosFileException;

/**
 * A parsed JSON file and the checks on its fields. Not an API: shared by the packages of
 * {@code org.mos.llm} (tokenizer files, {@code config.json}, {@code generation_config.json},
 * checkpoint indexes) and free to change.
 *
 * <p>Parsing is strict (a key given twice in one object and trailing tokens are errors) and
 * bounded: the file size is checked before reading, and Jackson's stream limits (nesting depth,
 * number and string lengths) turn a hostile file into a {@link MosFileException}.
 */
public final class JsonFile {
  /** Strict: a key given twice in one object is an error, not "last one wins". */
  public static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  /** The file, for messages. */
  public final Path file;
  /** The top-level object. */
  public final JsonNode root;

  private JsonFile(Path file, JsonNode root) {
    this.file = file;
    this.root = root;
  }

  /** Reads and parses {@code file}, which must hold a JSON object of at most {@code maxBytes}. */
  public static JsonFile read(Path file, long maxBytes, String what) {
    byte[] bytes = BoundedFiles.readAll(file, maxBytes, what);
    return parse(file, bytes);
  }

  /** Parses {@code bytes}, which must hold a JSON object; {@code file} names it in messages. */
  public static JsonFile parse(Path file, byte[] bytes) {
    JsonNode root;
    try {
      root = MAPPER.readTree(bytes);
    } catch (JsonProcessingException e) {
      throw new MosFileException(file, null, "not valid JSON: " + describe(e), e);
    } catch (IOException e) {
      throw new MosFileException(file, null, "cannot parse: " + e.getMessage(), e);
    }
    if (root == null || root.isMissingNode())
      throw new MosFileException(file, "empty: expected a JSON object");
    if (!root.isObject())
      throw new MosFileException(file, "expected a JSON object at the top, found " + kind(root));
    return new JsonFile(file, root);
  }

  static String describe(JsonProcessingException e) {
    JsonLocation at = e.getLocation();
    String where =
        at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
    return e.getOriginalMessage() + where;
  }

  /** {@code <file>: <path>: <problem>} as a MosFileException, to throw. */
  public MosFileException fail(String path, String problem) {
    return new MosFileException(
        file, (path == null || path.isEmpty() ? "" : path + ": ") + problem);
  }

  /** What a node is, for messages: "a string", "the number 3.5", "null", ... */
  public static String kind(JsonNode n) {
    if (n == null || n.isMissingNode()) return "nothing";
    if (n.isNull()) return "null";
    if (n.isObject()) return "an object";
    if (n.isArray()) return "an array";
    if (n.isTextual()) return "a string";
    if (n.isBoolean()) return "a boolean";
    if (n.isNumber()) return "the number " + MosFileException.printable(n.asText(), 40);
    return n.getNodeType().toString().toLowerCase();
  }

  /** {@code path.key} (or {@code key} at the top). */
  public static String child(String path, String key) {
    return path == null || path.isEmpty() ? key : path + "." + key;
  }

  /** Is {@code node.key} absent or null? */
  public static boolean absent(JsonNode node, String key) {
    JsonNode v = node.get(key);
    return v == null || v.isNull();
  }

  /** {@code node.key} as an object; absent or null gives null when {@code optional}. */
  public JsonNode object(JsonNode node, String key, String path, boolean optional) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      if (optional) return null;
      throw fail(child(path, key), "missing (expected an object)");
    }
    if (!v.isObject()) throw fail(child(path, key), "expected an object, found " + kind(v));
    return v;
  }

  public JsonNode array(JsonNode node, String key, String path) {
    JsonNode v = node.get(key);
    if (v == null || !v.isArray())
      throw fail(child(path, key), "expected an array, found " + kind(v));
    return v;
  }

  public String string(JsonNode node, String key, String path) {
    JsonNode v = node.get(key);
    if (v == null || !v.isTextual())
      throw fail(child(path, key), "expected a string, found " + kind(v));
    return v.textValue();
  }

  /** A string, or null when absent or null. */
  public String optString(JsonNode node, String key, String path) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) return null;
    if (!v.isTextual()) throw fail(child(path, key), "expected a string or null, found " + kind(v));
    return v.textValue();
  }

  public boolean bool(JsonNode node, String key, String path, boolean dflt) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) return dflt;
    if (!v.isBoolean()) throw fail(child(path, key), "expected true or false, found " + kind(v));
    return v.booleanValue();
  }

  /** An integer in [min, max]; absent or null gives {@code dflt}. */
  public long integer(JsonNode node, String key, String path, long min, long max, long dflt) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) return dflt;
    return integerValue(v, child(path, key), min, max);
  }

  /** The integer {@code v}, which must lie in [min, max]. */
  public long integerValue(JsonNode v, String path, long min, long max) {
    if (v == null || !v.isIntegralNumber()) {
      throw fail(path, "expected an integer, found " + kind(v));
    }
    if (!v.canConvertToLong()) {
      throw fail(
          path,
          "value " + MosFileException.printable(v.asText(), 40) + " is outside [" + min + ", " + max
              + "]");
    }
    long x = v.longValue();
    if (x < min || x > max)
      throw fail(path, "value " + x + " is outside [" + min + ", " + max + "]");
    return x;
  }

  /**
   * A finite number (an integer is fine: {@code 500000} for {@code 500000.0}); absent or null
   * gives {@code dflt}.
   */
  public double number(JsonNode node, String key, String path, double dflt) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) return dflt;
    return numberValue(v, child(path, key));
  }

  /** The finite number {@code v}. */
  public double numberValue(JsonNode v, String path) {
    if (v == null || !v.isNumber()) throw fail(path, "expected a number, found " + kind(v));
    double x = v.doubleValue();
    if (!Double.isFinite(x)) {
      throw fail(path, "value " + MosFileException.printable(v.asText(), 40) + " is not finite");
    }
    return x;
  }

  /** The single character of a one-character string (one code point). */
  public int codePoint(JsonNode node, String key, String path) {
    String s = string(node, key, path);
    if (s.isEmpty() || s.codePointCount(0, s.length()) != 1) {
      throw fail(
          child(path, key),
          "expected exactly one character, found \"" + MosFileException.printable(s, 40) + "\"");
    }
    return s.codePointAt(0);
  }
}
