// SPDX-License-Identifier: Apache-2.0
// memory.cpp: human sizes, checked size arithmetic, and the up-front checks of memory.h
// (the host's available memory read from /proc/meminfo and cgroup v2).
#include "memory.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "error.h"

namespace mos {

std::string human_bytes(uint64_t bytes) {
  static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) return cat(bytes, " B");
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024.0 && u < 6) {
    v /= 1024.0;
    ++u;
  }
  char text[32];
  std::snprintf(text, sizeof text,
                v < 10.0    ? "%.2f %s"
                : v < 100.0 ? "%.1f %s"
                            : "%.0f %s",
                v, units[u]);
  return text;
}

namespace {

[[noreturn]] void fail_overflow(const std::string& what) {
  fail(MOS_STATUS_OUT_OF_MEMORY, what, " needs more than 16.0 EiB (the size overflows 64 bits)");
}

// One "<key>: <n> kB" line of /proc/meminfo in bytes, or -1 when absent.
int64_t meminfo_bytes(const std::string& text, const char* key) {
  const size_t at = text.find(std::string("\n") + key + ":");
  if (at == std::string::npos) return -1;
  return std::strtoll(text.c_str() + at + std::char_traits<char>::length(key) + 2, nullptr, 10) *
         1024;
}

std::string read_file(const char* path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// limit - usage of one cgroup's files; UINT64_MAX when there is no limit or no such files.
// "max" (v2) reads as 0 and v1's "no limit" is a number near 2^63: both mean unlimited.
uint64_t cgroup_left(const std::string& limit_file, const std::string& usage_file) {
  const std::string text = read_file(limit_file.c_str());
  const uint64_t limit = std::strtoull(text.c_str(), nullptr, 10);
  if (limit == 0 || limit >= (uint64_t{1} << 60)) return UINT64_MAX;
  const uint64_t used = std::strtoull(read_file(usage_file.c_str()).c_str(), nullptr, 10);
  return used < limit ? limit - used : 0;
}

uint64_t cgroup_memory_left() {
  std::string v2_path, v1_path;
  std::istringstream lines(read_file("/proc/self/cgroup"));
  for (std::string line; std::getline(lines, line);) {
    // hierarchy-ID:controller-list:cgroup-path
    const size_t a = line.find(':'), b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) continue;
    const std::string controllers = "," + line.substr(a + 1, b - a - 1) + ",";
    const std::string path = line.substr(b + 1);
    if (path.find("..") != std::string::npos) continue;  // never leave /sys/fs/cgroup
    if (line.compare(0, a, "0") == 0 && controllers == ",,") v2_path = path;
    if (controllers.find(",memory,") != std::string::npos) v1_path = path;
  }
  uint64_t left = UINT64_MAX;
  auto consider = [&left](uint64_t x) { left = x < left ? x : left; };
  const std::string v2 = "/sys/fs/cgroup";
  if (!v2_path.empty() && v2_path != "/")
    consider(cgroup_left(v2 + v2_path + "/memory.max", v2 + v2_path + "/memory.current"));
  consider(cgroup_left(v2 + "/memory.max", v2 + "/memory.current"));
  const std::string v1 = "/sys/fs/cgroup/memory";
  if (!v1_path.empty() && v1_path != "/")
    consider(cgroup_left(v1 + v1_path + "/memory.limit_in_bytes",
                         v1 + v1_path + "/memory.usage_in_bytes"));
  consider(cgroup_left(v1 + "/memory.limit_in_bytes", v1 + "/memory.usage_in_bytes"));
  return left;
}

}  // namespace

uint64_t checked_mul(uint64_t a, uint64_t b, const std::string& what) {
  uint64_t out = 0;
  if (__builtin_mul_overflow(a, b, &out)) fail_overflow(what);
  return out;
}

uint64_t checked_add(uint64_t a, uint64_t b, const std::string& what) {
  uint64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) fail_overflow(what);
  return out;
}

uint64_t host_memory_available() {
  uint64_t avail = 0;
  const std::string meminfo = "\n" + read_file("/proc/meminfo");
  const int64_t mem = meminfo_bytes(meminfo, "MemAvailable");
  if (mem >= 0) {
    const int64_t swap = meminfo_bytes(meminfo, "SwapFree");
    avail = static_cast<uint64_t>(mem) + static_cast<uint64_t>(swap > 0 ? swap : 0);
  } else {
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    avail = pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page)
                                  : UINT64_MAX;  // unknown: let the allocator decide
  }
  // A container's limit may be lower than the machine's memory: the memory left under the
  // cgroup limit of this process, v2 or v1, at its own path (from /proc/self/cgroup) and at the
  // mount root (a cgroup namespace shows the process's cgroup there).
  const uint64_t left = cgroup_memory_left();
  return left < avail ? left : avail;
}

void require_memory(const Backend& be, uint64_t bytes, const std::string& what,
                    const std::string& detail) {
  if (bytes < kMemoryCheckFromBytes) return;
  const Backend::MemoryInfo m = be.memory_available();
  check(bytes <= m.available, MOS_STATUS_OUT_OF_MEMORY, what, " needs ", human_bytes(bytes), detail,
        ", more than the ", human_bytes(m.available), " available ", m.where);
}

}  // namespace mos
