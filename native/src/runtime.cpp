// Errors, version and build info, threads, devices, grad mode and random generators.
#include "shim_common.h"
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <c10/core/GradMode.h>
#include <c10/core/InferenceMode.h>
#include <torch/cuda.h>
#include <torch/utils.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <dlfcn.h>
#include <cstring>

namespace arb {

std::atomic<int64_t> g_live{0};

static thread_local std::string t_error;
static thread_local bool t_has_error = false;

void set_error(const char* msg) {
  // libtorch messages can carry source locations and backtraces on later lines; .NET gets the first.
  std::string s = msg ? msg : "unknown error";
  auto nl = s.find('\n');
  if (nl != std::string::npos) s.resize(nl);
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ')) s.pop_back();
  if (s.empty()) s = "libtorch error (empty message)";
  t_error = std::move(s);
  t_has_error = true;
}
void set_error_from(const std::exception& e) { set_error(e.what()); }

int32_t copy_string(const std::string& s, char* buf, int32_t cap) {
  if (buf && cap > 0) {
    size_t n = std::min(s.size(), static_cast<size_t>(cap - 1));
    std::memcpy(buf, s.data(), n);
    buf[n] = 0;
  }
  return static_cast<int32_t>(s.size());
}

// OpenBLAS is reached through libblas.so.3 (Debian's alternatives); find it among what is loaded.
static void* blas_symbol(const char* name) {
  void* sym = dlsym(RTLD_DEFAULT, name);
  if (sym) return sym;
  for (const char* lib : {"libopenblas.so.0", "libblas.so.3", "libopenblas.so"}) {
    void* h = dlopen(lib, RTLD_LAZY | RTLD_NOLOAD);
    if (h) {
      sym = dlsym(h, name);
      dlclose(h);
      if (sym) return sym;
    }
  }
  return nullptr;
}

}  // namespace arb

using namespace arb;

extern "C" {

const char* arb_last_error(void) {
  if (!t_has_error) return nullptr;
  t_has_error = false;
  return t_error.c_str();  // stays valid until the next error on this thread
}

int32_t arb_version(char* buf, int32_t cap) { return copy_string(TORCH_VERSION, buf, cap); }

int32_t arb_config(char* buf, int32_t cap) {
  ARB_GUARD_BEGIN return copy_string(at::show_config(), buf, cap); ARB_GUARD_END(-1)
}

int32_t arb_blas_info(char* buf, int32_t cap) {
  using fn = char* (*)();
  auto get = reinterpret_cast<fn>(blas_symbol("openblas_get_config"));
  std::string s = get ? std::string(get()) : std::string();
  if (get) {
    using cfn = char* (*)();
    if (auto core = reinterpret_cast<cfn>(blas_symbol("openblas_get_corename"))) s += std::string(" core=") + core();
  }
  return copy_string(s, buf, cap);
}

int64_t arb_live_tensors(void) { return g_live.load(std::memory_order_relaxed); }

int32_t arb_set_num_threads(int32_t n) { ARB_RET_OK(at::set_num_threads(n)) }
int32_t arb_get_num_threads(void) { return at::get_num_threads(); }

int32_t arb_set_blas_threads(int32_t n) {
  using fn = void (*)(int);
  auto set = reinterpret_cast<fn>(blas_symbol("openblas_set_num_threads"));
  if (!set) return -1;
  set(n);
  return 0;
}
int32_t arb_get_blas_threads(void) {
  using fn = int (*)();
  auto get = reinterpret_cast<fn>(blas_symbol("openblas_get_num_threads"));
  return get ? get() : -1;
}

int32_t arb_cuda_is_available(void) { ARB_GUARD_BEGIN return torch::cuda::is_available() ? 1 : 0; ARB_GUARD_END(0) }
int32_t arb_cuda_device_count(void) {
  ARB_GUARD_BEGIN return static_cast<int32_t>(torch::cuda::device_count()); ARB_GUARD_END(0)
}
int32_t arb_cuda_synchronize(int32_t device) {
#if TORCH_VERSION_MAJOR >= 2
  ARB_RET_OK(torch::cuda::synchronize(device))
#else
  ARB_RET_OK((void)device; if (torch::cuda::is_available()) at::detail::getCUDAHooks().deviceSynchronize(device))
#endif
}

int32_t arb_manual_seed(uint64_t seed) { ARB_RET_OK(torch::manual_seed(seed)) }
int32_t arb_set_deterministic(int32_t on) { ARB_RET_OK(at::globalContext().setDeterministicAlgorithms(on != 0, true)) }

int32_t arb_grad_enabled(void) { return c10::GradMode::is_enabled() ? 1 : 0; }
int32_t arb_set_grad_enabled(int32_t on) {
  bool prev = c10::GradMode::is_enabled();
  c10::GradMode::set_enabled(on != 0);
  return prev ? 1 : 0;
}
arb_guard arb_inference_mode_enter(void) {
  ARB_GUARD_BEGIN return new c10::InferenceMode(true); ARB_GUARD_END(nullptr)
}
int32_t arb_inference_mode_exit(arb_guard guard) { ARB_RET_OK(delete static_cast<c10::InferenceMode*>(guard)) }

// ---- generators ----
arb_generator arb_generator_new(uint64_t seed, int32_t dev_type, int32_t dev_index) {
  ARB_GUARD_BEGIN
  at::Generator g = dev_type == 0
      ? at::make_generator<at::CPUGeneratorImpl>(seed)
      : at::globalContext().defaultGenerator(device(dev_type, dev_index)).clone();
  g.set_current_seed(seed);
  return new at::Generator(std::move(g));
  ARB_GUARD_END(nullptr)
}
void arb_generator_free(arb_generator g) { delete static_cast<at::Generator*>(g); }
int32_t arb_generator_seed(arb_generator g, uint64_t seed) {
  ARB_RET_OK(auto& gen = *static_cast<at::Generator*>(g); std::lock_guard<std::mutex> lock(gen.mutex());
             gen.set_current_seed(seed))
}
arb_tensor arb_generator_get_state(arb_generator g) {
  ARB_GUARD_BEGIN
  auto& gen = *static_cast<at::Generator*>(g);
  std::lock_guard<std::mutex> lock(gen.mutex());
  return wrap(gen.get_state());
  ARB_GUARD_END(nullptr)
}
int32_t arb_generator_set_state(arb_generator g, arb_tensor state) {
  ARB_RET_OK(auto& gen = *static_cast<at::Generator*>(g); std::lock_guard<std::mutex> lock(gen.mutex());
             gen.set_state(T(state)))
}

}  // extern "C"
