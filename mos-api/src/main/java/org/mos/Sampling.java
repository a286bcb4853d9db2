// SPDX-License-Identifier: Apache-2.0
// Sampling: how one token is drawn from logits (mos_sampling_t): greedy, or temperature, top-k,
// top-p and a seeded counter-based draw; sample() is mos_sample.
package org.mos;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import org.mos.ffi.mos_h;
import org.mos.ffi.mos_sampling;

/**
 * How a token is drawn from a row of logits ({@code mos_sampling_t}, docs/llm.md "sampling"):
 * greedy when {@code temperature <= 0} (the most likely id; the lowest id wins ties); otherwise
 * softmax(logits / temperature), restricted to the {@code topK} most likely (0: all), then to the
 * smallest most-likely set whose mass reaches {@code topP} (1: all), and one draw keyed by
 * ({@code seed}, counter). A request's n-th token uses counter n, so the tokens of a request do
 * not depend on the batch it runs in.
 *
 * {@snippet :
 * Sampling.Draw d = new Sampling(0.8f, 40, 0.95f, 7).sample(logits, 0);
 * int token = d.token();
 * }
 *
 * @param temperature at most 0: greedy; else the softmax temperature (finite)
 * @param topK 0: off; else keep the k most likely tokens (at least 0)
 * @param topP in (0, 1]; 1: off
 * @param seed the draw's seed (any value)
 */
public record Sampling(float temperature, int topK, float topP, long seed) {

  /** Checks the ranges above. */
  public Sampling {
    if (Float.isNaN(temperature) || Float.isInfinite(temperature)) {
      throw Native.invalid("Sampling: temperature must be finite, got " + temperature);
    }
    if (topK < 0) {
      throw Native.invalid("Sampling: topK must be >= 0 (0: off), got " + topK);
    }
    if (!(topP > 0f && topP <= 1f)) {
      throw Native.invalid("Sampling: topP must be in (0, 1] (1: off), got " + topP);
    }
  }

  /** Greedy decoding: the argmax, lowest id on ties. */
  public static Sampling greedy() {
    return new Sampling(0f, 0, 1f, 0);
  }

  /** Plain temperature sampling with {@code seed} (no top-k, no top-p). */
  public static Sampling temperature(float temperature, long seed) {
    return new Sampling(temperature, 0, 1f, seed);
  }

  /** Whether this is greedy decoding. */
  public boolean isGreedy() {
    return temperature <= 0f;
  }

  /**
   * One drawn token and ln p(token) under the unmodified softmax of the logits.
   *
   * @param token the id
   * @param logprob its log-probability before temperature, top-k and top-p
   */
  public record Draw(int token, float logprob) {}

  /**
   * Draws one token from {@code logits} (the whole array is one row; -inf masks a token) with
   * draw counter {@code counter} ({@code mos_sample}).
   *
   * @throws MosException INVALID_ARGUMENT for a NaN or +inf logit or an empty array
   */
  public Draw sample(float[] logits, long counter) {
    Native.notNull(logits, "Sampling.sample", "logits");
    return sample(logits, 0, logits.length, counter);
  }

  /** Draws from the row {@code logits[offset, offset + vocab)}; see {@link #sample(float[], long)}. */
  public Draw sample(float[] logits, int offset, int vocab, long counter) {
    String fn = "Sampling.sample";
    Native.notNull(logits, fn, "logits");
    if (vocab < 1 || offset < 0 || (long) offset + vocab > logits.length) {
      throw Native.shape(fn + ": row [" + offset + ", " + ((long) offset + vocab) + ") of "
          + logits.length + " logits");
    }
    NativeLoader.load();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment row = arena.allocate(ValueLayout.JAVA_FLOAT, vocab);
      MemorySegment.copy(logits, offset, row, ValueLayout.JAVA_FLOAT, 0, vocab);
      MemorySegment token = arena.allocate(ValueLayout.JAVA_INT);
      MemorySegment logprob = arena.allocate(ValueLayout.JAVA_FLOAT);
      Native.check(mos_h.mos_sample(row, vocab, toNative(arena), counter, token, logprob));
      return new Draw(token.get(ValueLayout.JAVA_INT, 0), logprob.get(ValueLayout.JAVA_FLOAT, 0));
    }
  }

  /** A {@code mos_sampling_t} struct. */
  MemorySegment toNative(SegmentAllocator allocator) {
    MemorySegment s = mos_sampling.allocate(allocator);
    write(s);
    return s;
  }

  /** Writes the fields into the {@code mos_sampling_t} at {@code s}. */
  void write(MemorySegment s) {
    mos_sampling.temperature(s, temperature);
    mos_sampling.top_k(s, topK);
    mos_sampling.top_p(s, topP);
    mos_sampling.seed(s, seed);
  }
}
