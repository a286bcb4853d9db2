// SPDX-License-Identifier: Apache-2.0
// `mos serve --model DIR --adapters DIR [...]`: an OpenAI- and vLLM-compatible HTTP server for one
// base model and every adapter under --adapters, batched together (org.mos.serve.MosServer).
package org.mos.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.mos.MosContext;
import org.mos.llm.LlamaModel;
import org.mos.llm.LlamaModel.LoadOptions;
import org.mos.llm.LlamaModel.WeightStorage;
import org.mos.serve.MosServer;
import org.mos.serve.ServeConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Serves a checkpoint and its adapters over HTTP until the process is stopped. */
@Command(
    name = "serve",
    header = "Serve a checkpoint and many adapters over OpenAI's HTTP API.",
    mixinStandardHelpOptions = true,
    description = {
      "Loads the checkpoint (with its tokenizer) and every adapter directory under --adapters "
          + "(mos or PEFT LoRA; each served under its directory's name), then answers "
          + "/v1/completions, /v1/chat/completions, /v1/models, /v1/load_lora_adapter, "
          + "/v1/unload_lora_adapter, /health and /metrics (docs/serving.md). Requests for "
          + "different adapters are batched together at every decoding step.",
      "Logs one line per request on stderr. Ctrl-C (SIGINT/SIGTERM) refuses new requests, "
          + "finishes the running ones, then exits.",
      ""
    })
final class ServeCommand implements Callable<Integer> {
  /** Helidon's start-up chatter off (held: JUL keeps loggers weakly). */
  private static final java.util.logging.Logger HELIDON =
      java.util.logging.Logger.getLogger("io.helidon");

  @Spec
  CommandSpec spec;

  @Option(
      names = "--model",
      paramLabel = "DIR",
      required = true,
      description = "A Hugging Face checkpoint directory with tokenizer.json.")
  Path model;

  @Option(
      names = "--adapters",
      paramLabel = "DIR",
      description = "A directory of adapter directories, all loaded at start; runtime loading "
          + "(/v1/load_lora_adapter) is confined to it.")
  Path adapters;

  @Option(
      names = "--host",
      paramLabel = "ADDR",
      defaultValue = "127.0.0.1",
      description = "Address to listen on (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(
      names = "--port",
      paramLabel = "N",
      defaultValue = "8000",
      description = "Port (default: ${DEFAULT-VALUE}; 0: any free port).")
  int port;

  @Option(
      names = "--served-model-name",
      paramLabel = "NAME",
      description = "The base model's name in the API (default: the checkpoint directory's).")
  String servedModelName;

  @Option(
      names = "--max-batch",
      paramLabel = "N",
      defaultValue = "64",
      description = "Sequences decoding together (default: ${DEFAULT-VALUE}); more wait.")
  int maxBatch;

  @Option(
      names = "--max-batch-tokens",
      paramLabel = "N",
      defaultValue = "2048",
      description = "Tokens per step over all sequences, prefill chunks included "
          + "(default: ${DEFAULT-VALUE}).")
  int maxBatchTokens;

  @Option(
      names = "--kv-cache-bytes",
      paramLabel = "N",
      defaultValue = "0",
      description = "KV-cache size in bytes (default 0: room for --max-batch full contexts, "
          + "at most 2 GiB).")
  long kvCacheBytes;

  @Option(
      names = "--max-adapters",
      paramLabel = "N",
      defaultValue = "256",
      description = "Adapters resident at once (default: ${DEFAULT-VALUE}).")
  int maxAdapters;

  @Option(
      names = "--max-waiting",
      paramLabel = "N",
      defaultValue = "1024",
      description =
          "Requests waiting beyond the running ones before 429 " + "(default: ${DEFAULT-VALUE}).")
  int maxWaiting;

  @Option(
      names = "--api-key",
      paramLabel = "KEY",
      description = "Require 'Authorization: Bearer KEY' on /v1/ (default: none).")
  String apiKey;

  @Option(
      names = "--max-body-bytes",
      paramLabel = "N",
      defaultValue = "1048576",
      description = "Largest request body; larger ones get 413 (default: ${DEFAULT-VALUE}).")
  long maxBodyBytes;

  @Option(
      names = "--request-timeout",
      paramLabel = "SECONDS",
      defaultValue = "600",
      description = "A request's longest life, waiting included (default: ${DEFAULT-VALUE}).")
  long requestTimeout;

  @Option(
      names = "--weight-dtype",
      paramLabel = "auto|bf16|f32",
      defaultValue = "auto",
      converter = ModelOptions.StorageConverter.class,
      description = "How the weights are held (as for generate; default: auto).")
  WeightStorage weightStorage;

  @Override
  public Integer call() throws Exception {
    ServeConfig config;
    try {
      if (requestTimeout < 1) throw new IllegalArgumentException("--request-timeout must be >= 1");
      if (adapters != null && !Files.isDirectory(adapters)) {
        throw new IllegalArgumentException("--adapters " + adapters + " is not a directory");
      }
      config = new ServeConfig(
          adapters,
          servedModelName,
          host,
          port,
          maxBatch,
          maxBatchTokens,
          kvCacheBytes,
          maxAdapters,
          maxWaiting,
          apiKey,
          maxBodyBytes,
          Duration.ofSeconds(requestTimeout));
    } catch (RuntimeException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    PrintWriter err = spec.commandLine().getErr();
    HELIDON.setLevel(java.util.logging.Level.WARNING);
    MosContext ctx = MosContext.cpu();
    LlamaModel m = null;
    MosServer server = null;
    try {
      m = LlamaModel.load(ctx, model, LoadOptions.defaults().withWeightStorage(weightStorage));
      server = MosServer.start(m, config, System.err);
    } catch (RuntimeException e) {
      if (m != null) m.close();
      ctx.close();
      throw e;
    }
    err.printf(
        "mos serve: %s and %d adapters on http://%s:%d/v1 (%d sequences per step, KV"
            + " cache %d tokens)%n",
        server.engine().baseName(),
        server.engine().adapters().size(),
        host,
        server.port(),
        maxBatch,
        server.engine().capacityTokens());
    err.flush();
    CountDownLatch stopped = new CountDownLatch(1);
    MosServer s = server;
    LlamaModel lm = m;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.err.println("mos serve: shutting down (finishing running requests)");
      s.close();
      lm.close();
      ctx.close();
      stopped.countDown();
    }));
    stopped.await();
    return 0;
  }
}
