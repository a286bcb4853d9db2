// SPDX-License-Identifier: Apache-2.0
// Engine: continuous batching over one LlamaModel, one KV cache and one adapter bank. A single
// scheduler thread owns the decoder and the cache; HTTP handlers only submit and read events.
package org.mos.serve;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.mos.AdapterBank;
import org.mos.KvCache;
import org.mos.MosException;
import org.mos.Sampling;
import org.mos.io.MosAdapter;
import org.mos.llm.LlamaModel;
import org.mos.llm.tokenizer.StreamDecoder;
import org.mos.llm.tokenizer.Tokenizer;

/**
 * Continuous batching: every step runs all running sequences together, whatever their adapters
 * (one token each when decoding, a chunk of the prompt when prefilling), through
 * {@link LlamaModel#step(KvCache, AdapterBank, int[], int[], int[], int[])} with one adapter id
 * per sequence. New requests are admitted between steps while the batch has room and the KV
 * cache can hold their prompt plus {@code max_tokens}; the rest wait in FIFO order.
 *
 * <p>Threads: {@link #submit}, {@link #loadAdapter}, {@link #unloadAdapter} and the queries may be
 * called from any thread; the decoder and the KV cache are used by the scheduler thread only.
 * Sampling is {@code mos_sample} with the request's seed and its token counter (token n of a
 * request uses counter n), so a request's tokens do not depend on what it was batched with.
 */
public final class Engine implements AutoCloseable {
  /**
   * How one request generates.
   *
   * @param maxTokens at most this many tokens (cut to what the context leaves)
   * @param sampling greedy or seeded sampling
   * @param stop strings that end the text (not included in it)
   * @param logprobs -1: none; else the number of most likely tokens to report per position
   * @param ignoreEos keep generating after the model's stop ids (vLLM's ignore_eos; benchmarks)
   */
  public record Params(
      int maxTokens, Sampling sampling, List<String> stop, int logprobs, boolean ignoreEos) {
    public Params {
      stop = List.copyOf(stop);
    }
  }

  /** What a request's sink receives, in order: tokens, then one Done or Failed. */
  public sealed interface Event permits Token, Done, Failed {
    int choice();
  }

  /**
   * One generated token.
   *
   * @param text the text it releases (held back while it may begin a stop string, or while a
   *     UTF-8 character is incomplete)
   * @param logprob ln p(token) (before temperature, top-k, top-p)
   * @param top the most likely tokens and their ln p when logprobs were asked for, else null
   */
  public record Token(int choice, int id, String text, float logprob, Map<String, Float> top)
      implements Event {}

  /**
   * The end of a request.
   *
   * @param finishReason "stop" or "length"
   */
  public record Done(int choice, String finishReason, int promptTokens, int completionTokens)
      implements Event {}

  /** A request that failed after it was accepted (timeout, shutdown, an engine error). */
  public record Failed(int choice, ApiException error) implements Event {}

  /** A resident adapter. */
  public static final class Adapter {
    final String name;
    final Path path;
    final int id;
    final long bytes;
    final long denseBytes;
    final long created = System.currentTimeMillis() / 1000;
    int users; // guarded by the engine's registry lock
    boolean unloading;

    Adapter(String name, Path path, int id, long bytes, long denseBytes) {
      this.name = name;
      this.path = path;
      this.id = id;
      this.bytes = bytes;
      this.denseBytes = denseBytes;
    }

    public String name() {
      return name;
    }

    public Path path() {
      return path;
    }

    public long bytes() {
      return bytes;
    }

    public long denseLoraBytes() {
      return denseBytes;
    }

    public long created() {
      return created;
    }
  }

  /** A submitted request: cancel it when its client goes away. */
  public static final class Ticket {
    private final Seq seq;

    Ticket(Seq seq) {
      this.seq = seq;
    }

    /** Stops generating and frees the sequence at the next step boundary. */
    public void cancel() {
      seq.cancelled = true;
    }
  }

  private static final int PAGE = 16;

  /** One request's sequence. Fields other than cancelled belong to the scheduler thread. */
  private static final class Seq {
    final int choice;
    final int[] prompt;
    final Params params;
    final Adapter adapter; // null: the base model
    final BlockingQueue<Event> sink;
    final long arrival;
    final long deadline;
    final long reserve;
    final StreamDecoder stream;
    final StringBuilder text = new StringBuilder();
    final int maxStop;
    volatile boolean cancelled;
    int kvId = -1;
    int prefilled;
    int generated;
    int emitted; // chars of text sent
    int lastToken;
    boolean firstToken = true;

