// SPDX-License-Identifier: Apache-2.0
// decoder.h: mos::model::Decoder, a Llama-family decoder (HF LlamaForCausalLM) behind mos.h's
// mos_decoder_t: weights by Hugging Face name, training forward/backward over a packed batch into
// the attached MoS pools (and, when the base is trainable, into every base weight), inference
// (full or through a paged KV cache) and merge / unmerge.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "buffer.h"
#include "context.h"
#include "mos/mos.h"
#include "optim.h"
#include "pool.h"

namespace mos {

namespace bank {
class Bank;
}

namespace model {

class KvCache;

// The seven adaptable projections, in the order of mos.h's weight list.
enum Proj : int32_t { kQ = 0, kK, kV, kO, kGate, kUp, kDown, kNumProj };
const char* proj_name(int32_t p);             // "q_proj" ...
int32_t proj_index(const std::string& name);  // -1 when not one of the seven

// INVALID_ARGUMENT naming the first bad field and its value.
void validate_config(const mos_decoder_config_t& c);

// A packed batch in host memory (mos_batch_t after validation).
struct HostBatch {
  int32_t num_seqs = 0;
  const int32_t* lengths = nullptr;
  const int32_t* tokens = nullptr;
  const int32_t* targets = nullptr;  // may be null
  int64_t total = 0;                 // sum of lengths
  int32_t max_len = 0;
};

// One sequence of a mos_decoder_step (validated by the caller's checks in step()).
struct StepArgs {
  int32_t num_seqs = 0;
  const int32_t* seq_ids = nullptr;
  const int32_t* lengths = nullptr;
  const int32_t* tokens = nullptr;
  const int32_t* adapter_ids = nullptr;  // null: the attached pools
};

class Decoder {
 public:
  // cfg must be valid. Allocates every weight (zero); OUT_OF_MEMORY, before allocating, when
  // they do not fit.
  Decoder(std::shared_ptr<Context> ctx, const mos_decoder_config_t& cfg);
  ~Decoder();

  const mos_decoder_config_t& cfg() const { return cfg_; }
  Context& context() const { return *ctx_; }
  Backend& backend() const { return *ctx_->backend; }

  // ---- weights (mos_decoder_set_weight, mos_decoder_weight_count / _info) ----
  struct Weight {
    std::string name;
    int64_t rows = 0, cols = 0;
    mos_dtype_t dtype = MOS_DTYPE_F32;  // storage: weight_dtype for matrices, F32 for vectors
    bool matrix = false;                // embedding, projections, lm_head (weight decay applies)
    Buffer data;
    bool set = false;
    size_t bytes() const;
  };
  int32_t weight_count() const { return static_cast<int32_t>(weights_.size()); }
  const Weight& weight(int32_t index) const;  // INDEX_OUT_OF_RANGE
  void set_weight(const char* name, mos_dtype_t src_dtype, int64_t rows, int64_t cols,
                  const void* data);
  // INVALID_STATE naming the first weight never set.
  void require_weights() const;
  // mos_decoder_get_weight: the weight converted to dst_dtype (F32, BF16, F16) into host memory.
  void get_weight(const char* name, mos_dtype_t dst_dtype, int64_t rows, int64_t cols,
                  void* dst) const;

  // ---- training the base (base_train.cpp; docs/llm.md "Training the base") ----
  void set_base_trainable(bool on);
  bool base_trainable() const { return base_trainable_; }
  // The calls below throw INVALID_STATE unless the base is trainable.
  void base_zero_grad();
  double base_grad_norm() const;
  // AdamW on every base weight (decay on matrices only) after clipping the gradients' global
  // norm to max_grad_norm (> 0); returns the norm before clipping.
  double base_step(const AdamWConfig& opt, float max_grad_norm);
  int64_t base_steps() const;
  void set_base_steps(int64_t step);
  void base_read(const char* name, mos_base_array_t which, float* dst, int64_t n) const;
  void base_write(const char* name, mos_base_array_t which, const float* src, int64_t n);

  // ---- adapters ----
  void attach_pool(const std::string& projection, std::shared_ptr<Pool> pool);
  void set_dropout_state(uint64_t seed, uint64_t counter) {
    drop_seed_ = seed;
    drop_counter_ = counter;
  }
  uint64_t dropout_seed() const { return drop_seed_; }
  uint64_t dropout_counter() const { return drop_counter_; }
  void set_recompute(bool on) { recompute_ = on; }
  void merge();
  void unmerge();

  // ---- compute ----
  // The batch's numbers checked (lengths, token ids, target ids): INVALID_ARGUMENT otherwise.
  HostBatch check_batch(const mos_batch_t& batch) const;
  void loss(const HostBatch& batch, bool backward, float grad_scale, double* loss_sum,
            int64_t* loss_count);
  void logits(const HostBatch& batch, float* host_logits);
  // logits [num_seqs x vocab] (host) of each sequence's last new token; bank may be null.
  void step(KvCache& cache, bank::Bank* bank, const StepArgs& args, float* host_logits);

  int64_t kv_bytes_per_token() const;

