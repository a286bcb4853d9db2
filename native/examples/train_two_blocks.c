// SPDX-License-Identifier: Apache-2.0
/* train_two_blocks.c: a plain-C tour of libmos: two stacked MoS layers (blocks 0 and 1 of one
 * pool group) with EXPLICIT routing indices and pool values; forward, backward, then SGD and AdamW.
 *
 * Build (CMake does this): cc train_two_blocks.c -Inative/include -Lbuild -lmos */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "mos/mos.h"

#define CHECK(call)                                                                         \
  do {                                                                                      \
    mos_status_t st_ = (call);                                                              \
    if (st_ != MOS_STATUS_OK) {                                                             \
      fprintf(stderr, "%s failed with status %d: %s\n", #call, (int)st_, mos_last_error()); \
      exit(1);                                                                              \
    }                                                                                       \
  } while (0)

enum { D = 4, L = 2, R = 2, REQ = 2, PRIV = 1, SH = 2, N = 3 }; /* d_in = d_out = D */
enum { P = REQ * L * SH, SA = D / SH, SB = D / SH };            /* P = 8 shards of length 2 */

static void print_matrix(const char* name, const float* m, int rows, int cols) {
  printf("%s [%d x %d]\n", name, rows, cols);
  for (int i = 0; i < rows; ++i) {
    printf("  ");
    for (int j = 0; j < cols; ++j) printf("%9.5f ", m[i * cols + j]);
    printf("\n");
  }
}

static mos_tensor_t tensor(mos_context_t ctx, int rows, int cols, const float* data) {
  mos_tensor_t t;
  CHECK(mos_tensor_create(ctx, MOS_DTYPE_F32, rows, cols, &t));
  if (data) CHECK(mos_tensor_write(t, data, (int64_t)rows * cols)); /* elements, not bytes */
  return t;
}

/* h = block0(x), y = block1(h); returns 0.5 * |y - target|^2 / N and leaves dy in `dy`. */
static double forward(mos_layer_t l0, mos_layer_t l1, mos_tensor_t x, mos_tensor_t h,
                      mos_tensor_t y, mos_tensor_t dy, const float* target, float* y_host) {
  float g[N * D];
  double loss = 0.0;
  CHECK(mos_layer_forward(l0, x, h, MOS_MODE_FULL, 1));
  CHECK(mos_layer_forward(l1, h, y, MOS_MODE_FULL, 1));
  CHECK(mos_tensor_read(y, y_host, N * D));
  for (int e = 0; e < N * D; ++e) {
    const double d = (double)y_host[e] - target[e];
    loss += 0.5 * d * d / N;
    g[e] = (float)(d / N);
  }
  CHECK(mos_tensor_write(dy, g, N * D));
  return loss;
}

/* Each backward gets the x its forward read (h is x of block 1), unwritten since. */
static void backward(mos_layer_t l0, mos_layer_t l1, mos_tensor_t x, mos_tensor_t h,
                     mos_tensor_t dy, mos_tensor_t dh) {
  CHECK(mos_layer_backward(l1, h, dy, dh, MOS_MODE_FULL)); /* dh = dy W1 + adapter part */
  CHECK(mos_layer_backward(l0, x, dh, NULL, MOS_MODE_FULL));
}

int main(void) {
  mos_context_t ctx;
  mos_pool_t pool;
  mos_layer_t l0, l1;
  mos_optimizer_t opt;
  const mos_config_t cfg = {.struct_size = sizeof(mos_config_t),
                            .d_in = D,
                            .d_out = D,
                            .num_blocks = L,
                            .rank = R,
                            .equivalent_rank = REQ,
                            .private_rank = PRIV,
                            .shards_per_vector = SH,
                            .alpha = 4.0f,
                            .dropout = 0.0f};
  float pool_a[P * SA], pool_b[SB * P], w[D * D], x[N * D], target[N * D], y[N * D];
  float grad_a[P * SA], grad_b[SB * P];
  /* Rank-major indices (shard i of rank vector j is idx[j*l + i]). S = (REQ-PRIV)*L*SH = 4:
   * rows 0..3 are public, rows 4,5 are block 0's private rank vector, rows 6,7 block 1's. */
  const int32_t idx_a0[R * SH] = {0, 3, 4, 5}, idx_b0[R * SH] = {2, 1, 4, 5};
  const int32_t idx_a1[R * SH] = {3, 1, 6, 7}, idx_b1[R * SH] = {0, 0, 6, 7}; /* repeats allowed */
  double first = 0.0, loss = 0.0;

  printf("%s, ABI %d\n", mos_version_string(), mos_abi_version());
  for (int m = 0; m < P; ++m)
    for (int t = 0; t < SA; ++t) pool_a[m * SA + t] = 0.05f * (float)((m + 1) * (t % 2 ? -1 : 1));
  for (int t = 0; t < SB; ++t)
    for (int m = 0; m < P; ++m) pool_b[t * P + m] = 0.02f * (float)(m - t);
  for (int i = 0; i < D; ++i)
    for (int j = 0; j < D; ++j) w[i * D + j] = (i == j) ? 1.0f : 0.1f * (float)(j - i);
  for (int e = 0; e < N * D; ++e) {
    x[e] = sinf(0.7f * (float)e);
    target[e] = cosf(0.3f * (float)e);
  }

  CHECK(mos_context_create(MOS_BACKEND_CPU, 0, &ctx));
  CHECK(mos_pool_create(ctx, &cfg, &pool));
  CHECK(mos_pool_write(pool, MOS_POOL_A, pool_a, P * SA));
  CHECK(mos_pool_write(pool, MOS_POOL_B, pool_b, SB * P));
  CHECK(mos_pool_set_indices(pool, 0, idx_a0, idx_b0, R * SH));
  CHECK(mos_pool_set_indices(pool, 1, idx_a1, idx_b1, R * SH));

  mos_tensor_t w0 = tensor(ctx, D, D, w), w1 = tensor(ctx, D, D, w);
  mos_tensor_t xt = tensor(ctx, N, D, x), h = tensor(ctx, N, D, NULL), yt = tensor(ctx, N, D, NULL);
  mos_tensor_t dy = tensor(ctx, N, D, NULL), dh = tensor(ctx, N, D, NULL);
  CHECK(mos_layer_create(pool, 0, w0, NULL, &l0));
  CHECK(mos_layer_create(pool, 1, w1, NULL, &l1));

  /* One forward + backward, printed. */
  CHECK(mos_pool_zero_grad(pool));
  first = forward(l0, l1, xt, h, yt, dy, target, y);
  backward(l0, l1, xt, h, dy, dh);
  print_matrix("y", y, N, D);
  CHECK(mos_pool_read(pool, MOS_POOL_GRAD_A, grad_a, P * SA));
  CHECK(mos_pool_read(pool, MOS_POOL_GRAD_B, grad_b, SB * P));
  print_matrix("grad pool_A (rows = shards; no block uses row 2)", grad_a, P, SA);
  print_matrix("grad pool_B (columns = shards; no block uses column 3)", grad_b, SB, P);
  printf("loss %.6f\n", first);

  /* Three plain SGD steps by hand (read, update, write): the pools are ordinary arrays. */
  for (int step = 0; step < 3; ++step) {
    CHECK(mos_pool_read(pool, MOS_POOL_A, pool_a, P * SA));
    CHECK(mos_pool_read(pool, MOS_POOL_B, pool_b, SB * P));
    for (int e = 0; e < P * SA; ++e) pool_a[e] -= 0.5f * grad_a[e];
    for (int e = 0; e < SB * P; ++e) pool_b[e] -= 0.5f * grad_b[e];
    CHECK(mos_pool_write(pool, MOS_POOL_A, pool_a, P * SA));
    CHECK(mos_pool_write(pool, MOS_POOL_B, pool_b, SB * P));
    CHECK(mos_pool_zero_grad(pool));
    loss = forward(l0, l1, xt, h, yt, dy, target, y);
    backward(l0, l1, xt, h, dy, dh);
    CHECK(mos_pool_read(pool, MOS_POOL_GRAD_A, grad_a, P * SA));
    CHECK(mos_pool_read(pool, MOS_POOL_GRAD_B, grad_b, SB * P));
    printf("SGD step %d: loss %.6f\n", step + 1, loss);
  }

  /* Then AdamW with clipping over the pool group (counted once, not once per block). */
  CHECK(mos_optimizer_create_adamw(ctx, 0.05f, 0.9f, 0.999f, 1e-8f, 0.0f, &opt));
  CHECK(mos_optimizer_add_pool(opt, pool));
  for (int step = 0; step < 5; ++step) {
    float norm;
    CHECK(mos_optimizer_clip_grad_norm(opt, 1.0f, &norm));
    CHECK(mos_optimizer_step(opt));
    CHECK(mos_optimizer_zero_grad(opt));
    loss = forward(l0, l1, xt, h, yt, dy, target, y);
    backward(l0, l1, xt, h, dy, dh);
    printf("AdamW step %d: grad norm %.6f, loss %.6f\n", step + 1, norm, loss);
  }

  /* Free in any order: children keep their parents alive. */
  CHECK(mos_context_free(ctx));
  CHECK(mos_pool_free(pool));
  CHECK(mos_optimizer_free(opt));
  CHECK(mos_layer_free(l0));
  CHECK(mos_layer_free(l1));
  CHECK(mos_tensor_free(w0));
  CHECK(mos_tensor_free(w1));
  CHECK(mos_tensor_free(xt));
  CHECK(mos_tensor_free(h));
  CHECK(mos_tensor_free(yt));
  CHECK(mos_tensor_free(dy));
  CHECK(mos_tensor_free(dh));
  if (!(loss < first)) {
    fprintf(stderr, "training did not reduce the loss (%.6f -> %.6f)\n", first, loss);
    return 1;
  }
  return 0;
}
