// `mos example`: runs the Java API's toy example (org.mos.examples.ToyRegression), a few seconds of
// MoS training on a synthetic regression task, to show the API working end to end.
package org.mos.cli;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.mos.MosException;
import org.mos.Status;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Runs org.mos.examples.ToyRegression. */
@Command(
    name = "example",
    header = "Run the Java API's toy example (synthetic regression).",
    mixinStandardHelpOptions = true,
    description = {
        "Run the Java API's example (org.mos.examples.ToyRegression): a small MoS model trained "
            + "on a synthetic regression task through the native library. ARGS are passed to it.",
        ""})
final class ExampleCommand implements Callable<Integer> {
  static final String EXAMPLE_CLASS = "org.mos.examples.ToyRegression";

  @Parameters(paramLabel = "ARGS", arity = "0..*", description = "Arguments for the example.")
  List<String> args = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    Method main;
    try {
      // Looked up at run time: the example belongs to mos-api's examples, not to this command.
      main = Class.forName(EXAMPLE_CLASS).getMethod("main", String[].class);
    } catch (ClassNotFoundException | NoSuchMethodException e) {
      throw new MosException(Status.UNSUPPORTED, "example: " + EXAMPLE_CLASS
          + " is not in this build");
    }
    try {
      main.invoke(null, (Object) args.toArray(new String[0]));
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof Exception ex) throw ex;
      throw e;
    }
    return 0;
  }
}
