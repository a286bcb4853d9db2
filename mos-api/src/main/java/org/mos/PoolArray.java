// SPDX-License-Identifier: Apache-2.0
// PoolArray: the arrays of a pool group (mos_pool_array_t) that ShardPool.read/write copy: the
// two pools, their gradients and their AdamW moments.
package org.mos;

/**
 * One array of a {@link ShardPool}, all row-major f32 with P = R_eq L l shards,
 * s_A = d_in / l and s_B = d_out / l:
 * <ul>
 *   <li>{@link #POOL_A}, {@link #GRAD_A}, {@link #ADAM_M_A}, {@link #ADAM_V_A}: [P x s_A]
 *       (A-shards are rows);
 *   <li>{@link #POOL_B}, {@link #GRAD_B}, {@link #ADAM_M_B}, {@link #ADAM_V_B}: [s_B x P]
 *       (B-shards are columns).
 * </ul>
 *
 * {@snippet :
 * try (MosContext ctx = MosContext.cpu();
 *      ShardPool pool = ShardPool.create(ctx, 64, 64, 8, MosConfig.defaults())) {
 *   pool.init(1);
 *   float[] a = pool.read(PoolArray.POOL_A);           // P * s_A values
 *   int rows = pool.rows(PoolArray.POOL_A);             // P
 * }
 * }
 */
public enum PoolArray {
  /** pool_A [P x s_A]: the trainable A-shards. */
  POOL_A(0, true),
  /** pool_B [s_B x P]: the trainable B-shards. */
  POOL_B(1, false),
  /** The accumulated gradient of pool_A. */
  GRAD_A(2, true),
  /** The accumulated gradient of pool_B. */
  GRAD_B(3, false),
  /** AdamW first moment of pool_A. */
  ADAM_M_A(4, true),
  /** AdamW second moment of pool_A. */
  ADAM_V_A(5, true),
  /** AdamW first moment of pool_B. */
  ADAM_M_B(6, false),
  /** AdamW second moment of pool_B. */
  ADAM_V_B(7, false);

  private final int code;
  private final boolean sideA;

  PoolArray(int code, boolean sideA) {
    this.code = code;
    this.sideA = sideA;
  }

  /** The {@code mos_pool_array_t} value. */
  public int code() {
    return code;
  }

  /** True for the arrays shaped like pool_A [P x s_A], false for those like pool_B [s_B x P]. */
  public boolean isSideA() {
    return sideA;
  }
}
