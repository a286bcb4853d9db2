// SPDX-License-Identifier: Apache-2.0
// DemoSettings: every knob of `mos demo` with the defaults of the standard and --quick runs
// (sized by measurement to finish within 5 minutes / 60 seconds on a 2-core machine).
package org.mos.cli.demo;

import java.nio.file.Path;
import java.util.List;

/** Mutable settings; {@link #standard()}, {@link #quick()} and {@link #tiny()} fill them in. */
public final class DemoSettings {
  /** The model and its pretraining recipe. */
  public LmConfig model = LmConfig.standard();
  /** Text to use instead of the JDK's (null: the JDK's sources and legal/ texts). */
  public Path corpus;
  /** Output directory (report, plot, results, adapters). */
  public Path out = Path.of("mos-out", "demo");
  /** Where the pretrained base is cached. */
  public Path cacheDir = BaseCache.defaultDir();
  /** Ignore (and overwrite) a cached base. */
  public boolean retrainBase;
  /** LoRA's small rank r0; MoS has R_eq = r0. */
  public int r0 = 2;
  /** MoS's (and the large LoRA's) active rank r. */
  public int r = 8;
  /** MoS's private rank p. */
  public int p = 1;
  /** MoS's shards per vector l. */
  public int l = 2;
  /** alpha (the paper's 16 for every method; scaling alpha / r). */
  public float alpha = 16f;
  /** Adapter dropout (the paper's 0.1). */
  public float dropout = 0.1f;
  /** Seeds of the full runs (0, 1, ...). */
  public int seeds = 2;
  /** The learning rates every method's search tries. */
  public List<Double> learningRates = List.of(3e-3, 1e-2, 3e-2);
  /** Steps of each learning-rate search run (seed 0, scored on the validation split). */
  public int searchSteps = 150;
  /** Steps of each full run. */
  public int steps = 600;
  /** Held-out evaluations per full run (the curve's points). */
  public int evalPoints = 8;
  /** Test-split positions of the held-out loss. */
  public int testPositions = 8192;
  /** Validation-split positions the learning-rate search scores on. */
  public int validationPositions = 4096;
  /**
   * CPU threads of the native context (0: the library's default). 1 by default: the demo's
   * products are small, and on a busy 2-core machine OpenMP/OpenBLAS threads that spin-wait for
   * each other made a layer call 10-100x slower than one thread (measured).
   */
  public int threads = 1;
  /** Runs at a time (each on its own single-threaded context); default: the cores, at most 2. */
  public int workers = Math.min(2, Runtime.getRuntime().availableProcessors());
  /** Seed of the base model's pretraining. */
  public long pretrainSeed = 1;

  /** The default run. */
  public static DemoSettings standard() {
    return new DemoSettings();
  }

  /** The --quick run. */
  public static DemoSettings quick() {
    DemoSettings s = new DemoSettings();
    s.model = LmConfig.quick();
    s.seeds = 2;
    s.searchSteps = 80;
    s.steps = 300;
    s.evalPoints = 5;
    s.testPositions = 4096;
    s.validationPositions = 2048;
    return s;
  }

  /** A seconds-long run for tests. */
  public static DemoSettings tiny() {
    DemoSettings s = new DemoSettings();
    s.model = LmConfig.tiny();
    s.seeds = 2;
    s.learningRates = List.of(3e-3, 1e-2);
    s.searchSteps = 10;
    s.steps = 20;
    s.evalPoints = 2;
    s.testPositions = 256;
    s.validationPositions = 128;
    return s;
  }

  /** The three methods: LoRA r0, MoS (R_eq = r0, active rank r), LoRA r. */
  public List<Method> methods() {
    return List.of(Method.lora(r0), Method.mos(r, r0, p, l), Method.lora(r));
  }
}
