// SPDX-License-Identifier: Apache-2.0
// KvCache: a decoder's paged key/value cache (mos_kv_cache_t): sequences are added and removed,
// Decoder.step appends their new tokens' keys and values; fixed capacity in pages of 16 tokens.
package org.mos;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.mos.ffi.mos_h;

/**
 * The paged KV cache of one {@link Decoder} ({@code mos_kv_cache_t}, docs/llm.md "Inference"):
 * room for a fixed number of tokens over all its sequences, allocated at creation in pages of 16
 * tokens ({@link Decoder#kvBytesPerToken()} bytes per token). A sequence
 * ({@link #addSequence()}) owns a page table that grows a page at a time as
 * {@link Decoder#step} appends its tokens; {@link #removeSequence} gives its pages back. Ids are
 * never reused while the cache lives.
 *
 * <p>Threads: an object of the decoder's context (calls run under the context's lock). The cache
 * keeps its decoder alive; closing it frees its memory.
 *
 * {@snippet :
 * try (KvCache cache = decoder.newKvCache(4096)) {
 *   int seq = cache.addSequence();
 *   float[] logits = decoder.step(cache, new int[] {seq}, new int[] {prompt.length}, prompt);
 *   KvCache.Usage u = cache.usage();      // used, capacity, free tokens, sequences
 *   cache.removeSequence(seq);
 * }
 * }
 */
public final class KvCache implements AutoCloseable {

  /**
   * What the cache holds now.
   *
   * @param usedTokens tokens the pages in use can hold (whole pages)
   * @param capacityTokens the capacity (whole pages)
   * @param freeTokens tokens a new step can still place in free pages (a sequence's partly filled
   *     last page has room besides)
   * @param numSequences sequences in the cache
   */
  public record Usage(long usedTokens, long capacityTokens, long freeTokens, int numSequences) {}

  final NativeHandle handle;
  private final Decoder decoder;

  KvCache(Decoder decoder, MemorySegment address) {
    this.handle =
        new NativeHandle("KvCache", address, mos_h::mos_kv_cache_free, decoder.context().state);
    this.decoder = decoder;
  }

  /** The decoder this cache belongs to. */
  public Decoder decoder() {
    return decoder;
  }

  /** A new empty sequence; returns its id. */
  public int addSequence() {
    return handle.query((h, a) -> {
      MemorySegment id = a.allocate(ValueLayout.JAVA_INT);
      Native.check(mos_h.mos_kv_cache_add_sequence(h, id));
      return id.get(ValueLayout.JAVA_INT, 0);
    });
  }

  /**
   * Removes sequence {@code id} and frees its pages.
   *
   * @throws MosException INVALID_ARGUMENT for an unknown id
   */
  public void removeSequence(int id) {
    handle.call(h -> mos_h.mos_kv_cache_remove_sequence(h, id));
  }

  /** Tokens sequence {@code id} holds (its next position). */
  public int sequenceLength(int id) {
    return handle.query((h, a) -> {
      MemorySegment n = a.allocate(ValueLayout.JAVA_INT);
      Native.check(mos_h.mos_kv_cache_sequence_length(h, id, n));
      return n.get(ValueLayout.JAVA_INT, 0);
    });
  }

  /** Pages in use, capacity, free room and sequences. */
  public Usage usage() {
    return handle.query((h, a) -> {
      MemorySegment used = a.allocate(ValueLayout.JAVA_LONG);
      MemorySegment cap = a.allocate(ValueLayout.JAVA_LONG);
      MemorySegment free = a.allocate(ValueLayout.JAVA_LONG);
      MemorySegment seqs = a.allocate(ValueLayout.JAVA_INT);
      Native.check(mos_h.mos_kv_cache_usage(h, used, cap, free, seqs));
      return new Usage(
          used.get(ValueLayout.JAVA_LONG, 0),
          cap.get(ValueLayout.JAVA_LONG, 0),
          free.get(ValueLayout.JAVA_LONG, 0),
          seqs.get(ValueLayout.JAVA_INT, 0));
    });
  }

  /** Whether {@link #close()} was called. */
  public boolean isClosed() {
    return handle.isClosed();
  }

  /** Frees the cache; idempotent. */
  @Override
  public void close() {
    handle.close();
  }

  @Override
  public String toString() {
    if (isClosed()) return "KvCache[closed]";
    Usage u = usage();
    return "KvCache[" + u.numSequences() + " sequences, " + u.usedTokens() + " of "
        + u.capacityTokens() + " tokens in use]";
  }
}
