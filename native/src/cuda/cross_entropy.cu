// SPDX-License-Identifier: Apache-2.0
// cross_entropy.cu: the next-token loss of a chunk of logit rows and (in place) its gradient, one
// block per row: the row's max in f32, exponentials in f32, their sum and the loss in double, as
// the CPU's cross_entropy.cpp. Any vocabulary size (threads stride over the row).
#include <math.h>

#include "block_reduce.cuh"
#include "kernels.h"
#include "launch.cuh"

namespace mos {
namespace cuda {
namespace {

constexpr int kCeThreads = 512;

__global__ void __launch_bounds__(kCeThreads)
    cross_entropy_kernel(int64_t rows, int64_t vocab, const int32_t* __restrict__ targets,
                         float* logits, double* __restrict__ loss, bool grad, float grad_scale) {
  __shared__ float red_f[kCeThreads / 32];
  __shared__ double red_d[kCeThreads / 32];
  for (int64_t i = blockIdx.x; i < rows; i += gridDim.x) {
    float* row = logits + i * vocab;
    const int64_t t = targets[i];
    const float target_logit = row[t];  // read before any thread overwrites the row
    float m = -INFINITY;
    for (int64_t j = threadIdx.x; j < vocab; j += kCeThreads) m = row[j] > m ? row[j] : m;
    m = block_allreduce<kCeThreads>(m, red_f, MaxOp());
    double sum = 0.0;
    for (int64_t j = threadIdx.x; j < vocab; j += kCeThreads)
      sum += static_cast<double>(expf(row[j] - m));
    sum = block_allreduce<kCeThreads>(sum, red_d, SumOp());
    const double lse = static_cast<double>(m) + log(sum);
    if (threadIdx.x == 0) loss[i] = lse - static_cast<double>(target_logit);
    if (!grad) continue;
    // grad_scale * softmax, then - grad_scale at the target: two roundings, as on the CPU.
    const float flse = static_cast<float>(lse);
    for (int64_t j = threadIdx.x; j < vocab; j += kCeThreads) {
      float g = __fmul_rn(grad_scale, expf(row[j] - flse));
      if (j == t) g = __fsub_rn(g, grad_scale);
      row[j] = g;
    }
  }
}

}  // namespace

cudaError_t cross_entropy(int64_t rows, int64_t vocab, const int32_t* targets, float* logits,
                          double* loss, bool grad, float grad_scale, cudaStream_t stream) {
  if (rows <= 0 || vocab <= 0) return cudaSuccess;
  launch(cross_entropy_kernel, static_cast<unsigned>(rows < 65535 ? rows : 65535), kCeThreads,
         stream, rows, vocab, targets, logits, loss, grad, grad_scale);
  return cudaGetLastError();
}

}  // namespace cuda
}  // namespace mos
