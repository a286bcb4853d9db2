// SPDX-License-Identifier: Apache-2.0
// Generated from native/include/mos/mos.h ... but NOT by jextract, which cannot be installed on the
// build
// machines: written without it, in the layout `jextract --target-package org.mos.ffi
// --header-class-name
// mos_h -l mos` produces. Regenerate with scripts/regen-bindings.sh where jextract exists;
// BindingsStructTest (java-bindings) checks the layout against the C ABI's sizes and offsets.

package org.mos.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * {@snippet lang=c :
 * typedef int32_t (*mos_token_callback_t)(void *, int32_t, int32_t)
 * }
 */
public class mos_token_callback_t {

  mos_token_callback_t() {
    // Should not be called directly
  }

  /**
   * The function pointer signature, expressed as a functional interface
   */
  public interface Function {
    int apply(MemorySegment user, int request, int token);
  }

  private static final FunctionDescriptor $DESC =
      FunctionDescriptor.of(mos_h.C_INT, mos_h.C_POINTER, mos_h.C_INT, mos_h.C_INT);

  /**
   * The descriptor of this function pointer
   */
  public static FunctionDescriptor descriptor() {
    return $DESC;
  }

  private static final MethodHandle UP$MH =
      mos_h.upcallHandle(mos_token_callback_t.Function.class, "apply", $DESC);

  /**
   * Allocates a new upcall stub, whose implementation is defined by {@code fi}.
   * The lifetime of the returned segment is managed by {@code arena}
   */
  public static MemorySegment allocate(mos_token_callback_t.Function fi, Arena arena) {
    return Linker.nativeLinker().upcallStub(UP$MH.bindTo(fi), $DESC, arena);
  }

  private static final MethodHandle DOWN$MH = Linker.nativeLinker().downcallHandle($DESC);

  /**
   * Invoke the upcall stub {@code funcPtr}, with given parameters
   */
  public static int invoke(MemorySegment funcPtr, MemorySegment user, int request, int token) {
    try {
      return (int) DOWN$MH.invokeExact(funcPtr, user, request, token);
    } catch (Error | RuntimeException ex) {
      throw ex;
    } catch (Throwable ex$) {
      throw new AssertionError("should not reach here", ex$);
    }
  }
}
