// layer.cpp: forward (spec §4), backward with scatter-add into the pools (§5) and merge (§4,
// §10.11) of one block. All dense products go through Backend::gemm; checks precede all writes.
#include "layer.h"

#include "error.h"

namespace mos {

Layer::Layer(std::shared_ptr<Pool> pool, int32_t k, std::shared_ptr<Tensor> weight,
             std::shared_ptr<Tensor> bias)
    : pool_(std::move(pool)), k_(k), weight_(std::move(weight)), bias_(std::move(bias)),
      seed_(static_cast<uint64_t>(k)) {
  const MosConfig& c = pool_->cfg();
  pool_->require_block(k);
  if (weight_) {
    require_f32_in(*weight_, "weight", pool_->context());
    require_rows(*weight_, "weight", c.d_out, "the pool's d_out");
    require_cols(*weight_, "weight", c.d_in, "the pool's d_in");
  }
  if (bias_) {
    check(weight_ != nullptr, MOS_STATUS_INVALID_ARGUMENT,
          "bias given without weight (an adapter-only layer has no base path to add it to)");
    require_f32_in(*bias_, "bias", pool_->context());
    require_rows(*bias_, "bias", 1, "a bias row count");
    require_cols(*bias_, "bias", c.d_out, "the pool's d_out");
  }
  Backend* be = &pool_->backend();
  const size_t factor = sizeof(float) * c.r;
  for (Buffer* b : {&a_, &b_, &da_, &db_, &u_, &du_, &xd_}) b->bind(be);
  a_.reserve(factor * c.d_in);
  da_.reserve(factor * c.d_in);
  b_.reserve(factor * c.d_out);
  db_.reserve(factor * c.d_out);
}

void Layer::check_mode(mos_mode_t mode) const {
  check(mode == MOS_MODE_FULL || mode == MOS_MODE_ADAPTER_ONLY, MOS_STATUS_INVALID_ARGUMENT,
        "unknown mode ", static_cast<int>(mode), " (expected MOS_MODE_FULL = 0 or MOS_MODE_ADAPTER_ONLY = 1)");
  check(mode != MOS_MODE_FULL || weight_ != nullptr, MOS_STATUS_INVALID_ARGUMENT,
        "MOS_MODE_FULL needs a base weight, but this layer was created without one "
        "(use MOS_MODE_ADAPTER_ONLY)");
}

void Layer::check_operand(const Tensor& t, const char* name, int64_t cols, const char* what) const {
  require_f32_in(t, name, pool_->context());
  require_cols(t, name, cols, what);
}

void Layer::base_forward(const Tensor& x, Tensor& y) {
  const MosConfig& c = pool_->cfg();
  Backend& be = pool_->backend();
  be.gemm(false, true, x.rows, c.d_out, c.d_in, 1.0f, x.f32(), c.d_in, weight_->f32(), c.d_in, 0.0f,
          y.f32(), c.d_out);
  if (bias_) be.add_row_bias(x.rows, c.d_out, bias_->f32(), y.f32());
}

void Layer::assemble() {
  // A gather is O(r (d_in + d_out)): cheap, but in inference loops and in backward right after
  // forward it would be repeated for nothing.
  if (assembled_version_ == pool_->params_version()) return;
  pool_->assemble(k_, a_.f32(), b_.f32());
  assembled_version_ = pool_->params_version();
}

void Layer::forward(const Tensor& x, Tensor& y, mos_mode_t mode, bool training) {
  const MosConfig& c = pool_->cfg();
  check_mode(mode);
  check_operand(x, "x", c.d_in, "the layer's d_in");
  check_operand(y, "y", c.d_out, "the layer's d_out");
  require_rows(y, "y", x.rows, "x's row count N");
  check(x.data != y.data, MOS_STATUS_INVALID_ARGUMENT, "x and y must not be the same memory");
  if (merged_) {
    check(!training, MOS_STATUS_INVALID_STATE,
          "training forward on a merged layer (its adapter is inside W); unmerge it first");
    if (mode == MOS_MODE_FULL) base_forward(x, y);  // W' already holds the adapter
    return;
  }
  pool_->require_indices(k_);
  const int64_t N = x.rows;
  const bool drop = training && c.dropout > 0.0f;
  Buffer& u = training ? u_ : du_;  // an inference forward must not clobber the saved u
  u.reserve(sizeof(float) * N * c.r);
  if (drop) xd_.reserve(sizeof(float) * N * c.d_in);

  // Validation and allocation are done: from here on, only writes.
  Backend& be = pool_->backend();
  if (training) saved_ = false;
  assemble();
  const float* xin = x.f32();
  if (drop) {
    be.dropout(x.f32(), N * c.d_in, c.dropout, seed_, counter_, xd_.f32());
    xin = xd_.f32();
  }
  // u = dropout(x) A^T, then y (+)= (alpha/r) u B^T: the order of spec §10.11.
  be.gemm(false, true, N, c.r, c.d_in, 1.0f, xin, c.d_in, a_.f32(), c.d_in, 0.0f, u.f32(), c.r);
  if (mode == MOS_MODE_FULL) base_forward(x, y);
  be.gemm(false, true, N, c.d_out, c.r, c.scaling(), u.f32(), c.r, b_.f32(), c.r, 1.0f, y.f32(),
          c.d_out);
  if (training) {
    saved_ = true;
    saved_rows_ = N;
    saved_counter_ = counter_++;
  }
}

void Layer::backward(const Tensor& x, const Tensor& dy, Tensor* dx, mos_mode_t mode) {
  const MosConfig& c = pool_->cfg();
  check_mode(mode);
  check_operand(x, "x", c.d_in, "the layer's d_in");
  check_operand(dy, "dy", c.d_out, "the layer's d_out");
  require_rows(dy, "dy", x.rows, "x's row count N");
  if (dx) {
    check_operand(*dx, "dx", c.d_in, "the layer's d_in");
    require_rows(*dx, "dx", x.rows, "x's row count N");
    check(dx->data != x.data && dx->data != dy.data, MOS_STATUS_INVALID_ARGUMENT,
          "dx must not be the same memory as x or dy");
  }
  check(!merged_, MOS_STATUS_INVALID_STATE,
        "backward on a merged layer (its adapter is inside W); unmerge it first");
  check(saved_, MOS_STATUS_INVALID_STATE,
        "backward needs a training forward of this layer first (mos_layer_forward with training != 0)");
  check(x.rows == saved_rows_, MOS_STATUS_INVALID_STATE, "x has ", x.rows,
        " rows but the last training forward had ", saved_rows_);
  pool_->require_indices(k_);
  const int64_t N = x.rows;
  const bool drop = c.dropout > 0.0f;
  du_.reserve(sizeof(float) * N * c.r);
  if (drop) xd_.reserve(sizeof(float) * N * c.d_in);

  Backend& be = pool_->backend();
  const float s = c.scaling();
  assemble();
  // Re-derive x_d from the saved counter instead of storing the mask.
  const float* xin = x.f32();
  if (drop) {
    be.dropout(x.f32(), N * c.d_in, c.dropout, seed_, saved_counter_, xd_.f32());
    xin = xd_.f32();
  }
  // dB = s dy^T u [d_out x r]; du = s dy B [N x r]; dA = du^T x_d [r x d_in].
  be.gemm(true, false, c.d_out, c.r, N, s, dy.f32(), c.d_out, u_.f32(), c.r, 0.0f, db_.f32(), c.r);
  be.gemm(false, false, N, c.r, c.d_out, s, dy.f32(), c.d_out, b_.f32(), c.r, 0.0f, du_.f32(), c.r);
  be.gemm(true, false, c.r, c.d_in, N, 1.0f, du_.f32(), c.r, xin, c.d_in, 0.0f, da_.f32(), c.d_in);
  const int64_t P = c.num_shards();
  be.scatter_add_a(da_.f32(), P, c.s_a(), pool_->device_idx_a(k_), c.r, c.l,
                   pool_->array(MOS_POOL_GRAD_A));
  be.scatter_add_b(db_.f32(), c.s_b(), P, pool_->device_idx_b(k_), c.r, c.l,
                   pool_->array(MOS_POOL_GRAD_B));
  if (!dx) return;
  // dx = dy W (FULL, overwrite) or dx (ADAPTER_ONLY), plus (du A) masked like the forward.
  if (mode == MOS_MODE_FULL) {
    be.gemm(false, false, N, c.d_in, c.d_out, 1.0f, dy.f32(), c.d_out, weight_->f32(), c.d_in, 0.0f,
            dx->f32(), c.d_in);
  }
  if (drop) {
    be.gemm(false, false, N, c.d_in, c.r, 1.0f, du_.f32(), c.r, a_.f32(), c.d_in, 0.0f, xd_.f32(),
            c.d_in);
    be.dropout(xd_.f32(), N * c.d_in, c.dropout, seed_, saved_counter_, xd_.f32());
    be.axpy(N * c.d_in, 1.0f, xd_.f32(), dx->f32());
  } else {
    be.gemm(false, false, N, c.d_in, c.r, 1.0f, du_.f32(), c.r, a_.f32(), c.d_in, 1.0f, dx->f32(),
            c.d_in);
  }
}

void Layer::delta_weight(Tensor& delta) {
  const MosConfig& c = pool_->cfg();
  require_f32_in(delta, "delta", pool_->context());
  require_rows(delta, "delta", c.d_out, "the layer's d_out");
  require_cols(delta, "delta", c.d_in, "the layer's d_in");
  pool_->require_indices(k_);
  assemble();
  pool_->backend().gemm(false, false, c.d_out, c.d_in, c.r, c.scaling(), b_.f32(), c.r, a_.f32(),
                        c.d_in, 0.0f, delta.f32(), c.d_in);
}

void Layer::add_delta_into_weight(float sign) {
  const MosConfig& c = pool_->cfg();
  assemble();
  pool_->backend().gemm(false, false, c.d_out, c.d_in, c.r, sign * c.scaling(), b_.f32(), c.r,
                        a_.f32(), c.d_in, 1.0f, weight_->f32(), c.d_in);
}

void Layer::merge() {
  check(weight_ != nullptr, MOS_STATUS_INVALID_STATE,
        "this layer has no base weight to merge the adapter into");
  check(!merged_, MOS_STATUS_INVALID_STATE, "the layer is already merged");
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
