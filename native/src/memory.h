// SPDX-License-Identifier: Apache-2.0
// memory.h: up-front memory checks. A request the backend cannot hold fails with OUT_OF_MEMORY
// and a message in human units before anything is allocated, so the caller (a JVM) keeps running.
#pragma once

#include <cstdint>
#include <string>

#include "backend.h"

namespace mos {

// Requests below this are not checked: small scratch stays fast (no /proc read per allocation).
constexpr uint64_t kMemoryCheckFromBytes = uint64_t{64} << 20;

// "512 B", "21.3 GiB", "1.50 TiB" (binary units, three significant digits).
std::string human_bytes(uint64_t bytes);

// a * b and a + b of sizes derived from user dimensions; on overflow OUT_OF_MEMORY,
// "<what> needs more than 16.0 EiB (the size overflows 64 bits)": no machine has that much.
uint64_t checked_mul(uint64_t a, uint64_t b, const std::string& what);
uint64_t checked_add(uint64_t a, uint64_t b, const std::string& what);

// OUT_OF_MEMORY "<what> needs <bytes><detail>, more than the <n> available <where>" when bytes
// (at least kMemoryCheckFromBytes) exceeds what the backend reports as available.
void require_memory(const Backend& be, uint64_t bytes, const std::string& what,
                    const std::string& detail = "");

// Host memory a new allocation can still get: MemAvailable + SwapFree (/proc/meminfo), capped
// by a cgroup v2 limit (memory.max - memory.current) when there is one; without /proc, the
// physical memory. Linux overcommits, so malloc would not say no: the OOM killer would, later.
uint64_t host_memory_available();

}  // namespace mos
