// SPDX-License-Identifier: Apache-2.0
// bank_apply.h: the CPU kernels of the adapter bank's mixed-batch apply (bank_apply.cpp: tiles and
// threads; bank_apply_tile.cpp: the 1-token and 4-token micro-kernels), and their scratch.
#pragma once

#include <cstdint>
#include <vector>

#include "bank_plan.h"

// Hot loops get an AVX2+FMA clone chosen at load time (the library is built for baseline x86-64).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define MOS_BANK_CLONES __attribute__((target_clones("arch=haswell", "default")))
#else
#define MOS_BANK_CLONES
#endif

namespace mos {
namespace bank {
namespace cpu {

// Tokens of one adapter processed together: order[pos, pos + n), n <= kTileTokens.
constexpr int32_t kTileTokens = 4;
struct Tile {
  int32_t pos, n;
  const ProjAdapter* a;
};

// Scratch of one calling thread (grow-only; reused by every apply of that thread).
struct Scratch {
  std::vector<Tile> tiles;
  std::vector<float> u;  // [positions (+3) x r_max]: every token's A_k x, scaled
};

// y[t] += scaling B (A x[t]) for the tokens of every tile, reading shards from the pools.
void apply_tiles(const ApplyPlan& plan, const Tile* tiles, int64_t n_tiles, int threads,
                 Scratch& s);

// Micro-kernels (bank_apply_tile.cpp).
void dot_1x4(const float* x, const float* a0, const float* a1, const float* a2, const float* a3,
             int64_t n, float* out);  // out[q] += <x, a_q>
float dot_1x1(const float* x, const float* a, int64_t n);
void dot_1x8(const float* x, const float* const* a, int64_t n, float* out);  // out[q] += <x, a[q]>
void axpy_1x8(float* y, const float* const* b, const float* u, int64_t n);   // y += sum u[q] b[q]
void axpy_1x4(float* y, const float* b0, const float* b1, const float* b2, const float* b3,
              const float* u, int64_t n);  // y += sum u[q] b_q
void axpy_1x1(float* y, const float* b, float u, int64_t n);
// out[q*2 + j] += <x[q], a_j> for 4 token rows x[0..4) and 2 shard rows.
void dot_4x2(const float* const* x, const float* a0, const float* a1, int64_t n, float* out);
// y[q][0, n) += sum_{j<r} u[q*ldu + j] b[j][0, n) for 4 token rows.
void expand_4x(float* const* y, const float* const* b, const float* u, int64_t ldu, int32_t r,
               int64_t n);

template <class T>
inline void grow(std::vector<T>& v, size_t n) {
  if (v.size() < n) v.resize(n);
}

}  // namespace cpu
}  // namespace bank
}  // namespace mos
