// SPDX-License-Identifier: Apache-2.0
// layer.cpp: forward (method.md §4), backward with scatter-add into the pools (§5) and merge (§4,
// §10.11) of one block. All dense products go through Backend::gemm; checks precede all writes.
// BF16 storage: x, y, dy, dx, W and bias are all F32 or all BF16 (kSameDtype). BF16 operands are
// widened into grow-only f32 scratch, the f32 path runs (f32 accumulation), and y / dx are rounded
// back to nearest-even; pools, gradients and optimizer state are always F32.
#include "layer.h"

#include "adapter.h"
#include "error.h"

namespace mos {

namespace {
const char* const kSameDtype =
    "x, y, dy, dx, weight and bias of a layer must all be F32 or all BF16 (no mixing)";
}  // namespace

Layer::Layer(std::shared_ptr<Pool> pool, int32_t k, std::shared_ptr<Tensor> weight,
             std::shared_ptr<Tensor> bias)
    : pool_(std::move(pool)),
      k_(k),
      weight_(std::move(weight)),
      bias_(std::move(bias)),
      seed_(static_cast<uint64_t>(k)) {
  const MosConfig& c = pool_->cfg();
  pool_->require_block(k);
  if (weight_) {
    require_float_in(*weight_, "weight", pool_->context());
    require_rows(*weight_, "weight", c.d_out, "the pool's d_out");
    require_cols(*weight_, "weight", c.d_in, "the pool's d_in");
  }
  if (bias_) {
    check(weight_ != nullptr, MOS_STATUS_INVALID_ARGUMENT,
          "bias given without weight (an adapter-only layer has no base path to add it to)");
    require_float_in(*bias_, "bias", pool_->context());
    require_same_dtype(*bias_, "bias", weight_->dtype, "weight", kSameDtype);
    require_rows(*bias_, "bias", 1, "a bias row count");
    require_cols(*bias_, "bias", c.d_out, "the pool's d_out");
  }
  Backend* be = &pool_->backend();
  for (Buffer* b : {&u_, &du_, &xd_, &xf_, &yf_, &wf_, &biasf_}) b->bind(be);
}

void Layer::check_mode(mos_mode_t mode) const {
  check(mode == MOS_MODE_FULL || mode == MOS_MODE_ADAPTER_ONLY, MOS_STATUS_INVALID_ARGUMENT,
        "unknown mode ", static_cast<int>(mode),
        " (expected MOS_MODE_FULL = 0 or MOS_MODE_ADAPTER_ONLY = 1)");
  check(mode != MOS_MODE_FULL || weight_ != nullptr, MOS_STATUS_INVALID_ARGUMENT,
        "MOS_MODE_FULL needs a base weight, but this layer was created without one "
        "(use MOS_MODE_ADAPTER_ONLY)");
}

void Layer::check_operand(const Tensor& t, const char* name, int64_t cols, const char* what,
                          const Tensor& first) const {
  require_float_in(t, name, pool_->context());
  require_cols(t, name, cols, what);
  if (weight_) {
    require_same_dtype(t, name, weight_->dtype, "weight", kSameDtype);
  } else if (&t != &first) {
    require_same_dtype(t, name, first.dtype, "x", kSameDtype);
  }
}

void Layer::reserve_bf16(int64_t n_x, int64_t n_y, bool base) {
  xf_.reserve(sizeof(float) * n_x);
  yf_.reserve(sizeof(float) * n_y);
  if (base && weight_->dtype == MOS_DTYPE_BF16) {
    const MosConfig& c = pool_->cfg();
    wf_.reserve(sizeof(float) * c.d_out * c.d_in);
    if (bias_) biasf_.reserve(sizeof(float) * c.d_out);
  }
}

const float* Layer::weight_f32() {
  if (weight_->dtype == MOS_DTYPE_F32) return weight_->f32();
  const MosConfig& c = pool_->cfg();
  pool_->backend().bf16_to_f32(weight_->data, c.d_out * c.d_in, wf_.f32());
  return wf_.f32();
}

void Layer::base_forward(const float* x, int64_t N, float* y) {
  const MosConfig& c = pool_->cfg();
  Backend& be = pool_->backend();
  be.gemm(false, true, N, c.d_out, c.d_in, 1.0f, x, c.d_in, weight_f32(), c.d_in, 0.0f, y, c.d_out);
  if (!bias_) return;
  const float* bias = bias_->f32();
  if (bias_->dtype == MOS_DTYPE_BF16) {
    be.bf16_to_f32(bias_->data, c.d_out, biasf_.f32());
    bias = biasf_.f32();
  }
  be.add_row_bias(N, c.d_out, bias, y);
}

// An output of a layer call must not be (or overlap) the frozen base weight or bias: writing it
// would silently change the base model (and alias BLAS operands).
void Layer::require_not_frozen(const Tensor& out, const char* name) const {
  check(!(weight_ && out.overlaps(*weight_)) && !(bias_ && out.overlaps(*bias_)),
        MOS_STATUS_INVALID_ARGUMENT, name, " shares memory with the layer's frozen weight or bias");
}

void Layer::forward(const Tensor& x, Tensor& y, mos_mode_t mode, bool training) {
  const MosConfig& c = pool_->cfg();
  check_mode(mode);
  check_operand(x, "x", c.d_in, "the layer's d_in", x);
  check_operand(y, "y", c.d_out, "the layer's d_out", x);
  require_rows(y, "y", x.rows, "x's row count N");
  check(!x.overlaps(y), MOS_STATUS_INVALID_ARGUMENT, "x and y must not share memory");
  require_not_frozen(y, "y");
  if (merged_) {
    check(!training, MOS_STATUS_INVALID_STATE,
          "training forward on a merged layer (its adapter is inside W); unmerge it first");
    // Only an F32 W merges, so x and y are F32 here. W' already holds the adapter.
    if (mode == MOS_MODE_FULL) base_forward(x.f32(), x.rows, y.f32());
    y.mark_written();
    return;
  }
  pool_->require_indices(k_);
  const int64_t N = x.rows;
  const bool drop = training && c.dropout > 0.0f;
  Buffer& u = training ? u_ : du_;  // an inference forward must not clobber the saved u
  u.reserve(sizeof(float) * N * c.r);
  if (drop) xd_.reserve(sizeof(float) * N * c.d_in);
  const bool bf16 = x.dtype == MOS_DTYPE_BF16;
  if (bf16) reserve_bf16(x.numel(), y.numel(), mode == MOS_MODE_FULL);

  // Validation and allocation are done: from here on, only writes.
  Backend& be = pool_->backend();
  if (training) saved_ = false;
  const Pool::Factors f = factors();
  const float* xf = x.f32();
  float* yf = y.f32();
  if (bf16) {
    be.bf16_to_f32(x.data, x.numel(), xf_.f32());
    xf = xf_.f32();
    yf = yf_.f32();
    if (mode != MOS_MODE_FULL) be.bf16_to_f32(y.data, y.numel(), yf);  // y += adapter
  }
  // u = dropout(x) A^T, then y (+)= (alpha/r) u B^T: the order of method.md §10.11.
  const adapter::Dropout d{drop ? c.dropout : 0.0f, seed_, counter_};
  adapter::shrink(be, c, f.a, xf, N, d, xd_.f32(), u.f32());
  if (mode == MOS_MODE_FULL) base_forward(xf, N, yf);
  adapter::expand(be, c, f.b, u.f32(), N, yf);
  if (bf16) be.f32_to_bf16(yf, y.numel(), y.data);
  y.mark_written();
  if (training) {
    saved_ = true;
    saved_counter_ = counter_++;
    saved_x_id_ = x.id;
    saved_x_written_ = x.written();
  }
}

void Layer::backward(const Tensor& x, const Tensor& dy, Tensor* dx, mos_mode_t mode) {
  const MosConfig& c = pool_->cfg();
  check_mode(mode);
  check_operand(x, "x", c.d_in, "the layer's d_in", x);
  check_operand(dy, "dy", c.d_out, "the layer's d_out", x);
  require_rows(dy, "dy", x.rows, "x's row count N");
  if (dx) {
    check_operand(*dx, "dx", c.d_in, "the layer's d_in", x);
    require_rows(*dx, "dx", x.rows, "x's row count N");
    check(!dx->overlaps(x) && !dx->overlaps(dy), MOS_STATUS_INVALID_ARGUMENT,
          "dx must not share memory with x or dy");
    require_not_frozen(*dx, "dx");
  }
  check(!merged_, MOS_STATUS_INVALID_STATE,
        "backward on a merged layer (its adapter is inside W); unmerge it first");
  check(saved_, MOS_STATUS_INVALID_STATE,
        "backward needs a training forward of this layer first (mos_layer_forward with training != "
        "0)");
  check(x.id == saved_x_id_, MOS_STATUS_INVALID_STATE,
        "x is not the tensor the last training forward of this layer read (backward needs that "
        "forward's x: its grad_A is computed from it)");
  check(x.written() == saved_x_written_, MOS_STATUS_INVALID_STATE,
        "x was written after the last training forward of this layer read it (by "
        "mos_tensor_write or as the output of a call): backward needs the forward's x unchanged");
  pool_->require_indices(k_);
  const int64_t N = x.rows;
  const bool drop = c.dropout > 0.0f;
  du_.reserve(sizeof(float) * N * c.r);
  if (drop) xd_.reserve(sizeof(float) * N * c.d_in);
  const bool bf16 = x.dtype == MOS_DTYPE_BF16;
  // xf_ holds x (f32), later reused for dx; yf_ holds dy.
  if (bf16) reserve_bf16(x.numel(), dy.numel(), dx && mode == MOS_MODE_FULL);

  Backend& be = pool_->backend();
  const Pool::Factors f = factors();
  const float* xf = x.f32();
  const float* dyf = dy.f32();
  if (bf16) {
    be.bf16_to_f32(x.data, x.numel(), xf_.f32());
    be.bf16_to_f32(dy.data, dy.numel(), yf_.f32());
    xf = xf_.f32();
    dyf = yf_.f32();
  }
  // Re-derive x_d from the saved counter instead of storing the mask.
  const adapter::Dropout d{drop ? c.dropout : 0.0f, seed_, saved_counter_};
  adapter::grad_params(be, *pool_, k_, f, xf, dyf, N, u_.f32(), d, xd_.f32(), du_.f32());
  if (!dx) return;
  // dx = dy W (FULL, overwrite) or dx (ADAPTER_ONLY), plus (du A) masked like the forward.
  // BF16: accumulate in xf_ (x is no longer needed), then round into dx.
  float* dxf = dx->f32();
  if (bf16) {
    dxf = xf_.f32();
    if (mode != MOS_MODE_FULL) be.bf16_to_f32(dx->data, dx->numel(), dxf);
  }
  if (mode == MOS_MODE_FULL) {
    be.gemm(false, false, N, c.d_in, c.d_out, 1.0f, dyf, c.d_out, weight_f32(), c.d_in, 0.0f, dxf,
            c.d_in);
  }
  adapter::grad_input(be, c, f.a, du_.f32(), N, d, xd_.f32(), dxf);
  if (bf16) be.f32_to_bf16(dxf, dx->numel(), dx->data);
  dx->mark_written();
}

void Layer::delta_weight(Tensor& delta) {
  const MosConfig& c = pool_->cfg();
  require_f32_in(delta, "delta", pool_->context());
  require_rows(delta, "delta", c.d_out, "the layer's d_out");
  require_cols(delta, "delta", c.d_in, "the layer's d_in");
  require_not_frozen(delta, "delta");
  pool_->require_indices(k_);
  const Pool::Factors f = factors();
  pool_->backend().gemm(false, false, c.d_out, c.d_in, c.r, c.scaling(), f.b, c.r, f.a, c.d_in,
                        0.0f, delta.f32(), c.d_in);
  delta.mark_written();
}

void Layer::add_delta_into_weight(float sign) {
  adapter::add_delta(pool_->backend(), pool_->cfg(), factors(), sign, weight_->f32());
  weight_->mark_written();
}

void Layer::merge() {
  check(weight_ != nullptr, MOS_STATUS_INVALID_STATE,
        "this layer has no base weight to merge the adapter into");
  check(!merged_, MOS_STATUS_INVALID_STATE, "the layer is already merged");
  check(weight_->dtype == MOS_DTYPE_F32, MOS_STATUS_UNSUPPORTED,
        "merge needs an F32 base weight: a BF16 W cannot hold W + delta and give W back on "
        "unmerge");
  pool_->require_indices(k_);
  add_delta_into_weight(+1.0f);
  merged_ = true;
}

void Layer::unmerge() {
  check(weight_ != nullptr, MOS_STATUS_INVALID_STATE,
        "this layer has no base weight to unmerge the adapter from");
  check(merged_, MOS_STATUS_INVALID_STATE, "the layer is not merged");
  pool_->require_indices(k_);
  add_delta_into_weight(-1.0f);
  merged_ = false;
}

}  // namespace mos