    Seq(
        int choice,
        int[] prompt,
        Params params,
        Adapter adapter,
        BlockingQueue<Event> sink,
        long arrival,
        long deadline,
        int maxTokens,
        StreamDecoder stream) {
      this.choice = choice;
      this.prompt = prompt;
      this.params = new Params(
          maxTokens, params.sampling(), params.stop(), params.logprobs(), params.ignoreEos());
      this.adapter = adapter;
      this.sink = sink;
      this.arrival = arrival;
      this.deadline = deadline;
      this.reserve = (prompt.length + maxTokens + PAGE - 1L) / PAGE * PAGE;
      this.stream = stream;
      int m = 0;
      for (String s : params.stop()) m = Math.max(m, s.length());
      this.maxStop = m;
    }

    int adapterId() {
      return adapter == null ? -1 : adapter.id;
    }
  }

  private final LlamaModel model;
  private final Tokenizer tokenizer;
  private final ServeConfig config;
  private final Metrics metrics;
  private final String baseName;
  private final long baseCreated = System.currentTimeMillis() / 1000;
  private final AdapterBank bank;
  private final KvCache cache;
  private final long capacityTokens;
  private final int vocab;
  private final int maxPositions;
  private final Set<Integer> stopIds;

  private final Object registry = new Object();
  private final Map<String, Adapter> adapters = new LinkedHashMap<>(); // guarded by registry
  private final LinkedBlockingQueue<Seq> incoming = new LinkedBlockingQueue<>();
  private final ArrayDeque<Seq> waiting = new ArrayDeque<>(); // scheduler thread
  private final List<Seq> running = new ArrayList<>(); // scheduler thread
  private final AtomicBoolean accepting = new AtomicBoolean(true);
  /** Requests submitted and not yet ended (running, waiting or not yet seen by the scheduler). */
  private final java.util.concurrent.atomic.AtomicInteger outstanding =
      new java.util.concurrent.atomic.AtomicInteger();

  private final Thread scheduler;
  private volatile boolean stopping;
  private volatile int runningCount;
  private volatile int waitingCount;
  private volatile long reservedTokens;
  private volatile long usedTokens;
  private long reserved; // scheduler thread
  /** Runs on the scheduler thread after every step (tests slow the engine down with it). */
  volatile Runnable afterStep;

  /**
   * An engine over {@code model} (which must have a tokenizer); starts its scheduler thread. The
   * caller keeps owning the model and closes it after this engine.
   */
  public Engine(LlamaModel model, ServeConfig config, String baseName, Metrics metrics) {
    this.model = model;
    this.tokenizer = model
        .tokenizer()
        .orElseThrow(() -> new MosException(
            org.mos.Status.INVALID_ARGUMENT,
            model.directory() + ": mos serve needs the checkpoint's" + " tokenizer.json"));
    this.config = config;
    this.metrics = metrics;
    this.baseName = baseName;
    this.vocab = model.config().vocabSize();
    this.maxPositions = model.config().maxPositions();
    this.stopIds = new java.util.HashSet<>();
    for (int id : model.stopIds()) stopIds.add(id);
    long perToken = model.decoder().kvBytesPerToken();
    long bytes = config.kvCacheBytes() > 0
        ? config.kvCacheBytes()
        : Math.max(
            (long) maxPositions * perToken,
            Math.min((long) config.maxBatch() * maxPositions * perToken, 2L << 30));
    long tokens = bytes / perToken / PAGE * PAGE;
    if (tokens < PAGE) {
      throw new MosException(
          org.mos.Status.INVALID_ARGUMENT,
          "mos serve: kv-cache-bytes " + bytes + " holds no page of " + PAGE + " tokens ("
              + perToken + " bytes per token)");
    }
    this.capacityTokens = tokens;
    AdapterBank b = AdapterBank.create(model.context(), 0);
    KvCache c;
    try {
      c = model.newKvCache(tokens);
    } catch (RuntimeException e) {
      b.close();
      throw e;
    }
    this.bank = b;
    this.cache = c;
    this.scheduler =
        Thread.ofPlatform().name("mos-serve-scheduler").daemon(true).unstarted(this::loop);
    scheduler.start();
  }

