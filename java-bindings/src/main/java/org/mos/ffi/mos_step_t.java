// SPDX-License-Identifier: Apache-2.0
// Generated from native/include/mos/mos.h ... but NOT by jextract, which cannot be installed on the
// build
// machines: written without it, in the layout `jextract --target-package org.mos.ffi
// --header-class-name
// mos_h -l mos` produces. Regenerate with scripts/regen-bindings.sh where jextract exists;
// BindingsStructTest (java-bindings) checks the layout against the C ABI's sizes and offsets.

package org.mos.ffi;

/**
 * {@snippet lang=c :
 * typedef struct mos_step { ... } mos_step_t
 * }
 */
public class mos_step_t extends mos_step {

  mos_step_t() {
    // Should not be called directly
  }
}
