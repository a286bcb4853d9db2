// index_math.h: the index arithmetic and counter-based random numbers that BOTH backends use.
// Every function is __host__ __device__ under nvcc, so the CPU tests exercise what the kernels run.
#pragma once

#include <cstdint>
#include <math.h>    // sqrtf on host and device
#include <string.h>  // memcpy (bit casts) on host and device

#if defined(__CUDACC__)
#define MOS_HD __host__ __device__ __forceinline__
#else
#define MOS_HD inline
#endif

namespace mos {
namespace idx {

// ---- pool layout (spec §1-§2) ------------------------------------------------------------------
// P = R_eq * L * l shards; rows [0, S) are public, then one block of p*l private rows per layer.
MOS_HD int64_t num_shards(int32_t equivalent_rank, int32_t num_layers, int32_t l) {
  return static_cast<int64_t>(equivalent_rank) * num_layers * l;
}
MOS_HD int64_t public_shards(int32_t equivalent_rank, int32_t private_rank, int32_t num_layers,
                             int32_t l) {
  return static_cast<int64_t>(equivalent_rank - private_rank) * num_layers * l;
}
// First private row of block k: S + k*p*l (spec §10.6). The same row numbers in pool_A and pool_B.
MOS_HD int64_t private_base(int32_t equivalent_rank, int32_t private_rank, int32_t num_layers,
                            int32_t l, int32_t k) {
  return public_shards(equivalent_rank, private_rank, num_layers, l) +
         static_cast<int64_t>(k) * private_rank * l;
}

// ---- rank-major routing (spec §3) -------------------------------------------------------------
// Shard i (0 <= i < l) of rank vector j (0 <= j < r) is idx[j*l + i]. Never idx[i*r + j].
MOS_HD int64_t slot(int32_t j, int32_t i, int32_t l) { return static_cast<int64_t>(j) * l + i; }

// A_k [r x d_in], d_in = l * s_a: element (j, c) comes from pool_A [P x s_a] at the returned
// flat offset: A_k[j, i*s_a + t] = pool_A[idx[j*l+i], t].
MOS_HD int64_t a_source(const int32_t* index, int32_t l, int64_t s_a, int32_t j, int64_t c) {
  const int64_t i = c / s_a;
  const int64_t t = c - i * s_a;
  return static_cast<int64_t>(index[static_cast<int64_t>(j) * l + i]) * s_a + t;
}

// B_k [d_out x r], d_out = l * s_b: element (row, j) comes from pool_B [s_b x P] at the returned
// flat offset: B_k[i*s_b + t, j] = pool_B[t, idx[j*l+i]].
MOS_HD int64_t b_source(const int32_t* index, int32_t l, int64_t s_b, int64_t num_shards,
                        int64_t row, int32_t j) {
  const int64_t i = row / s_b;
  const int64_t t = row - i * s_b;
  return t * num_shards + index[static_cast<int64_t>(j) * l + i];
}

// ---- counter-based random numbers (same stream on every backend) ------------------------------
// SplitMix64's finalizer as a keyed hash: value(seed, stream, counter) is a pure function, so a
// CUDA thread and a CPU loop draw identical numbers for identical keys, in any order.
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
constexpr uint64_t kStreamInitA = 0x1001;     // pool_A init, counter = flat element index
constexpr uint64_t kStreamDropout = 0x2002;   // dropout: stream = kStreamDropout ^ (call counter << 16)
constexpr uint64_t kStreamIndices = 0x3003;   // index draws (host only)
constexpr uint64_t kStreamSample = 0x4004;    // mos_sample: counter = the request's token number
constexpr uint64_t kStreamDecoderDropout = 0x5005;  // decoder: per (block, projection) seeds

// Uniform in [0, 1) with 53 random bits (sampling draws in double).
MOS_HD double uniform01_53(uint64_t h) {
  return static_cast<double>(h >> 11) * (1.0 / 9007199254740992.0);
}

// The dropout seed of one (block, projection) of a decoder: its masks are then
// dropout_keep(decoder_dropout_seed(seed, block, projection), counter, e, rate), so every adapted
// projection of every block draws its own mask from the decoder's one (seed, counter).
MOS_HD uint64_t decoder_dropout_seed(uint64_t seed, int32_t block, int32_t projection) {
  return hash3(seed, kStreamDecoderDropout,
               static_cast<uint64_t>(block) * 8 + static_cast<uint64_t>(projection));
}

// Inverted dropout: element e of call `call_counter` is kept iff uniform >= rate.
MOS_HD bool dropout_keep(uint64_t seed, uint64_t call_counter, int64_t e, float rate) {
  return uniform01(hash3(seed, kStreamDropout ^ (call_counter << 16),
                         static_cast<uint64_t>(e))) >= rate;
}

// ---- AdamW element update (both backends; added after the skeleton) ---------------------------
// mos.h's AdamW (torch.optim.AdamW) for one element, operation by operation in the documented
// order: p -= lr*wd*p; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
// p -= lr * (m / bc1) / (sqrt(v / bc2) + eps), with bc1 = 1 - b1^t, bc2 = 1 - b2^t after t++.
MOS_HD void adamw_element(float g, float* p, float* m, float* v, float lr, float beta1, float beta2,
                          float eps, float weight_decay, float bc1, float bc2) {
  float pv = *p;
  pv = pv - (lr * weight_decay) * pv;
  const float mn = beta1 * *m + (1.0f - beta1) * g;
  const float vn = beta2 * *v + (1.0f - beta2) * (g * g);
  const float m_hat = mn / bc1;
  const float denom = sqrtf(vn / bc2) + eps;
  *p = pv - (lr * m_hat) / denom;
  *m = mn;
  *v = vn;
}

// ---- bf16 storage (MOS_DTYPE_BF16: the upper 16 bits of an IEEE f32) -------------------------
// Widening is exact. Narrowing rounds to nearest, ties to even; NaN stays a (quiet) NaN.
MOS_HD float bf16_to_f32(uint16_t h) {
  const uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  memcpy(&f, &bits, sizeof(f));
  return f;
}
MOS_HD uint16_t f32_to_bf16(float f) {
  uint32_t bits;
  memcpy(&bits, &f, sizeof(bits));
  if ((bits & 0x7f800000u) == 0x7f800000u && (bits & 0x007fffffu) != 0) {
    return static_cast<uint16_t>((bits >> 16) | 0x0040u);  // NaN: keep sign, force quiet
  }
  const uint32_t rounding = 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>((bits + rounding) >> 16);
}

}  // namespace idx
}  // namespace mos
