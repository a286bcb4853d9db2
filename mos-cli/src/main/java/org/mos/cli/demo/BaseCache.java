// SPDX-License-Identifier: Apache-2.0
// BaseCache: the pretrained base model cached outside the repository (~/.cache/mos by default),
// keyed by model config, pretraining seed and corpus hash, validated on load, written atomically.
package org.mos.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/**
 * File layout: "MOSBASE1", u32 LE header length, header JSON (format, key, config, tensor names
 * and lengths, free info), the f32 LE data of every tensor in order, then the SHA-256 of all
 * preceding bytes. A file that fails any check (magic, sizes, key, tensor list, checksum,
 * non-finite values) is reported as invalid and never half-used.
 */
public final class BaseCache {
  static final String FORMAT = "mos-demo-base";
  static final int VERSION = 1;
  private static final byte[] MAGIC = "MOSBASE1".getBytes(StandardCharsets.US_ASCII);
  private static final int MAX_HEADER = 1 << 20;
  private static final ObjectMapper JSON = new ObjectMapper();

  private BaseCache() {}

  /** The cache directory: MOS_CACHE_DIR, else $XDG_CACHE_HOME/mos, else ~/.cache/mos. */
  public static Path defaultDir() {
    String env = System.getenv("MOS_CACHE_DIR");
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    String xdg = System.getenv("XDG_CACHE_HOME");
    if (xdg != null && !xdg.isBlank()) {
      return Path.of(xdg, "mos");
    }
    return Path.of(System.getProperty("user.home"), ".cache", "mos");
  }

  /** The cache key of a base: a hash of the format version, the config, the seed and the corpus. */
  public static String key(LmConfig cfg, long seed, String corpusSha256) {
    String text = FORMAT + "/" + VERSION + "/" + cfg + "/seed=" + seed + "/corpus=" + corpusSha256;
    return DemoCorpus.sha256(text.getBytes(StandardCharsets.UTF_8)).substring(0, 16);
  }

  /** The file for a key under dir. */
  public static Path file(Path dir, String key) {
    return dir.resolve("demo-base-" + key + ".bin");
  }

  /** Result of a load: the weights, or why the file could not be used. */
  public record Loaded(BaseWeights weights, JsonNode info, String problem) {}

  /** Load and validate; empty when the file does not exist. */
  public static Optional<Loaded> load(Path file, LmConfig cfg, String key) {
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      long size = Files.size(file);
      long expectedData = new BaseWeights(cfg).size() * 4;
      if (size > MAGIC.length + 4 + MAX_HEADER + expectedData + 32) {
        return Optional.of(invalid("the file is larger than a base of this config can be"));
      }
      byte[] all = Files.readAllBytes(file);
      if (all.length < MAGIC.length + 4 + 32) {
        return Optional.of(invalid("truncated (" + all.length + " bytes)"));
      }
      if (!Arrays.equals(all, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
        return Optional.of(invalid("not a mos demo base file (bad magic)"));
      }
      byte[] digest = sha256(all, 0, all.length - 32);
      if (!Arrays.equals(digest, 0, 32, all, all.length - 32, all.length)) {
        return Optional.of(invalid("checksum mismatch (corrupt or truncated)"));
      }
      ByteBuffer buf = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
      long headerLen = Integer.toUnsignedLong(buf.getInt(MAGIC.length));
      int dataStart = MAGIC.length + 4 + (int) Math.min(headerLen, MAX_HEADER);
      if (headerLen > MAX_HEADER || dataStart > all.length - 32) {
        return Optional.of(invalid("header length " + headerLen + " outside the file"));
      }
      JsonNode header = JSON.readTree(new String(all, MAGIC.length + 4, (int) headerLen,
          StandardCharsets.UTF_8));
      if (!FORMAT.equals(header.path("format").asText()) || header.path("version").asInt() != VERSION) {
        return Optional.of(invalid("format " + header.path("format").asText() + " version "
            + header.path("version").asInt() + " is not " + FORMAT + " version " + VERSION));
      }
      if (!key.equals(header.path("key").asText())) {
        return Optional.of(invalid("cache key " + header.path("key").asText() + " is not " + key));
      }
      BaseWeights w = new BaseWeights(cfg);
      Map<String, float[]> tensors = w.tensors();
      JsonNode list = header.path("tensors");
      if (!list.isArray() || list.size() != tensors.size()) {
        return Optional.of(invalid("tensor list does not match the model"));
      }
      int i = 0;
      for (Map.Entry<String, float[]> e : tensors.entrySet()) {
        JsonNode t = list.get(i++);
        if (!e.getKey().equals(t.path("name").asText()) || t.path("length").asLong(-1) != e.getValue().length) {
          return Optional.of(invalid("tensor " + e.getKey() + " missing or of the wrong size"));
        }
      }
      if ((long) all.length - 32 - dataStart != expectedData) {
        return Optional.of(invalid("data area holds " + ((long) all.length - 32 - dataStart)
            + " bytes, the model needs " + expectedData));
      }
      buf.position(dataStart);
      for (Map.Entry<String, float[]> e : tensors.entrySet()) {
        float[] a = e.getValue();
        buf.asFloatBuffer().get(a);
        buf.position(buf.position() + a.length * 4);
        for (float x : a) {
          if (!Float.isFinite(x)) {
            return Optional.of(invalid("tensor " + e.getKey() + " holds a non-finite value"));
          }
        }
      }
      return Optional.of(new Loaded(w, header.path("info"), null));
    } catch (IOException | RuntimeException e) {
      return Optional.of(invalid("unreadable: " + e.getMessage()));
    }
  }

  private static Loaded invalid(String why) {
    return new Loaded(null, null, why);
  }

  /** Write atomically (a temporary file in the same directory, then a rename). */
  public static void save(Path file, BaseWeights w, String key, ObjectNode info) throws IOException {
    ObjectNode header = JSON.createObjectNode();
    header.put("format", FORMAT);
    header.put("version", VERSION);
    header.put("key", key);
    header.put("config", w.cfg.toString());
    ArrayNode list = header.putArray("tensors");
    for (Map.Entry<String, float[]> e : w.tensors().entrySet()) {
      list.addObject().put("name", e.getKey()).put("length", e.getValue().length);
    }
    header.set("info", info == null ? JSON.createObjectNode() : info);
    byte[] h = JSON.writeValueAsBytes(header);
    ByteBuffer buf = ByteBuffer.allocate(MAGIC.length + 4 + h.length + (int) w.size() * 4 + 32)
        .order(ByteOrder.LITTLE_ENDIAN);
    buf.put(MAGIC).putInt(h.length).put(h);
    for (float[] a : w.tensors().values()) {
      for (float x : a) {
        buf.putFloat(x);
      }
    }
    byte[] all = buf.array();
    System.arraycopy(sha256(all, 0, all.length - 32), 0, all, all.length - 32, 32);
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
    try {
      try (OutputStream out = Files.newOutputStream(tmp)) {
        out.write(all);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static byte[] sha256(byte[] b, int off, int len) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(b, off, len);
      return md.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
