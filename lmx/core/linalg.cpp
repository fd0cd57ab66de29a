#include "lmx/core/linalg.h"

#include "lmx/core/ops_common.h"

namespace lmx::linalg {

std::vector<array> svd(const array& a, bool compute_uv, StreamOrDevice s) {
  if (a.ndim() < 2) {
    fail("linalg::svd", "Input array must have >= 2 dimensions. Received array with ", a.ndim(),
         " dimensions.");
  }
  if (a.dtype() != float32 && a.dtype() != float64) {
    fail("linalg::svd", "Arrays must have type float32 or float64. Received array with type ",
         a.dtype(), ".");
  }
  Shape batch(a.shape().begin(), a.shape().end() - 2);
  const int m = a.shape(-2), n = a.shape(-1);
  auto with = [&](std::initializer_list<int> tail) {
    Shape shape = batch;
    shape.insert(shape.end(), tail);
    return shape;
  };
  auto prim = std::make_shared<SVD>(to_stream(s), compute_uv);
  if (!compute_uv) {
    return array::make_arrays({with({std::min(m, n)})}, {a.dtype()}, prim, {a});
  }
  return array::make_arrays({with({m, m}), with({std::min(m, n)}), with({n, n})},
                            {a.dtype(), a.dtype(), a.dtype()}, prim, {a});
}

std::vector<array> svd(const array& a, StreamOrDevice s) {
  return svd(a, true, s);
}

}  // namespace lmx::linalg

namespace lmx {

bool SVD::is_equivalent(const Primitive& other) const {
  return compute_uv_ == static_cast<const SVD&>(other).compute_uv_;
}

// Each matrix is decomposed on its own: a batch axis in front is one more
// leading axis.
std::pair<std::vector<array>, std::vector<int>> SVD::vmap(const std::vector<array>& inputs,
                                                          const std::vector<int>& axes,
                                                          const std::vector<array>&) {
  auto x = axes[0] == 0 ? inputs[0] : moveaxis(inputs[0], axes[0], 0);
  auto outs = linalg::svd(x, compute_uv_, stream());
  return {outs, std::vector<int>(outs.size(), 0)};
}

}  // namespace lmx
