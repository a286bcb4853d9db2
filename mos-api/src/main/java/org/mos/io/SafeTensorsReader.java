// SPDX-License-Identifier: Apache-2.0
// SafeTensorsReader: a safetensors file opened strictly. Every header entry is checked against
// the file before anything is read; tensors come as Java arrays or as memory-mapped views.
package org.mos.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.mos.Bf16;
import org.mos.io.SafeTensors.Dtype;
import org.mos.io.SafeTensors.TensorInfo;

/**
 * A safetensors file ({@link SafeTensors}), open for reading.
 *
 * <p><b>Opening is strict</b>, like the reference implementation: every tensor's byte range must
 * lie inside the data area and match {@code product(shape) * dtype size}, and the ranges must tile
 * the data area exactly, with no overlap, no hole and no trailing bytes. The header length is
 * checked against the file size and capped at {@link SafeTensors#MAX_HEADER_BYTES} before
 * anything is allocated, and no buffer is ever sized from a header value that was not first
 * checked against the real file size. Every violation throws {@link MosFileException} naming the
 * file, the tensor and the problem.
 *
 * <p><b>Two ways to read a tensor.</b> The array readers ({@link #readF32}, {@link #readI32},
 * {@link #readBytes}, {@link #readFloats(String)}) copy it onto the Java heap; all but
 * {@code readFloats} stream it through the file channel, so a file cut short meanwhile is a
 * {@code MosFileException}. {@link #segment} maps the file instead and returns a read-only view
 * of the tensor's bytes with no copy at all, for tensors too large for the heap (a base model's
 * weights); {@link #readFloats(String, MemorySegment)} widens an F32, BF16 or F16 tensor from that
 * view into memory of the caller's choice (native memory included). Views stay valid until the
 * reader is closed; the file must not be truncated while they are in use (the JVM then throws an
 * {@code InternalError} on access).
 *
 * {@snippet :
 * try (SafeTensorsReader in = SafeTensorsReader.open(Path.of("model.safetensors"))) {
 *   for (SafeTensors.TensorInfo t : in.tensors()) System.out.println(t);   // name dtype [shape]
 *   MemorySegment w = in.segment("lm_head.weight");      // mapped, little-endian, no copy
 *   try (Arena arena = Arena.ofConfined()) {
 *     MemorySegment f32 = arena.allocate(4 * in.get("lm_head.weight").numElements());
 *     in.readFloats("lm_head.weight", f32);              // BF16/F16/F32 -> f32, off the heap
 *   }
 * }
 * }
 *
 * <p>Not thread-safe; the views may be read from any thread.
 */
public final class SafeTensorsReader implements AutoCloseable {
  private static final ValueLayout.OfFloat LE_F32 =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfShort LE_16 =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private final Path file;
  private final FileChannel channel;
  private final long dataStart;
  private final long dataSize;
  private final Map<String, String> metadata;
  private final Map<String, TensorInfo> tensors; // header order
  private Arena mapping; // the mapped data area's lifetime; null until the first view
  private MemorySegment data; // the mapped data area

