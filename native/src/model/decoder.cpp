// SPDX-License-Identifier: Apache-2.0
// decoder.cpp: the Llama decoder's configuration checks, weights by name (set and read back with
// F32 / BF16 / F16 conversion), attached pools, merge / unmerge and the products with the base
// weights. The passes are in pass.cpp (training, logits) and step.cpp (KV cache); training the
// base itself in base_train.cpp.
#include "model/decoder.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "adapter.h"
#include "common/bf16.h"
#include "common/index_math.h"
#include "common/rope_math.h"
#include "error.h"
#include "memory.h"
#include "tensor.h"

namespace mos {
namespace model {

namespace {

const char* const kProjNames[kNumProj] = {"q_proj",    "k_proj",  "v_proj",   "o_proj",
                                          "gate_proj", "up_proj", "down_proj"};

// IEEE half -> f32, exact (subnormals normalised, infinities and NaNs kept).
float f16_to_f32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu, man = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else {
      int e = -1;
      uint32_t m = man;
      do {
        ++e;
        m <<= 1;
      } while ((m & 0x400u) == 0);
      bits = sign | static_cast<uint32_t>(127 - 15 - e) << 23 | (m & 0x3ffu) << 13;
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | man << 13;
  } else {
    bits = sign | (exp + 127 - 15) << 23 | man << 13;
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// f32 -> IEEE half, rounded to nearest-even: overflow to infinity, F16 subnormals below 2^-14,
// NaN kept quiet.
uint16_t f32_to_f16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, sizeof x);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  const uint32_t ax = x & 0x7fffffffu;
  if (ax >= 0x7f800000u)  // infinity or NaN
    return sign | 0x7c00u | (ax > 0x7f800000u ? 0x200u | ((ax >> 13) & 0x3ffu) : 0u);
  if (ax >= 0x477ff000u) return sign | 0x7c00u;  // >= 65520 rounds past 65504, the largest half
  if (ax < 0x38800000u) {
    // Below 2^-14: a subnormal half, |f| / 2^-24 rounded to an integer (exact scaling, then
    // nearbyint's nearest-even; 0x400 is the smallest normal, encoded right by the same bits).
    float a;
    std::memcpy(&a, &ax, sizeof a);
    return sign | static_cast<uint16_t>(std::nearbyint(a * 16777216.0f));
  }
  const uint32_t mant = ax & 0x7fffffu;
  uint32_t h = ((ax >> 23) - 127 + 15) << 10 | mant >> 13;
  const uint32_t rest = mant & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) ++h;  // a carry into the exponent is right
  return sign | static_cast<uint16_t>(h);
}

}  // namespace

const char* proj_name(int32_t p) { return p >= 0 && p < kNumProj ? kProjNames[p] : "?"; }

int32_t proj_index(const std::string& name) {
  for (int32_t p = 0; p < kNumProj; ++p)
    if (name == kProjNames[p]) return p;
  return -1;
}

// ---- configuration ----------------------------------------------------------------------------

