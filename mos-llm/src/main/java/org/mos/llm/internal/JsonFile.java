// JsonFile: one JSON file read with a size limit and strict parsing, plus typed field access whose
// every failure is a MosFileException naming the file, the JSON path and what was expected.
package org.mos.llm.tokenizer;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Path;
import org.mos.io.BoundedFiles;
import org.mos.io.MosFileException;

/** A parsed JSON file and the checks on its fields (package-private helper). */
final class JsonFile {
  /** Strict: a key given twice in one object is an error, not "last one wins". */
  static final ObjectMapper MAPPER =
      JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  final Path file;
  final JsonNode root;

  private JsonFile(Path file, JsonNode root) {
    this.file = file;
    this.root = root;
  }

  /** Reads and parses {@code file}, which must hold a JSON object of at most {@code maxBytes}. */
  static JsonFile read(Path file, long maxBytes, String what) {
    byte[] bytes = BoundedFiles.readAll(file, maxBytes, what);
    return parse(file, bytes);
  }

  static JsonFile parse(Path file, byte[] bytes) {
    JsonNode root;
    try {
      root = MAPPER.readTree(bytes);
    } catch (JsonProcessingException e) {
      throw new MosFileException(file, null, "not valid JSON: " + describe(e), e);
    } catch (IOException e) {
      throw new MosFileException(file, null, "cannot parse: " + e.getMessage(), e);
    }
    if (root == null || root.isMissingNode()) throw new MosFileException(file, "empty: expected a JSON object");
    if (!root.isObject()) throw new MosFileException(file, "expected a JSON object at the top, found " + kind(root));
    return new JsonFile(file, root);
  }

  static String describe(JsonProcessingException e) {
    JsonLocation at = e.getLocation();
    String where = at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
    return e.getOriginalMessage() + where;
  }

  MosFileException fail(String path, String problem) {
    return new MosFileException(file, (path == null || path.isEmpty() ? "" : path + ": ") + problem);
  }

  static String kind(JsonNode n) {
    if (n == null || n.isMissingNode()) return "nothing";
    if (n.isNull()) return "null";
    if (n.isObject()) return "an object";
    if (n.isArray()) return "an array";
    if (n.isTextual()) return "a string";
    if (n.isBoolean()) return "a boolean";
    if (n.isNumber()) return "the number " + n.asText();
    return n.getNodeType().toString().toLowerCase();
  }

  static String child(String path, String key) {
    return path == null || path.isEmpty() ? key : path + "." + key;
  }

  /** {@code node.key} as an object; absent or null gives null when {@code optional}. */
  JsonNode object(JsonNode node, String key, String path, boolean optional) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      if (optional) return null;
      throw fail(child(path, key), "missing (expected an object)");
    }
    if (!v.isObject()) throw fail(child(path, key), "expected an object, found " + kind(v));
    return v;
  }

  JsonNode array(JsonNode node, String key, String path) {
    JsonNode v = node.get(key);
    if (v == null || !v.isArray()) throw fail(child(path, key), "expected an array, found " + kind(v));
    return v;
  }

  String string(JsonNode node, String key, String path) {
    JsonNode v = node.get(key);
    if (v == null || !v.isTextual()) throw fail(child(path, key), "expected a string, found " + kind(v));
    return v.textValue();
  }

  /** A string, or null when absent or null. */
  String optString(JsonNode node, String key, String path) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) return null;
    if (!v.isTextual()) throw fail(child(path, key), "expected a string or null, found " + kind(v));
    return v.textValue();
  }

  boolean bool(JsonNode node, String key, String path, boolean dflt) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) return dflt;
    if (!v.isBoolean()) throw fail(child(path, key), "expected true or false, found " + kind(v));
    return v.booleanValue();
  }

  /** An integer in [min, max]; absent or null gives {@code dflt}. */
  long integer(JsonNode node, String key, String path, long min, long max, long dflt) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) return dflt;
    return integerValue(v, child(path, key), min, max);
  }

  long integerValue(JsonNode v, String path, long min, long max) {
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw fail(path, "expected an integer, found " + kind(v));
    }
    long x = v.longValue();
    if (x < min || x > max) throw fail(path, "value " + x + " is outside [" + min + ", " + max + "]");
    return x;
  }

  /** The single character of a one-character string (one code point). */
  int codePoint(JsonNode node, String key, String path) {
    String s = string(node, key, path);
    if (s.isEmpty() || s.codePointCount(0, s.length()) != 1) {
      throw fail(child(path, key), "expected exactly one character, found \""
          + MosFileException.printable(s, 40) + "\"");
    }
    return s.codePointAt(0);
  }
}
