// SPDX-License-Identifier: Apache-2.0
// SaveLoop: the child process of CrashSafetyTest. Saves two different adapters (different r and
// R_eq, so a torn pair of files could never load) into one directory, alternately, forever,
// printing "begin i" before and "saved i" after save i. With "pause" it stops inside the second
// save, after the new files are complete and before they are put in place, and says so.
package org.mos.io;

import java.nio.file.Path;

public final class SaveLoop {
  private SaveLoop() {}

  /** The adapter of save {@code i}: version i % 2. */
  static MosAdapter version(int i) {
    AdapterConfig.Builder b = AdapterConfig.builder()
        .r(i % 2 == 0 ? 4 : 8)
        .equivalentRank(i % 2 == 0 ? 16 : 8)
        .privateRank(1)
        .shardsPerVector(1)
        .loraAlpha(16f)
        .loraDropout(0f)
        .numLayers(16);
    b.pool("up_proj", 2048, 2048, "model.layers.{layer}.mlp.up_proj");
    b.pool("down_proj", 2048, 2048, "model.layers.{layer}.mlp.down_proj");
    return TestAdapters.random(b.build(), i % 2);
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    boolean pause = args.length > 1 && args[1].equals("pause");
    MosAdapter[] versions = {version(0), version(1)};
    for (int i = 0; ; i++) {
      if (pause && i == 1) CrashHooks.pauseBeforeNextCommit();
      System.out.println("begin " + i);
      System.out.flush();
      versions[i % 2].save(dir);
      System.out.println("saved " + i);
      System.out.flush();
    }
  }
}
