// Elementwise operations: unary and binary op tables, in place and out of place.
#include "shim_common.h"

using namespace arb;

namespace {

at::Tensor unary(int32_t op, const at::Tensor& a) {
  switch (op) {
    case kNeg: return at::neg(a);
    case kAbs: return at::abs(a);
    case kExp: return at::exp(a);
    case kLog: return at::log(a);
    case kSqrt: return at::sqrt(a);
    case kRsqrt: return at::rsqrt(a);
    case kSin: return at::sin(a);
    case kCos: return at::cos(a);
    case kTanh: return at::tanh(a);
    case kSigmoid: return at::sigmoid(a);
    case kRelu: return at::relu(a);
    case kSilu: return at::silu(a);
    case kSquare: return at::square(a);
    case kSign: return at::sign(a);
    case kFloor: return at::floor(a);
    case kCeil: return at::ceil(a);
    case kRound: return at::round(a);
    case kErf: return at::erf(a);
    case kLog1p: return at::log1p(a);
    case kExpm1: return at::expm1(a);
    case kReciprocal: return at::reciprocal(a);
    case kIsNan: return at::isnan(a);
    case kIsFinite: return at::isfinite(a);
    case kLogicalNot: return at::logical_not(a);
    case kSoftplus: return at::softplus(a);
    case kZero: return at::zeros_like(a);
    default: throw std::invalid_argument("unknown unary op code " + std::to_string(op));
  }
}

void unary_(int32_t op, at::Tensor& a) {
  switch (op) {
    case kNeg: a.neg_(); return;
    case kAbs: a.abs_(); return;
    case kExp: a.exp_(); return;
    case kLog: a.log_(); return;
    case kSqrt: a.sqrt_(); return;
    case kRsqrt: a.rsqrt_(); return;
    case kSin: a.sin_(); return;
    case kCos: a.cos_(); return;
    case kTanh: a.tanh_(); return;
    case kSigmoid: a.sigmoid_(); return;
    case kRelu: a.relu_(); return;
    case kSquare: a.square_(); return;
    case kSign: a.sign_(); return;
    case kFloor: a.floor_(); return;
    case kCeil: a.ceil_(); return;
    case kRound: a.round_(); return;
    case kErf: a.erf_(); return;
    case kReciprocal: a.reciprocal_(); return;
    case kZero: a.zero_(); return;
    default: a.copy_(unary(op, a));
  }
}

at::Tensor binary(int32_t op, const at::Tensor& a, const at::Tensor& b, double alpha) {
  switch (op) {
    case kAdd: return at::add(a, b, alpha);
    case kSub: return at::sub(a, b, alpha);
    case kMul: return at::mul(a, b);
    case kDiv: return at::div(a, b);
    case kPow: return at::pow(a, b);
    case kMaximum: return at::maximum(a, b);
    case kMinimum: return at::minimum(a, b);
    case kEq: return at::eq(a, b);
    case kNe: return at::ne(a, b);
    case kLt: return at::lt(a, b);
    case kLe: return at::le(a, b);
    case kGt: return at::gt(a, b);
    case kGe: return at::ge(a, b);
    case kLogicalAnd: return at::logical_and(a, b);
    case kLogicalOr: return at::logical_or(a, b);
    case kAtan2: return at::atan2(a, b);
    case kRemainder: return at::remainder(a, b);
    default: throw std::invalid_argument("unknown binary op code " + std::to_string(op));
  }
}

at::Tensor binary_scalar(int32_t op, const at::Tensor& a, const at::Scalar& b) {
  switch (op) {
    case kAdd: return at::add(a, b);
    case kSub: return at::sub(a, b);
    case kMul: return at::mul(a, b);
    case kDiv: return at::div(a, b);
    case kPow: return at::pow(a, b);
    case kEq: return at::eq(a, b);
    case kNe: return at::ne(a, b);
    case kLt: return at::lt(a, b);
    case kLe: return at::le(a, b);
    case kGt: return at::gt(a, b);
    case kGe: return at::ge(a, b);
    case kRemainder: return at::remainder(a, b);
    case kMaximum: return at::clamp_min(a, b);
    case kMinimum: return at::clamp_max(a, b);
    default: return binary(op, a, at::scalar_tensor(b, a.options().requires_grad(false)), 1.0);
  }
}

void binary_(int32_t op, at::Tensor& a, const at::Tensor& b, double alpha) {
  switch (op) {
    case kAdd: a.add_(b, alpha); return;
    case kSub: a.sub_(b, alpha); return;
    case kMul: a.mul_(b); return;
    case kDiv: a.div_(b); return;
    case kPow: a.pow_(b); return;
    default: a.copy_(binary(op, a, b, alpha));
  }
}

// A scalar keeps integer type for integer tensors so that e.g. `long + 1` stays long.
at::Scalar scalar_for(const at::Tensor& a, double v) {
  if (at::isIntegralType(a.scalar_type(), /*includeBool=*/false) && v == static_cast<double>(static_cast<int64_t>(v)))
    return at::Scalar(static_cast<int64_t>(v));
  return at::Scalar(v);
}

}  // namespace

