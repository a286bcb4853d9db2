// bank_apply.h: the CPU kernels of the adapter bank's mixed-batch apply (bank_apply.cpp: per-token
// decode kernel and dispatch; bank_apply_prefill.cpp: grouped shard-tile GEMMs), and their scratch.
#pragma once

#include <cstdint>
#include <vector>

#include "bank.h"

// Hot loops get an AVX2+FMA clone chosen at load time (the library is built for baseline x86-64).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define MOS_BANK_CLONES __attribute__((target_clones("arch=haswell", "default")))
#else
#define MOS_BANK_CLONES
#endif

namespace mos {
namespace bank {
namespace cpu {

// Scratch of one calling thread (grow-only; reused by every apply of that thread).
struct Scratch {
  std::vector<int32_t> dec_tok;              // decode tokens
  std::vector<const ProjAdapter*> dec_ad;    // their adapters
  std::vector<float> u;                      // [decode tokens x r_max] or [group tokens x r]
  std::vector<float> a_tile, b_tile;         // prefill: A_k [r x d_in], B_k^T [r x d_out]
  std::vector<float> xc, yc;                 // prefill, scattered tokens: [m x d_in], [m x d_out]
};

// Tokens tok[0..n) with adapters ad[0..n): y[t] += scaling B (A x[t]), one token at a time.
void apply_decode(const ApplyPlan& plan, const int32_t* tok, const ProjAdapter* const* ad,
                  int64_t n, int threads, Scratch& s);

// One adapter's tokens tok[0..n) (ascending) as a group: shard tiles + two GEMMs.
void apply_prefill_group(Backend& backend, const ApplyPlan& plan, const ProjAdapter& a,
                         const int32_t* tok, int64_t n, int threads, Scratch& s);

template <class T>
inline void grow(std::vector<T>& v, size_t n) {
  if (v.size() < n) v.resize(n);
}

}  // namespace cpu
}  // namespace bank
}  // namespace mos
