// SPDX-License-Identifier: Apache-2.0
// The public header is laid out by hand (aligned field comments, tables); clang-format keeps out:
// clang-format off
/*
 * mos.h: the one public C header of libmos, the Mixture-of-Shards (MoS, ICLR 2025) library.
 * Every exported function is declared here with MOS_API; nothing else is public.
 *
 * ---------------------------------------------------------------------------------------------
 * Objects (all opaque handles)
 *   mos_context_t    a backend (CPU or CUDA) and its stream; parent of everything else.
 *   mos_tensor_t     a 2-D row-major array owned by the library (host or device memory).
 *   mos_pool_t       one "pool group": the shard pools of ONE projection type (e.g. q_proj),
 *                    shared by all L blocks, with their gradients, AdamW moments and the frozen
 *                    routing indices of every block (method.md §1-§3).
 *   mos_layer_t      block k's adapted linear layer: a pool group + block index + frozen base
 *                    weight W [d_out x d_in] (+ optional bias [1 x d_out]).
 *   mos_optimizer_t  AdamW over a set of pool groups (pools only, each counted once).
 *   mos_bank_t       many adapters served at once (see the adapter bank section below).
 *
 * Blocks: the L transformer blocks that share a pool group are numbered 0 .. L-1; every argument
 * that picks one is called `block`, their number is `num_blocks` (L).
 *
 * Ownership (the same for every object)
 *   - What mos_X_create or mos_X_create_<kind> returns, exactly one mos_X_free releases
 *     (mos_tensor_wrap_host: mos_tensor_free). mos_X_free(NULL) is a no-op.
 *   - Children keep their parents alive internally (reference counts): a layer keeps its pool
 *     and its weight/bias tensors, a pool keeps its context, an optimizer keeps its pools. So a
 *     caller may free handles in any order; memory goes when the last user goes.
 *   - Caller pointers (float*, int32_t*, char*, mos_config_t*) are borrowed for the duration of
 *     the call only, except mos_tensor_wrap_host, whose memory the caller keeps valid until the
 *     tensor is freed.
 *
 * Sizes: the length of a data buffer counts ELEMENTS, never bytes, and is called num_elements
 * (mos_tensor_read/write: elements of the tensor's dtype; mos_pool_read/write: floats;
 * mos_pool_set/get_indices: int32 indices). mos_tensor_shape (rows * cols),
 * mos_pool_array_length and mos_pool_index_length say how many a call expects. Other counts
 * say what they count: tokens, num_ids, memory_budget_bytes, reason_capacity (chars).
 *
 * Errors
 *   Every fallible call returns mos_status_t (MOS_STATUS_OK == 0) and writes results through
 *   out-parameters. mos_last_error() is the thread-local message of this thread's most recent
 *   call that returns mos_status_t: on failure it names the function and the broken invariant
 *   with numbers, e.g. "mos_layer_forward: x has 512 columns but the layer's d_in is 768"; a
 *   successful call empties it ("").
 *   A failed call leaves every object as it was (no half-updated pools or weights).
 *   No C++ exception crosses this boundary and nothing calls abort() or exit().
 *
 * Threads
 *   Different contexts may be used from different threads at once. Objects of one context must
 *   not be used concurrently from several threads (callers serialize per context; the Java API
 *   does this for you). mos_last_error() is per thread.
 *
 * Example (C, CPU):
 *   mos_context_t ctx;  mos_pool_t pool;  mos_layer_t layer;  mos_tensor_t w, x, y;
 *   mos_context_create(MOS_BACKEND_CPU, 0, &ctx);
 *   mos_config_t cfg = {.struct_size = sizeof(mos_config_t), .d_in = 64, .d_out = 64,
 *                       .num_blocks = 2, .rank = 4, .equivalent_rank = 4, .private_rank = 1,
 *                       .shards_per_vector = 2, .alpha = 16.0f, .dropout = 0.0f};
 *   mos_pool_create(ctx, &cfg, &pool);
 *   mos_pool_init(pool, 42);  mos_pool_generate_indices(pool, 42);
 *   mos_tensor_create(ctx, MOS_DTYPE_F32, 64, 64, &w);   ... mos_tensor_write(w, data, 64 * 64);
 *   mos_layer_create(pool, 0, w, NULL, &layer);         // block 0
 *   mos_layer_forward(layer, x, y, MOS_MODE_FULL, 0);
 *   mos_layer_free(layer); mos_tensor_free(w); mos_pool_free(pool); mos_context_free(ctx);
 * ---------------------------------------------------------------------------------------------
 */
#ifndef MOS_MOS_H
#define MOS_MOS_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define MOS_API __declspec(dllexport)
#else
#define MOS_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ABI version. The major changes on any incompatible change; the Java loader refuses a library
 * of another major version. The minor grows when functions (or trailing mos_config_t fields)
 * are added. */
#define MOS_ABI_VERSION_MAJOR 2
#define MOS_ABI_VERSION_MINOR 2

typedef enum mos_status {
  MOS_STATUS_OK = 0,
  MOS_STATUS_INVALID_ARGUMENT = 1,   /* a value outside its valid range, a bad config */
  MOS_STATUS_NULL_POINTER = 2,       /* a required handle or pointer was NULL */
  MOS_STATUS_SHAPE_MISMATCH = 3,     /* tensor shapes or buffer lengths disagree */
  MOS_STATUS_INDEX_OUT_OF_RANGE = 4, /* a routing index or block index outside its range */
  MOS_STATUS_OUT_OF_MEMORY = 5,      /* host or device allocation failed */
  MOS_STATUS_UNSUPPORTED = 6,        /* valid request this build/backend/dtype cannot do */
  MOS_STATUS_BACKEND_UNAVAILABLE = 7,/* backend not built, no driver, no device, no cuBLAS */
  MOS_STATUS_INVALID_STATE = 8,      /* e.g. backward without its forward, merge twice */
  MOS_STATUS_INTERNAL = 9            /* a bug in libmos; the message says where */
} mos_status_t;

typedef enum mos_backend {
  MOS_BACKEND_CPU = 0,
  MOS_BACKEND_CUDA = 1
} mos_backend_t;

typedef enum mos_dtype {
  MOS_DTYPE_F32 = 0,
  MOS_DTYPE_BF16 = 1,   /* storage for activations / base weights (layers, mos_gemm); pools stay f32 */
  MOS_DTYPE_I32 = 2,
  MOS_DTYPE_F16 = 3     /* a source dtype of mos_decoder_set_weight only, not a tensor dtype */
} mos_dtype_t;

/* What mos_layer_forward / mos_layer_backward compute. */
typedef enum mos_mode {
  MOS_MODE_FULL = 0,         /* y = x W^T (+ b) + delta;  dx = dy W + adapter part  (overwrite) */
  MOS_MODE_ADAPTER_ONLY = 1  /* y += delta;                dx += adapter part (base done by caller) */
} mos_mode_t;

/* The arrays of a pool group, for mos_pool_read / mos_pool_write. Shapes (P = R_eq*L*l,
 * s_A = d_in/l, s_B = d_out/l), row-major f32:
 *   POOL_A, GRAD_A, ADAM_M_A, ADAM_V_A: [P x s_A]   (A shards are rows)
 *   POOL_B, GRAD_B, ADAM_M_B, ADAM_V_B: [s_B x P]   (B shards are columns) */
