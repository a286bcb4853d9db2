// SPDX-License-Identifier: Apache-2.0
// base_train.cpp: training the decoder's base weights themselves (pretraining, full fine-tuning):
// per weight an F32 gradient and two AdamW moments, the global-norm clip and the AdamW step (the
// pools' update, decay on matrices only), and the state's read / write for checkpoints.
#include <cmath>
#include <limits>

#include "error.h"
#include "memory.h"
#include "model/decoder.h"

namespace mos {
namespace model {

namespace {

const char* array_name(mos_base_array_t which) {
  switch (which) {
    case MOS_BASE_GRAD: return "gradient";
    case MOS_BASE_ADAM_M: return "first moment (MOS_BASE_ADAM_M)";
    default: return "second moment (MOS_BASE_ADAM_V)";
  }
}

}  // namespace

void Decoder::require_base_trainable() const {
  check(base_trainable_, MOS_STATUS_INVALID_STATE,
        "the base is not trainable (mos_decoder_set_base_trainable(dec, 1) first)");
}

const Buffer& Decoder::base_array(int32_t wi, mos_base_array_t which) const {
  const BaseState& st = base_[wi];
  return which == MOS_BASE_GRAD ? st.grad : which == MOS_BASE_ADAM_M ? st.m : st.v;
}

void Decoder::set_base_trainable(bool on) {
  if (!on) {
    std::vector<BaseState>().swap(base_);
    base_trainable_ = false;
    base_step_ = 0;
    return;
  }
  if (base_trainable_) return;
  check(cfg_.weight_dtype == MOS_DTYPE_F32, MOS_STATUS_UNSUPPORTED,
        "training the base needs F32 weight storage: this decoder stores its matrices in BF16, "
        "whose resolution (1/256 of a weight) is coarser than most AdamW updates, which would "
        "round away; create the decoder with weight_dtype = MOS_DTYPE_F32");
  check(!merged_, MOS_STATUS_INVALID_STATE,
        "the decoder is merged (its attached pools are inside the weights); unmerge it first");
  // Gradient and two moments of every weight, F32: the whole need first.
  const std::string what = "training the base";
  uint64_t params = 0;
  for (const Weight& wt : weights_)
    params = checked_add(
        params, checked_mul(static_cast<uint64_t>(wt.rows), static_cast<uint64_t>(wt.cols), what),
        what);
  require_memory(backend(), checked_mul(params, 3 * sizeof(float), what), what,
                 cat(" (gradients and two AdamW moments, F32, of ", params, " parameters in ",
                     weights_.size(), " tensors)"));
  std::vector<BaseState> fresh;
  fresh.reserve(weights_.size());
  for (const Weight& wt : weights_)
    fresh.emplace_back(&backend(), static_cast<size_t>(wt.rows * wt.cols) * sizeof(float));
  base_.swap(fresh);
  base_trainable_ = true;
  base_step_ = 0;
}

void Decoder::base_zero_grad() {
  require_base_trainable();
  for (int32_t i = 0; i < weight_count(); ++i)
    backend().fill_zero(base_grad(i), sizeof(float) * weights_[i].rows * weights_[i].cols);
}

double Decoder::base_grad_norm() const {
  require_base_trainable();
  double sq = 0.0;
  for (int32_t i = 0; i < weight_count(); ++i)
    sq += backend().sum_squares(weights_[i].rows * weights_[i].cols, base_grad(i));
  return std::sqrt(sq);
}

double Decoder::base_step(const AdamWConfig& opt, float max_grad_norm) {
  require_base_trainable();
  validate_adamw(opt);
  check(!std::isnan(max_grad_norm), MOS_STATUS_INVALID_ARGUMENT, "max_grad_norm is NaN");
  check(!merged_, MOS_STATUS_INVALID_STATE,
        "the decoder is merged (its attached pools are inside the weights); unmerge it first");
  require_weights();
  check(base_step_ < std::numeric_limits<int64_t>::max(), MOS_STATUS_INVALID_STATE,
        "the base's step count is at its maximum");
  const double norm = base_grad_norm();
  check(std::isfinite(norm), MOS_STATUS_INVALID_STATE, "the base gradients' global L2 norm is ",
        norm, "; nothing was updated (the step would make every weight NaN)");
  Backend& be = backend();
  if (max_grad_norm > 0.0f && norm > max_grad_norm) {
    const float factor = static_cast<float>(max_grad_norm / (norm + 1e-6));
    for (int32_t i = 0; i < weight_count(); ++i)
      be.scale(weights_[i].rows * weights_[i].cols, factor, base_grad(i));
  }
  const int64_t t = base_step_ + 1;
  AdamWParams hp = adamw_step_params(opt, t);
  for (int32_t i = 0; i < weight_count(); ++i) {
    Weight& wt = weights_[i];
    BaseState& st = base_[i];
    // Decoupled decay pulls matrices towards 0; a norm weight of 0 or a shrunken bias would not
    // be a "smaller" model (nanoGPT's and HF Trainer's split: 2-D tensors only).
    hp.weight_decay = wt.matrix ? opt.weight_decay : 0.0f;
    be.adamw(wt.rows * wt.cols, hp, st.grad.f32(), wt.data.f32(), st.m.f32(), st.v.f32());
  }
  base_step_ = t;
  return norm;
}

int64_t Decoder::base_steps() const {
  require_base_trainable();
  return base_step_;
}

void Decoder::set_base_steps(int64_t step) {
  require_base_trainable();
  check(step >= 0 && step < std::numeric_limits<int64_t>::max(), MOS_STATUS_INVALID_ARGUMENT,
        "step must be in [0, 2^63 - 1), got ", step);
  base_step_ = step;
}

void Decoder::base_read(const char* name, mos_base_array_t which, float* dst, int64_t n) const {
  const int32_t i = find_weight(name);
  const Weight& wt = weights_[i];
  check(n == wt.rows * wt.cols, MOS_STATUS_SHAPE_MISMATCH, "num_elements is ", n, " but '", wt.name,
        "' [", wt.rows, " x ", wt.cols, "] has ", wt.rows * wt.cols);
  require_base_trainable();
  backend().copy_to_host(dst, base_array(i, which).data(), sizeof(float) * n);
}

void Decoder::base_write(const char* name, mos_base_array_t which, const float* src, int64_t n) {
  const int32_t i = find_weight(name);
  const Weight& wt = weights_[i];
  check(n == wt.rows * wt.cols, MOS_STATUS_SHAPE_MISMATCH, "num_elements is ", n, " but '", wt.name,
        "' [", wt.rows, " x ", wt.cols, "] has ", wt.rows * wt.cols);
  require_base_trainable();
  for (int64_t e = 0; e < n; ++e) {
    check(std::isfinite(src[e]), MOS_STATUS_INVALID_ARGUMENT, "src[", e, "] (row ", e / wt.cols,
          ", column ", e % wt.cols, ") is ", src[e], ": the ", array_name(which), " of '", wt.name,
          "' must be finite");
    check(which != MOS_BASE_ADAM_V || src[e] >= 0.0f, MOS_STATUS_INVALID_ARGUMENT, "src[", e,
          "] (row ", e / wt.cols, ", column ", e % wt.cols, ") is ", src[e], ": the ",
          array_name(which), " of '", wt.name, "' must be >= 0");
  }
  backend().copy_to_device(base_array(i, which).data(), src, sizeof(float) * n);
}

}  // namespace model
}  // namespace mos
