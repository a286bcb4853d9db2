// SPDX-License-Identifier: Apache-2.0
// cuda_memory_release (GPU only): memory libmos frees goes back to the device beyond the pool's
// release threshold (min(1/16 of the device, 1 GiB), or MOS_CUDA_POOL_KEEP_BYTES), so another
// library or context in the process can have it. A large tensor is created and freed, the context
// synchronized, and the device's free memory (cudaMemGetInfo) compared with before.
#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>

#include "test_util.h"

namespace {

size_t free_now() {
  size_t free_bytes = 0, total = 0;
  cudaMemGetInfo(&free_bytes, &total);
  return free_bytes;
}

// Free memory after a 'bytes' tensor was created, freed and the context synchronized.
size_t free_after_round_trip(mos_context_t ctx, size_t bytes) {
  mos_tensor_t big = nullptr;
  const int64_t cols = 1 << 20;  // 4 MiB rows
  T_OK(mos_tensor_create(ctx, MOS_DTYPE_F32, static_cast<int64_t>(bytes / (4 * cols)), cols, &big));
  T_OK(mos_context_synchronize(ctx));
  mos_tensor_free(big);
  T_OK(mos_context_synchronize(ctx));
  return free_now();
}

}  // namespace

int main() {
  int skip_code = 0;
  if (!t::cuda_usable("cuda_memory_release", &skip_code)) return skip_code;
  size_t total = 0, f0 = 0;
  if (cudaMemGetInfo(&f0, &total) != cudaSuccess) {
    return t::skip_exit_code("cuda_memory_release", "cudaMemGetInfo failed in the test");
  }
  const size_t mib = size_t{1} << 20, slack = 96 * mib;
  const size_t keep = total / 16 < 1024 * mib ? total / 16 : 1024 * mib;
  const size_t big = f0 / 4 < 4096 * mib ? f0 / 4 : 4096 * mib;  // well above the threshold
  for (const char* env : {static_cast<const char*>(nullptr), "0"}) {
    if (env) setenv("MOS_CUDA_POOL_KEEP_BYTES", env, 1);
    mos_context_t ctx = nullptr;
    T_OK(mos_context_create(MOS_BACKEND_CUDA, 0, &ctx));
    if (!ctx) break;
    const size_t before = free_now();
    const size_t after = free_after_round_trip(ctx, big);
    const size_t allowed = env ? 0 : keep;
    std::printf(
        "MOS_CUDA_POOL_KEEP_BYTES=%s: %zu MiB allocated and freed; free memory %zu -> %zu "
        "MiB (the pool may keep %zu MiB)\n",
        env ? env : "(unset)", big / mib, before / mib, after / mib, allowed / mib);
    T_CHECK(after + allowed + slack >= before,
            "the pool kept %zu MiB after a free and a synchronize (allowed %zu MiB + %zu slack)",
            (before - after) / mib, allowed / mib, slack / mib);
    mos_context_free(ctx);
  }
  unsetenv("MOS_CUDA_POOL_KEEP_BYTES");
  return t::report("cuda_memory_release");
}
