// SPDX-License-Identifier: Apache-2.0
/* decoder_step.c: a tiny Llama-style decoder through libmos's C ABI only. Random frozen weights
 * (BF16 storage), one MoS pool group on each of the seven projections, a few AdamW steps on
 * "count up by one" sequences (the loss falls), then generation through the KV cache, which
 * continues a count. Exits non-zero when the loss does not fall or a call fails. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mos/mos.h"

#define CHECK(call)                                                               \
  do {                                                                            \
    mos_status_t st_ = (call);                                                    \
    if (st_ != MOS_STATUS_OK) {                                                   \
      fprintf(stderr, "%s failed (%d): %s\n", #call, (int)st_, mos_last_error()); \
      exit(1);                                                                    \
    }                                                                             \
  } while (0)

enum { V = 32, H = 32, I = 64, L = 2, HEADS = 4, KV_HEADS = 2, HEAD_DIM = 8, SEQ = 12, SEQS = 6 };

static uint64_t rng_state = 42;
static float uniform(void) { /* in [-1, 1) */
  rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (float)((rng_state >> 40) / 8388608.0 - 1.0);
}

static void set_random(mos_decoder_t dec, const char* name, int64_t rows, int64_t cols, float scale,
                       float offset) {
  float* w = malloc(sizeof(float) * (size_t)(rows * cols));
  for (int64_t i = 0; i < rows * cols; ++i) w[i] = offset + scale * uniform();
  CHECK(mos_decoder_set_weight(dec, name, MOS_DTYPE_F32, rows, cols, w));
  free(w);
}

/* A pool group's configuration (named fields: ABI 2). */
static mos_config_t pool_config(int32_t d_in, int32_t d_out, int32_t blocks, int32_t rank,
                                int32_t equivalent_rank, int32_t private_rank, int32_t l,
                                float alpha, float dropout) {
  mos_config_t c;
  memset(&c, 0, sizeof c);
  c.struct_size = (int32_t)sizeof(mos_config_t);
  c.d_in = d_in;
  c.d_out = d_out;
  c.num_blocks = blocks;
  c.rank = rank;
  c.equivalent_rank = equivalent_rank;
  c.private_rank = private_rank;
  c.shards_per_vector = l;
  c.alpha = alpha;
  c.dropout = dropout;
  return c;
}