void validate_config(const mos_decoder_config_t& c) {
  auto positive = [](int32_t v, const char* field) {
    check(v >= 1, MOS_STATUS_INVALID_ARGUMENT, field, " must be >= 1, got ", v);
  };
  positive(c.vocab_size, "vocab_size");
  positive(c.hidden_size, "hidden_size");
  positive(c.intermediate_size, "intermediate_size");
  positive(c.num_layers, "num_layers");
  positive(c.num_heads, "num_heads");
  positive(c.num_kv_heads, "num_kv_heads");
  positive(c.max_positions, "max_positions");
  check(c.num_heads % c.num_kv_heads == 0, MOS_STATUS_INVALID_ARGUMENT, "num_kv_heads (",
        c.num_kv_heads, ") must divide num_heads (", c.num_heads, ")");
  check(c.head_dim >= 2 && c.head_dim % 2 == 0, MOS_STATUS_INVALID_ARGUMENT,
        "head_dim must be even and >= 2 (RoPE rotates pairs), got ", c.head_dim);
  check(std::isfinite(c.rms_norm_eps) && c.rms_norm_eps > 0.0f, MOS_STATUS_INVALID_ARGUMENT,
        "rms_norm_eps must be finite and > 0, got ", c.rms_norm_eps);
  check(std::isfinite(c.rope_theta) && c.rope_theta > 0.0f, MOS_STATUS_INVALID_ARGUMENT,
        "rope_theta must be finite and > 0, got ", c.rope_theta);
  int32_t rope_type;
  std::memcpy(&rope_type, &c.rope_type, sizeof rope_type);  // any int a C caller wrote
  check(rope_type == MOS_ROPE_DEFAULT || rope_type == MOS_ROPE_LLAMA3, MOS_STATUS_INVALID_ARGUMENT,
        "rope_type must be MOS_ROPE_DEFAULT = 0 or MOS_ROPE_LLAMA3 = 1, got ", rope_type);
  if (rope_type == MOS_ROPE_LLAMA3) {
    check(std::isfinite(c.rope_factor) && c.rope_factor > 0.0f, MOS_STATUS_INVALID_ARGUMENT,
          "rope_factor must be finite and > 0 for MOS_ROPE_LLAMA3, got ", c.rope_factor);
    check(std::isfinite(c.rope_low_freq_factor) && c.rope_low_freq_factor > 0.0f,
          MOS_STATUS_INVALID_ARGUMENT,
          "rope_low_freq_factor must be finite and > 0 for MOS_ROPE_LLAMA3, got ",
          c.rope_low_freq_factor);
    check(
        std::isfinite(c.rope_high_freq_factor) && c.rope_high_freq_factor > c.rope_low_freq_factor,
        MOS_STATUS_INVALID_ARGUMENT, "rope_high_freq_factor (", c.rope_high_freq_factor,
        ") must be finite and > rope_low_freq_factor (", c.rope_low_freq_factor,
        ") for MOS_ROPE_LLAMA3");
    check(c.rope_original_max_positions >= 1, MOS_STATUS_INVALID_ARGUMENT,
          "rope_original_max_positions must be >= 1 for MOS_ROPE_LLAMA3, got ",
          c.rope_original_max_positions);
  }
  check(c.qkv_bias == 0 || c.qkv_bias == 1, MOS_STATUS_INVALID_ARGUMENT,
        "qkv_bias must be 0 or 1, got ", c.qkv_bias);
  check(c.o_bias == 0 || c.o_bias == 1, MOS_STATUS_INVALID_ARGUMENT, "o_bias must be 0 or 1, got ",
        c.o_bias);
  check(c.tie_word_embeddings == 0 || c.tie_word_embeddings == 1, MOS_STATUS_INVALID_ARGUMENT,
        "tie_word_embeddings must be 0 or 1, got ", c.tie_word_embeddings);
  int32_t dtype;
  std::memcpy(&dtype, &c.weight_dtype, sizeof dtype);
  check(dtype == MOS_DTYPE_BF16 || dtype == MOS_DTYPE_F32, MOS_STATUS_INVALID_ARGUMENT,
        "weight_dtype must be MOS_DTYPE_BF16 = 1 or MOS_DTYPE_F32 = 0, got ", dtype);
  // Products index rows and columns with 32-bit BLAS dimensions.
  const int64_t q = static_cast<int64_t>(c.num_heads) * c.head_dim;
  check(q <= std::numeric_limits<int32_t>::max(), MOS_STATUS_INVALID_ARGUMENT,
        "num_heads * head_dim = ", q, " exceeds 2^31 - 1");
}

// ---- construction and weights -----------------------------------------------------------------

size_t Decoder::Weight::bytes() const {
  return static_cast<size_t>(rows * cols) * (dtype == MOS_DTYPE_BF16 ? 2 : 4);
}

int32_t Decoder::add_weight(const std::string& name, int64_t rows, int64_t cols, mos_dtype_t dtype,
                            bool matrix) {
  Weight wt;
  wt.name = name;
  wt.rows = rows;
  wt.cols = cols;
  wt.dtype = dtype;
  wt.matrix = matrix;
  const int32_t i = static_cast<int32_t>(weights_.size());
  by_name_.emplace(name, i);
  weights_.push_back(std::move(wt));
  return i;
}

