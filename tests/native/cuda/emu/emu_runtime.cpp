// SPDX-License-Identifier: Apache-2.0
// emu_runtime.cpp: the fiber scheduler of the CPU emulator (cuda_runtime.h). One fiber per CUDA
// thread of a block, switched only at barriers. On x86-64 the switch is a few instructions of
// assembly (ucontext's swapcontext makes a sigprocmask system call per switch, which made the
// shuffle-heavy kernels crawl); elsewhere ucontext is used.
#include <memory>
#include <vector>

#include "cuda_runtime.h"

#if !defined(__x86_64__)
#include <ucontext.h>
#endif
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#endif

namespace mos_emu {
namespace {

constexpr size_t kStack = 64 * 1024;

#if defined(__x86_64__)
// mos_emu_switch(&save_sp, load_sp): push the callee-saved registers, save rsp, load the other
// stack's rsp, pop its registers, return into it.
extern "C" void mos_emu_switch(void** save_sp, void* load_sp);
asm(R"(
  .text
  .p2align 4
  .type mos_emu_switch,@function
mos_emu_switch:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size mos_emu_switch, .-mos_emu_switch
)");
#endif

// ASan must be told of every stack switch (MOS_SANITIZE builds): otherwise it keeps the thread's
// stack bounds while a fiber runs, and a no-return call or an exception on a fiber (which clears
// "the stack"'s poison) and its stack reports use the wrong stack. Each switch is bracketed:
// start_switch before it with the target stack, finish_switch first thing on the target; a null
// save marks a finished fiber. Every fiber's frames return before its stack is reused.
#if defined(__SANITIZE_ADDRESS__)
struct AsanFibers {
  void* sched_fake = nullptr;  // the scheduler's fake stack while a fiber runs
  std::vector<void*> fake;     // each suspended fiber's fake stack
  const void* sched_bottom = nullptr;
  size_t sched_size = 0;
};
#endif

struct Scheduler {
  std::vector<std::unique_ptr<char[]>> stacks;
  std::vector<char> done;
  unsigned current = 0;
  const std::function<void()>* body = nullptr;
  double mailbox[1024];
#if defined(__x86_64__)
  std::vector<void*> sp;
  void* sched_sp = nullptr;
#else
  std::vector<ucontext_t> ctx;
  ucontext_t sched;
#endif
#if defined(__SANITIZE_ADDRESS__)
  AsanFibers asan;
#endif
};

Scheduler& sched() {
  static Scheduler s;
  return s;
}

// Fiber side of a switch back to the scheduler (before) and of being resumed (after).
void to_scheduler_begin(Scheduler& s, unsigned t, bool finished) {
#if defined(__SANITIZE_ADDRESS__)
  __sanitizer_start_switch_fiber(finished ? nullptr : &s.asan.fake[t], s.asan.sched_bottom,
                                 s.asan.sched_size);
#else
  (void)s, (void)t, (void)finished;
#endif
}
void resumed_in_fiber(Scheduler& s, unsigned t) {
#if defined(__SANITIZE_ADDRESS__)
  __sanitizer_finish_switch_fiber(s.asan.fake[t], &s.asan.sched_bottom, &s.asan.sched_size);
#else
  (void)s, (void)t;
#endif
}

void fiber_main() {
  Scheduler& s = sched();
  resumed_in_fiber(s, s.current);
  (*s.body)();
  s.done[s.current] = 1;
  to_scheduler_begin(s, s.current, true);
#if defined(__x86_64__)
  void* dead = nullptr;
  mos_emu_switch(&dead, s.sched_sp);  // never resumed
#endif
}

void start_fiber(Scheduler& s, unsigned t) {
#if defined(__SANITIZE_ADDRESS__)
  s.asan.fake[t] = nullptr;
#endif
#if defined(__x86_64__)
  // A fresh stack that "returns" into fiber_main with the ABI's alignment (rsp = 8 mod 16 at
  // entry) after mos_emu_switch pops six zeroed registers.
  char* top = s.stacks[t].get() + kStack;
  top -= reinterpret_cast<uintptr_t>(top) % 16;
  void** frame = reinterpret_cast<void**>(top);
  frame[-1] = nullptr;                               // fake return address of fiber_main
  frame[-2] = reinterpret_cast<void*>(&fiber_main);  // ret target
  for (int i = 3; i <= 8; ++i) frame[-i] = nullptr;  // rbp rbx r12 r13 r14 r15
  s.sp[t] = &frame[-8];
#else
  getcontext(&s.ctx[t]);
  s.ctx[t].uc_stack.ss_sp = s.stacks[t].get();
  s.ctx[t].uc_stack.ss_size = kStack;
  s.ctx[t].uc_link = &s.sched;
  makecontext(&s.ctx[t], fiber_main, 0);
#endif
}

void resume(Scheduler& s, unsigned t) {
#if defined(__SANITIZE_ADDRESS__)
  __sanitizer_start_switch_fiber(&s.asan.sched_fake, s.stacks[t].get(), kStack);
#endif
#if defined(__x86_64__)
  mos_emu_switch(&s.sched_sp, s.sp[t]);
#else
  swapcontext(&s.sched, &s.ctx[t]);
#endif
#if defined(__SANITIZE_ADDRESS__)
  __sanitizer_finish_switch_fiber(s.asan.sched_fake, nullptr, nullptr);
#endif
}

}  // namespace

void barrier() {
  Scheduler& s = sched();
  const unsigned me = s.current;
  to_scheduler_begin(s, me, false);
#if defined(__x86_64__)
  mos_emu_switch(&s.sp[me], s.sched_sp);
#else
  swapcontext(&s.ctx[me], &s.sched);
#endif
  resumed_in_fiber(s, me);
}

double* mailbox() { return sched().mailbox; }

void run_grid(dim3 grid, dim3 block, const std::function<void()>& body) {
  Scheduler& s = sched();
  const unsigned n = block.x * block.y * block.z;
  if (n == 0 || n > 1024 || grid.x == 0 || grid.y == 0 || grid.z == 0) std::abort();
  s.body = &body;
  s.done.assign(n, 0);
#if defined(__x86_64__)
  s.sp.resize(n);
#else
  s.ctx.resize(n);
#endif
  while (s.stacks.size() < n) s.stacks.emplace_back(new char[kStack]);
#if defined(__SANITIZE_ADDRESS__)
  s.asan.fake.assign(n, nullptr);
#endif
  gridDim = grid;
  blockDim = block;
  for (unsigned bz = 0; bz < grid.z; ++bz) {
    for (unsigned by = 0; by < grid.y; ++by) {
      for (unsigned bx = 0; bx < grid.x; ++bx) {
        blockIdx = dim3(bx, by, bz);
        for (unsigned t = 0; t < n; ++t) {
          s.done[t] = 0;
          start_fiber(s, t);
        }
        for (bool live = true; live;) {
          live = false;
          for (unsigned t = 0; t < n; ++t) {
            if (s.done[t]) continue;
            s.current = t;
            threadIdx = dim3(t % block.x, (t / block.x) % block.y, t / (block.x * block.y));
            resume(s, t);
            if (!s.done[t]) live = true;
          }
        }
      }
    }
  }
  s.body = nullptr;
}

}  // namespace mos_emu
