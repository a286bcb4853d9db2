// The safetensors format (8-byte little-endian header length, JSON header, raw little-endian data):
// a strict, allocation-safe reader and an atomic, streaming writer.
package org.mos.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.mos.MosException;
import org.mos.Status;

/**
 * Reads and writes <a href="https://github.com/huggingface/safetensors">safetensors</a> files.
 *
 * <p>Layout: an unsigned 64-bit little-endian header length N, then N bytes of UTF-8 JSON
 * {@code {"__metadata__": {str: str}, "<name>": {"dtype": "F32", "shape": [..], "data_offsets":
 * [begin, end]}, ...}}, then the data area, offsets relative to its start, little-endian values.
 *
 * <p><b>Reading is strict</b>, like the reference implementation: every tensor's byte range must
 * lie inside the data area and match {@code product(shape) * dtype size}, and the ranges must tile
 * the data area exactly, with no overlap, no hole and no trailing bytes. The header length is
 * checked against the file size and capped at {@link #MAX_HEADER_BYTES} before anything is
 * allocated, and no buffer is ever sized from a header value that was not first checked against
 * the real file size. Every violation throws {@link MosFileException} naming the file, the tensor
 * and the problem.
 *
 * <p><b>Writing</b> lays tensors out in the order they were added, contiguously, pads the header
 * with spaces to a multiple of 8 bytes (so the data area is 8-byte aligned), streams the data in
 * chunks, and writes to a temporary file that is flushed and atomically renamed over the target.
 */
public final class SafeTensors {
  private SafeTensors() {}

  /** Largest header accepted (the reference implementation's limit). */
  public static final long MAX_HEADER_BYTES = 100_000_000L;

  /** The reserved header key holding string-to-string metadata. */
  public static final String METADATA_KEY = "__metadata__";

  /** Largest array the reader will allocate for one tensor (a Java array limit). */
  static final long MAX_ARRAY_ELEMENTS = Integer.MAX_VALUE - 8;

  private static final int CHUNK_BYTES = 1 << 20;

  static final JsonMapper JSON = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  /** Element types of the format, with their sizes in bytes. */
  public enum Dtype {
    BOOL(1), U8(1), I8(1), F8_E5M2(1), F8_E4M3(1),
    I16(2), U16(2), F16(2), BF16(2),
    I32(4), U32(4), F32(4),
    I64(8), U64(8), F64(8);

    private final int size;

    Dtype(int size) {
      this.size = size;
    }

    /** Bytes per element. */
    public int size() {
      return size;
    }

    /** The dtype named {@code name} exactly as the format spells it, if any. */
    public static Optional<Dtype> of(String name) {
      for (Dtype d : values()) if (d.name().equals(name)) return Optional.of(d);
      return Optional.empty();
    }
  }

  /** One tensor's header entry. Offsets are relative to the start of the data area. */
  public static final class TensorInfo {
    private final String name;
    private final Dtype dtype;
    private final long[] shape;
    private final long begin;
    private final long end;
    private final long numElements;

    TensorInfo(String name, Dtype dtype, long[] shape, long begin, long end, long numElements) {
      this.name = name;
      this.dtype = dtype;
      this.shape = shape.clone();
      this.begin = begin;
      this.end = end;
      this.numElements = numElements;
    }

    public String name() {
      return name;
    }

    public Dtype dtype() {
      return dtype;
    }

    /** The shape (a copy). */
    public long[] shape() {
      return shape.clone();
    }

    /** Begin offset in the data area. */
    public long begin() {
      return begin;
    }

    /** End offset (exclusive) in the data area. */
    public long end() {
      return end;
    }

    public long numElements() {
      return numElements;
    }

    public long byteSize() {
      return end - begin;
    }

    /** Does the shape equal {@code expected}? */
    public boolean hasShape(long... expected) {
      return Arrays.equals(shape, expected);
    }