extern "C" {

arb_tensor arb_unary(int32_t op, arb_tensor a) { ARB_RET_TENSOR(unary(op, T(a))) }
int32_t arb_unary_(int32_t op, arb_tensor a) { ARB_RET_OK(unary_(op, T(a))) }
arb_tensor arb_binary(int32_t op, arb_tensor a, arb_tensor b, double alpha) { ARB_RET_TENSOR(binary(op, T(a), T(b), alpha)) }
arb_tensor arb_binary_scalar(int32_t op, arb_tensor a, double b) { ARB_RET_TENSOR(binary_scalar(op, T(a), scalar_for(T(a), b))) }
arb_tensor arb_scalar_binary(int32_t op, double a, arb_tensor b) {
  ARB_GUARD_BEGIN
  auto& x = T(b);
  if (op == kSub) return wrap(at::rsub(x, scalar_for(x, a)));
  if (op == kAdd || op == kMul) return wrap(binary_scalar(op, x, scalar_for(x, a)));
  if (op == kPow) return wrap(at::pow(scalar_for(x, a), x));
  return wrap(binary(op, at::scalar_tensor(scalar_for(x, a), x.options().requires_grad(false)), x, 1.0));
  ARB_GUARD_END(nullptr)
}
int32_t arb_binary_(int32_t op, arb_tensor a, arb_tensor b, double alpha) { ARB_RET_OK(binary_(op, T(a), T(b), alpha)) }
int32_t arb_binary_scalar_(int32_t op, arb_tensor a, double b) {
  ARB_GUARD_BEGIN
  auto& x = T(a);
  auto s = scalar_for(x, b);
  switch (op) {
    case kAdd: x.add_(s); break;
    case kSub: x.sub_(s); break;
    case kMul: x.mul_(s); break;
    case kDiv: x.div_(s); break;
    case kPow: x.pow_(s); break;
    default: x.copy_(binary_scalar(op, x, s));
  }
  return 0;
  ARB_GUARD_END(-1)
}

arb_tensor arb_clamp(arb_tensor a, double lo, double hi, int32_t has_lo, int32_t has_hi) {
  ARB_RET_TENSOR(at::clamp(T(a), has_lo ? c10::optional<at::Scalar>(lo) : c10::nullopt,
                           has_hi ? c10::optional<at::Scalar>(hi) : c10::nullopt))
}
arb_tensor arb_where(arb_tensor c, arb_tensor a, arb_tensor b) { ARB_RET_TENSOR(at::where(T(c), T(a), T(b))) }
arb_tensor arb_masked_fill(arb_tensor a, arb_tensor m, double v) { ARB_RET_TENSOR(at::masked_fill(T(a), T(m), v)) }
arb_tensor arb_lerp(arb_tensor a, arb_tensor b, double w) { ARB_RET_TENSOR(at::lerp(T(a), T(b), w)) }
int32_t arb_lerp_(arb_tensor a, arb_tensor b, double w) { ARB_RET_OK(T(a).lerp_(T(b), w)) }
int32_t arb_copy_(arb_tensor dst, arb_tensor src) { ARB_RET_OK(T(dst).copy_(T(src))) }
int32_t arb_fill_(arb_tensor a, double v) { ARB_RET_OK(T(a).fill_(v)) }
arb_tensor arb_gelu(arb_tensor a, int32_t tanh_approx) { ARB_RET_TENSOR(at::gelu(T(a), tanh_approx ? "tanh" : "none")) }
arb_tensor arb_softmax(arb_tensor a, int64_t dim, int32_t log) {
  ARB_RET_TENSOR(log ? at::log_softmax(T(a), dim) : at::softmax(T(a), dim))
}
arb_tensor arb_dropout(arb_tensor a, double p, int32_t train) { ARB_RET_TENSOR(at::dropout(T(a), p, train != 0)) }
arb_tensor arb_isclose_all(arb_tensor a, arb_tensor b, double rtol, double atol) {
  ARB_RET_TENSOR(at::scalar_tensor(at::allclose(T(a), T(b), rtol, atol), at::kBool))
}

}  // extern "C"
