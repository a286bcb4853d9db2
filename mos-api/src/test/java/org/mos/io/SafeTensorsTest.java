// SPDX-License-Identifier: Apache-2.0
// SafeTensorsWriter -> SafeTensorsReader round trips bit for bit (as arrays and as mapped views,
// BF16 and F16 widened against hand-encoded values), and every malformed file crafted byte by
// byte is refused with a MosFileException naming the file, the tensor and the problem.
package org.mos.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.Bf16;
import org.mos.MosException;
import org.mos.Status;

class SafeTensorsTest {
  @TempDir
  Path dir;

  // ---- round trips --------------------------------------------------------------------------

  @Test
  void roundTripIsBitIdentical() throws IOException {
    Random rnd = new Random(7);
    float[] f = new float[3 * 5];
    for (int i = 0; i < f.length; i++) f[i] = (float) rnd.nextGaussian();
    f[0] = Float.intBitsToFloat(0x7FC01234); // a NaN with a payload survives
    f[1] = -0.0f;
    f[2] = Float.MIN_VALUE;
    int[] ints = {0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 42, 7};
    byte[] raw = {1, 2, 3};
    Path file = dir.resolve("t.safetensors");
    new SafeTensorsWriter()
        .metadata("format", "pt")
        .metadata("note", "héllo")
        .addF32("w", new long[] {3, 5}, f)
        .addI32("idx", new long[] {2, 3}, ints)
        .addRaw("u8", SafeTensors.Dtype.U8, new long[] {3}, raw)
        .addF32("empty", new long[] {0, 4}, new float[0])
        .addF32("scalar", new long[] {}, new float[] {3.5f})
        .write(file);

    byte[] bytes = Files.readAllBytes(file);
    long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertEquals(0, (8 + n) % 8, "data area is 8-byte aligned");
    assertEquals(8 + n + 60 + 24 + 3 + 0 + 4, bytes.length, "contiguous data, nothing else");

    try (SafeTensorsReader in = SafeTensorsReader.open(file)) {
      assertEquals(Map.of("format", "pt", "note", "héllo"), in.metadata());
      assertEquals(
          List.of("w", "idx", "u8", "empty", "scalar"),
          in.tensors().stream().map(SafeTensors.TensorInfo::name).toList(),
          "order as written");
      float[] back = in.readF32("w");
      for (int i = 0; i < f.length; i++) {
        assertEquals(Float.floatToRawIntBits(f[i]), Float.floatToRawIntBits(back[i]), "i=" + i);
      }
      assertArrayEquals(ints, in.readI32("idx"));
      assertArrayEquals(raw, in.readBytes("u8"));
      assertEquals(0, in.readF32("empty").length);
      assertArrayEquals(new long[] {0, 4}, in.get("empty").shape());
      assertArrayEquals(new float[] {3.5f}, in.readF32("scalar"));
      assertTrue(in.find("nope").isEmpty());
      MosFileException e = assertThrows(MosFileException.class, () -> in.readI32("w"));
      assertTrue(e.getMessage().contains("dtype is F32, expected I32"), e.getMessage());
      e = assertThrows(MosFileException.class, () -> in.get("nope"));
      assertEquals("nope", e.tensor().orElseThrow());
    }
  }

  @Test
  void largeTensorsStreamInChunks() {
    float[] f = new float[700_000]; // > one 1 MiB chunk
    for (int i = 0; i < f.length; i++) f[i] = i * 0.5f;
    Path file = dir.resolve("big.safetensors");
    new SafeTensorsWriter().addF32("a", new long[] {700, 1000}, f).write(file);
    try (SafeTensorsReader in = SafeTensorsReader.open(file)) {
      assertArrayEquals(f, in.readF32("a"));
    }
  }

