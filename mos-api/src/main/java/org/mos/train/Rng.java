// SPDX-License-Identifier: Apache-2.0
// Rng: a small seeded random generator (SplitMix64) whose whole state is one long, so a
// checkpoint can store it and a resumed run draws exactly the numbers an uninterrupted one would.
package org.mos.train;

/**
 * SplitMix64 (Steele, Lea, Flood 2014): a 64-bit state advanced by a Weyl step and mixed by a
 * finaliser. Not thread-safe; one instance per consumer. The entire state is {@link #state()},
 * which {@link #setState(long)} restores, so checkpoints resume the exact stream.
 */
public final class Rng {
  private long state;

  /** A generator whose stream depends only on {@code seed}. */
  public Rng(long seed) {
    this.state = seed;
  }

  /** The whole state (for checkpoints). */
  public long state() {
    return state;
  }

  /** Restore a state returned by {@link #state()}. */
  public void setState(long state) {
    this.state = state;
  }

  /** A uniformly distributed 64-bit value. */
  public long nextLong() {
    long z = (state += 0x9E3779B97F4A7C15L);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Uniform in [0, bound), unbiased (Lemire's multiply-and-reject); bound >= 1. */
  public int nextInt(int bound) {
    if (bound <= 0) {
      throw new IllegalArgumentException("bound must be positive, got " + bound);
    }
    long m = (nextLong() >>> 32) * bound;
    long low = m & 0xFFFFFFFFL;
    if (low < bound) {
      long threshold = (0x1_0000_0000L - bound) % bound;
      while (low < threshold) {
        m = (nextLong() >>> 32) * bound;
        low = m & 0xFFFFFFFFL;
      }
    }
    return (int) (m >>> 32);
  }

  /** Uniform in [0, 1) with 53 random bits. */
  public double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  /** Uniform in [0, 1) with 24 random bits. */
  public float nextFloat() {
    return (nextLong() >>> 40) * 0x1.0p-24f;
  }

  /** Standard normal by Box-Muller (two draws per call, none cached, so the state stays one long). */
  public double nextGaussian() {
    double u1 = 1.0 - nextDouble(); // (0, 1]
    double u2 = nextDouble();
    return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
  }

  /** A new generator seeded from this one's next value (for independent sub-streams). */
  public Rng split() {
    return new Rng(nextLong());
  }

  /** Mix two values into a seed (for deriving per-run, per-purpose seeds). */
  public static long mix(long a, long b) {
    Rng r = new Rng(a * 0x9E3779B97F4A7C15L + b);
    r.nextLong();
    return r.nextLong();
  }
}
