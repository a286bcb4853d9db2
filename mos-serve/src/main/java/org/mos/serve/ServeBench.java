// SPDX-License-Identifier: Apache-2.0
// ServeBench: `mos serve-bench`, a loopback load test of MosServer: generated tokens/s with 1, 8
// and 64 distinct adapters at one concurrency, against serving one adapter's requests at a time,
// p50/p99 latency and time to first token, resident bytes per adapter against dense LoRA.
package org.mos.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.mos.MosConfig;
import org.mos.MosContext;
import org.mos.MosModel;
import org.mos.PoolArray;
import org.mos.ShardPool;
import org.mos.io.SafeTensorsWriter;
import org.mos.llm.LlamaConfig;
import org.mos.llm.LlamaModel;

/**
 * The serving benchmark: writes a small random Llama checkpoint (the tokenizer of a fixture
 * directory) and {@code adapters} MoS adapters, serves them on loopback and measures streamed
 * requests from concurrent clients.
 */
public final class ServeBench {
  /**
   * What to run.
   *
   * @param tokenizerDir a directory with tokenizer.json (and tokenizer_config.json) whose
   *     vocabulary the random model gets
   * @param hidden the model's hidden size (heads of 64)
   * @param layers blocks
   * @param concurrency requests in flight per case
   * @param maxTokens tokens generated per request (EOS ignored)
   * @param serialRequests requests measured in the one-adapter-at-a-time case
   * @param projections the projections every adapter adapts
   */
  public record Options(
      Path tokenizerDir,
      int hidden,
      int layers,
      int concurrency,
      int maxTokens,
      int serialRequests,
      List<String> projections) {}

  /** One case's figures. */
  public record Case(
      String name,
      int requests,
      long tokens,
      double seconds,
      double p50,
      double p99,
      double ttftP50,
      double ttftP99,
      double stepMs,
      double stepSequences) {
    double tokensPerSecond() {
      return tokens / seconds;
    }
  }

  private ServeBench() {}

  /** The server's step histogram before a case, to report the case's mean step. */
  private static Metrics stepMetrics;

  private static double stepSum0;
  private static long stepCount0;
  private static double batchSum0;

  private static void mark() {
    stepSum0 = stepMetrics.stepSeconds.sum();
    stepCount0 = stepMetrics.stepSeconds.count();
    batchSum0 = stepMetrics.batchSize.sum();
  }

  /** Helidon's start-up chatter off while benchmarking (held: JUL keeps loggers weakly). */
  private static final java.util.logging.Logger HELIDON =
      java.util.logging.Logger.getLogger("io.helidon");

  /** Runs every case, printing a table to {@code out}; returns the cases in order. */
  public static List<Case> run(Options o, PrintWriter out) throws Exception {
    HELIDON.setLevel(java.util.logging.Level.WARNING);
    Path dir = Files.createTempDirectory("mos-serve-bench");
    try (MosContext ctx = MosContext.cpu()) {
      Path model = checkpoint(o, dir.resolve("bench-llama"));
      Path root = Files.createDirectories(dir.resolve("adapters"));
      int nAdapters = 64;
      try (LlamaModel m = LlamaModel.load(
          ctx,
          model,
          LlamaModel.LoadOptions.defaults().withWeightStorage(LlamaModel.WeightStorage.F32))) {
        for (int i = 0; i < nAdapters; i++) {
          adapter(m, root.resolve("a" + i), 1000 + i, o.projections());
        }
        ServeConfig cfg = ServeConfig.defaults()
            .withAdaptersRoot(root)
            .withAddress("127.0.0.1", 0)
            .withBatch(Math.max(o.concurrency(), 1), 4096);
        try (MosServer server = MosServer.start(m, cfg, null)) {
          stepMetrics = server.metrics();
          HttpClient http = HttpClient.newBuilder()
              .executor(Executors.newVirtualThreadPerTaskExecutor())
              .build();
          URI uri = URI.create("http://127.0.0.1:" + server.port() + "/v1/completions");
          Engine.Adapter a0 = server.engine().adapters().get(0);
          out.printf(
              Locale.ROOT,
              "model: hidden %d, %d blocks, vocab %d, %d parameters; %d MoS"
                  + " adapters (r 16, R_eq 4, l 2, on %s)%n",
              o.hidden(),
              o.layers(),
              m.config().vocabSize(),
              m.config().parameterCount(),
              nAdapters,
              String.join(", ", o.projections()));
          out.printf(
              Locale.ROOT,
              "resident bytes per adapter: %,d (dense LoRA of the same r:" + " %,d, %.2fx more)%n",
              a0.bytes(),
              a0.denseLoraBytes(),
              (double) a0.denseLoraBytes() / a0.bytes());
          load(http, uri, "warm-up", o.concurrency(), 8, o.maxTokens(), null);
          List<Case> cases = new ArrayList<>();
          for (int distinct : new int[] {1, 8, 64}) {
            cases.add(load(
                http,
                uri,
                distinct + (distinct == 1 ? " adapter" : " adapters"),
                o.concurrency(),
                distinct,
                o.maxTokens(),
                null));
          }
          cases.add(serial(http, uri, o.serialRequests(), o.maxTokens()));
          cases.add(load(
              http,
              uri,
              "base model (no adapter)",
              o.concurrency(),
              1,
              o.maxTokens(),
              server.engine().baseName()));
          out.printf(
              Locale.ROOT,
              "%-42s %8s %8s %10s %8s %8s %9s %9s %9s %8s%n",
              "case",
              "requests",
              "tokens",
              "tokens/s",
              "p50 s",
              "p99 s",
              "ttft p50",
              "ttft p99",
              "step ms",
              "seq/step");
          for (Case c : cases) {
            out.printf(
                Locale.ROOT,
                "%-42s %8d %8d %10.1f %8.3f %8.3f %9.3f %9.3f %9.2f %8.1f%n",
                c.name(),
                c.requests(),
                c.tokens(),
                c.tokensPerSecond(),
                c.p50(),
                c.p99(),
                c.ttftP50(),
                c.ttftP99(),
                c.stepMs(),
                c.stepSequences());
          }
          double one = cases.get(0).tokensPerSecond();
          double many = cases.get(2).tokensPerSecond();
          double serial = cases.get(3).tokensPerSecond();
          out.printf(
              Locale.ROOT,
              "64 adapters / 1 adapter: %.2fx (target >= 0.8); 64 adapters"
                  + " batched / one adapter at a time: %.1fx (target >= 3)%n",
              many / one,
              many / serial);
          out.flush();
          return cases;
        }
      }
    } finally {
      try (Stream<Path> s = Files.walk(dir)) {
        for (Iterator<Path> it = s.sorted((a, b) -> b.compareTo(a)).iterator(); it.hasNext(); ) {
          Files.deleteIfExists(it.next());
        }
      }
    }
  }