Decoder::Decoder(std::shared_ptr<Context> ctx, const mos_decoder_config_t& cfg)
    : ctx_(std::move(ctx)), cfg_(cfg) {
  validate_config(cfg_);
  const mos_decoder_config_t& c = cfg_;
  const int64_t H = c.hidden_size, I = c.intermediate_size, V = c.vocab_size;
  const int64_t Q = static_cast<int64_t>(c.num_heads) * c.head_dim;
  const int64_t KV = static_cast<int64_t>(c.num_kv_heads) * c.head_dim;
  const mos_dtype_t md = c.weight_dtype;
  embed_ = add_weight("model.embed_tokens.weight", V, H, md, true);
  for (int32_t b = 0; b < c.num_layers; ++b) {
    const std::string pre = cat("model.layers.", b, ".");
    BlockWeights bw;
    bw.bias.fill(-1);
    bw.in_norm = add_weight(pre + "input_layernorm.weight", 1, H, MOS_DTYPE_F32, false);
    const int64_t out[kNumProj] = {Q, KV, KV, H, I, I, H};
    const int64_t in[kNumProj] = {H, H, H, Q, H, H, I};
    for (int32_t p = 0; p < kNumProj; ++p) {
      const std::string base = pre + (p <= kO ? "self_attn." : "mlp.") + kProjNames[p];
      if (p == kGate)
        bw.post_norm =
            add_weight(pre + "post_attention_layernorm.weight", 1, H, MOS_DTYPE_F32, false);
      bw.proj[p] = add_weight(base + ".weight", out[p], in[p], md, true);
      const bool bias = (p <= kV && c.qkv_bias) || (p == kO && c.o_bias);
      if (bias) bw.bias[p] = add_weight(base + ".bias", 1, out[p], MOS_DTYPE_F32, false);
    }
    blocks_.push_back(bw);
  }
  final_norm_ = add_weight("model.norm.weight", 1, H, MOS_DTYPE_F32, false);
  lm_head_ = c.tie_word_embeddings ? embed_ : add_weight("lm_head.weight", V, H, md, true);

  // The whole need first: a failure then names the model, not one of its tensors.
  const std::string what = "the decoder's weights";
  uint64_t total = 0;
  for (const Weight& wt : weights_) {
    const uint64_t n =
        checked_mul(static_cast<uint64_t>(wt.rows), static_cast<uint64_t>(wt.cols), what);
    total = checked_add(total, checked_mul(n, wt.dtype == MOS_DTYPE_BF16 ? 2 : 4, what), what);
  }
  require_memory(backend(), total, what,
                 cat(" (", weights_.size(), " tensors, ", c.num_layers, " blocks, ", dtype_name(md),
                     " matrices)"));
  for (Weight& wt : weights_) {
    wt.data.bind(&backend());
    wt.data.reserve(wt.bytes());
  }
  for (Buffer& b : ws_) b.bind(&backend());

  // RoPE inverse frequencies, once (HF computes them in f32 at model creation too).
  const int32_t half = c.head_dim / 2;
  inv_freq_host_.resize(static_cast<size_t>(half));
  for (int32_t i = 0; i < half; ++i) {
    float f = rope::inv_freq_default(i, c.head_dim, c.rope_theta);
    if (c.rope_type == MOS_ROPE_LLAMA3)
      f = rope::inv_freq_llama3(f, c.rope_factor, c.rope_low_freq_factor, c.rope_high_freq_factor,
                                c.rope_original_max_positions);
    inv_freq_host_[i] = f;
  }
  inv_freq_.bind(&backend());
  inv_freq_.reserve(sizeof(float) * half);
  backend().copy_to_device(inv_freq_.data(), inv_freq_host_.data(), sizeof(float) * half);
}

Decoder::~Decoder() = default;

const Decoder::Weight& Decoder::weight(int32_t index) const {
  check(index >= 0 && index < weight_count(), MOS_STATUS_INDEX_OUT_OF_RANGE, "index ", index,
        " is outside the decoder's weights [0, ", weight_count(), ")");
  return weights_[index];
}

