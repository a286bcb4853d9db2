// SPDX-License-Identifier: Apache-2.0
// DataStats: what reading a data file produced: how many records, tokens, targets, and how many
// examples were truncated, dropped, or trained on their whole text.
package org.mos.llm.data;

/**
 * Counts from reading data files.
 *
 * @param format the file's format (of the first file read, when summed over several)
 * @param records documents (plain text, {@code {"text"}} records) or examples (other records) read
 * @param examples examples produced (train and validation together)
 * @param tokens tokens in all examples
 * @param targets target tokens (true loss-mask entries) in all examples
 * @param truncated examples longer than the limit, cut to it (their ends are lost)
 * @param dropped records with no target token left (after truncation, or no assistant turn)
 * @param wholeTextLoss conversations whose assistant turns could not be told apart because the
 *     template is not prefix-stable, trained on their whole rendered text instead
 * @param inexactBoundaries records whose text had to be tokenized in parts because a token
 *     straddled a prompt/completion or turn boundary (each part tokenized alone)
 */
public record DataStats(
    DataFormat format,
    int records,
    int examples,
    long tokens,
    long targets,
    int truncated,
    int dropped,
    int wholeTextLoss,
    int inexactBoundaries) {

  /** The counts of this and {@code o} added up (the format is this one's). */
  public DataStats plus(DataStats o) {
    return new DataStats(
        format,
        records + o.records,
        examples + o.examples,
        tokens + o.tokens,
        targets + o.targets,
        truncated + o.truncated,
        dropped + o.dropped,
        wholeTextLoss + o.wholeTextLoss,
        inexactBoundaries + o.inexactBoundaries);
  }
}