int main(void) {
  mos_context_t ctx;
  CHECK(mos_context_create(MOS_BACKEND_CPU, 0, &ctx));
  mos_decoder_config_t cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.vocab_size = V;
  cfg.hidden_size = H;
  cfg.intermediate_size = I;
  cfg.num_layers = L;
  cfg.num_heads = HEADS;
  cfg.num_kv_heads = KV_HEADS;
  cfg.head_dim = HEAD_DIM;
  cfg.max_positions = 64;
  cfg.rms_norm_eps = 1e-5f;
  cfg.rope_theta = 10000.0f;
  cfg.rope_type = MOS_ROPE_DEFAULT;
  cfg.tie_word_embeddings = 1;
  cfg.weight_dtype = MOS_DTYPE_BF16;
  mos_decoder_t dec;
  CHECK(mos_decoder_create(ctx, &cfg, &dec));

  /* Every expected weight by name, random (a loader would read a checkpoint here). */
  int32_t count = 0;
  CHECK(mos_decoder_weight_count(dec, &count));
  for (int32_t i = 0; i < count; ++i) {
    char name[128];
    int64_t rows, cols;
    CHECK(mos_decoder_weight_info(dec, i, name, sizeof name, &rows, &cols, NULL));
    const int norm = strstr(name, "norm") != NULL;
    set_random(dec, name, rows, cols, norm ? 0.1f : 1.0f / sqrtf((float)cols), norm ? 1.0f : 0.0f);
  }

  /* One MoS pool group per projection: active rank r = 3 from R_eq = 2 (1 private), 2 shards
   * per rank vector; alpha 16, dropout 0.05. AdamW over all seven. */
  const char* projs[7] = {"q_proj",    "k_proj",  "v_proj",   "o_proj",
                          "gate_proj", "up_proj", "down_proj"};
  const int32_t d_in[7] = {H, H, H, HEADS * HEAD_DIM, H, H, I};
  const int32_t d_out[7] = {HEADS * HEAD_DIM, KV_HEADS * HEAD_DIM, KV_HEADS * HEAD_DIM, H, I, I, H};
  mos_pool_t pools[7];
  mos_optimizer_t opt;
  CHECK(mos_optimizer_create_adamw(ctx, 1e-2f, 0.9f, 0.999f, 1e-8f, 0.0f, &opt));
  for (int p = 0; p < 7; ++p) {
    const mos_config_t cfg = pool_config(d_in[p], d_out[p], L, 3, 2, 1, 2, 16.0f, 0.05f);
    CHECK(mos_pool_create(ctx, &cfg, &pools[p]));
    CHECK(mos_pool_init(pools[p], 100 + p));
    CHECK(mos_pool_generate_indices(pools[p], 200 + p));
    CHECK(mos_decoder_attach_pool(dec, projs[p], pools[p]));
    CHECK(mos_optimizer_add_pool(opt, pools[p]));
  }
  CHECK(mos_decoder_set_dropout_state(dec, 7, 0));

  /* Training: SEQS sequences counting up by one (mod V) from random starts, next-token targets. */
  int32_t lengths[SEQS], tokens[SEQS * SEQ], targets[SEQS * SEQ];
  double first = 0.0, last = 0.0;
  for (int step = 0; step < 30; ++step) {
    for (int s = 0; s < SEQS; ++s) {
      const int start = (int)((uniform() + 1.0f) * V / 2) % V;
      lengths[s] = SEQ;
      for (int t = 0; t < SEQ; ++t) {
        tokens[s * SEQ + t] = (start + t) % V;
        targets[s * SEQ + t] = t + 1 < SEQ ? (start + t + 1) % V : -1;
      }
    }
    mos_batch_t batch = {SEQS, lengths, tokens, targets};
    double loss_sum = 0.0;
    int64_t loss_count = 0;
    CHECK(mos_optimizer_zero_grad(opt));
    CHECK(mos_decoder_loss(dec, &batch, 1, 1.0f / (SEQS * (SEQ - 1)), &loss_sum, &loss_count));
    CHECK(mos_optimizer_clip_grad_norm(opt, 1.0f, NULL));
    CHECK(mos_optimizer_step(opt));
    const double mean = loss_sum / (double)loss_count;
    if (step == 0) first = mean;
    last = mean;
    if (step % 5 == 0 || step == 29) printf("step %2d  loss %.4f\n", step, mean);
  }

  /* Generation: greedy from a counting prompt, through the KV cache. */
  const int32_t prompt[4] = {3, 4, 5, 6};
  int32_t out[8];
  mos_generate_request_t req;
  memset(&req, 0, sizeof req);
  req.prompt = prompt;
  req.prompt_length = 4;
  req.max_new_tokens = 8;
  req.sampling.temperature = 0.0f; /* greedy */
  req.sampling.top_p = 1.0f;
  req.adapter_id = -1; /* no bank: the attached pools apply */
  req.out_tokens = out;
  CHECK(mos_decoder_generate(dec, NULL, &req, 1, NULL, NULL));
  printf("prompt 3 4 5 6 ->");
  for (int i = 0; i < req.out_length; ++i) printf(" %d", out[i]);
  printf("\n");

  for (int p = 0; p < 7; ++p) CHECK(mos_pool_free(pools[p]));
  CHECK(mos_optimizer_free(opt));
  CHECK(mos_decoder_free(dec));
  CHECK(mos_context_free(ctx));
  if (!(last < 0.8 * first)) {
    fprintf(stderr, "the loss did not fall: %.4f -> %.4f\n", first, last);
    return 1;
  }
  printf("loss %.4f -> %.4f\n", first, last);
  return 0;
}