  public String baseName() {
    return baseName;
  }

  public long baseCreated() {
    return baseCreated;
  }

  public LlamaModel model() {
    return model;
  }

  /** Tokens the KV cache holds over all sequences. */
  public long capacityTokens() {
    return capacityTokens;
  }

  /** False once {@link #shutdown} began. */
  public boolean isAccepting() {
    return accepting.get();
  }

  public int runningCount() {
    return runningCount;
  }

  public int waitingCount() {
    return waitingCount;
  }

  /** The resident adapters, in order of loading. */
  public List<Adapter> adapters() {
    synchronized (registry) {
      List<Adapter> out = new ArrayList<>();
      for (Adapter a : adapters.values()) {
        if (a != null && !a.unloading) out.add(a); // null: a name reserved by a load under way
      }
      return out;
    }
  }

  // ---- adapters
  // ----------------------------------------------------------------------------------

  /**
   * Reads the adapter in {@code dir} (mos or PEFT LoRA) and adds it to the bank as {@code name}.
   *
   * @throws ApiException 400 for a taken name, too many adapters or a malformed adapter (the bank
   *     unchanged)
   */
  public Adapter loadAdapter(String name, Path dir) {
    if (name.equals(baseName)) {
      throw ApiException.badRequest("lora_name", "'" + name + "' is the base model's name");
    }
    synchronized (registry) {
      if (adapters.containsKey(name)) {
        throw ApiException.badRequest(
            "lora_name", "an adapter named '" + name + "' is already loaded; unload it first");
      }
      if (adapters.size() >= config.maxAdapters()) {
        throw ApiException.badRequest(
            "lora_name",
            "already " + adapters.size()
                + " adapters loaded, the maximum (--max-adapters); unload one first");
      }
      // Reserve the name while reading (outside the lock would allow two loads of one name).
      adapters.put(name, null);
    }
    Adapter a = null;
    try {
      MosAdapter read = model.readAdapter(dir);
      int id = model.addAdapterTo(bank, read);
      a = new Adapter(name, dir, id, bank.bytes(id), bank.denseLoraBytes(id));
      return a;
    } catch (MosException e) {
      throw ApiException.badRequest("lora_path", e.getMessage());
    } finally {
      synchronized (registry) {
        if (a == null) adapters.remove(name);
        else adapters.put(name, a);
      }
    }
  }

  /**
   * Unloads adapter {@code name}: new requests no longer find it; waits until the requests that
   * use it have finished, then removes it from the bank.
   *
   * @throws ApiException 404 when no such adapter is loaded
   */
  public void unloadAdapter(String name) throws InterruptedException {
    Adapter a;
    synchronized (registry) {
      a = adapters.get(name);
      if (a == null || a.unloading) {
        throw new ApiException(
            404, "not_found_error", "lora_name", "no adapter named '" + name + "' is loaded");
      }
      a.unloading = true;
      while (a.users > 0) registry.wait();
      adapters.remove(name);
    }
    bank.remove(a.id);
  }

  private void release(Adapter a) {
    if (a == null) return;
    synchronized (registry) {
      a.users--;
      registry.notifyAll();
    }
  }

  // ---- requests
  // ----------------------------------------------------------------------------------