  /**
   * Opens {@code file} and validates its header completely (see the class comment). The returned
   * reader keeps the file open until closed.
   *
   * @throws MosFileException if the file is missing, unreadable or malformed
   */
  public static SafeTensorsReader open(Path file) {
    if (Files.exists(file)) BoundedFiles.requireRegularFile(file, "a safetensors file");
    FileChannel ch;
    try {
      ch = FileChannel.open(file, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw new MosFileException(file, null, "no such file", e);
    } catch (IOException e) {
      throw new MosFileException(file, null, "cannot open: " + MosFileException.describe(e), e);
    }
    try {
      return new SafeTensorsReader(file, ch);
    } catch (RuntimeException e) {
      closeQuietly(ch);
      throw e;
    }
  }

  private SafeTensorsReader(Path file, FileChannel channel) {
    this.file = file;
    this.channel = channel;
    long size;
    try {
      size = channel.size();
    } catch (IOException e) {
      throw new MosFileException(file, null, "cannot read: " + MosFileException.describe(e), e);
    }
    if (size < 8) {
      throw new MosFileException(
          file, "truncated: " + size + " bytes, shorter than the 8-byte header length");
    }
    ByteBuffer len = readExactly(0, 8, null);
    long n = len.order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    if (n < 0 || n > SafeTensors.MAX_HEADER_BYTES) {
      throw new MosFileException(
          file,
          "header length " + Long.toUnsignedString(n) + " is absurdly large (the limit is "
              + SafeTensors.MAX_HEADER_BYTES + " bytes)");
    }
    if (n > size - 8) {
      throw new MosFileException(
          file,
          "header length " + n + " goes beyond the end of the file (" + size
              + " bytes): truncated or not a safetensors file");
    }
    if (n < 2) throw new MosFileException(file, "header is empty (length " + n + ")");
    ByteBuffer headerBytes = readExactly(8, (int) n, null);
    String header;
    try {
      header = StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(headerBytes)
          .toString();
    } catch (CharacterCodingException e) {
      throw new MosFileException(file, null, "header is not valid UTF-8", e);
    }
    if (!header.startsWith("{")) {
      throw new MosFileException(file, "header does not start with '{': not a safetensors file");
    }
    JsonNode root;
    try {
      root = SafeTensors.JSON.readTree(header);
    } catch (JsonProcessingException e) {
      throw new MosFileException(
          file, null, "header is not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new MosFileException(file, "header is not a JSON object");
    }
    this.dataStart = 8 + n;
    this.dataSize = size - dataStart;
    Map<String, String> meta = new LinkedHashMap<>();
    Map<String, TensorInfo> infos = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : root.properties()) {
      if (e.getKey().equals(SafeTensors.METADATA_KEY)) {
        parseMetadata(e.getValue(), meta);
      } else {
        infos.put(e.getKey(), parseEntry(e.getKey(), e.getValue()));
      }
    }
    checkTiling(infos.values());
    this.metadata = Collections.unmodifiableMap(meta);
    this.tensors = Collections.unmodifiableMap(infos);
  }

  private void parseMetadata(JsonNode node, Map<String, String> out) {
    if (!node.isObject()) {
      throw new MosFileException(file, SafeTensors.METADATA_KEY, "must be an object of strings");
    }
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      if (!e.getValue().isTextual()) {
        throw new MosFileException(
            file, SafeTensors.METADATA_KEY, "value of '" + e.getKey() + "' is not a string");
      }
      out.put(e.getKey(), e.getValue().textValue());
    }
  }

  private TensorInfo parseEntry(String name, JsonNode node) {
    if (name.isEmpty()) throw new MosFileException(file, name, "empty tensor name");
    if (!node.isObject()) throw new MosFileException(file, name, "entry is not an object");
    JsonNode dt = node.get("dtype");
    if (dt == null || !dt.isTextual()) {
      throw new MosFileException(file, name, "missing or non-string 'dtype'");
    }
    Dtype dtype = Dtype.of(dt.textValue())
        .orElseThrow(
            () -> new MosFileException(file, name, "unknown dtype '" + dt.textValue() + "'"));
    JsonNode sh = node.get("shape");
    if (sh == null || !sh.isArray()) {
      throw new MosFileException(file, name, "missing or non-array 'shape'");
    }
    long[] shape = new long[sh.size()];
    long count = 1;
    for (int i = 0; i < shape.length; i++) {
      shape[i] = nonNegativeLong(name, "shape", sh.get(i));
      try {
        count = Math.multiplyExact(count, shape[i]);
      } catch (ArithmeticException ex) {
        throw new MosFileException(file, name, "shape " + sh + " overflows: too many elements");
      }
    }
    long bytes;
    try {
      bytes = Math.multiplyExact(count, (long) dtype.size());
    } catch (ArithmeticException ex) {
      throw new MosFileException(file, name, "shape " + sh + " overflows: too many bytes");
    }
    JsonNode off = node.get("data_offsets");
    if (off == null || !off.isArray() || off.size() != 2) {
      throw new MosFileException(file, name, "missing 'data_offsets' or not [begin, end]");
    }
    long begin = nonNegativeLong(name, "data_offsets", off.get(0));
    long end = nonNegativeLong(name, "data_offsets", off.get(1));
    if (begin > end) {
      throw new MosFileException(
          file, name, "data_offsets [" + begin + ", " + end + "]: begin is after end");
    }
    if (end > dataSize) {
      throw new MosFileException(
          file,
          name,
          "data_offsets [" + begin + ", " + end + "] lie outside the data area (" + dataSize
              + " bytes): truncated file?");
    }
    if (end - begin != bytes) {
      throw new MosFileException(
          file,
          name,
          "data_offsets [" + begin + ", " + end + "] hold " + (end - begin) + " bytes but " + dtype
              + " " + sh + " needs " + bytes);
    }
    return new TensorInfo(name, dtype, shape, begin, end, count);
  }

