// SPDX-License-Identifier: Apache-2.0
// test_c_abi: the C ABI contract of mos.h: every bad input returns its documented status with a
// message that starts with the C function's name, and leaves every object exactly as it was;
// *_free(NULL) is a no-op; handles may be freed in any order; mos_last_error is per thread and
// emptied by a successful call; lengths count elements; backward takes only its forward's x.
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"

namespace {

void library() {
  T_CHECK(mos_abi_version() == MOS_ABI_VERSION_MAJOR * 1000 + MOS_ABI_VERSION_MINOR, "abi %d",
          mos_abi_version());
  const std::string v = mos_version_string();
  T_CHECK(v.find("mos ") == 0 && v.find("cpu:") != std::string::npos &&
              v.find("cuda:") != std::string::npos,
          "version string \"%s\"", v.c_str());
  int32_t avail = -1;
  char reason[64] = "x";
  T_OK(mos_backend_available(MOS_BACKEND_CPU, &avail, reason, sizeof reason));
  T_CHECK(avail == 1 && reason[0] == '\0', "CPU availability %d, reason \"%s\"", avail, reason);
  T_OK(mos_backend_available(MOS_BACKEND_CUDA, &avail, nullptr, 0));
  if (v.find("cuda:off") != std::string::npos) {
    T_OK(mos_backend_available(MOS_BACKEND_CUDA, &avail, reason, sizeof reason));
    T_CHECK(avail == 0 && std::string(reason) == "unsupported: built without CUDA",
            "CUDA: %d \"%s\"", avail, reason);
    char tiny[5];
    T_OK(mos_backend_available(MOS_BACKEND_CUDA, &avail, tiny, sizeof tiny));
    T_CHECK(std::string(tiny) == "unsu", "truncated reason \"%s\"", tiny);
    mos_context_t ctx = nullptr;
    T_STATUS(mos_context_create(MOS_BACKEND_CUDA, 0, &ctx), MOS_STATUS_BACKEND_UNAVAILABLE,
             "mos_context_create: ");
    T_CHECK(std::string(mos_last_error()).find("built without CUDA") != std::string::npos, "%s",
            mos_last_error());
  }
  // Any build, CUDA unusable here (no CUDA built, no driver, no device): absent, not fatal.
  T_OK(mos_backend_available(MOS_BACKEND_CUDA, &avail, reason, sizeof reason));
  if (avail == 0) {
    T_CHECK(reason[0] != '\0', "CUDA unavailable without a reason");
    mos_context_t ctx = nullptr;
    T_STATUS(mos_context_create(MOS_BACKEND_CUDA, 0, &ctx), MOS_STATUS_BACKEND_UNAVAILABLE,
             "mos_context_create: ");
    T_CHECK(ctx == nullptr, "a failed mos_context_create wrote *out");
  }
  T_STATUS(mos_backend_available(MOS_BACKEND_CPU, nullptr, nullptr, 0), MOS_STATUS_NULL_POINTER,
           "mos_backend_available: ");
  T_STATUS(mos_backend_available(static_cast<mos_backend_t>(7), &avail, nullptr, 0),
           MOS_STATUS_INVALID_ARGUMENT, "mos_backend_available: ");
}

void context_and_tensors() {
  mos_context_t ctx = nullptr, other = nullptr;
  T_STATUS(mos_context_create(MOS_BACKEND_CPU, 1, &ctx), MOS_STATUS_INVALID_ARGUMENT,
           "mos_context_create: ");
  T_STATUS(mos_context_create(static_cast<mos_backend_t>(9), 0, &ctx), MOS_STATUS_INVALID_ARGUMENT,
           "mos_context_create: ");
  T_STATUS(mos_context_create(MOS_BACKEND_CPU, 0, nullptr), MOS_STATUS_NULL_POINTER,
           "mos_context_create: ");
  T_CHECK(std::string(mos_last_error()) == "mos_context_create: out is NULL", "\"%s\"",
          mos_last_error());
  T_OK(mos_context_create(MOS_BACKEND_CPU, 0, &ctx));
  T_OK(mos_context_create(MOS_BACKEND_CPU, 0, &other));
  mos_backend_t kind = MOS_BACKEND_CUDA;
  T_OK(mos_context_backend(ctx, &kind));
  T_CHECK(kind == MOS_BACKEND_CPU, "backend %d", (int)kind);
  T_STATUS(mos_context_backend(nullptr, &kind), MOS_STATUS_NULL_POINTER, "mos_context_backend: ");
  T_STATUS(mos_context_backend(ctx, nullptr), MOS_STATUS_NULL_POINTER, "mos_context_backend: ");
  T_STATUS(mos_context_set_num_threads(ctx, -1), MOS_STATUS_INVALID_ARGUMENT,
           "mos_context_set_num_threads: ");
  // libgomp would exit the process when it cannot start the threads: huge counts are refused.
  T_STATUS(mos_context_set_num_threads(ctx, 1000000), MOS_STATUS_INVALID_ARGUMENT,
           "mos_context_set_num_threads: ");
  T_STATUS(mos_context_set_num_threads(ctx, INT32_MAX), MOS_STATUS_INVALID_ARGUMENT,
           "mos_context_set_num_threads: ");
  T_OK(mos_context_set_num_threads(ctx, 1));
  T_OK(mos_context_set_num_threads(ctx, 0));
  T_OK(mos_context_set_math_mode(ctx, MOS_MATH_TF32));
  T_OK(mos_context_set_math_mode(ctx, MOS_MATH_DEFAULT));
  T_STATUS(mos_context_set_math_mode(ctx, (mos_math_mode_t)7), MOS_STATUS_INVALID_ARGUMENT,
           "mos_context_set_math_mode: ");
  T_STATUS(mos_context_set_math_mode(nullptr, MOS_MATH_DEFAULT), MOS_STATUS_NULL_POINTER,
           "mos_context_set_math_mode: ");
  T_OK(mos_context_set_deterministic(ctx, 1));
  T_OK(mos_context_set_deterministic(ctx, 0));
  T_STATUS(mos_context_set_deterministic(nullptr, 1), MOS_STATUS_NULL_POINTER,
           "mos_context_set_deterministic: ");
  T_OK(mos_context_synchronize(ctx));
  T_STATUS(mos_context_synchronize(nullptr), MOS_STATUS_NULL_POINTER, "mos_context_synchronize: ");

  mos_tensor_t tns = nullptr;
  T_STATUS(mos_tensor_create(ctx, MOS_DTYPE_F32, 0, 4, &tns), MOS_STATUS_INVALID_ARGUMENT,
           "mos_tensor_create: ");
  T_STATUS(mos_tensor_create(ctx, MOS_DTYPE_F32, 4, -1, &tns), MOS_STATUS_INVALID_ARGUMENT,
           "mos_tensor_create: ");
  T_STATUS(mos_tensor_create(ctx, static_cast<mos_dtype_t>(5), 4, 4, &tns),
           MOS_STATUS_INVALID_ARGUMENT, "mos_tensor_create: ");
  T_STATUS(mos_tensor_create(ctx, MOS_DTYPE_F32, int64_t{1} << 40, int64_t{1} << 40, &tns),
           MOS_STATUS_INVALID_ARGUMENT, "mos_tensor_create: ");
  T_STATUS(mos_tensor_create(nullptr, MOS_DTYPE_F32, 4, 4, &tns), MOS_STATUS_NULL_POINTER,
           "mos_tensor_create: ");
  T_CHECK(tns == nullptr, "a failed create wrote *out");

  // BF16 / I32 tensors exist (2 and 4 bytes per element) ...
  mos_tensor_t bf = nullptr, i32 = nullptr;
  T_OK(mos_tensor_create(ctx, MOS_DTYPE_BF16, 3, 5, &bf));
  T_OK(mos_tensor_create(ctx, MOS_DTYPE_I32, 3, 5, &i32));
  // Lengths count elements of the tensor's dtype, not bytes: 15 bf16 values, not 30 bytes.
  std::vector<uint16_t> h16(30, 7);
  T_OK(mos_tensor_write(bf, h16.data(), 15));
  T_STATUS(mos_tensor_write(bf, h16.data(), 30), MOS_STATUS_SHAPE_MISMATCH, "mos_tensor_write: ");
  T_CHECK(
      std::string(mos_last_error()) ==
          "mos_tensor_write: num_elements is 30 but the tensor [3 x 5] holds 15 elements (BF16)",
      "message \"%s\"", mos_last_error());
  T_STATUS(mos_tensor_read(bf, h16.data(), -1), MOS_STATUS_SHAPE_MISMATCH, "mos_tensor_read: ");
  std::vector<uint16_t> back(15, 0);
  T_OK(mos_tensor_read(bf, back.data(), 15));
  T_CHECK(back == std::vector<uint16_t>(15, 7), "bf16 elements did not round-trip");
  mos_dtype_t dt = MOS_DTYPE_F32;
  T_OK(mos_tensor_dtype(bf, &dt));
  T_CHECK(dt == MOS_DTYPE_BF16, "dtype %d", (int)dt);

  // Wrapping host memory: shared, alignment checked.
  alignas(16) float host[12] = {0};
  mos_tensor_t wrapped = nullptr;
  T_STATUS(mos_tensor_wrap_host(ctx, MOS_DTYPE_F32, 3, 4, nullptr, &wrapped),
           MOS_STATUS_NULL_POINTER, "mos_tensor_wrap_host: ");
  T_STATUS(
      mos_tensor_wrap_host(ctx, MOS_DTYPE_F32, 3, 4, reinterpret_cast<char*>(host) + 1, &wrapped),
      MOS_STATUS_INVALID_ARGUMENT, "mos_tensor_wrap_host: ");
  T_OK(mos_tensor_wrap_host(ctx, MOS_DTYPE_F32, 3, 4, host, &wrapped));
  std::vector<float> src(12, 2.5f);
  T_OK(mos_tensor_write(wrapped, src.data(), 12));
  T_CHECK(host[11] == 2.5f, "a write to a wrapped tensor did not reach the caller's memory");
  int64_t rows = 0, cols = 0;
  T_OK(mos_tensor_shape(wrapped, &rows, &cols));
  T_CHECK(rows == 3 && cols == 4, "shape %lld x %lld", (long long)rows, (long long)cols);
  T_STATUS(mos_tensor_shape(wrapped, nullptr, &cols), MOS_STATUS_NULL_POINTER,
           "mos_tensor_shape: ");
  T_STATUS(mos_tensor_read(wrapped, src.data(), 11), MOS_STATUS_SHAPE_MISMATCH,
           "mos_tensor_read: ");
  T_STATUS(mos_tensor_read(wrapped, src.data(), 48), MOS_STATUS_SHAPE_MISMATCH,
           "mos_tensor_read: ");
  T_STATUS(mos_tensor_read(wrapped, nullptr, 12), MOS_STATUS_NULL_POINTER, "mos_tensor_read: ");
  T_STATUS(mos_tensor_write(nullptr, src.data(), 12), MOS_STATUS_NULL_POINTER,
           "mos_tensor_write: ");

  // mos_gemm: shapes, aliasing, and a product with both transposes vs a hand loop.
  mos_tensor_t a = t::tensor(ctx, 3, 2, {1, 2, 3, 4, 5, 6});  // op(a) = a^T [2 x 3]
  mos_tensor_t b =
      t::tensor(ctx, 4, 3, {1, 0, 1, 0, 1, 0, 2, 2, 2, 1, -1, 1});  // op(b) = b^T [3 x 4]
  mos_tensor_t c = t::tensor(ctx, 2, 4, std::vector<float>(8, 1.0f));
  T_OK(mos_gemm(ctx, 1, 1, 2.0f, a, b, 0.5f, c));
  const float expect[8] = {2 * 6 + 0.5f, 2 * 3 + 0.5f, 2 * 18 + 0.5f, 2 * 3 + 0.5f,
                           2 * 8 + 0.5f, 2 * 4 + 0.5f, 2 * 24 + 0.5f, 2 * 4 + 0.5f};
  const auto cv = t::read(c);
  for (int i = 0; i < 8; ++i)
    T_CHECK(cv[i] == expect[i], "mos_gemm c[%d] = %g, expected %g", i, cv[i], expect[i]);
  T_STATUS(mos_gemm(ctx, 0, 1, 1.0f, a, b, 0.0f, c), MOS_STATUS_SHAPE_MISMATCH, "mos_gemm: ");
  T_STATUS(mos_gemm(ctx, 1, 0, 1.0f, a, a, 0.0f, c), MOS_STATUS_SHAPE_MISMATCH, "mos_gemm: ");
  // F32 and BF16 operands do not mix (test_bf16 covers all-BF16 products).
  T_STATUS(mos_gemm(ctx, 1, 1, 1.0f, a, b, 0.0f, bf), MOS_STATUS_INVALID_ARGUMENT, "mos_gemm: ");
  mos_tensor_t sq = t::tensor(ctx, 2, 2);
  T_STATUS(mos_gemm(ctx, 0, 0, 1.0f, sq, sq, 0.0f, sq), MOS_STATUS_INVALID_ARGUMENT, "mos_gemm: ");
  T_STATUS(mos_gemm(other, 0, 0, 1.0f, sq, sq, 0.0f, c), MOS_STATUS_INVALID_ARGUMENT, "mos_gemm: ");
  T_CHECK(t::read(c) == cv, "a failed mos_gemm changed c");

  for (mos_tensor_t h : {bf, i32, wrapped, a, b, c, sq}) T_OK(mos_tensor_free(h));
  T_OK(mos_context_free(other));
  T_OK(mos_context_free(ctx));
}

// The config most tests here use: P = 8 shards, S = 4 public.
t::Config small(float dropout = 0.1f) {
  return t::config({.d_in = 8,
                    .d_out = 6,
                    .num_blocks = 2,
                    .rank = 3,
                    .equivalent_rank = 2,
                    .private_rank = 1,
                    .shards_per_vector = 2,
                    .alpha = 16.0f,
                    .dropout = dropout});
}

struct Setup {
  mos_context_t ctx = nullptr;
  mos_pool_t pool = nullptr;
  static constexpr int d_in = 8, d_out = 6, L = 2, r = 3, R = 2, p = 1, l = 2, P = 8, rl = 6;
  explicit Setup(float dropout = 0.1f) {
    T_OK(mos_context_create(MOS_BACKEND_CPU, 0, &ctx));
    T_OK(mos_pool_create(ctx, small(dropout), &pool));
    T_OK(mos_pool_init(pool, 1));
    std::vector<float> b(static_cast<size_t>(d_out / l) * P, 0.25f);
    T_OK(mos_pool_write(pool, MOS_POOL_B, b.data(), static_cast<int64_t>(b.size())));
  }
  ~Setup() {
    mos_pool_free(pool);
    mos_context_free(ctx);
  }
  std::vector<float> snapshot(mos_pool_array_t w) {
    const bool a =
        w == MOS_POOL_A || w == MOS_POOL_GRAD_A || w == MOS_POOL_ADAM_M_A || w == MOS_POOL_ADAM_V_A;
    return t::read_pool(pool, w, a ? P * (d_in / l) : (d_out / l) * P);
  }
  std::vector<float> grads() {  // grad_A, then grad_B
    auto g = snapshot(MOS_POOL_GRAD_A);
    const auto gb = snapshot(MOS_POOL_GRAD_B);
    g.insert(g.end(), gb.begin(), gb.end());
    return g;
  }
};

void pools() {
  Setup s;
  mos_pool_t pool = s.pool;
  std::vector<int32_t> ia{0, 1, 2, 3, 4, 5}, ib{3, 2, 1, 0, 4, 5}, got_a(6), got_b(6);
  // Unset block: get_indices and assemble are INVALID_STATE.
  T_STATUS(mos_pool_get_indices(pool, 0, got_a.data(), got_b.data(), 6), MOS_STATUS_INVALID_STATE,
           "mos_pool_get_indices: ");
  mos_tensor_t a_out = t::tensor(s.ctx, Setup::r, Setup::d_in),
               b_out = t::tensor(s.ctx, Setup::d_out, Setup::r);
  T_STATUS(mos_pool_assemble(pool, 0, a_out, b_out), MOS_STATUS_INVALID_STATE,
           "mos_pool_assemble: ");
  T_OK(mos_pool_set_indices(pool, 0, ia.data(), ib.data(), 6));

  // Bad explicit indices: nothing written (block 0 keeps its indices, block 1 stays unset).
  const auto pool_a = s.snapshot(MOS_POOL_A), pool_b = s.snapshot(MOS_POOL_B);
  std::vector<int32_t> bad = ia;
  bad[4] = Setup::P;
  T_STATUS(mos_pool_set_indices(pool, 0, bad.data(), ib.data(), 6), MOS_STATUS_INDEX_OUT_OF_RANGE,
           "mos_pool_set_indices: ");
  T_CHECK(std::string(mos_last_error()).find("idx_a[4] = 8") != std::string::npos, "%s",
          mos_last_error());
  bad[4] = -1;
  T_STATUS(mos_pool_set_indices(pool, 0, ia.data(), bad.data(), 6), MOS_STATUS_INDEX_OUT_OF_RANGE,
           "mos_pool_set_indices: ");
  T_STATUS(mos_pool_set_indices(pool, 0, bad.data(), ib.data(), 6), MOS_STATUS_INDEX_OUT_OF_RANGE,
           "mos_pool_set_indices: ");
  T_STATUS(mos_pool_set_indices(pool, 0, ia.data(), ib.data(), 5), MOS_STATUS_SHAPE_MISMATCH,
           "mos_pool_set_indices: ");
  T_STATUS(mos_pool_set_indices(pool, 2, ia.data(), ib.data(), 6), MOS_STATUS_INDEX_OUT_OF_RANGE,
           "mos_pool_set_indices: ");
  T_STATUS(mos_pool_set_indices(pool, -1, ia.data(), ib.data(), 6), MOS_STATUS_INDEX_OUT_OF_RANGE,
           "mos_pool_set_indices: ");
  T_STATUS(mos_pool_set_indices(pool, 0, nullptr, ib.data(), 6), MOS_STATUS_NULL_POINTER,
           "mos_pool_set_indices: ");
  T_STATUS(mos_pool_set_indices(nullptr, 0, ia.data(), ib.data(), 6), MOS_STATUS_NULL_POINTER,
           "mos_pool_set_indices: ");
  T_CHECK(std::string(mos_last_error()) == "mos_pool_set_indices: pool is NULL", "%s",
          mos_last_error());
  T_OK(mos_pool_get_indices(pool, 0, got_a.data(), got_b.data(), 6));
  T_CHECK(got_a == ia && got_b == ib, "block 0's indices changed after failed set_indices calls");
  T_STATUS(mos_pool_get_indices(pool, 1, got_a.data(), got_b.data(), 6), MOS_STATUS_INVALID_STATE,
           "mos_pool_get_indices: ");
  T_STATUS(mos_pool_get_indices(pool, 0, got_a.data(), got_b.data(), 7), MOS_STATUS_SHAPE_MISMATCH,
           "mos_pool_get_indices: ");
  T_CHECK(s.snapshot(MOS_POOL_A) == pool_a && s.snapshot(MOS_POOL_B) == pool_b,
          "pool contents changed");

  // read / write lengths and array ids.
  std::vector<float> buf(100, 9.0f);
  T_STATUS(mos_pool_write(pool, MOS_POOL_A, buf.data(), 31), MOS_STATUS_SHAPE_MISMATCH,
           "mos_pool_write: ");
  T_STATUS(mos_pool_write(pool, MOS_POOL_B, buf.data(), 33), MOS_STATUS_SHAPE_MISMATCH,
           "mos_pool_write: ");
  T_STATUS(mos_pool_write(pool, static_cast<mos_pool_array_t>(8), buf.data(), 32),
           MOS_STATUS_INVALID_ARGUMENT, "mos_pool_write: ");
  T_STATUS(mos_pool_write(pool, MOS_POOL_A, nullptr, 32), MOS_STATUS_NULL_POINTER,
           "mos_pool_write: ");
  T_STATUS(mos_pool_read(pool, MOS_POOL_GRAD_B, buf.data(), 23), MOS_STATUS_SHAPE_MISMATCH,
           "mos_pool_read: ");
  T_STATUS(mos_pool_read(pool, static_cast<mos_pool_array_t>(-1), buf.data(), 32),
           MOS_STATUS_INVALID_ARGUMENT, "mos_pool_read: ");
  T_CHECK(s.snapshot(MOS_POOL_A) == pool_a && s.snapshot(MOS_POOL_B) == pool_b,
          "pool contents changed");

  // assemble: shapes, dtype, block range.
  mos_tensor_t wrong = t::tensor(s.ctx, Setup::r, Setup::d_in + 1);
  T_STATUS(mos_pool_assemble(pool, 0, wrong, b_out), MOS_STATUS_SHAPE_MISMATCH,
           "mos_pool_assemble: ");
  T_STATUS(mos_pool_assemble(pool, 0, a_out, wrong), MOS_STATUS_SHAPE_MISMATCH,
           "mos_pool_assemble: ");
  T_STATUS(mos_pool_assemble(pool, 5, a_out, b_out), MOS_STATUS_INDEX_OUT_OF_RANGE,
           "mos_pool_assemble: ");
  T_OK(mos_pool_assemble(pool, 0, nullptr, nullptr));

  // Nulls of the other pool calls.
  T_STATUS(mos_pool_create(s.ctx, small(), nullptr), MOS_STATUS_NULL_POINTER, "mos_pool_create: ");
  T_STATUS(mos_pool_create(nullptr, small(), &pool), MOS_STATUS_NULL_POINTER, "mos_pool_create: ");
  T_STATUS(mos_pool_create(s.ctx, nullptr, &pool), MOS_STATUS_NULL_POINTER,
           "mos_pool_create: config is NULL");
  T_STATUS(mos_pool_init(nullptr, 1), MOS_STATUS_NULL_POINTER, "mos_pool_init: ");
  T_STATUS(mos_pool_generate_indices(nullptr, 1), MOS_STATUS_NULL_POINTER,
           "mos_pool_generate_indices: ");
  T_STATUS(mos_pool_zero_grad(nullptr), MOS_STATUS_NULL_POINTER, "mos_pool_zero_grad: ");
  mos_config_t cfg = {};
  T_STATUS(mos_pool_get_config(nullptr, &cfg), MOS_STATUS_NULL_POINTER, "mos_pool_get_config: ");
  T_STATUS(mos_pool_get_config(s.pool, nullptr), MOS_STATUS_NULL_POINTER, "mos_pool_get_config: ");
  // The caller says how large its struct is; a wrong size is refused and nothing is written.
  cfg.struct_size = 12;
  T_STATUS(mos_pool_get_config(s.pool, &cfg), MOS_STATUS_INVALID_ARGUMENT,
           "mos_pool_get_config: out->struct_size is 12 but this library's mos_config_t has ");
  T_CHECK(cfg.d_in == 0 && cfg.rank == 0, "a refused mos_pool_get_config wrote the struct");
  int64_t len = -1;
  T_STATUS(mos_pool_array_length(s.pool, static_cast<mos_pool_array_t>(8), &len),
           MOS_STATUS_INVALID_ARGUMENT, "mos_pool_array_length: ");
  T_STATUS(mos_pool_array_length(s.pool, MOS_POOL_A, nullptr), MOS_STATUS_NULL_POINTER,
           "mos_pool_array_length: ");
  T_STATUS(mos_pool_array_length(nullptr, MOS_POOL_A, &len), MOS_STATUS_NULL_POINTER,
           "mos_pool_array_length: ");
  T_STATUS(mos_pool_index_length(s.pool, nullptr), MOS_STATUS_NULL_POINTER,
           "mos_pool_index_length: ");
  T_STATUS(mos_pool_index_length(nullptr, &len), MOS_STATUS_NULL_POINTER,
           "mos_pool_index_length: ");
  T_CHECK(len == -1, "a failed length query wrote *num_elements");
  T_OK(mos_pool_index_length(s.pool, &len));
  T_CHECK(len == Setup::rl, "index length %lld", (long long)len);
  T_OK(mos_pool_array_length(s.pool, MOS_POOL_GRAD_B, &len));
  T_CHECK(len == (Setup::d_out / Setup::l) * Setup::P, "GRAD_B length %lld", (long long)len);
  int64_t n = 0;
  T_STATUS(mos_pool_param_count(s.pool, nullptr), MOS_STATUS_NULL_POINTER,
           "mos_pool_param_count: ");
  T_STATUS(mos_pool_param_count(nullptr, &n), MOS_STATUS_NULL_POINTER, "mos_pool_param_count: ");
  for (mos_tensor_t h : {a_out, b_out, wrong}) mos_tensor_free(h);
}

void layers() {
  Setup s;
  const int N = 4;
  std::vector<int32_t> ia{0, 1, 2, 3, 4, 5}, ib{3, 2, 1, 0, 4, 5};
  mos_tensor_t w = t::tensor(s.ctx, Setup::d_out, Setup::d_in, std::vector<float>(48, 0.5f));
  mos_tensor_t w_bad = t::tensor(s.ctx, Setup::d_in, Setup::d_out);
  mos_tensor_t bias = t::tensor(s.ctx, 1, Setup::d_out),
               bias_bad = t::tensor(s.ctx, Setup::d_out, 1);
  mos_tensor_t x = t::tensor(s.ctx, N, Setup::d_in, std::vector<float>(N * Setup::d_in, 1.0f));
  mos_tensor_t y = t::tensor(s.ctx, N, Setup::d_out),
               dy = t::tensor(s.ctx, N, Setup::d_out, std::vector<float>(24, 1.0f));
  mos_tensor_t dx = t::tensor(s.ctx, N, Setup::d_in);
  mos_tensor_t x5 = t::tensor(s.ctx, N + 1, Setup::d_in),
               y5 = t::tensor(s.ctx, N + 1, Setup::d_out);
  mos_tensor_t y_cols = t::tensor(s.ctx, N, Setup::d_out + 1),
               dy_rows = t::tensor(s.ctx, N + 1, Setup::d_out);
  mos_tensor_t xbf = nullptr;
  T_OK(mos_tensor_create(s.ctx, MOS_DTYPE_BF16, N, Setup::d_in, &xbf));
  mos_context_t other = nullptr;
  T_OK(mos_context_create(MOS_BACKEND_CPU, 0, &other));
  mos_tensor_t x_other = nullptr;
  T_OK(mos_tensor_create(other, MOS_DTYPE_F32, N, Setup::d_in, &x_other));

  mos_layer_t layer = nullptr, bare = nullptr;
  T_STATUS(mos_layer_create(s.pool, 0, w_bad, nullptr, &layer), MOS_STATUS_SHAPE_MISMATCH,
           "mos_layer_create: ");
  T_STATUS(mos_layer_create(s.pool, 0, w, bias_bad, &layer), MOS_STATUS_SHAPE_MISMATCH,
           "mos_layer_create: ");
  T_STATUS(mos_layer_create(s.pool, 0, nullptr, bias, &layer), MOS_STATUS_INVALID_ARGUMENT,
           "mos_layer_create: ");
  T_STATUS(mos_layer_create(s.pool, 2, w, bias, &layer), MOS_STATUS_INDEX_OUT_OF_RANGE,
           "mos_layer_create: ");
  // A BF16 weight is accepted (test_bf16); this one has the shape of x.
  T_STATUS(mos_layer_create(s.pool, 0, xbf, nullptr, &layer), MOS_STATUS_SHAPE_MISMATCH,
           "mos_layer_create: ");
  T_STATUS(mos_layer_create(nullptr, 0, w, bias, &layer), MOS_STATUS_NULL_POINTER,
           "mos_layer_create: ");
  T_STATUS(mos_layer_create(s.pool, 0, w, bias, nullptr), MOS_STATUS_NULL_POINTER,
           "mos_layer_create: ");
  T_CHECK(layer == nullptr, "a failed mos_layer_create wrote *out");
  T_OK(mos_layer_create(s.pool, 0, w, bias, &layer));
  T_OK(mos_layer_create(s.pool, 1, nullptr, nullptr, &bare));

  // Unset indices: INVALID_STATE, y untouched.
  const auto y_before = t::read(y);
  T_STATUS(mos_layer_forward(layer, x, y, MOS_MODE_FULL, 0), MOS_STATUS_INVALID_STATE,
           "mos_layer_forward: ");
  T_CHECK(t::read(y) == y_before, "a failed forward wrote y");
  T_OK(mos_pool_set_indices(s.pool, 0, ia.data(), ib.data(), 6));
  T_OK(mos_pool_set_indices(s.pool, 1, ia.data(), ib.data(), 6));

  // Backward before any training forward, and after an inference forward only.
  const auto ga = s.snapshot(MOS_POOL_GRAD_A), gb = s.snapshot(MOS_POOL_GRAD_B);
  T_STATUS(mos_layer_backward(layer, x, dy, dx, MOS_MODE_FULL), MOS_STATUS_INVALID_STATE,
           "mos_layer_backward: ");
  T_OK(mos_layer_forward(layer, x, y, MOS_MODE_FULL, 0));
  T_STATUS(mos_layer_backward(layer, x, dy, dx, MOS_MODE_FULL), MOS_STATUS_INVALID_STATE,
           "mos_layer_backward: ");

  // Shapes, modes, dtypes, contexts, aliasing: all refused before anything is written.
  T_STATUS(mos_layer_forward(layer, y, y, MOS_MODE_FULL, 1), MOS_STATUS_SHAPE_MISMATCH,
           "mos_layer_forward: ");
  T_STATUS(mos_layer_forward(layer, x, y_cols, MOS_MODE_FULL, 1), MOS_STATUS_SHAPE_MISMATCH,
           "mos_layer_forward: ");
  T_STATUS(mos_layer_forward(layer, x, y5, MOS_MODE_FULL, 1), MOS_STATUS_SHAPE_MISMATCH,
           "mos_layer_forward: ");
  T_STATUS(mos_layer_forward(layer, x, y, static_cast<mos_mode_t>(2), 1),
           MOS_STATUS_INVALID_ARGUMENT, "mos_layer_forward: ");
  T_STATUS(mos_layer_forward(bare, x, y, MOS_MODE_FULL, 1), MOS_STATUS_INVALID_ARGUMENT,
           "mos_layer_forward: ");
  T_STATUS(mos_layer_forward(layer, xbf, y, MOS_MODE_FULL, 1), MOS_STATUS_INVALID_ARGUMENT,
           "mos_layer_forward: ");
  T_STATUS(mos_layer_forward(layer, x_other, y, MOS_MODE_FULL, 1), MOS_STATUS_INVALID_ARGUMENT,
           "mos_layer_forward: ");
  T_STATUS(mos_layer_forward(layer, nullptr, y, MOS_MODE_FULL, 1), MOS_STATUS_NULL_POINTER,
           "mos_layer_forward: ");
  T_STATUS(mos_layer_forward(nullptr, x, y, MOS_MODE_FULL, 1), MOS_STATUS_NULL_POINTER,
           "mos_layer_forward: ");
  uint64_t seed = 0, ctr = 99;
  T_OK(mos_layer_get_dropout_state(layer, &seed, &ctr));
  T_CHECK(seed == 0 && ctr == 0, "failed forwards moved the dropout state to (%llu, %llu)",
          (unsigned long long)seed, (unsigned long long)ctr);

  T_OK(mos_layer_forward(layer, x, y, MOS_MODE_FULL, 1));
  T_STATUS(mos_layer_backward(layer, x5, dy_rows, nullptr, MOS_MODE_FULL), MOS_STATUS_INVALID_STATE,
           "mos_layer_backward: ");
  T_STATUS(mos_layer_backward(layer, x, dy_rows, dx, MOS_MODE_FULL), MOS_STATUS_SHAPE_MISMATCH,
           "mos_layer_backward: ");
  T_STATUS(mos_layer_backward(layer, x, y_cols, dx, MOS_MODE_FULL), MOS_STATUS_SHAPE_MISMATCH,
           "mos_layer_backward: ");
  T_STATUS(mos_layer_backward(layer, x, dy, y, MOS_MODE_FULL), MOS_STATUS_SHAPE_MISMATCH,
           "mos_layer_backward: ");
  T_STATUS(mos_layer_backward(layer, x, dy, x, MOS_MODE_FULL), MOS_STATUS_INVALID_ARGUMENT,
           "mos_layer_backward: ");
  T_STATUS(mos_layer_backward(layer, x, dy, dx, static_cast<mos_mode_t>(-1)),
           MOS_STATUS_INVALID_ARGUMENT, "mos_layer_backward: ");
  T_STATUS(mos_layer_backward(layer, x, nullptr, dx, MOS_MODE_FULL), MOS_STATUS_NULL_POINTER,
           "mos_layer_backward: ");
  T_CHECK(s.snapshot(MOS_POOL_GRAD_A) == ga && s.snapshot(MOS_POOL_GRAD_B) == gb,
          "failed backwards changed the gradients");
  T_OK(mos_layer_backward(layer, x, dy, dx, MOS_MODE_FULL));

  // delta / merge / dropout state arguments.
  mos_tensor_t delta_bad = t::tensor(s.ctx, Setup::d_in, Setup::d_out);
  T_STATUS(mos_layer_delta_weight(layer, delta_bad), MOS_STATUS_SHAPE_MISMATCH,
           "mos_layer_delta_weight: ");
  T_STATUS(mos_layer_delta_weight(layer, nullptr), MOS_STATUS_NULL_POINTER,
           "mos_layer_delta_weight: ");
  T_STATUS(mos_layer_merge(nullptr), MOS_STATUS_NULL_POINTER, "mos_layer_merge: ");
  T_STATUS(mos_layer_is_merged(layer, nullptr), MOS_STATUS_NULL_POINTER, "mos_layer_is_merged: ");
  T_STATUS(mos_layer_get_dropout_state(layer, nullptr, &ctr), MOS_STATUS_NULL_POINTER,
           "mos_layer_get_dropout_state: ");
  T_STATUS(mos_layer_set_dropout_state(nullptr, 1, 2), MOS_STATUS_NULL_POINTER,
           "mos_layer_set_dropout_state: ");

  // The exact message style of mos.h.
  {
    mos_pool_t p768 = nullptr;
    mos_layer_t l768 = nullptr;
    T_OK(mos_pool_create(s.ctx,
                         t::config({.d_in = 768,
                                    .d_out = 8,
                                    .num_blocks = 1,
                                    .rank = 2,
                                    .equivalent_rank = 2,
                                    .private_rank = 0,
                                    .shards_per_vector = 1,
                                    .alpha = 16,
                                    .dropout = 0}),
                         &p768));
    T_OK(mos_pool_generate_indices(p768, 1));
    T_OK(mos_layer_create(p768, 0, nullptr, nullptr, &l768));
    mos_tensor_t x512 = t::tensor(s.ctx, 4, 512), y8 = t::tensor(s.ctx, 4, 8);
    T_STATUS(mos_layer_forward(l768, x512, y8, MOS_MODE_ADAPTER_ONLY, 0), MOS_STATUS_SHAPE_MISMATCH,
             "mos_layer_forward: ");
    T_CHECK(std::string(mos_last_error()) ==
                "mos_layer_forward: x has 512 columns but the layer's d_in is 768",
            "message \"%s\"", mos_last_error());
    mos_layer_free(l768);
    mos_pool_free(p768);
    mos_tensor_free(x512);
    mos_tensor_free(y8);
  }

  // The frozen weight and bias are never outputs: y, dx or delta aliasing them is refused and
  // leaves them as they were (a square layer, so W has the shape of y and dx).
  {
    mos_pool_t sq = nullptr;
    T_OK(mos_pool_create(s.ctx,
                         t::config({.d_in = 4,
                                    .d_out = 4,
                                    .num_blocks = 2,
                                    .rank = 2,
                                    .equivalent_rank = 1,
                                    .private_rank = 0,
                                    .shards_per_vector = 2,
                                    .alpha = 8.0f,
                                    .dropout = 0.0f}),
                         &sq));
    T_OK(mos_pool_init(sq, 1));
    T_OK(mos_pool_generate_indices(sq, 1));
    mos_tensor_t w4 = t::tensor(s.ctx, 4, 4, std::vector<float>(16, 0.25f));
    mos_tensor_t b1 = t::tensor(s.ctx, 1, 4, std::vector<float>(4, 0.5f));
    mos_tensor_t x4 = t::tensor(s.ctx, 4, 4, std::vector<float>(16, 1.0f));
    mos_tensor_t x1 = t::tensor(s.ctx, 1, 4, std::vector<float>(4, 1.0f));
    mos_tensor_t y4 = t::tensor(s.ctx, 4, 4);
    mos_layer_t sql = nullptr;
    T_OK(mos_layer_create(sq, 0, w4, b1, &sql));
    const auto w_before = t::read(w4), b_before = t::read(b1);
    T_STATUS(mos_layer_forward(sql, x4, w4, MOS_MODE_FULL, 1), MOS_STATUS_INVALID_ARGUMENT,
             "mos_layer_forward: ");
    T_STATUS(mos_layer_forward(sql, x1, b1, MOS_MODE_FULL, 0), MOS_STATUS_INVALID_ARGUMENT,
             "mos_layer_forward: ");
    T_STATUS(mos_layer_forward(sql, x4, x4, MOS_MODE_FULL, 0), MOS_STATUS_INVALID_ARGUMENT,
             "mos_layer_forward: ");
    T_OK(mos_layer_forward(sql, x4, y4, MOS_MODE_FULL, 1));
    T_STATUS(mos_layer_backward(sql, x4, y4, w4, MOS_MODE_FULL), MOS_STATUS_INVALID_ARGUMENT,
             "mos_layer_backward: ");
    T_STATUS(mos_layer_delta_weight(sql, w4), MOS_STATUS_INVALID_ARGUMENT,
             "mos_layer_delta_weight: ");
    T_CHECK(t::read(w4) == w_before && t::read(b1) == b_before,
            "a refused call changed the frozen weight or bias");
    mos_layer_free(sql);
    mos_pool_free(sq);
    for (mos_tensor_t h : {w4, b1, x4, x1, y4}) mos_tensor_free(h);
  }

  mos_layer_free(layer);
  mos_layer_free(bare);
  for (mos_tensor_t h :
       {w, w_bad, bias, bias_bad, x, y, dy, dx, x5, y5, y_cols, dy_rows, xbf, x_other, delta_bad})
    mos_tensor_free(h);
  mos_context_free(other);
}

void frees_and_lifetimes() {
  T_OK(mos_context_free(nullptr));
  T_OK(mos_tensor_free(nullptr));
  T_OK(mos_pool_free(nullptr));
  T_OK(mos_layer_free(nullptr));
  T_OK(mos_optimizer_free(nullptr));

  // Free every parent before its children; the children keep working.
  mos_context_t ctx = nullptr;
  mos_pool_t pool = nullptr;
  mos_layer_t layer = nullptr;
  mos_optimizer_t opt = nullptr;
  T_OK(mos_context_create(MOS_BACKEND_CPU, 0, &ctx));
  T_OK(mos_pool_create(ctx, small(), &pool));
  T_OK(mos_pool_init(pool, 3));
  T_OK(mos_pool_generate_indices(pool, 3));
  mos_tensor_t w = t::tensor(ctx, 6, 8, std::vector<float>(48, 0.1f)),
               x = t::tensor(ctx, 2, 8, std::vector<float>(16, 1.0f));
  mos_tensor_t y = t::tensor(ctx, 2, 6), dy = t::tensor(ctx, 2, 6, std::vector<float>(12, 1.0f));
  T_OK(mos_layer_create(pool, 1, w, nullptr, &layer));
  T_OK(mos_optimizer_create_adamw(ctx, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.0f, &opt));
  T_OK(mos_optimizer_add_pool(opt, pool));
  T_OK(mos_context_free(ctx));
  T_OK(mos_pool_free(pool));
  T_OK(mos_tensor_free(w));
  T_OK(mos_layer_forward(layer, x, y, MOS_MODE_FULL, 1));
  T_OK(mos_layer_backward(layer, x, dy, nullptr, MOS_MODE_FULL));
  T_OK(mos_optimizer_step(opt));
  T_OK(mos_layer_merge(layer));
  T_OK(mos_layer_free(layer));
  T_OK(mos_optimizer_free(opt));
  for (mos_tensor_t h : {x, y, dy}) T_OK(mos_tensor_free(h));
}

void thread_local_errors() {
  T_STATUS(mos_pool_init(nullptr, 1), MOS_STATUS_NULL_POINTER, "mos_pool_init: ");
  std::string other, after_success;
  std::thread th([&] {
    T_CHECK(std::string(mos_last_error()).empty(), "a new thread sees \"%s\"", mos_last_error());
    mos_layer_merge(nullptr);
    other = mos_last_error();
    mos_context_t ctx = nullptr;
    T_OK(mos_context_create(MOS_BACKEND_CPU, 0, &ctx));  // succeeds on this thread only
    after_success = mos_last_error();
    mos_context_free(ctx);
  });
  th.join();
  T_CHECK(other.find("mos_layer_merge: ") == 0, "the other thread's message \"%s\"", other.c_str());
  T_CHECK(after_success.empty(), "a successful call left \"%s\"", after_success.c_str());
  T_CHECK(std::string(mos_last_error()).find("mos_pool_init: ") == 0,
          "this thread's message became \"%s\"", mos_last_error());
}

// mos_last_error() describes this thread's most recent mos_status_t call: a success empties it,
// including the free of NULL and a query; calls that return no status leave it alone.
void last_error_is_the_last_call() {
  T_STATUS(mos_pool_init(nullptr, 1), MOS_STATUS_NULL_POINTER, "mos_pool_init: ");
  T_CHECK(std::string(mos_last_error()) == "mos_pool_init: pool is NULL", "\"%s\"",
          mos_last_error());
  (void)mos_abi_version();
  (void)mos_version_string();
  T_CHECK(std::string(mos_last_error()) == "mos_pool_init: pool is NULL",
          "a call without a status changed the message to \"%s\"", mos_last_error());
  T_OK(mos_pool_free(nullptr));
  T_CHECK(std::string(mos_last_error()).empty(), "after a success: \"%s\"", mos_last_error());
  T_STATUS(mos_config_validate(nullptr), MOS_STATUS_NULL_POINTER, "mos_config_validate: ");
  int32_t avail = 0;
  T_OK(mos_backend_available(MOS_BACKEND_CPU, &avail, nullptr, 0));
  T_CHECK(std::string(mos_last_error()).empty(), "after a success: \"%s\"", mos_last_error());
}

// Backward takes the very x its training forward read, unwritten since: another tensor (even
// with the same values) or a write after the forward (even of the same values) is INVALID_STATE
// and changes no gradient. Reads of x in between do not count.
void backward_takes_only_its_forwards_x() {
  Setup s(0.0f);
  T_OK(mos_pool_generate_indices(s.pool, 4));
  const int N = Setup::r;  // x [r x d_in] has the shape of an assembled A_k (a write below)
  std::mt19937_64 rng(21);
  const auto xv = t::random_floats(rng, N * Setup::d_in);
  std::vector<float> eye(Setup::d_in * Setup::d_in, 0.0f);
  for (int i = 0; i < Setup::d_in; ++i) eye[i * Setup::d_in + i] = 1.0f;
  mos_tensor_t w = t::tensor(s.ctx, Setup::d_out, Setup::d_in, t::random_floats(rng, 48));
  mos_tensor_t x = t::tensor(s.ctx, N, Setup::d_in, xv),
               same = t::tensor(s.ctx, N, Setup::d_in, xv);
  mos_tensor_t identity = t::tensor(s.ctx, Setup::d_in, Setup::d_in, eye);
  mos_tensor_t y = t::tensor(s.ctx, N, Setup::d_out);
  mos_tensor_t dy = t::tensor(s.ctx, N, Setup::d_out, t::random_floats(rng, N * Setup::d_out));
  mos_layer_t layer = nullptr, other = nullptr;
  T_OK(mos_layer_create(s.pool, 0, w, nullptr, &layer));
  T_OK(mos_layer_create(s.pool, 1, w, nullptr, &other));
  auto grads = [&] { return s.grads(); };
  auto refused = [&](mos_tensor_t xb, const char* why, const char* fragment) {
    const auto before = grads();
    T_STATUS(mos_layer_backward(layer, xb, dy, nullptr, MOS_MODE_FULL), MOS_STATUS_INVALID_STATE,
             "mos_layer_backward: x ");
    T_CHECK(std::string(mos_last_error()).find(fragment) != std::string::npos,
            "%s: message \"%s\" lacks \"%s\"", why, mos_last_error(), fragment);
    T_CHECK(grads() == before, "%s: a refused backward changed the gradients", why);
  };

  // The reference: one forward and one backward with the forward's own x.
  T_OK(mos_layer_forward(layer, x, y, MOS_MODE_FULL, 1));
  T_OK(mos_layer_backward(layer, x, dy, nullptr, MOS_MODE_FULL));
  const auto ref = grads();

  // Another tensor holding the same values: refused; identity is the contract, not contents.
  T_OK(mos_pool_zero_grad(s.pool));
  T_OK(mos_layer_forward(layer, x, y, MOS_MODE_FULL, 1));
  refused(same, "same values, other tensor", "x is not the tensor the last training forward");
  // Reading x in between changes nothing: an inference forward of this layer, a training
  // forward of another layer, x as an operand of mos_gemm.
  T_OK(mos_layer_forward(layer, x, y, MOS_MODE_FULL, 0));
  T_OK(mos_layer_forward(other, x, y, MOS_MODE_FULL, 1));
  T_OK(mos_gemm(s.ctx, 0, 0, 1.0f, x, identity, 0.0f, same));
  T_OK(mos_layer_backward(layer, x, dy, nullptr, MOS_MODE_FULL));
  T_CHECK(grads() == ref, "reads of x between forward and backward changed the gradients");

  // Every kind of write after the forward, each of them leaving x's values as they were or
  // changing them: mos_tensor_write, x as the output of mos_gemm, of a backward (dx), of
  // mos_pool_assemble.
  struct Write {
    const char* what;
    std::function<void()> run;
  };
  const Write writes[] = {
      {"mos_tensor_write of the same values",
       [&] { T_OK(mos_tensor_write(x, xv.data(), N * Setup::d_in)); }},
      {"x = same * I by mos_gemm",
       [&] { T_OK(mos_gemm(s.ctx, 0, 0, 1.0f, same, identity, 0.0f, x)); }},
      {"x as dx of another layer's backward",
       [&] {
         T_OK(mos_layer_forward(other, same, y, MOS_MODE_FULL, 1));
         T_OK(mos_layer_backward(other, same, dy, x, MOS_MODE_FULL));
       }},
      {"x as a_out of mos_pool_assemble", [&] { T_OK(mos_pool_assemble(s.pool, 1, x, nullptr)); }},
  };
  for (const Write& wr : writes) {
    T_OK(mos_tensor_write(x, xv.data(), N * Setup::d_in));
    T_OK(mos_pool_zero_grad(s.pool));
    T_OK(mos_layer_forward(layer, x, y, MOS_MODE_FULL, 1));
    wr.run();
    T_OK(mos_pool_zero_grad(s.pool));
    refused(x, wr.what, "x was written after the last training forward");
  }
  // A new forward of the (rewritten) x makes backward possible again.
  T_OK(mos_tensor_write(x, xv.data(), N * Setup::d_in));
  T_OK(mos_pool_zero_grad(s.pool));
  T_OK(mos_layer_forward(layer, x, y, MOS_MODE_FULL, 1));
  T_OK(mos_layer_backward(layer, x, dy, nullptr, MOS_MODE_FULL));
  T_CHECK(grads() == ref, "forward + backward after the refusals gives other gradients");

  // Wrapped host memory: a write through the API counts as for any tensor (writes by the caller
  // straight into the memory cannot be seen; mos.h leaves them to the caller).
  std::vector<float> host(xv);
  mos_tensor_t wrapped = nullptr;
  T_OK(mos_tensor_wrap_host(s.ctx, MOS_DTYPE_F32, N, Setup::d_in, host.data(), &wrapped));
  T_OK(mos_layer_forward(layer, wrapped, y, MOS_MODE_FULL, 1));
  T_OK(mos_tensor_write(wrapped, xv.data(), N * Setup::d_in));
  refused(wrapped, "wrapped, written through the API",
          "x was written after the last training forward");

  mos_layer_free(layer);
  mos_layer_free(other);
  for (mos_tensor_t h : {w, x, same, identity, y, dy, wrapped}) mos_tensor_free(h);
}

// Backward's mode says only how dx is formed, whatever the forward's mode was: the gradients are
// the same for every pairing, and dx(FULL) - dx(ADAPTER_ONLY, from zero) = dy W (double oracle).
void backward_mode_is_free() {
  Setup s(0.0f);
  T_OK(mos_pool_generate_indices(s.pool, 5));
  const int N = 4;
  std::mt19937_64 rng(22);
  const auto wv = t::random_floats(rng, Setup::d_out * Setup::d_in);
  const auto dyv = t::random_floats(rng, N * Setup::d_out);
  mos_tensor_t w = t::tensor(s.ctx, Setup::d_out, Setup::d_in, wv);
  mos_tensor_t x = t::tensor(s.ctx, N, Setup::d_in, t::random_floats(rng, N * Setup::d_in));
  mos_tensor_t y = t::tensor(s.ctx, N, Setup::d_out), dy = t::tensor(s.ctx, N, Setup::d_out, dyv);
  mos_layer_t layer = nullptr;
  T_OK(mos_layer_create(s.pool, 0, w, nullptr, &layer));
  auto grads = [&] { return s.grads(); };
  std::vector<float> g_ref, dx_full;
  for (mos_mode_t fwd : {MOS_MODE_FULL, MOS_MODE_ADAPTER_ONLY}) {
    for (mos_mode_t bwd : {MOS_MODE_FULL, MOS_MODE_ADAPTER_ONLY}) {
      mos_tensor_t dx = t::tensor(s.ctx, N, Setup::d_in);  // zeros
      T_OK(mos_pool_zero_grad(s.pool));
      T_OK(mos_layer_forward(layer, x, y, fwd, 1));
      T_OK(mos_layer_backward(layer, x, dy, dx, bwd));
      const auto g = grads();
      if (g_ref.empty()) g_ref = g;
      T_CHECK(g == g_ref, "forward mode %d, backward mode %d: other gradients", (int)fwd, (int)bwd);
      const auto dxv = t::read(dx);
      if (bwd == MOS_MODE_FULL) {
        if (dx_full.empty()) dx_full = dxv;
        T_CHECK(dxv == dx_full, "dx (FULL) depends on the forward's mode %d", (int)fwd);
      } else {
        std::vector<double> diff(dxv.size()), dy_w(dxv.size(), 0.0);
        for (size_t e = 0; e < dxv.size(); ++e) diff[e] = static_cast<double>(dx_full[e]) - dxv[e];
        for (int n = 0; n < N; ++n)
          for (int c = 0; c < Setup::d_in; ++c)
            for (int o = 0; o < Setup::d_out; ++o)
              dy_w[n * Setup::d_in + c] +=
                  static_cast<double>(dyv[n * Setup::d_out + o]) * wv[o * Setup::d_in + c];
        t::close("dx(FULL) - dx(ADAPTER_ONLY) vs dy W", diff, dy_w, MOS_TOL_F32_FORWARD, 22,
                 "N=4 d_in=8 d_out=6");
      }
      mos_tensor_free(dx);
    }
  }
  mos_layer_free(layer);
  for (mos_tensor_t h : {w, x, y, dy}) mos_tensor_free(h);
}

}  // namespace

int main() {
  library();
  context_and_tensors();
  pools();
  layers();
  frees_and_lifetimes();
  thread_local_errors();
  last_error_is_the_last_call();
  backward_takes_only_its_forwards_x();
  backward_mode_is_free();
  return t::report("test_c_abi");
}
