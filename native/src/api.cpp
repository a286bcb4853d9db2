// SPDX-License-Identifier: Apache-2.0
// api.cpp: every extern "C" entry point of mos.h. Each body runs inside guard() (error.h), which
// turns any C++ exception into a status and a thread-local "<function>: <what broke>" message.
#include <algorithm>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "error.h"
#include "handles.h"
#include "model/generate.h"
#include "routing.h"

namespace {

using mos::need;

mos::Context& ctx_of(mos_context_t h, const char* name) { return *need(h, name)->impl; }
mos::Tensor& tensor_of(mos_tensor_t h, const char* name) { return *need(h, name)->impl; }
mos::Pool& pool_of(mos_pool_t h, const char* name) { return *need(h, name)->impl; }
mos::Layer& layer_of(mos_layer_t h, const char* name) { return *need(h, name)->impl; }
mos::AdamW& opt_of(mos_optimizer_t h, const char* name) { return *need(h, name)->impl; }
mos::bank::Bank& bank_of(mos_bank_t h) { return *need(h, "bank")->impl; }
mos::model::Decoder& dec_of(mos_decoder_t h) { return *need(h, "dec")->impl; }
mos::model::KvCache& cache_of(mos_kv_cache_t h) { return *need(h, "cache")->impl; }

// C callers may pass any int where mos.h has an enum. Reading such a value as a C++ enum outside
// its enumerators' range is undefined, so each enum argument is first checked through its bits.
template <class E>
int enum_bits(const E& e) {
  std::underlying_type_t<E> v;
  std::memcpy(&v, &e, sizeof v);
  return static_cast<int>(v);
}
template <class E>
void check_enum(const E& e, int lo, int hi, const char* what, const char* expected) {
  const int v = enum_bits(e);
  mos::check(v >= lo && v <= hi, MOS_STATUS_INVALID_ARGUMENT, "unknown ", what, " ", v,
             " (expected ", expected, ")");
}
void check_backend(const mos_backend_t& b) {
  check_enum(b, 0, 1, "backend", "MOS_BACKEND_CPU = 0 or MOS_BACKEND_CUDA = 1");
}
void check_dtype(const mos_dtype_t& d) {
  mos::check(enum_bits(d) != MOS_DTYPE_F16, MOS_STATUS_INVALID_ARGUMENT,
             "MOS_DTYPE_F16 is a source dtype of mos_decoder_set_weight only, not a tensor dtype");
  check_enum(d, 0, 2, "dtype", "MOS_DTYPE_F32 = 0, MOS_DTYPE_BF16 = 1 or MOS_DTYPE_I32 = 2");
}
void check_mode(const mos_mode_t& m) {
  check_enum(m, 0, 1, "mode", "MOS_MODE_FULL = 0 or MOS_MODE_ADAPTER_ONLY = 1");
}
void check_array(const mos_pool_array_t& w) {
  check_enum(w, 0, 7, "pool array", "0..7, MOS_POOL_A..MOS_POOL_ADAM_V_B");
}
void check_base_array(const mos_base_array_t& w) {
  check_enum(w, 0, 2, "base array",
             "MOS_BASE_GRAD = 0, MOS_BASE_ADAM_M = 1 or MOS_BASE_ADAM_V = 2");
}

// An F32 tensor of the bank's context with `cols` columns (mos_bank_apply's x and y).
mos::Tensor& bank_operand(mos_tensor_t h, const char* name, const mos::bank::Bank& b, int64_t cols,
                          const char* what) {
  mos::Tensor& t = tensor_of(h, name);
  mos::require_f32_in(t, name, b.context());
  mos::require_cols(t, name, cols, what);
  return t;
}

// A mos_config_t the caller sized with sizeof(mos_config_t) of this ABI (struct_size is read
// before any other field, so a smaller struct is never read past its end).
void check_struct_size(const mos_config_t& c, const char* name) {
  mos::check(c.struct_size == static_cast<int32_t>(sizeof(mos_config_t)),
             MOS_STATUS_INVALID_ARGUMENT, name, "->struct_size is ", c.struct_size,
             " but this library's mos_config_t has ", sizeof(mos_config_t),
             " bytes (set it to sizeof(mos_config_t))");
}

mos::MosConfig make_config(const mos_config_t* config) {
  const mos_config_t& in = *need(config, "config");
  check_struct_size(in, "config");
  mos::MosConfig c;
  c.d_in = in.d_in;
  c.d_out = in.d_out;
  c.num_blocks = in.num_blocks;
  c.r = in.rank;
  c.equivalent_rank = in.equivalent_rank;
  c.private_rank = in.private_rank;
  c.l = in.shards_per_vector;
  c.alpha = in.alpha;
  c.dropout = in.dropout;
  mos::validate_config(c);
  return c;
}

}  // namespace

