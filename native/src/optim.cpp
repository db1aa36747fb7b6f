// libtorch's optimizers (SGD, AdamW), their per-parameter state, and gradient clipping.
#include "shim_common.h"
#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>
#include <sstream>
#include <type_traits>

using namespace arb;

namespace {

struct Optim {
  int32_t kind;  // 0 SGD, 1 AdamW
  std::unique_ptr<torch::optim::Optimizer> impl;
};

std::vector<at::Tensor> tensors(const arb_tensor* ps, int32_t n) {
  std::vector<at::Tensor> v;
  v.reserve(static_cast<size_t>(n));
  for (int32_t i = 0; i < n; ++i) v.push_back(T(ps[i]));
  return v;
}

double hp_at(const double* hp, int32_t n, int32_t i, double dflt) { return i < n ? hp[i] : dflt; }

std::unique_ptr<torch::optim::OptimizerOptions> make_options(int32_t kind, const double* hp, int32_t n) {
  if (kind == 0) {
    auto o = std::make_unique<torch::optim::SGDOptions>(hp_at(hp, n, 0, 1e-2));
    o->momentum(hp_at(hp, n, 1, 0)).dampening(hp_at(hp, n, 2, 0)).weight_decay(hp_at(hp, n, 3, 0))
        .nesterov(hp_at(hp, n, 4, 0) != 0);
    return o;
  }
  if (kind == 1) {
    auto o = std::make_unique<torch::optim::AdamWOptions>(hp_at(hp, n, 0, 1e-3));
    o->betas({hp_at(hp, n, 1, 0.9), hp_at(hp, n, 2, 0.999)}).eps(hp_at(hp, n, 3, 1e-8))
        .weight_decay(hp_at(hp, n, 4, 1e-2)).amsgrad(hp_at(hp, n, 5, 0) != 0);
    return o;
  }
  throw std::invalid_argument("unknown optimizer kind " + std::to_string(kind));
}

// The state map's key type changed across libtorch versions (string of the TensorImpl address in
// 1.x, the address itself later); derive it from the map so the shim compiles against both.
template <typename Map>
typename Map::key_type state_key(const at::Tensor& p) {
  using K = typename Map::key_type;
  if constexpr (std::is_same_v<K, std::string>) {
    std::ostringstream os;  // exactly how libtorch 1.x formats the key (c10::guts::to_string)
    os << p.unsafeGetTensorImpl();
    return os.str();
  } else {
    return static_cast<K>(p.unsafeGetTensorImpl());
  }
}

at::Tensor& param_at(torch::optim::Optimizer& o, int32_t index) {
  int32_t i = index;
  for (auto& g : o.param_groups()) {
    if (i < static_cast<int32_t>(g.params().size())) return g.params()[static_cast<size_t>(i)];
    i -= static_cast<int32_t>(g.params().size());
  }
  throw std::out_of_range("optimizer has no parameter " + std::to_string(index));
}

torch::optim::OptimizerOptions& group_options(torch::optim::Optimizer& o, int32_t group) {
  auto& gs = o.param_groups();
  if (group < 0 || group >= static_cast<int32_t>(gs.size())) throw std::out_of_range("no param group " + std::to_string(group));
  return gs[static_cast<size_t>(group)].options();
}

}  // namespace