typedef enum mos_pool_array {
  MOS_POOL_A = 0,
  MOS_POOL_B = 1,
  MOS_POOL_GRAD_A = 2,
  MOS_POOL_GRAD_B = 3,
  MOS_POOL_ADAM_M_A = 4,
  MOS_POOL_ADAM_V_A = 5,
  MOS_POOL_ADAM_M_B = 6,
  MOS_POOL_ADAM_V_B = 7
} mos_pool_array_t;

/* Precision of the f32 dense products. DEFAULT: exact f32 (IEEE fp32 multiply and
 * accumulate). TF32: the CUDA backend lets cuBLAS use TF32 tensor cores for f32 x f32 products
 * (10-bit mantissa inputs, f32 accumulation); an explicit opt-in, never the default. */
typedef enum mos_math_mode { MOS_MATH_DEFAULT = 0, MOS_MATH_TF32 = 1 } mos_math_mode_t;

/* The configuration of one pool group (method.md §1-§2): named fields, so that no two of its numbers
 * can be swapped unnoticed. struct_size must be sizeof(mos_config_t) (it lets later minor
 * versions append fields: the library then reads and writes only the first struct_size bytes and
 * gives appended fields their defaults). Every rule that mos_config_validate checks is listed
 * there. */
typedef struct mos_config {
  int32_t struct_size;        /* sizeof(mos_config_t) */
  int32_t d_in;               /* input features of the projection; >= 1 */
  int32_t d_out;              /* output features; >= 1 */
  int32_t num_blocks;         /* L, the blocks sharing the pools; >= 1 */
  int32_t rank;               /* r, the active rank of every block; >= 1 */
  int32_t equivalent_rank;    /* R_eq: the pools hold R_eq * L * (d_in + d_out) parameters */
  int32_t private_rank;       /* p, rank vectors private to each block; 0 <= p <= min(r, R_eq) */
  int32_t shards_per_vector;  /* l, shards per rank vector; divides d_in and d_out */
  float alpha;                /* the adapter output is scaled by alpha / r; finite */
  float dropout;              /* adapter-branch dropout rate in training; 0 <= dropout < 1 */
} mos_config_t;

typedef struct mos_context* mos_context_t;
typedef struct mos_tensor* mos_tensor_t;
typedef struct mos_pool* mos_pool_t;
typedef struct mos_layer* mos_layer_t;
typedef struct mos_optimizer* mos_optimizer_t;

/* ---- library ------------------------------------------------------------------------------ */

/* MOS_ABI_VERSION_MAJOR * 1000 + MOS_ABI_VERSION_MINOR of the loaded library. Never fails. */
MOS_API int32_t mos_abi_version(void);

/* Human-readable version and build flags, e.g. "mos 0.1.0 (cpu:openblas, cuda:sm_80;sm_90)".
 * Static storage; never NULL. */
MOS_API const char* mos_version_string(void);

/* Thread-local text of this thread's most recent mos_status_t call: its failure message, or ""
 * after a success (and on a thread that made no call). Valid until the next such call on the
 * same thread. Never NULL. */
MOS_API const char* mos_last_error(void);

/* Is `backend` usable here? *available = 1 or 0. When 0, the reason ("built without CUDA",
 * "no CUDA driver (cudaGetDeviceCount: error 35)", "cuBLAS not found: tried ...") is copied,
 * NUL-terminated and truncated to reason_capacity bytes, into reason (which may be NULL). */
MOS_API mos_status_t mos_backend_available(mos_backend_t backend, int32_t* available,
                                           char* reason, size_t reason_capacity);

/* ---- context ------------------------------------------------------------------------------ */

/* Create a context on `backend` (device ordinal `device`, 0 for the CPU).
 * Fails with MOS_STATUS_BACKEND_UNAVAILABLE and the reason when the backend cannot be used. */
MOS_API mos_status_t mos_context_create(mos_backend_t backend, int32_t device, mos_context_t* out);
MOS_API mos_status_t mos_context_free(mos_context_t ctx);
MOS_API mos_status_t mos_context_backend(mos_context_t ctx, mos_backend_t* out);
/* Threads used by this context's CPU work (OpenMP and OpenBLAS). 0 = library default. At most
 * 16 x the machine's hardware threads and at most 1024 (more: MOS_STATUS_INVALID_ARGUMENT; an
 * OpenMP runtime that cannot start the threads would end the process). */
MOS_API mos_status_t mos_context_set_num_threads(mos_context_t ctx, int32_t num_threads);
/* Math mode of the context's f32 dense products. CUDA: selects the cuBLAS compute type,
 * CUBLAS_COMPUTE_32F (DEFAULT) or CUBLAS_COMPUTE_32F_FAST_TF32 (TF32); the initial value comes
 * from MOS_CUDA_TF32. CPU: accepted and recorded, no effect (the CPU products are exact f32).
 * Fails with MOS_STATUS_INVALID_ARGUMENT for a value outside mos_math_mode_t. */
MOS_API mos_status_t mos_context_set_math_mode(mos_context_t ctx, mos_math_mode_t mode);
/* Deterministic reductions, on != 0. CUDA: the pool-gradient scatter-add uses the
 * sorted segmented pass, so two runs give bit-identical gradients (off: atomics, the fast
 * default; the initial value comes from MOS_CUDA_DETERMINISTIC). CPU: always deterministic;
 * accepted, no effect. */
MOS_API mos_status_t mos_context_set_deterministic(mos_context_t ctx, int32_t on);
/* Wait for all queued work of the context (a no-op on the CPU). */
MOS_API mos_status_t mos_context_synchronize(mos_context_t ctx);

/* ---- tensors (2-D, row-major) ----------------------------------------------------------- */

/* New zero-filled tensor [rows x cols] of `dtype` in the context's memory. rows, cols >= 1.
 * MOS_STATUS_OUT_OF_MEMORY, before allocating, when it exceeds the memory available to the
 * context (host: MemAvailable + free swap; CUDA: the device's free memory). */
MOS_API mos_status_t mos_tensor_create(mos_context_t ctx, mos_dtype_t dtype, int64_t rows,
                                       int64_t cols, mos_tensor_t* out);
/* Zero-copy view of caller memory (CPU contexts only): `data` must hold rows*cols elements of
 * `dtype`, be aligned to the element size, and stay valid until mos_tensor_free. */
MOS_API mos_status_t mos_tensor_wrap_host(mos_context_t ctx, mos_dtype_t dtype, int64_t rows,
                                          int64_t cols, void* data, mos_tensor_t* out);
MOS_API mos_status_t mos_tensor_free(mos_tensor_t t);
MOS_API mos_status_t mos_tensor_shape(mos_tensor_t t, int64_t* rows, int64_t* cols);
MOS_API mos_status_t mos_tensor_dtype(mos_tensor_t t, mos_dtype_t* out);
/* Copy num_elements elements of the tensor's dtype from host `src` into the tensor;
 * num_elements must equal rows * cols. */
MOS_API mos_status_t mos_tensor_write(mos_tensor_t t, const void* src, int64_t num_elements);
/* Copy the tensor into host `dst` (num_elements = rows * cols elements of its dtype). */
MOS_API mos_status_t mos_tensor_read(mos_tensor_t t, void* dst, int64_t num_elements);

