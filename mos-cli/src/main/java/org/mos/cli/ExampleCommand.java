// SPDX-License-Identifier: Apache-2.0
// `mos example`: runs the Java API's toy example (org.mos.examples.ToyRegression), a few seconds of
// MoS training on a synthetic regression task, to show the API working end to end.
package org.mos.cli;

import java.util.concurrent.Callable;
import org.mos.examples.ToyRegression;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Runs {@link ToyRegression}. */
@Command(
    name = "example",
    header = "Run the Java API's toy example (synthetic regression).",
    mixinStandardHelpOptions = true,
    description = {
      "Run the Java API's example (org.mos.examples.ToyRegression): a small MoS model trained "
          + "on a synthetic regression task through the native library.",
      ""
    })
final class ExampleCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      paramLabel = "STEPS",
      arity = "0..1",
      defaultValue = "300",
      description = "Training steps (default: 300).")
  int steps;

  @Parameters(
      index = "1",
      paramLabel = "PRINT_EVERY",
      arity = "0..1",
      defaultValue = "25",
      description = "Print the loss every N steps (default: 25).")
  int printEvery;

  @Parameters(
      index = "2",
      paramLabel = "SEED",
      arity = "0..1",
      defaultValue = "42",
      description = "Random seed (default: 42).")
  long seed;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    if (steps < 1 || printEvery < 1) {
      throw new ParameterException(
          spec.commandLine(),
          "STEPS and PRINT_EVERY must be >= 1, got " + steps + " and " + printEvery);
    }
    ToyRegression.run(steps, printEvery, seed, spec.commandLine().getOut());
    return 0;
  }
}
