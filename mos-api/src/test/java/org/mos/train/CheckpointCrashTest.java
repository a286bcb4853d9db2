// SPDX-License-Identifier: Apache-2.0
// Crash safety of checkpoints: a child JVM trains with a checkpoint after every step and is killed
// with SIGKILL at random moments and once inside a checkpoint's save. The newest complete
// checkpoint must always resume (into a fresh model) at the step the child last reported or the
// one after; a half-written checkpoint is never picked, and the next run's pruning removes it.
package org.mos.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.MosContext;
import org.mos.MosModel;
import org.mos.testing.Child;

class CheckpointCrashTest {

  @Test
  void killedAtRandomMomentsTheLatestCheckpointResumes(@TempDir Path tmp) throws Exception {
    Random rnd = new Random(7);
    for (int k = 0; k < 3; k++) {
      Path dir = tmp.resolve("run-" + k);
      long reported;
      try (Child child = Child.start(CheckpointLoop.class, dir.toString())) {
        child.await("checkpoint 3", 60_000);
        Thread.sleep(rnd.nextInt(200));
        child.kill();
        reported = child.output().stream()
            .filter(l -> l.startsWith("checkpoint "))
            .mapToLong(l -> Long.parseLong(l.substring(11).trim()))
            .max()
            .orElseThrow();
      }
      long resumed = resume(dir);
      assertTrue(
          resumed == reported || resumed == reported + 1,
          "resumed at step " + resumed + " after the child reported checkpoint " + reported);
    }
  }

  @Test
  void killedInsideACheckpointSaveThePreviousOneResumes(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("run");
    try (Child child = Child.start(CheckpointLoop.class, dir.toString(), "pause")) {
      child.await("committing", 60_000); // checkpoint 3's adapter is complete, not in place
      child.kill();
    }
    try (Stream<Path> s = Files.list(dir)) {
      List<String> names = s.map(p -> p.getFileName().toString()).sorted().toList();
      assertTrue(
          names.stream().anyMatch(n -> n.startsWith("checkpoint-00000003.tmp-")),
          names + ": the killed save should have left its temporary directory");
      assertFalse(names.contains("checkpoint-00000003"), names.toString());
    }
    assertEquals(2, resume(dir));
    // A new run in the same directory prunes the leftover after its first checkpoint.
    try (MosContext ctx = MosContext.cpu();
        MosModel m = TrainerTest.model(ctx, 3)) {
      Trainer t = Trainer.builder(m).config(CheckpointLoop.config(dir)).build();
      TrainerTest.Regression task = new TrainerTest.Regression(m, 1.0);
      t.resume(dir, task);
      t.runUntil(task, 3);
    }
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(
          List.of("checkpoint-00000001", "checkpoint-00000002", "checkpoint-00000003"),
          s.map(p -> p.getFileName().toString()).sorted().toList());
    }
  }

  /** Resumes the latest checkpoint of {@code dir} into a fresh model; returns its step. */
  private static long resume(Path dir) {
    try (MosContext ctx = MosContext.cpu();
        MosModel m = TrainerTest.model(ctx, 99)) {
      Trainer t = Trainer.builder(m).config(CheckpointLoop.config(dir)).build();
      TrainerTest.Regression task = new TrainerTest.Regression(m, 1.0);
      t.resume(dir, task);
      t.runUntil(task, t.step() + 1); // and it trains on from there
      return t.step() - 1;
    }
  }
}
