// `mos example`: runs the Java API's toy example (org.mos.examples.ToyRegression), a few seconds of
// MoS training on a synthetic regression task, to show the API working end to end.
package org.mos.cli;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.concurrent.Callable;
import org.mos.MosException;
import org.mos.Status;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Runs org.mos.examples.ToyRegression. */
@Command(
    name = "example",
    header = "Run the Java API's toy example (synthetic regression).",
    mixinStandardHelpOptions = true,
    description = {
        "Run the Java API's example (org.mos.examples.ToyRegression): a small MoS model trained "
            + "on a synthetic regression task through the native library.",
        ""})
final class ExampleCommand implements Callable<Integer> {
  static final String EXAMPLE_CLASS = "org.mos.examples.ToyRegression";

  @Parameters(index = "0", paramLabel = "STEPS", arity = "0..1", defaultValue = "300",
      description = "Training steps (default: 300).")
  int steps;

  @Parameters(index = "1", paramLabel = "PRINT_EVERY", arity = "0..1", defaultValue = "25",
      description = "Print the loss every N steps (default: 25).")
  int printEvery;

  @Parameters(index = "2", paramLabel = "SEED", arity = "0..1", defaultValue = "42",
      description = "Random seed (default: 42).")
  long seed;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (steps < 1 || printEvery < 1) {
      throw new ParameterException(spec.commandLine(), "STEPS and PRINT_EVERY must be >= 1, got "
          + steps + " and " + printEvery);
    }
    String[] args = {Integer.toString(steps), Integer.toString(printEvery), Long.toString(seed)};
    Method main;
    try {
      // Looked up at run time: the example belongs to mos-api's examples, not to this command.
      main = Class.forName(EXAMPLE_CLASS).getMethod("main", String[].class);
    } catch (ClassNotFoundException | NoSuchMethodException e) {
      throw new MosException(Status.UNSUPPORTED, "example: " + EXAMPLE_CLASS
          + " is not in this build");
    }
    try {
      main.invoke(null, (Object) args);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof Exception ex) throw ex;
      throw e;
    }
    return 0;
  }
}
