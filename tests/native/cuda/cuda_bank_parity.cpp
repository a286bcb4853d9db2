// SPDX-License-Identifier: Apache-2.0
// cuda_bank_parity: the adapter bank on CUDA vs the same bank on the CPU backend, same adapters and
// inputs, at MOS_TOL_CUDA_VS_CPU_F32, over decode and prefill shapes, every kernel choice, the host
// (staged) and tensor entry points; removed ids and merge on CUDA. Without a usable GPU: skip (exit 77), or fail under MOS_REQUIRE_GPU=1.
// --small: smaller shapes, for the CPU emulator build (cuda_bank_parity_emulated).
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "test_bank_util.h"

namespace {

struct Case {
  const char* name;
  int tokens;
  int mode;  // 0: every token its own adapter, 1: runs per adapter, 2: random with -1
};

std::vector<float> cuda_apply_tensors(mos_context_t cuda, mos_bank_t bank, int slot, int block,
                                      const std::vector<float>& x, const std::vector<int32_t>& ids,
                                      const std::vector<float>& y0, int d_in, int d_out) {
  const int T = static_cast<int>(ids.size());
  mos_tensor_t xt = t::tensor(cuda, T, d_in, x), yt = t::tensor(cuda, T, d_out, y0);
  T_OK(mos_bank_apply(bank, slot, block, xt, ids.data(), T, yt));
  std::vector<float> y = t::read(yt);
  mos_tensor_free(xt);
  mos_tensor_free(yt);
  return y;
}

}  // namespace

