// A larger alternate signal stack for threads that run bf16 products on AMX.
//
// .NET turns a null dereference (SIGSEGV) into a NullReferenceException from a handler that runs on the thread's
// alternate signal stack, which the runtime sizes at 16 KiB. Once a thread has used AMX (oneDNN's bf16 kernels under
// libtorch), the kernel saves the AMX tile state in every signal frame on that thread: about 11 KiB of XSAVE area,
// which leaves the runtime's handler too little of its 16 KiB, so it runs into the stack's guard page and the process
// dies of SIGSEGV instead of throwing (measured: any NullReferenceException on a thread after a bf16 forward).
// arb_ensure_signal_stack gives the calling thread a larger alternate stack; the runtime's handler does not care
// which alternate stack it runs on. The stack is unmapped when the thread exits.
#include "shim_common.h"
#include <signal.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

namespace {

struct ThreadSignalStack {
  void* base = nullptr;    // the mapping: one guard page, then the stack
  void* stack = nullptr;   // what sigaltstack was given
  size_t bytes = 0;
  ~ThreadSignalStack() {
    if (!base) return;
    stack_t current{};
    if (sigaltstack(nullptr, &current) == 0 && current.ss_sp == stack) {
      stack_t off{};
      off.ss_flags = SS_DISABLE;
      sigaltstack(&off, nullptr);
    }
    munmap(base, bytes);
  }
};

thread_local ThreadSignalStack t_signal_stack;

}  // namespace

extern "C" {

// Returns 1 if the calling thread's alternate signal stack was replaced by one of at least min_bytes, 0 if it already
// had one that large, -1 on failure (errno's message in arb_last_error).
int32_t arb_ensure_signal_stack(int64_t min_bytes) {
  if (t_signal_stack.base) return 0;   // this thread has its larger stack already
  size_t want = static_cast<size_t>(min_bytes);
#ifdef AT_MINSIGSTKSZ
  size_t kernel_min = static_cast<size_t>(getauxval(AT_MINSIGSTKSZ));
  if (kernel_min * 4 > want) want = kernel_min * 4;
#endif
  stack_t current{};
  if (sigaltstack(nullptr, &current) != 0) { arb::set_error("sigaltstack: cannot read the signal stack"); return -1; }
  if (!(current.ss_flags & SS_DISABLE) && current.ss_size >= want) return 0;
  if (current.ss_flags & SS_ONSTACK) return 0;   // never swap the stack a handler is running on
  size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  size_t bytes = (want + page - 1) / page * page + page;
  void* base = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (base == MAP_FAILED) { arb::set_error("mmap: no memory for a signal stack"); return -1; }
  mprotect(base, page, PROT_NONE);   // a guard page, as the runtime's own stacks have
  stack_t larger{};
  larger.ss_sp = static_cast<char*>(base) + page;
  larger.ss_size = bytes - page;
  if (sigaltstack(&larger, nullptr) != 0) {
    munmap(base, bytes);
    arb::set_error("sigaltstack: cannot install a larger signal stack");
    return -1;
  }
  // The runtime keeps (and frees at thread exit) its own 16 KiB stack.
  t_signal_stack.base = base;
  t_signal_stack.stack = larger.ss_sp;
  t_signal_stack.bytes = bytes;
  return 1;
}

}  // extern "C"