  @Test
  void mappedViewsAndWideningIntoNativeMemory() {
    // 16-bit floats by their bits, with the values IEEE 754 / bfloat16 give them
    short[] f16Bits = {0x3C00, (short) 0xC000, 0x3800, 0x7BFF, 0x0001, (short) 0xFC00};
    float[] f16Want = {1f, -2f, 0.5f, 65504f, 0x1p-24f, Float.NEGATIVE_INFINITY};
    short[] bf16Bits = {0x3F80, (short) 0xC040, 0x7F80, 0x0001};
    float[] bf16Want = {1f, -3f, Float.POSITIVE_INFINITY, 0x1p-133f};
    float[] f32 = {1.5f, -0.0f, Float.MIN_VALUE, 1e30f};
    Path file = dir.resolve("views.safetensors");
    new SafeTensorsWriter()
        .addRaw("h", SafeTensors.Dtype.F16, new long[] {2, 3}, le16(f16Bits))
        .addRaw("b", SafeTensors.Dtype.BF16, new long[] {4}, le16(bf16Bits))
        .addF32("f", new long[] {2, 2}, f32)
        .addI32("i", new long[] {1}, new int[] {7})
        .write(file);
    MemorySegment view;
    try (SafeTensorsReader in = SafeTensorsReader.open(file);
        Arena arena = Arena.ofConfined()) {
      view = in.segment("h");
      assertEquals(12, view.byteSize());
      assertTrue(view.isReadOnly() && view.isMapped(), "a read-only view of the mapped file");
      assertArrayEquals(
          in.readBytes("h"), view.toArray(ValueLayout.JAVA_BYTE), "the tensor's bytes");
      assertArrayEquals(f16Want, in.readFloats("h"), "F16 as an array");
      String[] names = {"h", "b", "f"};
      float[][] want = {f16Want, bf16Want, f32};
      for (int t = 0; t < names.length; t++) {
        MemorySegment dst = arena.allocate(4L * want[t].length); // native memory, no heap array
        in.readFloats(names[t], dst);
        assertArrayEquals(want[t], dst.toArray(ValueLayout.JAVA_FLOAT), names[t]);
      }
      assertArrayEquals(bf16Want, in.readFloats("b"), "BF16 as an array");
      MosFileException ints =
          assertThrows(MosFileException.class, () -> in.readFloats("i", arena.allocate(4)));
      assertTrue(ints.getMessage().contains("expected F32, BF16 or F16"), ints.getMessage());
      assertThrows(IllegalArgumentException.class, () -> in.readFloats("f", arena.allocate(12)));
      assertThrows(MosFileException.class, () -> in.segment("nope"));
    }
    MemorySegment closed = view;
    assertThrows(
        IllegalStateException.class,
        () -> closed.get(ValueLayout.JAVA_BYTE, 0),
        "views end with the reader");
  }

  @Test
  void perTensorMappingsEndWithTheirArena() throws IOException {
    float[] a = {1f, 2f, 3f, 4f, 5f, 6f};
    float[] b = {-1f, 0.5f, 7f};
    Path file = dir.resolve("per-tensor.safetensors");
    new SafeTensorsWriter()
        .addF32("a", new long[] {2, 3}, a)
        .addBf16("b", new long[] {3}, b)
        .addF32("empty", new long[] {0, 4}, new float[0])
        .write(file);
    MemorySegment kept;
    try (SafeTensorsReader in = SafeTensorsReader.open(file)) {
      for (String name : List.of("a", "b", "empty")) {
        try (Arena arena = Arena.ofConfined()) {
          MemorySegment s = in.segment(name, arena);
          assertTrue(s.isReadOnly(), name + " is read-only");
          assertArrayEquals(
              in.readBytes(name),
              s.toArray(ValueLayout.JAVA_BYTE),
              name + ": the same bytes as the streamed read");
        }
      }
      try (Arena arena = Arena.ofConfined()) {
        kept = in.segment("a", arena);
      }
      MemorySegment gone = kept;
      assertThrows(
          IllegalStateException.class,
          () -> gone.get(ValueLayout.JAVA_BYTE, 0),
          "unmapped with its arena");
      MosFileException missing =
          assertThrows(MosFileException.class, () -> in.segment("nope", Arena.ofAuto()));
      assertTrue(
          missing.getMessage().contains("tensor 'nope': missing tensor"), missing.getMessage());

      // Cut the file short after opening: a clear error instead of a fault on access.
      try (var ch =
          java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
        ch.truncate(ch.size() - 4);
      }
      MosFileException cut =
          assertThrows(MosFileException.class, () -> in.segment("b", Arena.ofAuto()));
      assertTrue(
          cut.getMessage().contains("tensor 'b': the file now holds")
              && cut.getMessage().contains(file.toString()),
          cut.getMessage());
    }
  }