/* Dense product on tensors of one context, through the backend's BLAS (cblas_sgemm / cuBLAS):
 *   c = alpha * op(a) op(b) + beta * c,  op(x) = x^T when trans_x != 0.
 * All F32 or all BF16 (f32 accumulation, c rounded to nearest-even; mixing: INVALID_ARGUMENT);
 * op(a) [m x k], op(b) [k x n], c [m x n]. For callers that run the base product or
 * other dense layers of their model themselves (and for the dense baselines of benchmarks). */
MOS_API mos_status_t mos_gemm(mos_context_t ctx, int32_t trans_a, int32_t trans_b, float alpha,
                              mos_tensor_t a, mos_tensor_t b, float beta, mos_tensor_t c);

/* ---- configuration helpers (pure functions) ---------------------------------------------- */

/* Check an MoS configuration (method.md §2, §10.12), rule by rule in this order (with
 * L = num_blocks, r = rank, R_eq = equivalent_rank, p = private_rank, l = shards_per_vector):
 *   struct_size == sizeof(mos_config_t);  d_in >= 1 and d_out >= 1;  L >= 1;  r >= 1;
 *   R_eq >= 1;  0 <= p <= R_eq;  l >= 1;  p == R_eq => r == R_eq (plain LoRA);  p <= r;
 *   P = R_eq * L * l <= 2^31 - 1;  (r - p) * l <= S = (R_eq - p) * L * l (the shared shards of a
 *   block fit the public rows);  d_in % l == 0;  d_out % l == 0;  alpha finite;
 *   0 <= dropout < 1.
 * MOS_STATUS_INVALID_ARGUMENT naming the first broken rule and its numbers otherwise;
 * MOS_STATUS_NULL_POINTER for a NULL config. */
MOS_API mos_status_t mos_config_validate(const mos_config_t* config);
/* Trainable parameters of one pool group of a valid config: R_eq * L * (d_in + d_out) (method.md §7);
 * a config mos_config_validate refuses fails the same way. */
MOS_API mos_status_t mos_config_param_count(const mos_config_t* config, int64_t* out);

/* ---- pool groups --------------------------------------------------------------------------- */

/* One projection type's pools, shared by config->num_blocks blocks: pool_A [P x d_in/l] and
 * pool_B [d_out/l x P], P = R_eq * L * l, rows [0, S) public and [S + k*p*l, S + (k+1)*p*l)
 * private to block k, S = (R_eq - p) * L * l. Pools, gradients and moments start at zero.
 * Every block's indices start unset: a layer of a block whose indices were never set (by
 * mos_pool_generate_indices or mos_pool_set_indices) fails with MOS_STATUS_INVALID_STATE.
 * MOS_STATUS_OUT_OF_MEMORY, before allocating anything, when the whole group (pools, gradients,
 * AdamW moments, indices) exceeds the memory available to the context; the message gives both.
 * The config is validated as by mos_config_validate. */
MOS_API mos_status_t mos_pool_create(mos_context_t ctx, const mos_config_t* config,
                                     mos_pool_t* out);
MOS_API mos_status_t mos_pool_free(mos_pool_t pool);

/* The pool group's config. The caller sets out->struct_size (sizeof(mos_config_t)); the library
 * writes the fields that size covers. */
MOS_API mos_status_t mos_pool_get_config(mos_pool_t pool, mos_config_t* out);
/* Elements of one pool array (see mos_pool_array_t): P * d_in/l for the A arrays, d_out/l * P
 * for the B arrays, P = R_eq * L * l. */
MOS_API mos_status_t mos_pool_array_length(mos_pool_t pool, mos_pool_array_t which,
                                           int64_t* num_elements);
/* Indices per block and factor: r * l (the num_elements of mos_pool_set/get_indices). */
MOS_API mos_status_t mos_pool_index_length(mos_pool_t pool, int64_t* num_elements);

/* method.md §6: pool_A ~ U(-1/sqrt(d_in), +1/sqrt(d_in)) (full d_in as fan), pool_B = 0. Seeded,
 * deterministic across runs and backends. Clears gradients and AdamW moments. */
MOS_API mos_status_t mos_pool_init(mos_pool_t pool, uint64_t seed);

/* method.md §2: for every block k, draw the (r - p) * l shared shards of A without replacement from
 * the public rows [0, S), independently draw those of B, then append block k's p*l private
 * rows in order (the last p rank vectors). Seeded and deterministic. */
MOS_API mos_status_t mos_pool_generate_indices(mos_pool_t pool, uint64_t seed);

/* Set block `block`'s indices explicitly: idx_a and idx_b each hold num_elements = r*l ints
 * (mos_pool_index_length), rank-major (shard i of rank vector j is idx[j*l + i]), each
 * 0 <= idx < P; duplicates allowed. Validated before anything is written. */
MOS_API mos_status_t mos_pool_set_indices(mos_pool_t pool, int32_t block, const int32_t* idx_a,
                                          const int32_t* idx_b, int64_t num_elements);
MOS_API mos_status_t mos_pool_get_indices(mos_pool_t pool, int32_t block, int32_t* idx_a,
                                          int32_t* idx_b, int64_t num_elements);

/* Copy one of the pool arrays (see mos_pool_array_t) to / from host memory. num_elements must
 * equal the array's length (mos_pool_array_length). Every array may be written (checkpoints);
 * a write is refused (MOS_STATUS_INVALID_ARGUMENT, naming the first bad element) when src holds
 * a NaN or an infinity, as the adapter file loader refuses non-finite pools, and changes nothing
 * then. */
MOS_API mos_status_t mos_pool_read(mos_pool_t pool, mos_pool_array_t which, float* dst,
                                   int64_t num_elements);
MOS_API mos_status_t mos_pool_write(mos_pool_t pool, mos_pool_array_t which, const float* src,
                                    int64_t num_elements);

/* Zero grad_A and grad_B. Call once per optimizer step (gradients accumulate across blocks and
 * across backward calls until then). */
MOS_API mos_status_t mos_pool_zero_grad(mos_pool_t pool);

/* Materialize block `block`'s factors by method.md §3 into caller tensors of the pool's context:
 * a_out [r x d_in] and b_out [d_out x r] (either may be NULL). */
MOS_API mos_status_t mos_pool_assemble(mos_pool_t pool, int32_t block, mos_tensor_t a_out,
                                       mos_tensor_t b_out);

/* Trainable parameters held: R_eq * L * (d_in + d_out). */
MOS_API mos_status_t mos_pool_param_count(mos_pool_t pool, int64_t* out);

/* ---- layers -------------------------------------------------------------------------------- */

/* Block `block` of `pool` as an adapted linear layer. weight [d_out x d_in] is the frozen base
 * W (NULL: adapter-only layer, which accepts only MOS_MODE_ADAPTER_ONLY); bias [1 x d_out] or
 * NULL. Dtypes: weight, bias and every x, y, dy, dx of the layer's calls are all F32 or all BF16
 * (BF16: f32 accumulation, y and dx rounded to nearest-even; pools and gradients stay F32);
 * mixing is INVALID_ARGUMENT, other dtypes UNSUPPORTED. A BF16 weight cannot be merged
 * (UNSUPPORTED); mos_layer_delta_weight takes an F32 delta. The layer keeps references to
 * pool, weight and bias. */
