// SPDX-License-Identifier: Apache-2.0
// ServeConfig: the settings of `mos serve` (limits of the engine and of the HTTP front end).
package org.mos.serve;

import java.nio.file.Path;
import java.time.Duration;
import org.mos.MosException;
import org.mos.Status;

/**
 * How {@link MosServer} serves.
 *
 * @param adaptersRoot the directory whose subdirectories are loaded at start, and the only place
 *     {@code /v1/load_lora_adapter} may load from (null: no adapters, and runtime loading refused)
 * @param servedModelName the base model's name (null: the checkpoint directory's name)
 * @param host the address to listen on
 * @param port the port (0: any free port)
 * @param maxBatch sequences running at once (decoding together in every step)
 * @param maxBatchTokens tokens per step over all sequences (decode tokens plus prefill chunks)
 * @param kvCacheBytes the KV cache's size (0: room for {@code maxBatch} full contexts, at most
 *     2 GiB)
 * @param maxAdapters adapters resident at once
 * @param maxWaiting requests waiting for a place beyond the running ones before 429
 * @param apiKey the key clients must send as {@code Authorization: Bearer KEY} (null: none)
 * @param maxBodyBytes the largest request body (413 beyond)
 * @param requestTimeout a request's longest life, waiting included
 */
public record ServeConfig(
    Path adaptersRoot,
    String servedModelName,
    String host,
    int port,
    int maxBatch,
    int maxBatchTokens,
    long kvCacheBytes,
    int maxAdapters,
    int maxWaiting,
    String apiKey,
    long maxBodyBytes,
    Duration requestTimeout) {

  /** Checks the ranges. */
  public ServeConfig {
    if (host == null || host.isBlank()) throw invalid("host must not be empty");
    if (port < 0 || port > 65535) throw invalid("port must be in [0, 65535], got " + port);
    if (maxBatch < 1) throw invalid("max-batch must be >= 1, got " + maxBatch);
    if (maxBatchTokens < maxBatch) {
      throw invalid("max-batch-tokens (" + maxBatchTokens + ") must be >= max-batch (" + maxBatch
          + "): every running sequence decodes one token per step");
    }
    if (kvCacheBytes < 0) throw invalid("kv-cache-bytes must be >= 0, got " + kvCacheBytes);
    if (maxAdapters < 0) throw invalid("max-adapters must be >= 0, got " + maxAdapters);
    if (maxWaiting < 0) throw invalid("max-waiting must be >= 0, got " + maxWaiting);
    if (maxBodyBytes < 1024) throw invalid("max-body-bytes must be >= 1024, got " + maxBodyBytes);
    if (requestTimeout == null || requestTimeout.isNegative() || requestTimeout.isZero()) {
      throw invalid("the request timeout must be positive, got " + requestTimeout);
    }
    if (apiKey != null && apiKey.isEmpty()) apiKey = null;
  }

  private static MosException invalid(String message) {
    return new MosException(Status.INVALID_ARGUMENT, "mos serve: " + message);
  }

  /**
   * The defaults: 127.0.0.1:8000, 64 sequences and 2048 tokens per step, an automatic KV cache,
   * 256 adapters, 1024 waiting requests, no key, 1 MiB bodies, 10-minute requests.
   */
  public static ServeConfig defaults() {
    return new ServeConfig(
        null,
        null,
        "127.0.0.1",
        8000,
        64,
        2048,
        0,
        256,
        1024,
        null,
        1L << 20,
        Duration.ofMinutes(10));
  }

  public ServeConfig withAdaptersRoot(Path p) {
    return new ServeConfig(
        p,
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
        requestTimeout);
  }

  public ServeConfig withServedModelName(String n) {
    return new ServeConfig(
        adaptersRoot,
        n,
        host,
        port,
        maxBatch,
        maxBatchTokens,
        kvCacheBytes,
        maxAdapters,
        maxWaiting,
        apiKey,
        maxBodyBytes,
        requestTimeout);
  }

  public ServeConfig withAddress(String h, int p) {
    return new ServeConfig(
        adaptersRoot,
        servedModelName,
        h,
        p,
        maxBatch,
        maxBatchTokens,
        kvCacheBytes,
        maxAdapters,
        maxWaiting,
        apiKey,
        maxBodyBytes,
        requestTimeout);
  }

  public ServeConfig withBatch(int sequences, int tokens) {
    return new ServeConfig(
        adaptersRoot,
        servedModelName,
        host,
        port,
        sequences,
        tokens,
        kvCacheBytes,
        maxAdapters,
        maxWaiting,
        apiKey,
        maxBodyBytes,
        requestTimeout);
  }

  public ServeConfig withKvCacheBytes(long b) {
    return new ServeConfig(
        adaptersRoot,
        servedModelName,
        host,
        port,
        maxBatch,
        maxBatchTokens,
        b,
        maxAdapters,
        maxWaiting,
        apiKey,
        maxBodyBytes,
        requestTimeout);
  }

  public ServeConfig withMaxAdapters(int n) {
    return new ServeConfig(
        adaptersRoot,
        servedModelName,
        host,
        port,
        maxBatch,
        maxBatchTokens,
        kvCacheBytes,
        n,
        maxWaiting,
        apiKey,
        maxBodyBytes,
        requestTimeout);
  }

  public ServeConfig withMaxWaiting(int n) {
    return new ServeConfig(
        adaptersRoot,
        servedModelName,
        host,
        port,
        maxBatch,
        maxBatchTokens,
        kvCacheBytes,
        maxAdapters,
        n,
        apiKey,
        maxBodyBytes,
        requestTimeout);
  }

  public ServeConfig withApiKey(String k) {
    return new ServeConfig(
        adaptersRoot,
        servedModelName,
        host,
        port,
        maxBatch,
        maxBatchTokens,
        kvCacheBytes,
        maxAdapters,
        maxWaiting,
        k,
        maxBodyBytes,
        requestTimeout);
  }

  public ServeConfig withMaxBodyBytes(long b) {
    return new ServeConfig(
        adaptersRoot,
        servedModelName,
        host,
        port,
        maxBatch,
        maxBatchTokens,
        kvCacheBytes,
        maxAdapters,
        maxWaiting,
        apiKey,
        b,
        requestTimeout);
  }

  public ServeConfig withRequestTimeout(Duration d) {
    return new ServeConfig(
        adaptersRoot,
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
        d);
  }
}
