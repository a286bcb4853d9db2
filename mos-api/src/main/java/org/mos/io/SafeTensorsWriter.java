// SPDX-License-Identifier: Apache-2.0
// SafeTensorsWriter: collects tensors and metadata, then writes a safetensors file atomically,
// streaming the data in chunks (an exporter computes one tensor at a time).
package org.mos.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.mos.Bf16;
import org.mos.MosException;
import org.mos.Status;
import org.mos.io.SafeTensors.Dtype;

/**
 * Writes a safetensors file ({@link SafeTensors}): tensors are laid out in the order they were
 * added, contiguously; the header is padded with spaces to a multiple of 8 bytes (so the data
 * area is 8-byte aligned); the data is streamed in chunks into a temporary file that is flushed
 * and atomically renamed over the target. BF16 tensors are rounded by {@link Bf16}.
 *
 * <p>Arrays are not copied: do not change them before {@link #write} returns.
 *
 * {@snippet :
 * new SafeTensorsWriter().metadata("format", "pt")
 *     .addF32("w", new long[] {2, 3}, new float[6])
 *     .write(Path.of("w.safetensors"));
 * }
 */
public final class SafeTensorsWriter {
  private final Map<String, String> metadata = new LinkedHashMap<>();
  private final Map<String, Entry> entries = new LinkedHashMap<>();

  /** A new, empty writer. */
  public SafeTensorsWriter() {}

  /** Adds a {@code __metadata__} entry. */
  public SafeTensorsWriter metadata(String key, String value) {
    metadata.put(requireNonNull(key, "key"), requireNonNull(value, "value"));
    return this;
  }

  /** Adds an F32 tensor. */
  public SafeTensorsWriter addF32(String name, long[] shape, float[] data) {
    check(data.length, shape, name);
    return add(name, Dtype.F32, shape, () -> data);
  }

  /** Adds a BF16 tensor, rounding each float to nearest-even (NaN stays NaN). */
  public SafeTensorsWriter addBf16(String name, long[] shape, float[] data) {
    check(data.length, shape, name);
    return add(name, Dtype.BF16, shape, () -> data);
  }

  /** Adds an I32 tensor. */
  public SafeTensorsWriter addI32(String name, long[] shape, int[] data) {
    check(data.length, shape, name);
    return add(name, Dtype.I32, shape, () -> data);
  }

  /** Adds a tensor of any dtype from its raw little-endian bytes. */
  public SafeTensorsWriter addRaw(String name, Dtype dtype, long[] shape, byte[] data) {
    long n = SafeTensors.numElements(shape);
    if (n * dtype.size() != data.length) {
      throw new MosException(
          Status.SHAPE_MISMATCH,
          "tensor '" + name + "': " + data.length + " bytes for " + dtype + " "
              + Arrays.toString(shape));
    }
    return add(name, dtype, shape, () -> data);
  }

  /**
   * Adds an F32 or BF16 tensor whose values are computed only when written (one tensor at a
   * time), so an exporter never holds every tensor in memory at once.
   */
  SafeTensorsWriter addFloatsLazily(
      String name, Dtype dtype, long[] shape, Supplier<float[]> data) {
    if (dtype != Dtype.F32 && dtype != Dtype.BF16)
      throw new MosException(Status.INVALID_ARGUMENT, dtype + "");
    return add(name, dtype, shape, () -> {
      float[] a = data.get();
      check(a.length, shape, name);
      return a;
    });
  }

  private SafeTensorsWriter add(String name, Dtype dtype, long[] shape, Supplier<Object> data) {
    requireNonNull(name, "name");
    if (name.isEmpty() || name.equals(SafeTensors.METADATA_KEY)) {
      throw new MosException(Status.INVALID_ARGUMENT, "invalid tensor name '" + name + "'");
    }
    if (entries.containsKey(name)) {
      throw new MosException(Status.INVALID_ARGUMENT, "tensor '" + name + "' added twice");
    }
    long n = SafeTensors.numElements(shape);
    entries.put(
        name, new Entry(name, dtype, shape.clone(), Math.multiplyExact(n, dtype.size()), data));
    return this;
  }

