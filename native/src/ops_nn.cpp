// Linear algebra and neural-network primitives.
#include "shim_common.h"

using namespace arb;

namespace {

// Composite attention: the reference for libtorch < 2.0, and the fallback for inputs the fused
// kernel rejects. Mask: bool (true = attend) or additive float. With bf16 products, QK^T and AV
// take bf16 operands and return float32, so the scores, mask and softmax stay float32.
at::Tensor sdpa_composite(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                          const c10::optional<at::Tensor>& mask, double dropout_p, bool causal, bool bf16_products) {
  double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  auto product = [&](const at::Tensor& a, const at::Tensor& b) {
    if (!bf16_products) return at::matmul(a, b);
    return at::matmul(a.to(at::kBFloat16), b.to(at::kBFloat16)).to(a.scalar_type());
  };
  at::Tensor scores = product(q, k.transpose(-2, -1)) * scale;
  if (causal) {
    auto L = q.size(-2), S = k.size(-2);
    auto keep = at::ones({L, S}, q.options().dtype(at::kBool)).tril();
    scores = scores.masked_fill(keep.logical_not(), -std::numeric_limits<double>::infinity());
  }
  if (mask && mask->defined()) {
    if (mask->scalar_type() == at::kBool)
      scores = scores.masked_fill(mask->logical_not(), -std::numeric_limits<double>::infinity());
    else
      scores = scores + *mask;
  }
  at::Tensor attn = at::softmax(scores, -1);
  if (dropout_p > 0) attn = at::dropout(attn, dropout_p, true);
  return product(attn, v);
}

}  // namespace

extern "C" {

arb_tensor arb_matmul(arb_tensor a, arb_tensor b) { ARB_RET_TENSOR(at::matmul(T(a), T(b))) }
arb_tensor arb_bmm(arb_tensor a, arb_tensor b) { ARB_RET_TENSOR(at::bmm(T(a), T(b))) }
arb_tensor arb_linear(arb_tensor x, arb_tensor w, arb_tensor b) { ARB_RET_TENSOR(at::linear(T(x), T(w), opt(b))) }

arb_tensor arb_conv2d(arb_tensor x, arb_tensor w, arb_tensor b, const int64_t* stride, const int64_t* padding,
                      const int64_t* dilation, int64_t groups) {
  ARB_RET_TENSOR(at::conv2d(T(x), T(w), opt(b), dims(stride, 2), dims(padding, 2), dims(dilation, 2), groups))
}

arb_tensor arb_conv_transpose2d(arb_tensor x, arb_tensor w, arb_tensor b, const int64_t* stride, const int64_t* padding,
                                const int64_t* output_padding, const int64_t* dilation, int64_t groups) {
  ARB_RET_TENSOR(at::conv_transpose2d(T(x), T(w), opt(b), dims(stride, 2), dims(padding, 2), dims(output_padding, 2),
                                      groups, dims(dilation, 2)))
}

arb_tensor arb_layer_norm(arb_tensor x, const int64_t* shape, int32_t ndim, arb_tensor w, arb_tensor b, double eps) {
  ARB_RET_TENSOR(at::layer_norm(T(x), dims(shape, ndim), opt(w), opt(b), eps, true))
}
arb_tensor arb_group_norm(arb_tensor x, int64_t groups, arb_tensor w, arb_tensor b, double eps) {
  ARB_RET_TENSOR(at::group_norm(T(x), groups, opt(w), opt(b), eps, true))
}
arb_tensor arb_embedding(arb_tensor weight, arb_tensor indices) { ARB_RET_TENSOR(at::embedding(T(weight), T(indices))) }

arb_tensor arb_sdpa(arb_tensor q, arb_tensor k, arb_tensor v, arb_tensor mask, double dropout_p, int32_t causal,
                    int32_t force_composite, int32_t bf16_products) {
  ARB_GUARD_BEGIN
#if TORCH_VERSION_MAJOR >= 2
  if (!force_composite && !bf16_products)
    return wrap(at::scaled_dot_product_attention(T(q), T(k), T(v), opt(mask), dropout_p, causal != 0));
#endif
  (void)force_composite;
  return wrap(sdpa_composite(T(q), T(k), T(v), opt(mask), dropout_p, causal != 0, bf16_products != 0));
  ARB_GUARD_END(nullptr)
}
int32_t arb_sdpa_is_fused(void) { return TORCH_VERSION_MAJOR >= 2 ? 1 : 0; }

}  // extern "C"
