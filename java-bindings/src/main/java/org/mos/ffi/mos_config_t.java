// SPDX-License-Identifier: Apache-2.0
// Generated from native/include/mos/mos.h ... but NOT by jextract, which cannot be installed on the
// build
// machines: written without it, in the layout `jextract --target-package org.mos.ffi
// --header-class-name
// mos_h -l mos` produces. Regenerate with scripts/regen-bindings.sh where jextract exists;
// BindingsCoverageTest (java-bindings) fails if a field is missing or differs from the header.

package org.mos.ffi;

/**
 * {@snippet lang=c :
 * typedef struct mos_config {
 *     int32_t struct_size;
 *     int32_t d_in;
 *     int32_t d_out;
 *     int32_t num_blocks;
 *     int32_t rank;
 *     int32_t equivalent_rank;
 *     int32_t private_rank;
 *     int32_t shards_per_vector;
 *     float alpha;
 *     float dropout;
 * } mos_config_t
 * }
 */
public class mos_config_t extends mos_config {

  mos_config_t() {
    // Should not be called directly
  }
}
