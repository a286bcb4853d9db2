// SPDX-License-Identifier: Apache-2.0
// optim.h: mos::AdamW, PyTorch's torch.optim.AdamW over a set of pool groups (pools only, each
// counted once, method.md §5 / §10.10), with global gradient-norm clipping.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "pool.h"

namespace mos {

struct AdamWConfig {
  float lr, beta1, beta2, eps, weight_decay;
};

void validate_adamw(const AdamWConfig& c);  // INVALID_ARGUMENT naming the bad hyper-parameter
// The backend's parameters of step t (1-based, the count after increment): the bias corrections
// 1 - beta^t computed in double, then rounded. Shared by the pools' and the decoder base's steps.
AdamWParams adamw_step_params(const AdamWConfig& c, int64_t t);

class AdamW {
 public:
  AdamW(std::shared_ptr<Context> ctx, const AdamWConfig& cfg) : ctx_(std::move(ctx)), cfg_(cfg) {}

  void add_pool(std::shared_ptr<Pool> pool);
  void set_lr(float lr);
  float lr() const { return cfg_.lr; }
  // Global L2 norm of all gradients; scales them by max_norm / (norm + 1e-6) when max_norm > 0
  // and norm > max_norm. Returns the norm before clipping.
  double clip_grad_norm(float max_norm);
  void step();
  void zero_grad();
  int64_t steps() const { return step_; }
  void set_steps(int64_t step);

 private:
  std::shared_ptr<Context> ctx_;
  AdamWConfig cfg_;
  std::vector<std::shared_ptr<Pool>> pools_;
  int64_t step_ = 0;
};

}  // namespace mos
