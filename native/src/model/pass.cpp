// SPDX-License-Identifier: Apache-2.0
// pass.cpp: the decoder's passes over a packed batch: workspace planning (grow-only, checked
// against memory first), the block forward with its adapters, the chunked lm_head + cross-entropy,
// and the backward through every frozen op into the attached pools (mos_decoder_loss / _logits).
#include <algorithm>
#include <cmath>
#include <limits>

#include "adapter.h"
#include "bank.h"
#include "common/index_math.h"
#include "common/rng.h"
#include "error.h"
#include "memory.h"
#include "model/decoder.h"
#include "model/kv_cache.h"

namespace mos {
namespace model {

HostBatch Decoder::check_batch(const mos_batch_t& b) const {
  const mos_decoder_config_t& c = cfg_;
  check(b.num_seqs >= 1, MOS_STATUS_INVALID_ARGUMENT, "batch->num_seqs must be >= 1, got ",
        b.num_seqs);
  check(b.lengths != nullptr, MOS_STATUS_NULL_POINTER, "batch->lengths is NULL");
  check(b.tokens != nullptr, MOS_STATUS_NULL_POINTER, "batch->tokens is NULL");
  HostBatch h;
  h.num_seqs = b.num_seqs;
  h.lengths = b.lengths;
  h.tokens = b.tokens;
  h.targets = b.targets;
  for (int32_t s = 0; s < b.num_seqs; ++s) {
    const int32_t len = b.lengths[s];
    check(len >= 1 && len <= c.max_positions, MOS_STATUS_INVALID_ARGUMENT, "batch->lengths[", s,
          "] = ", len, " (expected 1 <= length <= max_positions = ", c.max_positions, ")");
    h.total += len;
    h.max_len = std::max(h.max_len, len);
  }
  check(h.total <= std::numeric_limits<int32_t>::max(), MOS_STATUS_INVALID_ARGUMENT,
        "the batch holds ", h.total, " tokens, more than 2^31 - 1");
  for (int64_t t = 0; t < h.total; ++t) {
    check(b.tokens[t] >= 0 && b.tokens[t] < c.vocab_size, MOS_STATUS_INVALID_ARGUMENT,
          "batch->tokens[", t, "] = ", b.tokens[t], " is outside the vocabulary [0, ", c.vocab_size,
          ")");
    if (b.targets)
      check(b.targets[t] < c.vocab_size, MOS_STATUS_INVALID_ARGUMENT, "batch->targets[", t,
            "] = ", b.targets[t], " is outside the vocabulary [0, ", c.vocab_size,
            ") (a negative target means none)");
  }
  return h;
}

// ---- workspace --------------------------------------------------------------------------------

// One block's activations, each [T x width] in turn from `base`: what backward needs when the
// pass trains (block input and middle residual included), else what the forward itself uses.
int64_t Decoder::layout(const Pass& p, float* base, BlockSet* s) const {
  const mos_decoder_config_t& c = cfg_;
  const int64_t H = c.hidden_size, I = c.intermediate_size;
  const int64_t Q = static_cast<int64_t>(c.num_heads) * c.head_dim;
  const int64_t KV = static_cast<int64_t>(c.num_kv_heads) * c.head_dim;
  int64_t at = 0;
  auto take = [&](float** dst, int64_t width) {
    if (s) *dst = base + at;
    at += p.T * width;
  };
  BlockSet dummy;
  BlockSet* o = s ? s : &dummy;
  if (p.train) take(&o->hin, H);
  take(&o->q, Q);
  take(&o->k, KV);
  take(&o->v, KV);
  take(&o->o, Q);
  if (!p.cache) take(&o->lse, c.num_heads);
  take(&o->inv1, 1);
  if (p.train) take(&o->hmid, H);
  take(&o->inv2, 1);
  take(&o->g, I);
  take(&o->up, I);
  if (p.source == Source::kPools)
    for (int32_t j = 0; j < kNumProj; ++j)
      if (pools_[j]) take(&o->au[j], pools_[j]->cfg().r);
  return at;
}

Decoder::BlockSet Decoder::block_set(const Pass& p, int32_t b) {
  BlockSet s;
  if (p.train && !p.recompute) {
    const int64_t per = layout(p, nullptr, nullptr);
    layout(p, ws_[kSaved].f32() + b * per, &s);
  } else {
    layout(p, ws_[kBlock].f32(), &s);
    // Recomputation keeps only each block's input.
    s.hin = p.train ? ws_[kSaved].f32() + b * p.T * cfg_.hidden_size : nullptr;
  }
  return s;
}

void Decoder::plan_workspace(const Pass& p) {
  const mos_decoder_config_t& c = cfg_;
  const int64_t T = p.T, S = p.num_seqs, H = c.hidden_size, I = c.intermediate_size;
  const int64_t V = c.vocab_size, L = c.num_layers, hd = c.head_dim;
  const int64_t Q = c.num_heads * hd, KV = c.num_kv_heads * hd;
  const std::string what = "the decoder's workspace";
  std::array<uint64_t, kWsCount> floats{};  // elements of 4 bytes (kLoss: 8)
  floats[kIds] = floats[kPos] = T;
  if (!p.cache) floats[kStarts] = S + 1;
  if (p.targets) floats[kRows] = floats[kTargets] = p.head_rows;
  floats[kCos] = floats[kSin] = T * (hd / 2);
  floats[kH] = floats[kN] = floats[kT] = T * H;
  floats[kAct] = T * I;
  floats[kInvF] = T;
  if (p.cache) {
    floats[kAttn] = backend().paged_attention_scratch_floats(p.max_q, p.max_ctx, c.num_heads,
                                                             c.num_kv_heads, c.head_dim);
    floats[kSlots] = T;
    floats[kQStarts] = S + 1;
    floats[kCtxLens] = floats[kLast] = S;
    floats[kPageTables] = S * p.max_pages;
  } else {
    floats[kAttn] = backend().attention_scratch_floats(p.max_len, c.head_dim);
  }
  if (c.weight_dtype == MOS_DTYPE_BF16) {
    int64_t g = backend().gemm_bf16_scratch_floats(p.chunk, V, H);
    for (int32_t j = 0; j < kNumProj; ++j)
      g = std::max(g, backend().gemm_bf16_scratch_floats(T, proj_dim_out(j), proj_dim_in(j)));
    floats[kGemm] = g;
  }
  if (p.train) {
    int64_t xd = 0;
    for (int32_t j = 0; j < kNumProj; ++j)
      if (pools_[j] && pools_[j]->cfg().dropout > 0.0f) xd = std::max<int64_t>(xd, proj_dim_in(j));
    floats[kXd] = T * xd;
    floats[kDu] = T * r_max();
    floats[kDh] = floats[kDn] = T * H;
    floats[kDq] = floats[kDo] = T * Q;
    floats[kDk] = floats[kDv] = T * KV;
    floats[kDact] = floats[kDup] = T * I;
    floats[kDhc] = p.chunk * H;
  }
  floats[kHc] = (p.cache ? p.head_rows : p.chunk) * H;  // a step gathers its last rows at once
  floats[kLogits] = p.chunk * V;
  floats[kLoss] = 2 * p.head_rows;  // doubles
  const uint64_t per_block = static_cast<uint64_t>(layout(p, nullptr, nullptr));
  if (!p.train || p.recompute) floats[kBlock] = per_block;
  if (p.train)
    floats[kSaved] = p.recompute ? checked_mul(L, T * H, what) : checked_mul(L, per_block, what);
  if (p.train && base_trainable_ && (c.qkv_bias || c.o_bias)) floats[kOnes] = T;

  uint64_t growth = 0;
  for (int i = 0; i < kWsCount; ++i) {
    const uint64_t bytes = checked_mul(floats[i], sizeof(float), what);
    if (bytes > ws_[i].bytes()) growth = checked_add(growth, bytes, what);
  }
  require_memory(backend(), growth, what,
                 cat(" for ", T, " tokens (",
                     p.train ? (p.recompute ? "training, recomputing "
                                              "blocks"
                                            : "training, every block's activations kept")
                             : "inference",
                     ")"));
  for (int i = 0; i < kWsCount; ++i) ws_[i].reserve(floats[i] * sizeof(float));
}

Decoder::Pass Decoder::make_pass(const HostBatch& batch, bool train) const {
  Pass p;
  p.T = batch.total;
  p.num_seqs = batch.num_seqs;
  p.max_len = batch.max_len;
  p.train = train;
  p.recompute = train && recompute_;
  p.source = pools_active() ? Source::kPools : Source::kNone;
  p.counter = drop_counter_;
  return p;
}

void Decoder::upload_batch(const Pass& p, const HostBatch& batch) {
  Backend& be = backend();
  be.copy_to_device(ws_[kIds].data(), batch.tokens, sizeof(int32_t) * p.T);
  std::vector<int32_t>& h = host_i32_;
  h.resize(static_cast<size_t>(p.T));
  int64_t t = 0;
  for (int32_t s = 0; s < batch.num_seqs; ++s)
    for (int32_t j = 0; j < batch.lengths[s]; ++j) h[t++] = j;  // positions from 0 per sequence
  be.copy_to_device(ws_[kPos].data(), h.data(), sizeof(int32_t) * p.T);
  h.resize(static_cast<size_t>(batch.num_seqs) + 1);
  h[0] = 0;
  for (int32_t s = 0; s < batch.num_seqs; ++s) h[s + 1] = h[s] + batch.lengths[s];
  be.copy_to_device(ws_[kStarts].data(), h.data(), sizeof(int32_t) * h.size());
  if (p.train && base_trainable_ && (cfg_.qkv_bias || cfg_.o_bias)) {
    host_ones_.assign(static_cast<size_t>(p.T), 1.0f);
    be.copy_to_device(ws_[kOnes].data(), host_ones_.data(), sizeof(float) * p.T);
  }
  if (p.targets) {
    // The positions that have a target, and their targets, compacted.
    h.resize(static_cast<size_t>(2 * p.head_rows));
    int64_t n = 0;
    for (int64_t i = 0; i < p.T && batch.targets; ++i) {
      if (batch.targets[i] < 0) continue;
      h[n] = static_cast<int32_t>(i);
      h[p.head_rows + n] = batch.targets[i];
      ++n;
    }
    be.copy_to_device(ws_[kRows].data(), h.data(), sizeof(int32_t) * p.head_rows);
    be.copy_to_device(ws_[kTargets].data(), h.data() + p.head_rows, sizeof(int32_t) * p.head_rows);
  }
}

// ---- forward ----------------------------------------------------------------------------------

void Decoder::proj_forward(const Pass& p, int32_t b, int32_t j, const float* x, float* y,
                           float* au) {
  const BlockWeights& bw = blocks_[b];
  linear(bw.proj[j], x, p.T, 0.0f, y);
  Backend& be = backend();
  if (bw.bias[j] >= 0) be.add_row_bias(p.T, w(bw.proj[j]).rows, w(bw.bias[j]).data.f32(), y);
  if (p.source == Source::kPools && pools_[j]) {
    Pool& pool = *pools_[j];
    const MosConfig& c = pool.cfg();
    const Pool::Factors f = pool.factors(b);
    const adapter::Dropout d{p.train ? c.dropout : 0.0f,
                             rng::decoder_dropout_seed(drop_seed_, b, j), p.counter};
    adapter::shrink(be, c, f.a, x, p.T, d, ws_[kXd].f32(), au);
    adapter::expand(be, c, f.b, au, p.T, y);
  } else if (p.source == Source::kBank && p.bank_slot[j] >= 0) {
    p.bank->apply(p.bank_slot[j], b, x, p.T, p.token_adapters, y, /*host_io=*/false);
  }
}

void Decoder::block_forward(const Pass& p, int32_t b, float* h, const BlockSet& s) {
  const mos_decoder_config_t& c = cfg_;
  Backend& be = backend();
  const BlockWeights& bw = blocks_[b];
  const int64_t T = p.T, H = c.hidden_size, I = c.intermediate_size, hd = c.head_dim;
  const int64_t Q = c.num_heads * hd, KV = c.num_kv_heads * hd;
  float* n = ws_[kN].f32();
  float* t = ws_[kT].f32();
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(hd)));
  if (s.hin) be.copy(s.hin, h, sizeof(float) * T * H);
  // Attention: h += o_proj(attention(rope(q_proj(n)), rope(k_proj(n)), v_proj(n))).
  be.rmsnorm_forward(T, H, h, w(bw.in_norm).data.f32(), c.rms_norm_eps, n, s.inv1);
  proj_forward(p, b, kQ, n, s.q, s.au[kQ]);
  proj_forward(p, b, kK, n, s.k, s.au[kK]);
  proj_forward(p, b, kV, n, s.v, s.au[kV]);
  be.rope_apply(T, c.num_heads, c.head_dim, Q, ws_[kCos].f32(), ws_[kSin].f32(), false, s.q);
  be.rope_apply(T, c.num_kv_heads, c.head_dim, KV, ws_[kCos].f32(), ws_[kSin].f32(), false, s.k);
  if (p.cache) {
    be.kv_cache_write(T, ws_[kSlots].i32(), c.num_kv_heads, c.head_dim, s.k, s.v, p.cache->layer(b),
                      p.cache->num_pages());
    be.paged_attention(p.num_seqs, ws_[kQStarts].i32(), ws_[kCtxLens].i32(), ws_[kPageTables].i32(),
                       p.max_pages, p.max_q, p.max_ctx, c.num_heads, c.num_kv_heads, c.head_dim,
                       scale, s.q, p.cache->layer(b), p.cache->num_pages(), s.o, ws_[kAttn].f32());
  } else {
    be.attention_forward(p.num_seqs, ws_[kStarts].i32(), p.max_len, c.num_heads, c.num_kv_heads,
                         c.head_dim, scale, s.q, s.k, s.v, s.o, s.lse, ws_[kAttn].f32());
  }
  proj_forward(p, b, kO, s.o, t, s.au[kO]);
  be.axpy(T * H, 1.0f, t, h);
  if (s.hmid) be.copy(s.hmid, h, sizeof(float) * T * H);
  // MLP: h += down_proj(silu(gate_proj(n)) * up_proj(n)).
  be.rmsnorm_forward(T, H, h, w(bw.post_norm).data.f32(), c.rms_norm_eps, n, s.inv2);
  proj_forward(p, b, kGate, n, s.g, s.au[kGate]);
  proj_forward(p, b, kUp, n, s.up, s.au[kUp]);
  float* act = ws_[kAct].f32();
  be.swiglu_forward(T * I, s.g, s.up, act);
  proj_forward(p, b, kDown, act, t, s.au[kDown]);
  be.axpy(T * H, 1.0f, t, h);
}