 private:
  struct BlockWeights {
    int32_t in_norm, post_norm;
    std::array<int32_t, kNumProj> proj;  // weight index per projection
    std::array<int32_t, kNumProj> bias;  // -1: none
  };
  // One block's activations (backend memory), either saved for backward or scratch.
  struct BlockSet {
    float *hin = nullptr, *q = nullptr, *k = nullptr, *v = nullptr, *o = nullptr, *lse = nullptr;
    float *inv1 = nullptr, *hmid = nullptr, *inv2 = nullptr, *g = nullptr, *up = nullptr;
    std::array<float*, kNumProj> au{};  // u = dropout(x) A^T of each attached projection
  };
  // Rows of logits computed at once by the lm_head: a [chunk x vocab] block of 32 MiB at most,
  // so a training step never holds a [tokens x vocab] array.
  static constexpr int64_t kHeadFloats = int64_t{8} << 20;
  enum class Source { kNone, kPools, kBank };
  // What one forward (and backward) over T tokens does; built by loss / logits / step.
  struct Pass {
    int64_t T = 0;
    int32_t num_seqs = 0, max_len = 0;
    bool train = false;      // dropout on, activations kept for backward
    bool recompute = false;  // keep only block inputs; recompute each block in backward
    Source source = Source::kNone;
    bank::Bank* bank = nullptr;
    std::array<int32_t, kNumProj> bank_slot{};  // -1: no adapter of the bank adapts it
    const int32_t* token_adapters = nullptr;    // host [T] (kBank)
    uint64_t counter = 0;                       // dropout counter of this pass
    int64_t head_rows = 0, chunk = 0;           // rows through the lm_head, rows per chunk
    bool targets = false;                       // head rows are the positions with a target
    KvCache* cache = nullptr;                   // paged attention (step) when set
    int32_t max_q = 0, max_ctx = 0, max_pages = 0;
  };

  int32_t add_weight(const std::string& name, int64_t rows, int64_t cols, mos_dtype_t dtype,
                     bool matrix);
  int32_t find_weight(const std::string& name) const;  // INVALID_ARGUMENT with the pattern
  const Weight& w(int32_t i) const { return weights_[i]; }
  int32_t proj_dim_in(int32_t p) const;
  int32_t proj_dim_out(int32_t p) const;
  int32_t r_total() const;  // sum of r over attached projections
  int32_t r_max() const;
  bool pools_active() const;
  void require_pool_indices() const;
  // The base's training state (base_train.cpp).
  void require_base_trainable() const;  // INVALID_STATE when the base is frozen
  float* base_grad(int32_t wi) const { return base_[wi].grad.f32(); }
  const Buffer& base_array(int32_t wi, mos_base_array_t which) const;

  // y [m x n] = x W^T + beta y (W [n x k] in its storage) / dx [m x k] = dy W + beta dx.
  void linear(int32_t wi, const float* x, int64_t m, float beta, float* y);
  void linear_t(int32_t wi, const float* dy, int64_t m, float beta, float* dx);
  void proj_forward(const Pass& p, int32_t b, int32_t proj, const float* x, float* y, float* au);
  void proj_backward(const Pass& p, int32_t b, int32_t proj, const float* x, const float* dy,
                     const float* au, float beta, float* dx);

  // pass.cpp
  int64_t layout(const Pass& p, float* base, BlockSet* s) const;  // floats of one block's set
  void plan_workspace(const Pass& p);
  BlockSet block_set(const Pass& p, int32_t b);
  void upload_batch(const Pass& p, const HostBatch& batch);
  void block_forward(const Pass& p, int32_t b, float* h, const BlockSet& s);
  void block_backward(const Pass& p, int32_t b, const BlockSet& s, float* dh);
  void forward(const Pass& p);
  double head(const Pass& p, bool backward, float grad_scale);
  void backward(const Pass& p);
  Pass make_pass(const HostBatch& batch, bool train) const;

  std::shared_ptr<Context> ctx_;  // first member: outlives the buffers below
  mos_decoder_config_t cfg_;
  std::vector<Weight> weights_;
  std::unordered_map<std::string, int32_t> by_name_;
  int32_t embed_ = -1, final_norm_ = -1, lm_head_ = -1;
  std::vector<BlockWeights> blocks_;
  std::vector<float> inv_freq_host_;
  Buffer inv_freq_;

  std::array<std::shared_ptr<Pool>, kNumProj> pools_{};
  bool merged_ = false;
  std::array<std::shared_ptr<Pool>, kNumProj> merged_pools_{};
  uint64_t drop_seed_ = 0, drop_counter_ = 0;
  bool recompute_ = false;

  // Training the base: per weight (same index) its gradient and AdamW moments, all F32; empty
  // while the base is frozen.
  struct BaseState {
    BaseState(Backend* be, size_t bytes) : grad(be, bytes), m(be, bytes), v(be, bytes) {}
    Buffer grad, m, v;
  };
  bool base_trainable_ = false;
  std::vector<BaseState> base_;
  int64_t base_step_ = 0;
  std::vector<float> host_ones_;  // a column of ones: bias gradients are ones^T dy products

  // Grow-only workspaces (plan_workspace checks their growth against memory first).
  enum Ws : int {
    kIds,
    kPos,
    kStarts,
    kRows,
    kTargets,
    kCos,
    kSin,
    kH,
    kN,
    kT,
    kAct,
    kInvF,
    kXd,
    kDu,
    kAttn,
    kGemm,
    kDh,
    kDn,
    kDq,
    kDk,
    kDv,
    kDo,
    kDact,
    kDg,
    kDup,
    kHc,
    kLogits,
    kDhc,
    kLoss,
    kSlots,
    kQStarts,
    kCtxLens,
    kPageTables,
    kLast,
    kBlock,
    kSaved,
    kOnes,
    kWsCount
  };
  std::array<Buffer, kWsCount> ws_;
  std::vector<int32_t> host_i32_;  // staging of index arrays (grow-only)
  std::vector<double> host_loss_;
  std::vector<int32_t> host_adapters_;                  // per token adapter ids of a bank step
  std::vector<int32_t> host_ids_;                       // a step's sequence ids, sorted
  std::vector<std::pair<int32_t, size_t>> host_grown_;  // a step's page growth, for rollback
};

}  // namespace model
}  // namespace mos
