// SPDX-License-Identifier: Apache-2.0
// Generated from native/include/mos/mos.h ... but NOT by jextract, which cannot be installed on the
// build
// machines: written without it, in the layout `jextract --target-package org.mos.ffi
// --header-class-name
// mos_h -l mos` produces. Regenerate with scripts/regen-bindings.sh where jextract exists;
// BindingsStructTest (java-bindings) checks the layout against the C ABI's sizes and offsets.

package org.mos.ffi;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.*;

import java.lang.foreign.Arena;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.util.function.Consumer;

/**
 * How mos_sample draws a token:
 * {@snippet lang=c :
 * struct mos_sampling {
 *     float temperature;
 *     int32_t top_k;
 *     float top_p;
 *     uint64_t seed;
 * }
 * }
 */
public class mos_sampling {

  mos_sampling() {
    // Should not be called directly
  }

  private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
          mos_h.C_FLOAT.withName("temperature"),
          mos_h.C_INT.withName("top_k"),
          mos_h.C_FLOAT.withName("top_p"),
          MemoryLayout.paddingLayout(4),
          mos_h.C_LONG.withName("seed"))
      .withName("mos_sampling");

  /**
   * The layout of this struct
   */
  public static final GroupLayout layout() {
    return $LAYOUT;
  }

  private static final OfFloat temperature$LAYOUT =
      (OfFloat) $LAYOUT.select(groupElement("temperature"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * float temperature
   * }
   */
  public static final OfFloat temperature$layout() {
    return temperature$LAYOUT;
  }

  private static final long temperature$OFFSET = 0;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * float temperature
   * }
   */
  public static final long temperature$offset() {
    return temperature$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * float temperature
   * }
   */
  public static float temperature(MemorySegment struct) {
    return struct.get(temperature$LAYOUT, temperature$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * float temperature
   * }
   */
  public static void temperature(MemorySegment struct, float fieldValue) {
    struct.set(temperature$LAYOUT, temperature$OFFSET, fieldValue);
  }

  private static final OfInt top_k$LAYOUT = (OfInt) $LAYOUT.select(groupElement("top_k"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * int32_t top_k
   * }
   */
  public static final OfInt top_k$layout() {
    return top_k$LAYOUT;
  }

  private static final long top_k$OFFSET = 4;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * int32_t top_k
   * }
   */
  public static final long top_k$offset() {
    return top_k$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * int32_t top_k
   * }
   */
  public static int top_k(MemorySegment struct) {
    return struct.get(top_k$LAYOUT, top_k$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * int32_t top_k
   * }
   */
  public static void top_k(MemorySegment struct, int fieldValue) {
    struct.set(top_k$LAYOUT, top_k$OFFSET, fieldValue);
  }

  private static final OfFloat top_p$LAYOUT = (OfFloat) $LAYOUT.select(groupElement("top_p"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * float top_p
   * }
   */
  public static final OfFloat top_p$layout() {
    return top_p$LAYOUT;
  }

  private static final long top_p$OFFSET = 8;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * float top_p
   * }
   */
  public static final long top_p$offset() {
    return top_p$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * float top_p
   * }
   */
  public static float top_p(MemorySegment struct) {
    return struct.get(top_p$LAYOUT, top_p$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * float top_p
   * }
   */
  public static void top_p(MemorySegment struct, float fieldValue) {
    struct.set(top_p$LAYOUT, top_p$OFFSET, fieldValue);
  }

  private static final OfLong seed$LAYOUT = (OfLong) $LAYOUT.select(groupElement("seed"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * uint64_t seed
   * }
   */
  public static final OfLong seed$layout() {
    return seed$LAYOUT;
  }

  private static final long seed$OFFSET = 16;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * uint64_t seed
   * }
   */
  public static final long seed$offset() {
    return seed$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * uint64_t seed
   * }
   */
  public static long seed(MemorySegment struct) {
    return struct.get(seed$LAYOUT, seed$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * uint64_t seed
   * }
   */
  public static void seed(MemorySegment struct, long fieldValue) {
    struct.set(seed$LAYOUT, seed$OFFSET, fieldValue);
  }

  /**
   * Obtains a slice of {@code arrayParam} which selects the array element at {@code index}.
   * The returned segment has address {@code arrayParam.address() + index * layout().byteSize()}
   */
  public static MemorySegment asSlice(MemorySegment array, long index) {
    return array.asSlice(layout().byteSize() * index);
  }

  /**
   * The size (in bytes) of this struct
   */
  public static long sizeof() {
    return layout().byteSize();
  }

  /**
   * Allocate a segment of size {@code layout().byteSize()} using {@code allocator}
   */
  public static MemorySegment allocate(SegmentAllocator allocator) {
    return allocator.allocate(layout());
  }

  /**
   * Allocate an array of size {@code elementCount} using {@code allocator}.
   * The returned segment has size {@code elementCount * layout().byteSize()}.
   */
  public static MemorySegment allocateArray(long elementCount, SegmentAllocator allocator) {
    return allocator.allocate(MemoryLayout.sequenceLayout(elementCount, layout()));
  }

  /**
   * Reinterprets {@code addr} using target {@code arena} and {@code cleanupAction} (if any).
   * The returned segment has size {@code layout().byteSize()}
   */
  public static MemorySegment reinterpret(
      MemorySegment addr, Arena arena, Consumer<MemorySegment> cleanup) {
    return reinterpret(addr, 1, arena, cleanup);
  }

  /**
   * Reinterprets {@code addr} using target {@code arena} and {@code cleanupAction} (if any).
   * The returned segment has size {@code elementCount * layout().byteSize()}
   */
  public static MemorySegment reinterpret(
      MemorySegment addr, long elementCount, Arena arena, Consumer<MemorySegment> cleanup) {
    return addr.reinterpret(layout().byteSize() * elementCount, arena, cleanup);
  }
}
