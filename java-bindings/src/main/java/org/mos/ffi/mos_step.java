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

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.util.function.Consumer;

/**
 * One inference step over sequences of a KV cache:
 * {@snippet lang=c :
 * struct mos_step {
 *     int32_t num_seqs;
 *     const int32_t * seq_ids;
 *     const int32_t * lengths;
 *     const int32_t * tokens;
 *     const int32_t * adapter_ids;
 * }
 * }
 */
public class mos_step {

  mos_step() {
    // Should not be called directly
  }

  private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
          mos_h.C_INT.withName("num_seqs"),
          MemoryLayout.paddingLayout(4),
          mos_h.C_POINTER.withName("seq_ids"),
          mos_h.C_POINTER.withName("lengths"),
          mos_h.C_POINTER.withName("tokens"),
          mos_h.C_POINTER.withName("adapter_ids"))
      .withName("mos_step");

  /**
   * The layout of this struct
   */
  public static final GroupLayout layout() {
    return $LAYOUT;
  }

  private static final OfInt num_seqs$LAYOUT = (OfInt) $LAYOUT.select(groupElement("num_seqs"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * int32_t num_seqs
   * }
   */
  public static final OfInt num_seqs$layout() {
    return num_seqs$LAYOUT;
  }

  private static final long num_seqs$OFFSET = 0;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * int32_t num_seqs
   * }
   */
  public static final long num_seqs$offset() {
    return num_seqs$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * int32_t num_seqs
   * }
   */
  public static int num_seqs(MemorySegment struct) {
    return struct.get(num_seqs$LAYOUT, num_seqs$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * int32_t num_seqs
   * }
   */
  public static void num_seqs(MemorySegment struct, int fieldValue) {
    struct.set(num_seqs$LAYOUT, num_seqs$OFFSET, fieldValue);
  }

  private static final AddressLayout seq_ids$LAYOUT =
      (AddressLayout) $LAYOUT.select(groupElement("seq_ids"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * const int32_t * seq_ids
   * }
   */
  public static final AddressLayout seq_ids$layout() {
    return seq_ids$LAYOUT;
  }

  private static final long seq_ids$OFFSET = 8;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * const int32_t * seq_ids
   * }
   */
  public static final long seq_ids$offset() {
    return seq_ids$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * const int32_t * seq_ids
   * }
   */
  public static MemorySegment seq_ids(MemorySegment struct) {
    return struct.get(seq_ids$LAYOUT, seq_ids$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * const int32_t * seq_ids
   * }
   */
  public static void seq_ids(MemorySegment struct, MemorySegment fieldValue) {
    struct.set(seq_ids$LAYOUT, seq_ids$OFFSET, fieldValue);
  }

  private static final AddressLayout lengths$LAYOUT =
      (AddressLayout) $LAYOUT.select(groupElement("lengths"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * const int32_t * lengths
   * }
   */
  public static final AddressLayout lengths$layout() {
    return lengths$LAYOUT;
  }

  private static final long lengths$OFFSET = 16;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * const int32_t * lengths
   * }
   */
  public static final long lengths$offset() {
    return lengths$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * const int32_t * lengths
   * }
   */
  public static MemorySegment lengths(MemorySegment struct) {
    return struct.get(lengths$LAYOUT, lengths$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * const int32_t * lengths
   * }
   */
  public static void lengths(MemorySegment struct, MemorySegment fieldValue) {
    struct.set(lengths$LAYOUT, lengths$OFFSET, fieldValue);
  }

  private static final AddressLayout tokens$LAYOUT =
      (AddressLayout) $LAYOUT.select(groupElement("tokens"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * const int32_t * tokens
   * }
   */
  public static final AddressLayout tokens$layout() {
    return tokens$LAYOUT;
  }

  private static final long tokens$OFFSET = 24;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * const int32_t * tokens
   * }
   */
  public static final long tokens$offset() {
    return tokens$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * const int32_t * tokens
   * }
   */
  public static MemorySegment tokens(MemorySegment struct) {
    return struct.get(tokens$LAYOUT, tokens$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * const int32_t * tokens
   * }
   */
  public static void tokens(MemorySegment struct, MemorySegment fieldValue) {
    struct.set(tokens$LAYOUT, tokens$OFFSET, fieldValue);
  }

  private static final AddressLayout adapter_ids$LAYOUT =
      (AddressLayout) $LAYOUT.select(groupElement("adapter_ids"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * const int32_t * adapter_ids
   * }
   */
  public static final AddressLayout adapter_ids$layout() {
    return adapter_ids$LAYOUT;
  }

  private static final long adapter_ids$OFFSET = 32;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * const int32_t * adapter_ids
   * }
   */
  public static final long adapter_ids$offset() {
    return adapter_ids$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * const int32_t * adapter_ids
   * }
   */
  public static MemorySegment adapter_ids(MemorySegment struct) {
    return struct.get(adapter_ids$LAYOUT, adapter_ids$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * const int32_t * adapter_ids
   * }
   */
  public static void adapter_ids(MemorySegment struct, MemorySegment fieldValue) {
    struct.set(adapter_ids$LAYOUT, adapter_ids$OFFSET, fieldValue);
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
