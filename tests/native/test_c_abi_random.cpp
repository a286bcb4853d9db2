// SPDX-License-Identifier: Apache-2.0
// test_c_abi_random: random sequences of C ABI calls with mostly-wrong arguments (bad shapes,
// sizes, enum values, indices, NaN hyperparameters, foreign tensors, NULLs), over a changing world
// of live handles. Every call must return OK or a documented error status with a message that
// starts with the function's name; MOS_STATUS_INTERNAL (a libmos bug) fails the test. Host
// buffers are always exactly as large as the call says, so in the sanitizer build (MOS_SANITIZE)
// ASan catches any read or write beyond what a call was given, UBSan any undefined arithmetic in
// the validation paths, and LSan any handle or scratch the library forgets to free.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "mos/mos.h"

namespace {

std::mt19937_64 rng;
int failures = 0;
std::map<std::string, std::pair<long, long>> outcomes;  // function -> (ok, refused)

int64_t pick(std::initializer_list<int64_t> v) {
  return *(v.begin() + static_cast<size_t>(rng() % v.size()));
}
bool coin(int percent) { return static_cast<int>(rng() % 100) < percent; }

int32_t dim() {
  return static_cast<int32_t>(pick({-1, 0, 1, 2, 2, 3, 4, 4, 6, 8, 8, 12, 16, INT32_MAX}));
}
int64_t extent() { return pick({-1, 0, 1, 2, 3, 4, 6, 8, 12, 16, int64_t{1} << 40, INT64_MAX}); }
float hyper() {
  return static_cast<float>(pick({0, 1, 2, 16})) *
         (coin(10) ? std::numeric_limits<float>::quiet_NaN() : 1.0f);
}
template <class E>
E enum_value(int lo, int hi) {  // usually valid, sometimes just outside (like a careless caller)
  int v = coin(80) ? lo + static_cast<int>(rng() % static_cast<uint64_t>(hi - lo + 1))
                   : static_cast<int>(pick({-1, hi + 1, 7, 100}));
  return static_cast<E>(v);
}

// Checks the contract of one call's result.
void seen(const char* fn, mos_status_t s) {
  auto& o = outcomes[fn];
  if (s == MOS_STATUS_OK) {
    ++o.first;
    return;
  }
  ++o.second;
  const char* msg = mos_last_error();
  const bool named = msg && std::strncmp(msg, fn, std::strlen(fn)) == 0;
  if (s < MOS_STATUS_INVALID_ARGUMENT || s > MOS_STATUS_INVALID_STATE || !named) {
    ++failures;
    std::printf("FAIL %s: status %d, message '%s'\n", fn, static_cast<int>(s),
                msg ? msg : "(null)");
  }
}
#define CALL(fn, ...) (seen(#fn, fn(__VA_ARGS__)))

template <class T>
T any(std::vector<T>& v) {  // a live handle, or NULL now and then
  if (v.empty() || coin(5)) return nullptr;
  return v[rng() % v.size()];
}
template <class T>
T take(std::vector<T>& v) {
  if (v.empty()) return nullptr;
  size_t i = rng() % v.size();
  T h = v[i];
  v.erase(v.begin() + static_cast<long>(i));
  return h;
}

struct World {
  mos_context_t ctx = nullptr;
  std::vector<mos_tensor_t> tensors;
  std::vector<mos_pool_t> pools;
  std::vector<mos_layer_t> layers;
  std::map<mos_layer_t, std::pair<int32_t, int32_t>> layer_dims;  // d_in, d_out
  std::vector<mos_optimizer_t> opts;
  std::vector<mos_bank_t> banks;
};

// Elements of a tensor and the bytes one of them takes (-1 when the handle is unusable).
int64_t tensor_elements(mos_tensor_t t, int64_t* element_bytes) {
  int64_t r = 0, c = 0;
  mos_dtype_t d = MOS_DTYPE_F32;
  if (mos_tensor_shape(t, &r, &c) != MOS_STATUS_OK || mos_tensor_dtype(t, &d) != MOS_STATUS_OK)
    return -1;
  *element_bytes = d == MOS_DTYPE_BF16 ? 2 : 4;
  return r * c;
}

// A config of mostly-wrong numbers; struct_size is right most of the time.
mos_config_t random_config() {
  mos_config_t c;
  c.struct_size = coin(90) ? static_cast<int32_t>(sizeof(mos_config_t))
                           : static_cast<int32_t>(pick({0, 4, 36, 44, -1}));
  c.d_in = dim();
  c.d_out = dim();
  c.num_blocks = static_cast<int32_t>(pick({-1, 0, 1, 2, 3, 4, INT32_MAX}));
  c.rank = static_cast<int32_t>(pick({0, 1, 2, 3, 4, 8}));
  c.equivalent_rank = static_cast<int32_t>(pick({0, 1, 2, 3, INT32_MAX}));
  c.private_rank = static_cast<int32_t>(pick({-1, 0, 1, 2}));
  c.shards_per_vector = static_cast<int32_t>(pick({0, 1, 2, 3, INT32_MAX}));
  c.alpha = hyper();
  c.dropout = coin(90) ? 0.1f : static_cast<float>(pick({1, -1, 2})) * (coin(30) ? NAN : 1.0f);
  return c;
}

// The config of a live pool (false for NULL or a failed query).
bool pool_config(mos_pool_t p, mos_config_t* c) {
  c->struct_size = sizeof(mos_config_t);
  return p != nullptr && mos_pool_get_config(p, c) == MOS_STATUS_OK;
}

// A tensor of the given shape for a call that should succeed (kept in the world afterwards).
mos_tensor_t fresh(World& w, int64_t rows, int64_t cols, mos_dtype_t dtype = MOS_DTYPE_F32) {
  mos_tensor_t t = nullptr;
  if (mos_tensor_create(w.ctx, dtype, rows, cols, &t) != MOS_STATUS_OK) return nullptr;
  w.tensors.push_back(t);
  return t;
}

// A layer with its shapes, or NULL.
mos_layer_t any_layer(World& w, int32_t* d_in, int32_t* d_out) {
  mos_layer_t l = any(w.layers);
  *d_in = l ? w.layer_dims[l].first : 8;
  *d_out = l ? w.layer_dims[l].second : 12;
  return l;
}

void step(World& w) {
  switch (rng() % 20) {
    case 0: {
      mos_tensor_t t = nullptr;
      mos_status_t s = mos_tensor_create(coin(97) ? w.ctx : nullptr, enum_value<mos_dtype_t>(0, 2),
                                         coin(50) ? pick({1, 2, 5, 8, 12}) : extent(),
                                         coin(50) ? pick({1, 4, 8, 12}) : extent(), &t);
      seen("mos_tensor_create", s);
      if (s == MOS_STATUS_OK) w.tensors.push_back(t);
      break;
    }
    case 1:
      while (w.tensors.size() > 64) CALL(mos_tensor_free, take(w.tensors));  // keep the world small
      if (coin(50)) CALL(mos_tensor_free, take(w.tensors));
      break;
    case 2: {  // write / read with a buffer of exactly the claimed number of elements
      mos_tensor_t t = any(w.tensors);
      int64_t esize = 4;
      int64_t want = t ? tensor_elements(t, &esize) : 16;
      if (want < 0 || want > (1 << 20)) break;
      // Wrong counts include the tensor's byte size, the old unit of these calls.
      int64_t n =
          coin(70) ? want : pick({-1, 0, 1, want + 1, want * esize, want > 1 ? want - 1 : 8});
      std::vector<unsigned char> buf(static_cast<size_t>(n > 0 ? n * esize : 1), 0x3f);
      if (coin(50)) CALL(mos_tensor_write, t, buf.data(), n);
      else CALL(mos_tensor_read, t, buf.data(), n);
      break;
    }
    case 3: {
      mos_pool_t p = nullptr;
      if (coin(60)) {  // a valid group, to reach the work paths
        const mos_config_t valid = {.struct_size = sizeof(mos_config_t),
                                    .d_in = 8,
                                    .d_out = 12,
                                    .num_blocks = 3,
                                    .rank = 4,
                                    .equivalent_rank = 2,
                                    .private_rank = 1,
                                    .shards_per_vector = 2,
                                    .alpha = 16.0f,
                                    .dropout = 0.1f};
        mos_status_t s = mos_pool_create(w.ctx, &valid, &p);
        seen("mos_pool_create", s);
        if (s == MOS_STATUS_OK) {
          w.pools.push_back(p);
          if (coin(80)) mos_pool_generate_indices(p, rng());
          if (coin(80)) mos_pool_init(p, rng());
        }
        break;
      }
      const mos_config_t c = random_config();
      mos_status_t s = mos_pool_create(w.ctx, coin(97) ? &c : nullptr, &p);
      seen("mos_pool_create", s);
      if (s == MOS_STATUS_OK) w.pools.push_back(p);
      break;
    }
    case 4:
      if (coin(30)) CALL(mos_pool_free, take(w.pools));
      break;
    case 5:
      if (coin(40)) CALL(mos_pool_generate_indices, any(w.pools), rng());
      else if (coin(60)) CALL(mos_pool_init, any(w.pools), rng());
      else {  // the queries, with a caller struct of the right or a wrong size
        mos_config_t c;
        c.struct_size = coin(80) ? static_cast<int32_t>(sizeof(mos_config_t)) : 8;
        int64_t n = 0;
        CALL(mos_pool_get_config, any(w.pools), coin(95) ? &c : nullptr);
        CALL(mos_pool_array_length, any(w.pools), enum_value<mos_pool_array_t>(0, 7),
             coin(95) ? &n : nullptr);
        CALL(mos_pool_index_length, any(w.pools), coin(95) ? &n : nullptr);
      }
      break;
    case 6: {  // explicit indices: the right or a wrong count, values in and around [0, P)
      mos_pool_t p = any(w.pools);
      int32_t r = 2, l = 1, P = 4, L = 1;
      mos_config_t c;
      if (pool_config(p, &c)) {
        r = c.rank;
        l = c.shards_per_vector;
        L = c.num_blocks;
        P = c.equivalent_rank * L * l;
      }
      int64_t n = coin(80) ? int64_t{r} * l : pick({0, 1, int64_t{r} * l + 1});
      std::vector<int32_t> a(static_cast<size_t>(n > 0 ? n : 1)), b(a.size());
      const bool in_range = coin(60);  // else a few land outside [0, P)
      auto draw = [&] {
        if (in_range) return static_cast<int32_t>(rng() % static_cast<uint64_t>(P > 0 ? P : 1));
        return static_cast<int32_t>(rng() % static_cast<uint64_t>(P + 2)) - (coin(5) ? 1 : 0);
      };
      for (auto& v : a) v = draw();
      for (auto& v : b) v = draw();
      int32_t block = static_cast<int32_t>(pick({-1, 0, 0, 1, 2, L}));
      if (coin(70)) CALL(mos_pool_set_indices, p, block, a.data(), b.data(), n);
      else CALL(mos_pool_get_indices, p, block, a.data(), b.data(), n);
      break;
    }
    case 7: {  // pool arrays to and from host buffers of exactly the claimed length
      mos_pool_t p = any(w.pools);
      mos_pool_array_t which = enum_value<mos_pool_array_t>(0, 7);
      int64_t size = 4;
      if (p && mos_pool_array_length(p, which, &size) != MOS_STATUS_OK) size = 4;
      int64_t n = coin(70) ? size : pick({0, 1, size + 1});
      if (n < 0 || n > (1 << 20)) break;
      std::vector<float> buf(static_cast<size_t>(n > 0 ? n : 1), coin(10) ? NAN : 0.25f);
      if (coin(50)) CALL(mos_pool_write, p, which, buf.data(), n);
      else CALL(mos_pool_read, p, which, buf.data(), n);
      break;
    }
    case 8: {
      mos_pool_t p = any(w.pools);
      int32_t d_in = 8, d_out = 12, r = 4;
      mos_config_t c;
      if (pool_config(p, &c)) {
        d_in = c.d_in;
        d_out = c.d_out;
        r = c.rank;
      }
      bool match = coin(60);
      CALL(mos_pool_assemble, p, static_cast<int32_t>(pick({-1, 0, 1, 3})),
           match ? fresh(w, r, d_in) : any(w.tensors), match ? fresh(w, d_out, r) : any(w.tensors));
      break;
    }
    case 9: {
      mos_layer_t layer = nullptr;
      mos_pool_t p = any(w.pools);
      int32_t d_in = 0, d_out = 0;
      mos_config_t c;
      if (pool_config(p, &c)) {
        d_in = c.d_in;
        d_out = c.d_out;
      }
      mos_tensor_t weight = coin(40) ? nullptr : coin(60) ? fresh(w, d_out, d_in) : any(w.tensors);
      mos_tensor_t bias = coin(70) ? nullptr : coin(60) ? fresh(w, 1, d_out) : any(w.tensors);
      mos_status_t s = mos_layer_create(p, static_cast<int32_t>(pick({-1, 0, 0, 1, 2, 5})), weight,
                                        bias, &layer);
      seen("mos_layer_create", s);
      if (s == MOS_STATUS_OK) {
        w.layers.push_back(layer);
        w.layer_dims[layer] = {d_in, d_out};
      }
      break;
    }
    case 10:
      if (coin(30)) {
        mos_layer_t l = take(w.layers);
        w.layer_dims.erase(l);
        CALL(mos_layer_free, l);
      }
      break;
    case 11:
    case 12: {  // forward then (sometimes) backward, on matching tensors most of the time
      int32_t d_in, d_out;
      mos_layer_t l = any_layer(w, &d_in, &d_out);
      int64_t rows = pick({1, 2, 5});
      bool match = coin(70);
      mos_dtype_t dt = coin(85) ? MOS_DTYPE_F32 : MOS_DTYPE_BF16;
      mos_tensor_t x = match ? fresh(w, rows, d_in, dt) : any(w.tensors);
      mos_tensor_t y = match ? fresh(w, rows, d_out, dt) : any(w.tensors);
      mos_mode_t mode = enum_value<mos_mode_t>(0, 1);
      int32_t training = static_cast<int32_t>(rng() % 2);
      CALL(mos_layer_forward, l, x, y, mode, training);
      if (coin(20)) {  // x written after the forward, or another tensor: INVALID_STATE
        if (coin(50)) {
          int64_t esize = 4;
          const int64_t n = x ? tensor_elements(x, &esize) : -1;
          if (n > 0 && n <= (1 << 20)) {
            std::vector<unsigned char> buf(static_cast<size_t>(n * esize), 0x3f);
            CALL(mos_tensor_write, x, buf.data(), n);
          }
        } else {
          x = match ? fresh(w, rows, d_in, dt) : any(w.tensors);
        }
      }
      if (coin(60)) {
        mos_tensor_t dx = coin(40) ? nullptr : match ? fresh(w, rows, d_in, dt) : any(w.tensors);
        CALL(mos_layer_backward, l, x, y, dx, coin(90) ? mode : enum_value<mos_mode_t>(0, 1));
      }
      break;
    }
    case 13:
      switch (rng() % 4) {
        case 0: CALL(mos_layer_merge, any(w.layers)); break;
        case 1: CALL(mos_layer_unmerge, any(w.layers)); break;
        case 2: {
          int32_t d_in, d_out;
          mos_layer_t l = any_layer(w, &d_in, &d_out);
          CALL(mos_layer_delta_weight, l, coin(60) ? fresh(w, d_out, d_in) : any(w.tensors));
          break;
        }
        default: CALL(mos_layer_set_dropout_state, any(w.layers), rng(), rng()); break;
      }
      break;
    case 14: {
      if (w.opts.size() < 4 && coin(30)) {
        mos_optimizer_t o = nullptr;
        mos_status_t s =
            mos_optimizer_create_adamw(w.ctx, coin(90) ? 1e-3f : NAN, coin(90) ? 0.9f : 1.5f,
                                       0.999f, coin(90) ? 1e-8f : -1.0f, 0.0f, &o);
        seen("mos_optimizer_create_adamw", s);
        if (s == MOS_STATUS_OK) w.opts.push_back(o);
        break;
      }
      mos_optimizer_t o = any(w.opts);
      switch (rng() % 6) {
        case 0: CALL(mos_optimizer_add_pool, o, any(w.pools)); break;
        case 1: CALL(mos_optimizer_step, o); break;
        case 2: CALL(mos_optimizer_zero_grad, o); break;
        case 3: {
          float norm = 0;
          CALL(mos_optimizer_clip_grad_norm, o, coin(80) ? 0.3f : NAN, coin(80) ? &norm : nullptr);
          break;
        }
        case 4: CALL(mos_optimizer_set_step, o, pick({-1, 0, 5, INT64_MAX})); break;
        default: CALL(mos_optimizer_set_lr, o, coin(80) ? 1e-2f : -INFINITY); break;
      }
      break;
    }
    case 15:
      if (coin(30)) CALL(mos_optimizer_free, take(w.opts));
      break;
    case 16: {
      int64_t m = pick({1, 3, 8}), k = pick({1, 4, 12}), n = pick({1, 2, 8});
      bool match = coin(60);
      mos_dtype_t dt = coin(80) ? MOS_DTYPE_F32 : MOS_DTYPE_BF16;
      CALL(mos_gemm, coin(97) ? w.ctx : nullptr, 0, 0, 1.0f,
           match ? fresh(w, m, k, dt) : any(w.tensors), match ? fresh(w, k, n, dt) : any(w.tensors),
           0.5f, match ? fresh(w, m, n, dt) : any(w.tensors));
      break;
    }
    case 17: {  // banks: add some pools under names (sometimes empty or repeated), apply on host
      if (w.banks.size() < 2 && coin(30)) {
        mos_bank_t b = nullptr;
        mos_status_t s = mos_bank_create(w.ctx, pick({-1, 0, 0, 64, 1 << 20}), &b);
        seen("mos_bank_create", s);
        if (s == MOS_STATUS_OK) w.banks.push_back(b);
        break;
      }
      mos_bank_t b = any(w.banks);
      if (coin(50)) {
        const char* names[3] = {"q_proj", coin(80) ? "v_proj" : "q_proj", coin(90) ? "o_proj" : ""};
        mos_pool_t ps[3] = {any(w.pools), any(w.pools), any(w.pools)};
        int32_t id = -1;
        CALL(mos_bank_add, b, static_cast<int32_t>(pick({0, 1, 2, 3})), names, ps, &id);
      } else if (coin(20)) {
        CALL(mos_bank_remove, b, static_cast<int32_t>(pick({-1, 0, 1, 2, 100})));
      } else {
        int32_t slot = -1, d_in = 0, d_out = 0, L = 0;
        if (b == nullptr || mos_bank_projection(b, coin(80) ? "q_proj" : "v_proj", &slot, &d_in,
                                                &d_out, &L) != MOS_STATUS_OK) {
          CALL(mos_bank_apply_host, b, 0, 0, nullptr, 0, nullptr, nullptr);
          break;
        }
        int64_t tokens = pick({0, 1, 3, 5});
        std::vector<float> x(static_cast<size_t>(tokens * d_in + 1), 0.5f),
            y(static_cast<size_t>(tokens * d_out + 1));
        std::vector<int32_t> ids(static_cast<size_t>(tokens + 1));
        for (auto& v : ids) v = static_cast<int32_t>(pick({-2, -1, 0, 1, 2, 7}));
        CALL(mos_bank_apply_host, b, coin(90) ? slot : 9, static_cast<int32_t>(pick({-1, 0, 1, L})),
             x.data(), tokens, ids.data(), y.data());
      }
      break;
    }
    case 18:
      if (coin(20)) CALL(mos_bank_free, take(w.banks));
      break;
    default: {
      const mos_config_t c = random_config();
      int64_t n = 0;
      CALL(mos_config_validate, coin(97) ? &c : nullptr);
      CALL(mos_config_param_count, coin(97) ? &c : nullptr, coin(95) ? &n : nullptr);
      break;
    }
  }
}

}  // namespace

