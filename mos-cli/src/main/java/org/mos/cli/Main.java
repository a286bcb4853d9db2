// SPDX-License-Identifier: Apache-2.0
// The `mos` command: picocli's top-level command, the registry of subcommands, and the one place
// that turns errors into exit codes (2: bad usage, 1: bad file or failed call, 0: success).
package org.mos.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.FileSystemException;
import java.util.concurrent.Callable;
import org.mos.MosException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * {@code mos}: train, inspect and export MoS adapters; score and generate with checkpoints.
 *
 * <p>Exit codes: 0 success; 1 a bad file or a failed operation (one line {@code mos: <file>:
 * <problem>} on stderr, the stack trace only with {@code --verbose}); 2 wrong arguments (the
 * problem and the usage on stderr).
 *
 * <p>Subcommands are registered in {@link #commandLine}. A subcommand is a picocli
 * {@code @Command} class implementing {@code Callable<Integer>} that throws on failure
 * ({@link MosException} for expected failures) and writes through
 * {@code spec.commandLine().getOut()} so tests can capture it.
 */
@Command(
    name = "mos",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    synopsisSubcommandLabel = "COMMAND",
    description = {
      "MoS (Mixture of Shards, ICLR 2025): LoRA-style adapters whose rank vectors are gathered "
          + "from pools of shards shared across layers, so a larger active rank r costs no more "
          + "parameters than LoRA of the small equivalent rank R_eq.",
      ""
    },
    commandListHeading = "%nCommands:%n",
    footer = {
      "",
      "Run 'mos COMMAND --help' for a command's options.",
      "Exit codes: 0 success, 1 a bad file or a failed operation, 2 wrong arguments.",
      "An adapter is a directory holding adapter_config.json and",
      "adapter_model.safetensors; see docs/adapter-format.md."
    })
public final class Main implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  /** Global: inherited by every subcommand, so it may come before or after the command name. */
  @Option(
      names = {"-v", "--verbose"},
      scope = ScopeType.INHERIT,
      description = "Print the stack trace of an error (and more detail where a command has it).")
  boolean verbose;

  /** {@code mos} without a command: the usage, exit code 2. */
  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    err.println("mos: missing COMMAND");
    spec.commandLine().usage(err);
    return CommandLine.ExitCode.USAGE;
  }

  /**
   * The configured command line, writing to {@code out} and {@code err}. This is the registry of
   * subcommands.
   */
  public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(new Main());
    cl.addSubcommand(new InspectCommand());
    cl.addSubcommand(new ExportLoraCommand());
    cl.addSubcommand(new ExampleCommand());

    // ---- registration point: other engineers' subcommands -----------------------------------
    // demo and train (org.mos.cli.DemoCommand, org.mos.cli.TrainCommand) register here, one
    // line each, e.g.  cl.addSubcommand(new DemoCommand());   Later: bench.
    cl.addSubcommand(new BenchCommand());
    cl.addSubcommand(new DemoCommand());
    cl.addSubcommand(new TrainCommand());
    cl.addSubcommand(new ScoreCommand());
    cl.addSubcommand(new GenerateCommand());
    cl.addSubcommand(new ServeCommand());
    cl.addSubcommand(new ServeBenchCommand());
    // ---- end of registration point ----------------------------------------------------------

    cl.addSubcommand(new CommandLine.HelpCommand());
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setOut(out);
    cl.setErr(err);
    cl.setParameterExceptionHandler(Main::usageError);
    cl.setExecutionExceptionHandler(Main::failure);
    return cl;
  }

  /** Runs {@code mos args} and returns the exit code (for tests and embedding). */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    try {
      return commandLine(out, err).execute(args);
    } catch (Error e) {
      // picocli hands only Exceptions to failure(); an Error (OutOfMemoryError, StackOverflowError)
      // still gets one line and exit 1, the trace only with --verbose.
      boolean verbose =
          java.util.Arrays.stream(args).anyMatch(a -> a.equals("-v") || a.equals("--verbose"));
      String what = e instanceof OutOfMemoryError
          ? "out of memory (" + e.getMessage() + "): give Java more heap, e.g."
              + " JAVA_TOOL_OPTIONS=-Xmx8g, or use smaller inputs"
          : "internal error: " + oneLine(e, verbose);
      err.println("mos: " + what);
      if (verbose) e.printStackTrace(err);
      return 1;
    } finally {
      out.flush();
      err.flush();
    }
  }

  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    System.exit(run(out, err, args));
  }

  /** Wrong arguments: the problem, a suggestion if any, the usage; exit code 2. */
  private static int usageError(ParameterException ex, String[] args) {
    CommandLine cl = ex.getCommandLine();
    PrintWriter err = cl.getErr();
    err.println(prefix(cl) + ex.getMessage());
    if (ex instanceof UnmatchedArgumentException u) {
      UnmatchedArgumentException.printSuggestions(u, err);
    }
    err.println();
    cl.usage(err);
    return CommandLine.ExitCode.USAGE;
  }

  /** "mos: " or "mos inspect: ". */
  private static String prefix(CommandLine cl) {
    return cl.getCommandSpec().qualifiedName() + ": ";
  }

  /** A failure while running: one line, the stack trace only with --verbose; exit code 1. */
  private static int failure(Exception ex, CommandLine cl, ParseResult parsed) {
    PrintWriter err = cl.getErr();
    boolean verbose = isVerbose(parsed);
    err.println("mos: " + oneLine(ex, verbose));
    if (verbose) {
      StringWriter trace = new StringWriter();
      ex.printStackTrace(new PrintWriter(trace));
      err.print(trace);
    }
    err.flush();
    return 1;
  }

  static boolean isVerbose(ParseResult parsed) {
    for (ParseResult p = parsed; p != null; p = p.subcommand()) {
      if (p.hasMatchedOption("--verbose")) return true;
    }
    return false;
  }

  /** The message of a failure as one line. */
  static String oneLine(Throwable ex, boolean verbose) {
    String msg;
    if (ex instanceof MosException) {
      msg = ex.getMessage(); // already "<file>: <problem>" or "<function>: <problem>"
    } else if (ex instanceof FileSystemException fs && fs.getFile() != null) {
      msg = fs.getFile() + ": "
          + (fs.getReason() != null
              ? fs.getReason()
              : ex.getClass().getSimpleName().replace("Exception", "").toLowerCase());
    } else {
      msg = ex.getClass().getSimpleName()
          + (ex.getMessage() != null ? ": " + ex.getMessage() : "")
          + (verbose ? "" : " (run with --verbose for the stack trace)");
    }
    if (msg == null) msg = ex.getClass().getSimpleName();
    // Messages may quote file content: one printable line, whatever it holds.
    return org.mos.io.MosFileException.printable(msg.replace('\n', ' ').strip(), 4000);
  }

  /** --version: the command's version and, if it loads, libmos's. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String lib;
      try {
        lib = org.mos.MosContext.version();
      } catch (Throwable t) { // an absent libmos is reported, not fatal
        lib = "libmos not loaded: " + oneLine(t, true);
      }
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {
        "mos command " + (v != null ? v : "0.1.0-SNAPSHOT"),
        lib,
        "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"
      };
    }
  }
}