int32_t Decoder::find_weight(const std::string& name) const {
  auto it = by_name_.find(name);
  if (it != by_name_.end()) return it->second;
  const mos_decoder_config_t& c = cfg_;
  if (name == "lm_head.weight")
    fail(MOS_STATUS_INVALID_ARGUMENT,
         "weight 'lm_head.weight' is not expected: "
         "tie_word_embeddings is 1, so the lm_head is model.embed_tokens.weight");
  if (name.size() > 5 && name.compare(name.size() - 5, 5, ".bias") == 0 &&
      name.find("self_attn.") != std::string::npos)
    fail(MOS_STATUS_INVALID_ARGUMENT, "weight '", name, "' is not expected: this decoder has ",
         "qkv_bias = ", c.qkv_bias, " and o_bias = ", c.o_bias);
  fail(MOS_STATUS_INVALID_ARGUMENT, "unknown weight name '", name,
       "' (expected model.embed_tokens.weight, model.norm.weight",
       c.tie_word_embeddings ? "" : ", lm_head.weight",
       ", or model.layers.{i}.{input_layernorm,post_attention_layernorm}.weight, "
       "model.layers.{i}.self_attn.{q,k,v,o}_proj.weight, "
       "model.layers.{i}.mlp.{gate,up,down}_proj.weight",
       c.qkv_bias ? ", model.layers.{i}.self_attn.{q,k,v}_proj.bias" : "",
       c.o_bias ? ", model.layers.{i}.self_attn.o_proj.bias" : "", " with 0 <= i < ", c.num_layers,
       ")");
}

void Decoder::set_weight(const char* name, mos_dtype_t src_dtype, int64_t rows, int64_t cols,
                         const void* data) {
  const int32_t i = find_weight(name);
  Weight& wt = weights_[i];
  int32_t sd;
  std::memcpy(&sd, &src_dtype, sizeof sd);
  check(sd == MOS_DTYPE_F32 || sd == MOS_DTYPE_BF16 || sd == MOS_DTYPE_F16,
        MOS_STATUS_INVALID_ARGUMENT,
        "src_dtype must be MOS_DTYPE_F32 = 0, MOS_DTYPE_BF16 = 1 or "
        "MOS_DTYPE_F16 = 3, got ",
        sd);
  check(rows == wt.rows && cols == wt.cols, MOS_STATUS_SHAPE_MISMATCH, "'", wt.name, "' is [", rows,
        " x ", cols, "] but the decoder expects [", wt.rows, " x ", wt.cols, "]",
        wt.rows == 1 ? " (a 1-D tensor is rows = 1)" : "");
  check(!merged_, MOS_STATUS_INVALID_STATE,
        "the decoder is merged (its attached pools are inside the weights); unmerge it first");
  // Converted in slices through a small host buffer: a large tensor never exists twice on the host.
  constexpr int64_t kSlice = int64_t{1} << 20;
  const int64_t n = rows * cols;
  const size_t out_size = wt.dtype == MOS_DTYPE_BF16 ? 2 : 4;
  std::vector<unsigned char> host(static_cast<size_t>(std::min(n, kSlice)) * out_size);
  Backend& be = backend();
  for (int64_t e0 = 0; e0 < n; e0 += kSlice) {
    const int64_t len = std::min(kSlice, n - e0);
    if (wt.dtype == MOS_DTYPE_BF16) {
      uint16_t* out = reinterpret_cast<uint16_t*>(host.data());
      if (sd == MOS_DTYPE_BF16) {
        std::memcpy(out, static_cast<const uint16_t*>(data) + e0, sizeof(uint16_t) * len);
      } else if (sd == MOS_DTYPE_F32) {
        const float* src = static_cast<const float*>(data) + e0;
        for (int64_t e = 0; e < len; ++e) out[e] = bf16::from_f32(src[e]);
      } else {
        const uint16_t* src = static_cast<const uint16_t*>(data) + e0;
        for (int64_t e = 0; e < len; ++e) out[e] = bf16::from_f32(f16_to_f32(src[e]));
      }
    } else {
      float* out = reinterpret_cast<float*>(host.data());
      if (sd == MOS_DTYPE_F32) {
        std::memcpy(out, static_cast<const float*>(data) + e0, sizeof(float) * len);
      } else if (sd == MOS_DTYPE_BF16) {
        const uint16_t* src = static_cast<const uint16_t*>(data) + e0;
        for (int64_t e = 0; e < len; ++e) out[e] = bf16::to_f32(src[e]);
      } else {
        const uint16_t* src = static_cast<const uint16_t*>(data) + e0;
        for (int64_t e = 0; e < len; ++e) out[e] = f16_to_f32(src[e]);
      }
    }
    be.copy_to_device(static_cast<unsigned char*>(wt.data.data()) + e0 * out_size, host.data(),
                      static_cast<size_t>(len) * out_size);
  }
  wt.set = true;
}

