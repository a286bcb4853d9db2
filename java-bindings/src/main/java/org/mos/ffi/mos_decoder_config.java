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
 * The decoder's architecture (LlamaConfig's fields):
 * {@snippet lang=c :
 * struct mos_decoder_config {
 *     int32_t vocab_size;
 *     int32_t hidden_size;
 *     int32_t intermediate_size;
 *     int32_t num_layers;
 *     int32_t num_heads;
 *     int32_t num_kv_heads;
 *     int32_t head_dim;
 *     int32_t max_positions;
 *     float rms_norm_eps;
 *     float rope_theta;
 *     mos_rope_type_t rope_type;
 *     float rope_factor;
 *     float rope_low_freq_factor;
 *     float rope_high_freq_factor;
 *     int32_t rope_original_max_positions;
 *     int32_t qkv_bias;
 *     int32_t o_bias;
 *     int32_t tie_word_embeddings;
 *     mos_dtype_t weight_dtype;
 * }
 * }
 */
public class mos_decoder_config {

  mos_decoder_config() {
    // Should not be called directly
  }

  private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
          mos_h.C_INT.withName("vocab_size"),
          mos_h.C_INT.withName("hidden_size"),
          mos_h.C_INT.withName("intermediate_size"),
          mos_h.C_INT.withName("num_layers"),
          mos_h.C_INT.withName("num_heads"),
          mos_h.C_INT.withName("num_kv_heads"),
          mos_h.C_INT.withName("head_dim"),
          mos_h.C_INT.withName("max_positions"),
          mos_h.C_FLOAT.withName("rms_norm_eps"),
          mos_h.C_FLOAT.withName("rope_theta"),
          mos_h.C_INT.withName("rope_type"),
          mos_h.C_FLOAT.withName("rope_factor"),
          mos_h.C_FLOAT.withName("rope_low_freq_factor"),
          mos_h.C_FLOAT.withName("rope_high_freq_factor"),
          mos_h.C_INT.withName("rope_original_max_positions"),
          mos_h.C_INT.withName("qkv_bias"),
          mos_h.C_INT.withName("o_bias"),
          mos_h.C_INT.withName("tie_word_embeddings"),
          mos_h.C_INT.withName("weight_dtype"))
      .withName("mos_decoder_config");

  /**
   * The layout of this struct
   */
  public static final GroupLayout layout() {
    return $LAYOUT;
  }

  private static final OfInt vocab_size$LAYOUT = (OfInt) $LAYOUT.select(groupElement("vocab_size"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * int32_t vocab_size
   * }
   */
  public static final OfInt vocab_size$layout() {
    return vocab_size$LAYOUT;
  }

  private static final long vocab_size$OFFSET = 0;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * int32_t vocab_size
   * }
   */
  public static final long vocab_size$offset() {
    return vocab_size$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * int32_t vocab_size
   * }
   */
  public static int vocab_size(MemorySegment struct) {
    return struct.get(vocab_size$LAYOUT, vocab_size$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * int32_t vocab_size
   * }
   */
  public static void vocab_size(MemorySegment struct, int fieldValue) {
    struct.set(vocab_size$LAYOUT, vocab_size$OFFSET, fieldValue);
  }

  private static final OfInt hidden_size$LAYOUT =
      (OfInt) $LAYOUT.select(groupElement("hidden_size"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * int32_t hidden_size
   * }
   */
  public static final OfInt hidden_size$layout() {
    return hidden_size$LAYOUT;
  }

  private static final long hidden_size$OFFSET = 4;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * int32_t hidden_size
   * }
   */
  public static final long hidden_size$offset() {
    return hidden_size$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * int32_t hidden_size
   * }
   */
  public static int hidden_size(MemorySegment struct) {
    return struct.get(hidden_size$LAYOUT, hidden_size$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * int32_t hidden_size
   * }
   */
  public static void hidden_size(MemorySegment struct, int fieldValue) {
    struct.set(hidden_size$LAYOUT, hidden_size$OFFSET, fieldValue);
  }

  private static final OfInt intermediate_size$LAYOUT =
      (OfInt) $LAYOUT.select(groupElement("intermediate_size"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * int32_t intermediate_size
   * }
   */
  public static final OfInt intermediate_size$layout() {
    return intermediate_size$LAYOUT;
  }

  private static final long intermediate_size$OFFSET = 8;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * int32_t intermediate_size
   * }
   */
  public static final long intermediate_size$offset() {
    return intermediate_size$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * int32_t intermediate_size
   * }
   */
  public static int intermediate_size(MemorySegment struct) {
    return struct.get(intermediate_size$LAYOUT, intermediate_size$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * int32_t intermediate_size
   * }
   */
  public static void intermediate_size(MemorySegment struct, int fieldValue) {
    struct.set(intermediate_size$LAYOUT, intermediate_size$OFFSET, fieldValue);
  }

  private static final OfInt num_layers$LAYOUT = (OfInt) $LAYOUT.select(groupElement("num_layers"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * int32_t num_layers
   * }
   */
  public static final OfInt num_layers$layout() {
    return num_layers$LAYOUT;
  }

  private static final long num_layers$OFFSET = 12;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * int32_t num_layers
   * }
   */
  public static final long num_layers$offset() {
    return num_layers$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * int32_t num_layers
   * }
   */
  public static int num_layers(MemorySegment struct) {
    return struct.get(num_layers$LAYOUT, num_layers$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * int32_t num_layers
   * }
   */
  public static void num_layers(MemorySegment struct, int fieldValue) {
    struct.set(num_layers$LAYOUT, num_layers$OFFSET, fieldValue);
  }

  private static final OfInt num_heads$LAYOUT = (OfInt) $LAYOUT.select(groupElement("num_heads"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * int32_t num_heads
   * }
   */
  public static final OfInt num_heads$layout() {
    return num_heads$LAYOUT;
  }

  private static final long num_heads$OFFSET = 16;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * int32_t num_heads
   * }
   */
  public static final long num_heads$offset() {
    return num_heads$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * int32_t num_heads
   * }
   */
  public static int num_heads(MemorySegment struct) {
    return struct.get(num_heads$LAYOUT, num_heads$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * int32_t num_heads
   * }
   */
  public static void num_heads(MemorySegment struct, int fieldValue) {
    struct.set(num_heads$LAYOUT, num_heads$OFFSET, fieldValue);
  }

  private static final OfInt num_kv_heads$LAYOUT =
      (OfInt) $LAYOUT.select(groupElement("num_kv_heads"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * int32_t num_kv_heads
   * }
   */
  public static final OfInt num_kv_heads$layout() {
    return num_kv_heads$LAYOUT;
  }

  private static final long num_kv_heads$OFFSET = 20;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * int32_t num_kv_heads
   * }
   */
  public static final long num_kv_heads$offset() {
    return num_kv_heads$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * int32_t num_kv_heads
   * }
   */
  public static int num_kv_heads(MemorySegment struct) {
    return struct.get(num_kv_heads$LAYOUT, num_kv_heads$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * int32_t num_kv_heads
   * }
   */
  public static void num_kv_heads(MemorySegment struct, int fieldValue) {
    struct.set(num_kv_heads$LAYOUT, num_kv_heads$OFFSET, fieldValue);
  }

  private static final OfInt head_dim$LAYOUT = (OfInt) $LAYOUT.select(groupElement("head_dim"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * int32_t head_dim
   * }
   */
  public static final OfInt head_dim$layout() {
    return head_dim$LAYOUT;
  }

  private static final long head_dim$OFFSET = 24;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * int32_t head_dim
   * }
   */
  public static final long head_dim$offset() {
    return head_dim$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * int32_t head_dim
   * }
   */
  public static int head_dim(MemorySegment struct) {
    return struct.get(head_dim$LAYOUT, head_dim$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * int32_t head_dim
   * }
   */
  public static void head_dim(MemorySegment struct, int fieldValue) {
    struct.set(head_dim$LAYOUT, head_dim$OFFSET, fieldValue);
  }

  private static final OfInt max_positions$LAYOUT =
      (OfInt) $LAYOUT.select(groupElement("max_positions"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * int32_t max_positions
   * }
   */
  public static final OfInt max_positions$layout() {
    return max_positions$LAYOUT;
  }

  private static final long max_positions$OFFSET = 28;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * int32_t max_positions
   * }
   */
  public static final long max_positions$offset() {
    return max_positions$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * int32_t max_positions
   * }
   */
  public static int max_positions(MemorySegment struct) {
    return struct.get(max_positions$LAYOUT, max_positions$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * int32_t max_positions
   * }
   */
  public static void max_positions(MemorySegment struct, int fieldValue) {
    struct.set(max_positions$LAYOUT, max_positions$OFFSET, fieldValue);
  }

  private static final OfFloat rms_norm_eps$LAYOUT =
      (OfFloat) $LAYOUT.select(groupElement("rms_norm_eps"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * float rms_norm_eps
   * }
   */
  public static final OfFloat rms_norm_eps$layout() {
    return rms_norm_eps$LAYOUT;
  }

  private static final long rms_norm_eps$OFFSET = 32;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * float rms_norm_eps
   * }
   */
  public static final long rms_norm_eps$offset() {
    return rms_norm_eps$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * float rms_norm_eps
   * }
   */
  public static float rms_norm_eps(MemorySegment struct) {
    return struct.get(rms_norm_eps$LAYOUT, rms_norm_eps$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * float rms_norm_eps
   * }
   */
  public static void rms_norm_eps(MemorySegment struct, float fieldValue) {
    struct.set(rms_norm_eps$LAYOUT, rms_norm_eps$OFFSET, fieldValue);
  }

  private static final OfFloat rope_theta$LAYOUT =
      (OfFloat) $LAYOUT.select(groupElement("rope_theta"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * float rope_theta
   * }
   */
  public static final OfFloat rope_theta$layout() {
    return rope_theta$LAYOUT;
  }

  private static final long rope_theta$OFFSET = 36;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * float rope_theta
   * }
   */
  public static final long rope_theta$offset() {
    return rope_theta$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * float rope_theta
   * }
   */
  public static float rope_theta(MemorySegment struct) {
    return struct.get(rope_theta$LAYOUT, rope_theta$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * float rope_theta
   * }
   */
  public static void rope_theta(MemorySegment struct, float fieldValue) {
    struct.set(rope_theta$LAYOUT, rope_theta$OFFSET, fieldValue);
  }

  private static final OfInt rope_type$LAYOUT = (OfInt) $LAYOUT.select(groupElement("rope_type"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * mos_rope_type_t rope_type
   * }
   */
  public static final OfInt rope_type$layout() {
    return rope_type$LAYOUT;
  }

  private static final long rope_type$OFFSET = 40;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * mos_rope_type_t rope_type
   * }
   */
  public static final long rope_type$offset() {
    return rope_type$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * mos_rope_type_t rope_type
   * }
   */
  public static int rope_type(MemorySegment struct) {
    return struct.get(rope_type$LAYOUT, rope_type$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * mos_rope_type_t rope_type
   * }
   */
  public static void rope_type(MemorySegment struct, int fieldValue) {
    struct.set(rope_type$LAYOUT, rope_type$OFFSET, fieldValue);
  }

  private static final OfFloat rope_factor$LAYOUT =
      (OfFloat) $LAYOUT.select(groupElement("rope_factor"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * float rope_factor
   * }
   */
  public static final OfFloat rope_factor$layout() {
    return rope_factor$LAYOUT;
  }

  private static final long rope_factor$OFFSET = 44;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * float rope_factor
   * }
   */
  public static final long rope_factor$offset() {
    return rope_factor$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * float rope_factor
   * }
   */
  public static float rope_factor(MemorySegment struct) {
    return struct.get(rope_factor$LAYOUT, rope_factor$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * float rope_factor
   * }
   */
  public static void rope_factor(MemorySegment struct, float fieldValue) {
    struct.set(rope_factor$LAYOUT, rope_factor$OFFSET, fieldValue);
  }

  private static final OfFloat rope_low_freq_factor$LAYOUT =
      (OfFloat) $LAYOUT.select(groupElement("rope_low_freq_factor"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * float rope_low_freq_factor
   * }
   */
  public static final OfFloat rope_low_freq_factor$layout() {
    return rope_low_freq_factor$LAYOUT;
  }

  private static final long rope_low_freq_factor$OFFSET = 48;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * float rope_low_freq_factor
   * }
   */
  public static final long rope_low_freq_factor$offset() {
    return rope_low_freq_factor$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * float rope_low_freq_factor
   * }
   */
  public static float rope_low_freq_factor(MemorySegment struct) {
    return struct.get(rope_low_freq_factor$LAYOUT, rope_low_freq_factor$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * float rope_low_freq_factor
   * }
   */
  public static void rope_low_freq_factor(MemorySegment struct, float fieldValue) {
    struct.set(rope_low_freq_factor$LAYOUT, rope_low_freq_factor$OFFSET, fieldValue);
  }

  private static final OfFloat rope_high_freq_factor$LAYOUT =
      (OfFloat) $LAYOUT.select(groupElement("rope_high_freq_factor"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * float rope_high_freq_factor
   * }
   */
  public static final OfFloat rope_high_freq_factor$layout() {
    return rope_high_freq_factor$LAYOUT;
  }

  private static final long rope_high_freq_factor$OFFSET = 52;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * float rope_high_freq_factor
   * }
   */
  public static final long rope_high_freq_factor$offset() {
    return rope_high_freq_factor$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * float rope_high_freq_factor
   * }
   */
  public static float rope_high_freq_factor(MemorySegment struct) {
    return struct.get(rope_high_freq_factor$LAYOUT, rope_high_freq_factor$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * float rope_high_freq_factor
   * }
   */
  public static void rope_high_freq_factor(MemorySegment struct, float fieldValue) {
    struct.set(rope_high_freq_factor$LAYOUT, rope_high_freq_factor$OFFSET, fieldValue);
  }

  private static final OfInt rope_original_max_positions$LAYOUT =
      (OfInt) $LAYOUT.select(groupElement("rope_original_max_positions"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * int32_t rope_original_max_positions
   * }
   */
  public static final OfInt rope_original_max_positions$layout() {
    return rope_original_max_positions$LAYOUT;
  }

  private static final long rope_original_max_positions$OFFSET = 56;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * int32_t rope_original_max_positions
   * }
   */
  public static final long rope_original_max_positions$offset() {
    return rope_original_max_positions$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * int32_t rope_original_max_positions
   * }
   */
  public static int rope_original_max_positions(MemorySegment struct) {
    return struct.get(rope_original_max_positions$LAYOUT, rope_original_max_positions$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * int32_t rope_original_max_positions
   * }
   */
  public static void rope_original_max_positions(MemorySegment struct, int fieldValue) {
    struct.set(rope_original_max_positions$LAYOUT, rope_original_max_positions$OFFSET, fieldValue);
  }

  private static final OfInt qkv_bias$LAYOUT = (OfInt) $LAYOUT.select(groupElement("qkv_bias"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * int32_t qkv_bias
   * }
   */
  public static final OfInt qkv_bias$layout() {
    return qkv_bias$LAYOUT;
  }

  private static final long qkv_bias$OFFSET = 60;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * int32_t qkv_bias
   * }
   */
  public static final long qkv_bias$offset() {
    return qkv_bias$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * int32_t qkv_bias
   * }
   */
  public static int qkv_bias(MemorySegment struct) {
    return struct.get(qkv_bias$LAYOUT, qkv_bias$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * int32_t qkv_bias
   * }
   */
  public static void qkv_bias(MemorySegment struct, int fieldValue) {
    struct.set(qkv_bias$LAYOUT, qkv_bias$OFFSET, fieldValue);
  }

  private static final OfInt o_bias$LAYOUT = (OfInt) $LAYOUT.select(groupElement("o_bias"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * int32_t o_bias
   * }
   */
  public static final OfInt o_bias$layout() {
    return o_bias$LAYOUT;
  }

  private static final long o_bias$OFFSET = 64;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * int32_t o_bias
   * }
   */
  public static final long o_bias$offset() {
    return o_bias$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * int32_t o_bias
   * }
   */
  public static int o_bias(MemorySegment struct) {
    return struct.get(o_bias$LAYOUT, o_bias$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * int32_t o_bias
   * }
   */
  public static void o_bias(MemorySegment struct, int fieldValue) {
    struct.set(o_bias$LAYOUT, o_bias$OFFSET, fieldValue);
  }

  private static final OfInt tie_word_embeddings$LAYOUT =
      (OfInt) $LAYOUT.select(groupElement("tie_word_embeddings"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * int32_t tie_word_embeddings
   * }
   */
  public static final OfInt tie_word_embeddings$layout() {
    return tie_word_embeddings$LAYOUT;
  }

  private static final long tie_word_embeddings$OFFSET = 68;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * int32_t tie_word_embeddings
   * }
   */
  public static final long tie_word_embeddings$offset() {
    return tie_word_embeddings$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * int32_t tie_word_embeddings
   * }
   */
  public static int tie_word_embeddings(MemorySegment struct) {
    return struct.get(tie_word_embeddings$LAYOUT, tie_word_embeddings$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * int32_t tie_word_embeddings
   * }
   */
  public static void tie_word_embeddings(MemorySegment struct, int fieldValue) {
    struct.set(tie_word_embeddings$LAYOUT, tie_word_embeddings$OFFSET, fieldValue);
  }

  private static final OfInt weight_dtype$LAYOUT =
      (OfInt) $LAYOUT.select(groupElement("weight_dtype"));

  /**
   * Layout for field:
   * {@snippet lang=c :
   * mos_dtype_t weight_dtype
   * }
   */
  public static final OfInt weight_dtype$layout() {
    return weight_dtype$LAYOUT;
  }

  private static final long weight_dtype$OFFSET = 72;

  /**
   * Offset for field:
   * {@snippet lang=c :
   * mos_dtype_t weight_dtype
   * }
   */
  public static final long weight_dtype$offset() {
    return weight_dtype$OFFSET;
  }

  /**
   * Getter for field:
   * {@snippet lang=c :
   * mos_dtype_t weight_dtype
   * }
   */
  public static int weight_dtype(MemorySegment struct) {
    return struct.get(weight_dtype$LAYOUT, weight_dtype$OFFSET);
  }

  /**
   * Setter for field:
   * {@snippet lang=c :
   * mos_dtype_t weight_dtype
   * }
   */
  public static void weight_dtype(MemorySegment struct, int fieldValue) {
    struct.set(weight_dtype$LAYOUT, weight_dtype$OFFSET, fieldValue);
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
