// SPDX-License-Identifier: Apache-2.0
// Generated from native/include/mos/mos.h ... but NOT by jextract, which cannot be installed on the
// build
// machines: written without it, in the layout `jextract --target-package org.mos.ffi
// --header-class-name
// mos_h -l mos` produces. Regenerate with scripts/regen-bindings.sh where jextract exists;
// BindingsCoverageTest (java-bindings) fails if a field is missing or differs from the header.

package org.mos.ffi;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.OfFloat;
import static java.lang.foreign.ValueLayout.OfInt;

import java.lang.foreign.Arena;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.util.function.Consumer;

/**
 * {@snippet lang=c :
 * struct mos_config {
 *     int32_t struct_size;
 *     int32_t d_in;
 *     int32_t d_out;
 *     int32_t num_blocks;
 *     int32_t rank;
 *     int32_t equivalent_rank;
 *     int32_t private_rank;
 *     int32_t shards_per_vector;
 *     float alpha;
 *     float dropout;
 * }
 * }
 */
public class mos_config {

  mos_config() {
    // Should not be called directly
  }

  private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
          mos_h.C_INT.withName("struct_size"),
          mos_h.C_INT.withName("d_in"),
          mos_h.C_INT.withName("d_out"),
          mos_h.C_INT.withName("num_blocks"),
          mos_h.C_INT.withName("rank"),
          mos_h.C_INT.withName("equivalent_rank"),
          mos_h.C_INT.withName("private_rank"),
          mos_h.C_INT.withName("shards_per_vector"),
          mos_h.C_FLOAT.withName("alpha"),
          mos_h.C_FLOAT.withName("dropout"))
      .withName("mos_config");

  /**
   * The layout of this struct
   */
  public static final GroupLayout layout() {
    return $LAYOUT;
  }

  private static final OfInt struct_size$LAYOUT =
      (OfInt) $LAYOUT.select(groupElement("struct_size"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * int32_t struct_size
   * }
   */
  public static final OfInt struct_size$layout() {
    return struct_size$LAYOUT;
  }

  private static final long struct_size$OFFSET = 0;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * int32_t struct_size
   * }
   */
  public static final long struct_size$offset() {
    return struct_size$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * int32_t struct_size
   * }
   */
  public static int struct_size(MemorySegment struct) {
    return struct.get(struct_size$LAYOUT, struct_size$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * int32_t struct_size
   * }
   */
  public static void struct_size(MemorySegment struct, int fieldValue) {
    struct.set(struct_size$LAYOUT, struct_size$OFFSET, fieldValue);
  }

  private static final OfInt d_in$LAYOUT = (OfInt) $LAYOUT.select(groupElement("d_in"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * int32_t d_in
   * }
   */
  public static final OfInt d_in$layout() {
    return d_in$LAYOUT;
  }

  private static final long d_in$OFFSET = 4;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * int32_t d_in
   * }
   */
  public static final long d_in$offset() {
    return d_in$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * int32_t d_in
   * }
   */
  public static int d_in(MemorySegment struct) {
    return struct.get(d_in$LAYOUT, d_in$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * int32_t d_in
   * }
   */
  public static void d_in(MemorySegment struct, int fieldValue) {
    struct.set(d_in$LAYOUT, d_in$OFFSET, fieldValue);
  }

  private static final OfInt d_out$LAYOUT = (OfInt) $LAYOUT.select(groupElement("d_out"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * int32_t d_out
   * }
   */
  public static final OfInt d_out$layout() {
    return d_out$LAYOUT;
  }

  private static final long d_out$OFFSET = 8;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * int32_t d_out
   * }
   */
  public static final long d_out$offset() {
    return d_out$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * int32_t d_out
   * }
   */
  public static int d_out(MemorySegment struct) {
    return struct.get(d_out$LAYOUT, d_out$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * int32_t d_out
   * }
   */
  public static void d_out(MemorySegment struct, int fieldValue) {
    struct.set(d_out$LAYOUT, d_out$OFFSET, fieldValue);
  }

  private static final OfInt num_blocks$LAYOUT = (OfInt) $LAYOUT.select(groupElement("num_blocks"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * int32_t num_blocks
   * }
   */
  public static final OfInt num_blocks$layout() {
    return num_blocks$LAYOUT;
  }

  private static final long num_blocks$OFFSET = 12;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * int32_t num_blocks
   * }
   */
  public static final long num_blocks$offset() {
    return num_blocks$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * int32_t num_blocks
   * }
   */
  public static int num_blocks(MemorySegment struct) {
    return struct.get(num_blocks$LAYOUT, num_blocks$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * int32_t num_blocks
   * }
   */
  public static void num_blocks(MemorySegment struct, int fieldValue) {
    struct.set(num_blocks$LAYOUT, num_blocks$OFFSET, fieldValue);
  }

  private static final OfInt rank$LAYOUT = (OfInt) $LAYOUT.select(groupElement("rank"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * int32_t rank
   * }
   */
  public static final OfInt rank$layout() {
    return rank$LAYOUT;
  }

  private static final long rank$OFFSET = 16;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * int32_t rank
   * }
   */
  public static final long rank$offset() {
    return rank$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * int32_t rank
   * }
   */
  public static int rank(MemorySegment struct) {
    return struct.get(rank$LAYOUT, rank$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * int32_t rank
   * }
   */
  public static void rank(MemorySegment struct, int fieldValue) {
    struct.set(rank$LAYOUT, rank$OFFSET, fieldValue);
  }

  private static final OfInt equivalent_rank$LAYOUT =
      (OfInt) $LAYOUT.select(groupElement("equivalent_rank"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * int32_t equivalent_rank
   * }
   */
  public static final OfInt equivalent_rank$layout() {
    return equivalent_rank$LAYOUT;
  }

  private static final long equivalent_rank$OFFSET = 20;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * int32_t equivalent_rank
   * }
   */
  public static final long equivalent_rank$offset() {
    return equivalent_rank$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * int32_t equivalent_rank
   * }
   */
  public static int equivalent_rank(MemorySegment struct) {
    return struct.get(equivalent_rank$LAYOUT, equivalent_rank$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * int32_t equivalent_rank
   * }
   */
  public static void equivalent_rank(MemorySegment struct, int fieldValue) {
    struct.set(equivalent_rank$LAYOUT, equivalent_rank$OFFSET, fieldValue);
  }

  private static final OfInt private_rank$LAYOUT =
      (OfInt) $LAYOUT.select(groupElement("private_rank"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * int32_t private_rank
   * }
   */
  public static final OfInt private_rank$layout() {
    return private_rank$LAYOUT;
  }

  private static final long private_rank$OFFSET = 24;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * int32_t private_rank
   * }
   */
  public static final long private_rank$offset() {
    return private_rank$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * int32_t private_rank
   * }
   */
  public static int private_rank(MemorySegment struct) {
    return struct.get(private_rank$LAYOUT, private_rank$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * int32_t private_rank
   * }
   */
  public static void private_rank(MemorySegment struct, int fieldValue) {
    struct.set(private_rank$LAYOUT, private_rank$OFFSET, fieldValue);
  }

  private static final OfInt shards_per_vector$LAYOUT =
      (OfInt) $LAYOUT.select(groupElement("shards_per_vector"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * int32_t shards_per_vector
   * }
   */
  public static final OfInt shards_per_vector$layout() {
    return shards_per_vector$LAYOUT;
  }

  private static final long shards_per_vector$OFFSET = 28;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * int32_t shards_per_vector
   * }
   */
  public static final long shards_per_vector$offset() {
    return shards_per_vector$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * int32_t shards_per_vector
   * }
   */
  public static int shards_per_vector(MemorySegment struct) {
    return struct.get(shards_per_vector$LAYOUT, shards_per_vector$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * int32_t shards_per_vector
   * }
   */
  public static void shards_per_vector(MemorySegment struct, int fieldValue) {
    struct.set(shards_per_vector$LAYOUT, shards_per_vector$OFFSET, fieldValue);
  }

  private static final OfFloat alpha$LAYOUT = (OfFloat) $LAYOUT.select(groupElement("alpha"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * float alpha
   * }
   */
  public static final OfFloat alpha$layout() {
    return alpha$LAYOUT;
  }

  private static final long alpha$OFFSET = 32;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * float alpha
   * }
   */
  public static final long alpha$offset() {
    return alpha$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * float alpha
   * }
   */
  public static float alpha(MemorySegment struct) {
    return struct.get(alpha$LAYOUT, alpha$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * float alpha
   * }
   */
  public static void alpha(MemorySegment struct, float fieldValue) {
    struct.set(alpha$LAYOUT, alpha$OFFSET, fieldValue);
  }

  private static final OfFloat dropout$LAYOUT = (OfFloat) $LAYOUT.select(groupElement("dropout"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * float dropout
   * }
   */
  public static final OfFloat dropout$layout() {
    return dropout$LAYOUT;
  }

  private static final long dropout$OFFSET = 36;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * float dropout
   * }
   */
  public static final long dropout$offset() {
    return dropout$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * float dropout
   * }
   */
  public static float dropout(MemorySegment struct) {
    return struct.get(dropout$LAYOUT, dropout$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * float dropout
   * }
   */
  public static void dropout(MemorySegment struct, float fieldValue) {
    struct.set(dropout$LAYOUT, dropout$OFFSET, fieldValue);
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
