// SPDX-License-Identifier: Apache-2.0
// Checks that the loader leaves OMP_WAIT_POLICY set for libgomp: the user's value when given,
// else PASSIVE (read back through libc's getenv, since System.getenv is a start-up snapshot).
package org.mos;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import org.junit.jupiter.api.Test;

class OpenMpPolicyTest {
  @Test
  void loaderSetsPassiveWaitPolicyUnlessTheUserChoseOne() throws Throwable {
    String before = System.getenv("OMP_WAIT_POLICY");
    NativeLoader.passiveOpenMpUnlessSet();
    Linker linker = Linker.nativeLinker();
    MethodHandle getenv = linker.downcallHandle(
        linker.defaultLookup().find("getenv").orElseThrow(),
        FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment value =
          (MemorySegment) getenv.invokeExact(arena.allocateFrom("OMP_WAIT_POLICY"));
      String now = value.reinterpret(Long.MAX_VALUE).getString(0);
      assertEquals(before != null ? before : "PASSIVE", now);
    }
  }
}