  /** Number of tensors added. */
  public int size() {
    return entries.size();
  }

  /** The header bytes (length prefix excluded), padded with spaces to 8-byte alignment. */
  byte[] header() {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    if (!metadata.isEmpty()) {
      ObjectNode m = root.putObject(SafeTensors.METADATA_KEY);
      metadata.forEach(m::put);
    }
    long offset = 0;
    for (Entry e : entries.values()) {
      ObjectNode t = root.putObject(e.name);
      t.put("dtype", e.dtype.name());
      ArrayNode s = t.putArray("shape");
      for (long d : e.shape) s.add(d);
      ArrayNode o = t.putArray("data_offsets");
      o.add(offset);
      offset += e.bytes;
      o.add(offset);
    }
    byte[] json;
    try {
      json = SafeTensors.JSON.writeValueAsBytes(root);
    } catch (JsonProcessingException ex) {
      throw new IllegalStateException(ex);
    }
    int padded = (json.length + 8 + 7) / 8 * 8 - 8;
    byte[] out = Arrays.copyOf(json, padded);
    Arrays.fill(out, json.length, padded, (byte) ' ');
    return out;
  }

  /**
   * Writes the file atomically (temporary file in the same directory, fsync, rename), so an
   * interrupted write leaves the previous file, if any, untouched.
   *
   * @throws MosFileException if the file cannot be written
   */
  public void write(Path file) {
    try {
      AtomicFiles.writeFile(file, this::writeTo);
    } catch (IOException e) {
      throw new MosFileException(file, null, "cannot write: " + MosFileException.describe(e), e);
    }
  }

  /** Writes the whole file content into {@code ch}. */
  void writeTo(WritableByteChannel ch) throws IOException {
    byte[] header = header();
    ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    len.putLong(header.length).flip();
    writeFully(ch, len);
    writeFully(ch, ByteBuffer.wrap(header));
    ByteBuffer buf = ByteBuffer.allocate(SafeTensors.CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    for (Entry e : entries.values()) e.writeData(ch, buf);
  }

  private record Entry(String name, Dtype dtype, long[] shape, long bytes, Supplier<Object> data) {
    void writeData(WritableByteChannel ch, ByteBuffer buf) throws IOException {
      Object d = data.get();
      long written = 0;
      buf.clear();
      switch (d) {
        case float[] f
        when dtype == Dtype.F32 -> {
          for (float v : f) {
            if (buf.remaining() < 4) written += flush(ch, buf);
            buf.putFloat(v);
          }
        }
        case float[] f
        when dtype == Dtype.BF16 -> {
          for (float v : f) {
            if (buf.remaining() < 2) written += flush(ch, buf);
            buf.putShort(Bf16.fromFloat(v));
          }
        }
        case int[] a -> {
          for (int v : a) {
            if (buf.remaining() < 4) written += flush(ch, buf);
            buf.putInt(v);
          }
        }
        case byte[] b -> {
          for (int i = 0; i < b.length; ) {
            if (!buf.hasRemaining()) written += flush(ch, buf);
            int n = Math.min(buf.remaining(), b.length - i);
            buf.put(b, i, n);
            i += n;
          }
        }
        default -> throw new IllegalStateException("tensor '" + name + "': bad data");
      }
      written += flush(ch, buf);
      if (written != bytes) {
        throw new IllegalStateException(
            "tensor '" + name + "': wrote " + written + " bytes, header" + " says " + bytes);
      }
    }
  }

  private static long flush(WritableByteChannel ch, ByteBuffer buf) throws IOException {
    buf.flip();
    int n = buf.remaining();
    writeFully(ch, buf);
    buf.clear();
    return n;
  }

  private static void writeFully(WritableByteChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) ch.write(b);
  }

  private static void check(int length, long[] shape, String name) {
    if (SafeTensors.numElements(shape) != length) {
      throw new MosException(
          Status.SHAPE_MISMATCH,
          "tensor '" + name + "': " + length + " values for shape " + Arrays.toString(shape));
    }
  }

  private static <T> T requireNonNull(T v, String what) {
    if (v == null) throw new MosException(Status.NULL_POINTER, what + " is null");
    return v;
  }
}