    @Override
    public String toString() {
      return name + " " + dtype + " " + Arrays.toString(shape);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Reading

  /**
   * Opens {@code file} and validates its header completely (see the class comment). The returned
   * reader keeps the file open until closed.
   *
   * @throws MosFileException if the file is missing, unreadable or malformed
   */
  public static Reader open(Path file) {
    if (Files.exists(file)) BoundedFiles.requireRegularFile(file, "a safetensors file");
    FileChannel ch;
    try {
      ch = FileChannel.open(file, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw new MosFileException(file, null, "no such file", e);
    } catch (IOException e) {
      throw new MosFileException(file, null, "cannot open: " + describe(e), e);
    }
    try {
      return new Reader(file, ch);
    } catch (RuntimeException e) {
      closeQuietly(ch);
      throw e;
    }
  }

  /** A validated safetensors file, open for reading tensors. Not thread-safe. */
  public static final class Reader implements AutoCloseable {
    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final long dataSize;
    private final Map<String, String> metadata;
    private final Map<String, TensorInfo> tensors; // header order

    private Reader(Path file, FileChannel channel) {
      this.file = file;
      this.channel = channel;
      long size;
      try {
        size = channel.size();
      } catch (IOException e) {
        throw new MosFileException(file, null, "cannot read: " + describe(e), e);
      }
      if (size < 8) {
        throw new MosFileException(file, "truncated: " + size
            + " bytes, shorter than the 8-byte header length");
      }
      ByteBuffer len = readExactly(0, 8, null);
      long n = len.order(ByteOrder.LITTLE_ENDIAN).getLong(0);
      if (n < 0 || n > MAX_HEADER_BYTES) {
        throw new MosFileException(file, "header length " + Long.toUnsignedString(n)
            + " is absurdly large (the limit is " + MAX_HEADER_BYTES + " bytes)");
      }
      if (n > size - 8) {
        throw new MosFileException(file, "header length " + n + " goes beyond the end of the file ("
            + size + " bytes): truncated or not a safetensors file");
      }
      if (n < 2) throw new MosFileException(file, "header is empty (length " + n + ")");
      ByteBuffer headerBytes = readExactly(8, (int) n, null);
      String header;
      try {
        header = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(headerBytes).toString();
      } catch (CharacterCodingException e) {
        throw new MosFileException(file, null, "header is not valid UTF-8", e);
      }
      if (!header.startsWith("{")) {
        throw new MosFileException(file, "header does not start with '{': not a safetensors file");
      }
      JsonNode root;
      try {
        root = JSON.readTree(header);
      } catch (JsonProcessingException e) {
        throw new MosFileException(file, null, "header is not valid JSON: "
            + e.getOriginalMessage(), e);
      }
      if (root == null || !root.isObject()) {
        throw new MosFileException(file, "header is not a JSON object");
      }
      this.dataStart = 8 + n;
      this.dataSize = size - dataStart;
      Map<String, String> meta = new LinkedHashMap<>();
      Map<String, TensorInfo> infos = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> e : root.properties()) {
        if (e.getKey().equals(METADATA_KEY)) {
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
        throw new MosFileException(file, METADATA_KEY, "must be an object of strings");
      }
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        if (!e.getValue().isTextual()) {
          throw new MosFileException(file, METADATA_KEY, "value of '" + e.getKey()
              + "' is not a string");
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
      Dtype dtype = Dtype.of(dt.textValue()).orElseThrow(() -> new MosFileException(file, name,
          "unknown dtype '" + dt.textValue() + "'"));
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
        throw new MosFileException(file, name, "data_offsets [" + begin + ", " + end
            + "]: begin is after end");
      }
      if (end > dataSize) {
        throw new MosFileException(file, name, "data_offsets [" + begin + ", " + end
            + "] lie outside the data area (" + dataSize + " bytes): truncated file?");
      }
      if (end - begin != bytes) {
        throw new MosFileException(file, name, "data_offsets [" + begin + ", " + end + "] hold "
            + (end - begin) + " bytes but " + dtype + " " + sh + " needs " + bytes);
      }
      return new TensorInfo(name, dtype, shape, begin, end, count);
    }

    private long nonNegativeLong(String name, String key, JsonNode v) {
      if (v == null || !v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
        throw new MosFileException(file, name, "'" + key + "' holds " + v
            + ", not a non-negative 64-bit integer");
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
          throw new MosFileException(file, t.name(), "data_offsets [" + t.begin() + ", " + t.end()
              + "] overlap those of tensor '" + prev.name() + "' [" + prev.begin() + ", "
              + prev.end() + "]");
        }
        if (t.begin() > pos) {
          throw new MosFileException(file, t.name(), "data_offsets [" + t.begin() + ", " + t.end()
              + "] leave a hole of " + (t.begin() - pos) + " bytes before them"
              + " (tensors must tile the data area)");
        }
        if (t.end() > pos || prev == null) prev = t;
        pos = Math.max(pos, t.end());
      }
      if (pos != dataSize) {
        throw new MosFileException(file, (dataSize - pos) + " bytes after the last tensor are not"
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

    /** A floating-point tensor (F32, BF16 or F16) widened to float. */
    public float[] readFloats(String name) {
      TensorInfo t = get(name);
      if (t.dtype() == Dtype.F32) return readF32(name);
      if (t.dtype() != Dtype.BF16 && t.dtype() != Dtype.F16) {
        throw new MosFileException(file, name, "dtype is " + t.dtype()
            + ", expected F32, BF16 or F16");
      }
      boolean bf16 = t.dtype() == Dtype.BF16;
      float[] out = new float[arrayLength(t)];
      readInto(t, (buf, at) -> {
        int n = buf.remaining() / 2;
        for (int i = 0; i < n; i++) {
          short s = buf.getShort();
          out[at + i] = bf16 ? bf16ToFloat(s) : Float.float16ToFloat(s);
        }
        return n;
      });
      return out;
    }

    /** The raw little-endian bytes of tensor {@code name}. */
    public byte[] readBytes(String name) {
      TensorInfo t = get(name);
      if (t.byteSize() > MAX_ARRAY_ELEMENTS) {
        throw new MosFileException(file, name, t.byteSize()
            + " bytes are too many for one Java array");
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
      if (t.numElements() > MAX_ARRAY_ELEMENTS) {
        throw new MosFileException(file, t.name(), t.numElements()
            + " elements are too many for one Java array");
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
      int chunk = Math.max(elem, CHUNK_BYTES / elem * elem);
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
            throw new MosFileException(file, "unexpected end of file at byte " + (pos + b.position())
                + " (was the file changed while being read?)");
          }
        }
      } catch (IOException e) {
        throw new MosFileException(file, null, "cannot read: " + describe(e), e);
      }
      b.flip();
      return b.order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public void close() {
      closeQuietly(channel);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Writing

  /** A new, empty writer. */
  public static Writer writer() {
    return new Writer();
  }

  /**
   * Collects tensors and metadata, then writes them with {@link #write(Path)}. Arrays are not
   * copied: do not change them before {@code write} returns.
   */
  public static final class Writer {
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final Map<String, Entry> entries = new LinkedHashMap<>();

    private Writer() {}

    /** Adds a {@code __metadata__} entry. */
    public Writer metadata(String key, String value) {
      metadata.put(requireNonNull(key, "key"), requireNonNull(value, "value"));
      return this;
    }

    /** Adds an F32 tensor. */
    public Writer addF32(String name, long[] shape, float[] data) {
      check(data.length, shape, name);
      return add(name, Dtype.F32, shape, () -> data);
    }

    /** Adds a BF16 tensor, rounding each float to nearest-even (NaN stays NaN). */
    public Writer addBf16(String name, long[] shape, float[] data) {
      check(data.length, shape, name);
      return add(name, Dtype.BF16, shape, () -> data);
    }

    /** Adds an I32 tensor. */
    public Writer addI32(String name, long[] shape, int[] data) {
      check(data.length, shape, name);
      return add(name, Dtype.I32, shape, () -> data);
    }

    /** Adds a tensor of any dtype from its raw little-endian bytes. */
    public Writer addRaw(String name, Dtype dtype, long[] shape, byte[] data) {
      long n = numElements(shape);
      if (n * dtype.size() != data.length) {
        throw new MosException(Status.SHAPE_MISMATCH, "tensor '" + name + "': " + data.length
            + " bytes for " + dtype + " " + Arrays.toString(shape));
      }
      return add(name, dtype, shape, () -> data);
    }

    /**
     * Adds an F32 or BF16 tensor whose values are computed only when written (one tensor at a
     * time), so an exporter never holds every tensor in memory at once.
     */
    Writer addFloatsLazily(String name, Dtype dtype, long[] shape, Supplier<float[]> data) {
      if (dtype != Dtype.F32 && dtype != Dtype.BF16) throw new MosException(Status.INVALID_ARGUMENT, dtype + "");
      return add(name, dtype, shape, () -> {
        float[] a = data.get();
        check(a.length, shape, name);
        return a;
      });
    }

    private Writer add(String name, Dtype dtype, long[] shape, Supplier<Object> data) {
      requireNonNull(name, "name");
      if (name.isEmpty() || name.equals(METADATA_KEY)) {
        throw new MosException(Status.INVALID_ARGUMENT, "invalid tensor name '" + name + "'");
      }
      if (entries.containsKey(name)) {
        throw new MosException(Status.INVALID_ARGUMENT, "tensor '" + name + "' added twice");
      }
      long n = numElements(shape);
      entries.put(name, new Entry(name, dtype, shape.clone(), Math.multiplyExact(n, dtype.size()),
          data));
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
        ObjectNode m = root.putObject(METADATA_KEY);
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
        json = JSON.writeValueAsBytes(root);
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
        throw new MosFileException(file, null, "cannot write: " + describe(e), e);
      }
    }

    /** Writes the whole file content into {@code ch}. */
    void writeTo(WritableByteChannel ch) throws IOException {
      byte[] header = header();
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      len.putLong(header.length).flip();
      writeFully(ch, len);
      writeFully(ch, ByteBuffer.wrap(header));
      ByteBuffer buf = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
      for (Entry e : entries.values()) e.writeData(ch, buf);
    }
  }

  private record Entry(String name, Dtype dtype, long[] shape, long bytes, Supplier<Object> data) {
    void writeData(WritableByteChannel ch, ByteBuffer buf) throws IOException {
      Object d = data.get();
      long written = 0;
      buf.clear();
      switch (d) {
        case float[] f when dtype == Dtype.F32 -> {
          for (float v : f) {
            if (buf.remaining() < 4) written += flush(ch, buf);
            buf.putFloat(v);
          }
        }
        case float[] f when dtype == Dtype.BF16 -> {
          for (float v : f) {
            if (buf.remaining() < 2) written += flush(ch, buf);
            buf.putShort(floatToBf16(v));
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
        throw new IllegalStateException("tensor '" + name + "': wrote " + written + " bytes, header"
            + " says " + bytes);
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

  // ---------------------------------------------------------------------------------------------
  // bfloat16

  /**
   * float to bfloat16 bits, round to nearest, ties to even (as PyTorch's {@code .to(bfloat16)});
   * NaN maps to a quiet NaN of the same sign, infinities stay infinite.
   */
  public static short floatToBf16(float f) {
    int bits = Float.floatToRawIntBits(f);
    if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x0040);
    int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
    return (short) (rounded >>> 16);
  }

  /** bfloat16 bits to float (exact). */
  public static float bf16ToFloat(short bits) {
    return Float.intBitsToFloat((bits & 0xFFFF) << 16);
  }

  /** {@code f} rounded to the nearest bfloat16 value, as a float. */
  public static float roundToBf16(float f) {
    return bf16ToFloat(floatToBf16(f));
  }

  // ---------------------------------------------------------------------------------------------

  static long numElements(long[] shape) {
    long n = 1;
    for (long d : shape) {
      if (d < 0) throw new MosException(Status.INVALID_ARGUMENT, "negative dimension in " + Arrays.toString(shape));
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  private static void check(int length, long[] shape, String name) {
    if (numElements(shape) != length) {
      throw new MosException(Status.SHAPE_MISMATCH, "tensor '" + name + "': " + length + " values for shape "
          + Arrays.toString(shape));
    }
  }

  private static <T> T requireNonNull(T v, String what) {
    if (v == null) throw new MosException(Status.NULL_POINTER, what + " is null");
    return v;
  }

  /** A short reason for an I/O failure: the exception's class when its message is only a path. */
  static String describe(IOException e) {
    String kind = switch (e) {
      case NoSuchFileException x -> "no such file or directory";
      case java.nio.file.AccessDeniedException x -> "permission denied";
      case java.nio.file.FileAlreadyExistsException x -> "already exists";
      case java.nio.file.NotDirectoryException x -> "not a directory";
      case java.nio.file.DirectoryNotEmptyException x -> "directory not empty";
      default -> null;
    };
    if (kind != null) {
      String f = ((java.nio.file.FileSystemException) e).getFile();
      return f == null ? kind : kind + " (" + f + ")";
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception ignored) {
      // Nothing useful to do: the reader was read-only.
    }
  }
}
