// SPDX-License-Identifier: Apache-2.0
// The learning-rate schedule against hand-computed values of HF's get_linear_schedule_with_warmup
// (exact up to double rounding), and the trainer defaults (3 % warm-up, clipping at 0.3).
package org.mos.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LinearScheduleTest {
  @Test
  void warmupThenLinearDecay() {
    LinearSchedule s = LinearSchedule.withWarmupFraction(1e-3, 100, 0.03);
    assertEquals(3, s.warmupSteps(), "ceil(0.03 * 100)");
    assertEquals(0.0, s.lrAt(0), 0.0, "HF: the first step runs at lr 0");
    assertEquals(1e-3 / 3, s.lrAt(1), 1e-18);
    assertEquals(2e-3 / 3, s.lrAt(2), 1e-18);
    assertEquals(1e-3, s.lrAt(3), 1e-18, "peak at the end of warm-up");
    assertEquals(1e-3 * 96 / 97, s.lrAt(4), 1e-18);
    assertEquals(1e-3 * 50 / 97, s.lrAt(50), 1e-18);
    assertEquals(1e-3 / 97, s.lrAt(99), 1e-18, "last step");
    assertEquals(0.0, s.lrAt(100), 0.0);
    assertEquals(0.0, s.lrAt(1000), 0.0);
  }

  @Test
  void warmupRoundsUpAndCanBeZero() {
    assertEquals(1, LinearSchedule.withWarmupFraction(1, 10, 0.03).warmupSteps(), "ceil(0.3)");
    assertEquals(30, LinearSchedule.withWarmupFraction(1, 1000, 0.03).warmupSteps());
    LinearSchedule none = LinearSchedule.withWarmupFraction(2.0, 4, 0.0);
    assertEquals(2.0, none.lrAt(0), 0.0);
    assertEquals(1.0, none.lrAt(2), 0.0);
    assertEquals(0.5, none.lrAt(3), 0.0);
  }

  @Test
  void invalidValuesAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> new LinearSchedule(0, 10, 1));
    assertThrows(IllegalArgumentException.class, () -> new LinearSchedule(1, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new LinearSchedule(1, 10, 11));
    assertThrows(
        IllegalArgumentException.class, () -> LinearSchedule.withWarmupFraction(1, 10, 1.5));
    assertThrows(IllegalArgumentException.class, () -> new LinearSchedule(1, 10, 1).lrAt(-1));
  }

  @Test
  void trainerDefaultsAreThePapers() {
    TrainerConfig c = TrainerConfig.builder().build();
    assertEquals(0.03, c.warmupFraction(), 0.0);
    assertEquals(0.3, c.maxGradNorm(), 0.0);
    assertEquals(0.3, TrainerConfig.DEFAULT_MAX_GRAD_NORM, 0.0);
    assertEquals(
        c.schedule(), LinearSchedule.withWarmupFraction(c.learningRate(), c.totalSteps(), 0.03));
    assertThrows(
        IllegalArgumentException.class,
        () -> TrainerConfig.builder().checkpointEvery(5).build(),
        "checkpoints need a directory");
  }
}
