// SPDX-License-Identifier: Apache-2.0
// Cases: seeded property checks on plain JUnit 5. One seed per run (random, or -Dmos.test.seed)
// seeds every case through SplitMix64, so a failure names the seed that replays it.
package org.mos.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * Runs a property over generated cases. Each case gets its own {@link Gen}, seeded from the run
 * seed, the property's name and the case's index, so one property replays the same cases whether
 * it runs alone or with others, and whatever ran before it. The generator is SplitMix64 written
 * out here rather than a JDK generator, so a seed replays the same cases whatever the JDK.
 *
 * <p>A failing case ends the property with an {@link AssertionError} that names the property, the
 * case, the run seed and the command line that replays it; the original throwable is its cause.
 */
public final class Cases {
  /** The system property that fixes the run seed (decimal, or hexadecimal with {@code 0x}). */
  public static final String SEED_PROPERTY = "mos.test.seed";

  private static final long RUN_SEED = runSeed();

  private Cases() {}

  /** This run's seed ({@code -Dmos.test.seed} if given, else random), as that property takes it. */
  public static String seedText() {
    return String.format("0x%016x", RUN_SEED);
  }

  /** One case of a property: it draws its inputs from {@code g} and throws when the check fails. */
  @FunctionalInterface
  public interface Case {
    void check(Gen g) throws Throwable;
  }

  /**
   * Runs {@code n} cases of the calling test method's property and returns {@code n}. Any
   * throwable from a case, an {@code Error} included, fails the property.
   */
  public static int forAll(int n, Case body) {
    // The property is the test method that called: past lambdas of its class (forAll called
    // from inside assertThrows, say) and whatever ran them.
    List<StackWalker.StackFrame> frames = StackWalker.getInstance(
            StackWalker.Option.RETAIN_CLASS_REFERENCE)
        .walk(s -> s.skip(1).limit(64).toList());
    Class<?> testClass = frames.get(0).getDeclaringClass();
    StackWalker.StackFrame caller = frames.stream()
        .filter(f -> f.getDeclaringClass() == testClass && !f.getMethodName().startsWith("lambda$"))
        .findFirst()
        .orElse(frames.get(0));
    String property = caller.getMethodName();
    long propertySeed = mix(RUN_SEED ^ mix(property.hashCode()));
    for (int i = 0; i < n; i++) {
      Gen g = new Gen(mix(propertySeed + (i + 1) * GOLDEN), i);
      try {
        body.check(g);
      } catch (Throwable t) {
        String head =
            String.format("%s: case %d of %d failed (seed %s)", property, i, n, seedText());
        String replay = replayCommand(caller.getDeclaringClass().getSimpleName() + "#" + property);
        throw new AssertionError(head + ": " + t + "\n  replay with: " + replay, t);
      }
    }
    return n;
  }

  /** The command line that reruns {@code test} (a surefire -Dtest filter) with this run's seed. */
  public static String replayCommand(String test) {
    return "./mvnw -B -o verify -pl mos-api -am -Dmos.sanitize.skip=true "
        + "-Dsurefire.failIfNoSpecifiedTests=false -Dtest='" + test + "' -D" + SEED_PROPERTY + "="
        + seedText();
  }

  private static final long GOLDEN = 0x9E3779B97F4A7C15L;

  /** SplitMix64's finalizer: a bijection of 64-bit values that spreads every input bit. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private static long runSeed() {
    String s = System.getProperty(SEED_PROPERTY);
    if (s == null || s.isBlank()) return ThreadLocalRandom.current().nextLong();
    s = s.strip();
    try {
      return s.startsWith("0x") || s.startsWith("0X")
          ? Long.parseUnsignedLong(s.substring(2), 16)
          : Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "-D" + SEED_PROPERTY + "=" + s + ": not a 64-bit seed (decimal, or hexadecimal with 0x)",
          e);
    }
  }

  /**
   * The random source of one case. Ranges are inclusive and lean on their edges: about one draw in
   * sixteen is a bound or a neighbour of one, where off-by-one mistakes live.
   */
  public static final class Gen {
    private long state;
    private final int index;

    Gen(long seed, int index) {
      this.state = seed;
      this.index = index;
    }

    /** The case's index within its property, 0-based (for properties that enumerate). */
    public int index() {
      return index;
    }

    public long nextLong() {
      return mix(state += GOLDEN);
    }

    /** Uniform in [0, bound) for bound >= 1 (unsigned: 0 means 2^64). */
    private long below(long bound) {
      return Math.unsignedMultiplyHigh(nextLong(), bound);
    }

    public boolean bool() {
      return nextLong() < 0;
    }

    public long longIn(long lo, long hi) {
      if (lo > hi) throw new IllegalArgumentException("empty range [" + lo + ", " + hi + "]");
      if (below(16) == 0) {
        long[] edges = {lo, hi, lo + 1, hi - 1};
        long e = edges[(int) below(4)];
        if (e >= lo && e <= hi) return e;
      }
      long span = hi - lo + 1; // 0 when the range is all 2^64 values
      return span == 0 ? nextLong() : lo + below(span);
    }

    public int intIn(int lo, int hi) {
      return (int) longIn(lo, hi);
    }

    /** Any 64-bit value, 0, +-1 and the extremes more often than their share. */
    public long anyLong() {
      if (below(16) == 0) return pick(0L, 1L, -1L, Long.MIN_VALUE, Long.MAX_VALUE);
      return nextLong();
    }

    @SafeVarargs
    public final <T> T pick(T... values) {
      return values[(int) below(values.length)];
    }

    public <T> T pick(List<T> values) {
      return values.get((int) below(values.size()));
    }

    /** The value of one of the suppliers, each chosen with equal chance. */
    @SafeVarargs
    public final <T> T oneOf(Supplier<? extends T>... choices) {
      return choices[(int) below(choices.length)].get();
    }

    public <T> List<T> list(int minSize, int maxSize, Supplier<? extends T> element) {
      int n = intIn(minSize, maxSize);
      List<T> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) out.add(element.get());
      return out;
    }

    /**
     * A string of {@code minLen..maxLen} UTF-16 units, mostly printable ASCII, with control
     * characters, line breaks, quotes and backslashes, other BMP characters, pairs outside the BMP
     * and lone surrogates mixed in: what a hostile file can put where a name is expected.
     */
    public String string(int minLen, int maxLen) {
      int n = intIn(minLen, maxLen);
      StringBuilder sb = new StringBuilder(n);
      while (sb.length() < n) {
        long k = below(100);
        if (k < 40) sb.append((char) intIn(0x20, 0x7E));
        else if (k < 55)
          sb.append(pick(
              '\n', '\r', '\t', '\u0000', '\u001b', '\u007f', '\u2028', (char) intIn(0, 0x1F)));
        else if (k < 65) sb.append(pick('"', '\\'));
        else if (k < 85) sb.append((char) intIn(0x80, 0xD7FF));
        else if (k < 95 && sb.length() + 2 <= n) sb.appendCodePoint(intIn(0x10000, 0x10FFFF));
        else sb.append((char) intIn(0xD800, 0xDFFF));
      }
      return sb.toString();
    }
  }
}
