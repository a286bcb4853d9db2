// SPDX-License-Identifier: Apache-2.0
// MosOptions: the MoS hyperparameter options of every command that builds adapters (demo, train),
// written once as a picocli mixin, with one set of names, defaults and checks.
package org.mos.cli;

import org.mos.MosConfig;
import org.mos.MosException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code --r}, {@code --equivalent-rank}, {@code --private-rank}, {@code --shards-per-vector},
 * {@code --alpha} and {@code --dropout}: a command takes them with
 * {@code @Mixin MosOptions mos;} and turns them into a checked {@link MosConfig} with
 * {@link #config(long)}.
 */
final class MosOptions {
  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Option(
      names = "--r",
      paramLabel = "N",
      defaultValue = "8",
      description = "Active rank r: rank vectors per block (default: ${DEFAULT-VALUE}).")
  int r;

  @Option(
      names = "--equivalent-rank",
      paramLabel = "N",
      defaultValue = "2",
      description = "Equivalent rank R_eq: the pools hold as many parameters as LoRA of this rank "
          + "(default: ${DEFAULT-VALUE}).")
  int equivalentRank;

  @Option(
      names = "--private-rank",
      paramLabel = "N",
      defaultValue = "1",
      description = "Private rank p: rank vectors per block from rows no other block uses "
          + "(default: ${DEFAULT-VALUE}).")
  int privateRank;

  @Option(
      names = "--shards-per-vector",
      paramLabel = "N",
      defaultValue = "2",
      description = "Shards per rank vector l (default: ${DEFAULT-VALUE}).")
  int shardsPerVector;

  @Option(
      names = "--alpha",
      paramLabel = "X",
      defaultValue = "16",
      description = "alpha; the adapter's output is scaled by alpha/r (default: ${DEFAULT-VALUE}).")
  float alpha;

  @Option(
      names = "--dropout",
      paramLabel = "X",
      defaultValue = "0.1",
      description = "Adapter dropout (default: ${DEFAULT-VALUE}, the paper's).")
  float dropout;

  /**
   * The options as a MosConfig with {@code seed}. A value out of range, or a combination the core
   * refuses (e.g. p >= R_eq), is a ParameterException (usage error, exit code 2) naming it.
   */
  MosConfig config(long seed) {
    atLeast("--r", r, 1);
    atLeast("--equivalent-rank", equivalentRank, 1);
    atLeast("--private-rank", privateRank, 0);
    atLeast("--shards-per-vector", shardsPerVector, 1);
    if (!Float.isFinite(alpha)) {
      throw new ParameterException(spec.commandLine(), "--alpha must be finite, got " + alpha);
    }
    if (!(dropout >= 0 && dropout < 1)) {
      throw new ParameterException(
          spec.commandLine(), "--dropout must be in [0, 1), got " + dropout);
    }
    try {
      return MosConfig.builder()
          .rank(r)
          .equivalentRank(equivalentRank)
          .privateRank(privateRank)
          .shardsPerVector(shardsPerVector)
          .alpha(alpha)
          .dropout(dropout)
          .seed(seed)
          .build();
    } catch (MosException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  private void atLeast(String name, int value, int min) {
    if (value < min) {
      throw new ParameterException(
          spec.commandLine(), name + " must be >= " + min + ", got " + value);
    }
  }
}
