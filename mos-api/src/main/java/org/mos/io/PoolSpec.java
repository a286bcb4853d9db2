// SPDX-License-Identifier: Apache-2.0
// One pool group's entry in adapter_config.json: the projection's shape and where it sits in the
// base model (a module path with a {layer} placeholder for the block index).
package org.mos.io;

import org.mos.MosException;
import org.mos.Status;

/**
 * The shape and location of one pool group (one projection type, e.g. {@code up_proj}).
 *
 * @param inFeatures  d_in of the adapted projection (W is [outFeatures x inFeatures]); divisible
 *                    by shards_per_vector
 * @param outFeatures d_out of the adapted projection; divisible by shards_per_vector
 * @param modulePath  the module's dotted path in the base model with {@code {layer}} standing for
 *                    the block index, e.g. {@code model.layers.{layer}.mlp.up_proj}; the PEFT
 *                    export names block k's tensors after it
 */
public record PoolSpec(int inFeatures, int outFeatures, String modulePath) {
  /** The placeholder for the block index in {@link #modulePath()}. */
  public static final String LAYER_PLACEHOLDER = "{layer}";

  public PoolSpec {
    if (inFeatures < 1 || outFeatures < 1) {
      throw new MosException(
          Status.INVALID_ARGUMENT,
          "in_features and out_features must be >= 1, got " + inFeatures + " and " + outFeatures);
    }
    if (modulePath == null || modulePath.isBlank()) {
      throw new MosException(Status.INVALID_ARGUMENT, "module_path is empty");
    }
    if (modulePath.chars().anyMatch(Character::isWhitespace)) {
      throw new MosException(
          Status.INVALID_ARGUMENT, "module_path '" + modulePath + "' contains whitespace");
    }
  }

  /** The module path of block {@code layer} ({@code {layer}} replaced by the number). */
  public String modulePath(int layer) {
    return modulePath.replace(LAYER_PLACEHOLDER, Integer.toString(layer));
  }
}
