// Autograd: backward, .grad access, functional gradients.
#include "shim_common.h"
#include <torch/csrc/autograd/autograd.h>

using namespace arb;

extern "C" {

int32_t arb_backward(arb_tensor t, arb_tensor grad, int32_t retain_graph) {
  ARB_RET_OK(T(t).backward(grad ? T(grad) : at::Tensor(), retain_graph ? c10::optional<bool>(true) : c10::nullopt))
}

arb_tensor arb_grad(arb_tensor t) {
  ARB_GUARD_BEGIN
  const at::Tensor& g = T(t).grad();
  if (!g.defined()) return nullptr;  // "no grad" is not an error
  return wrap(g);
  ARB_GUARD_END(nullptr)
}

int32_t arb_set_grad(arb_tensor t, arb_tensor g) { ARB_RET_OK(T(t).mutable_grad() = g ? T(g) : at::Tensor()) }
int32_t arb_set_requires_grad(arb_tensor t, int32_t on) { ARB_RET_OK(T(t).requires_grad_(on != 0)) }
int32_t arb_is_leaf(arb_tensor t) { ARB_GUARD_BEGIN return T(t).is_leaf() ? 1 : 0; ARB_GUARD_END(-1) }

int32_t arb_autograd_grad(arb_tensor output, const arb_tensor* inputs, int32_t n, arb_tensor* out, int32_t create_graph) {
  ARB_GUARD_BEGIN
  std::vector<at::Tensor> ins;
  for (int32_t i = 0; i < n; ++i) ins.push_back(T(inputs[i]));
  auto gs = torch::autograd::grad({T(output)}, ins, {}, c10::nullopt, create_graph != 0, /*allow_unused=*/true);
  for (int32_t i = 0; i < n; ++i) out[i] = gs[i].defined() ? wrap(gs[i]) : nullptr;
  return 0;
  ARB_GUARD_END(-1)
}

}  // extern "C"
