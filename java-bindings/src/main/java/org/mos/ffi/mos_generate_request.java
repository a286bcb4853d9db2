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
 * One request of mos_decoder_generate:
 * {@snippet lang=c :
 * struct mos_generate_request {
 *     const int32_t * prompt;
 *     int32_t prompt_length;
 *     int32_t max_new_tokens;
 *     mos_sampling_t sampling;
 *     const int32_t * stop_ids;
 *     int32_t num_stop_ids;
 *     int32_t adapter_id;
 *     int32_t * out_tokens;
 *     int32_t out_length;
 * }
 * }
 */
public class mos_generate_request {

  mos_generate_request() {
    // Should not be called directly
  }

  private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
          mos_h.C_POINTER.withName("prompt"),
          mos_h.C_INT.withName("prompt_length"),
          mos_h.C_INT.withName("max_new_tokens"),
          mos_sampling.layout().withName("sampling"),
          mos_h.C_POINTER.withName("stop_ids"),
          mos_h.C_INT.withName("num_stop_ids"),
          mos_h.C_INT.withName("adapter_id"),
          mos_h.C_POINTER.withName("out_tokens"),
          mos_h.C_INT.withName("out_length"),
          MemoryLayout.paddingLayout(4))
      .withName("mos_generate_request");

  /**
   * The layout of this struct
   */
  public static final GroupLayout layout() {
    return $LAYOUT;
  }

  private static final AddressLayout prompt$LAYOUT =
      (AddressLayout) $LAYOUT.select(groupElement("prompt"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * const int32_t * prompt
   * }
   */
  public static final AddressLayout prompt$layout() {
    return prompt$LAYOUT;
  }

  private static final long prompt$OFFSET = 0;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * const int32_t * prompt
   * }
   */
  public static final long prompt$offset() {
    return prompt$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * const int32_t * prompt
   * }
   */
  public static MemorySegment prompt(MemorySegment struct) {
    return struct.get(prompt$LAYOUT, prompt$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * const int32_t * prompt
   * }
   */
  public static void prompt(MemorySegment struct, MemorySegment fieldValue) {
    struct.set(prompt$LAYOUT, prompt$OFFSET, fieldValue);
  }

  private static final OfInt prompt_length$LAYOUT =
      (OfInt) $LAYOUT.select(groupElement("prompt_length"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * int32_t prompt_length
   * }
   */
  public static final OfInt prompt_length$layout() {
    return prompt_length$LAYOUT;
  }

  private static final long prompt_length$OFFSET = 8;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * int32_t prompt_length
   * }
   */
  public static final long prompt_length$offset() {
    return prompt_length$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * int32_t prompt_length
   * }
   */
  public static int prompt_length(MemorySegment struct) {
    return struct.get(prompt_length$LAYOUT, prompt_length$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * int32_t prompt_length
   * }
   */
  public static void prompt_length(MemorySegment struct, int fieldValue) {
    struct.set(prompt_length$LAYOUT, prompt_length$OFFSET, fieldValue);
  }

  private static final OfInt max_new_tokens$LAYOUT =
      (OfInt) $LAYOUT.select(groupElement("max_new_tokens"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * int32_t max_new_tokens
   * }
   */
  public static final OfInt max_new_tokens$layout() {
    return max_new_tokens$LAYOUT;
  }

  private static final long max_new_tokens$OFFSET = 12;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * int32_t max_new_tokens
   * }
   */
  public static final long max_new_tokens$offset() {
    return max_new_tokens$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * int32_t max_new_tokens
   * }
   */
  public static int max_new_tokens(MemorySegment struct) {
    return struct.get(max_new_tokens$LAYOUT, max_new_tokens$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * int32_t max_new_tokens
   * }
   */
  public static void max_new_tokens(MemorySegment struct, int fieldValue) {
    struct.set(max_new_tokens$LAYOUT, max_new_tokens$OFFSET, fieldValue);
  }

  private static final GroupLayout sampling$LAYOUT =
      (GroupLayout) $LAYOUT.select(groupElement("sampling"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * mos_sampling_t sampling
   * }
   */
  public static final GroupLayout sampling$layout() {
    return sampling$LAYOUT;
  }

  private static final long sampling$OFFSET = 16;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * mos_sampling_t sampling
   * }
   */
  public static final long sampling$offset() {
    return sampling$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * mos_sampling_t sampling
   * }
   */
  public static MemorySegment sampling(MemorySegment struct) {
    return struct.asSlice(sampling$OFFSET, sampling$LAYOUT.byteSize());
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * mos_sampling_t sampling
   * }
   */
  public static void sampling(MemorySegment struct, MemorySegment fieldValue) {
    MemorySegment.copy(fieldValue, 0L, struct, sampling$OFFSET, sampling$LAYOUT.byteSize());
  }

  private static final AddressLayout stop_ids$LAYOUT =
      (AddressLayout) $LAYOUT.select(groupElement("stop_ids"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * const int32_t * stop_ids
   * }
   */
  public static final AddressLayout stop_ids$layout() {
    return stop_ids$LAYOUT;
  }

  private static final long stop_ids$OFFSET = 40;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * const int32_t * stop_ids
   * }
   */
  public static final long stop_ids$offset() {
    return stop_ids$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * const int32_t * stop_ids
   * }
   */
  public static MemorySegment stop_ids(MemorySegment struct) {
    return struct.get(stop_ids$LAYOUT, stop_ids$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * const int32_t * stop_ids
   * }
   */
  public static void stop_ids(MemorySegment struct, MemorySegment fieldValue) {
    struct.set(stop_ids$LAYOUT, stop_ids$OFFSET, fieldValue);
  }

  private static final OfInt num_stop_ids$LAYOUT =
      (OfInt) $LAYOUT.select(groupElement("num_stop_ids"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * int32_t num_stop_ids
   * }
   */
  public static final OfInt num_stop_ids$layout() {
    return num_stop_ids$LAYOUT;
  }

  private static final long num_stop_ids$OFFSET = 48;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * int32_t num_stop_ids
   * }
   */
  public static final long num_stop_ids$offset() {
    return num_stop_ids$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * int32_t num_stop_ids
   * }
   */
  public static int num_stop_ids(MemorySegment struct) {
    return struct.get(num_stop_ids$LAYOUT, num_stop_ids$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * int32_t num_stop_ids
   * }
   */
  public static void num_stop_ids(MemorySegment struct, int fieldValue) {
    struct.set(num_stop_ids$LAYOUT, num_stop_ids$OFFSET, fieldValue);
  }

  private static final OfInt adapter_id$LAYOUT = (OfInt) $LAYOUT.select(groupElement("adapter_id"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * int32_t adapter_id
   * }
   */
  public static final OfInt adapter_id$layout() {
    return adapter_id$LAYOUT;
  }

  private static final long adapter_id$OFFSET = 52;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * int32_t adapter_id
   * }
   */
  public static final long adapter_id$offset() {
    return adapter_id$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * int32_t adapter_id
   * }
   */
  public static int adapter_id(MemorySegment struct) {
    return struct.get(adapter_id$LAYOUT, adapter_id$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * int32_t adapter_id
   * }
   */
  public static void adapter_id(MemorySegment struct, int fieldValue) {
    struct.set(adapter_id$LAYOUT, adapter_id$OFFSET, fieldValue);
  }

  private static final AddressLayout out_tokens$LAYOUT =
      (AddressLayout) $LAYOUT.select(groupElement("out_tokens"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * int32_t * out_tokens
   * }
   */
  public static final AddressLayout out_tokens$layout() {
    return out_tokens$LAYOUT;
  }

  private static final long out_tokens$OFFSET = 56;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * int32_t * out_tokens
   * }
   */
  public static final long out_tokens$offset() {
    return out_tokens$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * int32_t * out_tokens
   * }
   */
  public static MemorySegment out_tokens(MemorySegment struct) {
    return struct.get(out_tokens$LAYOUT, out_tokens$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * int32_t * out_tokens
   * }
   */
  public static void out_tokens(MemorySegment struct, MemorySegment fieldValue) {
    struct.set(out_tokens$LAYOUT, out_tokens$OFFSET, fieldValue);
  }

  private static final OfInt out_length$LAYOUT = (OfInt) $LAYOUT.select(groupElement("out_length"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * int32_t out_length
   * }
   */
  public static final OfInt out_length$layout() {
    return out_length$LAYOUT;
  }

  private static final long out_length$OFFSET = 64;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * int32_t out_length
   * }
   */
  public static final long out_length$offset() {
    return out_length$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * int32_t out_length
   * }
   */
  public static int out_length(MemorySegment struct) {
    return struct.get(out_length$LAYOUT, out_length$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * int32_t out_length
   * }
   */
  public static void out_length(MemorySegment struct, int fieldValue) {
    struct.set(out_length$LAYOUT, out_length$OFFSET, fieldValue);
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
