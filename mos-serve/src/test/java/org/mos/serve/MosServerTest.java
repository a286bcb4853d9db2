// SPDX-License-Identifier: Apache-2.0
// MosServerTest: `mos serve` on an ephemeral loopback port, end to end over HTTP: every endpoint,
// results against LlamaModel.generate with the adapter attached (an independent path: pools
// attached to the decoder, not the bank), concurrency, streaming, adapters at run time, errors.
package org.mos.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.MosContext;
import org.mos.Sampling;
import org.mos.llm.LlamaModel;
import org.mos.llm.LlamaModel.GenerateOptions;
import org.mos.llm.LlamaModel.Generation;

class MosServerTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String KEY = "sk-test-key";
  static final int ADAPTERS = 8;
  static final List<String> PROMPTS = List.of(
      "The quick brown fox", "Hello, world", "Once upon a time", "mos serves many adapters");

  @TempDir
  static Path tmp;

  static MosContext ctx;
  static MosContext refCtx;
  static Path modelDir;
  static Path root;
  static LlamaModel model;
  static LlamaModel ref;
  static MosServer server;
  static HttpClient http;
  static final Map<String, Generation> refs = new ConcurrentHashMap<>();
  static final java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();

  @BeforeAll
  static void start() throws Exception {
    ctx = MosContext.cpu();
    refCtx = MosContext.cpu();
    modelDir = TestModels.checkpoint(tmp.resolve("tiny-llama"), true, 5);
    root = Files.createDirectories(tmp.resolve("adapters"));
    ref = TestModels.load(refCtx, modelDir);
    for (int i = 0; i < ADAPTERS; i++) TestModels.mosAdapter(ref, root.resolve("a" + i), 100 + i);
    Path peft = Files.createDirectories(root.resolve("peft"));
    for (String f : List.of("adapter_config.json", "adapter_model.safetensors")) {
      Files.copy(TestModels.fixtures().resolve("peft-lora-gqa").resolve(f), peft.resolve(f));
    }
    model = TestModels.load(ctx, modelDir);
    server = MosServer.start(
        model,
        ServeConfig.defaults()
            .withAdaptersRoot(root)
            .withAddress("127.0.0.1", 0)
            .withApiKey(KEY),
        new java.io.PrintStream(log, true, StandardCharsets.UTF_8));
    http = HttpClient.newBuilder()
        .executor(Executors.newVirtualThreadPerTaskExecutor())
        .build();
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
    if (model != null) model.close();
    if (ref != null) ref.close();
    ctx.close();
    refCtx.close();
  }

  // ---- helpers
  // -----------------------------------------------------------------------------------

  static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }

  static HttpResponse<String> post(String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri(path))
            .header("Authorization", "Bearer " + KEY)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri(path))
            .header("Authorization", "Bearer " + KEY)
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode ok(HttpResponse<String> r) throws IOException {
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }

  /** An error response: its status and OpenAI's nested body shape. */
  static JsonNode error(HttpResponse<String> r, int status) throws IOException {
    assertEquals(status, r.statusCode(), r.body());
    JsonNode e = JSON.readTree(r.body()).get("error");
    assertNotNull(e, r.body());
    for (String f : List.of("message", "type", "param", "code")) assertTrue(e.has(f), r.body());
    assertFalse(e.get("message").asText().isBlank());
    return e;
  }

  static ObjectNode completion(String model, String prompt, int maxTokens) {
    ObjectNode b = JSON.createObjectNode();
    b.put("model", model)
        .put("prompt", prompt)
        .put("max_tokens", maxTokens)
        .put("temperature", 0.0);
    return b;
  }

  /**
   * LlamaModel.generate of {@code prompt} with adapter {@code adapter} attached (null: none), on
   * a model of its own.
   */
  static Generation reference(String adapter, String prompt, int maxTokens, Sampling s) {
    String key = adapter + "|" + prompt + "|" + maxTokens + "|" + s;
    return refs.computeIfAbsent(key, k -> {
      synchronized (MosServerTest.class) {
        if (adapter != null) ref.loadAdapter(root.resolve(adapter));
        try {
          return ref.generate(prompt, GenerateOptions.greedy(maxTokens).withSampling(s), null);
        } finally {
          if (adapter != null) ref.detachAdapter();
        }
      }
    });
  }

  /**
   * The smallest top-1/top-2 logit margin over the greedy steps of {@code adapter}'s generation
   * of {@code prompt} (recomputed on the reference model): batched and serial runs differ by
   * float rounding (about 1e-6 of the logits here), so equal greedy outputs need margins far
   * above it.
   */
  static double minMargin(String adapter, String prompt, Generation g) {
    synchronized (MosServerTest.class) {
      if (adapter != null) ref.loadAdapter(root.resolve(adapter));
      try {
        int[] p = ref.tokenizer().orElseThrow().encode(prompt, true);
        int[] all = java.util.Arrays.copyOf(p, p.length + g.ids().length);
        System.arraycopy(g.ids(), 0, all, p.length, g.ids().length);
        int vocab = ref.config().vocabSize();
        float[] logits = ref.logits(java.util.Arrays.copyOf(all, all.length - 1));
        double min = Double.POSITIVE_INFINITY;
        for (int pos = p.length - 1; pos < all.length - 1; pos++) {
          float a = Float.NEGATIVE_INFINITY;
          float b = Float.NEGATIVE_INFINITY;
          for (int v = 0; v < vocab; v++) {
            float x = logits[pos * vocab + v];
            if (x > a) {
              b = a;
              a = x;
            } else if (x > b) {
              b = x;
            }
          }
          min = Math.min(min, a - b);
        }
        return min;
      } finally {
        if (adapter != null) ref.detachAdapter();
      }
    }
  }

  static String finish(Generation g) {
    return g.finishReason() == LlamaModel.FinishReason.STOP_ID ? "stop" : "length";
  }

  // ---- endpoints
  // ---------------------------------------------------------------------------------

  @Test
  void modelsListsTheBaseAndEveryAdapter() throws Exception {
    JsonNode m = ok(get("/v1/models"));
    assertEquals("list", m.get("object").asText());
    Set<String> ids = new HashSet<>();
    for (JsonNode d : m.get("data")) {
      ids.add(d.get("id").asText());
      assertEquals("model", d.get("object").asText());
      if (!d.get("id").asText().equals("tiny-llama")) {
        assertEquals("tiny-llama", d.get("parent").asText());
      }
    }
    for (int i = 0; i < ADAPTERS; i++) assertTrue(ids.contains("a" + i), ids.toString());
    assertTrue(ids.contains("tiny-llama") && ids.contains("peft"), ids.toString());
  }

  @Test
  void healthAndMetrics() throws Exception {
    assertEquals(200, get("/health").statusCode());
    // One log line per request: method, path, status, model, tokens, time.
    String logged = log.toString(StandardCharsets.UTF_8);
    for (int i = 0; i < 500 && !logged.contains("GET /health 200"); i++) {
      Thread.sleep(10); // the line is written once the response has gone
      logged = log.toString(StandardCharsets.UTF_8);
    }
    assertTrue(logged.contains("GET /health 200 model=- prompt_tokens=0"), logged);
    ok(post("/v1/completions", completion("a1", "metrics", 3).toString()));
    HttpResponse<String> r = get("/metrics");
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
    for (String name : List.of(
        "mos_requests_total{status=\"200\"}",
        "mos_prompt_tokens_total",
        "mos_generation_tokens_total",
        "mos_num_requests_running",
        "mos_num_requests_waiting",
        "mos_batch_size_sequences_bucket",
        "mos_step_seconds_bucket",
        "mos_time_to_first_token_seconds_count",
        "mos_adapters_resident",
        "mos_adapter_bytes{adapter=\"a0\"}",
        "mos_kv_cache_usage_ratio")) {
      assertTrue(r.body().contains(name), name + " missing from\n" + r.body());
    }
  }

  @Test
  void greedyOutputOfEveryAdapterEqualsGenerateWithThatAdapter() throws Exception {
    List<String> models = new ArrayList<>(List.of("tiny-llama", "peft"));
    for (int i = 0; i < ADAPTERS; i++) models.add("a" + i);
    Set<String> texts = new HashSet<>();
    double margin = Double.POSITIVE_INFINITY;
    for (String m : models) {
      String prompt = PROMPTS.get(0);
      JsonNode r = ok(post("/v1/completions", completion(m, prompt, 12).toString()));
      Generation want = reference(m.equals("tiny-llama") ? null : m, prompt, 12, Sampling.greedy());
      JsonNode c = r.get("choices").get(0);
      assertEquals(want.text().orElseThrow(), c.get("text").asText(), m);
      assertEquals(finish(want), c.get("finish_reason").asText(), m);
      assertEquals("text_completion", r.get("object").asText());
      assertEquals(m, r.get("model").asText());
      JsonNode u = r.get("usage");
      int promptTokens = model.tokenizer().orElseThrow().encode(prompt, true).length;
      assertEquals(promptTokens, u.get("prompt_tokens").asInt());
      assertEquals(want.ids().length, u.get("completion_tokens").asInt());
      assertEquals(promptTokens + want.ids().length, u.get("total_tokens").asInt());
      texts.add(c.get("text").asText());
      margin = Math.min(margin, minMargin(m.equals("tiny-llama") ? null : m, prompt, want));
    }
    // Clear margins: the equalities here and below test the batching, not luck.
    assertTrue(margin > 1e-3, "smallest top-1/top-2 logit margin " + margin);
    System.out.println("MosServerTest: smallest greedy top-1/top-2 logit margin " + margin);
    // The adapters change the output (otherwise the comparison above would prove little).
    assertTrue(texts.size() >= models.size() - 2, texts.toString());
  }

  @Test
  void promptAsTokenIdsAndLogprobs() throws Exception {
    int[] ids = model.tokenizer().orElseThrow().encode(PROMPTS.get(2), true);
    ObjectNode b = completion("a3", "", 6);
    b.remove("prompt");
    var arr = b.putArray("prompt");
    for (int id : ids) arr.add(id);
    b.put("logprobs", 2);
    JsonNode c = ok(post("/v1/completions", b.toString())).get("choices").get(0);
    Generation want = reference("a3", PROMPTS.get(2), 6, Sampling.greedy());
    assertEquals(want.text().orElseThrow(), c.get("text").asText());
    JsonNode lp = c.get("logprobs");
    assertEquals(want.ids().length, lp.get("token_logprobs").size());
    for (int i = 0; i < lp.get("token_logprobs").size(); i++) {
      double l = lp.get("token_logprobs").get(i).asDouble();
      assertTrue(l <= 0 && l > -50, "logprob " + l);
      // Greedy: the chosen token is the most likely, so it heads the top list.
      double best = lp.get("top_logprobs").get(i).elements().next().asDouble();
      assertEquals(best, l, 1e-5);
    }
  }

  @Test
  void streamReassemblesToTheNonStreamedText() throws Exception {
    for (boolean chat : new boolean[] {false, true}) {
      ObjectNode b = completion("a2", PROMPTS.get(1), 20);
      if (chat) {
        b.remove("prompt");
        b.putArray("messages").addObject().put("role", "user").put("content", PROMPTS.get(1));
      }
      String path = chat ? "/v1/chat/completions" : "/v1/completions";
      JsonNode whole = ok(post(path, b.toString()));
      b.put("stream", true);
      HttpResponse<String> r = post(path, b.toString());
      assertEquals(200, r.statusCode(), r.body());
      assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
      StringBuilder text = new StringBuilder();
      String finish = null;
      JsonNode usage = null;
      List<String> events = new ArrayList<>();
      for (String block : r.body().split("\n\n")) {
        if (block.isBlank()) continue;
        assertTrue(block.startsWith("data: "), block);
        events.add(block.substring(6));
      }
      assertEquals("[DONE]", events.getLast());
      for (String e : events.subList(0, events.size() - 1)) {
        JsonNode j = JSON.readTree(e);
        assertEquals(
            chat ? "chat.completion.chunk" : "text_completion", j.get("object").asText());
        if (j.has("usage")) usage = j.get("usage");
        for (JsonNode c : j.get("choices")) {
          text.append(
              chat ? c.get("delta").path("content").asText("") : c.get("text").asText());
          if (!c.get("finish_reason").isNull()) finish = c.get("finish_reason").asText();
        }
      }
      JsonNode c0 = whole.get("choices").get(0);
      String want =
          chat ? c0.get("message").get("content").asText() : c0.get("text").asText();
      assertEquals(want, text.toString());
      assertEquals(c0.get("finish_reason").asText(), finish);
      assertEquals(whole.get("usage"), usage);
    }
  }

  @Test
  void chatCompletionsRenderTheTemplate() throws Exception {
    ObjectNode b = completion("a5", "", 10);
    b.remove("prompt");
    b.putArray("messages").addObject().put("role", "user").put("content", "Hi there");
    JsonNode r = ok(post("/v1/chat/completions", b.toString()));
    assertEquals("chat.completion", r.get("object").asText());
    // The same conversation rendered by the template and sent as token ids to /v1/completions.
    String rendered = "<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n";
    int[] ids = model.tokenizer().orElseThrow().encode(rendered, false);
    ObjectNode c = completion("a5", "", 10);
    var arr = c.putArray("prompt");
    for (int id : ids) arr.add(id);
    JsonNode direct = ok(post("/v1/completions", c.toString()));
    assertEquals(
        direct.get("choices").get(0).get("text").asText(),
        r.get("choices").get(0).get("message").get("content").asText());
    assertEquals("assistant", r.get("choices").get(0).get("message").get("role").asText());
    assertEquals(ids.length, r.get("usage").get("prompt_tokens").asInt());
  }

  @Test
  void stopStringsEndTheText() throws Exception {
    Generation g = reference("a4", PROMPTS.get(3), 16, Sampling.greedy());
    String full = g.text().orElseThrow();
    assertTrue(full.length() >= 6, full);
    String stop = full.substring(3, 5);
    ObjectNode b = completion("a4", PROMPTS.get(3), 16);
    b.putArray("stop").add(stop);
    JsonNode c = ok(post("/v1/completions", b.toString())).get("choices").get(0);
    assertEquals(full.substring(0, full.indexOf(stop)), c.get("text").asText());
    assertEquals("stop", c.get("finish_reason").asText());
    b.put("stream", true);
    HttpResponse<String> r = post("/v1/completions", b.toString());
    StringBuilder text = new StringBuilder();
    for (String block : r.body().split("\n\n")) {
      if (block.isBlank() || block.equals("data: [DONE]")) continue;
      for (JsonNode ch : JSON.readTree(block.substring(6)).get("choices")) {
        text.append(ch.get("text").asText());
      }
    }
    assertEquals(full.substring(0, full.indexOf(stop)), text.toString());
  }

  @Test
  void sixtyFourConcurrentRequestsOverEightAdaptersEqualTheirSerialRuns() throws Exception {
    int n = 64;
    List<Future<JsonNode>> futures = new ArrayList<>();
    List<Generation> want = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String adapter = "a" + (i % ADAPTERS);
      String prompt = PROMPTS.get(i / ADAPTERS % PROMPTS.size());
      Sampling s = i % 2 == 0 ? Sampling.greedy() : new Sampling(0.8f, 0, 1f, 1000 + i);
      want.add(reference(adapter, prompt, 12, s));
    }
    try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < n; i++) {
        ObjectNode b =
            completion("a" + (i % ADAPTERS), PROMPTS.get(i / ADAPTERS % PROMPTS.size()), 12);
        if (i % 2 == 1) b.put("temperature", 0.8).put("seed", 1000 + i);
        futures.add(ex.submit(() -> ok(post("/v1/completions", b.toString()))));
      }
    }
    double margin = Double.POSITIVE_INFINITY;
    for (int i = 0; i < n; i += 2) {
      margin = Math.min(
          margin,
          minMargin("a" + (i % ADAPTERS), PROMPTS.get(i / ADAPTERS % PROMPTS.size()), want.get(i)));
    }
    assertTrue(margin > 1e-3, "smallest top-1/top-2 logit margin " + margin);
    System.out.println("MosServerTest: 64 requests, smallest greedy margin " + margin);
    for (int i = 0; i < n; i++) {
      JsonNode c = futures.get(i).get().get("choices").get(0);
      assertEquals(want.get(i).text().orElseThrow(), c.get("text").asText(), "request " + i);
      assertEquals(finish(want.get(i)), c.get("finish_reason").asText(), "request " + i);
    }
    // Steps mixed adapters: some step ran more than 16 sequences, i.e. more than two adapters'
    // 8 requests each.
    String m = get("/metrics").body();
    long le16 = metric(m, "mos_batch_size_sequences_bucket{le=\"16\"}");
    long all = metric(m, "mos_batch_size_sequences_count");
    assertTrue(all > le16, m);
  }

  static long metric(String text, String name) {
    for (String line : text.split("\n")) {
      if (line.startsWith(name + " ")) return Long.parseLong(line.substring(name.length() + 1));
    }
    throw new AssertionError(name + " not in\n" + text);
  }

  // ---- adapters at run time
  // ----------------------------------------------------------------------

  @Test
  void loadAndUnloadUnderLoad() throws Exception {
    Path src = root.resolve("a6");
    String body = "{\"lora_name\": \"hot\", \"lora_path\": \"a6\"}";
    assertEquals(200, post("/v1/load_lora_adapter", body).statusCode());
    error(post("/v1/load_lora_adapter", body), 400); // the name is taken
    Generation want = reference("a6", PROMPTS.get(0), 40, Sampling.greedy());
    // Slow the engine down so that requests are still running when the unload arrives.
    server.engine().afterStep = () -> sleep(3);
    try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<JsonNode>> running = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        running.add(ex.submit(() ->
            ok(post("/v1/completions", completion("hot", PROMPTS.get(0), 40).toString()))));
      }
      for (int i = 0; i < 200 && server.engine().runningCount() < 6; i++) Thread.sleep(5);
      // Other adapters keep being served meanwhile.
      Future<JsonNode> other = ex.submit(
          () -> ok(post("/v1/completions", completion("a1", PROMPTS.get(1), 5).toString())));
      HttpResponse<String> unload = post("/v1/unload_lora_adapter", "{\"lora_name\": \"hot\"}");
      assertEquals(200, unload.statusCode(), unload.body());
      for (Future<JsonNode> f : running) {
        JsonNode c = f.get().get("choices").get(0);
        assertTrue(f.isDone());
        assertEquals(want.text().orElseThrow(), c.get("text").asText());
      }
      assertEquals(
          reference("a1", PROMPTS.get(1), 5, Sampling.greedy()).text().orElseThrow(),
          other.get().get("choices").get(0).get("text").asText());
    } finally {
      server.engine().afterStep = null;
    }
    error(post("/v1/completions", completion("hot", "x", 2).toString()), 404);
    error(post("/v1/unload_lora_adapter", "{\"lora_name\": \"hot\"}"), 404);
    // Absolute paths inside the root work too; a PEFT LoRA directory as well.
    assertEquals(
        200,
        post(
                "/v1/load_lora_adapter",
                "{\"lora_name\": \"hot2\", \"lora_path\": \"" + src.toAbsolutePath() + "\"}")
            .statusCode());
    assertEquals(
        want.text().orElseThrow(),
        ok(post("/v1/completions", completion("hot2", PROMPTS.get(0), 40).toString()))
            .get("choices")
            .get(0)
            .get("text")
            .asText());
    assertEquals(
        200,
        post("/v1/load_lora_adapter", "{\"lora_name\": \"peft2\", \"lora_path\": \"peft\"}")
            .statusCode());
    assertEquals(
        reference("peft", PROMPTS.get(0), 8, Sampling.greedy()).text().orElseThrow(),
        ok(post("/v1/completions", completion("peft2", PROMPTS.get(0), 8).toString()))
            .get("choices")
            .get(0)
            .get("text")
            .asText());
    assertEquals(
        200, post("/v1/unload_lora_adapter", "{\"lora_name\": \"hot2\"}").statusCode());
    assertEquals(
        200, post("/v1/unload_lora_adapter", "{\"lora_name\": \"peft2\"}").statusCode());
  }

  @Test
  void adapterPathsOutsideTheRootAndMalformedAdaptersAreRefused() throws Exception {
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    TestModels.mosAdapter(ref, outside.resolve("x"), 7);
    error(
        post("/v1/load_lora_adapter", "{\"lora_name\": \"t\", \"lora_path\": \"../outside/x\"}"),
        403);
    error(
        post(
            "/v1/load_lora_adapter",
            "{\"lora_name\": \"t\", \"lora_path\": \"" + outside.resolve("x") + "\"}"),
        403);
    Path link = root.resolve("link");
    Files.createSymbolicLink(link, outside.resolve("x"));
    try {
      error(post("/v1/load_lora_adapter", "{\"lora_name\": \"t\", \"lora_path\": \"link\"}"), 403);
    } finally {
      Files.delete(link);
    }
    error(post("/v1/load_lora_adapter", "{\"lora_name\": \"t\", \"lora_path\": \"nope\"}"), 400);
    // A malformed adapter: 400 naming the file, and the bank unchanged.
    Path bad = Files.createDirectories(root.resolve("bad"));
    Files.writeString(bad.resolve("adapter_config.json"), "{\"peft_type\": \"MOS\", \"r\": ");
    int before = server.engine().adapters().size();
    JsonNode e =
        error(post("/v1/load_lora_adapter", "{\"lora_name\": \"t\", \"lora_path\": \"bad\"}"), 400);
    assertTrue(e.get("message").asText().contains("adapter_config.json"), e.toString());
    assertEquals(before, server.engine().adapters().size());
    error(post("/v1/completions", completion("t", "x", 2).toString()), 404);
    error(post("/v1/load_lora_adapter", "{\"lora_name\": 3}"), 400);
  }

  // ---- bad input
  // ---------------------------------------------------------------------------------

  @Test
  void badRequestsGetClearErrors() throws Exception {
    error(post("/v1/completions", "{\"model\": \"a0\", \"prompt\": "), 400);
    error(post("/v1/completions", "[1, 2]"), 400);
    error(
        post("/v1/completions", "{\"model\": \"a0\", \"prompt\": \"x\", \"max_tokens\": \"8\"}"),
        400);
    error(post("/v1/completions", "{\"model\": \"a0\", \"prompt\": 5}"), 400);
    error(
        post("/v1/completions", "{\"model\": \"a0\", \"prompt\": \"x\", \"temperature\": -1}"),
        400);
    JsonNode e = error(post("/v1/completions", completion("nope", "x", 2).toString()), 404);
    assertEquals("model", e.get("param").asText());
    error(post("/v1/completions", completion("a0", "x", 0).toString()), 400);
    error(post("/v1/completions", completion("a0", "x", -3).toString()), 400);
    int ctxLen = model.config().maxPositions();
    e = error(
        post("/v1/completions", completion("a0", "a ".repeat(ctxLen + 10), 2).toString()), 400);
    assertTrue(e.get("message").asText().contains("context"), e.toString());
    error(post("/v1/completions", "{\"prompt\": [1, 2, 100000]}"), 400);
    // Over 1 MiB: 413.
    error(post("/v1/completions", "{\"prompt\": \"" + "x".repeat(1 << 20) + "\"}"), 413);
    // Keys: missing and wrong.
    HttpResponse<String> r = http.send(
        HttpRequest.newBuilder(uri("/v1/models")).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    error(r, 401);
    r = http.send(
        HttpRequest.newBuilder(uri("/v1/completions"))
            .header("Authorization", "Bearer wrong")
            .POST(HttpRequest.BodyPublishers.ofString(completion("a0", "x", 2).toString()))
            .build(),
        HttpResponse.BodyHandlers.ofString());
    error(r, 401);
    error(get("/v1/nothing"), 404);
    // The server still answers.
    ok(post("/v1/completions", completion("a0", "still here", 2).toString()));
  }

  @Test
  void aClientThatDisconnectsMidStreamFreesItsSequence() throws Exception {
    server.engine().afterStep = () -> sleep(5);
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      ObjectNode b = completion("a7", "Hello", 200);
      b.put("stream", true);
      byte[] body = b.toString().getBytes(StandardCharsets.UTF_8);
      OutputStream os = s.getOutputStream();
      os.write(("POST /v1/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY
              + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
          .getBytes(StandardCharsets.UTF_8));
      os.write(body);
      os.flush();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      for (String line; (line = in.readLine()) != null; ) {
        if (line.startsWith("data: ")) break; // the first chunk: then go away
      }
      assertEquals(1, server.engine().runningCount());
    } finally {
      server.engine().afterStep = null;
    }
    // 200 tokens at >= 5 ms a step would take a second; a cancelled sequence leaves at once.
    long t0 = System.nanoTime();
    while (server.engine().runningCount() > 0 && System.nanoTime() - t0 < 5_000_000_000L) {
      Thread.sleep(5);
    }
    assertEquals(0, server.engine().runningCount());
    String metrics = get("/metrics").body();
    for (int i = 0; i < 500 && !metrics.contains("mos_requests_total{status=\"499\"}"); i++) {
      Thread.sleep(10);
      metrics = get("/metrics").body();
    }
    assertTrue(metrics.contains("mos_kv_cache_reserved_tokens 0"), metrics);
    assertTrue(metrics.contains("mos_requests_total{status=\"499\"}"), metrics);
  }

  @Test
  void aFullWaitQueueAnswers429WithRetryAfter() throws Exception {
    try (MosServer small = MosServer.start(
        model,
        ServeConfig.defaults().withAddress("127.0.0.1", 0).withBatch(1, 64).withMaxWaiting(0),
        null)) {
      small.engine().afterStep = () -> sleep(5);
      URI u = URI.create("http://127.0.0.1:" + small.port() + "/v1/completions");
      try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
        Future<HttpResponse<String>> first = ex.submit(() -> http.send(
            HttpRequest.newBuilder(u)
                .POST(HttpRequest.BodyPublishers.ofString(
                    completion(null, "a", 60).toString()))
                .build(),
            HttpResponse.BodyHandlers.ofString()));
        for (int i = 0; i < 400 && small.engine().runningCount() < 1; i++) Thread.sleep(5);
        HttpResponse<String> r = http.send(
            HttpRequest.newBuilder(u)
                .POST(
                    HttpRequest.BodyPublishers.ofString(completion(null, "b", 2).toString()))
                .build(),
            HttpResponse.BodyHandlers.ofString());
        error(r, 429);
        assertEquals("1", r.headers().firstValue("Retry-After").orElse(null));
        assertEquals(200, first.get().statusCode());
      }
      small.engine().afterStep = null;
      // A prompt longer than the 64 tokens of a step is prefilled in chunks.
      String longPrompt = "one two three four five six seven eight nine ten ".repeat(5);
      assertTrue(model.tokenizer().orElseThrow().encode(longPrompt, true).length > 64 * 2);
      HttpResponse<String> r = http.send(
          HttpRequest.newBuilder(u)
              .POST(HttpRequest.BodyPublishers.ofString(
                  completion("a1", longPrompt, 8).toString()))
              .build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(404, r.statusCode()); // this server has no adapters
      r = http.send(
          HttpRequest.newBuilder(u)
              .POST(HttpRequest.BodyPublishers.ofString(
                  completion(null, longPrompt, 8).toString()))
              .build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(
          reference(null, longPrompt, 8, Sampling.greedy()).text().orElseThrow(),
          ok(r).get("choices").get(0).get("text").asText());
      // Graceful shutdown: a running request finishes, later ones get 503.
      small.engine().afterStep = () -> sleep(5);
      try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
        Future<HttpResponse<String>> running = ex.submit(() -> http.send(
            HttpRequest.newBuilder(u)
                .POST(HttpRequest.BodyPublishers.ofString(
                    completion(null, "a", 40).toString()))
                .build(),
            HttpResponse.BodyHandlers.ofString()));
        for (int i = 0; i < 400 && small.engine().runningCount() < 1; i++) Thread.sleep(5);
        Future<?> closing = ex.submit(small::close);
        for (int i = 0; i < 400 && small.engine().isAccepting(); i++) Thread.sleep(5);
        error(
            http.send(
                HttpRequest.newBuilder(u)
                    .POST(HttpRequest.BodyPublishers.ofString(
                        completion(null, "b", 2).toString()))
                    .build(),
                HttpResponse.BodyHandlers.ofString()),
            503);
        JsonNode c = ok(running.get()).get("choices").get(0);
        assertEquals(
            reference(null, "a", 40, Sampling.greedy()).text().orElseThrow(),
            c.get("text").asText());
        closing.get();
      }
    }
    // Without a chat template: a 400 that says so.
    Path plain = TestModels.checkpoint(tmp.resolve("no-chat"), false, 5);
    try (MosContext c2 = MosContext.cpu();
        LlamaModel m2 = TestModels.load(c2, plain);
        MosServer s2 =
            MosServer.start(m2, ServeConfig.defaults().withAddress("127.0.0.1", 0), null)) {
      HttpResponse<String> r = http.send(
          HttpRequest.newBuilder(
                  URI.create("http://127.0.0.1:" + s2.port() + "/v1/chat/completions"))
              .POST(HttpRequest.BodyPublishers.ofString(
                  "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}"))
              .build(),
          HttpResponse.BodyHandlers.ofString());
      JsonNode e = error(r, 400);
      assertTrue(e.get("message").asText().contains("chat template"), e.toString());
    }
  }

  @Test
  void aSmallKvCacheMakesRequestsWaitNotFail() throws Exception {
    long perToken = model.decoder().kvBytesPerToken();
    // Four pages (64 tokens): each request below reserves three, so they run one at a time.
    try (MosServer tight = MosServer.start(
        model,
        ServeConfig.defaults().withAddress("127.0.0.1", 0).withKvCacheBytes(64 * perToken),
        null)) {
      assertEquals(64, tight.engine().capacityTokens());
      URI u = URI.create("http://127.0.0.1:" + tight.port() + "/v1/completions");
      tight.engine().afterStep = () -> sleep(1);
      List<Future<HttpResponse<String>>> fs = new ArrayList<>();
      int maxWaiting = 0;
      try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
        for (int i = 0; i < 3; i++) {
          ObjectNode b = completion(null, PROMPTS.get(i), 40);
          b.put("ignore_eos", true);
          fs.add(ex.submit(() -> http.send(
              HttpRequest.newBuilder(u)
                  .POST(HttpRequest.BodyPublishers.ofString(b.toString()))
                  .build(),
              HttpResponse.BodyHandlers.ofString())));
        }
        for (int i = 0; i < 200 && !fs.stream().allMatch(Future::isDone); i++) {
          maxWaiting = Math.max(maxWaiting, tight.engine().waitingCount());
          assertTrue(tight.engine().runningCount() <= 1);
          Thread.sleep(5);
        }
      }
      assertTrue(maxWaiting >= 1, "nothing ever waited");
      for (Future<HttpResponse<String>> f : fs) {
        JsonNode r = ok(f.get());
        assertEquals(40, r.get("usage").get("completion_tokens").asInt());
      }
      error(
          http.send(
              HttpRequest.newBuilder(u)
                  .POST(HttpRequest.BodyPublishers.ofString(
                      completion(null, "x", 100).toString()))
                  .build(),
              HttpResponse.BodyHandlers.ofString()),
          400); // could never fit
    }
  }

  @Test
  void requestsPastTheTimeoutEndWith504() throws Exception {
    try (MosServer slow = MosServer.start(
        model,
        ServeConfig.defaults()
            .withAddress("127.0.0.1", 0)
            .withRequestTimeout(Duration.ofMillis(300)),
        null)) {
      slow.engine().afterStep = () -> sleep(20);
      URI u = URI.create("http://127.0.0.1:" + slow.port() + "/v1/completions");
      ObjectNode b = completion(null, "a", 100);
      JsonNode e = error(
          http.send(
              HttpRequest.newBuilder(u)
                  .POST(HttpRequest.BodyPublishers.ofString(b.toString()))
                  .build(),
              HttpResponse.BodyHandlers.ofString()),
          504);
      assertEquals("timeout", e.get("type").asText());
      b.put("stream", true);
      HttpResponse<String> r = http.send(
          HttpRequest.newBuilder(u)
              .POST(HttpRequest.BodyPublishers.ofString(b.toString()))
              .build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode()); // the stream had begun: an error chunk, then [DONE]
      assertTrue(
          r.body().contains("\"code\":504") && r.body().endsWith("data: [DONE]\n\n"), r.body());
      assertEquals(0, slow.engine().runningCount());
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
