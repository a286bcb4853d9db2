// SPDX-License-Identifier: Apache-2.0
// MosException: the one unchecked exception of the mos API, carrying a Status and the message
// libmos wrote (mos_last_error) or the Java-side check's message in the same style.
package org.mos;

/**
 * A libmos call failed, or an argument was rejected before reaching libmos.
 *
 * <p>The message names the function and the broken invariant with numbers, e.g.
 * {@code "mos_layer_forward: x has 512 columns but the layer's d_in is 768"}. A failed call
 * leaves every object as it was (libmos validates before writing).
 *
 * <p>What throws what, across the API:
 * <ul>
 *   <li>bad values, shapes, indices, configs and states: {@code MosException} with the
 *       {@link Status} libmos uses for them;
 *   <li>a {@code null} argument that is not documented as optional: {@code MosException} with
 *       {@link Status#NULL_POINTER} (never a bare {@link NullPointerException});
 *   <li>any use of a closed object: {@link MosClosedException}{@code ("ShardPool is closed")},
 *       status {@link Status#INVALID_STATE}.
 * </ul>
 *
 * {@snippet :
 * try (MosContext ctx = MosContext.cpu();
 *      ShardPool pool = ShardPool.create(ctx, 64, 64, 2, MosConfig.defaults())) {
 *   pool.setIndices(0, new int[] {1, 2}, new int[] {3, 4});   // needs r*l = 32 indices
 * } catch (MosException e) {
 *   System.err.println(e.status() + ": " + e.getMessage());   // SHAPE_MISMATCH: ...
 * }
 * }
 */
public class MosException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final Status status;

  /** An exception with {@code status} and {@code message} (the native text, or Java's own). */
  public MosException(Status status, String message) {
    super(message);
    this.status = status == null ? Status.INTERNAL : status;
  }

  /** Why the call failed. */
  public Status status() {
    return status;
  }
}