extern "C" {

arb_optimizer arb_optim_new(int32_t kind, const arb_tensor* params, int32_t n, const double* hp, int32_t nhp) {
  ARB_GUARD_BEGIN
  auto* o = new Optim{kind, nullptr};
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(tensors(params, n), make_options(kind, hp, nhp));
  try {
    if (kind == 0) o->impl = std::make_unique<torch::optim::SGD>(groups, *static_cast<torch::optim::SGDOptions*>(make_options(kind, hp, nhp).get()));
    else o->impl = std::make_unique<torch::optim::AdamW>(groups, *static_cast<torch::optim::AdamWOptions*>(make_options(kind, hp, nhp).get()));
  } catch (...) {
    delete o;
    throw;
  }
  return o;
  ARB_GUARD_END(nullptr)
}

void arb_optim_free(arb_optimizer o) { delete static_cast<Optim*>(o); }

int32_t arb_optim_add_group(arb_optimizer o, const arb_tensor* params, int32_t n, const double* hp, int32_t nhp) {
  auto* op = static_cast<Optim*>(o);
  ARB_RET_OK(op->impl->add_param_group(torch::optim::OptimizerParamGroup(tensors(params, n), make_options(op->kind, hp, nhp))))
}

int32_t arb_optim_step(arb_optimizer o) { ARB_RET_OK(static_cast<Optim*>(o)->impl->step()) }
int32_t arb_optim_zero_grad(arb_optimizer o, int32_t set_to_none) {
  ARB_GUARD_BEGIN
  auto& impl = *static_cast<Optim*>(o)->impl;
  for (auto& g : impl.param_groups())
    for (auto& p : g.params()) {
      if (!p.grad().defined()) continue;
      if (set_to_none) p.mutable_grad() = at::Tensor();
      else { p.mutable_grad().detach_(); p.mutable_grad().zero_(); }
    }
  return 0;
  ARB_GUARD_END(-1)
}

int32_t arb_optim_set_lr(arb_optimizer o, int32_t group, double lr) {
  ARB_RET_OK(group_options(*static_cast<Optim*>(o)->impl, group).set_lr(lr))
}
int32_t arb_optim_get_lr(arb_optimizer o, int32_t group, double* out) {
  ARB_RET_OK(*out = group_options(*static_cast<Optim*>(o)->impl, group).get_lr())
}

int32_t arb_optim_get_state(arb_optimizer o, int32_t param, int64_t* step, arb_tensor* bufs) {
  ARB_GUARD_BEGIN
  auto* op = static_cast<Optim*>(o);
  auto& state = op->impl->state();
  auto it = state.find(state_key<std::remove_reference_t<decltype(state)>>(param_at(*op->impl, param)));
  if (it == state.end()) return 0;
  if (op->kind == 0) {
    auto& s = static_cast<torch::optim::SGDParamState&>(*it->second);
    *step = 0;
    bufs[0] = wrap(s.momentum_buffer().detach().clone());
    return 1;
  }
  auto& s = static_cast<torch::optim::AdamWParamState&>(*it->second);
  *step = s.step();
  // Snapshots, not aliases: the optimizer updates its buffers in place on the next step.
  bufs[0] = wrap(s.exp_avg().detach().clone());
  bufs[1] = wrap(s.exp_avg_sq().detach().clone());
  bufs[2] = wrap(s.max_exp_avg_sq().defined() ? s.max_exp_avg_sq().detach().clone() : at::zeros_like(s.exp_avg()));
  return 3;
  ARB_GUARD_END(-1)
}

int32_t arb_optim_set_state(arb_optimizer o, int32_t param, int64_t step, const arb_tensor* bufs, int32_t nbufs) {
  ARB_GUARD_BEGIN
  auto* op = static_cast<Optim*>(o);
  auto& p = param_at(*op->impl, param);
  auto check = [&](const at::Tensor& b) {
    if (!b.sizes().equals(p.sizes()))
      throw std::invalid_argument("optimizer state shape " + c10::str(b.sizes()) + " does not match parameter shape " +
                                  c10::str(p.sizes()));
    return b.detach().to(p.options().requires_grad(false)).clone();
  };
  auto& state = op->impl->state();
  auto key = state_key<std::remove_reference_t<decltype(state)>>(p);
  if (op->kind == 0) {
    if (nbufs < 1) throw std::invalid_argument("SGD state needs 1 buffer");
    auto s = std::make_unique<torch::optim::SGDParamState>();
    s->momentum_buffer(check(T(bufs[0])));
    state[key] = std::move(s);
  } else {
    if (nbufs < 3) throw std::invalid_argument("AdamW state needs 3 buffers");
    auto s = std::make_unique<torch::optim::AdamWParamState>();
    s->step(step);
    s->exp_avg(check(T(bufs[0])));
    s->exp_avg_sq(check(T(bufs[1])));
    s->max_exp_avg_sq(check(T(bufs[2])));
    state[key] = std::move(s);
  }
  return 0;
  ARB_GUARD_END(-1)
}

// As torch.nn.utils.clip_grad_norm_ (L2): the norm of all gradients together, scaled down when over.
int32_t arb_clip_grad_norm(const arb_tensor* params, int32_t n, double max_norm, double* total_norm) {
  ARB_GUARD_BEGIN
  at::NoGradGuard no_grad;
  std::vector<at::Tensor> grads;
  for (int32_t i = 0; i < n; ++i)
    if (T(params[i]).grad().defined()) grads.push_back(T(params[i]).grad());
  if (grads.empty()) { *total_norm = 0; return 0; }
  std::vector<at::Tensor> norms;
  norms.reserve(grads.size());
  for (auto& g : grads) norms.push_back(at::norm(g.to(at::kFloat), 2));
  at::Tensor total = at::norm(at::stack(norms), 2);
  *total_norm = total.item<double>();
  double coef = max_norm / (*total_norm + 1e-6);
  if (coef < 1.0)
    for (auto& g : grads) g.mul_(coef);
  return 0;
  ARB_GUARD_END(-1)
}

}  // extern "C"
