// SPDX-License-Identifier: Apache-2.0
// CheckpointLoop: the child process of CheckpointCrashTest. Trains the regression task with a
// checkpoint after every step and prints "checkpoint N" after each. With "pause" it stops inside
// the third checkpoint's save (its adapter files complete, nothing renamed) and says so.
package org.mos.train;

import java.nio.file.Path;
import org.mos.MosContext;
import org.mos.MosModel;

public final class CheckpointLoop {
  private CheckpointLoop() {}

  static TrainerConfig config(Path dir) {
    return TrainerTest.config()
        .totalSteps(1_000_000)
        .evalEvery(0)
        .checkpointDir(dir)
        .checkpointEvery(1)
        .keepCheckpoints(3)
        .build();
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    boolean pause = args.length > 1 && args[1].equals("pause");
    try (MosContext ctx = MosContext.cpu();
        MosModel m = TrainerTest.model(ctx, 3)) {
      Trainer t = Trainer.builder(m).config(config(dir)).build();
      t.addListener(new TrainingListener() {
        @Override
        public void onCheckpoint(long step, Path d) {
          System.out.println("checkpoint " + step);
          System.out.flush();
          if (pause && step == 2) org.mos.io.CrashHooks.pauseBeforeNextCommit();
        }
      });
      t.run(new TrainerTest.Regression(m, 1.0));
    }
  }
}