  private long nonNegativeLong(String name, String key, JsonNode v) {
    if (v == null || !v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
      throw new MosFileException(
          file, name, "'" + key + "' holds " + v + ", not a non-negative 64-bit integer");
    }
    return v.longValue();
  }

  /** Byte ranges must tile [0, dataSize) exactly: no overlap, no hole, no trailing bytes. */
  private void checkTiling(java.util.Collection<TensorInfo> infos) {
    List<TensorInfo> sorted = new ArrayList<>(infos);
    sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
    long pos = 0;
    TensorInfo prev = null;
    for (TensorInfo t : sorted) {
      if (t.begin() < pos) {
        throw new MosFileException(
            file,
            t.name(),
            "data_offsets [" + t.begin() + ", " + t.end()
                + "] overlap those of tensor '" + prev.name() + "' [" + prev.begin() + ", "
                + prev.end() + "]");
      }
      if (t.begin() > pos) {
        throw new MosFileException(
            file,
            t.name(),
            "data_offsets [" + t.begin() + ", " + t.end()
                + "] leave a hole of " + (t.begin() - pos) + " bytes before them"
                + " (tensors must tile the data area)");
      }
      if (t.end() > pos || prev == null) prev = t;
      pos = Math.max(pos, t.end());
    }
    if (pos != dataSize) {
      throw new MosFileException(
          file,
          (dataSize - pos) + " bytes after the last tensor are not"
              + " described by the header (data area " + dataSize + " bytes, tensors end at " + pos
              + ")");
    }
  }

  /** The file this reader reads. */
  public Path file() {
    return file;
  }

  /** The {@code __metadata__} map (empty if absent). */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** Every tensor, in header order. */
  public List<TensorInfo> tensors() {
    return List.copyOf(tensors.values());
  }

  /** The tensor called {@code name}, if present. */
  public Optional<TensorInfo> find(String name) {
    return Optional.ofNullable(tensors.get(name));
  }

  /** The tensor called {@code name}; a {@link MosFileException} "missing tensor" otherwise. */
  public TensorInfo get(String name) {
    TensorInfo t = tensors.get(name);
    if (t == null) throw new MosFileException(file, name, "missing tensor");
    return t;
  }

  /** The F32 tensor {@code name} as a float array (row-major). */
  public float[] readF32(String name) {
    TensorInfo t = requireDtype(name, Dtype.F32);
    float[] out = new float[arrayLength(t)];
    readInto(t, (buf, at) -> {
      int n = buf.remaining() / 4;
      buf.asFloatBuffer().get(out, at, n);
      return n;
    });
    return out;
  }

  /** The I32 tensor {@code name} as an int array (row-major). */
  public int[] readI32(String name) {
    TensorInfo t = requireDtype(name, Dtype.I32);
    int[] out = new int[arrayLength(t)];
    readInto(t, (buf, at) -> {
      int n = buf.remaining() / 4;
      buf.asIntBuffer().get(out, at, n);
      return n;
    });
    return out;
  }

