// SPDX-License-Identifier: Apache-2.0
// optim.cpp: AdamW steps (bias corrections computed in double with t = step after increment)
// and torch.nn.utils.clip_grad_norm_-style clipping over every added pool group.
#include "optim.h"

#include <cmath>
#include <limits>

#include "error.h"

namespace mos {

void validate_adamw(const AdamWConfig& c) {
  constexpr auto bad = MOS_STATUS_INVALID_ARGUMENT;
  check(std::isfinite(c.lr) && c.lr >= 0.0f, bad, "lr must be finite and >= 0, got ", c.lr);
  check(c.beta1 >= 0.0f && c.beta1 < 1.0f, bad, "beta1 must satisfy 0 <= beta1 < 1, got ", c.beta1);
  check(c.beta2 >= 0.0f && c.beta2 < 1.0f, bad, "beta2 must satisfy 0 <= beta2 < 1, got ", c.beta2);
  check(std::isfinite(c.eps) && c.eps >= 0.0f, bad, "eps must be finite and >= 0, got ", c.eps);
  check(std::isfinite(c.weight_decay) && c.weight_decay >= 0.0f, bad,
        "weight_decay must be finite and >= 0, got ", c.weight_decay);
}

AdamWParams adamw_step_params(const AdamWConfig& c, int64_t t) {
  AdamWParams hp{};
  hp.lr = c.lr;
  hp.beta1 = c.beta1;
  hp.beta2 = c.beta2;
  hp.eps = c.eps;
  hp.weight_decay = c.weight_decay;
  hp.bias_correction1 = static_cast<float>(1.0 - std::pow(static_cast<double>(c.beta1), t));
  hp.bias_correction2 = static_cast<float>(1.0 - std::pow(static_cast<double>(c.beta2), t));
  return hp;
}

void AdamW::add_pool(std::shared_ptr<Pool> pool) {
  check(&pool->context() == ctx_.get(), MOS_STATUS_INVALID_ARGUMENT,
        "the pool belongs to another context than the optimizer");
  for (const auto& p : pools_)
    check(p != pool, MOS_STATUS_INVALID_ARGUMENT,
          "the pool was already added (each pool is optimized and clipped once)");
  pools_.push_back(std::move(pool));
}

void AdamW::set_lr(float lr) {
  check(std::isfinite(lr) && lr >= 0.0f, MOS_STATUS_INVALID_ARGUMENT,
        "lr must be finite and >= 0, got ", lr);
  cfg_.lr = lr;
}

void AdamW::set_steps(int64_t step) {
  check(step >= 0 && step < std::numeric_limits<int64_t>::max(), MOS_STATUS_INVALID_ARGUMENT,
        "step must be in [0, 2^63 - 1), got ", step);
  step_ = step;
}

double AdamW::clip_grad_norm(float max_norm) {
  check(!std::isnan(max_norm), MOS_STATUS_INVALID_ARGUMENT, "max_norm is NaN");
  Backend& be = *ctx_->backend;
  double sq = 0.0;
  for (const auto& p : pools_) {
    sq += be.sum_squares(p->size_a(), p->array(MOS_POOL_GRAD_A));
    sq += be.sum_squares(p->size_b(), p->array(MOS_POOL_GRAD_B));
  }
  const double norm = std::sqrt(sq);
  if (max_norm > 0.0f && norm > max_norm) {
    const float factor = static_cast<float>(max_norm / (norm + 1e-6));
    for (const auto& p : pools_) {
      be.scale(p->size_a(), factor, p->array(MOS_POOL_GRAD_A));
      be.scale(p->size_b(), factor, p->array(MOS_POOL_GRAD_B));
    }
  }
  return norm;
}

void AdamW::step() {
  // set_steps keeps step_ below the maximum; a step at the maximum count is refused here
  // instead of overflowing it.
  check(step_ < std::numeric_limits<int64_t>::max(), MOS_STATUS_INVALID_STATE,
        "the step count is at its maximum");
  const int64_t t = step_ + 1;
  const AdamWParams hp = adamw_step_params(cfg_, t);
  Backend& be = *ctx_->backend;
  for (const auto& p : pools_) {
    be.adamw(p->size_a(), hp, p->array(MOS_POOL_GRAD_A), p->array(MOS_POOL_A),
             p->array(MOS_POOL_ADAM_M_A), p->array(MOS_POOL_ADAM_V_A));
    be.adamw(p->size_b(), hp, p->array(MOS_POOL_GRAD_B), p->array(MOS_POOL_B),
             p->array(MOS_POOL_ADAM_M_B), p->array(MOS_POOL_ADAM_V_B));
    p->params_changed();
  }
  step_ = t;
}

void AdamW::zero_grad() {
  for (const auto& p : pools_) p->zero_grad();
}

}  // namespace mos