MOS_API mos_status_t mos_layer_create(mos_pool_t pool, int32_t block, mos_tensor_t weight,
                                      mos_tensor_t bias, mos_layer_t* out);
MOS_API mos_status_t mos_layer_free(mos_layer_t layer);

/* x [N x d_in] -> y [N x d_out]. y may not share memory with x, the weight or the bias
 * (INVALID_ARGUMENT); the same holds for dx in backward and delta in mos_layer_delta_weight.
 *   MOS_MODE_FULL:         y  = x W^T (+ b) + (alpha/r) * (dropout(x) A^T) B^T
 *   MOS_MODE_ADAPTER_ONLY: y += (alpha/r) * (dropout(x) A^T) B^T
 * training != 0 applies inverted dropout (rate from the pool) to the adapter branch only and
 * saves what backward needs (the mask key and u = dropout(x) A^T); each training forward draws
 * a fresh mask from the layer's (seed, counter), see mos_layer_set_dropout_state.
 * A merged layer computes y = x W'^T (+ b) only (W' already holds the adapter). */
MOS_API mos_status_t mos_layer_forward(mos_layer_t layer, mos_tensor_t x, mos_tensor_t y,
                                       mos_mode_t mode, int32_t training);

/* Backward of the last training forward of this layer, method.md §5: ADDS the pool gradients
 * (scatter-add over repeated indices and across blocks) and computes dx [N x d_in] (may be
 * NULL): MOS_MODE_FULL: dx = dy W + adapter part; ADAPTER_ONLY: dx += adapter part. W and bias
 * are frozen. `mode` only says how dx is formed and need not be the forward's.
 * x must be the very tensor that forward read, unwritten since: every tensor counts its writes
 * through this API (mos_tensor_write, and every call that has it as an output), and backward
 * fails with MOS_STATUS_INVALID_STATE when x is another tensor or was written after the forward
 * (its grad_A would belong to other inputs). Memory wrapped by mos_tensor_wrap_host and changed
 * by the caller directly cannot be seen: keeping it unchanged is the caller's part. */
MOS_API mos_status_t mos_layer_backward(mos_layer_t layer, mos_tensor_t x, mos_tensor_t dy,
                                        mos_tensor_t dx, mos_mode_t mode);

/* delta [d_out x d_in] = (alpha/r) * B_k A_k. */
MOS_API mos_status_t mos_layer_delta_weight(mos_layer_t layer, mos_tensor_t delta);
/* W += delta (merge) / W -= delta (unmerge), with delta from the current pools. Merging a merged
 * layer, unmerging an unmerged one, or either on a layer without weight: INVALID_STATE. */
MOS_API mos_status_t mos_layer_merge(mos_layer_t layer);
MOS_API mos_status_t mos_layer_unmerge(mos_layer_t layer);
MOS_API mos_status_t mos_layer_is_merged(mos_layer_t layer, int32_t* merged);

/* Dropout generator state (counter-based: the mask of a call depends only on seed, counter,
 * element index). Default: seed = the block index, counter = 0. Each training forward uses
 * `counter` and then increments it. For checkpoints: read and restore both. */
MOS_API mos_status_t mos_layer_set_dropout_state(mos_layer_t layer, uint64_t seed,
                                                 uint64_t counter);
MOS_API mos_status_t mos_layer_get_dropout_state(mos_layer_t layer, uint64_t* seed,
                                                 uint64_t* counter);

/* ---- optimizer ----------------------------------------------------------------------------- */

/* AdamW (decoupled weight decay, bias-corrected moments), PyTorch's torch.optim.AdamW update:
 *   p -= lr * wd * p;  m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
 *   p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
 * lr >= 0 and finite, 0 <= beta1, beta2 < 1, eps >= 0, weight_decay >= 0. */
MOS_API mos_status_t mos_optimizer_create_adamw(mos_context_t ctx, float lr, float beta1,
                                                float beta2, float eps, float weight_decay,
                                                mos_optimizer_t* out);
MOS_API mos_status_t mos_optimizer_free(mos_optimizer_t opt);
/* Add a pool group (both pools). Adding the same pool twice: INVALID_ARGUMENT. */
MOS_API mos_status_t mos_optimizer_add_pool(mos_optimizer_t opt, mos_pool_t pool);
MOS_API mos_status_t mos_optimizer_set_lr(mos_optimizer_t opt, float lr);
MOS_API mos_status_t mos_optimizer_get_lr(mos_optimizer_t opt, float* lr);
/* Global L2 norm over the gradients of all pools (each pool once) into *total_norm (may be
 * NULL); if max_norm > 0 and the norm exceeds it, scale all gradients by max_norm/(norm+1e-6)
 * (torch.nn.utils.clip_grad_norm_). */
MOS_API mos_status_t mos_optimizer_clip_grad_norm(mos_optimizer_t opt, float max_norm,
                                                  float* total_norm);
/* One AdamW step on every added pool; increments the step count. */
MOS_API mos_status_t mos_optimizer_step(mos_optimizer_t opt);
/* Zero the gradients of every added pool. */
MOS_API mos_status_t mos_optimizer_zero_grad(mos_optimizer_t opt);
/* Steps taken (t in the bias correction); settable for checkpoint resume. */
MOS_API mos_status_t mos_optimizer_get_step(mos_optimizer_t opt, int64_t* step);
MOS_API mos_status_t mos_optimizer_set_step(mos_optimizer_t opt, int64_t step);

/* ---- adapter bank: many adapters served at once (docs/serving.md) ------------------------ */