  /**
   * Queues a request for {@code model} (the base's name or an adapter's; null: the base). Events
   * go to {@code sink}, each tagged with {@code choice}.
   *
   * @throws ApiException 404 unknown model, 400 prompt too long or empty, 429 when the wait queue
   *     is full, 503 while shutting down
   */
  public Ticket submit(
      String modelName,
      int[] prompt,
      Params params,
      int choice,
      BlockingQueue<Event> sink,
      long arrivalNanos) {
    if (!accepting.get()) {
      throw new ApiException(503, "service_unavailable", null, "the server is shutting down", 5);
    }
    if (prompt.length == 0) throw ApiException.badRequest("prompt", "the prompt is empty");
    for (int id : prompt) {
      if (id < 0 || id >= vocab) {
        throw ApiException.badRequest(
            "prompt", "token id " + id + " is outside the vocabulary [0, " + vocab + ")");
      }
    }
    if (prompt.length >= maxPositions) {
      throw ApiException.badRequest(
          "prompt",
          "the prompt has " + prompt.length + " tokens but"
              + " the model's context is " + maxPositions + " tokens, which leaves no room to"
              + " generate");
    }
    int maxTokens = Math.min(params.maxTokens(), maxPositions - prompt.length);
    long need = (prompt.length + maxTokens + PAGE - 1L) / PAGE * PAGE;
    if (need > capacityTokens) {
      throw ApiException.badRequest(
          "max_tokens",
          "the prompt (" + prompt.length + " tokens) plus"
              + " max_tokens (" + maxTokens + ") need more than the KV cache's " + capacityTokens
              + " tokens (--kv-cache-bytes)");
    }
    Adapter adapter = null;
    if (modelName != null && !modelName.equals(baseName)) {
      synchronized (registry) {
        adapter = adapters.get(modelName);
        if (adapter == null || adapter.unloading) throw ApiException.unknownModel(modelName);
        adapter.users++;
      }
    }
    try {
      int limit = config.maxWaiting() + config.maxBatch();
      if (outstanding.incrementAndGet() > limit) {
        outstanding.decrementAndGet();
        throw new ApiException(
            429,
            "rate_limit_error",
            null,
            "too many requests: " + limit
                + " are running or waiting (--max-batch + --max-waiting); retry later",
            1);
      }
      long deadline = arrivalNanos + config.requestTimeout().toNanos();
      Seq s = new Seq(
          choice,
          prompt,
          params,
          adapter,
          sink,
          arrivalNanos,
          deadline,
          maxTokens,
          tokenizer.streamDecoder(true));
      metrics.promptTokens.add(prompt.length);
      incoming.add(s);
      return new Ticket(s);
    } catch (RuntimeException e) {
      release(adapter);
      throw e;
    }
  }

  // ---- the scheduler
  // -----------------------------------------------------------------------------

  private void loop() {
    while (true) {
      try {
        if (running.isEmpty() && waiting.isEmpty()) {
          if (stopping) break;
          Seq s = incoming.poll(20, TimeUnit.MILLISECONDS);
          if (s != null) waiting.add(s);
        }
        incoming.drainTo(waiting);
        if (!accepting.get()) {
          for (Seq s : waiting)
            fail(
                s,
                new ApiException(
                    503, "service_unavailable", null, "the server is shutting down", 5));
          waiting.clear();
        }
        dropDead();
        admit();
        waitingCount = waiting.size();
        runningCount = running.size();
        if (!running.isEmpty()) step();
      } catch (InterruptedException e) {
        break;
      } catch (Throwable t) {
        // Never let the scheduler die: fail what was running and go on.
        for (Seq s : running) {
          finish(
              s,
              null,
              new ApiException(
                  500, "internal_error", null, "the engine failed: " + t.getMessage()));
        }
        running.clear();
      }
    }
    for (Seq s : running)
      finish(s, null, new ApiException(503, "service_unavailable", null, "the server stopped"));
    running.clear();
    runningCount = 0;
  }

  /** Cancelled and timed-out requests leave (waiting or running). */
  private void dropDead() {
    long now = System.nanoTime();
    for (Iterator<Seq> it = waiting.iterator(); it.hasNext(); ) {
      Seq s = it.next();
      if (s.cancelled || now - s.deadline > 0) {
        it.remove();
        fail(s, timeout(s));
      }
    }
    for (Iterator<Seq> it = running.iterator(); it.hasNext(); ) {
      Seq s = it.next();
      if (s.cancelled || now - s.deadline > 0) {
        it.remove();
        runningCount = running.size();
        finish(s, null, timeout(s));
      }
    }
  }

  private ApiException timeout(Seq s) {
    return s.cancelled
        ? new ApiException(499, "cancelled", null, "the client went away")
        : new ApiException(
            504,
            "timeout",
            null,
            "the request ran longer than the server's" + " request timeout ("
                + config.requestTimeout().toSeconds() + " s)");
  }

  private void admit() {
    while (!waiting.isEmpty() && running.size() < config.maxBatch()) {
      Seq s = waiting.peek();
      if (reserved + s.reserve > capacityTokens) break; // FIFO: the head waits for room
      waiting.poll();
      s.kvId = cache.addSequence();
      reserved += s.reserve;
      running.add(s);
    }
    reservedTokens = reserved;
  }