  /** A floating-point tensor (F32, BF16 or F16) widened to float, as an array (row-major). */
  public float[] readFloats(String name) {
    TensorInfo t = requireFloating(name);
    if (t.dtype() == Dtype.F32) return readF32(name);
    Dtype dtype = t.dtype();
    float[] out = new float[arrayLength(t)];
    readInto(t, (buf, at) -> {
      int n = buf.remaining() / 2;
      for (int i = 0; i < n; i++) {
        out[at + i] = widen16(dtype, buf.getShort());
      }
      return n;
    });
    return out;
  }

  /**
   * A floating-point tensor (F32, BF16 or F16) widened to f32 into {@code dst} (native byte
   * order, row-major), which must hold exactly {@code 4 * numElements} bytes: heap or native
   * memory, so a tensor larger than any Java array converts without a copy on the heap. Reads the
   * mapped view ({@link #segment}).
   *
   * @throws MosFileException for another dtype; IllegalArgumentException for a {@code dst} of
   *     another size
   */
  public void readFloats(String name, MemorySegment dst) {
    TensorInfo t = requireFloating(name);
    long n = t.numElements();
    if (dst.byteSize() != n * Float.BYTES) {
      throw new IllegalArgumentException("tensor '" + name + "': " + n + " floats need "
          + n * Float.BYTES + " bytes, dst has " + dst.byteSize());
    }
    MemorySegment src = segment(name);
    if (t.dtype() == Dtype.F32) {
      MemorySegment.copy(src, LE_F32, 0, dst, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, n);
      return;
    }
    for (long i = 0; i < n; i++) {
      dst.setAtIndex(
          ValueLayout.JAVA_FLOAT_UNALIGNED, i, widen16(t.dtype(), src.getAtIndex(LE_16, i)));
    }
  }

  /** A 16-bit float of {@code dtype} (BF16 or F16) widened to f32 (exact). */
  private static float widen16(Dtype dtype, short bits) {
    return dtype == Dtype.BF16 ? Bf16.toFloat(bits) : Float.float16ToFloat(bits);
  }

  private TensorInfo requireFloating(String name) {
    TensorInfo t = get(name);
    if (t.dtype() != Dtype.F32 && t.dtype() != Dtype.BF16 && t.dtype() != Dtype.F16) {
      throw new MosFileException(
          file, name, "dtype is " + t.dtype() + ", expected F32, BF16 or F16");
    }
    return t;
  }

  /**
   * A read-only view of tensor {@code name}'s bytes (little-endian values, row-major, not
   * necessarily aligned) in the file mapped into memory: no copy, whatever the size. Valid until
   * {@link #close()}. The first call maps the file's data area.
   *
   * @throws MosFileException "missing tensor", or when the file cannot be mapped
   */
  public MemorySegment segment(String name) {
    TensorInfo t = get(name);
    return mapped().asSlice(t.begin(), t.byteSize()).asReadOnly();
  }

  /**
   * A read-only view of tensor {@code name}'s bytes mapped on its own into {@code arena}: only
   * that tensor's pages, unmapped when the arena closes (a confined arena closed right after
   * use keeps a loader's resident memory at one tensor, whatever the file size). The file's
   * current size is checked first, so a file cut short since {@link #open} is a
   * {@code MosFileException} rather than a fault on access (it must still not shrink while the
   * view is in use).
   *
   * @throws MosFileException "missing tensor", a truncated file, or when it cannot be mapped
   */
  public MemorySegment segment(String name, Arena arena) {
    TensorInfo t = get(name);
    if (!channel.isOpen()) throw new IllegalStateException(file + ": the reader is closed");
    long size;
    try {
      size = channel.size();
    } catch (IOException e) {
      throw new MosFileException(file, name, "cannot read: " + MosFileException.describe(e), e);
    }
    if (size < dataStart + t.end()) {
      throw new MosFileException(
          file,
          name,
          "the file now holds " + size + " bytes, but the" + " tensor ends at byte "
              + (dataStart + t.end()) + " (was it changed after opening?)");
    }
    if (t.byteSize() == 0) return arena.allocate(0).asReadOnly();
    try {
      return channel
          .map(FileChannel.MapMode.READ_ONLY, dataStart + t.begin(), t.byteSize(), arena)
          .asReadOnly();
    } catch (IOException e) {
      throw new MosFileException(file, name, "cannot map: " + MosFileException.describe(e), e);
    }
  }

