// SPDX-License-Identifier: Apache-2.0
// The API's enums (Status, Backend, PoolArray, DType, MathMode, MosLinear.Mode) vs the bindings'
// constants, which BindingsCoverageTest checks against mos.h: exact equality of every code; plus
// library identity.
package org.mos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.mos.ffi.mos_h;

class ConstantsTest {

  static int constant(String name) throws Exception {
    return (int) mos_h.class.getMethod(name).invoke(null);
  }

  @Test
  void enumsMirrorTheHeader() throws Exception {
    for (Status s : Status.values()) {
      assertEquals(constant("MOS_STATUS_" + s.name()), s.code(), s.name());
      assertEquals(s, Status.of(s.code()));
    }
    assertEquals(Status.INTERNAL, Status.of(12345));
    for (Backend b : Backend.values()) {
      assertEquals(constant("MOS_BACKEND_" + b.name()), b.code(), b.name());
    }
    for (PoolArray p : PoolArray.values()) {
      assertEquals(
          constant("MOS_" + (p.name().startsWith("POOL_") ? p.name() : "POOL_" + p.name())),
          p.code(),
          p.name());
    }
    for (DType d : DType.values()) {
      assertEquals(constant("MOS_DTYPE_" + d.name()), d.code(), d.name());
    }
    for (MathMode m : MathMode.values()) {
      assertEquals(constant("MOS_MATH_" + m.name()), m.code(), m.name());
    }
    for (MosLinear.Mode m : MosLinear.Mode.values()) {
      assertEquals(constant("MOS_MODE_" + m.name()), m.code(), m.name());
    }
  }

  @Test
  void loadedLibraryIdentifiesItself() {
    NativeLoader.load();
    assertTrue(NativeLoader.loadedFrom() != null && !NativeLoader.loadedFrom().isEmpty());
    assertEquals(mos_h.MOS_ABI_VERSION_MAJOR(), MosContext.abiVersion() / 1000);
    assertTrue(MosContext.version().startsWith("mos "), MosContext.version());
    assertTrue(Backend.CPU.isAvailable(), Backend.CPU.unavailableReason());
    assertEquals("", Backend.CPU.unavailableReason());
    if (!Backend.CUDA.isAvailable()) {
      assertFalse(Backend.CUDA.unavailableReason().isBlank(), "an unavailable backend says why");
      MosException e = ErrorHandlingTest.expect(
          Status.BACKEND_UNAVAILABLE, () -> MosContext.create(Backend.CUDA));
      assertFalse(e.getMessage().isBlank());
    }
    try (MosContext ctx = MosContext.cpu()) {
      assertEquals(Backend.CPU, ctx.backend());
      ctx.setNumThreads(2);
      ctx.synchronize();
      ctx.setNumThreads(0);
    }
  }
}