  private void step() {
    int budget = config.maxBatchTokens();
    List<Seq> batch = new ArrayList<>(running.size());
    List<Integer> lens = new ArrayList<>(running.size());
    // Decoding sequences first (one token each), then prefill chunks in arrival order.
    for (Seq s : running) {
      if (s.prefilled == s.prompt.length) {
        batch.add(s);
        lens.add(1);
        budget--;
      }
    }
    for (Seq s : running) {
      if (s.prefilled < s.prompt.length && budget > 0) {
        int n = Math.min(s.prompt.length - s.prefilled, budget);
        batch.add(s);
        lens.add(n);
        budget -= n;
      }
    }
    int n = batch.size();
    int[] seqIds = new int[n];
    int[] lengths = new int[n];
    int[] ids = new int[n];
    int total = 0;
    for (int i = 0; i < n; i++) total += lens.get(i);
    int[] tokens = new int[total];
    int at = 0;
    for (int i = 0; i < n; i++) {
      Seq s = batch.get(i);
      seqIds[i] = s.kvId;
      lengths[i] = lens.get(i);
      ids[i] = s.adapterId();
      if (s.prefilled < s.prompt.length) {
        System.arraycopy(s.prompt, s.prefilled, tokens, at, lengths[i]);
      } else {
        tokens[at] = s.lastToken;
      }
      at += lengths[i];
    }
    long t0 = System.nanoTime();
    float[] logits = model.step(cache, bank, seqIds, lengths, tokens, ids);
    long t1 = System.nanoTime();
    metrics.steps.incrementAndGet();
    metrics.stepSeconds.observe((t1 - t0) / 1e9);
    metrics.batchSize.observe(n);
    for (int i = 0; i < n; i++) {
      Seq s = batch.get(i);
      if (s.prefilled < s.prompt.length) {
        s.prefilled += lengths[i];
        if (s.prefilled < s.prompt.length) continue; // more prompt to go
      }
      sample(s, logits, i * vocab, t1);
    }
    running.removeIf(s -> s.kvId < 0);
    runningCount = running.size();
    usedTokens = cache.usage().usedTokens();
    Runnable hook = afterStep;
    if (hook != null) hook.run();
  }

  private void sample(Seq s, float[] logits, int offset, long now) {
    Sampling.Draw d = s.params.sampling().sample(logits, offset, vocab, s.generated);
    s.generated++;
    s.lastToken = d.token();
    metrics.generationTokens.increment();
    if (s.firstToken) {
      s.firstToken = false;
      metrics.ttftSeconds.observe((now - s.arrival) / 1e9);
    }
    Map<String, Float> top =
        s.params.logprobs() > 0 ? top(logits, offset, s.params.logprobs()) : null;
    boolean stopId = !s.params.ignoreEos() && stopIds.contains(d.token());
    String piece = s.stream.push(d.token());
    s.text.append(piece);
    String finish = stopId ? "stop" : s.generated >= s.params.maxTokens() ? "length" : null;
    if (finish != null) s.text.append(s.stream.flush());
    int cut = stopAt(s);
    if (cut >= 0) {
      s.text.setLength(cut);
      finish = "stop";
    }
    int upTo = finish != null
        ? s.text.length()
        : Math.max(s.emitted, s.text.length() - Math.max(0, s.maxStop - 1));
    String out = s.text.substring(s.emitted, upTo);
    s.emitted = upTo;
    s.sink.add(new Token(s.choice, d.token(), out, d.logprob(), top));
    if (finish != null) finish(s, finish, null);
  }

  /** Where the earliest stop string begins in the text, or -1. */
  private static int stopAt(Seq s) {
    int best = -1;
    for (String stop : s.params.stop()) {
      int from = Math.max(0, s.emitted - stop.length());
      int i = s.text.indexOf(stop, from);
      if (i >= 0 && (best < 0 || i < best)) best = i;
    }
    return best;
  }

