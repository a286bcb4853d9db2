// SPDX-License-Identifier: Apache-2.0
// cases.h: the cases of mos_bench and the small building blocks they share (an MoS layer over a
// pool, dense LoRA factors, the plain product of the BLAS).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "harness.h"

namespace bench {

struct Env {
  Options o;
  mos_context_t ctx = nullptr;
  Report report;
  void sync() const { mos_context_synchronize(ctx); }
};

// One MoS pool group (a projection type shared by `num_blocks` blocks), initialized with nonzero
// pool_B so the adapter does real work, and layers for blocks 0..weights.size()-1 (weight may be
// nullptr: adapter-only layers).
struct MosStack {
  mos_pool_t pool = nullptr;
  std::vector<mos_layer_t> layers;
  int d_in = 0, d_out = 0, r = 0;
  MosStack() = default;
  MosStack(const MosStack&) = delete;
  MosStack& operator=(const MosStack&) = delete;
  ~MosStack();
};
struct MosShape {
  int d_in, d_out, num_blocks, r, r_eq, p, l;
  float alpha = 16.0f;
};
std::unique_ptr<MosStack> make_mos(mos_context_t ctx, const MosShape& s,
                                   const std::vector<mos_tensor_t>& weights, uint64_t seed);
// The plain-LoRA configuration of the same active rank through the library: p = R_eq = r, l = 1
// (method.md §2: MoS then degenerates to LoRA; every block owns r private rank vectors).
MosShape lora_as_mos(const MosShape& s);

// Plain base product y = x W^T: cblas_sgemm straight from the BLAS when built with one (CPU),
// else mos_gemm (the library's BLAS: cuBLAS on CUDA, or the fallback GEMM).
void plain_gemm(const Env& e, const Mat& x, const Mat& w, Mat& y);
const char* plain_gemm_kind(const Env& e);

// Pretty printing of one variant's time and rate.
void print_header(const std::string& title);
void print_time(const std::string& variant, const Stats& s, double flops);

// The cases. Each registers its records in e.report and prints its table.
void case_layer(Env& e);     // 1: layer forward, MoS vs dense LoRA vs plain sgemm
void case_adapter(Env& e);   // 2: adapter-only forward (+ backward), MoS vs dense LoRA
void case_train(Env& e);     // 3: training step of a residual up/down stack
void case_java_ref(Env& e);  // 4: the native half of the Java-overhead case
void case_serving(Env& e);   // 5: serving: adapter bank vs the PEFT loop, bytes per adapter
void case_memory(Env& e);    // 6: peak RSS of a training step over R_eq x r
int memory_child(const Options& o, const std::string& spec);  // --memory-child (internal)
void case_decoder(Env& e);  // 8: decoder training step, 1B decode/prefill, 1B memory
int decoder_memory_child(const Options& o);  // --memory-child decoder (internal)

}  // namespace bench
