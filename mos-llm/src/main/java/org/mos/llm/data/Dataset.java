// SPDX-License-Identifier: Apache-2.0
// Dataset: the training and validation examples read from data files, and their counts.
package org.mos.llm.data;

import java.util.List;

/**
 * Training and validation examples (unmodifiable lists) and what reading produced.
 *
 * @param train training examples, shuffled with the options' seed
 * @param validation held-out examples (the validation file's, or a seeded fraction of the data)
 * @param stats counts over everything read
 */
public record Dataset(List<Example> train, List<Example> validation, DataStats stats) {
  /** Makes both lists unmodifiable. */
  public Dataset {
    train = List.copyOf(train);
    validation = List.copyOf(validation);
  }
}