  /** {@code n} concurrent requests, request i for adapter a(i mod distinct) (or all for model). */
  private static Case load(
      HttpClient http, URI uri, String name, int n, int distinct, int maxTokens, String model)
      throws Exception {
    double[] latency = new double[n];
    double[] ttft = new double[n];
    long[] tokens = new long[n];
    mark();
    long t0 = System.nanoTime();
    try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> fs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int k = i;
        fs.add(ex.submit(() -> {
          one(
              http,
              uri,
              model != null ? model : "a" + (k % distinct),
              k,
              maxTokens,
              latency,
              ttft,
              tokens);
          return null;
        }));
      }
      for (Future<?> f : fs) f.get();
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    return summary(name + ", " + n + " concurrent", latency, ttft, tokens, wall);
  }

  /**
   * The baseline: requests over as many adapters served one adapter at a time (each adapter's
   * requests alone in the server), as a server that swaps one adapter in per batch would.
   */
  private static Case serial(HttpClient http, URI uri, int n, int maxTokens) throws Exception {
    double[] latency = new double[n];
    double[] ttft = new double[n];
    long[] tokens = new long[n];
    mark();
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) one(http, uri, "a" + i, i, maxTokens, latency, ttft, tokens);
    double wall = (System.nanoTime() - t0) / 1e9;
    return summary("64 adapters, one adapter at a time", latency, ttft, tokens, wall);
  }

  private static void one(
      HttpClient http,
      URI uri,
      String adapter,
      int i,
      int maxTokens,
      double[] latency,
      double[] ttft,
      long[] tokens)
      throws IOException, InterruptedException {
    ObjectNode b = MosServer.JSON.createObjectNode();
    b.put("model", adapter)
        .put(
            "prompt",
            "Request " + i + " asks the server a question about"
                + " adapters, batching and memory.")
        .put("max_tokens", maxTokens)
        .put("temperature", 0.0)
        .put("ignore_eos", true)
        .put("stream", true);
    long s = System.nanoTime();
    HttpResponse<Stream<String>> r = http.send(
        HttpRequest.newBuilder(uri)
            .POST(HttpRequest.BodyPublishers.ofString(b.toString()))
            .build(),
        HttpResponse.BodyHandlers.ofLines());
    if (r.statusCode() != 200) {
      throw new IOException("request " + i + ": HTTP " + r.statusCode());
    }
    boolean first = true;
    try (Stream<String> lines = r.body()) {
      for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
        String line = it.next();
        if (!line.startsWith("data: {")) continue;
        if (first) {
          ttft[i] = (System.nanoTime() - s) / 1e9;
          first = false;
        }
        JsonNode j = MosServer.JSON.readTree(line.substring(6));
        if (j.has("usage")) tokens[i] = j.get("usage").get("completion_tokens").asLong();
        if (j.has("error")) throw new IOException("request " + i + ": " + j);
      }
    }
    latency[i] = (System.nanoTime() - s) / 1e9;
  }

  private static Case summary(
      String name, double[] latency, double[] ttft, long[] tokens, double wall) {
    long total = Arrays.stream(tokens).sum();
    long steps = stepMetrics.stepSeconds.count() - stepCount0;
    double stepMs = steps == 0 ? 0 : (stepMetrics.stepSeconds.sum() - stepSum0) * 1e3 / steps;
    double seqs = steps == 0 ? 0 : (stepMetrics.batchSize.sum() - batchSum0) / steps;
    return new Case(
        name,
        latency.length,
        total,
        wall,
        pct(latency, 50),
        pct(latency, 99),
        pct(ttft, 50),
        pct(ttft, 99),
        stepMs,
        seqs);
  }

  private static double pct(double[] v, int p) {
    double[] s = v.clone();
    Arrays.sort(s);
    int i = (int) Math.ceil(p / 100.0 * s.length) - 1;
    return s[Math.max(0, Math.min(s.length - 1, i))];
  }

  /** A random Llama checkpoint with the tokenizer of {@code o.tokenizerDir()}. */
  static Path checkpoint(Options o, Path dir) throws IOException {
    Files.createDirectories(dir);
    for (String f : List.of("tokenizer.json", "tokenizer_config.json")) {
      Path src = o.tokenizerDir().resolve(f);
      if (Files.exists(src)) Files.copy(src, dir.resolve(f));
    }
    int vocab = org.mos.llm.tokenizer.Tokenizer.load(dir).vocabSize();
    ObjectNode c = MosServer.JSON.createObjectNode();
    c.putArray("architectures").add("LlamaForCausalLM");
    c.put("model_type", "llama")
        .put("hidden_size", o.hidden())
        .put("intermediate_size", o.hidden() * 8 / 3 / 64 * 64)
        .put("num_hidden_layers", o.layers())
        .put("num_attention_heads", o.hidden() / 64)
        .put("num_key_value_heads", Math.max(1, o.hidden() / 64 / 3))
        .put("head_dim", 64)
        .put("max_position_embeddings", 1024)
        .put("rms_norm_eps", 1e-5)
        .put("rope_theta", 10000.0)
        .put("vocab_size", vocab)
        .put("bos_token_id", 0)
        .put("eos_token_id", 1)
        .put("tie_word_embeddings", false)
        .put("hidden_act", "silu")
        .put("torch_dtype", "float32");
    if ((o.hidden() / 64) % Math.max(1, o.hidden() / 64 / 3) != 0) {
      c.put("num_key_value_heads", o.hidden() / 64);
    }
    Files.writeString(dir.resolve("config.json"), c.toPrettyString());
    LlamaConfig cfg = LlamaConfig.parse(c.toString());
    Random rnd = new Random(1);
    SafeTensorsWriter w = new SafeTensorsWriter().metadata("format", "pt");
    for (LlamaConfig.TensorSpec s : cfg.tensors()) {
      long[] shape = s.shapeArray();
      long n = 1;
      for (long d : shape) n *= d;
      float[] v = new float[(int) n];
      boolean norm = s.name().endsWith("norm.weight");
      float scale = (float) (1 / Math.sqrt(shape[shape.length - 1]));
      for (int i = 0; i < v.length; i++) v[i] = norm ? 1f : scale * (float) rnd.nextGaussian();
      w.addF32(s.name(), shape, v);
    }
    w.write(dir.resolve("model.safetensors"));
    return dir;
  }

  /** A MoS adapter on {@code projections} (r 16, R_eq 4, p 1, l 2) with random pools. */
  static void adapter(LlamaModel m, Path dir, long seed, List<String> projections) {
    MosConfig cfg = MosConfig.builder()
        .rank(16)
        .equivalentRank(4)
        .privateRank(1)
        .shardsPerVector(2)
        .alpha(16)
        .seed(seed)
        .build();
    MosModel a = m.attachNewAdapter(cfg, projections);
    try {
      Random rnd = new Random(seed);
      for (ShardPool p : a.pools().values()) {
        for (PoolArray arr : new PoolArray[] {PoolArray.POOL_A, PoolArray.POOL_B}) {
          float[] v = new float[p.size(arr)];
          for (int i = 0; i < v.length; i++) v[i] = 0.05f * (float) rnd.nextGaussian();
          p.write(arr, v);
        }
      }
      m.saveAdapter(dir);
    } finally {
      m.detachAdapter();
    }
  }
}