  private Map<String, Float> top(float[] logits, int offset, int k) {
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < vocab; i++) max = Math.max(max, logits[offset + i]);
    double sum = 0;
    for (int i = 0; i < vocab; i++) sum += Math.exp(logits[offset + i] - max);
    double lse = max + Math.log(sum);
    int[] best = new int[Math.min(k, vocab)];
    java.util.Arrays.fill(best, -1);
    for (int i = 0; i < vocab; i++) {
      for (int j = 0; j < best.length; j++) {
        if (best[j] < 0 || logits[offset + i] > logits[offset + best[j]]) {
          System.arraycopy(best, j, best, j + 1, best.length - j - 1);
          best[j] = i;
          break;
        }
      }
    }
    Map<String, Float> out = new LinkedHashMap<>();
    for (int id : best) {
      out.putIfAbsent(tokenizer.decode(new int[] {id}, false), (float) (logits[offset + id] - lse));
    }
    return out;
  }

  /** Ends a running sequence: frees its cache pages, its reservation and its adapter. */
  private void finish(Seq s, String finishReason, ApiException error) {
    if (s.kvId >= 0) {
      cache.removeSequence(s.kvId);
      s.kvId = -1;
      reserved -= s.reserve;
      reservedTokens = reserved;
    }
    metrics.latencySeconds.observe((System.nanoTime() - s.arrival) / 1e9);
    outstanding.decrementAndGet();
    release(s.adapter);
    if (error != null) s.sink.add(new Failed(s.choice, error));
    else s.sink.add(new Done(s.choice, finishReason, s.prompt.length, s.generated));
  }

  /** Ends a waiting sequence (never admitted). */
  private void fail(Seq s, ApiException error) {
    outstanding.decrementAndGet();
    release(s.adapter);
    s.sink.add(new Failed(s.choice, error));
  }

  // ---- metrics and lifetime
  // ----------------------------------------------------------------------

  /** The live gauges in Prometheus' text format. */
  void writeGauges(StringBuilder out) {
    Metrics.gauge(out, "mos_num_requests_running", "Sequences in the running batch.", runningCount);
    Metrics.gauge(
        out,
        "mos_num_requests_waiting",
        "Requests waiting for a place.",
        waitingCount + incoming.size());
    Metrics.gauge(
        out, "mos_kv_cache_capacity_tokens", "Tokens the KV cache holds.", capacityTokens);
    Metrics.gauge(
        out, "mos_kv_cache_used_tokens", "Tokens the KV cache's pages in use hold.", usedTokens);
    Metrics.gauge(
        out,
        "mos_kv_cache_reserved_tokens",
        "Tokens reserved by running requests (prompt + max_tokens).",
        reservedTokens);
    Metrics.gauge(
        out,
        "mos_kv_cache_usage_ratio",
        "Reserved over capacity.",
        (double) reservedTokens / capacityTokens);
    List<Adapter> list = adapters();
    Metrics.gauge(out, "mos_adapters_resident", "Adapters in the bank.", list.size());
    long bytes = 0;
    long dense = 0;
    out.append("# HELP mos_adapter_bytes Bytes an adapter takes in the bank (compact MoS form).\n");
    out.append("# TYPE mos_adapter_bytes gauge\n");
    for (Adapter a : list) {
      out.append("mos_adapter_bytes{adapter=\"")
          .append(Metrics.label(a.name))
          .append("\"} ")
          .append(a.bytes)
          .append('\n');
      bytes += a.bytes;
      dense += a.denseBytes;
    }
    Metrics.gauge(out, "mos_adapters_bytes_total", "Bytes all resident adapters take.", bytes);
    Metrics.gauge(
        out,
        "mos_adapters_dense_lora_bytes_total",
        "Bytes the same adapters would take as dense LoRA of the same rank.",
        dense);
  }

  /**
   * Stops admitting (new and waiting requests get 503), lets the running requests finish (for
   * at most {@code grace}), then stops the scheduler and frees the cache and the bank.
   */
  public void shutdown(java.time.Duration grace) {
    accepting.set(false);
    long end = System.nanoTime() + grace.toNanos();
    while (scheduler.isAlive()
        && (runningCount > 0 || !incoming.isEmpty())
        && System.nanoTime() - end < 0) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    stopping = true;
    scheduler.interrupt();
    try {
      scheduler.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    cache.close();
    bank.close();
  }

  @Override
  public void close() {
    shutdown(java.time.Duration.ofSeconds(30));
  }

  /** The names of every served model: the base, then the adapters. */
  public Collection<String> modelNames() {
    List<String> out = new ArrayList<>();
    out.add(baseName);
    for (Adapter a : adapters()) out.add(a.name);
    return out;
  }
}