extern "C" {

// ---- library ------------------------------------------------------------------------------

MOS_API int32_t mos_abi_version(void) {
  return MOS_ABI_VERSION_MAJOR * 1000 + MOS_ABI_VERSION_MINOR;
}

MOS_API const char* mos_version_string(void) {
  static const std::string v = [] {
    return std::string(MOS_VERSION_STRING_BASE) + " (cpu:" + MOS_BLAS_KIND +
           ", cuda:" + mos::cuda_build_info() + ")";
  }();
  return v.c_str();
}

MOS_API const char* mos_last_error(void) { return mos::last_error(); }

MOS_API mos_status_t mos_backend_available(mos_backend_t backend, int32_t* available, char* reason,
                                           size_t reason_capacity) {
  MOS_GUARDED(
    need(available, "available");
    check_backend(backend);
    std::string why;
    bool ok;
    if (backend == MOS_BACKEND_CPU) {
      ok = true;
    } else {
      ok = mos::cuda_backend_available(&why);
    }
    *available = ok ? 1 : 0;
    if (reason && reason_capacity > 0) {
      const size_t n = std::min(why.size(), reason_capacity - 1);
      std::memcpy(reason, why.data(), n);
      reason[n] = '\0';
    });
}

// ---- context ------------------------------------------------------------------------------

MOS_API mos_status_t mos_context_create(mos_backend_t backend, int32_t device, mos_context_t* out) {
  MOS_GUARDED(need(out, "out"); check_backend(backend);
              auto impl = mos::make_context(backend, device);
              *out = new mos_context{std::move(impl)};);
}

MOS_API mos_status_t mos_context_free(mos_context_t ctx) { MOS_GUARDED(delete ctx;); }

MOS_API mos_status_t mos_context_backend(mos_context_t ctx, mos_backend_t* out) {
  MOS_GUARDED(mos::Context& c = ctx_of(ctx, "ctx"); *need(out, "out") = c.kind;);
}

MOS_API mos_status_t mos_context_set_num_threads(mos_context_t ctx, int32_t num_threads) {
  MOS_GUARDED(mos::Context& c = ctx_of(ctx, "ctx");
              mos::check(num_threads >= 0, MOS_STATUS_INVALID_ARGUMENT,
                         "num_threads must be >= 0 (0 = library default), got ", num_threads);
              c.backend->set_num_threads(num_threads););
}

MOS_API mos_status_t mos_context_set_math_mode(mos_context_t ctx, mos_math_mode_t mode) {
  MOS_GUARDED(mos::Context& c = ctx_of(ctx, "ctx");
              check_enum(mode, 0, 1, "math mode", "MOS_MATH_DEFAULT = 0 or MOS_MATH_TF32 = 1");
              c.backend->set_math_mode(mode););
}

MOS_API mos_status_t mos_context_set_deterministic(mos_context_t ctx, int32_t on) {
  MOS_GUARDED(ctx_of(ctx, "ctx").backend->set_deterministic(on != 0););
}

MOS_API mos_status_t mos_context_synchronize(mos_context_t ctx) {
  MOS_GUARDED(ctx_of(ctx, "ctx").backend->synchronize(););
}

// ---- tensors ------------------------------------------------------------------------------

MOS_API mos_status_t mos_tensor_create(mos_context_t ctx, mos_dtype_t dtype, int64_t rows,
                                       int64_t cols, mos_tensor_t* out) {
  MOS_GUARDED(need(ctx, "ctx"); need(out, "out"); check_dtype(dtype);
              auto impl = mos::make_tensor(ctx->impl, dtype, rows, cols);
              *out = new mos_tensor{std::move(impl)};);
}

MOS_API mos_status_t mos_tensor_wrap_host(mos_context_t ctx, mos_dtype_t dtype, int64_t rows,
                                          int64_t cols, void* data, mos_tensor_t* out) {
  MOS_GUARDED(need(ctx, "ctx"); need(data, "data"); need(out, "out"); check_dtype(dtype);
              auto impl = mos::wrap_host_tensor(ctx->impl, dtype, rows, cols, data);
              *out = new mos_tensor{std::move(impl)};);
}

MOS_API mos_status_t mos_tensor_free(mos_tensor_t t) { MOS_GUARDED(delete t;); }

MOS_API mos_status_t mos_tensor_shape(mos_tensor_t t, int64_t* rows, int64_t* cols) {
  MOS_GUARDED(mos::Tensor& x = tensor_of(t, "t"); need(rows, "rows"); need(cols, "cols");
              *rows = x.rows; *cols = x.cols;);
}

MOS_API mos_status_t mos_tensor_dtype(mos_tensor_t t, mos_dtype_t* out) {
  MOS_GUARDED(mos::Tensor& x = tensor_of(t, "t"); *need(out, "out") = x.dtype;);
}

MOS_API mos_status_t mos_tensor_write(mos_tensor_t t, const void* src, int64_t num_elements) {
  MOS_GUARDED(mos::Tensor& x = tensor_of(t, "t"); need(src, "src");
              mos::tensor_write(x, src, num_elements););
}

MOS_API mos_status_t mos_tensor_read(mos_tensor_t t, void* dst, int64_t num_elements) {
  MOS_GUARDED(mos::Tensor& x = tensor_of(t, "t"); need(dst, "dst");
              mos::tensor_read(x, dst, num_elements););
}

MOS_API mos_status_t mos_gemm(mos_context_t ctx, int32_t trans_a, int32_t trans_b, float alpha,
                              mos_tensor_t a, mos_tensor_t b, float beta, mos_tensor_t c) {
  MOS_GUARDED(
    mos::Context& cx = ctx_of(ctx, "ctx");
    mos::Tensor& ta = tensor_of(a, "a");
    mos::Tensor& tb = tensor_of(b, "b");
    mos::Tensor& tc = tensor_of(c, "c");
    mos::require_float_in(ta, "a", cx);
    mos::require_float_in(tb, "b", cx);
    mos::require_float_in(tc, "c", cx);
    const char* rule = "a, b and c of mos_gemm must all be F32 or all BF16 (no mixing)";
    mos::require_same_dtype(tb, "b", ta.dtype, "a", rule);
    mos::require_same_dtype(tc, "c", ta.dtype, "a", rule);
    const int64_t m = trans_a ? ta.cols : ta.rows, k = trans_a ? ta.rows : ta.cols;
    const int64_t k2 = trans_b ? tb.cols : tb.rows, n = trans_b ? tb.rows : tb.cols;
    mos::check(k == k2, MOS_STATUS_SHAPE_MISMATCH, "op(a) is [", m, " x ", k, "] but op(b) is [",
               k2, " x ", n, "]: inner dimensions differ");
    mos::check(tc.rows == m && tc.cols == n, MOS_STATUS_SHAPE_MISMATCH, "c is [", tc.rows, " x ",
               tc.cols, "] but op(a) op(b) is [", m, " x ", n, "]");
    mos::check(tc.data != ta.data && tc.data != tb.data, MOS_STATUS_INVALID_ARGUMENT,
               "c must not be the same memory as a or b");
    if (ta.dtype == MOS_DTYPE_F32) {
      cx.backend->gemm(trans_a != 0, trans_b != 0, m, n, k, alpha, ta.f32(), ta.cols, tb.f32(),
                       tb.cols, beta, tc.f32(), tc.cols);
    } else {
      // BF16 storage, f32 accumulation: widen, multiply in f32, round C back (nearest-even).
      mos::Buffer* s = cx.gemm_scratch;
      for (int i = 0; i < 3; ++i) {
        const mos::Tensor& t = i == 0 ? ta : i == 1 ? tb : tc;
        s[i].reserve(sizeof(float) * static_cast<size_t>(t.numel()));
      }
      mos::Backend& be = *cx.backend;
      be.bf16_to_f32(ta.data, ta.numel(), s[0].f32());
      be.bf16_to_f32(tb.data, tb.numel(), s[1].f32());
      if (beta != 0.0f) be.bf16_to_f32(tc.data, tc.numel(), s[2].f32());
      be.gemm(trans_a != 0, trans_b != 0, m, n, k, alpha, s[0].f32(), ta.cols, s[1].f32(), tb.cols,
              beta, s[2].f32(), tc.cols);
      be.f32_to_bf16(s[2].f32(), tc.numel(), tc.data);
    }
    tc.mark_written(););
}

// ---- configuration helpers ------------------------------------------------------------------

MOS_API mos_status_t mos_config_validate(const mos_config_t* config) {
  MOS_GUARDED(make_config(config););
}

MOS_API mos_status_t mos_config_param_count(const mos_config_t* config, int64_t* out) {
  MOS_GUARDED(const mos::MosConfig c = make_config(config); need(out, "out");
              *out = mos::param_count(c.d_in, c.d_out, c.num_blocks, c.equivalent_rank););
}

// ---- pool groups --------------------------------------------------------------------------

MOS_API mos_status_t mos_pool_create(mos_context_t ctx, const mos_config_t* config,
                                     mos_pool_t* out) {
  MOS_GUARDED(need(ctx, "ctx"); need(out, "out"); const mos::MosConfig c = make_config(config);
              auto impl = std::make_shared<mos::Pool>(ctx->impl, c);
              *out = new mos_pool{std::move(impl)};);
}

MOS_API mos_status_t mos_pool_free(mos_pool_t pool) { MOS_GUARDED(delete pool;); }

MOS_API mos_status_t mos_pool_get_config(mos_pool_t pool, mos_config_t* out) {
  MOS_GUARDED(const mos::MosConfig& c = pool_of(pool, "pool").cfg(); need(out, "out");
              check_struct_size(*out, "out");
              out->d_in = c.d_in;
              out->d_out = c.d_out;
              out->num_blocks = c.num_blocks;
              out->rank = c.r;
              out->equivalent_rank = c.equivalent_rank;
              out->private_rank = c.private_rank;
              out->shards_per_vector = c.l;
              out->alpha = c.alpha;
              out->dropout = c.dropout;);
}

MOS_API mos_status_t mos_pool_array_length(mos_pool_t pool, mos_pool_array_t which,
                                           int64_t* num_elements) {
  MOS_GUARDED(mos::Pool& p = pool_of(pool, "pool"); need(num_elements, "num_elements");
              check_array(which); *num_elements = p.array_size(which););
}

MOS_API mos_status_t mos_pool_index_length(mos_pool_t pool, int64_t* num_elements) {
  MOS_GUARDED(const mos::MosConfig& c = pool_of(pool, "pool").cfg();
              *need(num_elements, "num_elements") = c.slots(););
}

MOS_API mos_status_t mos_pool_init(mos_pool_t pool, uint64_t seed) {
  MOS_GUARDED(pool_of(pool, "pool").init(seed););
}

MOS_API mos_status_t mos_pool_generate_indices(mos_pool_t pool, uint64_t seed) {
  MOS_GUARDED(pool_of(pool, "pool").generate_indices(seed););
}

MOS_API mos_status_t mos_pool_set_indices(mos_pool_t pool, int32_t block, const int32_t* idx_a,
                                          const int32_t* idx_b, int64_t num_elements) {
  MOS_GUARDED(mos::Pool& p = pool_of(pool, "pool"); need(idx_a, "idx_a"); need(idx_b, "idx_b");
              p.set_indices(block, idx_a, idx_b, num_elements););
}

MOS_API mos_status_t mos_pool_get_indices(mos_pool_t pool, int32_t block, int32_t* idx_a,
                                          int32_t* idx_b, int64_t num_elements) {
  MOS_GUARDED(mos::Pool& p = pool_of(pool, "pool"); need(idx_a, "idx_a"); need(idx_b, "idx_b");
              p.get_indices(block, idx_a, idx_b, num_elements););
}

MOS_API mos_status_t mos_pool_read(mos_pool_t pool, mos_pool_array_t which, float* dst,
                                   int64_t num_elements) {
  MOS_GUARDED(mos::Pool& p = pool_of(pool, "pool"); need(dst, "dst"); check_array(which);
              p.read(which, dst, num_elements););
}

MOS_API mos_status_t mos_pool_write(mos_pool_t pool, mos_pool_array_t which, const float* src,
                                    int64_t num_elements) {
  MOS_GUARDED(mos::Pool& p = pool_of(pool, "pool"); need(src, "src"); check_array(which);
              p.write(which, src, num_elements););
}

MOS_API mos_status_t mos_pool_zero_grad(mos_pool_t pool) {
  MOS_GUARDED(pool_of(pool, "pool").zero_grad(););
}

MOS_API mos_status_t mos_pool_assemble(mos_pool_t pool, int32_t block, mos_tensor_t a_out,
                                       mos_tensor_t b_out) {
  MOS_GUARDED(
    mos::Pool& p = pool_of(pool, "pool");
    const mos::MosConfig& c = p.cfg();
    p.require_block(block);
    if (a_out) {
      mos::require_f32_in(*a_out->impl, "a_out", p.context());
      mos::require_rows(*a_out->impl, "a_out", c.r, "the pool's r");
      mos::require_cols(*a_out->impl, "a_out", c.d_in, "the pool's d_in");
    }
    if (b_out) {
      mos::require_f32_in(*b_out->impl, "b_out", p.context());
      mos::require_rows(*b_out->impl, "b_out", c.d_out, "the pool's d_out");
      mos::require_cols(*b_out->impl, "b_out", c.r, "the pool's r");
    }
    p.assemble(block, a_out ? a_out->impl->f32() : nullptr, b_out ? b_out->impl->f32() : nullptr);
    if (a_out) a_out->impl->mark_written();
    if (b_out) b_out->impl->mark_written(););
}

MOS_API mos_status_t mos_pool_param_count(mos_pool_t pool, int64_t* out) {
  MOS_GUARDED(const mos::MosConfig& c = pool_of(pool, "pool").cfg(); need(out, "out");
              *out = mos::param_count(c.d_in, c.d_out, c.num_blocks, c.equivalent_rank););
}

// ---- layers -------------------------------------------------------------------------------

MOS_API mos_status_t mos_layer_create(mos_pool_t pool, int32_t block, mos_tensor_t weight,
                                      mos_tensor_t bias, mos_layer_t* out) {
  MOS_GUARDED(need(pool, "pool"); need(out, "out");
              auto impl = std::make_shared<mos::Layer>(pool->impl, block,
                                                       weight ? weight->impl : nullptr,
                                                       bias ? bias->impl : nullptr);
              *out = new mos_layer{std::move(impl)};);
}

MOS_API mos_status_t mos_layer_free(mos_layer_t layer) { MOS_GUARDED(delete layer;); }

MOS_API mos_status_t mos_layer_forward(mos_layer_t layer, mos_tensor_t x, mos_tensor_t y,
                                       mos_mode_t mode, int32_t training) {
  MOS_GUARDED(mos::Layer& l = layer_of(layer, "layer"); mos::Tensor& tx = tensor_of(x, "x");
              mos::Tensor& ty = tensor_of(y, "y"); check_mode(mode);
              l.forward(tx, ty, mode, training != 0););
}

MOS_API mos_status_t mos_layer_backward(mos_layer_t layer, mos_tensor_t x, mos_tensor_t dy,
                                        mos_tensor_t dx, mos_mode_t mode) {
  MOS_GUARDED(mos::Layer& l = layer_of(layer, "layer"); mos::Tensor& tx = tensor_of(x, "x");
              mos::Tensor& tdy = tensor_of(dy, "dy"); check_mode(mode);
              l.backward(tx, tdy, dx ? dx->impl.get() : nullptr, mode););
}

MOS_API mos_status_t mos_layer_delta_weight(mos_layer_t layer, mos_tensor_t delta) {
  MOS_GUARDED(mos::Layer& l = layer_of(layer, "layer"); l.delta_weight(tensor_of(delta, "delta")););
}

MOS_API mos_status_t mos_layer_merge(mos_layer_t layer) {
  MOS_GUARDED(layer_of(layer, "layer").merge(););
}

MOS_API mos_status_t mos_layer_unmerge(mos_layer_t layer) {
  MOS_GUARDED(layer_of(layer, "layer").unmerge(););
}

MOS_API mos_status_t mos_layer_is_merged(mos_layer_t layer, int32_t* merged) {
  MOS_GUARDED(mos::Layer& l = layer_of(layer, "layer"); *need(merged, "merged") = l.merged() ? 1 : 0;);
}

MOS_API mos_status_t mos_layer_set_dropout_state(mos_layer_t layer, uint64_t seed,
                                                 uint64_t counter) {
  MOS_GUARDED(layer_of(layer, "layer").set_dropout_state(seed, counter););
}

MOS_API mos_status_t mos_layer_get_dropout_state(mos_layer_t layer, uint64_t* seed,
                                                 uint64_t* counter) {
  MOS_GUARDED(mos::Layer& l = layer_of(layer, "layer"); need(seed, "seed"); need(counter, "counter");
              *seed = l.dropout_seed(); *counter = l.dropout_counter(););
}

// ---- optimizer ----------------------------------------------------------------------------

MOS_API mos_status_t mos_optimizer_create_adamw(mos_context_t ctx, float lr, float beta1,
                                                float beta2, float eps, float weight_decay,
                                                mos_optimizer_t* out) {
  MOS_GUARDED(need(ctx, "ctx"); need(out, "out");
              const mos::AdamWConfig c{lr, beta1, beta2, eps, weight_decay};
              mos::validate_adamw(c);
              auto impl = std::make_shared<mos::AdamW>(ctx->impl, c);
              *out = new mos_optimizer{std::move(impl)};);
}

MOS_API mos_status_t mos_optimizer_free(mos_optimizer_t opt) { MOS_GUARDED(delete opt;); }

MOS_API mos_status_t mos_optimizer_add_pool(mos_optimizer_t opt, mos_pool_t pool) {
  MOS_GUARDED(mos::AdamW& o = opt_of(opt, "opt"); need(pool, "pool"); o.add_pool(pool->impl););
}

MOS_API mos_status_t mos_optimizer_set_lr(mos_optimizer_t opt, float lr) {
  MOS_GUARDED(opt_of(opt, "opt").set_lr(lr););
}

MOS_API mos_status_t mos_optimizer_get_lr(mos_optimizer_t opt, float* lr) {
  MOS_GUARDED(mos::AdamW& o = opt_of(opt, "opt"); *need(lr, "lr") = o.lr(););
}

MOS_API mos_status_t mos_optimizer_clip_grad_norm(mos_optimizer_t opt, float max_norm,
                                                  float* total_norm) {
  MOS_GUARDED(const double norm = opt_of(opt, "opt").clip_grad_norm(max_norm);
              if (total_norm) *total_norm = static_cast<float>(norm););
}

MOS_API mos_status_t mos_optimizer_step(mos_optimizer_t opt) {
  MOS_GUARDED(opt_of(opt, "opt").step(););
}

MOS_API mos_status_t mos_optimizer_zero_grad(mos_optimizer_t opt) {
  MOS_GUARDED(opt_of(opt, "opt").zero_grad(););
}

MOS_API mos_status_t mos_optimizer_get_step(mos_optimizer_t opt, int64_t* step) {
  MOS_GUARDED(mos::AdamW& o = opt_of(opt, "opt"); *need(step, "step") = o.steps(););
}

MOS_API mos_status_t mos_optimizer_set_step(mos_optimizer_t opt, int64_t step) {
  MOS_GUARDED(opt_of(opt, "opt").set_steps(step););
}

// ---- decoder ------------------------------------------------------------------------------------

MOS_API mos_status_t mos_decoder_config_validate(const mos_decoder_config_t* config) {
  MOS_GUARDED(mos::model::validate_config(*need(config, "config")););
}

MOS_API mos_status_t mos_decoder_create(mos_context_t ctx, const mos_decoder_config_t* config,
                                        mos_decoder_t* out) {
  MOS_GUARDED(need(ctx, "ctx"); need(config, "config"); need(out, "out");
              mos::model::validate_config(*config);
              auto impl = std::make_shared<mos::model::Decoder>(ctx->impl, *config);
              *out = new mos_decoder{std::move(impl)};);
}

MOS_API mos_status_t mos_decoder_free(mos_decoder_t dec) { MOS_GUARDED(delete dec;); }

MOS_API mos_status_t mos_decoder_get_config(mos_decoder_t dec, mos_decoder_config_t* out) {
  MOS_GUARDED(const mos::model::Decoder& d = dec_of(dec); *need(out, "out") = d.cfg(););
}

MOS_API mos_status_t mos_decoder_set_weight(mos_decoder_t dec, const char* name,
                                            mos_dtype_t src_dtype, int64_t rows, int64_t cols,
                                            const void* data) {
  MOS_GUARDED(mos::model::Decoder& d = dec_of(dec); need(name, "name"); need(data, "data");
              d.set_weight(name, src_dtype, rows, cols, data););
}

MOS_API mos_status_t mos_decoder_weight_count(mos_decoder_t dec, int32_t* count) {
  MOS_GUARDED(const mos::model::Decoder& d = dec_of(dec); *need(count, "count") = d.weight_count(););
}

MOS_API mos_status_t mos_decoder_weight_info(mos_decoder_t dec, int32_t index, char* name,
                                             size_t name_capacity, int64_t* rows, int64_t* cols,
                                             int32_t* is_set) {
  MOS_GUARDED(
    const mos::model::Decoder::Weight& w = dec_of(dec).weight(index);
    if (name && name_capacity > 0) {
      const size_t n = std::min(w.name.size(), name_capacity - 1);
      std::memcpy(name, w.name.data(), n);
      name[n] = '\0';
    }
    if (rows) *rows = w.rows;
    if (cols) *cols = w.cols;
    if (is_set) *is_set = w.set ? 1 : 0;);
}

MOS_API mos_status_t mos_decoder_attach_pool(mos_decoder_t dec, const char* projection,
                                             mos_pool_t pool) {
  MOS_GUARDED(mos::model::Decoder& d = dec_of(dec); need(projection, "projection");
              d.attach_pool(projection, pool ? pool->impl : nullptr););
}

MOS_API mos_status_t mos_decoder_set_dropout_state(mos_decoder_t dec, uint64_t seed,
                                                   uint64_t counter) {
  MOS_GUARDED(dec_of(dec).set_dropout_state(seed, counter););
}

MOS_API mos_status_t mos_decoder_get_dropout_state(mos_decoder_t dec, uint64_t* seed,
                                                   uint64_t* counter) {
  MOS_GUARDED(const mos::model::Decoder& d = dec_of(dec); need(seed, "seed");
              need(counter, "counter"); *seed = d.dropout_seed(); *counter = d.dropout_counter(););
}

MOS_API mos_status_t mos_decoder_set_recompute(mos_decoder_t dec, int32_t on) {
  MOS_GUARDED(mos::model::Decoder& d = dec_of(dec);
              mos::check(on == 0 || on == 1, MOS_STATUS_INVALID_ARGUMENT,
                         "on must be 0 or 1, got ", on);
              d.set_recompute(on != 0););
}

MOS_API mos_status_t mos_decoder_loss(mos_decoder_t dec, const mos_batch_t* batch, int32_t backward,
                                      float grad_scale, double* loss_sum, int64_t* loss_count) {
  MOS_GUARDED(mos::model::Decoder& d = dec_of(dec); need(batch, "batch");
              need(loss_sum, "loss_sum"); need(loss_count, "loss_count");
              const mos::model::HostBatch b = d.check_batch(*batch);
              d.loss(b, backward != 0, grad_scale, loss_sum, loss_count););
}

MOS_API mos_status_t mos_decoder_logits(mos_decoder_t dec, const mos_batch_t* batch,
                                        float* logits) {
  MOS_GUARDED(mos::model::Decoder& d = dec_of(dec); need(batch, "batch"); need(logits, "logits");
              const mos::model::HostBatch b = d.check_batch(*batch);
              d.logits(b, logits););
}

MOS_API mos_status_t mos_decoder_merge(mos_decoder_t dec) { MOS_GUARDED(dec_of(dec).merge();); }

MOS_API mos_status_t mos_decoder_unmerge(mos_decoder_t dec) { MOS_GUARDED(dec_of(dec).unmerge();); }

MOS_API mos_status_t mos_decoder_get_weight(mos_decoder_t dec, const char* name,
                                            mos_dtype_t dst_dtype, int64_t rows, int64_t cols,
                                            void* dst) {
  MOS_GUARDED(const mos::model::Decoder& d = dec_of(dec); need(name, "name"); need(dst, "dst");
              d.get_weight(name, dst_dtype, rows, cols, dst););
}

// ---- training the base --------------------------------------------------------------------------

MOS_API mos_status_t mos_decoder_set_base_trainable(mos_decoder_t dec, int32_t on) {
  MOS_GUARDED(mos::model::Decoder& d = dec_of(dec);
              mos::check(on == 0 || on == 1, MOS_STATUS_INVALID_ARGUMENT,
                         "on must be 0 or 1, got ", on);
              d.set_base_trainable(on != 0););
}

MOS_API mos_status_t mos_decoder_get_base_trainable(mos_decoder_t dec, int32_t* on) {
  MOS_GUARDED(const mos::model::Decoder& d = dec_of(dec);
              *need(on, "on") = d.base_trainable() ? 1 : 0;);
}

MOS_API mos_status_t mos_decoder_base_zero_grad(mos_decoder_t dec) {
  MOS_GUARDED(dec_of(dec).base_zero_grad(););
}

MOS_API mos_status_t mos_decoder_base_grad_norm(mos_decoder_t dec, double* norm) {
  MOS_GUARDED(const mos::model::Decoder& d = dec_of(dec); need(norm, "norm");
              *norm = d.base_grad_norm(););
}

MOS_API mos_status_t mos_decoder_base_step(mos_decoder_t dec, const mos_adamw_params_t* params,
                                           double* grad_norm) {
  MOS_GUARDED(mos::model::Decoder& d = dec_of(dec); need(params, "params");
              const mos::AdamWConfig c{params->lr, params->beta1, params->beta2, params->eps,
                                       params->weight_decay};
              const double norm = d.base_step(c, params->max_grad_norm);
              if (grad_norm) *grad_norm = norm;);
}

MOS_API mos_status_t mos_decoder_base_get_step(mos_decoder_t dec, int64_t* step) {
  MOS_GUARDED(const mos::model::Decoder& d = dec_of(dec); need(step, "step");
              *step = d.base_steps(););
}

MOS_API mos_status_t mos_decoder_base_set_step(mos_decoder_t dec, int64_t step) {
  MOS_GUARDED(dec_of(dec).set_base_steps(step););
}

MOS_API mos_status_t mos_decoder_base_read(mos_decoder_t dec, const char* name,
                                           mos_base_array_t which, float* dst,
                                           int64_t num_elements) {
  MOS_GUARDED(const mos::model::Decoder& d = dec_of(dec); need(name, "name"); need(dst, "dst");
              check_base_array(which); d.base_read(name, which, dst, num_elements););
}

MOS_API mos_status_t mos_decoder_base_write(mos_decoder_t dec, const char* name,
                                            mos_base_array_t which, const float* src,
                                            int64_t num_elements) {
  MOS_GUARDED(mos::model::Decoder& d = dec_of(dec); need(name, "name"); need(src, "src");
              check_base_array(which); d.base_write(name, which, src, num_elements););
}

// ---- KV cache -----------------------------------------------------------------------------------

MOS_API mos_status_t mos_kv_cache_bytes_per_token(mos_decoder_t dec, int64_t* bytes) {
  MOS_GUARDED(const mos::model::Decoder& d = dec_of(dec);
              *need(bytes, "bytes") = d.kv_bytes_per_token(););
}

MOS_API mos_status_t mos_kv_cache_create(mos_decoder_t dec, int64_t capacity_tokens,
                                         mos_kv_cache_t* out) {
  MOS_GUARDED(dec_of(dec); need(out, "out");
              auto impl = std::make_shared<mos::model::KvCache>(dec->impl, capacity_tokens);
              *out = new mos_kv_cache{std::move(impl)};);
}

MOS_API mos_status_t mos_kv_cache_free(mos_kv_cache_t cache) { MOS_GUARDED(delete cache;); }

MOS_API mos_status_t mos_kv_cache_add_sequence(mos_kv_cache_t cache, int32_t* seq_id) {
  MOS_GUARDED(mos::model::KvCache& c = cache_of(cache);
              *need(seq_id, "seq_id") = c.add_sequence(););
}

MOS_API mos_status_t mos_kv_cache_remove_sequence(mos_kv_cache_t cache, int32_t seq_id) {
  MOS_GUARDED(cache_of(cache).remove_sequence(seq_id););
}

MOS_API mos_status_t mos_kv_cache_sequence_length(mos_kv_cache_t cache, int32_t seq_id,
                                                  int32_t* length) {
  MOS_GUARDED(const mos::model::KvCache& c = cache_of(cache); need(length, "length");
              *length = c.sequence(seq_id).length;);
}

MOS_API mos_status_t mos_kv_cache_usage(mos_kv_cache_t cache, int64_t* used_tokens,
                                        int64_t* capacity_tokens, int64_t* free_tokens,
                                        int32_t* num_seqs) {
  MOS_GUARDED(cache_of(cache).usage(used_tokens, capacity_tokens, free_tokens, num_seqs););
}

MOS_API mos_status_t mos_decoder_step(mos_decoder_t dec, mos_kv_cache_t cache, mos_bank_t bank,
                                      const mos_step_t* step, float* logits) {
  MOS_GUARDED(
    mos::model::Decoder& d = dec_of(dec);
    mos::model::KvCache& c = cache_of(cache);
    need(step, "step");
    need(logits, "logits");
    mos::check(step->num_seqs >= 1, MOS_STATUS_INVALID_ARGUMENT,
               "step->num_seqs must be >= 1, got ", step->num_seqs);
    need(step->seq_ids, "step->seq_ids");
    need(step->lengths, "step->lengths");
    need(step->tokens, "step->tokens");
    mos::model::StepArgs a;
    a.num_seqs = step->num_seqs;
    a.seq_ids = step->seq_ids;
    a.lengths = step->lengths;
    a.tokens = step->tokens;
    a.adapter_ids = step->adapter_ids;
    d.step(c, bank ? bank->impl.get() : nullptr, a, logits););
}

// ---- sampling and generation ------------------------------------------------------------------

MOS_API mos_status_t mos_sample(const float* logits, int32_t vocab, const mos_sampling_t* sampling,
                                uint64_t counter, int32_t* token, float* logprob) {
  MOS_GUARDED(need(logits, "logits"); need(sampling, "sampling"); need(token, "token");
              mos::model::sample(logits, vocab, *sampling, counter, token, logprob););
}

MOS_API mos_status_t mos_decoder_generate(mos_decoder_t dec, mos_bank_t bank,
                                          mos_generate_request_t* requests, int32_t num_requests,
                                          mos_token_callback_t callback, void* user) {
  MOS_GUARDED(dec_of(dec);
              mos::model::generate(dec->impl, bank ? bank->impl.get() : nullptr, requests,
                                   num_requests, callback, user););
}

// ---- adapter bank ---------------------------------------------------------------------------

MOS_API mos_status_t mos_bank_create(mos_context_t ctx, int64_t memory_budget_bytes,
                                     mos_bank_t* out) {
  MOS_GUARDED(need(ctx, "ctx"); need(out, "out");
    mos::check(memory_budget_bytes >= 0, MOS_STATUS_INVALID_ARGUMENT,
               "memory_budget_bytes must be >= 0 (0 = unlimited), got ", memory_budget_bytes);
    auto impl = std::make_shared<mos::bank::Bank>(ctx->impl, memory_budget_bytes);
    *out = new mos_bank{std::move(impl)};);
}

MOS_API mos_status_t mos_bank_free(mos_bank_t bank) { MOS_GUARDED(delete bank;); }

MOS_API mos_status_t mos_bank_add(mos_bank_t bank, int32_t count, const char* const* names,
                                  const mos_pool_t* pools, int32_t* adapter_id) {
  MOS_GUARDED(
    mos::bank::Bank& b = bank_of(bank);
    need(adapter_id, "adapter_id");
    mos::check(count >= 1, MOS_STATUS_INVALID_ARGUMENT,
               "count must be >= 1 (an adapter has at least one pool group), got ", count);
    need(names, "names");
    need(pools, "pools");
    std::vector<std::string> n;
    std::vector<std::shared_ptr<mos::Pool>> p;
    for (int32_t i = 0; i < count; ++i) {
      mos::check(names[i] != nullptr, MOS_STATUS_NULL_POINTER, "names[", i, "] is NULL");
      mos::check(pools[i] != nullptr, MOS_STATUS_NULL_POINTER, "pools[", i, "] is NULL");
      n.emplace_back(names[i]);
      p.push_back(pools[i]->impl);
    }
    *adapter_id = b.add(n, p););
}

MOS_API mos_status_t mos_bank_remove(mos_bank_t bank, int32_t adapter_id) {
  MOS_GUARDED(bank_of(bank).remove(adapter_id););
}

MOS_API mos_status_t mos_bank_adapter_bytes(mos_bank_t bank, int32_t adapter_id, int64_t* bytes,
                                            int64_t* dense_lora_bytes) {
  MOS_GUARDED(bank_of(bank).adapter_bytes(adapter_id, bytes, dense_lora_bytes););
}

MOS_API mos_status_t mos_bank_usage(mos_bank_t bank, int64_t* total_bytes, int64_t* budget_bytes,
                                    int32_t* num_adapters) {
  MOS_GUARDED(bank_of(bank).usage(total_bytes, budget_bytes, num_adapters););
}

MOS_API mos_status_t mos_bank_projection(mos_bank_t bank, const char* name, int32_t* slot,
                                         int32_t* d_in, int32_t* d_out, int32_t* num_blocks) {
  MOS_GUARDED(mos::bank::Bank& b = bank_of(bank); need(name, "name");
              b.projection(name, slot, d_in, d_out, num_blocks););
}

MOS_API mos_status_t mos_bank_set_path(mos_bank_t bank, mos_bank_path_t path) {
  MOS_GUARDED(mos::bank::Bank& b = bank_of(bank); b.set_path(enum_bits(path)););
}

MOS_API mos_status_t mos_bank_apply(mos_bank_t bank, int32_t slot, int32_t block, mos_tensor_t x,
                                    const int32_t* adapter_ids, int64_t num_ids, mos_tensor_t y) {
  MOS_GUARDED(
    mos::bank::Bank& b = bank_of(bank);
    const mos::bank::Projection p = b.projection_of(slot);
    mos::Tensor& tx = bank_operand(x, "x", b, p.d_in, "the projection's d_in");
    mos::Tensor& ty = bank_operand(y, "y", b, p.d_out, "the projection's d_out");
    mos::require_rows(ty, "y", tx.rows, "x's row count T");
    mos::check(num_ids == tx.rows, MOS_STATUS_SHAPE_MISMATCH, "num_ids is ", num_ids,
               " but x has ", tx.rows, " rows (one adapter id per token)");
    need(adapter_ids, "adapter_ids");
    mos::check(tx.data != ty.data, MOS_STATUS_INVALID_ARGUMENT, "x and y must not be the same memory");
    b.apply(slot, block, tx.f32(), tx.rows, adapter_ids, ty.f32(), false);
    ty.mark_written(););
}

MOS_API mos_status_t mos_bank_apply_host(mos_bank_t bank, int32_t slot, int32_t block,
                                         const float* x, int64_t tokens, const int32_t* adapter_ids,
                                         float* y) {
  MOS_GUARDED(
    mos::bank::Bank& b = bank_of(bank);
    mos::check(tokens >= 0, MOS_STATUS_INVALID_ARGUMENT, "tokens is ", tokens, " (expected >= 0)");
    if (tokens > 0) {
      need(x, "x");
      need(adapter_ids, "adapter_ids");
      need(y, "y");
    }
    b.apply(slot, block, x, tokens, adapter_ids, y, true););
}

MOS_API mos_status_t mos_bank_merge(mos_bank_t bank, int32_t adapter_id, int32_t slot,
                                    int32_t block, mos_tensor_t weight) {
  MOS_GUARDED(mos::bank::Bank& b = bank_of(bank);
              b.merge(adapter_id, slot, block, tensor_of(weight, "weight"), +1.0f););
}

MOS_API mos_status_t mos_bank_unmerge(mos_bank_t bank, int32_t adapter_id, int32_t slot,
                                      int32_t block, mos_tensor_t weight) {
  MOS_GUARDED(mos::bank::Bank& b = bank_of(bank);
              b.merge(adapter_id, slot, block, tensor_of(weight, "weight"), -1.0f););
}

}  // extern "C"