void Decoder::forward(const Pass& p) {
  const mos_decoder_config_t& c = cfg_;
  Backend& be = backend();
  float* h = ws_[kH].f32();
  const Weight& e = w(embed_);
  be.embedding(p.T, ws_[kIds].i32(), e.data.data(), e.dtype, c.hidden_size, h);
  be.rope_table(p.T, ws_[kPos].i32(), c.head_dim / 2, inv_freq_.f32(), ws_[kCos].f32(),
                ws_[kSin].f32());
  for (int32_t b = 0; b < c.num_layers; ++b) block_forward(p, b, h, block_set(p, b));
}

// ---- lm_head and loss -------------------------------------------------------------------------

// Final norm, then for the rows with a target, chunk by chunk: logits, cross-entropy and (with
// backward) the gradient into kDh, the residual's gradient after the last block.
double Decoder::head(const Pass& p, bool backward, float grad_scale) {
  const mos_decoder_config_t& c = cfg_;
  Backend& be = backend();
  const int64_t T = p.T, H = c.hidden_size, V = c.vocab_size;
  float* hf = ws_[kN].f32();
  be.rmsnorm_forward(T, H, ws_[kH].f32(), w(final_norm_).data.f32(), c.rms_norm_eps, hf,
                     ws_[kInvF].f32());
  float* dhf = ws_[kDn].f32();
  if (backward) be.fill_zero(dhf, sizeof(float) * T * H);
  double* loss = reinterpret_cast<double*>(ws_[kLoss].data());
  for (int64_t c0 = 0; c0 < p.head_rows; c0 += p.chunk) {
    const int64_t n = std::min(p.chunk, p.head_rows - c0);
    const int32_t* rows = ws_[kRows].i32() + c0;
    be.gather_rows(n, rows, H, hf, ws_[kHc].f32());
    linear(lm_head_, ws_[kHc].f32(), n, 0.0f, ws_[kLogits].f32());
    be.cross_entropy(n, V, ws_[kTargets].i32() + c0, ws_[kLogits].f32(), loss + c0, backward,
                     grad_scale);
    if (!backward) continue;
    linear_t(lm_head_, ws_[kLogits].f32(), n, 0.0f, ws_[kDhc].f32());
    be.scatter_rows(n, rows, H, ws_[kDhc].f32(), dhf);
    // d lm_head [V x H] += dlogits^T hc (tied: into the embedding's gradient, which the input
    // side adds to in backward()).
    if (base_trainable_)
      be.gemm(true, false, V, H, n, 1.0f, ws_[kLogits].f32(), V, ws_[kHc].f32(), H, 1.0f,
              base_grad(lm_head_), H);
  }
  host_loss_.resize(static_cast<size_t>(p.head_rows));
  be.copy_to_host(host_loss_.data(), loss, sizeof(double) * p.head_rows);
  double sum = 0.0;
  for (double l : host_loss_) sum += l;
  if (backward) {
    if (base_trainable_)
      be.rmsnorm_weight_grad(T, H, ws_[kH].f32(), ws_[kInvF].f32(), dhf, base_grad(final_norm_));
    float* dh = ws_[kDh].f32();
    be.fill_zero(dh, sizeof(float) * T * H);
    be.rmsnorm_backward(T, H, ws_[kH].f32(), w(final_norm_).data.f32(), ws_[kInvF].f32(), dhf, dh);
  }
  return sum;
}