  private static byte[] le16(short[] bits) {
    ByteBuffer b = ByteBuffer.allocate(2 * bits.length).order(ByteOrder.LITTLE_ENDIAN);
    for (short s : bits) b.putShort(s);
    return b.array();
  }

  @Test
  void bf16RoundsToNearestEven() {
    assertEquals((short) 0x3F80, Bf16.fromFloat(1.0f));
    // 1 + 2^-8 is exactly halfway between two bf16 values: ties go to the even one (1.0).
    assertEquals((short) 0x3F80, Bf16.fromFloat(Float.intBitsToFloat(0x3F808000)));
    assertEquals((short) 0x3F82, Bf16.fromFloat(Float.intBitsToFloat(0x3F818000)));
    assertEquals((short) 0x3F81, Bf16.fromFloat(Float.intBitsToFloat(0x3F808001)));
    assertEquals((short) 0xFF80, Bf16.fromFloat(Float.NEGATIVE_INFINITY));
    assertEquals((short) 0x7F80, Bf16.fromFloat(Float.MAX_VALUE), "overflows to inf");
    assertTrue(Float.isNaN(Bf16.round(Float.NaN)));
    assertTrue(
        Float.isNaN(Bf16.round(Float.intBitsToFloat(0x7F800001))),
        "a NaN whose payload is only in the low bits stays NaN");

    float[] v = {1.0f, -2.5f, 3.14159f, 1e-20f, 65504f};
    Path file = dir.resolve("bf16.safetensors");
    new SafeTensorsWriter().addBf16("x", new long[] {5}, v).write(file);
    try (SafeTensorsReader in = SafeTensorsReader.open(file)) {
      assertEquals(SafeTensors.Dtype.BF16, in.get("x").dtype());
      assertEquals(10, in.get("x").byteSize());
      float[] back = in.readFloats("x");
      for (int i = 0; i < v.length; i++) {
        assertEquals(Bf16.round(v[i]), back[i]);
        assertEquals(v[i], back[i], Math.abs(v[i]) / 256f);
      }
    }
  }

  // ---- malformed files ----------------------------------------------------------------------

