// Shape, indexing and reductions.
#include "shim_common.h"

using namespace arb;

namespace {
int32_t write_pieces(const std::vector<at::Tensor>& pieces, arb_tensor* out, int32_t cap) {
  int32_t n = static_cast<int32_t>(pieces.size());
  if (n > cap) throw std::invalid_argument("split produced " + std::to_string(n) + " pieces, room for " + std::to_string(cap));
  for (int32_t i = 0; i < n; ++i) out[i] = wrap(pieces[i]);
  return n;
}
}  // namespace

extern "C" {

arb_tensor arb_reshape(arb_tensor a, const int64_t* shape, int32_t ndim, int32_t view) {
  ARB_RET_TENSOR(view ? T(a).view(dims(shape, ndim)) : T(a).reshape(dims(shape, ndim)))
}
arb_tensor arb_permute(arb_tensor a, const int64_t* d, int32_t n) { ARB_RET_TENSOR(T(a).permute(dims(d, n))) }
arb_tensor arb_transpose(arb_tensor a, int64_t d0, int64_t d1) { ARB_RET_TENSOR(T(a).transpose(d0, d1)) }
arb_tensor arb_expand(arb_tensor a, const int64_t* s, int32_t n) { ARB_RET_TENSOR(T(a).expand(dims(s, n))) }
arb_tensor arb_repeat(arb_tensor a, const int64_t* r, int32_t n) { ARB_RET_TENSOR(T(a).repeat(dims(r, n))) }
arb_tensor arb_squeeze(arb_tensor a, int64_t dim) { ARB_RET_TENSOR(T(a).squeeze(dim)) }
arb_tensor arb_unsqueeze(arb_tensor a, int64_t dim) { ARB_RET_TENSOR(T(a).unsqueeze(dim)) }
arb_tensor arb_flatten(arb_tensor a, int64_t s, int64_t e) { ARB_RET_TENSOR(T(a).flatten(s, e)) }

arb_tensor arb_cat(const arb_tensor* ts, int32_t n, int64_t dim, int32_t stack) {
  ARB_GUARD_BEGIN
  std::vector<at::Tensor> v;
  v.reserve(static_cast<size_t>(n));
  for (int32_t i = 0; i < n; ++i) v.push_back(T(ts[i]));
  return wrap(stack ? at::stack(v, dim) : at::cat(v, dim));
  ARB_GUARD_END(nullptr)
}

int32_t arb_chunk(arb_tensor a, int64_t chunks, int64_t dim, arb_tensor* out, int32_t cap) {
  ARB_GUARD_BEGIN return write_pieces(T(a).chunk(chunks, dim), out, cap); ARB_GUARD_END(-1)
}
int32_t arb_split(arb_tensor a, int64_t size, int64_t dim, arb_tensor* out, int32_t cap) {
  ARB_GUARD_BEGIN return write_pieces(T(a).split(size, dim), out, cap); ARB_GUARD_END(-1)
}
arb_tensor arb_narrow(arb_tensor a, int64_t dim, int64_t start, int64_t len) { ARB_RET_TENSOR(T(a).narrow(dim, start, len)) }
arb_tensor arb_select(arb_tensor a, int64_t dim, int64_t index) { ARB_RET_TENSOR(T(a).select(dim, index)) }
arb_tensor arb_index_select(arb_tensor a, int64_t dim, arb_tensor idx) { ARB_RET_TENSOR(at::index_select(T(a), dim, T(idx))) }
arb_tensor arb_gather(arb_tensor a, int64_t dim, arb_tensor idx) { ARB_RET_TENSOR(at::gather(T(a), dim, T(idx))) }
arb_tensor arb_flip(arb_tensor a, const int64_t* d, int32_t n) { ARB_RET_TENSOR(at::flip(T(a), dims(d, n))) }

arb_tensor arb_reduce(int32_t op, arb_tensor a, const int64_t* d, int32_t n, int32_t keepdim, int32_t unbiased) {
  ARB_GUARD_BEGIN
  auto& x = T(a);
  bool kd = keepdim != 0;
  bool all = n == 0;
  std::vector<int64_t> everything;
  if (all) for (int64_t i = 0; i < x.dim(); ++i) everything.push_back(i);
  at::IntArrayRef ds = all ? at::IntArrayRef(everything) : dims(d, n);
  auto single = [&](const char* what) -> int64_t {
    if (all) throw std::invalid_argument(std::string(what) + " over all dims: flatten first");
    if (n != 1) throw std::invalid_argument(std::string(what) + " takes exactly one dim");
    return d[0];
  };
  switch (op) {
    case 0: return wrap(all && !kd ? x.sum() : at::sum(x, ds, kd));
    case 1: return wrap(all && !kd ? x.mean() : at::mean(x, ds, kd));
    case 2: return wrap(at::var(x, ds, unbiased != 0, kd));
    case 3: return wrap(at::std(x, ds, unbiased != 0, kd));
    case 4: return wrap(at::amax(x, ds, kd));
    case 5: return wrap(at::amin(x, ds, kd));
    case 6: return wrap(all ? at::argmax(x) : at::argmax(x, single("argmax"), kd));
    case 7: return wrap(all ? at::argmin(x) : at::argmin(x, single("argmin"), kd));
    case 8: return wrap(all ? x.prod() : at::prod(x, single("prod"), kd));
    case 9: return wrap(at::logsumexp(x, ds, kd));
    case 10: return wrap(all ? x.any() : at::any(x, single("any"), kd));
    case 11: return wrap(all ? x.all() : at::all(x, single("all"), kd));
    case 12: return wrap(at::norm(x, 2, ds, kd));
    default: throw std::invalid_argument("unknown reduction op code " + std::to_string(op));
  }
  ARB_GUARD_END(nullptr)
}

}  // extern "C"
