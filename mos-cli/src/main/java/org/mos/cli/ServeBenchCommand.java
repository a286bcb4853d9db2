// SPDX-License-Identifier: Apache-2.0
// `mos serve-bench`: the serving benchmark (org.mos.serve.ServeBench) on loopback: tokens/s with
// 1, 8 and 64 distinct adapters, one adapter at a time, latency and time to first token.
package org.mos.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.mos.serve.ServeBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Runs the serving benchmark and prints its table. */
@Command(
    name = "serve-bench",
    header = "Benchmark mos serve on loopback (many adapters vs one).",
    mixinStandardHelpOptions = true,
    description = {
      "Writes a small random Llama checkpoint and 64 MoS adapters to a temporary directory, "
          + "starts the server on a free loopback port and measures streamed completions: "
          + "generated tokens/s with 1, 8 and 64 distinct adapters at the same concurrency, "
          + "the same requests served one adapter at a time, p50/p99 latency and time to "
          + "first token, and the resident bytes per adapter against dense LoRA "
          + "(docs/benchmarks.md).",
      ""
    })
final class ServeBenchCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(
      names = "--tokenizer",
      paramLabel = "DIR",
      description = "A directory with tokenizer.json (default: the repository's fixture "
          + "tests/fixtures/hf/llama-gqa-f32).")
  Path tokenizer;

  @Option(
      names = "--hidden",
      paramLabel = "N",
      defaultValue = "384",
      description = "Hidden size, a multiple of 64 (default: ${DEFAULT-VALUE}).")
  int hidden;

  @Option(
      names = "--layers",
      paramLabel = "N",
      defaultValue = "6",
      description = "Blocks, at least 5: the adapters' r 16 from R_eq 4 needs them "
          + "(default: ${DEFAULT-VALUE}).")
  int layers;

  @Option(
      names = "--concurrency",
      paramLabel = "N",
      defaultValue = "64",
      description = "Requests in flight (default: ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(
      names = "--max-tokens",
      paramLabel = "N",
      defaultValue = "64",
      description = "Tokens per request (default: ${DEFAULT-VALUE}).")
  int maxTokens;

  @Option(
      names = "--serial-requests",
      paramLabel = "N",
      defaultValue = "16",
      description = "Requests timed in the one-adapter-at-a-time case (default: ${DEFAULT-VALUE}).")
  int serialRequests;

  @Option(
      names = "--projections",
      paramLabel = "LIST",
      split = ",",
      defaultValue = "q_proj,v_proj",
      description = "Projections every adapter adapts (default: ${DEFAULT-VALUE}, PEFT's default "
          + "for Llama; 'all' for the seven).")
  java.util.List<String> projections;

  @Override
  public Integer call() throws Exception {
    if (projections.equals(java.util.List.of("all"))) {
      projections = org.mos.llm.LlamaModel.PROJECTIONS;
    }
    for (String p : projections) {
      if (!org.mos.llm.LlamaModel.PROJECTIONS.contains(p)) {
        throw new ParameterException(
            spec.commandLine(),
            "--projections: '" + p + "' is none of " + org.mos.llm.LlamaModel.PROJECTIONS);
      }
    }
    if (hidden < 64 || hidden % 64 != 0) {
      throw new ParameterException(spec.commandLine(), "--hidden must be a multiple of 64");
    }
    if (layers < 5) {
      throw new ParameterException(
          spec.commandLine(),
          "--layers must be >= 5 (r 16 from R_eq 4" + " shares shards over the blocks)");
    }
    if (concurrency < 1 || maxTokens < 1 || serialRequests < 1 || serialRequests > 64) {
      throw new ParameterException(
          spec.commandLine(),
          "--concurrency and --max-tokens" + " must be >= 1, --serial-requests in [1, 64]");
    }
    Path tok = tokenizer != null
        ? tokenizer
        : Path.of(System.getProperty("mos.root", ".")).resolve("tests/fixtures/hf/llama-gqa-f32");
    if (!Files.isRegularFile(tok.resolve("tokenizer.json"))) {
      throw new ParameterException(
          spec.commandLine(), tok + " has no tokenizer.json; pass" + " --tokenizer DIR");
    }
    PrintWriter out = spec.commandLine().getOut();
    ServeBench.run(
        new ServeBench.Options(
            tok, hidden, layers, concurrency, maxTokens, serialRequests, projections),
        out);
    out.flush();
    return 0;
  }
}
