// SPDX-License-Identifier: Apache-2.0
// DemoSettings: every knob of `mos demo` with the defaults of the standard, --quick and tiny runs
// (sized by measurement to the demo's time limits on a 2-core machine).
package org.mos.cli.demo;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Mutable settings; {@link #standard()}, {@link #quick()} and {@link #tiny()} fill them in. */
public final class DemoSettings {
  /** The model and its pretraining recipe. */
  public DemoModel model = DemoModel.standard();
  /** Text to use instead of the JDK's (null: the JDK's sources and legal/ texts). */
  public Path corpus;
  /** Output directory (report, plot, results, adapters). */
  public Path out = Path.of("mos-out", "demo");
  /** Where the pretrained base is cached. */
  public Path cacheDir = DemoBase.defaultCacheDir();
  /** Ignore (and overwrite) a cached base. */
  public boolean retrainBase;
  /** Add the ablation variants (pure sharing, + subset selection, + pair dissociation, + vector sharding). */
  public boolean ablation;
  /** LoRA's small rank r0; MoS has R_eq = r0. */
  public int r0 = 2;
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
  /** The learning rates every method's search tries (widened once at an edge). */
  public List<Double> learningRates = List.of(1e-3, 3e-3, 1e-2);
  /** Steps of each learning-rate search run (seed 0, scored on the validation split). */
  public int searchSteps = 60;
  /** Steps of each full run. */
  public int steps = 250;
  /** Held-out evaluations per full run (the curve's points). */
  public int evalPoints = 6;
  /** Test-split windows of the held-out loss. */
  public int testWindows = 96;
  /** Validation-split windows the learning-rate search scores on. */
  public int validationWindows = 48;
  /** Native threads per fine-tuning run (1: two runs use the two cores). */
  public int threads = 1;
  /**
   * Native threads of the pretraining run: 1, because with 2 OpenMP/OpenBLAS threads on a busy
   * 2-core machine a step took about 50 times longer (measured: 6:19 instead of seconds).
   */
  public int pretrainThreads = 1;
  /** Runs at a time (each on its own context); default: the cores, at most 2. */
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
    s.model = DemoModel.quick();
    s.learningRates = List.of(3e-3, 1e-2);
    s.searchSteps = 30;
    s.steps = 100;
    s.evalPoints = 4;
    s.testWindows = 48;
    s.validationWindows = 24;
    return s;
  }

  /** A seconds-long run for tests. */
  public static DemoSettings tiny() {
    DemoSettings s = new DemoSettings();
    s.model = DemoModel.tiny();
    s.learningRates = List.of(3e-3, 1e-2);
    s.searchSteps = 6;
    s.steps = 10;
    s.evalPoints = 2;
    s.testWindows = 8;
    s.validationWindows = 4;
    return s;
  }

  /** MoS's two active ranks, 4 r0 and 8 r0 (the paper's "4/8" at the LoRA r=2 budget). */
  public int[] mosRanks() {
    return new int[] {4 * r0, 8 * r0};
  }

  /**
   * LoRA r0, MoS at 4 r0 and 8 r0 (R_eq = r0), LoRA 4 r0 and 8 r0; with {@link #ablation} the
   * principle-study variants at the same budget and active rank 4 r0 follow.
   */
  public List<Method> methods() {
    List<Method> m = new ArrayList<>();
    m.add(Method.lora(r0));
    for (int r : mosRanks()) {
      m.add(Method.mos(r, r0, p, l));
    }
    m.add(Method.lora(4 * r0));
    m.add(Method.lora(8 * r0));
    if (ablation) {
      int r = 4 * r0;
      m.add(Method.pureSharing(r0, model.layers()));
      m.add(Method.subset(r, r0));
      m.add(Method.dissociated(r, r0));
      m.add(Method.sharded(r, r0, l));
    }
    return m;
  }

  /** The upper reference of the gap: LoRA at 8 r0. */
  public Method loraHigh() {
    return Method.lora(8 * r0);
  }
}
