// Internals shared by the shim's translation units: the error slot, handle ownership, op codes.
#pragma once
#include <ATen/ATen.h>
#include <torch/version.h>
#include <atomic>
#include <string>
#include <vector>
#include "arbor_shim.h"

namespace arb {

// Live handle count: the single source of truth the tests use to prove nothing leaks.
extern std::atomic<int64_t> g_live;

void set_error(const char* msg);
void set_error_from(const std::exception& e);

inline at::Tensor& T(arb_tensor h) {
  if (!h) throw std::invalid_argument("null tensor handle");
  return *static_cast<at::Tensor*>(h);
}
inline c10::optional<at::Tensor> opt(arb_tensor h) {
  if (!h) return c10::nullopt;
  return *static_cast<at::Tensor*>(h);
}
inline arb_tensor wrap(at::Tensor t) {
  auto* p = new at::Tensor(std::move(t));
  g_live.fetch_add(1, std::memory_order_relaxed);
  return p;
}
inline at::IntArrayRef dims(const int64_t* p, int32_t n) { return at::IntArrayRef(p, static_cast<size_t>(n)); }
inline at::Device device(int32_t type, int32_t index) {
  return at::Device(static_cast<c10::DeviceType>(type), static_cast<c10::DeviceIndex>(index));
}
inline at::TensorOptions options(int32_t dtype, int32_t dev_type, int32_t dev_index) {
  return at::TensorOptions().dtype(static_cast<at::ScalarType>(dtype)).device(device(dev_type, dev_index));
}
int32_t copy_string(const std::string& s, char* buf, int32_t cap);

// Op codes, mirrored one to one by the C# enums UnaryOp and BinaryOp.
enum Unary : int32_t {
  kNeg = 0, kAbs, kExp, kLog, kSqrt, kRsqrt, kSin, kCos, kTanh, kSigmoid, kRelu, kSilu,
  kSquare, kSign, kFloor, kCeil, kRound, kErf, kLog1p, kExpm1, kReciprocal, kIsNan, kIsFinite,
  kLogicalNot, kSoftplus, kZero
};
enum Binary : int32_t {
  kAdd = 0, kSub, kMul, kDiv, kPow, kMaximum, kMinimum, kEq, kNe, kLt, kLe, kGt, kGe,
  kLogicalAnd, kLogicalOr, kAtan2, kRemainder
};

}  // namespace arb

// Every exported function body goes through one of these, so no exception can escape.
#define ARB_GUARD_BEGIN try {
#define ARB_GUARD_END(fail)                                      \
  }                                                              \
  catch (const c10::Error& e) {                                  \
    arb::set_error(e.what_without_backtrace());                  \
  }                                                              \
  catch (const std::exception& e) {                              \
    arb::set_error_from(e);                                      \
  }                                                              \
  catch (...) {                                                  \
    arb::set_error("unknown C++ exception");                     \
  }                                                              \
  return fail;

#define ARB_RET_TENSOR(expr) ARB_GUARD_BEGIN return arb::wrap(expr); ARB_GUARD_END(nullptr)
#define ARB_RET_OK(stmts) ARB_GUARD_BEGIN stmts; return 0; ARB_GUARD_END(-1)