/* A bank holds many MoS adapters of ONE base model in their compact form (pools + indices, never
 * dense A/B) and applies a mixed batch in which every token carries its own adapter id:
 *   y[t] += (alpha_a / r_a) * B_{a,k} (A_{a,k} x[t])        a = adapter_ids[t] (-1: nothing), k = block
 * reading adapter a's shards straight from its pools by index.
 *
 * Adapters and projections
 *   An adapter is a set of pool groups, each named by its projection type ("q_proj", "up_proj").
 *   mos_bank_add COPIES each group's pool_A, pool_B and every block's indices into the bank's
 *   own storage (pool_B transposed to [P x s_B] so a B-shard is contiguous); gradients and AdamW
 *   moments are not copied. The source pools may then be freed, trained or rewritten: the bank's
 *   copy does not change (train while serving, add the new version, remove the old one).
 *   The first adapter naming a projection registers it with its d_in and d_out under the next
 *   slot number (0, 1, ... in order of first appearance; a slot never changes), and the first
 *   adapter fixes the bank's number of blocks L. Later adapters must match d_in and d_out of each
 *   projection they name, and L; they may differ in r, R_eq, p, l and alpha, and may adapt only
 *   some projections: their tokens get nothing added on the others (PEFT's untargeted modules).
 *   Adapter ids are 0, 1, 2, ... in order of addition and are never reused.
 *
 * Memory
 *   An adapter's bytes = sum over its pool groups of 4 * P * (s_A + s_B) (the pools, f32:
 *   4 * R_eq * L * (d_in + d_out)) + 8 * L * r * l (int32 indices of A and B). With a budget > 0,
 *   mos_bank_add fails with MOS_STATUS_OUT_OF_MEMORY, naming the budget, the bytes in use and
 *   the adapter's bytes, when the adapter does not fit; nothing is added then. mos_bank_remove
 *   returns the bytes to the budget at once; the memory itself goes when the last apply that
 *   still uses the adapter returns.
 *
 * Threads (an EXCEPTION to the per-context rule at the top of this header)
 *   A bank may be used from many threads at once: mos_bank_apply, mos_bank_apply_host,
 *   mos_bank_add, mos_bank_remove, mos_bank_set_path and the queries may all run concurrently.
 *   An apply works on a snapshot of the adapter table taken when it starts: an adapter removed
 *   meanwhile is freed only after every apply that saw it has returned (never under a running
 *   apply), and an adapter is visible to every apply that starts after its mos_bank_add returned.
 *   Each apply uses its calling thread's own scratch (grow-only: no allocation in steady state)
 *   and shares the context's CPU threads with the other applies in flight. What stays the caller's:
 *   - concurrent applies write different y, and nobody writes their x meanwhile;
 *   - tensors passed to mos_bank_apply / mos_bank_merge belong to the bank's context and must not
 *     be freed during the call (concurrent applies may read the same tensor handles);
 *   - mos_bank_add reads the pools through their context, which no other thread may use during
 *     the add; mos_bank_merge / mos_bank_unmerge write a weight tensor: the usual context rule;
 *   - mos_bank_free must not race any other call on the bank.
 *   On CUDA, the applies of one bank run one at a time (one stream, one device scratch); each
 *   waits for its kernels before returning, which is what makes a concurrent remove safe.
 *
 * Example (C):
 *   mos_bank_t bank;  int32_t id, slot;
 *   mos_bank_create(ctx, 0, &bank);                                  // 0: no budget
 *   const char* names[] = {"q_proj", "v_proj"};  mos_pool_t pools[] = {q, v};
 *   mos_bank_add(bank, 2, names, pools, &id);                        // copies the pools
 *   mos_bank_projection(bank, "q_proj", &slot, NULL, NULL, NULL);
 *   int32_t ids[4] = {id, -1, id, other};
 *   mos_bank_apply_host(bank, slot, 0, x, 4, ids, y);                // y[t] += delta of ids[t]
 *   mos_bank_remove(bank, id);  mos_bank_free(bank);
 */
typedef struct mos_bank* mos_bank_t;

/* How mos_bank_apply computes; one setting per bank (mos_bank_set_path). Both kernels read the
 * shards straight from the pools; nothing is assembled. */
typedef enum mos_bank_path {
  MOS_BANK_PATH_AUTO = 0,    /* as PREFILL: a lone token of an adapter is then a DECODE step (default) */
  MOS_BANK_PATH_DECODE = 1,  /* per token: shrink over its A-shards, expand over its B-shards (BGMV-like) */
  MOS_BANK_PATH_PREFILL = 2  /* per adapter: its tokens in tiles of 4, each shard read once per tile (SGMV-like) */
} mos_bank_path_t;

/* A new, empty bank in `ctx`. memory_budget_bytes: 0 = unlimited, else the most bytes the
 * adapters may hold (see Memory above). The bank keeps its context alive. */
MOS_API mos_status_t mos_bank_create(mos_context_t ctx, int64_t memory_budget_bytes,
                                     mos_bank_t* out);
MOS_API mos_status_t mos_bank_free(mos_bank_t bank);

/* Add one adapter: `count` >= 1 pool groups, pools[i] adapting projection names[i] (distinct,
 * non-empty names). Every block's indices of every pool must be set. The pools may belong to any
 * context. *adapter_id receives the new id. Fails (adding nothing) with SHAPE_MISMATCH when a
 * projection's d_in / d_out or the number of blocks differs from the bank's, OUT_OF_MEMORY when
 * the budget would be exceeded, INVALID_STATE when a block's indices were never set. */
MOS_API mos_status_t mos_bank_add(mos_bank_t bank, int32_t count, const char* const* names,
                                  const mos_pool_t* pools, int32_t* adapter_id);
/* Remove an adapter; applies already running keep using it until they return. A removed or
 * unknown id: INVALID_ARGUMENT. */
MOS_API mos_status_t mos_bank_remove(mos_bank_t bank, int32_t adapter_id);

/* Bytes the adapter holds in the bank (see Memory), and the bytes dense LoRA factors of the same
 * active rank would hold, 4 * L * sum of r * (d_in + d_out) (either out may be NULL). */
MOS_API mos_status_t mos_bank_adapter_bytes(mos_bank_t bank, int32_t adapter_id, int64_t* bytes,
                                            int64_t* dense_lora_bytes);
/* Bytes held by all adapters, the budget (0: none) and the number of adapters (outs may be NULL). */
MOS_API mos_status_t mos_bank_usage(mos_bank_t bank, int64_t* total_bytes, int64_t* budget_bytes,
                                    int32_t* num_adapters);
/* The slot of projection `name`, its d_in and d_out and the bank's L (outs may be NULL).
 * INVALID_ARGUMENT, listing the registered names, when no adapter added so far names it. */
MOS_API mos_status_t mos_bank_projection(mos_bank_t bank, const char* name, int32_t* slot,
                                         int32_t* d_in, int32_t* d_out, int32_t* num_blocks);
/* Choose the kernels of later applies (default MOS_BANK_PATH_AUTO); results agree to rounding. */
MOS_API mos_status_t mos_bank_set_path(mos_bank_t bank, mos_bank_path_t path);

/* Mixed-batch apply on projection `slot`, block `block`: for t < T = rows of x,
 *   y[t] += (alpha_a / r_a) B_{a,block} (A_{a,block} x[t]),  a = adapter_ids[t];
 * nothing for a = -1 or for an adapter without this projection. x [T x d_in] and y [T x d_out]
 * are F32 tensors of the bank's context; num_ids must equal T. The tokens need no sorting: the
 * bank groups them by adapter itself. An id that was removed, never added or < -1:
 * INVALID_ARGUMENT naming the token and the id; nothing is written then. */
MOS_API mos_status_t mos_bank_apply(mos_bank_t bank, int32_t slot, int32_t block, mos_tensor_t x,
                                    const int32_t* adapter_ids, int64_t num_ids, mos_tensor_t y);
/* The same on caller host memory: x holds tokens * d_in floats, y tokens * d_out, adapter_ids
 * `tokens` ints (tokens >= 0). Zero-copy on the CPU; staged through the device on CUDA. */
MOS_API mos_status_t mos_bank_apply_host(mos_bank_t bank, int32_t slot, int32_t block,
                                         const float* x, int64_t tokens,
                                         const int32_t* adapter_ids, float* y);

/* Single-tenant alternative: weight [d_out x d_in] (F32, bank's context) += / -= (alpha/r) B A of
 * adapter `adapter_id`, projection `slot`, block `block` (the maths of mos_layer_merge). The bank
 * does not track merges: unmerge what was merged, with the same adapter. An adapter without this
 * projection: INVALID_ARGUMENT. */
MOS_API mos_status_t mos_bank_merge(mos_bank_t bank, int32_t adapter_id, int32_t slot,
                                    int32_t block, mos_tensor_t weight);
MOS_API mos_status_t mos_bank_unmerge(mos_bank_t bank, int32_t adapter_id, int32_t slot,
                                      int32_t block, mos_tensor_t weight);