  private synchronized MemorySegment mapped() {
    if (data == null) {
      if (!channel.isOpen()) throw new IllegalStateException(file + ": the reader is closed");
      Arena arena = Arena.ofShared();
      try {
        data = dataSize == 0
            ? arena.allocate(0)
            : channel.map(FileChannel.MapMode.READ_ONLY, dataStart, dataSize, arena);
      } catch (IOException e) {
        arena.close();
        throw new MosFileException(file, null, "cannot map: " + MosFileException.describe(e), e);
      }
      mapping = arena;
    }
    return data;
  }

  /** The raw little-endian bytes of tensor {@code name}. */
  public byte[] readBytes(String name) {
    TensorInfo t = get(name);
    if (t.byteSize() > SafeTensors.MAX_ARRAY_ELEMENTS) {
      throw new MosFileException(
          file, name, t.byteSize() + " bytes are too many for one Java array");
    }
    byte[] out = new byte[(int) t.byteSize()];
    readInto(t, (buf, at) -> {
      int n = buf.remaining();
      buf.get(out, at, n);
      return n;
    });
    return out;
  }

  private TensorInfo requireDtype(String name, Dtype want) {
    TensorInfo t = get(name);
    if (t.dtype() != want) {
      throw new MosFileException(file, name, "dtype is " + t.dtype() + ", expected " + want);
    }
    return t;
  }

  private int arrayLength(TensorInfo t) {
    if (t.numElements() > SafeTensors.MAX_ARRAY_ELEMENTS) {
      throw new MosFileException(
          file, t.name(), t.numElements() + " elements are too many for one Java array");
    }
    return (int) t.numElements();
  }

  @FunctionalInterface
  private interface ChunkSink {
    /** Consumes the whole buffer (little-endian) into the output at element {@code at}. */
    int accept(ByteBuffer chunk, int at);
  }

  private void readInto(TensorInfo t, ChunkSink sink) {
    int elem = t.dtype().size();
    int chunk = Math.max(elem, SafeTensors.CHUNK_BYTES / elem * elem);
    ByteBuffer buf = ByteBuffer.allocate((int) Math.min(chunk, Math.max(t.byteSize(), 1)));
    long pos = dataStart + t.begin();
    long left = t.byteSize();
    int at = 0;
    while (left > 0) {
      int len = (int) Math.min(buf.capacity(), left);
      readExactly(pos, len, buf);
      at += sink.accept(buf, at);
      pos += len;
      left -= len;
    }
  }

  /** Reads exactly len bytes at pos into buf (or a new buffer), flipped, little-endian. */
  private ByteBuffer readExactly(long pos, int len, ByteBuffer buf) {
    ByteBuffer b = buf == null ? ByteBuffer.allocate(len) : buf;
    b.clear().limit(len);
    try {
      while (b.hasRemaining()) {
        int r = channel.read(b, pos + b.position());
        if (r < 0) {
          throw new MosFileException(
              file,
              "unexpected end of file at byte " + (pos + b.position())
                  + " (was the file changed while being read?)");
        }
      }
    } catch (IOException e) {
      throw new MosFileException(file, null, "cannot read: " + MosFileException.describe(e), e);
    }
    b.flip();
    return b.order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Closes the file and unmaps it: views from {@link #segment} are no longer valid. */
  @Override
  public synchronized void close() {
    if (mapping != null) {
      mapping.close();
      mapping = null;
      data = null;
    }
    closeQuietly(channel);
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception ignored) {
      // Nothing useful to do: the reader was read-only.
    }
  }
}
