// SPDX-License-Identifier: Apache-2.0
// adapter.h: the MoS adapter branch of one block of one pool group (method.md §4, §5) as plain steps
// over backend memory, shared by mos::Layer (one linear layer) and the decoder (every projection).
#pragma once

#include <cstdint>

#include "backend.h"
#include "pool.h"

namespace mos {
namespace adapter {

// Inverted dropout of the branch's input x (training only): the mask of element e is
// rng::dropout_keep(seed, counter, e, rate), re-derived in backward instead of stored.
struct Dropout {
  float rate = 0.0f;  // 0: off
  uint64_t seed = 0, counter = 0;
  bool on() const { return rate > 0.0f; }
};

// Forward, first half: u [n x r] = x_d A_k^T, with x_d = dropout(x) written to xd [n x d_in]
// when d.on(), else x itself (xd unused, may be null).
void shrink(Backend& be, const MosConfig& c, const float* a, const float* x, int64_t n,
            const Dropout& d, float* xd, float* u);
// Forward, second half: y [n x d_out] += (alpha/r) u B_k^T.
void expand(Backend& be, const MosConfig& c, const float* b, const float* u, int64_t n, float* y);

// Backward, parameter half: with s = alpha/r, dB_k = s dy^T u, du = s dy B_k [n x r],
// dA_k = du^T x_d, then scatter-add of dA_k / dB_k into block k's shards of the pool gradients
// (ADD: repeated indices and other blocks accumulate). x is the forward's input; x_d is
// re-derived into xd when d.on(). f holds A_k, B_k and the dA / dB scratch (Pool::factors(k)).
void grad_params(Backend& be, Pool& pool, int32_t k, const Pool::Factors& f, const float* x,
                 const float* dy, int64_t n, const float* u, const Dropout& d, float* xd,
                 float* du);
// Backward, input half: dx [n x d_in] += mask(du A_k), the mask of the forward (xd: scratch
// [n x d_in] when d.on()).
void grad_input(Backend& be, const MosConfig& c, const float* a, const float* du, int64_t n,
                const Dropout& d, float* xd, float* dx);

// W [d_out x d_in] (F32, backend memory) += sign * (alpha/r) B_k A_k: merge / unmerge.
void add_delta(Backend& be, const MosConfig& c, const Pool::Factors& f, float sign, float* w);

}  // namespace adapter
}  // namespace mos
