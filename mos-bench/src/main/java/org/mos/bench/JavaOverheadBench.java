// SPDX-License-Identifier: Apache-2.0
// JavaOverheadBench: JMH view of case 4 of docs/benchmarks.md. The same MoS layer forward
// (tokens 64, 1024 -> 1024, r=16 R_eq=4 l=2 p=1, rotating buffer sets) through mos-api and
// through a direct FFM downcall, plus the bare cost of a downcall and of the array convenience.
package org.mos.bench;

import java.util.concurrent.TimeUnit;
import org.mos.MosContext;
import org.mos.ffi.mos_h;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Average time per forward. {@code forwardApi} vs {@code forwardFfmDirect} is the overhead of
 * mos-api (locks, handle checks, lambdas) above the raw binding; {@code downcallOnly} is the floor
 * of any FFM call. The native program's number for the same forward comes from
 * {@code mos_bench --cases java_ref} (or {@code mos bench --cases java}, which runs both).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class JavaOverheadBench {

  /** "full": tokens 64, 1024 -> 1024 (the case's shape); "tiny": 8, 64 -> 64 (a call's floor). */
  @Param({"full"})
  public String size;

  private JavaOverhead jo;

  @Setup(Level.Trial)
  public void setUp() {
    boolean tiny = size.equals("tiny");
    jo = new JavaOverhead(tiny, JavaOverhead.rotationSets(tiny, tiny ? 8 : 64, tiny ? 64 : 1024));
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    jo.close();
  }

  @Benchmark
  public void forwardApi() {
    jo.forwardApi();
  }

  @Benchmark
  public void forwardFfmDirect() {
    jo.forwardFfm();
  }

  /** mos_abi_version(): a downcall that does nothing, the fixed cost of crossing FFM. */
  @Benchmark
  public int downcallOnly() {
    return mos_h.mos_abi_version();
  }

  /** The library is loaded by the API before any raw binding is used. */
  static {
    MosContext.version();
  }
}
