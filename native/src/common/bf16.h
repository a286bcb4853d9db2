// SPDX-License-Identifier: Apache-2.0
// bf16.h: MOS_DTYPE_BF16 storage (the upper 16 bits of an IEEE f32). Widening is exact; narrowing
// rounds to nearest, ties to even, and keeps a NaN a (quiet) NaN. Both backends convert with these.
#pragma once

#include <string.h>  // memcpy (bit casts) on host and device

#include <cstdint>

#include "common/host_device.h"

namespace mos {
namespace bf16 {

MOS_HD float to_f32(uint16_t h) {
  const uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  memcpy(&f, &bits, sizeof(f));
  return f;
}

MOS_HD uint16_t from_f32(float f) {
  uint32_t bits;
  memcpy(&bits, &f, sizeof(bits));
  if ((bits & 0x7f800000u) == 0x7f800000u && (bits & 0x007fffffu) != 0) {
    return static_cast<uint16_t>((bits >> 16) | 0x0040u);  // NaN: keep sign, force quiet
  }
  const uint32_t rounding = 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>((bits + rounding) >> 16);
}

}  // namespace bf16
}  // namespace mos