int main(int argc, char** argv) {
  const bool small = argc > 1 && std::strcmp(argv[1], "--small") == 0;
  int skip_code = 0;
  if (!t::cuda_usable("cuda_bank_parity", &skip_code)) return skip_code;
  mos_context_t cpu = nullptr, cuda = nullptr;
  T_OK(mos_context_create(MOS_BACKEND_CPU, 0, &cpu));
  T_OK(mos_context_create(MOS_BACKEND_CUDA, 0, &cuda));
  const int L = 4;
  const int k = small ? 4 : 1;  // the emulator runs every CUDA thread as a fiber: keep it small
  const bt::Proj shapes[] = {
      {"q_proj", 256 / k, 256 / k}, {"up_proj", 256 / k, 688 / k}, {"down_proj", 688 / k, 256 / k}};
  // {r, R_eq, p, l, alpha}, valid for L = 4.
  const bt::Spec specs[] = {{12, 4, 1, 2, 16.0f}, {8, 2, 0, 1, 8.0f}, {4, 4, 4, 4, 4.0f},
                            {10, 4, 2, 2, 24.0f}, {2, 1, 0, 2, 2.0f}, {29, 8, 1, 4, 32.0f}};
  std::vector<std::unique_ptr<bt::Adapter>> adapters;
  mos_bank_t on_cpu = nullptr, on_cuda = nullptr;
  T_OK(mos_bank_create(cpu, 0, &on_cpu));
  T_OK(mos_bank_create(cuda, 0, &on_cuda));
  std::vector<int32_t> ids_of;
  for (size_t i = 0; i < sizeof specs / sizeof specs[0]; ++i) {
    adapters.push_back(std::make_unique<bt::Adapter>(
        specs[i], std::vector<bt::Proj>(std::begin(shapes), std::end(shapes)), L, 900 + i));
    int32_t a = -1, b = -1;
    T_OK(adapters.back()->add_to(on_cpu, &a));
    T_OK(adapters.back()->add_to(on_cuda, &b));
    T_CHECK(a == b, "ids differ: %d vs %d", a, b);
    ids_of.push_back(a);
  }
  const int A = static_cast<int>(ids_of.size());
  const Case cases[] = {{"decode: one token per adapter", A, 0},
                        {"prefill: runs per adapter", small ? 29 : 203, 1},
                        {"mixed with -1", small ? 17 : 97, 2}};
  const mos_bank_path_t paths[] = {MOS_BANK_PATH_AUTO, MOS_BANK_PATH_DECODE, MOS_BANK_PATH_PREFILL};
  std::mt19937_64 rng(123);
  for (int s = 0; s < 3; ++s) {
    const bt::Proj& p = shapes[s];
    int32_t slot = -1;
    T_OK(mos_bank_projection(on_cuda, p.name.c_str(), &slot, nullptr, nullptr, nullptr));
    for (const Case& c : cases) {
      std::vector<int32_t> ids(c.tokens);
      for (int tk = 0; tk < c.tokens; ++tk) {
        ids[tk] = c.mode == 0   ? ids_of[tk % A]
                  : c.mode == 1 ? ids_of[(tk * A) / c.tokens]
                                : static_cast<int32_t>(rng() % (A + 1)) - 1;
      }
      const auto x = t::random_floats(rng, static_cast<size_t>(c.tokens) * p.d_in);
      const auto y0 = t::random_floats(rng, static_cast<size_t>(c.tokens) * p.d_out);
      for (mos_bank_path_t path : paths) {
        T_OK(mos_bank_set_path(on_cpu, path));
        T_OK(mos_bank_set_path(on_cuda, path));
        const int block = (s + static_cast<int>(path)) % L;
        std::vector<float> y_cpu = y0, y_gpu = y0;
        T_OK(
            mos_bank_apply_host(on_cpu, slot, block, x.data(), c.tokens, ids.data(), y_cpu.data()));
        T_OK(mos_bank_apply_host(on_cuda, slot, block, x.data(), c.tokens, ids.data(),
                                 y_gpu.data()));
        const std::string shape = p.name + " " + c.name + " path " + std::to_string(path);
        t::close("CUDA bank (host entry) vs CPU bank", y_gpu, t::to_double(y_cpu),
                 MOS_TOL_CUDA_VS_CPU_F32, 123, shape);
        const auto y_t =
            cuda_apply_tensors(cuda, on_cuda, slot, block, x, ids, y0, p.d_in, p.d_out);
        t::close("CUDA bank (tensors) vs CPU bank", y_t, t::to_double(y_cpu),
                 MOS_TOL_CUDA_VS_CPU_F32, 123, shape);
      }
    }
  }
  // Merge on CUDA vs CPU.
  {
    const bt::Proj& p = shapes[1];
    const auto w = t::random_floats(rng, static_cast<size_t>(p.d_out) * p.d_in);
    mos_tensor_t wc = t::tensor(cpu, p.d_out, p.d_in, w), wg = t::tensor(cuda, p.d_out, p.d_in, w);
    T_OK(mos_bank_merge(on_cpu, ids_of[0], 1, 2, wc));
    T_OK(mos_bank_merge(on_cuda, ids_of[0], 1, 2, wg));
    t::close("CUDA merge vs CPU merge", t::read(wg), t::to_double(t::read(wc)),
             MOS_TOL_CUDA_VS_CPU_F32, 123, p.name);
    mos_tensor_free(wc);
    mos_tensor_free(wg);
  }
  // A removed id on CUDA: refused, y untouched.
  T_OK(mos_bank_remove(on_cuda, ids_of[1]));
  std::vector<float> x(256 / k), y(256 / k, 1.0f);
  int32_t bad[1] = {ids_of[1]};
  T_STATUS(mos_bank_apply_host(on_cuda, 0, 0, x.data(), 1, bad, y.data()),
           MOS_STATUS_INVALID_ARGUMENT, "mos_bank_apply_host: ");
  T_CHECK(y == std::vector<float>(256 / k, 1.0f), "a refused apply wrote y");
  mos_bank_free(on_cpu);
  mos_bank_free(on_cuda);
  mos_context_free(cuda);
  mos_context_free(cpu);
  return t::report("cuda_bank_parity");
}