void Decoder::get_weight(const char* name, mos_dtype_t dst_dtype, int64_t rows, int64_t cols,
                         void* dst) const {
  const int32_t i = find_weight(name);
  const Weight& wt = weights_[i];
  int32_t dd;
  std::memcpy(&dd, &dst_dtype, sizeof dd);
  check(dd == MOS_DTYPE_F32 || dd == MOS_DTYPE_BF16 || dd == MOS_DTYPE_F16,
        MOS_STATUS_INVALID_ARGUMENT,
        "dst_dtype must be MOS_DTYPE_F32 = 0, MOS_DTYPE_BF16 = 1 or "
        "MOS_DTYPE_F16 = 3, got ",
        dd);
  check(rows == wt.rows && cols == wt.cols, MOS_STATUS_SHAPE_MISMATCH, "'", wt.name, "' is [",
        wt.rows, " x ", wt.cols, "] but [", rows, " x ", cols, "] was asked for",
        wt.rows == 1 ? " (a 1-D tensor is rows = 1)" : "");
  check(wt.set, MOS_STATUS_INVALID_STATE, "weight '", wt.name,
        "' was never set (mos_decoder_set_weight)");
  const int64_t n = rows * cols;
  const size_t in_size = wt.dtype == MOS_DTYPE_BF16 ? 2 : 4;
  const size_t out_size = dd == MOS_DTYPE_F32 ? 4 : 2;
  Backend& be = backend();
  if (dd == wt.dtype) {  // as stored
    be.copy_to_host(dst, wt.data.data(), static_cast<size_t>(n) * in_size);
    return;
  }
  // Converted in slices through a small host buffer, as set_weight does.
  constexpr int64_t kSlice = int64_t{1} << 20;
  std::vector<unsigned char> host(static_cast<size_t>(std::min(n, kSlice)) * in_size);
  for (int64_t e0 = 0; e0 < n; e0 += kSlice) {
    const int64_t len = std::min(kSlice, n - e0);
    be.copy_to_host(host.data(), static_cast<const unsigned char*>(wt.data.data()) + e0 * in_size,
                    static_cast<size_t>(len) * in_size);
    unsigned char* out = static_cast<unsigned char*>(dst) + e0 * out_size;
    for (int64_t e = 0; e < len; ++e) {
      float v;
      if (wt.dtype == MOS_DTYPE_BF16) {
        v = bf16::to_f32(reinterpret_cast<const uint16_t*>(host.data())[e]);
      } else {
        v = reinterpret_cast<const float*>(host.data())[e];
      }
      if (dd == MOS_DTYPE_F32) {
        reinterpret_cast<float*>(out)[e] = v;
      } else {
        reinterpret_cast<uint16_t*>(out)[e] =
            dd == MOS_DTYPE_BF16 ? bf16::from_f32(v) : f32_to_f16(v);
      }
    }
  }
}

void Decoder::require_weights() const {
  int32_t missing = 0, first = -1;
  for (int32_t i = 0; i < weight_count(); ++i) {
    if (weights_[i].set) continue;
    if (first < 0) first = i;
    ++missing;
  }
  check(first < 0, MOS_STATUS_INVALID_STATE, "weight '", first >= 0 ? weights_[first].name : "",
        "' was never set (mos_decoder_set_weight); ", missing, " of ", weight_count(),
        " weights are missing");
}

int64_t Decoder::kv_bytes_per_token() const {
  return static_cast<int64_t>(cfg_.num_layers) * 2 * cfg_.num_kv_heads * cfg_.head_dim *
         static_cast<int64_t>(sizeof(float));
}

// ---- adapters ---------------------------------------------------------------------------------

int32_t Decoder::proj_dim_in(int32_t p) const {
  return static_cast<int32_t>(w(blocks_[0].proj[p]).cols);
}
int32_t Decoder::proj_dim_out(int32_t p) const {
  return static_cast<int32_t>(w(blocks_[0].proj[p]).rows);
}

