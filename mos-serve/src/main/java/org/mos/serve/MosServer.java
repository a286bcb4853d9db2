// SPDX-License-Identifier: Apache-2.0
// MosServer: `mos serve`'s HTTP front end on Helidon SE WebServer 4 (a virtual thread per
// request): OpenAI's completions, chat completions and models, vLLM's adapter loading, health,
// Prometheus metrics. Handlers parse, submit to the Engine and stream its events back.
package org.mos.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.mos.MosException;
import org.mos.Sampling;
import org.mos.llm.LlamaModel;
import org.mos.llm.tokenizer.ChatMessage;
import org.mos.llm.tokenizer.ChatTemplate;
import org.mos.llm.tokenizer.Tokenizer;

/**
 * The HTTP server of {@code mos serve} (docs/serving.md): an {@link Engine} behind OpenAI's and
 * vLLM's API. {@link #start} loads every adapter directory under the adapters root and listens;
 * {@link #close} finishes the running requests, then stops.
 */
public final class MosServer implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_STOP_STRINGS = 16;
  private static final int MAX_LOGPROBS = 5;

  private final LlamaModel model;
  private final Tokenizer tokenizer;
  private final ChatTemplate chat;
  private final ServeConfig config;
  private final Engine engine;
  private final Metrics metrics = new Metrics();
  private final PrintStream log;
  private final Path adaptersRoot; // real path, or null
  private final WebServer server;
  private volatile boolean closing;

  private MosServer(LlamaModel model, ServeConfig config, PrintStream log) throws IOException {
    this.model = model;
    this.config = config;
    this.log = log;
    this.tokenizer = model
        .tokenizer()
        .orElseThrow(() -> new MosException(
            org.mos.Status.INVALID_ARGUMENT,
            model.directory() + ": mos serve needs the checkpoint's" + " tokenizer.json"));
    this.chat = tokenizer.chatTemplate().isPresent() ? ChatTemplate.of(tokenizer) : null;
    String base = config.servedModelName() != null
        ? config.servedModelName()
        : model.directory().toAbsolutePath().normalize().getFileName().toString();
    this.adaptersRoot =
        config.adaptersRoot() == null ? null : config.adaptersRoot().toRealPath();
    this.engine = new Engine(model, config, base, metrics);
    try {
      if (adaptersRoot != null) {
        List<Path> dirs;
        try (Stream<Path> s = Files.list(adaptersRoot)) {
          dirs = s.filter(Files::isDirectory).sorted().toList();
        }
        for (Path d : dirs) {
          String name = d.getFileName().toString();
          try {
            engine.loadAdapter(name, d);
          } catch (ApiException e) {
            throw new MosException(
                org.mos.Status.INVALID_ARGUMENT, "adapter '" + name + "': " + e.getMessage());
          }
        }
      }
      this.server = WebServer.builder()
          .host(config.host())
          .port(config.port())
          .shutdownHook(false)
          .routing(this::routes)
          .build()
          .start();
    } catch (RuntimeException | IOException e) {
      engine.shutdown(Duration.ZERO);
      throw e;
    }
  }

  /**
   * Serves {@code model} (with its tokenizer) as {@code config} says: loads every subdirectory of
   * the adapters root as an adapter named after it, then listens. The caller keeps owning the
   * model and closes it after the server.
   *
   * @param log where one line per request goes (null: nowhere)
   */
  public static MosServer start(LlamaModel model, ServeConfig config, PrintStream log)
      throws IOException {
    return new MosServer(
        model, config, log == null ? new PrintStream(OutputStream.nullOutputStream()) : log);
  }

  /** The port it listens on (the one chosen when the config said 0). */
  public int port() {
    return server.port();
  }

  public Engine engine() {
    return engine;
  }

  Metrics metrics() {
    return metrics;
  }

  /** Refuses new requests (503), finishes the running ones (up to 30 s), then stops. */
  @Override
  public void close() {
    closing = true;
    engine.shutdown(Duration.ofSeconds(30));
    server.stop();
  }

  // ---- routing
  // -----------------------------------------------------------------------------------

  /** A handler with the per-request log line's fields. */
  @FunctionalInterface
  private interface Api {
    void handle(ServerRequest req, ServerResponse res, RequestLog line) throws Exception;
  }

  /** What the request's log line says besides method, path, status and time. */
  private static final class RequestLog {
    String model = "-";
    int promptTokens;
    int completionTokens;
    boolean clientGone; // logged and counted as 499, as nginx does
  }

  private void routes(HttpRouting.Builder r) {
    r.get("/health", wrap(false, (req, res, l) -> {
      if (closing) throw new ApiException(503, "service_unavailable", null, "shutting down");
      res.send();
    }));
    r.get("/metrics", wrap(false, (req, res, l) -> {
      StringBuilder out = new StringBuilder();
      metrics.write(out);
      engine.writeGauges(out);
      res.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
      res.send(out.toString().getBytes(StandardCharsets.UTF_8));
    }));
    r.get("/v1/models", wrap(true, (req, res, l) -> sendJson(res, 200, models())));
    r.post("/v1/completions", wrap(true, (req, res, l) -> generate(req, res, l, false)));
    r.post("/v1/chat/completions", wrap(true, (req, res, l) -> generate(req, res, l, true)));
    r.post("/v1/load_lora_adapter", wrap(true, this::load));
    r.post("/v1/unload_lora_adapter", wrap(true, this::unload));
    r.any(wrap(false, (req, res, l) -> {
      throw new ApiException(
          404,
          "not_found_error",
          null,
          "no route " + req.prologue().method().text() + " " + req.path().path());
    }));
  }

  private io.helidon.webserver.http.Handler wrap(boolean auth, Api api) {
    return (req, res) -> {
      long t0 = System.nanoTime();
      RequestLog line = new RequestLog();
      int status;
      try {
        if (auth) checkKey(req);
        api.handle(req, res, line);
        status = line.clientGone ? 499 : res.status().code();
      } catch (ApiException e) {
        status = e.status();
        sendError(res, e);
      } catch (Exception e) {
        status = 500;
        sendError(
            res, new ApiException(500, "internal_error", null, String.valueOf(e.getMessage())));
      }
      metrics.request(status);
      log.printf(
          Locale.ROOT,
          "%s %s %d model=%s prompt_tokens=%d completion_tokens=%d %.3fs%n",
          req.prologue().method().text(),
          req.path().path(),
          status,
          line.model,
          line.promptTokens,
          line.completionTokens,
          (System.nanoTime() - t0) / 1e9);
    };
  }

  private void checkKey(ServerRequest req) {
    if (config.apiKey() == null) return;
    String h = req.headers().first(HeaderNames.AUTHORIZATION).orElse(null);
    String want = "Bearer " + config.apiKey();
    if (h == null
        || !MessageDigest.isEqual(
            h.getBytes(StandardCharsets.UTF_8), want.getBytes(StandardCharsets.UTF_8))) {
      throw new ApiException(
          401,
          "authentication_error",
          null,
          h == null
              ? "missing API key: send the header 'Authorization: Bearer KEY'"
              : "invalid API key");
    }
  }

  private static void sendError(ServerResponse res, ApiException e) {
    if (res.isSent()) return;
    ObjectNode body = JSON.createObjectNode();
    ObjectNode err = body.putObject("error");
    err.put("message", e.getMessage());
    err.put("type", e.type());
    if (e.param() == null) err.putNull("param");
    else err.put("param", e.param());
    err.put("code", e.status());
    if (e.retryAfterSeconds() > 0) {
      res.header(HeaderNames.RETRY_AFTER, Integer.toString(e.retryAfterSeconds()));
    }
    try {
      sendJson(res, e.status(), body);
    } catch (RuntimeException ignored) {
      // The connection is gone; nothing more to say.
    }
  }

  private static void sendJson(ServerResponse res, int status, JsonNode body) {
    res.status(status);
    res.header(HeaderNames.CONTENT_TYPE, "application/json");
    try {
      res.send(JSON.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The body as JSON: 413 beyond the limit, 400 when it is not a JSON object. */
  private ObjectNode body(ServerRequest req) throws IOException {
    long max = config.maxBodyBytes();
    if (req.headers().contentLength().orElse(0) > max) throw tooLarge(max);
    byte[] bytes;
    try (InputStream in = req.content().inputStream()) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      long total = 0;
      for (int n; (n = in.read(buf)) > 0; ) {
        total += n;
        if (total > max) throw tooLarge(max);
        out.write(buf, 0, n);
      }
      bytes = out.toByteArray();
    }
    JsonNode n;
    try {
      n = JSON.readTree(bytes);
    } catch (JsonProcessingException e) {
      throw ApiException.badRequest(null, "the body is not valid JSON: " + e.getOriginalMessage());
    }
    if (n == null || !n.isObject()) {
      throw ApiException.badRequest(null, "the body must be a JSON object");
    }
    return (ObjectNode) n;
  }

  private static ApiException tooLarge(long max) {
    return new ApiException(
        413,
        "invalid_request_error",
        null,
        "the request body is larger" + " than " + max + " bytes (--max-body-bytes)");
  }

  // ---- /v1/models
  // --------------------------------------------------------------------------------

  private ObjectNode models() {
    ObjectNode out = JSON.createObjectNode();
    out.put("object", "list");
    ArrayNode data = out.putArray("data");
    ObjectNode b = data.addObject();
    b.put("id", engine.baseName())
        .put("object", "model")
        .put("created", engine.baseCreated())
        .put("owned_by", "mos")
        .put("root", model.directory().toAbsolutePath().toString())
        .putNull("parent")
        .put("max_model_len", model.config().maxPositions());
    for (Engine.Adapter a : engine.adapters()) {
      ObjectNode m = data.addObject();
      m.put("id", a.name())
          .put("object", "model")
          .put("created", a.created())
          .put("owned_by", "mos")
          .put("root", a.path().toString())
          .put("parent", engine.baseName())
          .put("max_model_len", model.config().maxPositions());
    }
    return out;
  }

  // ---- adapters
  // ----------------------------------------------------------------------------------

  private void load(ServerRequest req, ServerResponse res, RequestLog line) throws IOException {
    ObjectNode b = body(req);
    String name = requiredString(b, "lora_name");
    String path = requiredString(b, "lora_path");
    line.model = name;
    Path dir = confine(path);
    engine.loadAdapter(name, dir);
    res.header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    res.send(("Success: LoRA adapter '" + name + "' added successfully.")
        .getBytes(StandardCharsets.UTF_8));
  }

  private void unload(ServerRequest req, ServerResponse res, RequestLog line) throws Exception {
    ObjectNode b = body(req);
    String name = requiredString(b, "lora_name");
    line.model = name;
    engine.unloadAdapter(name);
    res.header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    res.send(("Success: LoRA adapter '" + name + "' removed successfully.")
        .getBytes(StandardCharsets.UTF_8));
  }

  /** {@code path} (absolute, or relative to the adapters root) if it lies inside the root. */
  private Path confine(String path) throws IOException {
    if (adaptersRoot == null) {
      throw new ApiException(
          403,
          "permission_error",
          "lora_path",
          "the server was started" + " without --adapters, so it loads no adapters at run time");
    }
    Path p;
    try {
      p = Path.of(path);
    } catch (java.nio.file.InvalidPathException e) {
      throw ApiException.badRequest("lora_path", "not a path: " + e.getMessage());
    }
    Path abs = (p.isAbsolute() ? p : adaptersRoot.resolve(p)).normalize();
    Path root = config.adaptersRoot().toAbsolutePath().normalize();
    if (!abs.startsWith(adaptersRoot) && !abs.startsWith(root)) {
      throw outside(path);
    }
    if (!Files.exists(abs)) {
      throw ApiException.badRequest(
          "lora_path", "'" + path + "' does not exist under the" + " adapters root");
    }
    Path real = abs.toRealPath();
    if (!real.startsWith(adaptersRoot) || real.equals(adaptersRoot)) throw outside(path);
    return real;
  }

  private ApiException outside(String path) {
    return new ApiException(
        403,
        "permission_error",
        "lora_path",
        "'" + path + "' lies outside" + " the adapters root " + adaptersRoot
            + " (after resolving '..' and links)");
  }

  // ---- completions
  // -------------------------------------------------------------------------------

  private void generate(ServerRequest req, ServerResponse res, RequestLog line, boolean isChat)
      throws Exception {
    long arrival = System.nanoTime();
    ObjectNode b = body(req);
    String modelName = optString(b, "model");
    if (modelName != null) line.model = modelName;
    if (modelName != null && !engine.modelNames().contains(modelName)) {
      throw ApiException.unknownModel(modelName);
    }
    line.model = modelName == null ? engine.baseName() : modelName;
    List<int[]> prompts = isChat ? List.of(chatPrompt(b)) : prompts(b);
    boolean stream = optBool(b, "stream", false);
    Integer n = optInt(b, "n");
    if (n != null && n != 1) throw ApiException.badRequest("n", "only n = 1 is supported");
    if (optBool(b, "echo", false)) throw ApiException.badRequest("echo", "echo is not supported");
    Integer maxTokens = optInt(b, "max_tokens");
    if (isChat && maxTokens == null) maxTokens = optInt(b, "max_completion_tokens");
    if (maxTokens != null && maxTokens <= 0) {
      throw ApiException.badRequest(
          b.has("max_tokens") ? "max_tokens" : "max_completion_tokens",
          "max_tokens must be at least 1, got " + maxTokens);
    }
    int max = maxTokens != null ? maxTokens : isChat ? Integer.MAX_VALUE : 16;
    int logprobs = -1;
    if (!isChat) {
      Integer lp = optInt(b, "logprobs");
      if (lp != null && (lp < 0 || lp > MAX_LOGPROBS)) {
        throw ApiException.badRequest(
            "logprobs", "logprobs must be in [0, " + MAX_LOGPROBS + "], got " + lp);
      }
      logprobs = lp == null ? -1 : lp;
    } else if (optBool(b, "logprobs", false)) {
      throw ApiException.badRequest(
          "logprobs", "logprobs are not supported for chat" + " completions (use /v1/completions)");
    }
    Engine.Params params =
        new Engine.Params(max, sampling(b), stops(b), logprobs, optBool(b, "ignore_eos", false));
    String id = (isChat ? "chatcmpl-" : "cmpl-") + UUID.randomUUID().toString().replace("-", "");
    long created = System.currentTimeMillis() / 1000;
    String served = line.model;

    LinkedBlockingQueue<Engine.Event> events = new LinkedBlockingQueue<>();
    List<Engine.Ticket> tickets = new ArrayList<>();
    try {
      for (int i = 0; i < prompts.size(); i++) {
        tickets.add(engine.submit(modelName, prompts.get(i), params, i, events, arrival));
      }
      for (int[] p : prompts) line.promptTokens += p.length;
      Output out = new Output(id, created, served, isChat, logprobs >= 0, prompts.size());
      if (stream) {
        stream(res, events, out, tickets, line);
      } else {
        while (out.done < prompts.size()) {
          Engine.Event e = events.take();
          if (e instanceof Engine.Failed f) throw f.error();
          out.add(e);
        }
        line.completionTokens = out.completionTokens;
        sendJson(res, 200, out.whole(line.promptTokens));
      }
    } finally {
      for (Engine.Ticket t : tickets) t.cancel(); // no-op for finished requests
    }
  }

  private void stream(
      ServerResponse res,
      LinkedBlockingQueue<Engine.Event> events,
      Output out,
      List<Engine.Ticket> tickets,
      RequestLog line)
      throws Exception {
    // The first event decides the status: a request that fails before its first token gets a
    // plain error response.
    Engine.Event first = events.take();
    if (first instanceof Engine.Failed f) throw f.error();
    res.status(200);
    res.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
    res.header(HeaderNames.CACHE_CONTROL, "no-cache");
    try (OutputStream os = res.outputStream()) {
      if (out.chat) {
        for (int i = 0; i < out.choices; i++) write(os, out.roleChunk(i));
      }
      Engine.Event e = first;
      while (true) {
        if (e instanceof Engine.Failed f) {
          ObjectNode err = JSON.createObjectNode();
          err.putObject("error")
              .put("message", f.error().getMessage())
              .put("type", f.error().type())
              .putNull("param")
              .put("code", f.error().status());
          write(os, err);
          break;
        }
        ObjectNode chunk = out.chunk(e);
        if (chunk != null) write(os, chunk);
        if (out.done == out.choices) {
          write(os, out.usageChunk(line.promptTokens));
          break;
        }
        e = events.poll(1, TimeUnit.SECONDS);
        while (e == null) e = events.poll(1, TimeUnit.SECONDS);
      }
      line.completionTokens = out.completionTokens;
      os.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
      os.flush();
    } catch (IOException | RuntimeException ex) {
      // Writing failed: the client went away (Helidon reports it as an I/O or a connection
      // exception). Free its sequences now.
      for (Engine.Ticket t : tickets) t.cancel();
      line.completionTokens = out.completionTokens;
      line.clientGone = true;
    }
  }

  private static void write(OutputStream os, JsonNode chunk) throws IOException {
    os.write(("data: " + JSON.writeValueAsString(chunk) + "\n\n").getBytes(StandardCharsets.UTF_8));
    os.flush();
  }

  /** Accumulates a request's events into OpenAI's response and chunk shapes. */
  private final class Output {
    final String id;
    final long created;
    final String model;
    final boolean chat;
    final boolean logprobs;
    final int choices;
    final StringBuilder[] text;
    final String[] finish;
    final List<List<Engine.Token>> tokens = new ArrayList<>();
    int done;
    int completionTokens;

    Output(String id, long created, String model, boolean chat, boolean logprobs, int choices) {
      this.id = id;
      this.created = created;
      this.model = model;
      this.chat = chat;
      this.logprobs = logprobs;
      this.choices = choices;
      this.text = new StringBuilder[choices];
      this.finish = new String[choices];
      for (int i = 0; i < choices; i++) {
        text[i] = new StringBuilder();
        tokens.add(new ArrayList<>());
      }
    }

    void add(Engine.Event e) {
      if (e instanceof Engine.Token t) {
        text[t.choice()].append(t.text());
        tokens.get(t.choice()).add(t);
        completionTokens++;
      } else if (e instanceof Engine.Done d) {
        finish[d.choice()] = d.finishReason();
        done++;
      }
    }

    ObjectNode head(String object) {
      ObjectNode o = JSON.createObjectNode();
      o.put("id", id).put("object", object).put("created", created).put("model", model);
      return o;
    }

    ObjectNode whole(int promptTokens) {
      ObjectNode o = head(chat ? "chat.completion" : "text_completion");
      ArrayNode cs = o.putArray("choices");
      for (int i = 0; i < choices; i++) {
        ObjectNode c = cs.addObject();
        c.put("index", i);
        if (chat) {
          c.putObject("message").put("role", "assistant").put("content", text[i].toString());
          c.putNull("logprobs");
        } else {
          c.put("text", text[i].toString());
          if (logprobs) c.set("logprobs", logprobs(tokens.get(i)));
          else c.putNull("logprobs");
        }
        c.put("finish_reason", finish[i]);
      }
      usage(o, promptTokens);
      return o;
    }

    void usage(ObjectNode o, int promptTokens) {
      o.putObject("usage")
          .put("prompt_tokens", promptTokens)
          .put("completion_tokens", completionTokens)
          .put("total_tokens", promptTokens + completionTokens);
    }

    ObjectNode roleChunk(int choice) {
      ObjectNode o = head("chat.completion.chunk");
      ObjectNode c = o.putArray("choices").addObject();
      c.put("index", choice);
      c.putObject("delta").put("role", "assistant").put("content", "");
      c.putNull("logprobs");
      c.putNull("finish_reason");
      return o;
    }

    /** The chunk for one event, or null when it carries nothing to send. */
    ObjectNode chunk(Engine.Event e) {
      add(e);
      String piece;
      String reason = null;
      List<Engine.Token> toks = List.of();
      if (e instanceof Engine.Token t) {
        piece = t.text();
        toks = List.of(t);
        if (piece.isEmpty() && !logprobs) return null;
      } else if (e instanceof Engine.Done d) {
        piece = "";
        reason = d.finishReason();
      } else {
        return null;
      }
      ObjectNode o = head(chat ? "chat.completion.chunk" : "text_completion");
      ObjectNode c = o.putArray("choices").addObject();
      c.put("index", e.choice());
      if (chat) {
        c.putObject("delta").put("content", piece);
        c.putNull("logprobs");
      } else {
        c.put("text", piece);
        if (logprobs && !toks.isEmpty()) c.set("logprobs", logprobs(toks));
        else c.putNull("logprobs");
      }
      if (reason == null) c.putNull("finish_reason");
      else c.put("finish_reason", reason);
      return o;
    }

    ObjectNode usageChunk(int promptTokens) {
      ObjectNode o = head(chat ? "chat.completion.chunk" : "text_completion");
      o.putArray("choices");
      usage(o, promptTokens);
      return o;
    }

    ObjectNode logprobs(List<Engine.Token> toks) {
      ObjectNode lp = JSON.createObjectNode();
      ArrayNode ts = lp.putArray("tokens");
      ArrayNode ls = lp.putArray("token_logprobs");
      ArrayNode tops = lp.putArray("top_logprobs");
      ArrayNode offs = lp.putArray("text_offset");
      int off = 0;
      for (Engine.Token t : toks) {
        ts.add(tokenizer.decode(new int[] {t.id()}, false));
        ls.add(t.logprob());
        if (t.top() == null) {
          tops.addNull();
        } else {
          ObjectNode m = tops.addObject();
          for (Map.Entry<String, Float> en : t.top().entrySet()) m.put(en.getKey(), en.getValue());
        }
        offs.add(off);
        off += t.text().length();
      }
      return lp;
    }
  }

  // ---- request fields
  // ----------------------------------------------------------------------------

  private List<int[]> prompts(ObjectNode b) {
    JsonNode p = b.get("prompt");
    if (p == null || p.isNull()) throw ApiException.badRequest("prompt", "prompt is required");
    List<int[]> out = new ArrayList<>();
    if (p.isTextual()) {
      out.add(tokenizer.encode(p.asText(), true));
    } else if (p.isArray() && !p.isEmpty() && p.get(0).isIntegralNumber()) {
      out.add(ids(p));
    } else if (p.isArray() && !p.isEmpty()) {
      for (JsonNode e : p) {
        if (e.isTextual()) out.add(tokenizer.encode(e.asText(), true));
        else if (e.isArray() && !e.isEmpty()) out.add(ids(e));
        else
          throw ApiException.badRequest(
              "prompt",
              "prompt must be a string, an array of"
                  + " strings, an array of token ids or an array of such arrays");
      }
    } else {
      throw ApiException.badRequest(
          "prompt",
          "prompt must be a string, an array of strings, an"
              + " array of token ids or an array of such arrays");
    }
    if (out.size() > config.maxBatch()) {
      throw ApiException.badRequest(
          "prompt", out.size() + " prompts in one request; at most " + config.maxBatch());
    }
    return out;
  }

  private static int[] ids(JsonNode a) {
    int[] ids = new int[a.size()];
    for (int i = 0; i < ids.length; i++) {
      JsonNode e = a.get(i);
      if (!e.isIntegralNumber() || !e.canConvertToInt()) {
        throw ApiException.badRequest("prompt", "prompt[" + i + "] is not a token id: " + e);
      }
      ids[i] = e.asInt();
    }
    return ids;
  }

  private int[] chatPrompt(ObjectNode b) {
    if (chat == null) {
      throw ApiException.badRequest(
          "messages",
          "the model's tokenizer has no chat template"
              + " (tokenizer_config.json's chat_template or chat_template.jinja), so"
              + " /v1/chat/completions cannot format messages; use /v1/completions");
    }
    JsonNode ms = b.get("messages");
    if (ms == null || !ms.isArray() || ms.isEmpty()) {
      throw ApiException.badRequest(
          "messages", "messages must be a non-empty array of" + " {role, content}");
    }
    List<ChatMessage> list = new ArrayList<>();
    for (int i = 0; i < ms.size(); i++) {
      JsonNode m = ms.get(i);
      JsonNode role = m.get("role");
      JsonNode content = m.get("content");
      if (role == null || !role.isTextual()) {
        throw ApiException.badRequest("messages", "messages[" + i + "].role must be a string");
      }
      String text;
      if (content != null && content.isTextual()) {
        text = content.asText();
      } else if (content != null && content.isArray()) {
        StringBuilder sb = new StringBuilder();
        for (JsonNode part : content) {
          if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
            throw ApiException.badRequest(
                "messages",
                "messages[" + i + "].content: only text"
                    + " parts ({\"type\": \"text\", \"text\": ...}) are supported");
          }
          sb.append(part.get("text").asText());
        }
        text = sb.toString();
      } else if (content == null || content.isNull()) {
        text = "";
      } else {
        throw ApiException.badRequest(
            "messages",
            "messages[" + i + "].content must be a string" + " or an array of text parts");
      }
      list.add(new ChatMessage(role.asText(), text));
    }
    String rendered;
    try {
      rendered = chat.render(list, true);
    } catch (MosException e) {
      throw ApiException.badRequest(
          "messages", "the chat template refused the messages: " + e.getMessage());
    }
    return tokenizer.encode(rendered, false);
  }

  private static Sampling sampling(ObjectNode b) {
    Double temperature = optDouble(b, "temperature");
    Double topP = optDouble(b, "top_p");
    Integer topK = optInt(b, "top_k");
    Long seed = optLong(b, "seed");
    double t = temperature == null ? 1.0 : temperature;
    if (!(t >= 0) || t > 100) {
      throw ApiException.badRequest("temperature", "temperature must be in [0, 100], got " + t);
    }
    double p = topP == null ? 1.0 : topP;
    if (!(p > 0 && p <= 1)) {
      throw ApiException.badRequest("top_p", "top_p must be in (0, 1], got " + p);
    }
    int k = topK == null ? 0 : topK;
    if (k < -1) throw ApiException.badRequest("top_k", "top_k must be -1 or 0 (off) or >= 1");
    long s = seed != null ? seed : ThreadLocalRandom.current().nextLong();
    return new Sampling((float) t, Math.max(k, 0), (float) p, s);
  }

  private static List<String> stops(ObjectNode b) {
    JsonNode s = b.get("stop");
    if (s == null || s.isNull()) return List.of();
    List<String> out = new ArrayList<>();
    if (s.isTextual()) {
      out.add(s.asText());
    } else if (s.isArray()) {
      for (JsonNode e : s) {
        if (!e.isTextual())
          throw ApiException.badRequest(
              "stop", "stop must be a string or an" + " array of strings");
        out.add(e.asText());
      }
    } else {
      throw ApiException.badRequest("stop", "stop must be a string or an array of strings");
    }
    if (out.size() > MAX_STOP_STRINGS) {
      throw ApiException.badRequest("stop", "at most " + MAX_STOP_STRINGS + " stop strings");
    }
    out.removeIf(String::isEmpty);
    return out;
  }

  private static String requiredString(ObjectNode b, String field) {
    String s = optString(b, field);
    if (s == null || s.isEmpty()) {
      throw ApiException.badRequest(field, field + " is required (a non-empty string)");
    }
    return s;
  }

  private static String optString(ObjectNode b, String field) {
    JsonNode n = b.get(field);
    if (n == null || n.isNull()) return null;
    if (!n.isTextual()) throw ApiException.badRequest(field, field + " must be a string");
    return n.asText();
  }

  private static boolean optBool(ObjectNode b, String field, boolean dflt) {
    JsonNode n = b.get(field);
    if (n == null || n.isNull()) return dflt;
    if (!n.isBoolean()) throw ApiException.badRequest(field, field + " must be true or false");
    return n.asBoolean();
  }

  private static Integer optInt(ObjectNode b, String field) {
    JsonNode n = b.get(field);
    if (n == null || n.isNull()) return null;
    if (!n.isIntegralNumber() || !n.canConvertToInt()) {
      throw ApiException.badRequest(field, field + " must be an integer, got " + n);
    }
    return n.asInt();
  }

  private static Long optLong(ObjectNode b, String field) {
    JsonNode n = b.get(field);
    if (n == null || n.isNull()) return null;
    if (!n.isIntegralNumber() || !n.canConvertToLong()) {
      throw ApiException.badRequest(field, field + " must be an integer, got " + n);
    }
    return n.asLong();
  }

  private static Double optDouble(ObjectNode b, String field) {
    JsonNode n = b.get(field);
    if (n == null || n.isNull()) return null;
    if (!n.isNumber()) throw ApiException.badRequest(field, field + " must be a number, got " + n);
    return n.asDouble();
  }
}