int main() {
  // CI runs 8 seeds; MOS_RANDOM_SEEDS / MOS_RANDOM_SEED_BASE run more or others by hand.
  const char* env_seeds = std::getenv("MOS_RANDOM_SEEDS");
  const char* env_base = std::getenv("MOS_RANDOM_SEED_BASE");
  const int kSeeds = env_seeds ? std::atoi(env_seeds) : 8;
  const int kBase = env_base ? std::atoi(env_base) : 0;
  const int kSteps = 15000;
  long calls = 0;
  for (int seed = kBase; seed < kBase + kSeeds; ++seed) {
    rng.seed(static_cast<uint64_t>(seed) * 0x9E3779B97F4A7C15ull + 1);
    World w;
    if (mos_context_create(MOS_BACKEND_CPU, 0, &w.ctx) != MOS_STATUS_OK) {
      std::printf("FAIL: no CPU context: %s\n", mos_last_error());
      return 1;
    }
    for (int i = 0; i < kSteps; ++i, ++calls) step(w);
    // Free in a random order: children keep their parents alive, so any order is valid.
    while (!w.tensors.empty() || !w.pools.empty() || !w.layers.empty() || !w.opts.empty() ||
           !w.banks.empty()) {
      switch (rng() % 5) {
        case 0:
          if (!w.tensors.empty()) CALL(mos_tensor_free, take(w.tensors));
          break;
        case 1:
          if (!w.pools.empty()) CALL(mos_pool_free, take(w.pools));
          break;
        case 2:
          if (!w.layers.empty()) CALL(mos_layer_free, take(w.layers));
          break;
        case 3:
          if (!w.opts.empty()) CALL(mos_optimizer_free, take(w.opts));
          break;
        default:
          if (!w.banks.empty()) CALL(mos_bank_free, take(w.banks));
          break;
      }
    }
    CALL(mos_context_free, w.ctx);
  }
  long ok = 0, refused = 0;
  for (const auto& [fn, o] : outcomes) {
    ok += o.first;
    refused += o.second;
  }
  std::printf(
      "test_c_abi_random: %ld random steps, %ld calls checked (%ld OK, %ld refused with a "
      "named error) across %zu functions; %d contract violations\n",
      calls, ok + refused, ok, refused, outcomes.size(), failures);
  for (const auto& [fn, o] : outcomes)
    std::printf("  %-32s ok %6ld  refused %6ld\n", fn.c_str(), o.first, o.second);
  return failures == 0 ? 0 : 1;
}
