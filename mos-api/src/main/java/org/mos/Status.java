// SPDX-License-Identifier: Apache-2.0
// Status: the Java mirror of mos_status_t (native/include/mos/mos.h), carried by MosException.
// The codes are checked against the header by StatusTest.
package org.mos;

/**
 * Why a libmos call failed: one constant per {@code mos_status_t} value, with the same code.
 *
 * {@snippet :
 * try (MosContext ctx = MosContext.cpu()) {
 *   ShardPool.create(ctx, 64, 64, 2, MosConfig.builder().privateRank(5).build());
 * } catch (MosException e) {
 *   assert e.status() == Status.INVALID_ARGUMENT;   // p > R_eq
 * }
 * }
 */
public enum Status {
  /** {@code MOS_STATUS_OK}: success (never carried by an exception). */
  OK(0),
  /** {@code MOS_STATUS_INVALID_ARGUMENT}: a value outside its valid range, a bad config. */
  INVALID_ARGUMENT(1),
  /** {@code MOS_STATUS_NULL_POINTER}: a required handle, array or tensor was null. */
  NULL_POINTER(2),
  /** {@code MOS_STATUS_SHAPE_MISMATCH}: tensor shapes or buffer lengths disagree. */
  SHAPE_MISMATCH(3),
  /** {@code MOS_STATUS_INDEX_OUT_OF_RANGE}: a routing index or block index outside its range. */
  INDEX_OUT_OF_RANGE(4),
  /** {@code MOS_STATUS_OUT_OF_MEMORY}: a host or device allocation failed. */
  OUT_OF_MEMORY(5),
  /** {@code MOS_STATUS_UNSUPPORTED}: a valid request this build, backend or dtype cannot do. */
  UNSUPPORTED(6),
  /** {@code MOS_STATUS_BACKEND_UNAVAILABLE}: backend not built, no driver/device, or no libmos. */
  BACKEND_UNAVAILABLE(7),
  /** {@code MOS_STATUS_INVALID_STATE}: e.g. backward without a training forward, merge twice. */
  INVALID_STATE(8),
  /** {@code MOS_STATUS_INTERNAL}: a bug in libmos (or a status code this API does not know). */
  INTERNAL(9);

  private final int code;

  Status(int code) {
    this.code = code;
  }

  /** The {@code mos_status_t} value. */
  public int code() {
    return code;
  }

  /** The constant for a {@code mos_status_t} value; unknown codes map to {@link #INTERNAL}. */
  public static Status of(int code) {
    for (Status s : values()) {
      if (s.code == code) {
        return s;
      }
    }
    return INTERNAL;
  }
}
