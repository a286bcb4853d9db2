// SPDX-License-Identifier: Apache-2.0
// The safetensors format (8-byte little-endian header length, JSON header, raw little-endian data):
// its element types, a header entry, its limits. SafeTensorsReader reads it, SafeTensorsWriter
// writes it.
package org.mos.io;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.Arrays;
import java.util.Optional;
import org.mos.MosException;
import org.mos.Status;

/**
 * The <a href="https://github.com/huggingface/safetensors">safetensors</a> format.
 *
 * <p>Layout: an unsigned 64-bit little-endian header length N, then N bytes of UTF-8 JSON
 * {@code {"__metadata__": {str: str}, "<name>": {"dtype": "F32", "shape": [..], "data_offsets":
 * [begin, end]}, ...}}, then the data area, offsets relative to its start, little-endian values.
 *
 * <p>{@link SafeTensorsReader} opens a file strictly (every header entry checked against the file
 * before anything is read) and gives each tensor as a Java array or as a memory-mapped view;
 * {@link SafeTensorsWriter} writes one atomically. bfloat16 values are converted by
 * {@link org.mos.Bf16} on both sides.
 */
public final class SafeTensors {
  private SafeTensors() {}

  /** Largest header accepted (the reference implementation's limit). */
  public static final long MAX_HEADER_BYTES = 100_000_000L;

  /** The reserved header key holding string-to-string metadata. */
  public static final String METADATA_KEY = "__metadata__";

  /** Largest array the reader will allocate for one tensor (a Java array limit). */
  static final long MAX_ARRAY_ELEMENTS = Integer.MAX_VALUE - 8;

  /** Chunk of the streamed reads and writes. */
  static final int CHUNK_BYTES = 1 << 20;

  /** The strict JSON mapper of every file mos reads: duplicate keys and trailing tokens fail. */
  static final JsonMapper JSON = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  /** Element types of the format, with their sizes in bytes. */
  public enum Dtype {
    BOOL(1),
    U8(1),
    I8(1),
    F8_E5M2(1),
    F8_E4M3(1),
    I16(2),
    U16(2),
    F16(2),
    BF16(2),
    I32(4),
    U32(4),
    F32(4),
    I64(8),
    U64(8),
    F64(8);

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

  static long numElements(long[] shape) {
    long n = 1;
    for (long d : shape) {
      if (d < 0)
        throw new MosException(
            Status.INVALID_ARGUMENT, "negative dimension in " + Arrays.toString(shape));
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  private static void check(int length, long[] shape, String name) {
    if (numElements(shape) != length) {
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
