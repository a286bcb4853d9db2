// SPDX-License-Identifier: Apache-2.0
// rng.h: the counter-based random numbers of pool init, dropout and index draws. A value is a pure
// function of (seed, stream, counter), so a CUDA thread and a CPU loop draw identical numbers.
#pragma once

#include <cstdint>

#include "common/host_device.h"

namespace mos {
namespace rng {

// SplitMix64's finalizer, used as a keyed hash.
MOS_HD uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
MOS_HD uint64_t hash3(uint64_t seed, uint64_t stream, uint64_t counter) {
  uint64_t h = mix64(seed + 0x9e3779b97f4a7c15ULL);
  h = mix64(h ^ (stream + 0x632be59bd9b4e019ULL));
  return mix64(h ^ (counter + 0x85157af5b2a0f1c3ULL));
}
// Uniform in [0, 1) with 24 random bits (exactly representable in f32).
MOS_HD float uniform01(uint64_t h) { return static_cast<float>(h >> 40) * (1.0f / 16777216.0f); }

// Streams that keep the different uses of one seed apart.
constexpr uint64_t kStreamInitA = 0x1001;    // pool_A init, counter = flat element index
constexpr uint64_t kStreamDropout = 0x2002;  // dropout: kStreamDropout ^ (call counter << 16)
constexpr uint64_t kStreamIndices = 0x3003;  // index draws (host only)
constexpr uint64_t kStreamSample = 0x4004;   // mos_sample: counter = the request's token number
constexpr uint64_t kStreamDecoderDropout = 0x5005;  // decoder: per (block, projection) seeds

// Uniform in [0, 1) with 53 random bits (sampling draws in double).
MOS_HD double uniform01_53(uint64_t h) {
  return static_cast<double>(h >> 11) * (1.0 / 9007199254740992.0);
}

// Inverted dropout: element e of call `call_counter` is kept iff uniform >= rate.
MOS_HD bool dropout_keep(uint64_t seed, uint64_t call_counter, int64_t e, float rate) {
  return uniform01(hash3(seed, kStreamDropout ^ (call_counter << 16), static_cast<uint64_t>(e))) >=
         rate;
}

// The dropout seed of one (block, projection) of a decoder: its masks are then
// dropout_keep(decoder_dropout_seed(seed, block, projection), counter, e, rate), so every adapted
// projection of every block draws its own mask from the decoder's one (seed, counter).
MOS_HD uint64_t decoder_dropout_seed(uint64_t seed, int32_t block, int32_t projection) {
  return hash3(seed, kStreamDecoderDropout,
               static_cast<uint64_t>(block) * 8 + static_cast<uint64_t>(projection));
}

}  // namespace rng
}  // namespace mos
