// SPDX-License-Identifier: Apache-2.0
// A table laid out by hand, read by ToleranceMirrorTest and AdapterBankTest; clang-format keeps out:
// clang-format off
/* tolerances.h: the ONE tolerance table of mos's numerical tests. The Java tests and the CUDA
 * parity tests mirror these names and values; change them here first, then in the mirrors.
 *
 * Error measure everywhere (normwise relative):
 *   rel = max_i |got_i - ref_i| / max(max_i |ref_i|, MOS_TOL_TINY)
 * so one tiny reference element cannot blow up the ratio. Plain C so .c, .cpp and .cu share it. */
#ifndef MOS_TESTS_TOLERANCES_H
#define MOS_TESTS_TOLERANCES_H

/* name                                 value     what is compared with what                      */
#define MOS_TOL_TINY                    1e-30  /* floor of the denominator above                  */
#define MOS_TOL_F32_ASSEMBLY            0.0    /* gathered A_k/B_k vs closed form: copies, exact  */
#define MOS_TOL_F32_FORWARD             1e-5   /* f32 y vs double oracle (method.md §10.13)            */
#define MOS_TOL_F32_BACKWARD            1e-5   /* f32 dpool_A, dpool_B, dx vs double oracle       */
#define MOS_TOL_F32_DELTA               1e-5   /* f32 delta W = (alpha/r) B A vs double oracle    */
#define MOS_TOL_F32_MERGE_ROUNDTRIP     1e-5   /* W after merge + unmerge vs the original W (two roundings of W +- delta) */
#define MOS_TOL_F32_MERGED_FORWARD      1e-5   /* merged forward vs unmerged forward              */
#define MOS_TOL_F32_OPTIMIZER           1e-6   /* AdamW step / clipping vs hand computation (f64) */
#define MOS_TOL_F32_FINITE_DIFF         2e-3   /* analytic grads vs central differences of an f32 loss */
#define MOS_TOL_BF16_FORWARD            2e-2   /* bf16 storage / bf16 matmuls vs double oracle    */
#define MOS_TOL_BF16_BACKWARD           3e-2   /* bf16 gradients vs double oracle                 */
#define MOS_TOL_F32_DECODER_LOGITS      1e-5   /* decoder logits vs double oracle / HF float64   */
#define MOS_TOL_F32_DECODER_NLL         1e-6   /* decoder mean NLL vs the same (relative)         */
#define MOS_TOL_F32_DECODER_GRAD        1e-4   /* decoder pool grads vs central diff. of the oracle */
#define MOS_TOL_CUDA_VS_CPU_F32         1e-5   /* CUDA f32 (no TF32) vs CPU backend, same inputs  */
#define MOS_TOL_CUDA_VS_CPU_BF16        2e-2   /* CUDA bf16 paths vs CPU f32 backend              */
#define MOS_TOL_CUDA_VS_CPU_TF32        2e-3   /* CUDA with TF32 tensor cores vs CPU backend      */
#define MOS_TOL_CUDA_VS_CPU_DECODER_LOGITS 2e-5 /* CUDA vs CPU decoder logits / loss, f32 compute (F32 or BF16 weights): each within F32_DECODER_LOGITS of the oracle */
#define MOS_TOL_CUDA_VS_CPU_DECODER_GRAD 1e-4  /* CUDA vs CPU decoder pool grads and attention grads (online vs two-pass softmax) */

#endif /* MOS_TESTS_TOLERANCES_H */