void Decoder::attach_pool(const std::string& projection, std::shared_ptr<Pool> pool) {
  const int32_t p = proj_index(projection);
  check(p >= 0, MOS_STATUS_INVALID_ARGUMENT, "unknown projection '", projection,
        "' (expected q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj or down_proj)");
  check(!merged_, MOS_STATUS_INVALID_STATE, "the decoder is merged; unmerge it before changing ",
        "the pool of ", projection);
  if (pool) {
    const MosConfig& c = pool->cfg();
    check(&pool->context() == ctx_.get(), MOS_STATUS_INVALID_ARGUMENT, "the pool for ", projection,
          " belongs to another context than the decoder");
    check(c.d_in == proj_dim_in(p) && c.d_out == proj_dim_out(p), MOS_STATUS_SHAPE_MISMATCH,
          "the pool for ", projection, " is ", c.d_in, " -> ", c.d_out, " but the decoder's ",
          projection, " is ", proj_dim_in(p), " -> ", proj_dim_out(p), " (d_in -> d_out)");
    check(c.num_blocks == cfg_.num_layers, MOS_STATUS_SHAPE_MISMATCH, "the pool for ", projection,
          " has L = ", c.num_blocks, " blocks but the decoder has ", cfg_.num_layers);
  }
  pools_[p] = std::move(pool);
}

bool Decoder::pools_active() const {
  if (merged_) return false;
  for (const auto& pl : pools_)
    if (pl) return true;
  return false;
}

void Decoder::require_pool_indices() const {
  for (int32_t p = 0; p < kNumProj; ++p) {
    if (!pools_[p]) continue;
    for (int32_t b = 0; b < cfg_.num_layers; ++b) {
      try {
        pools_[p]->require_indices(b);
      } catch (const Error& e) {
        fail(e.status(), "the pool attached to ", kProjNames[p], ": ", e.what());
      }
    }
  }
}

int32_t Decoder::r_total() const {
  int32_t r = 0;
  for (const auto& pl : pools_)
    if (pl) r += pl->cfg().r;
  return r;
}

int32_t Decoder::r_max() const {
  int32_t r = 0;
  for (const auto& pl : pools_)
    if (pl) r = std::max(r, pl->cfg().r);
  return r;
}

void Decoder::merge() {
  check(!merged_, MOS_STATUS_INVALID_STATE, "the decoder is already merged");
  check(cfg_.weight_dtype == MOS_DTYPE_F32, MOS_STATUS_UNSUPPORTED,
        "merge needs F32 weight storage: BF16 weights cannot hold W + delta and give W back on "
        "unmerge");
  require_weights();
  require_pool_indices();
  for (int32_t p = 0; p < kNumProj; ++p) {
    if (!pools_[p]) continue;
    Pool& pool = *pools_[p];
    for (int32_t b = 0; b < cfg_.num_layers; ++b)
      adapter::add_delta(backend(), pool.cfg(), pool.factors(b), +1.0f,
                         weights_[blocks_[b].proj[p]].data.f32());
  }
  merged_pools_ = pools_;
  merged_ = true;
}

void Decoder::unmerge() {
  check(merged_, MOS_STATUS_INVALID_STATE, "the decoder is not merged");
  for (int32_t p = 0; p < kNumProj; ++p) {
    if (!merged_pools_[p]) continue;
    Pool& pool = *merged_pools_[p];
    for (int32_t b = 0; b < cfg_.num_layers; ++b)
      adapter::add_delta(backend(), pool.cfg(), pool.factors(b), -1.0f,
                         weights_[blocks_[b].proj[p]].data.f32());
  }
  merged_pools_ = {};
  merged_ = false;
}

// ---- products with the frozen weights ---------------------------------------------------------

void Decoder::linear(int32_t wi, const float* x, int64_t m, float beta, float* y) {
  const Weight& W = w(wi);
  Backend& be = backend();
  if (W.dtype == MOS_DTYPE_F32) {
    be.gemm(false, true, m, W.rows, W.cols, 1.0f, x, W.cols, W.data.f32(), W.cols, beta, y, W.rows);
  } else {
    be.gemm_bf16_nt(m, W.rows, W.cols, x, W.cols, static_cast<const uint16_t*>(W.data.data()), beta,
                    y, W.rows, ws_[kGemm].f32());
  }
}

void Decoder::linear_t(int32_t wi, const float* dy, int64_t m, float beta, float* dx) {
  const Weight& W = w(wi);
  Backend& be = backend();
  if (W.dtype == MOS_DTYPE_F32) {
    be.gemm(false, false, m, W.cols, W.rows, 1.0f, dy, W.rows, W.data.f32(), W.cols, beta, dx,
            W.cols);
  } else {
    be.gemm_bf16_nn(m, W.rows, W.cols, dy, W.rows, static_cast<const uint16_t*>(W.data.data()),
                    beta, dx, W.cols, ws_[kGemm].f32());
  }
}

}  // namespace model
}  // namespace mos
