// SPDX-License-Identifier: Apache-2.0
// bf16_util.h: the BF16 helpers of the native tests: a test-local reference rounding (nearest,
// ties to even; independent of common/bf16.h) and BF16 tensors written/read as floats.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "test_util.h"

namespace t {

inline uint16_t to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  const uint32_t lower = u & 0xffffu, upper = u >> 16;
  const bool up = lower > 0x8000u || (lower == 0x8000u && (upper & 1u));
  return static_cast<uint16_t>(upper + (up ? 1u : 0u));
}
inline float from_bf16(uint16_t h) {
  const uint32_t u = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
inline std::vector<uint16_t> to_bf16(const std::vector<float>& v) {
  std::vector<uint16_t> h(v.size());
  for (size_t i = 0; i < v.size(); ++i) h[i] = to_bf16(v[i]);
  return h;
}
// v rounded to the nearest bf16 value, as floats.
inline std::vector<float> rounded(const std::vector<float>& v) {
  std::vector<float> r(v.size());
  for (size_t i = 0; i < v.size(); ++i) r[i] = from_bf16(to_bf16(v[i]));
  return r;
}

// A BF16 tensor [rows x cols] of ctx, filled with `data` rounded to bf16 (zeros when empty).
inline mos_tensor_t bf16_tensor(mos_context_t ctx, int64_t rows, int64_t cols,
                                const std::vector<float>& data = {}) {
  mos_tensor_t h = nullptr;
  T_OK(mos_tensor_create(ctx, MOS_DTYPE_BF16, rows, cols, &h));
  if (h && !data.empty()) {
    const auto bits = to_bf16(data);
    T_OK(mos_tensor_write(h, bits.data(), static_cast<int64_t>(bits.size())));
  }
  return h;
}

// A BF16 tensor's values, widened exactly to floats.
inline std::vector<float> read_bf16(mos_tensor_t h) {
  int64_t r = 0, c = 0;
  T_OK(mos_tensor_shape(h, &r, &c));
  std::vector<uint16_t> bits(static_cast<size_t>(r * c));
  T_OK(mos_tensor_read(h, bits.data(), static_cast<int64_t>(bits.size())));
  std::vector<float> v(bits.size());
  for (size_t i = 0; i < v.size(); ++i) v[i] = from_bf16(bits[i]);
  return v;
}

}  // namespace t