/* ==== decoder: a Llama-family transformer with MoS adapters (docs/llm.md) ====================
 *
 * A mos_decoder_t is the architecture of Hugging Face transformers' LlamaForCausalLM: token
 * embedding; per block h += o_proj(attention(rope(q_proj(n)), rope(k_proj(n)), v_proj(n))) with
 * n = rmsnorm_1(h), then h += down_proj(silu(gate_proj(n)) * up_proj(n)) with n = rmsnorm_2(h);
 * logits = lm_head(rmsnorm(h)). Attention is causal within each sequence, softmax(q k^T /
 * sqrt(head_dim)) v, with grouped-query attention (query head h reads KV head
 * h / (num_heads / num_kv_heads)); RoPE in HF's rotate_half convention (dimension i pairs with
 * i + head_dim/2), positions from 0 in every sequence. Everything computes in f32 whatever the
 * storage (HF with a model loaded in float32); RMSNorm is x * rsqrt(mean(x^2) + eps) * weight.
 *
 * Weights are handed over by Hugging Face name (the C ABI reads no files):
 *   model.embed_tokens.weight [vocab x hidden]           model.norm.weight [hidden]
 *   lm_head.weight [vocab x hidden] (absent when tie_word_embeddings)
 *   model.layers.{i}.input_layernorm.weight, .post_attention_layernorm.weight [hidden]
 *   model.layers.{i}.self_attn.q_proj.weight [heads*head_dim x hidden], k_proj / v_proj
 *     [kv_heads*head_dim x hidden], o_proj [hidden x heads*head_dim]; .bias where enabled
 *   model.layers.{i}.mlp.gate_proj.weight, up_proj [intermediate x hidden], down_proj
 *     [hidden x intermediate]
 * The decoder owns one copy of each, in weight_dtype (matrices) or F32 (norms, biases).
 * mos_decoder_weight_count / _info list them in the order above (block by block).
 *
 * Adapters: a pool group (mos_pool_t) attached under a projection name ("q_proj" ... "down_proj")
 * adapts that projection in every block through the pool/layer maths (spec: y += (alpha/r) B_k A_k
 * x, scatter-add into the shared pools on backward). Training touches nothing but the attached
 * pools' gradients, the base frozen, unless the base is made trainable
 * (mos_decoder_set_base_trainable, below: full-parameter training). Inference can instead take a mos_bank_t and an adapter id
 * per sequence (none, or one of the bank's adapters, mixed in one batch).
 *
 * Threads: a decoder and its KV caches follow the per-context rule; the bank passed to
 * mos_decoder_step may be shared with other threads (its own rules).
 * Backends: CPU and CUDA compute the same thing (f32 arithmetic on both; docs/llm.md, "Backends");
 * on CUDA head_dim must be <= 256 (else the compute calls fail with MOS_STATUS_UNSUPPORTED). */
typedef struct mos_decoder* mos_decoder_t;
typedef struct mos_kv_cache* mos_kv_cache_t;

/* rope_type: DEFAULT inv_freq[i] = theta^(-2i/head_dim); LLAMA3 rescales them as HF's "llama3"
 * rope type (factor, low_freq_factor, high_freq_factor, original_max_position_embeddings). */
typedef enum mos_rope_type { MOS_ROPE_DEFAULT = 0, MOS_ROPE_LLAMA3 = 1 } mos_rope_type_t;

typedef struct mos_decoder_config {
  int32_t vocab_size;          /* >= 1 */
  int32_t hidden_size;         /* >= 1 */
  int32_t intermediate_size;   /* >= 1 */
  int32_t num_layers;          /* num_hidden_layers, >= 1 */
  int32_t num_heads;           /* num_attention_heads, >= 1 */
  int32_t num_kv_heads;        /* num_key_value_heads, >= 1, divides num_heads */
  int32_t head_dim;            /* even, >= 2 (HF: hidden_size / num_heads unless given) */
  int32_t max_positions;       /* max_position_embeddings: a position >= this is refused */
  float rms_norm_eps;          /* > 0 */
  float rope_theta;            /* > 0 */
  mos_rope_type_t rope_type;
  float rope_factor;           /* LLAMA3 only: > 0 */
  float rope_low_freq_factor;  /* LLAMA3 only: > 0 */
  float rope_high_freq_factor; /* LLAMA3 only: > low_freq_factor */
  int32_t rope_original_max_positions; /* LLAMA3 only: >= 1 */
  int32_t qkv_bias;            /* 1: q/k/v_proj have biases (Llama attention_bias, Qwen2) */
  int32_t o_bias;              /* 1: o_proj has a bias (Llama attention_bias) */
  int32_t tie_word_embeddings; /* 1: lm_head is model.embed_tokens.weight */
  mos_dtype_t weight_dtype;    /* storage of the matrices: MOS_DTYPE_BF16 or MOS_DTYPE_F32 */
} mos_decoder_config_t;

/* Every rule above; INVALID_ARGUMENT naming the field and its value. */
MOS_API mos_status_t mos_decoder_config_validate(const mos_decoder_config_t* config);
/* A decoder with every weight allocated (zero) and none set. Its whole need is checked first:
 * OUT_OF_MEMORY names it. Keeps the context alive. */
MOS_API mos_status_t mos_decoder_create(mos_context_t ctx, const mos_decoder_config_t* config,
                                        mos_decoder_t* out);
MOS_API mos_status_t mos_decoder_free(mos_decoder_t dec);
MOS_API mos_status_t mos_decoder_get_config(mos_decoder_t dec, mos_decoder_config_t* out);

/* Copies `data` (host memory, rows x cols elements of src_dtype: F32, BF16 or MOS_DTYPE_F16,
 * row-major) into the weight `name`, converting to its storage dtype (F16 and F32 to BF16 round to
 * nearest-even). A 1-D tensor is rows = 1. An unknown name: INVALID_ARGUMENT with the expected
 * pattern; another shape: SHAPE_MISMATCH naming both; a name set twice replaces it; any name while
 * merged: INVALID_STATE. */
MOS_API mos_status_t mos_decoder_set_weight(mos_decoder_t dec, const char* name,
                                            mos_dtype_t src_dtype, int64_t rows, int64_t cols,
                                            const void* data);
/* The weights the decoder expects, 0 <= index < count, for loaders: name (NUL-terminated,
 * truncated to name_capacity), shape, and whether it was set (outs may be NULL). */
MOS_API mos_status_t mos_decoder_weight_count(mos_decoder_t dec, int32_t* count);
MOS_API mos_status_t mos_decoder_weight_info(mos_decoder_t dec, int32_t index, char* name,
                                             size_t name_capacity, int64_t* rows, int64_t* cols,
                                             int32_t* is_set);

/* Attach `pool` (same context; d_in, d_out and number of blocks matching the projection) as the
 * adapter of `projection` in every block; NULL detaches. The decoder keeps the pool alive. An
 * attached projection cannot change while merged (INVALID_STATE). A pool with a block whose
 * indices were never set fails the first call that uses it (INVALID_STATE naming the projection). */
MOS_API mos_status_t mos_decoder_attach_pool(mos_decoder_t dec, const char* projection,
                                             mos_pool_t pool);
/* Dropout of the attached pools' LoRA inputs (training only) draws from (seed, counter, block,
 * projection): each adapted projection of each block has its own mask (the formula: docs/llm.md).
 * Every mos_decoder_loss with backward advances the counter by one; refused calls do not.
 * Default: seed 0, counter 0. For checkpoints: read and restore both. */