  /** A file with this exact header (no padding) and {@code dataBytes} zero bytes of data. */
  private Path craft(String header, int dataBytes) throws IOException {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h);
    return raw(b.array());
  }

  private int counter;

  private Path raw(byte[] bytes) throws IOException {
    Path file = dir.resolve("bad" + counter++ + ".safetensors");
    Files.write(file, bytes);
    return file;
  }

  /** Opens {@code file}, expecting a refusal naming the file, {@code tensor} and {@code problem}. */
  private static MosFileException refused(Path file, String tensor, String problem) {
    MosFileException e = assertThrows(MosFileException.class, () -> {
      try (SafeTensorsReader in = SafeTensorsReader.open(file)) {
        for (SafeTensors.TensorInfo t : in.tensors()) in.readBytes(t.name());
      }
    });
    String m = e.getMessage();
    assertTrue(m.startsWith(file.toString() + ": "), m);
    if (tensor != null) {
      assertEquals(tensor, e.tensor().orElse(null), m);
      assertTrue(m.contains("tensor '" + tensor + "'"), m);
    }
    assertTrue(m.contains(problem), "expected '" + problem + "' in: " + m);
    assertEquals(Status.INVALID_ARGUMENT, e.status());
    assertFalse(m.contains("\n"), "one line: " + m);
    return e;
  }

  private static String t(String name, String dtype, String shape, long begin, long end) {
    return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape
        + ",\"data_offsets\":[" + begin + "," + end + "]}";
  }

  @Test
  void truncatedFiles() throws IOException {
    refused(raw(new byte[0]), null, "truncated: 0 bytes");
    refused(raw(new byte[] {16, 0, 0}), null, "truncated: 3 bytes");
    // A valid file cut in the middle of its data: the data area no longer holds the tensor.
    Path good = dir.resolve("good.safetensors");
    new SafeTensorsWriter().addF32("w", new long[] {4, 4}, new float[16]).write(good);
    byte[] all = Files.readAllBytes(good);
    refused(raw(java.util.Arrays.copyOf(all, all.length - 5)), "w", "outside the data area");
    // ... and cut inside its header.
    refused(raw(java.util.Arrays.copyOf(all, 20)), null, "goes beyond the end of the file");
  }

  @Test
  void headerLengthBeyondTheFileOrAbsurd() throws IOException {
    ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(1000).put("{}      ".getBytes(StandardCharsets.US_ASCII));
    refused(raw(b.array()), null, "header length 1000 goes beyond the end of the file (16 bytes)");
    b.clear();
    b.putLong(1L << 62);
    refused(raw(b.array()), null, "absurdly large");
    b.clear();
    b.putLong(-1L); // 2^64 - 1 unsigned
    refused(raw(b.array()), null, "header length 18446744073709551615 is absurdly large");
    b.clear();
    b.putLong(SafeTensors.MAX_HEADER_BYTES + 1);
    refused(raw(b.array()), null, "absurdly large");
    refused(craft("", 0), null, "header is empty");
  }

  @Test
  void badHeaders() throws IOException {
    refused(craft("{\"a\": ", 0), null, "not valid JSON");
    refused(craft("[1, 2]", 0), null, "does not start with '{'");
    refused(craft("{} {}", 0), null, "not valid JSON");
    refused(
        raw(withHeader(new byte[] {'{', '"', (byte) 0xC3, '"', ':', '1', '}'})),
        null,
        "not valid UTF-8");
    refused(
        craft("{" + t("a", "F32", "[1]", 0, 4) + "," + t("a", "F32", "[1]", 0, 4) + "}", 4),
        null,
        "Duplicate field 'a'");
    refused(
        craft("{\"__metadata__\":{\"k\":1}}", 0), "__metadata__", "value of 'k' is not a string");
    refused(craft("{\"__metadata__\":[1]}", 0), "__metadata__", "must be an object");
    refused(craft("{\"a\":5}", 0), "a", "entry is not an object");
    refused(craft("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "a", "'dtype'");
    refused(craft("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4), "a", "'shape'");
    refused(craft("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4), "a", "'data_offsets'");
    refused(
        craft("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4),
        "a",
        "not [begin, end]");
  }

  private static byte[] withHeader(byte[] h) {
    ByteBuffer b = ByteBuffer.allocate(8 + h.length).order(ByteOrder.LITTLE_ENDIAN);
    return b.putLong(h.length).put(h).array();
  }

  @Test
  void badTensorEntries() throws IOException {
    refused(craft("{" + t("a", "Q4_K", "[1]", 0, 4) + "}", 4), "a", "unknown dtype 'Q4_K'");
    refused(craft("{" + t("a", "F32", "[-1]", 0, 4) + "}", 4), "a", "not a non-negative");
    refused(craft("{" + t("a", "F32", "[1.5]", 0, 4) + "}", 4), "a", "not a non-negative");
    refused(craft("{" + t("a", "F32", "[\"2\"]", 0, 4) + "}", 4), "a", "not a non-negative");
    refused(
        craft("{" + t("a", "F32", "[99999999999999999999]", 0, 4) + "}", 4),
        "a",
        "not a non-negative 64-bit integer");
    refused(
        craft("{" + t("a", "F32", "[4294967296,4294967296]", 0, 4) + "}", 4),
        "a",
        "overflows: too many elements");
    refused(
        craft("{" + t("a", "F64", "[1152921504606846976, 2]", 0, 4) + "}", 4), "a", "overflows");
    refused(
        craft("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,1e30]}}", 4),
        "a",
        "not a non-negative 64-bit integer");
  }

  @Test
  void badOffsets() throws IOException {
    // A header that claims a huge tensor in a tiny file: refused before any allocation.
    refused(
        craft("{" + t("a", "F32", "[1000000000]", 0, 4_000_000_000L) + "}", 16),
        "a",
        "lie outside the data area (16 bytes)");
    refused(craft("{" + t("a", "F32", "[1]", 8, 4) + "}", 8), "a", "begin is after end");
    refused(
        craft("{" + t("a", "F32", "[2]", 0, 4) + "}", 4), "a", "hold 4 bytes but F32 [2] needs 8");
    refused(
        craft("{" + t("a", "F32", "[2]", 0, 8) + "," + t("b", "F32", "[2]", 4, 12) + "}", 12),
        "b",
        "overlap those of tensor 'a' [0, 8]");
    refused(
        craft("{" + t("a", "F32", "[1]", 0, 4) + "," + t("b", "F32", "[1]", 8, 12) + "}", 12),
        "b",
        "leave a hole of 4 bytes");
    refused(craft("{" + t("a", "F32", "[1]", 4, 8) + "}", 8), "a", "leave a hole of 4 bytes");
    refused(
        craft("{" + t("a", "F32", "[1]", 0, 4) + "}", 9),
        null,
        "5 bytes after the last tensor are not described");
  }

  @Test
  void paddedAndZeroSizedTensorsAreFine() throws IOException {
    // Trailing spaces pad the header; zero-sized tensors may share an offset with others.
    Path f = craft(
        "{" + t("z", "F32", "[0]", 0, 0) + "," + t("a", "I32", "[1]", 0, 4) + ","
            + t("y", "U8", "[0, 3]", 4, 4) + "}   ",
        4);
    try (SafeTensorsReader in = SafeTensorsReader.open(f)) {
      assertEquals(3, in.tensors().size());
      assertArrayEquals(new int[1], in.readI32("a"));
    }
  }

  @Test
  void missingFileIsAFileError() {
    Path nope = dir.resolve("nope.safetensors");
    MosFileException e = assertThrows(MosFileException.class, () -> SafeTensorsReader.open(nope));
    assertEquals(nope + ": no such file", e.getMessage());
  }

  // ---- atomic writes ------------------------------------------------------------------------

  @Test
  void interruptedWriteLeavesTheOldFileAndNoTemporaries() throws IOException {
    Path file = dir.resolve("a.safetensors");
    new SafeTensorsWriter().addF32("old", new long[] {1}, new float[] {1}).write(file);
    byte[] before = Files.readAllBytes(file);
    AtomicFiles.hook = target -> {
      throw new IOException("simulated crash");
    };
    try {
      MosFileException e = assertThrows(MosFileException.class, () -> new SafeTensorsWriter()
          .addF32("new", new long[] {2}, new float[] {1, 2})
          .write(file));
      assertTrue(e.getMessage().contains("simulated crash"), e.getMessage());
    } finally {
      AtomicFiles.hook = null;
    }
    assertArrayEquals(before, Files.readAllBytes(file));
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(List.of(file), s.toList(), "no temporary file left behind");
    }
  }

  @Test
  void writerRejectsInconsistentInput() {
    SafeTensorsWriter w = new SafeTensorsWriter().addF32("a", new long[] {2}, new float[2]);
    assertThrows(MosException.class, () -> w.addF32("a", new long[] {2}, new float[2]));
    assertThrows(MosException.class, () -> w.addF32("b", new long[] {3}, new float[2]));
    assertThrows(MosException.class, () -> w.addF32("__metadata__", new long[] {1}, new float[1]));
  }
}