// ---- backward ---------------------------------------------------------------------------------

// dx = dy W + beta dx through the base weight (when dx is wanted); with the base trainable its
// gradients dW += dy^T x and dbias += ones^T dy; and the adapter's part: pool gradients
// (scatter-add) and dx += mask(du A).
void Decoder::proj_backward(const Pass& p, int32_t b, int32_t j, const float* x, const float* dy,
                            const float* au, float beta, float* dx) {
  const BlockWeights& bw = blocks_[b];
  Backend& be = backend();
  if (dx) linear_t(bw.proj[j], dy, p.T, beta, dx);
  if (base_trainable_) {
    const Weight& W = w(bw.proj[j]);
    be.gemm(true, false, W.rows, W.cols, p.T, 1.0f, dy, W.rows, x, W.cols, 1.0f,
            base_grad(bw.proj[j]), W.cols);
    if (bw.bias[j] >= 0)
      be.gemm(false, false, 1, W.rows, p.T, 1.0f, ws_[kOnes].f32(), p.T, dy, W.rows, 1.0f,
              base_grad(bw.bias[j]), W.rows);
  }
  if (!pools_[j]) return;
  Pool& pool = *pools_[j];
  const MosConfig& c = pool.cfg();
  const Pool::Factors f = pool.factors(b);
  const adapter::Dropout d{c.dropout, rng::decoder_dropout_seed(drop_seed_, b, j), p.counter};
  adapter::grad_params(be, pool, b, f, x, dy, p.T, au, d, ws_[kXd].f32(), ws_[kDu].f32());
  if (dx) adapter::grad_input(be, c, f.a, ws_[kDu].f32(), p.T, d, ws_[kXd].f32(), dx);
}

