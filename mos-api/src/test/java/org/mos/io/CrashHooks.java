// SPDX-License-Identifier: Apache-2.0
// CrashHooks: lets crash tests in other packages stop a child process inside a save.
package org.mos.io;

public final class CrashHooks {
  private CrashHooks() {}

  /** The next atomic write prints "committing <target>" when its files are complete, then hangs. */
  public static void pauseBeforeNextCommit() {
    AtomicFiles.hook = target -> {
      System.out.println("committing " + target);
      System.out.flush();
      try {
        Thread.sleep(Long.MAX_VALUE);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
  }
}
