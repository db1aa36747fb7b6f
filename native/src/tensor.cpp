// Tensor lifetime, metadata, creation and conversion.
#include "shim_common.h"
#include <cstring>
#include <sstream>

using namespace arb;

extern "C" {

void arb_tensor_free(arb_tensor t) {
  if (!t) return;
  delete static_cast<at::Tensor*>(t);
  g_live.fetch_sub(1, std::memory_order_relaxed);
}

int32_t arb_tensor_dim(arb_tensor t) { ARB_GUARD_BEGIN return static_cast<int32_t>(T(t).dim()); ARB_GUARD_END(-1) }

int32_t arb_tensor_shape(arb_tensor t, int64_t* out, int32_t cap) {
  ARB_GUARD_BEGIN
  auto s = T(t).sizes();
  for (size_t i = 0; i < s.size() && static_cast<int32_t>(i) < cap; ++i) out[i] = s[i];
  return static_cast<int32_t>(s.size());
  ARB_GUARD_END(-1)
}

int64_t arb_tensor_numel(arb_tensor t) { ARB_GUARD_BEGIN return T(t).numel(); ARB_GUARD_END(-1) }
int32_t arb_tensor_dtype(arb_tensor t) { ARB_GUARD_BEGIN return static_cast<int32_t>(T(t).scalar_type()); ARB_GUARD_END(-1) }
int32_t arb_tensor_device(arb_tensor t, int32_t* type, int32_t* index) {
  ARB_RET_OK(auto d = T(t).device(); *type = static_cast<int32_t>(d.type()); *index = d.has_index() ? d.index() : 0)
}
int32_t arb_tensor_requires_grad(arb_tensor t) { ARB_GUARD_BEGIN return T(t).requires_grad() ? 1 : 0; ARB_GUARD_END(-1) }
int32_t arb_tensor_is_contiguous(arb_tensor t) { ARB_GUARD_BEGIN return T(t).is_contiguous() ? 1 : 0; ARB_GUARD_END(-1) }
int32_t arb_tensor_item(arb_tensor t, double* out) { ARB_RET_OK(*out = T(t).item<double>()) }

int32_t arb_tensor_copy_to_host(arb_tensor t, void* dst, int64_t nbytes) {
  ARB_GUARD_BEGIN
  at::Tensor c = T(t).detach().to(at::kCPU).contiguous();
  int64_t need = c.numel() * static_cast<int64_t>(c.element_size());
  if (need != nbytes)
    throw std::invalid_argument("copy_to_host: destination holds " + std::to_string(nbytes) + " bytes, tensor needs " +
                                std::to_string(need));
  if (need > 0) std::memcpy(dst, c.data_ptr(), static_cast<size_t>(need));
  return 0;
  ARB_GUARD_END(-1)
}

void* arb_tensor_data_ptr(arb_tensor t) {
  ARB_GUARD_BEGIN
  auto& x = T(t);
  if (!x.device().is_cpu() || !x.is_contiguous()) throw std::invalid_argument("data_ptr needs a contiguous CPU tensor");
  return x.data_ptr();
  ARB_GUARD_END(nullptr)
}

int32_t arb_tensor_to_string(arb_tensor t, char* buf, int32_t cap) {
  ARB_GUARD_BEGIN std::ostringstream os; os << T(t); return copy_string(os.str(), buf, cap); ARB_GUARD_END(-1)
}

arb_tensor arb_full(const int64_t* shape, int32_t ndim, int32_t kind, double value, int32_t dtype, int32_t dev_type,
                    int32_t dev_index, int32_t requires_grad) {
  ARB_GUARD_BEGIN
  auto o = options(dtype, dev_type, dev_index);
  auto s = dims(shape, ndim);
  at::Tensor r;
  switch (kind) {
    case 0: r = at::zeros(s, o); break;
    case 1: r = at::ones(s, o); break;
    case 2: r = at::empty(s, o); break;
    case 3: r = at::full(s, value, o); break;
    default: throw std::invalid_argument("arb_full: unknown kind " + std::to_string(kind));
  }
  if (requires_grad) r.requires_grad_(true);
  return wrap(std::move(r));
  ARB_GUARD_END(nullptr)
}

arb_tensor arb_arange(double start, double end, double step, int32_t dtype, int32_t dev_type, int32_t dev_index) {
  ARB_RET_TENSOR(at::arange(start, end, step, options(dtype, dev_type, dev_index)))
}
arb_tensor arb_linspace(double start, double end, int64_t steps, int32_t dtype, int32_t dev_type, int32_t dev_index) {
  ARB_RET_TENSOR(at::linspace(start, end, steps, options(dtype, dev_type, dev_index)))
}
arb_tensor arb_eye(int64_t n, int32_t dtype, int32_t dev_type, int32_t dev_index) {
  ARB_RET_TENSOR(at::eye(n, options(dtype, dev_type, dev_index)))
}

static c10::optional<at::Generator> gen_of(arb_generator g) {
  if (!g) return c10::nullopt;
  return *static_cast<at::Generator*>(g);
}

arb_tensor arb_random(const int64_t* shape, int32_t ndim, int32_t kind, arb_generator g, int32_t dtype,
                      int32_t dev_type, int32_t dev_index) {
  ARB_GUARD_BEGIN
  auto o = options(dtype, dev_type, dev_index);
  auto s = dims(shape, ndim);
  if (kind == 0) return wrap(at::randn(s, gen_of(g), o));
  if (kind == 1) return wrap(at::rand(s, gen_of(g), o));
  throw std::invalid_argument("arb_random: unknown kind " + std::to_string(kind));
  ARB_GUARD_END(nullptr)
}

arb_tensor arb_randint(int64_t low, int64_t high, const int64_t* shape, int32_t ndim, arb_generator g, int32_t dev_type,
                       int32_t dev_index) {
  ARB_RET_TENSOR(at::randint(low, high, dims(shape, ndim), gen_of(g), options(static_cast<int32_t>(at::kLong), dev_type, dev_index)))
}

arb_tensor arb_randn_like_gen(arb_tensor t, arb_generator g) {
  ARB_RET_TENSOR(at::randn(T(t).sizes(), gen_of(g), T(t).options().requires_grad(false)))
}

arb_tensor arb_from_data(const void* data, int64_t nbytes, const int64_t* shape, int32_t ndim, int32_t dtype,
                         int32_t dev_type, int32_t dev_index) {
  ARB_GUARD_BEGIN
  at::Tensor r = at::empty(dims(shape, ndim), options(dtype, 0, 0));
  int64_t need = r.numel() * static_cast<int64_t>(r.element_size());
  if (need != nbytes)
    throw std::invalid_argument("from_data: shape needs " + std::to_string(need) + " bytes, got " + std::to_string(nbytes));
  if (need > 0) std::memcpy(r.data_ptr(), data, static_cast<size_t>(need));
  if (dev_type != 0) r = r.to(device(dev_type, dev_index));
  return wrap(std::move(r));
  ARB_GUARD_END(nullptr)
}

arb_tensor arb_like(arb_tensor t, int32_t kind, double value) {
  ARB_GUARD_BEGIN
  auto& x = T(t);
  switch (kind) {
    case 0: return wrap(at::zeros_like(x));
    case 1: return wrap(at::ones_like(x));
    case 2: return wrap(at::randn_like(x));
    case 3: return wrap(at::rand_like(x));
    case 4: return wrap(at::full_like(x, value));
    default: throw std::invalid_argument("arb_like: unknown kind " + std::to_string(kind));
  }
  ARB_GUARD_END(nullptr)
}

arb_tensor arb_to(arb_tensor t, int32_t dtype, int32_t dev_type, int32_t dev_index, int32_t copy) {
  ARB_RET_TENSOR(T(t).to(device(dev_type, dev_index), static_cast<at::ScalarType>(dtype), false, copy != 0))
}
arb_tensor arb_clone(arb_tensor t) { ARB_RET_TENSOR(T(t).clone()) }
arb_tensor arb_detach(arb_tensor t) { ARB_RET_TENSOR(T(t).detach()) }
arb_tensor arb_contiguous(arb_tensor t) { ARB_RET_TENSOR(T(t).contiguous()) }
arb_tensor arb_alias(arb_tensor t) { ARB_RET_TENSOR(T(t)) }
int32_t arb_set_data(arb_tensor t, arb_tensor src) { ARB_RET_OK(T(t).set_data(T(src))) }

}  // extern "C"
