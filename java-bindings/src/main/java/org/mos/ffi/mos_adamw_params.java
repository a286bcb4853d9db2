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
 * One AdamW step of the decoder's base (mos_decoder_base_step):
 * {@snippet lang=c :
 * struct mos_adamw_params {
 *     float lr;
 *     float beta1;
 *     float beta2;
 *     float eps;
 *     float weight_decay;
 *     float max_grad_norm;
 * }
 * }
 */
public class mos_adamw_params {

  mos_adamw_params() {
    // Should not be called directly
  }

  private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
          mos_h.C_FLOAT.withName("lr"),
          mos_h.C_FLOAT.withName("beta1"),
          mos_h.C_FLOAT.withName("beta2"),
          mos_h.C_FLOAT.withName("eps"),
          mos_h.C_FLOAT.withName("weight_decay"),
          mos_h.C_FLOAT.withName("max_grad_norm"))
      .withName("mos_adamw_params");

  /**
   * The layout of this struct
   */
  public static final GroupLayout layout() {
    return $LAYOUT;
  }

  private static final OfFloat lr$LAYOUT = (OfFloat) $LAYOUT.select(groupElement("lr"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * float lr
   * }
   */
  public static final OfFloat lr$layout() {
    return lr$LAYOUT;
  }

  private static final long lr$OFFSET = 0;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * float lr
   * }
   */
  public static final long lr$offset() {
    return lr$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * float lr
   * }
   */
  public static float lr(MemorySegment struct) {
    return struct.get(lr$LAYOUT, lr$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * float lr
   * }
   */
  public static void lr(MemorySegment struct, float fieldValue) {
    struct.set(lr$LAYOUT, lr$OFFSET, fieldValue);
  }

  private static final OfFloat beta1$LAYOUT = (OfFloat) $LAYOUT.select(groupElement("beta1"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * float beta1
   * }
   */
  public static final OfFloat beta1$layout() {
    return beta1$LAYOUT;
  }

  private static final long beta1$OFFSET = 4;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * float beta1
   * }
   */
  public static final long beta1$offset() {
    return beta1$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * float beta1
   * }
   */
  public static float beta1(MemorySegment struct) {
    return struct.get(beta1$LAYOUT, beta1$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * float beta1
   * }
   */
  public static void beta1(MemorySegment struct, float fieldValue) {
    struct.set(beta1$LAYOUT, beta1$OFFSET, fieldValue);
  }

  private static final OfFloat beta2$LAYOUT = (OfFloat) $LAYOUT.select(groupElement("beta2"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * float beta2
   * }
   */
  public static final OfFloat beta2$layout() {
    return beta2$LAYOUT;
  }

  private static final long beta2$OFFSET = 8;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * float beta2
   * }
   */
  public static final long beta2$offset() {
    return beta2$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * float beta2
   * }
   */
  public static float beta2(MemorySegment struct) {
    return struct.get(beta2$LAYOUT, beta2$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * float beta2
   * }
   */
  public static void beta2(MemorySegment struct, float fieldValue) {
    struct.set(beta2$LAYOUT, beta2$OFFSET, fieldValue);
  }

  private static final OfFloat eps$LAYOUT = (OfFloat) $LAYOUT.select(groupElement("eps"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * float eps
   * }
   */
  public static final OfFloat eps$layout() {
    return eps$LAYOUT;
  }

  private static final long eps$OFFSET = 12;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * float eps
   * }
   */
  public static final long eps$offset() {
    return eps$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * float eps
   * }
   */
  public static float eps(MemorySegment struct) {
    return struct.get(eps$LAYOUT, eps$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * float eps
   * }
   */
  public static void eps(MemorySegment struct, float fieldValue) {
    struct.set(eps$LAYOUT, eps$OFFSET, fieldValue);
  }

  private static final OfFloat weight_decay$LAYOUT =
      (OfFloat) $LAYOUT.select(groupElement("weight_decay"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * float weight_decay
   * }
   */
  public static final OfFloat weight_decay$layout() {
    return weight_decay$LAYOUT;
  }

  private static final long weight_decay$OFFSET = 16;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * float weight_decay
   * }
   */
  public static final long weight_decay$offset() {
    return weight_decay$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * float weight_decay
   * }
   */
  public static float weight_decay(MemorySegment struct) {
    return struct.get(weight_decay$LAYOUT, weight_decay$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * float weight_decay
   * }
   */
  public static void weight_decay(MemorySegment struct, float fieldValue) {
    struct.set(weight_decay$LAYOUT, weight_decay$OFFSET, fieldValue);
  }

  private static final OfFloat max_grad_norm$LAYOUT =
      (OfFloat) $LAYOUT.select(groupElement("max_grad_norm"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * float max_grad_norm
   * }
   */
  public static final OfFloat max_grad_norm$layout() {
    return max_grad_norm$LAYOUT;
  }

  private static final long max_grad_norm$OFFSET = 20;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * float max_grad_norm
   * }
   */
  public static final long max_grad_norm$offset() {
    return max_grad_norm$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * float max_grad_norm
   * }
   */
  public static float max_grad_norm(MemorySegment struct) {
    return struct.get(max_grad_norm$LAYOUT, max_grad_norm$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * float max_grad_norm
   * }
   */
  public static void max_grad_norm(MemorySegment struct, float fieldValue) {
    struct.set(max_grad_norm$LAYOUT, max_grad_norm$OFFSET, fieldValue);
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
