// SPDX-License-Identifier: Apache-2.0
// test_memory_limits: requests larger than the machine fail up front with OUT_OF_MEMORY and a
// message naming what needed the memory (nothing is allocated, the process keeps going);
// sizes that overflow 64 bits fail cleanly; a large request that fits still succeeds.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include "test_util.h"

namespace {

// MemTotal + SwapTotal (bytes): more than the library can ever call available.
uint64_t machine_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  uint64_t kb = 0, total = 0;
  while (in >> key >> kb) {
    if (key == "MemTotal:" || key == "SwapTotal:") total += kb * 1024;
    in.ignore(64, '\n');
  }
  if (total == 0) total = uint64_t(sysconf(_SC_PHYS_PAGES)) * uint64_t(sysconf(_SC_PAGESIZE));
  return total;
}

bool has(const char* text, const char* part) { return std::strstr(text, part) != nullptr; }

// A pool group of about `bytes`: 16 B per shard float (pool, gradient, two moments) with
// d_in = d_out = 8192, L = 32, l = 1, i.e. 8 MiB per unit of R_eq.
mos_status_t create_pool_of(mos_context_t ctx, uint64_t bytes, mos_pool_t* out) {
  const int32_t req = static_cast<int32_t>(bytes / (uint64_t{8} << 20) + 1);
  return mos_pool_create(ctx,
                         t::config({.d_in = 8192,
                                    .d_out = 8192,
                                    .num_blocks = 32,
                                    .rank = 8,
                                    .equivalent_rank = req,
                                    .private_rank = 0,
                                    .shards_per_vector = 1,
                                    .alpha = 16.0f,
                                    .dropout = 0.0f}),
                         out);
}

void small_pool_works(mos_context_t ctx) {
  mos_pool_t pool = nullptr;
  T_OK(mos_pool_create(ctx,
                       t::config({.d_in = 64,
                                  .d_out = 64,
                                  .num_blocks = 2,
                                  .rank = 4,
                                  .equivalent_rank = 4,
                                  .private_rank = 1,
                                  .shards_per_vector = 2,
                                  .alpha = 16.0f,
                                  .dropout = 0.0f}),
                       &pool));
  T_OK(mos_pool_init(pool, 7));
  std::vector<float> a(static_cast<size_t>(4 * 2 * 2 * 32));
  T_OK(mos_pool_read(pool, MOS_POOL_A, a.data(), static_cast<int64_t>(a.size())));
  T_CHECK(a[0] != 0.0f, "pool_A[0] = %g after init", a[0]);
  T_OK(mos_pool_free(pool));
}

void pool_larger_than_machine(mos_context_t ctx, uint64_t machine) {
  mos_pool_t pool = nullptr;
  T_STATUS(create_pool_of(ctx, 4 * machine, &pool), MOS_STATUS_OUT_OF_MEMORY, "mos_pool_create");
  const char* msg = mos_last_error();
  T_CHECK(has(msg, "the pool group needs ") && has(msg, "AdamW moments") &&
              has(msg, "available on this machine") && has(msg, "iB"),
          "message \"%s\"", msg);
  T_CHECK(pool == nullptr, "no pool on failure");
  small_pool_works(ctx);  // the process and the context carry on
}

void pool_size_overflow(mos_context_t ctx) {
  // P = 2^30 shards of s_A + s_B = 2^31 floats, 16 B each: 2^65 bytes.
  mos_pool_t pool = nullptr;
  T_STATUS(mos_pool_create(ctx,
                           t::config({.d_in = 1 << 30,
                                      .d_out = 1 << 30,
                                      .num_blocks = 1,
                                      .rank = 1,
                                      .equivalent_rank = 1 << 30,
                                      .private_rank = 0,
                                      .shards_per_vector = 1,
                                      .alpha = 1.0f,
                                      .dropout = 0.0f}),
                           &pool),
           MOS_STATUS_OUT_OF_MEMORY, "mos_pool_create");
  T_CHECK(has(mos_last_error(), "the pool group needs more than 16.0 EiB"), "message \"%s\"",
          mos_last_error());
  small_pool_works(ctx);
}

void tensor_larger_than_machine(mos_context_t ctx, uint64_t machine) {
  const int64_t cols = 1 << 16;
  const int64_t rows = static_cast<int64_t>(4 * machine / (4 * cols) + 1);
  mos_tensor_t t = nullptr;
  T_STATUS(mos_tensor_create(ctx, MOS_DTYPE_F32, rows, cols, &t), MOS_STATUS_OUT_OF_MEMORY,
           "mos_tensor_create");
  const std::string want = "a [" + std::to_string(rows) + " x 65536] F32 tensor needs ";
  T_CHECK(has(mos_last_error(), want.c_str()) && has(mos_last_error(), "available on this machine"),
          "message \"%s\"", mos_last_error());
  // Dimensions whose product overflows: INVALID_ARGUMENT before any size is believed.
  T_STATUS(mos_tensor_create(ctx, MOS_DTYPE_F32, int64_t{1} << 40, int64_t{1} << 40, &t),
           MOS_STATUS_INVALID_ARGUMENT, "mos_tensor_create");
  T_CHECK(has(mos_last_error(), "too large to address"), "message \"%s\"", mos_last_error());
  // Above the check's threshold (64 MiB) but well within any test machine: allowed, zero-filled.
  T_OK(mos_tensor_create(ctx, MOS_DTYPE_F32, 5 << 10, 4 << 10, &t));  // 80 MiB
  float corner[1] = {1.0f};
  if (t != nullptr) {
    std::vector<float> all(size_t{5 << 10} * (4 << 10));
    T_OK(mos_tensor_read(t, all.data(), static_cast<int64_t>(all.size())));
    corner[0] = all.back();
  }
  T_CHECK(corner[0] == 0.0f, "last element %g", corner[0]);
  T_OK(mos_tensor_free(t));
}

}  // namespace

int main() {
  const uint64_t machine = machine_bytes();
  std::printf("machine memory (RAM + swap): %.1f GiB\n", machine / 1073741824.0);
  mos_context_t ctx = nullptr;
  T_OK(mos_context_create(MOS_BACKEND_CPU, 0, &ctx));
  pool_larger_than_machine(ctx, machine);
  pool_size_overflow(ctx);
  tensor_larger_than_machine(ctx, machine);
  T_OK(mos_context_free(ctx));
  return t::report("test_memory_limits");
}