MOS_API mos_status_t mos_decoder_set_dropout_state(mos_decoder_t dec, uint64_t seed,
                                                   uint64_t counter);
MOS_API mos_status_t mos_decoder_get_dropout_state(mos_decoder_t dec, uint64_t* seed,
                                                   uint64_t* counter);
/* 1: keep only each block's input during a training forward and recompute the block in backward
 * (less memory for long sequences, about one more forward of time). Default 0. */
MOS_API mos_status_t mos_decoder_set_recompute(mos_decoder_t dec, int32_t on);

/* A batch of sequences of different lengths, concatenated (no padding). */
typedef struct mos_batch {
  int32_t num_seqs;       /* >= 1 */
  const int32_t* lengths; /* [num_seqs], each >= 1 and <= max_positions */
  const int32_t* tokens;  /* [sum of lengths], each in [0, vocab) */
  const int32_t* targets; /* [sum of lengths] or NULL: the id position t must predict, or a
                           * negative value (-1, or HF's -100) for none */
} mos_batch_t;

/* Forward over the batch; *loss_sum = sum over positions t with targets[t] >= 0 of
 * -ln softmax(logits_t)[targets[t]] (accumulated in double), *loss_count = their number.
 * backward != 0: training mode (dropout on), then backward through the whole stack with the base
 * frozen, ADDING grad_scale * d(loss_sum)/d(pool) into every attached pool's gradients (zero them
 * with mos_pool_zero_grad or mos_optimizer_zero_grad; grad_scale = 1/total tokens gives the mean
 * over gradient-accumulation steps), and, when the base is trainable, grad_scale * d(loss_sum)/dW
 * into every base weight's gradient. Needs targets (else INVALID_ARGUMENT); without an attached
 * pool or a trainable base it computes the loss only. Merged: INVALID_STATE. The lm_head runs in chunks of rows, so no
 * [tokens x vocab] array is held. */
MOS_API mos_status_t mos_decoder_loss(mos_decoder_t dec, const mos_batch_t* batch,
                                      int32_t backward, float grad_scale, double* loss_sum,
                                      int64_t* loss_count);
/* Inference forward without a cache: logits [sum of lengths x vocab] (host memory), every
 * position. For scoring and tests; generation uses the KV cache. */
MOS_API mos_status_t mos_decoder_logits(mos_decoder_t dec, const mos_batch_t* batch,
                                        float* logits);

/* W += (alpha/r) B_k A_k of every attached pool into the base weights (F32 storage only:
 * UNSUPPORTED for BF16, which could not give W back), and back. Merged, the attached pools are
 * not applied again; training forwards, attach_pool and set_weight are refused (INVALID_STATE).
 * Unmerge subtracts the same pools' current delta: leave them unchanged while merged. Merging
 * twice or unmerging an unmerged decoder: INVALID_STATE. */
MOS_API mos_status_t mos_decoder_merge(mos_decoder_t dec);
MOS_API mos_status_t mos_decoder_unmerge(mos_decoder_t dec);

/* Reads the weight `name` (as mos_decoder_set_weight names it) into `dst` (host memory, rows x
 * cols elements of dst_dtype: F32, BF16 or MOS_DTYPE_F16, row-major), converting from its storage
 * dtype: the same dtype is copied, BF16 to F32 widens exactly, anything narrower rounds to
 * nearest-even (to F16: what rounds past 65504 becomes infinity, below 2^-14 F16 subnormals; NaN
 * stays NaN). rows and cols must be the weight's (SHAPE_MISMATCH naming both; a 1-D tensor is
 * rows = 1); a weight never set: INVALID_STATE.
 * While merged it reads W + the attached pools' delta (a merged model). With
 * mos_decoder_weight_count / _info, this saves a decoder (e.g. a trained base) as a checkpoint. */
MOS_API mos_status_t mos_decoder_get_weight(mos_decoder_t dec, const char* name,
                                            mos_dtype_t dst_dtype, int64_t rows, int64_t cols,
                                            void* dst);

/* ---- training the base (full-parameter training: pretraining, full fine-tuning) ----
 *
 * With the base trainable, mos_decoder_loss with backward also ADDS grad_scale * d(loss_sum)/dW
 * into a gradient of every base weight: the embedding, every projection's weight and bias, the
 * three kinds of norm weights and the lm_head (tied: the embedding's one gradient receives both
 * the input and the output contribution), besides any attached pools' gradients. The base has
 * its own AdamW state (gradient, two moments per weight, a step count) and step,
 * mos_decoder_base_step; the pools keep theirs (mos_optimizer_t). Everything stays F32: the
 * weights (F32 storage only), gradients and moments, 16 bytes per parameter in all. Not
 * trainable (the default), nothing is allocated and the decoder computes as before. */

/* The per-weight arrays of the base's AdamW state, each [rows x cols] f32 like the weight. */
typedef enum mos_base_array {
  MOS_BASE_GRAD = 0,   /* the accumulated gradient */
  MOS_BASE_ADAM_M = 1, /* AdamW's first moment */
  MOS_BASE_ADAM_V = 2  /* AdamW's second moment (>= 0) */
} mos_base_array_t;

/* One AdamW step's hyper-parameters (mos_optimizer_create_adamw's rules: lr >= 0 and finite,
 * 0 <= beta1, beta2 < 1, eps >= 0, weight_decay >= 0), and clipping: max_grad_norm > 0 scales
 * the gradients by max_grad_norm / (norm + 1e-6) when their global L2 norm exceeds it
 * (torch.nn.utils.clip_grad_norm_); <= 0 does not clip; NaN: INVALID_ARGUMENT. */
typedef struct mos_adamw_params {
  float lr;
  float beta1;
  float beta2;
  float eps;
  float weight_decay;  /* applied to the matrices only (embedding, projections, lm_head): never
                        * to norm weights and biases (docs/llm.md, "Training the base") */
  float max_grad_norm;
} mos_adamw_params_t;

/* on = 1: make every base weight trainable, allocating its gradient and two AdamW moments
 * (zero; 12 bytes per parameter, checked against the memory available first: OUT_OF_MEMORY
 * names both sizes) and setting the base's step count to 0; already trainable: nothing changes.
 * on = 0: frees them (their values are lost). BF16 weight storage: UNSUPPORTED (an update is
 * mostly below bf16's resolution, 1/256 of a weight: create the decoder with F32 weights);
 * merged: INVALID_STATE. */
MOS_API mos_status_t mos_decoder_set_base_trainable(mos_decoder_t dec, int32_t on);
MOS_API mos_status_t mos_decoder_get_base_trainable(mos_decoder_t dec, int32_t* on);
/* The calls below need a trainable base (else INVALID_STATE). */
/* Zero every base weight's gradient (once per optimizer step, before its micro-batches). */
MOS_API mos_status_t mos_decoder_base_zero_grad(mos_decoder_t dec);
/* *norm = the global L2 norm over all base gradients (a tied embedding counted once), summed
 * in double. */
