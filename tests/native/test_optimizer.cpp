// SPDX-License-Identifier: Apache-2.0
// test_optimizer: mos AdamW steps and grad-norm clipping vs a hand computation in double
// (torch.optim.AdamW / clip_grad_norm_ formulas as mos.h documents them), MOS_TOL_F32_OPTIMIZER;
// checkpoint resume (params, moments, step) reproduces the next step bit for bit.
#include <cmath>
#include <vector>

#include "test_util.h"

namespace {

struct HostPool {
  std::vector<double> p, g, m, v;
};

// One AdamW step in double on one array, exactly mos.h's formula.
void adamw_ref(HostPool& h, double lr, double b1, double b2, double eps, double wd, int64_t t) {
  const double bc1 = 1 - std::pow(b1, static_cast<double>(t)),
               bc2 = 1 - std::pow(b2, static_cast<double>(t));
  for (size_t i = 0; i < h.p.size(); ++i) {
    h.p[i] -= lr * wd * h.p[i];
    h.m[i] = b1 * h.m[i] + (1 - b1) * h.g[i];
    h.v[i] = b2 * h.v[i] + (1 - b2) * h.g[i] * h.g[i];
    h.p[i] -= lr * (h.m[i] / bc1) / (std::sqrt(h.v[i] / bc2) + eps);
  }
}

struct Group {
  mos_pool_t pool = nullptr;
  int64_t na, nb;
  HostPool a, b;
};

void write_grads(Group& gr, std::mt19937_64& rng) {
  auto ga = t::random_floats(rng, gr.na), gb = t::random_floats(rng, gr.nb);
  T_OK(mos_pool_write(gr.pool, MOS_POOL_GRAD_A, ga.data(), gr.na));
  T_OK(mos_pool_write(gr.pool, MOS_POOL_GRAD_B, gb.data(), gr.nb));
  gr.a.g = t::to_double(ga);
  gr.b.g = t::to_double(gb);
}

// Two tiny pool groups: P = 1 (4 -> 6, one block) and P = 4 (2 -> 2, two blocks, l = 2).
t::Config tiny_p1() {
  return t::config({.d_in = 4,
                    .d_out = 6,
                    .num_blocks = 1,
                    .rank = 1,
                    .equivalent_rank = 1,
                    .private_rank = 0,
                    .shards_per_vector = 1,
                    .alpha = 16,
                    .dropout = 0});
}
t::Config tiny_p4() {
  return t::config({.d_in = 2,
                    .d_out = 2,
                    .num_blocks = 2,
                    .rank = 1,
                    .equivalent_rank = 1,
                    .private_rank = 0,
                    .shards_per_vector = 2,
                    .alpha = 16,
                    .dropout = 0});
}

void adamw_steps() {
  // The API takes floats: the double reference uses the same f32-rounded hyper-parameters.
  const double lr = 0.01f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f, wd = 0.1f;
  mos_context_t ctx = nullptr;
  T_OK(mos_context_create(MOS_BACKEND_CPU, 0, &ctx));
  std::mt19937_64 rng(9);
  Group g[2];
  T_OK(mos_pool_create(ctx, tiny_p1(), &g[0].pool));  // P = 1: [1 x 4], [6 x 1]
  T_OK(mos_pool_create(ctx, tiny_p4(), &g[1].pool));  // P = 4: [4 x 1], [1 x 4]
  g[0].na = 4;
  g[0].nb = 6;
  g[1].na = 4;
  g[1].nb = 4;
  mos_optimizer_t opt = nullptr;
  T_OK(mos_optimizer_create_adamw(ctx, static_cast<float>(lr), static_cast<float>(b1),
                                  static_cast<float>(b2), static_cast<float>(eps),
                                  static_cast<float>(wd), &opt));
  for (auto& gr : g) {
    T_OK(mos_optimizer_add_pool(opt, gr.pool));
    auto pa = t::random_floats(rng, gr.na), pb = t::random_floats(rng, gr.nb);
    T_OK(mos_pool_write(gr.pool, MOS_POOL_A, pa.data(), gr.na));
    T_OK(mos_pool_write(gr.pool, MOS_POOL_B, pb.data(), gr.nb));
    gr.a = {t::to_double(pa), {}, std::vector<double>(gr.na, 0.0), std::vector<double>(gr.na, 0.0)};
    gr.b = {t::to_double(pb), {}, std::vector<double>(gr.nb, 0.0), std::vector<double>(gr.nb, 0.0)};
  }
  T_STATUS(mos_optimizer_add_pool(opt, g[0].pool), MOS_STATUS_INVALID_ARGUMENT,
           "mos_optimizer_add_pool: ");

  for (int64_t step = 1; step <= 2; ++step) {
    for (auto& gr : g) write_grads(gr, rng);
    T_OK(mos_optimizer_step(opt));
    for (auto& gr : g) {
      adamw_ref(gr.a, lr, b1, b2, eps, wd, step);
      adamw_ref(gr.b, lr, b1, b2, eps, wd, step);
      const std::string s = "step " + std::to_string(step);
      t::close("AdamW pool_A", t::read_pool(gr.pool, MOS_POOL_A, gr.na), gr.a.p,
               MOS_TOL_F32_OPTIMIZER, 9, s);
      t::close("AdamW pool_B", t::read_pool(gr.pool, MOS_POOL_B, gr.nb), gr.b.p,
               MOS_TOL_F32_OPTIMIZER, 9, s);
      t::close("AdamW m_A", t::read_pool(gr.pool, MOS_POOL_ADAM_M_A, gr.na), gr.a.m,
               MOS_TOL_F32_OPTIMIZER, 9, s);
      t::close("AdamW v_A", t::read_pool(gr.pool, MOS_POOL_ADAM_V_A, gr.na), gr.a.v,
               MOS_TOL_F32_OPTIMIZER, 9, s);
      t::close("AdamW m_B", t::read_pool(gr.pool, MOS_POOL_ADAM_M_B, gr.nb), gr.b.m,
               MOS_TOL_F32_OPTIMIZER, 9, s);
      t::close("AdamW v_B", t::read_pool(gr.pool, MOS_POOL_ADAM_V_B, gr.nb), gr.b.v,
               MOS_TOL_F32_OPTIMIZER, 9, s);
    }
  }
  int64_t steps = 0;
  T_OK(mos_optimizer_get_step(opt, &steps));
  T_CHECK(steps == 2, "step count %lld after two steps", (long long)steps);

  // Checkpoint resume: copy params, moments and step into fresh pools + optimizer; the next
  // step with the same gradients must give identical floats.
  Group h[2];
  T_OK(mos_pool_create(ctx, tiny_p1(), &h[0].pool));
  T_OK(mos_pool_create(ctx, tiny_p4(), &h[1].pool));
  mos_optimizer_t opt2 = nullptr;
  T_OK(mos_optimizer_create_adamw(ctx, static_cast<float>(lr), static_cast<float>(b1),
                                  static_cast<float>(b2), static_cast<float>(eps),
                                  static_cast<float>(wd), &opt2));
  const mos_pool_array_t state[] = {MOS_POOL_A,        MOS_POOL_B,        MOS_POOL_ADAM_M_A,
                                    MOS_POOL_ADAM_V_A, MOS_POOL_ADAM_M_B, MOS_POOL_ADAM_V_B,
                                    MOS_POOL_GRAD_A,   MOS_POOL_GRAD_B};
  for (int i = 0; i < 2; ++i) {
    for (mos_pool_array_t w : state) {
      const bool is_a = w == MOS_POOL_A || w == MOS_POOL_ADAM_M_A || w == MOS_POOL_ADAM_V_A ||
                        w == MOS_POOL_GRAD_A;
      const int64_t n = is_a ? g[i].na : g[i].nb;
      const auto v = t::read_pool(g[i].pool, w, n);
      T_OK(mos_pool_write(h[i].pool, w, v.data(), n));
    }
    T_OK(mos_optimizer_add_pool(opt2, h[i].pool));
  }
  T_OK(mos_optimizer_set_step(opt2, steps));
  T_OK(mos_optimizer_step(opt));
  T_OK(mos_optimizer_step(opt2));
  for (int i = 0; i < 2; ++i) {
    T_CHECK(t::read_pool(g[i].pool, MOS_POOL_A, g[i].na) ==
                t::read_pool(h[i].pool, MOS_POOL_A, g[i].na),
            "resumed pool %d: pool_A differs after the next step", i);
    T_CHECK(t::read_pool(g[i].pool, MOS_POOL_B, g[i].nb) ==
                t::read_pool(h[i].pool, MOS_POOL_B, g[i].nb),
            "resumed pool %d: pool_B differs after the next step", i);
  }

  // lr and step setters; zero_grad of every added pool.
  float lr_out = 0;
  T_OK(mos_optimizer_set_lr(opt, 0.5f));
  T_OK(mos_optimizer_get_lr(opt, &lr_out));
  T_CHECK(lr_out == 0.5f, "lr %g after set_lr(0.5)", lr_out);
  T_STATUS(mos_optimizer_set_lr(opt, -1.0f), MOS_STATUS_INVALID_ARGUMENT, "mos_optimizer_set_lr: ");
  T_STATUS(mos_optimizer_set_step(opt, -1), MOS_STATUS_INVALID_ARGUMENT,
           "mos_optimizer_set_step: ");
  T_OK(mos_optimizer_zero_grad(opt));
  for (auto& gr : g) {
    for (float x : t::read_pool(gr.pool, MOS_POOL_GRAD_A, gr.na))
      T_CHECK(x == 0.0f, "grad_A not zeroed");
    for (float x : t::read_pool(gr.pool, MOS_POOL_GRAD_B, gr.nb))
      T_CHECK(x == 0.0f, "grad_B not zeroed");
  }

  // Clipping over both pool groups, each counted once.
  for (auto& gr : g) write_grads(gr, rng);
  double sq = 0;
  for (auto& gr : g)
    for (const auto* v : {&gr.a.g, &gr.b.g})
      for (double x : *v) sq += x * x;
  const double norm = std::sqrt(sq);
  float out = 0;
  T_OK(mos_optimizer_clip_grad_norm(opt, 0.0f, &out));  // max_norm 0: report only
  T_CHECK(std::fabs(out - norm) <= 1e-6 * norm, "norm %.9g, expected %.9g", out, norm);
  T_OK(mos_optimizer_clip_grad_norm(opt, static_cast<float>(2 * norm), &out));  // below: unchanged
  T_CHECK(t::to_double(t::read_pool(g[0].pool, MOS_POOL_GRAD_A, g[0].na)) == g[0].a.g,
          "clipping below max_norm changed grads");
  const float max_norm = static_cast<float>(norm / 3);
  T_OK(mos_optimizer_clip_grad_norm(opt, max_norm, nullptr));
  const double factor = max_norm / (norm + 1e-6);
  for (auto& gr : g) {
    std::vector<double> ea = gr.a.g, eb = gr.b.g;
    for (auto& x : ea) x *= factor;
    for (auto& x : eb) x *= factor;
    t::close("clipped grad_A", t::read_pool(gr.pool, MOS_POOL_GRAD_A, gr.na), ea,
             MOS_TOL_F32_OPTIMIZER, 9, "clip");
    t::close("clipped grad_B", t::read_pool(gr.pool, MOS_POOL_GRAD_B, gr.nb), eb,
             MOS_TOL_F32_OPTIMIZER, 9, "clip");
  }
  T_OK(mos_optimizer_clip_grad_norm(opt, 0.0f, &out));
  T_CHECK(std::fabs(out - max_norm) <= 1e-5 * max_norm, "norm after clipping %.9g, expected %.9g",
          out, max_norm);
  T_STATUS(mos_optimizer_clip_grad_norm(opt, NAN, &out), MOS_STATUS_INVALID_ARGUMENT,
           "mos_optimizer_clip_grad_norm: ");

  // A pool of another context is refused.
  mos_context_t other = nullptr;
  mos_pool_t foreign = nullptr;
  T_OK(mos_context_create(MOS_BACKEND_CPU, 0, &other));
  T_OK(mos_pool_create(other, tiny_p1(), &foreign));
  T_STATUS(mos_optimizer_add_pool(opt, foreign), MOS_STATUS_INVALID_ARGUMENT,
           "mos_optimizer_add_pool: ");

  for (mos_optimizer_t o : {opt, opt2}) mos_optimizer_free(o);
  for (auto* gr : {&g[0], &g[1], &h[0], &h[1]}) mos_pool_free(gr->pool);
  mos_pool_free(foreign);
  mos_context_free(other);
  mos_context_free(ctx);
}

void bad_hyper() {
  mos_context_t ctx = nullptr;
  mos_optimizer_t opt = nullptr;
  T_OK(mos_context_create(MOS_BACKEND_CPU, 0, &ctx));
  T_STATUS(mos_optimizer_create_adamw(ctx, -1e-3f, 0.9f, 0.999f, 1e-8f, 0, &opt),
           MOS_STATUS_INVALID_ARGUMENT, "mos_optimizer_create_adamw: ");
  T_STATUS(mos_optimizer_create_adamw(ctx, 1e-3f, 1.0f, 0.999f, 1e-8f, 0, &opt),
           MOS_STATUS_INVALID_ARGUMENT, "mos_optimizer_create_adamw: ");
  T_STATUS(mos_optimizer_create_adamw(ctx, 1e-3f, 0.9f, -0.1f, 1e-8f, 0, &opt),
           MOS_STATUS_INVALID_ARGUMENT, "mos_optimizer_create_adamw: ");
  T_STATUS(mos_optimizer_create_adamw(ctx, 1e-3f, 0.9f, 0.999f, NAN, 0, &opt),
           MOS_STATUS_INVALID_ARGUMENT, "mos_optimizer_create_adamw: ");
  T_STATUS(mos_optimizer_create_adamw(ctx, 1e-3f, 0.9f, 0.999f, 1e-8f, -1, &opt),
           MOS_STATUS_INVALID_ARGUMENT, "mos_optimizer_create_adamw: ");
  T_CHECK(opt == nullptr, "a failed mos_adamw_create wrote *out");
  mos_context_free(ctx);
}

}  // namespace

int main() {
  adamw_steps();
  bad_hyper();
  return t::report("test_optimizer");
}