void Decoder::block_backward(const Pass& p, int32_t b, const BlockSet& s, float* dh) {
  const mos_decoder_config_t& c = cfg_;
  Backend& be = backend();
  const BlockWeights& bw = blocks_[b];
  const int64_t T = p.T, H = c.hidden_size, I = c.intermediate_size, hd = c.head_dim;
  const int64_t Q = c.num_heads * hd, KV = c.num_kv_heads * hd;
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(hd)));
  float* n = ws_[kN].f32();
  float* act = ws_[kAct].f32();
  float* dn = ws_[kDn].f32();
  float* dact = ws_[kDact].f32();
  float* dup = ws_[kDup].f32();
  // MLP, from the residual's gradient dh (= d/d of the block's output).
  be.rmsnorm_forward(T, H, s.hmid, w(bw.post_norm).data.f32(), c.rms_norm_eps, n, nullptr);
  be.swiglu_forward(T * I, s.g, s.up, act);
  proj_backward(p, b, kDown, act, dh, s.au[kDown], 0.0f, dact);
  be.swiglu_backward(T * I, s.g, s.up, dact, dact, dup);  // dact now holds d gate
  proj_backward(p, b, kGate, n, dact, s.au[kGate], 0.0f, dn);
  proj_backward(p, b, kUp, n, dup, s.au[kUp], 1.0f, dn);
  if (base_trainable_) be.rmsnorm_weight_grad(T, H, s.hmid, s.inv2, dn, base_grad(bw.post_norm));
  be.rmsnorm_backward(T, H, s.hmid, w(bw.post_norm).data.f32(), s.inv2, dn, dh);
  // Attention, from dh (now d/d of the middle residual).
  float* dq = ws_[kDq].f32();
  float* dk = ws_[kDk].f32();
  float* dv = ws_[kDv].f32();
  float* dout = ws_[kDo].f32();
  proj_backward(p, b, kO, s.o, dh, s.au[kO], 0.0f, dout);
  be.attention_backward(p.num_seqs, ws_[kStarts].i32(), p.max_len, c.num_heads, c.num_kv_heads,
                        c.head_dim, scale, s.q, s.k, s.v, s.o, s.lse, dout, dq, dk, dv,
                        ws_[kAttn].f32());
  be.rope_apply(T, c.num_heads, c.head_dim, Q, ws_[kCos].f32(), ws_[kSin].f32(), true, dq);
  be.rope_apply(T, c.num_kv_heads, c.head_dim, KV, ws_[kCos].f32(), ws_[kSin].f32(), true, dk);
  be.rmsnorm_forward(T, H, s.hin, w(bw.in_norm).data.f32(), c.rms_norm_eps, n, nullptr);
  // Block 0's input gradient goes nowhere when the embedding is frozen: only the pools' parts.
  float* dx = b > 0 || base_trainable_ ? dn : nullptr;
  proj_backward(p, b, kQ, n, dq, s.au[kQ], 0.0f, dx);
  proj_backward(p, b, kK, n, dk, s.au[kK], 1.0f, dx);
  proj_backward(p, b, kV, n, dv, s.au[kV], 1.0f, dx);
  if (!dx) return;
  if (base_trainable_) be.rmsnorm_weight_grad(T, H, s.hin, s.inv1, dn, base_grad(bw.in_norm));
  be.rmsnorm_backward(T, H, s.hin, w(bw.in_norm).data.f32(), s.inv1, dn, dh);
}

