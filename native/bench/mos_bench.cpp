// SPDX-License-Identifier: Apache-2.0
// mos_bench: the native benchmark suite of libmos. Each case runs its variants in one process,
// interleaved after warm-up, and reports medians (p10/p90) and ratios against the targets of
// docs/benchmarks.md.
//   mos_bench [--quick] [--tiny] [--json FILE] [--cases a,b,...] [--backend cpu|cuda]
//             [--threads N] [--only v,...] [--omp-as-is] [--list]
// Unless OMP_WAIT_POLICY is set (or --omp-as-is), it re-executes itself with
// OMP_WAIT_POLICY=PASSIVE: libgomp's spinning threads would otherwise slow whichever variant runs
// next (docs/benchmarks.md, "OpenMP and OpenBLAS threads").
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cases.h"

namespace {

using namespace bench;

struct Case {
  const char* name;
  const char* what;
  void (*run)(Env&);
};

const Case kCases[] = {
    {"layer", "1: layer forward, MoS vs dense LoRA vs plain sgemm (tokens 512, 2048->2048/5504)",
     case_layer},
    {"adapter", "2: adapter-only forward and forward+backward, MoS vs dense LoRA", case_adapter},
    {"train", "3: training step (fwd, bwd, clip, AdamW) of a 4-block residual up/down stack",
     case_train},
    {"java_ref", "4: native half of the Java overhead case (tokens 64, 1024->1024)", case_java_ref},
    {"serving", "5: serving: adapter bank vs PEFT loop (decode, prefill), bytes per adapter",
     case_serving},
    {"memory", "6: peak resident memory of a training step, R_eq {2,8} x r {16,64}", case_memory},
    {"decoder",
     "8: decoder: training step vs sgemm and LoRA, 1B decode vs bandwidth, prefill, memory",
     case_decoder},
};

void usage(FILE* f) {
  std::fprintf(f,
               "usage: mos_bench [--quick] [--tiny] [--json FILE] [--cases a,b,...] "
               "[--backend cpu|cuda] [--threads N] [--list]\n"
               "  --quick    fewer rounds (about a minute in all)\n"
               "  --tiny     tiny sizes, for smoke tests (the numbers mean nothing)\n"
               "  --json F   write the records to F\n"
               "  --cases    comma-separated subset (default: all)\n"
               "  --only     run only these variants (e.g. mos,dense_lora); the rest report NaN\n"
               "  --omp-as-is  keep OMP_WAIT_POLICY as it is (default: PASSIVE when unset)\n"
               "cases:\n");
  for (const Case& c : kCases) std::fprintf(f, "  %-9s %s\n", c.name, c.what);
}

std::string read_first(const char* path, const char* key) {
  std::ifstream f(path);
  std::string line;
  while (std::getline(f, line)) {
    if (!key) return line;
    if (line.compare(0, std::strlen(key), key) == 0) {
      const size_t c = line.find(':');
      return c == std::string::npos ? line : line.substr(line.find_first_not_of(" \t", c + 1));
    }
  }
  return "";
}

std::string self_exe(const char* argv0) {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n > 0) {
    buf[n] = 0;
    return buf;
  }
  return argv0;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress shows up line by line through pipes
  Options o;
  o.exe = self_exe(argv[0]);
  std::string json, cases_arg, child;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "mos_bench: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--quick") o.quick = true;
    else if (a == "--tiny") o.tiny = true;
    else if (a == "--json") json = next();
    else if (a == "--cases") cases_arg = next();
    else if (a == "--threads") o.threads = std::atoi(next().c_str());
    else if (a == "--memory-child") child = next();
    else if (a == "--omp-as-is") o.omp_as_is = true;
    else if (a == "--only") {
      std::vector<std::string> only;
      std::stringstream ss(next());
      for (std::string v; std::getline(ss, v, ',');) only.push_back(v);
      set_variant_filter(only);
    } else if (a == "--backend") {
      const std::string b = next();
      if (b == "cpu") o.backend = MOS_BACKEND_CPU;
      else if (b == "cuda") o.backend = MOS_BACKEND_CUDA;
      else {
        std::fprintf(stderr, "mos_bench: unknown backend '%s' (cpu or cuda)\n", b.c_str());
        return 2;
      }
    } else if (a == "--list" || a == "--help" || a == "-h") {
      usage(stdout);
      return 0;
    } else {
      std::fprintf(stderr, "mos_bench: unknown argument '%s'\n", a.c_str());
      usage(stderr);
      return 2;
    }
  }
  if (!o.omp_as_is && !std::getenv("OMP_WAIT_POLICY")) {
    // libgomp reads the variable once, when it is loaded: set it and start over.
    setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    setenv("MOS_BENCH_SET_OMP_WAIT_POLICY", "1", 1);
    execv(o.exe.c_str(), argv);
    std::fprintf(stderr, "mos_bench: cannot re-execute %s; continuing with libgomp spinning\n",
                 o.exe.c_str());
  }
  if (child == "decoder") return decoder_memory_child(o);
  if (!child.empty()) return memory_child(o, child);

  std::vector<const Case*> selected;
  if (cases_arg.empty()) {
    for (const Case& c : kCases) selected.push_back(&c);
  } else {
    std::stringstream ss(cases_arg);
    std::string name;
    while (std::getline(ss, name, ',')) {
      const Case* found = nullptr;
      for (const Case& c : kCases)
        if (name == c.name) found = &c;
      if (!found) {
        std::fprintf(stderr, "mos_bench: unknown case '%s'\n", name.c_str());
        usage(stderr);
        return 2;
      }
      selected.push_back(found);
    }
  }

  Env e;
  e.o = o;
  e.report.judge = !o.tiny;
  int32_t avail = 0;
  char reason[256] = {0};
  MB_CHECK(mos_backend_available(o.backend, &avail, reason, sizeof reason));
  if (!avail) {
    std::fprintf(stderr, "mos_bench: backend %s unavailable: %s\n",
                 o.backend == MOS_BACKEND_CPU ? "cpu" : "cuda", reason);
    return 77;
  }
  MB_CHECK(mos_context_create(o.backend, 0, &e.ctx));
  if (o.threads > 0) MB_CHECK(mos_context_set_num_threads(e.ctx, o.threads));

  const std::string cpu = read_first("/proc/cpuinfo", "model name");
  const std::string load = read_first("/proc/loadavg", nullptr);
  char date[64];
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S%z", std::localtime(&now));
  std::printf("mos_bench: %s | %s, %u hardware threads | %s | load average %s%s%s\n",
              mos_version_string(), cpu.c_str(), std::thread::hardware_concurrency(), date,
              load.c_str(), o.quick ? " | --quick" : "", o.tiny ? " | --tiny" : "");
  if (std::atof(load.c_str()) > 0.5 && !o.tiny)
    std::printf(
        "mos_bench: WARNING: load average above 0.5; other work is running and the "
        "absolute numbers suffer (ratios less so: the variants are interleaved)\n");
  const char* wait_env = std::getenv("OMP_WAIT_POLICY");
  std::string wait = wait_env ? wait_env : "unset";
  if (std::getenv("MOS_BENCH_SET_OMP_WAIT_POLICY"))
    wait += " (set by mos_bench; --omp-as-is keeps the environment's)";
  std::printf("plain product baseline: %s | OMP_WAIT_POLICY=%s\n", plain_gemm_kind(e),
              wait.c_str());

  const double t0 = now_s();
  for (const Case* c : selected) c->run(e);
  const double total = now_s() - t0;
  std::printf("\nmos_bench: %d ratio target(s) missed; %.1f s\n", e.report.ratios_missed(), total);

  if (!json.empty()) {
    const std::string meta =
        "{\"program\": \"mos_bench\", \"library\": " + json_str(mos_version_string()) +
        ", \"cpu\": " + json_str(cpu) +
        ", \"hardware_threads\": " + std::to_string(std::thread::hardware_concurrency()) +
        ", \"date\": " + json_str(date) + ", \"loadavg_at_start\": " + json_str(load) +
        ", \"backend\": " + json_str(o.backend == MOS_BACKEND_CPU ? "cpu" : "cuda") +
        ", \"plain_gemm\": " + json_str(plain_gemm_kind(e)) +
        ", \"omp_wait_policy\": " + json_str(wait) +
        ", \"quick\": " + (o.quick ? "true" : "false") +
        ", \"tiny\": " + (o.tiny ? "true" : "false") + ", \"seconds\": " + fmt("%.1f", total) + "}";
    if (!e.report.write_json(json, meta)) {
      std::fprintf(stderr, "mos_bench: cannot write %s\n", json.c_str());
      return 1;
    }
    std::printf("mos_bench: wrote %s\n", json.c_str());
  }
  mos_context_free(e.ctx);
  return 0;  // missed targets are reported, not failures: a benchmark is not a test
}
