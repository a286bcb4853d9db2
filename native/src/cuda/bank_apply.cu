// SPDX-License-Identifier: Apache-2.0
// bank_apply.cu: the adapter bank's mixed-batch apply on CUDA (BGMV/SGMV-like): the grouped
// tokens in segments of up to 4 tokens of one adapter; shrink and expand read shards by index.
// Launched through launch.cuh's launch(), so the tests' CPU emulator runs these very kernels.
#include <cuda_runtime.h>

#include <vector>

#include "bank_plan.h"
#include "cuda_backend.h"
#include "error.h"
#include "launch.cuh"

namespace mos {
namespace bank {
namespace {

constexpr int kSegTokens = 4;  // tokens of one adapter per segment (each shard read once for them)
constexpr int kThreads = 256;
constexpr int kMaxRank = 1024;  // expand keeps a segment's u rows in shared memory (16 KiB)

// One segment: up to kSegTokens consecutive positions of one adapter (device pointers; the index
// pointers already point at the applied block's r*l indices).
struct Seg {
  const float* a;   // pool_A  [P x s_a]
  const float* bt;  // pool_B^T [P x s_b]
  const int32_t* ia;
  const int32_t* ib;
  int64_t s_a, s_b;
  int32_t r, l;
  float scaling;
  int32_t pos, n;
};

// Block (segment, rank vector j): u[pos+q, j] = scaling * sum_i <pool_A[ia[j*l+i]], x_q segment i>.
// Threads stride over a shard row (coalesced), each A element is used for every token of the
// segment; one block reduction per token.
__global__ void __launch_bounds__(kThreads)
    bank_shrink(const Seg* __restrict__ segs, const int32_t* __restrict__ order,
                const float* __restrict__ x, int64_t d_in, float* __restrict__ u, int32_t ldu) {
  const Seg sg = segs[blockIdx.x];
  const int32_t j = blockIdx.y;
  if (j >= sg.r) return;
  const float* xrow[kSegTokens];
#pragma unroll
  for (int q = 0; q < kSegTokens; ++q)
    xrow[q] = x + static_cast<int64_t>(order[sg.pos + (q < sg.n ? q : 0)]) * d_in;
  float acc[kSegTokens] = {0.0f, 0.0f, 0.0f, 0.0f};
  const int32_t* ia = sg.ia + static_cast<int64_t>(j) * sg.l;
  for (int32_t i = 0; i < sg.l; ++i) {
    const float* row = sg.a + static_cast<int64_t>(ia[i]) * sg.s_a;
    const int64_t off = static_cast<int64_t>(i) * sg.s_a;
    for (int64_t t = threadIdx.x; t < sg.s_a; t += kThreads) {
      const float av = row[t];
#pragma unroll
      for (int q = 0; q < kSegTokens; ++q) acc[q] += av * xrow[q][off + t];
    }
  }
  __shared__ float red[kSegTokens][kThreads / 32];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
#pragma unroll
  for (int q = 0; q < kSegTokens; ++q) {
    float v = acc[q];
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    if (lane == 0) red[q][warp] = v;
  }
  __syncthreads();
  if (static_cast<int32_t>(threadIdx.x) < sg.n) {
    float s = 0.0f;
#pragma unroll
    for (int w = 0; w < kThreads / 32; ++w) s += red[threadIdx.x][w];
    u[static_cast<int64_t>(sg.pos + threadIdx.x) * ldu + j] = sg.scaling * s;
  }
}

// Block (segment, 256 columns): y[tok_q, c] += sum_j u[pos+q, j] * pool_B^T[ib[j*l + c/s_b], c%s_b].
// Consecutive threads read consecutive elements of one B-shard row (coalesced); each element is
// used for every token of the segment; each y element is written by exactly one thread.
__global__ void __launch_bounds__(kThreads)
    bank_expand(const Seg* __restrict__ segs, const int32_t* __restrict__ order,
                const float* __restrict__ u, int32_t ldu, float* __restrict__ y, int64_t d_out) {
  __shared__ float us[kSegTokens * kMaxRank];  // the segment's u rows, [n x r]
  const Seg sg = segs[blockIdx.x];
  for (int32_t e = threadIdx.x; e < sg.n * sg.r; e += kThreads)
    us[e] = u[static_cast<int64_t>(sg.pos + e / sg.r) * ldu + e % sg.r];
  __syncthreads();
  const int64_t c = static_cast<int64_t>(blockIdx.y) * kThreads + threadIdx.x;
  if (c >= d_out) return;
  const int64_t i = c / sg.s_b, t = c - i * sg.s_b;
  float acc[kSegTokens] = {0.0f, 0.0f, 0.0f, 0.0f};
  for (int32_t j = 0; j < sg.r; ++j) {
    const float bv =
        sg.bt[static_cast<int64_t>(sg.ib[static_cast<int64_t>(j) * sg.l + i]) * sg.s_b + t];
#pragma unroll
    for (int q = 0; q < kSegTokens; ++q)
      if (q < sg.n) acc[q] += us[q * sg.r + j] * bv;
  }
#pragma unroll
  for (int q = 0; q < kSegTokens; ++q)
    if (q < sg.n) y[static_cast<int64_t>(order[sg.pos + q]) * d_out + c] += acc[q];
}

void cuda_check(cudaError_t e, const char* what) {
  if (e == cudaSuccess) return;
  cudaGetLastError();
  fail(e == cudaErrorMemoryAllocation ? MOS_STATUS_OUT_OF_MEMORY : MOS_STATUS_INTERNAL,
       "CUDA bank apply: ", what, " failed: error ", static_cast<int>(e), " ", cudaGetErrorName(e),
       " (", cudaGetErrorString(e), ")");
}

}  // namespace

}  // namespace bank

// One apply of the bank at a time (one stream, one set of device buffers). Waits for its kernels
// before returning: the caller's snapshot of the adapters (and so their device memory) lives
// exactly that long.
void CudaBackend::bank_apply(const bank::ApplyPlan& plan, bank::ApplyScratch& scratch) {
  using bank::kMaxRank;
  using bank::kSegTokens;
  using bank::kThreads;
  using bank::Seg;
  const int32_t step = plan.path == MOS_BANK_PATH_DECODE ? 1 : kSegTokens;
  thread_local std::vector<Seg> segs;
  segs.clear();
  for (int32_t g = 0; g < plan.num_groups; ++g) {
    const bank::ProjAdapter& a = *plan.group_adapter[g];
    for (int32_t p = plan.group_start[g]; p < plan.group_start[g + 1]; p += step) {
      const int32_t n = plan.group_start[g + 1] - p < step ? plan.group_start[g + 1] - p : step;
      segs.push_back(Seg{a.a(), a.bt(), a.ia(plan.block), a.ib(plan.block), a.s_a, a.s_b, a.r, a.l,
                         a.scaling, p, n});
    }
  }
  if (segs.empty()) return;
  const int64_t positions = plan.group_start[plan.num_groups];
  check(plan.r_max <= kMaxRank, MOS_STATUS_UNSUPPORTED, "CUDA bank apply supports r up to ",
        kMaxRank, ", got r = ", plan.r_max);
  const int64_t col_blocks = (plan.d_out + kThreads - 1) / kThreads;
  check(col_blocks <= 65535, MOS_STATUS_UNSUPPORTED, "CUDA bank apply: d_out = ", plan.d_out,
        " exceeds 65535 * 256");

  std::lock_guard<std::mutex> lock(scratch.mu);
  bank::cuda_check(cudaSetDevice(device()), "cudaSetDevice");
  scratch.desc.reserve(sizeof(Seg) * segs.size());
  scratch.order.reserve(sizeof(int32_t) * positions);
  scratch.u.reserve(sizeof(float) * positions * plan.r_max);
  const float* x = plan.x;
  float* y = plan.y;
  const size_t x_bytes = sizeof(float) * plan.tokens * plan.d_in;
  const size_t y_bytes = sizeof(float) * plan.tokens * plan.d_out;
  if (plan.host_io) {  // caller host memory: through the bank's staging buffers
    scratch.staging_x.reserve(x_bytes);
    scratch.staging_y.reserve(y_bytes);
    copy_to_device(scratch.staging_x.data(), plan.x, x_bytes);
    copy_to_device(scratch.staging_y.data(), plan.y, y_bytes);
    x = scratch.staging_x.f32();
    y = scratch.staging_y.f32();
  }
  // Host -> device copies that wait until the host buffers have been read.
  copy_to_device(scratch.desc.data(), segs.data(), sizeof(Seg) * segs.size());
  copy_to_device(scratch.order.data(), plan.order, sizeof(int32_t) * positions);
  const Seg* d_segs = static_cast<const Seg*>(scratch.desc.data());
  const int32_t* d_order = scratch.order.i32();
  const unsigned n_segs = static_cast<unsigned>(segs.size());
  cuda::launch(bank::bank_shrink, dim3(n_segs, static_cast<unsigned>(plan.r_max)), dim3(kThreads),
               stream(), d_segs, d_order, x, plan.d_in, scratch.u.f32(), plan.r_max);
  bank::cuda_check(cudaGetLastError(), "bank_shrink launch");
  cuda::launch(bank::bank_expand, dim3(n_segs, static_cast<unsigned>(col_blocks)), dim3(kThreads),
               stream(), d_segs, d_order, static_cast<const float*>(scratch.u.f32()), plan.r_max, y,
               plan.d_out);
  bank::cuda_check(cudaGetLastError(), "bank_expand launch");
  if (plan.host_io) copy_to_host(plan.y, y, y_bytes);
  bank::cuda_check(cudaStreamSynchronize(stream()), "cudaStreamSynchronize");
}

}  // namespace mos
