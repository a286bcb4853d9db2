// SPDX-License-Identifier: Apache-2.0
// layer.h: mos::Layer, block k of a pool group as an adapted linear layer (method.md §4, §5): the
// frozen base W (+ bias), forward / backward / delta / merge, and its per-layer scratch buffers.
#pragma once

#include <cstdint>
#include <memory>

#include "buffer.h"
#include "pool.h"
#include "tensor.h"

namespace mos {

class Layer {
 public:
  // weight [d_out x d_in] or null (adapter-only); bias [1 x d_out] or null (needs a weight).
  Layer(std::shared_ptr<Pool> pool, int32_t k, std::shared_ptr<Tensor> weight,
        std::shared_ptr<Tensor> bias);

  void forward(const Tensor& x, Tensor& y, mos_mode_t mode, bool training);
  // dx may be null. Adds into the pool gradients.
  void backward(const Tensor& x, const Tensor& dy, Tensor* dx, mos_mode_t mode);
  void delta_weight(Tensor& delta);
  void merge();
  void unmerge();
  bool merged() const { return merged_; }

  void set_dropout_state(uint64_t seed, uint64_t counter) {
    seed_ = seed;
    counter_ = counter;
  }
  uint64_t dropout_seed() const { return seed_; }
  uint64_t dropout_counter() const { return counter_; }

 private:
  void check_mode(mos_mode_t mode) const;
  // F32 or BF16, `cols` columns, and the dtype of W (or, without W, of `first`, the call's x).
  void check_operand(const Tensor& t, const char* name, int64_t cols, const char* what,
                     const Tensor& first) const;
  void require_not_frozen(const Tensor& out, const char* name) const;
  void base_forward(const float* x, int64_t N, float* y);  // y = x W^T (+ b), f32
  // BF16 calls: grow xf_ (n_x floats), yf_ (n_y) and, when the base path runs, wf_ / biasf_.
  void reserve_bf16(int64_t n_x, int64_t n_y, bool base);
  const float* weight_f32();               // W itself (F32) or W widened into wf_ (BF16)
  void add_delta_into_weight(float sign);  // W += sign * (alpha/r) B A
  Pool::Factors factors() { return pool_->factors(k_); }  // A_k, B_k and dA/dB scratch

  std::shared_ptr<Pool> pool_;  // first member: keeps the context alive for the buffers
  int32_t k_;
  std::shared_ptr<Tensor> weight_, bias_;
  bool merged_ = false;
  uint64_t seed_, counter_ = 0;  // dropout generator state

  // What the last training forward saved for backward (u itself lives in u_): its dropout
  // counter and which x it read (the tensor's id and write count then), so that backward can
  // refuse any other x.
  bool saved_ = false;
  uint64_t saved_counter_ = 0;
  uint64_t saved_x_id_ = 0;
  uint64_t saved_x_written_ = 0;

  // Scratch grown with N (u_, du_, xd_), never shrunk. A_k, B_k, dA_k, dB_k live in the pool
  // (Pool::factors), shared by its blocks.
  Buffer u_;   // saved u = dropout(x) A^T [N x r], written by training forwards only
  Buffer du_;  // du [N x r]; also u of inference forwards (keeps u_ intact)
  Buffer xd_;  // dropout(x) [N x d_in], then the masked dx part; only when rate > 0
  // BF16 calls only: x (then dx) and y (or dy) widened to f32, W and bias widened to f32.
  Buffer xf_, yf_, wf_, biasf_;
};

}  // namespace mos
