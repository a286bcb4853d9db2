// SPDX-License-Identifier: Apache-2.0
// DataOptions: how data files become examples: sequence length, validation split, seed.
package org.mos.llm.data;

import java.nio.file.Path;
import org.mos.MosException;
import org.mos.Status;

/**
 * Options for {@link Datasets#load}.
 *
 * @param maxLength tokens per example: packed text is cut into sequences of exactly this length
 *     (the last one may be shorter); longer records are truncated to it. Default 1024; at least 2.
 * @param validationFraction fraction of the examples held out for validation when there is no
 *     validation file, chosen with the seed; in [0, 1). Default 0.
 * @param validationFile a second file read the same way as the validation set, or null.
 *     Exclusive with a non-zero validationFraction.
 * @param seed seeds the validation split and the shuffle of the training examples. Default 0.
 */
public record DataOptions(
    int maxLength, double validationFraction, Path validationFile, long seed) {
  /** Checks the ranges above. */
  public DataOptions {
    if (maxLength < 2) {
      throw new MosException(
          Status.INVALID_ARGUMENT, "DataOptions: maxLength must be at least 2, got " + maxLength);
    }
    if (!(validationFraction >= 0 && validationFraction < 1)) {
      throw new MosException(
          Status.INVALID_ARGUMENT,
          "DataOptions: validationFraction must be in [0, 1), got " + validationFraction);
    }
    if (validationFile != null && validationFraction > 0) {
      throw new MosException(
          Status.INVALID_ARGUMENT,
          "DataOptions: give a validation file or a" + " validation fraction, not both");
    }
  }

  /** The defaults: maxLength 1024, no validation, seed 0. */
  public static DataOptions defaults() {
    return new DataOptions(1024, 0, null, 0);
  }

  /** A copy with {@code maxLength} replaced. */
  public DataOptions withMaxLength(int maxLength) {
    return new DataOptions(maxLength, validationFraction, validationFile, seed);
  }

  /** A copy with {@code validationFraction} replaced. */
  public DataOptions withValidationFraction(double fraction) {
    return new DataOptions(maxLength, fraction, validationFile, seed);
  }

  /** A copy with {@code validationFile} replaced. */
  public DataOptions withValidationFile(Path file) {
    return new DataOptions(maxLength, validationFraction, file, seed);
  }

  /** A copy with {@code seed} replaced. */
  public DataOptions withSeed(long seed) {
    return new DataOptions(maxLength, validationFraction, validationFile, seed);
  }
}