MOS_API mos_status_t mos_decoder_base_grad_norm(mos_decoder_t dec, double* norm);
/* One AdamW step on every base weight, the update of mos_optimizer_step (same bias corrections,
 * t = the step count after increment): computes the gradients' global norm (into *grad_norm,
 * before clipping; may be NULL), clips them in place per params->max_grad_norm, updates weights
 * and moments, increments the step count. A NaN or infinite norm: INVALID_STATE, nothing
 * changed; merged: INVALID_STATE; a weight never set: INVALID_STATE. The gradients are kept. */
MOS_API mos_status_t mos_decoder_base_step(mos_decoder_t dec, const mos_adamw_params_t* params,
                                           double* grad_norm);
/* Steps taken (t in the bias corrections); settable for checkpoint resume, [0, 2^63 - 1). */
MOS_API mos_status_t mos_decoder_base_get_step(mos_decoder_t dec, int64_t* step);
MOS_API mos_status_t mos_decoder_base_set_step(mos_decoder_t dec, int64_t step);
/* Read / write the `which` array of the weight `name` (num_elements = rows * cols of the weight,
 * else SHAPE_MISMATCH); with the step count and the weights (mos_decoder_get_weight / set_weight)
 * this is the whole training state, for checkpoints. A write refuses NaN and infinities, and
 * negative MOS_BASE_ADAM_V values (INVALID_ARGUMENT naming the element). Unknown names: as
 * mos_decoder_set_weight. */
MOS_API mos_status_t mos_decoder_base_read(mos_decoder_t dec, const char* name,
                                           mos_base_array_t which, float* dst,
                                           int64_t num_elements);
MOS_API mos_status_t mos_decoder_base_write(mos_decoder_t dec, const char* name,
                                            mos_base_array_t which, const float* src,
                                            int64_t num_elements);

/* ---- KV cache: paged (16 tokens a page), capacity fixed at creation ---- */
MOS_API mos_status_t mos_kv_cache_bytes_per_token(mos_decoder_t dec, int64_t* bytes);
/* Room for capacity_tokens tokens over all sequences (rounded up to pages), allocated now. */
MOS_API mos_status_t mos_kv_cache_create(mos_decoder_t dec, int64_t capacity_tokens,
                                         mos_kv_cache_t* out);
MOS_API mos_status_t mos_kv_cache_free(mos_kv_cache_t cache);
/* A new empty sequence (ids are not reused while the cache lives); removing frees its pages. */
MOS_API mos_status_t mos_kv_cache_add_sequence(mos_kv_cache_t cache, int32_t* seq_id);
MOS_API mos_status_t mos_kv_cache_remove_sequence(mos_kv_cache_t cache, int32_t seq_id);
MOS_API mos_status_t mos_kv_cache_sequence_length(mos_kv_cache_t cache, int32_t seq_id,
                                                  int32_t* length);
/* Tokens the pages in use can hold, the capacity, the free tokens a new step can still place
 * (free pages x 16; a sequence's partly filled last page has room besides), and the number of
 * sequences (outs may be NULL). Bytes: capacity x mos_kv_cache_bytes_per_token (f32 keys and
 * values of every block). The cache keeps its decoder alive. */
MOS_API mos_status_t mos_kv_cache_usage(mos_kv_cache_t cache, int64_t* used_tokens,
                                        int64_t* capacity_tokens, int64_t* free_tokens,
                                        int32_t* num_seqs);

/* One inference step over several sequences of the cache: each gets lengths[i] >= 1 new tokens
 * (a prefill chunk, or 1 when decoding) at positions following what it holds, attends to all of
 * its cached tokens and the new ones, and the new keys/values are appended. Adapters: adapter_ids
 * NULL -> every sequence uses the attached pools (if any); else adapter_ids[i] is an adapter of
 * `bank` for sequence i, or -1 for the base model alone (bank may be NULL only when all are -1;
 * the bank's context must be the decoder's, or both on the CPU; a projection that no adapter of the
 * bank adapts is left as in the base, one the bank has with other dimensions: SHAPE_MISMATCH).
 * logits [num_seqs x vocab] (host memory) receives each sequence's last new position. Checked
 * before anything is written: a full cache (OUT_OF_MEMORY naming the pages needed and free), a
 * position >= max_positions, a sequence listed twice, an unknown id. A step that fails later
 * (an adapter removed by another thread meanwhile) gives its new pages back and changes no
 * sequence's length. */
typedef struct mos_step {
  int32_t num_seqs;
  const int32_t* seq_ids;     /* [num_seqs] */
  const int32_t* lengths;     /* [num_seqs] new tokens per sequence */
  const int32_t* tokens;      /* [sum of lengths] */
  const int32_t* adapter_ids; /* [num_seqs] or NULL */
} mos_step_t;
MOS_API mos_status_t mos_decoder_step(mos_decoder_t dec, mos_kv_cache_t cache, mos_bank_t bank,
                                      const mos_step_t* step, float* logits);

/* ---- sampling and generation ---- */
typedef struct mos_sampling {
  float temperature; /* <= 0: greedy (argmax; the lowest id wins ties) */
  int32_t top_k;     /* 0: off; else keep the k most likely */
  float top_p;       /* in (0, 1]; 1: off; else keep the smallest set of mass >= top_p */
  uint64_t seed;
} mos_sampling_t;
/* One token from logits (host memory, vocab values; -inf masks a token, NaN and +inf are
 * INVALID_ARGUMENT). Temperature, then top-k, then top-p over the temperature's softmax of the
 * kept tokens, then one draw u in [0, 1) (53 bits of SplitMix64 keyed by (seed, counter)) over the
 * kept tokens in order of decreasing probability, ids ascending on ties. Deterministic in
 * (seed, counter): a request's n-th token drawn with counter n is the same in any batch.
 * *logprob (may be NULL) receives ln p(token) under the unmodified softmax. */
MOS_API mos_status_t mos_sample(const float* logits, int32_t vocab, const mos_sampling_t* sampling,
                                uint64_t counter, int32_t* token, float* logprob);

/* Called after each generated token; return non-zero to stop that request. */
typedef int32_t (*mos_token_callback_t)(void* user, int32_t request, int32_t token);
typedef struct mos_generate_request {
  const int32_t* prompt;     /* >= 1 token */
  int32_t prompt_length;
  int32_t max_new_tokens;    /* >= 1 */
  mos_sampling_t sampling;
  const int32_t* stop_ids;   /* a generated stop id ends the request (it is kept in out_tokens) */
  int32_t num_stop_ids;
  int32_t adapter_id;        /* bank NULL: must be -1 (the attached pools, if any, apply);
                              * else an adapter of `bank`, or -1 for the base model alone */
  int32_t* out_tokens;       /* capacity max_new_tokens */
  int32_t out_length;        /* set: tokens written */
} mos_generate_request_t;
/* Prefill every prompt (steps of up to 512 prompt tokens, several requests per step), then
 * decode all unfinished requests together, one token each per step, in a KV cache of its own;
 * request i's n-th token is drawn with mos_sample(..., counter n). Every request is checked first
 * (prompt + max_new_tokens - 1 <= max_positions among the rules); out_length counts the tokens
 * written, also when a later failure ends the call. callback may be NULL. */
MOS_API mos_status_t mos_decoder_generate(mos_decoder_t dec, mos_bank_t bank,
                                          mos_generate_request_t* requests, int32_t num_requests,
                                          mos_token_callback_t callback, void* user);

#ifdef __cplusplus
}
#endif

#endif /* MOS_MOS_H */