void Decoder::backward(const Pass& p) {
  const mos_decoder_config_t& c = cfg_;
  Backend& be = backend();
  float* dh = ws_[kDh].f32();
  for (int32_t b = c.num_layers - 1; b >= 0; --b) {
    BlockSet s = block_set(p, b);
    if (p.recompute) {
      // The block again from its saved input, same dropout masks; kH is free by now.
      float* h = ws_[kH].f32();
      be.copy(h, s.hin, sizeof(float) * p.T * c.hidden_size);
      BlockSet r = s;
      r.hin = nullptr;  // already saved
      block_forward(p, b, h, r);
    }
    block_backward(p, b, s, dh);
  }
  // dh is now d/d of the embedding's output: its rows add into the rows of their tokens.
  if (base_trainable_)
    be.embedding_grad(p.T, ws_[kIds].i32(), c.hidden_size, dh, base_grad(embed_));
}

// ---- entry points -----------------------------------------------------------------------------

void Decoder::loss(const HostBatch& batch, bool backward, float grad_scale, double* loss_sum,
                   int64_t* loss_count) {
  if (backward) {
    check(batch.targets != nullptr, MOS_STATUS_INVALID_ARGUMENT,
          "backward needs targets (batch->targets is NULL)");
    check(!merged_, MOS_STATUS_INVALID_STATE,
          "training on a merged decoder (the attached pools are inside the weights); unmerge it "
          "first");
    check(std::isfinite(grad_scale), MOS_STATUS_INVALID_ARGUMENT, "grad_scale must be finite, got ",
          grad_scale);
  }
  require_weights();
  if (pools_active()) require_pool_indices();
  const bool train = backward && (pools_active() || base_trainable_);
  Pass p = make_pass(batch, train);
  int64_t rows = 0;
  for (int64_t t = 0; t < batch.total && batch.targets; ++t) rows += batch.targets[t] >= 0;
  p.head_rows = rows;
  p.targets = true;
  p.chunk = std::max<int64_t>(1, std::min<int64_t>(rows, kHeadFloats / cfg_.vocab_size));
  plan_workspace(p);
  upload_batch(p, batch);
  forward(p);
  const double sum = head(p, train, grad_scale);
  if (train) this->backward(p);
  if (backward) ++drop_counter_;
  *loss_sum = sum;
  *loss_count = rows;
}

void Decoder::logits(const HostBatch& batch, float* host_logits) {
  require_weights();
  if (pools_active()) require_pool_indices();
  Pass p = make_pass(batch, false);
  p.head_rows = batch.total;
  p.chunk = std::max<int64_t>(1, std::min<int64_t>(batch.total, kHeadFloats / cfg_.vocab_size));
  plan_workspace(p);
  upload_batch(p, batch);
  forward(p);
  const mos_decoder_config_t& c = cfg_;
  Backend& be = backend();
  const int64_t H = c.hidden_size, V = c.vocab_size;
  float* hf = ws_[kN].f32();
  be.rmsnorm_forward(p.T, H, ws_[kH].f32(), w(final_norm_).data.f32(), c.rms_norm_eps, hf, nullptr);
  for (int64_t c0 = 0; c0 < p.T; c0 += p.chunk) {
    const int64_t n = std::min(p.chunk, p.T - c0);
    linear(lm_head_, hf + c0 * H, n, 0.0f, ws_[kLogits].f32());
    be.copy_to_host(host_logits + c0 * V, ws_[kLogits].data(), sizeof(float) * n * V);
  }
}

}  // namespace model
}  // namespace mos
