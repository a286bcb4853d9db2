// SPDX-License-Identifier: Apache-2.0
// Bpe: the BPE model of tokenizer.json: vocabulary, ranked merges, byte fallback, unknown token,
// applied to one pre-token at a time exactly as the Rust tokenizers crate's merge loop does.
package org.mos.llm.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Splits a word into characters (or, for a character missing from the vocabulary, its UTF-8
 * bytes as {@code <0xNN>} tokens when {@code byte_fallback}, else the unknown token, else
 * nothing), then repeatedly applies the lowest-ranked merge among adjacent symbols, leftmost
 * first on ties. Immutable and thread-safe; the word cache is a bounded concurrent map.
 */
final class Bpe {
  private final Map<String, Integer> vocab;
  /** (left id << 32 | right id) -> (rank << 32 | merged id). */
  private final Map<Long, Long> merges;

  private final boolean byteFallback;
  private final boolean ignoreMerges;
  private final boolean fuseUnk;
  private final int unkId; // -1: none
  private final int[] byteIds = new int[256]; // id of "<0xNN>", or -1
  private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();
  private static final int CACHE_LIMIT = 1 << 16;
  /** Words longer than this bypass the cache (they are rarely repeated). */
  private static final int CACHE_MAX_WORD = 256;

  Bpe(
      Map<String, Integer> vocab,
      Map<Long, Long> merges,
      boolean byteFallback,
      boolean ignoreMerges,
      boolean fuseUnk,
      int unkId) {
    this.vocab = vocab;
    this.merges = merges;
    this.byteFallback = byteFallback;
    this.ignoreMerges = ignoreMerges;
    this.fuseUnk = fuseUnk;
    this.unkId = unkId;
    for (int b = 0; b < 256; b++) {
      Integer id = vocab.get(String.format("<0x%02X>", b));
      byteIds[b] = id == null ? -1 : id;
    }
  }

  /** Appends the ids of {@code word} to {@code out}. */
  void tokenize(String word, IntList out) {
    if (word.isEmpty()) return;
    if (ignoreMerges) {
      Integer id = vocab.get(word);
      if (id != null) {
        out.add(id);
        return;
      }
    }
    boolean cacheable = word.length() <= CACHE_MAX_WORD;
    if (cacheable) {
      int[] hit = cache.get(word);
      if (hit != null) {
        out.addAll(hit);
        return;
      }
    }
    int[] ids = merge(word);
    if (cacheable) {
      if (cache.size() >= CACHE_LIMIT) cache.clear();
      cache.put(word, ids);
    }
    out.addAll(ids);
  }

  private int[] merge(String w) {
    // Symbols as a doubly linked list over arrays; removed symbols get len 0.
    int cap = w.length() * 4 + 1;
    int[] c = new int[cap];
    int[] len = new int[cap];
    int n = 0;
    int pendingUnk = -1, pendingUnkLen = 0; // HF defers an unknown symbol to fuse neighbours
    for (int i = 0; i < w.length(); ) {
      int cp = w.codePointAt(i);
      int end = i + Character.charCount(cp);
      String s = w.substring(i, end);
      byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
      Integer id = vocab.get(s);
      if (id != null) {
        if (pendingUnk >= 0) {
          c[n] = pendingUnk;
          len[n++] = pendingUnkLen;
          pendingUnk = -1;
        }
        c[n] = id;
        len[n++] = utf8.length;
      } else {
        boolean done = false;
        if (byteFallback) {
          boolean all = true;
          for (byte b : utf8) all &= byteIds[b & 0xFF] >= 0;
          if (all) {
            for (byte b : utf8) {
              c[n] = byteIds[b & 0xFF];
              len[n++] = 1;
            }
            done = true;
          }
        }
        if (!done && unkId >= 0) {
          if (pendingUnk >= 0 && fuseUnk) {
            pendingUnkLen += utf8.length;
          } else {
            if (pendingUnk >= 0) {
              c[n] = pendingUnk;
              len[n++] = pendingUnkLen;
            }
            pendingUnk = unkId;
            pendingUnkLen = utf8.length;
          }
        }
      }
      i = end;
    }
    if (pendingUnk >= 0) {
      c[n] = pendingUnk;
      len[n++] = pendingUnkLen;
    }
    int[] prev = new int[n];
    int[] next = new int[n];
    for (int i = 0; i < n; i++) {
      prev[i] = i - 1;
      next[i] = i + 1 < n ? i + 1 : -1;
    }
    // Queue entries: (rank << 32 | pos) so the smallest rank, then the smallest position, pops
    // first.
    PriorityQueue<long[]> queue = new PriorityQueue<>(
        (a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
    for (int i = 0; i + 1 < n; i++) {
      Long m = merges.get(pair(c[i], c[i + 1]));
      if (m != null) queue.add(new long[] {m >>> 32, i, m & 0xFFFFFFFFL});
    }
    while (!queue.isEmpty()) {
      long[] top = queue.poll();
      int pos = (int) top[1];
      int newId = (int) top[2];
      if (len[pos] == 0 || next[pos] < 0) continue;
      int right = next[pos];
      Long cur = merges.get(pair(c[pos], c[right]));
      if (cur == null || (int) (cur & 0xFFFFFFFFL) != newId) continue; // stale entry
      c[pos] = newId;
      len[pos] += len[right];
      next[pos] = next[right];
      len[right] = 0;
      if (next[right] >= 0) prev[next[right]] = pos;
      if (prev[pos] >= 0) {
        Long m = merges.get(pair(c[prev[pos]], c[pos]));
        if (m != null) queue.add(new long[] {m >>> 32, prev[pos], m & 0xFFFFFFFFL});
      }
      if (next[pos] >= 0) {
        Long m = merges.get(pair(c[pos], c[next[pos]]));
        if (m != null) queue.add(new long[] {m >>> 32, pos, m & 0xFFFFFFFFL});
      }
    }
    IntList out = new IntList(n);
    for (int i = 0; i < n; i++) if (len[i] != 0) out.add(c[i]);
    return out.toArray();
  }

  static long pair(int left, int right) {
    return ((long) left << 32) | (right & 0xFFFFFFFFL);
  }
}
