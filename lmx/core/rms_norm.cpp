// The fused RMS normalisation nodes and their rules. The first-order vjp of
// RmsNorm is RmsNormGrad; the jvp and every higher order differentiate the
// composed graph, as the attention nodes do.
#include "lmx/core/rms_norm.h"

#include "lmx/core/ops_common.h"
#include "lmx/core/transforms.h"

namespace lmx {

namespace {

void check(const array& x, const array& w, const std::optional<array>& dy) {
  if (x.dtype() != float32 || w.dtype() != float32 || (dy && dy->dtype() != float32)) {
    fail("rms_norm", "The fused kernel takes float32 inputs; got ", x.dtype(), " and ", w.dtype(),
         ".");
  }
  if (x.ndim() == 0 || w.ndim() != 1 || w.shape(0) != x.shape(-1)) {
    fail("rms_norm", "weight must have shape (", x.ndim() ? x.shape(-1) : 0,
         ") to match input with shape ", x.shape(), " but has shape ", w.shape(), ".");
  }
  if (dy && dy->shape() != x.shape()) {
    fail("rms_norm", "The cotangent must have shape ", x.shape(), " but has shape ", dy->shape(),
         ".");
  }
}

// {dx, dw} of the composed graph as a function of {x, w, dy}.
std::function<std::vector<array>(const std::vector<array>&)> composed_grad(float eps,
                                                                           const Stream& s) {
  return [=](const std::vector<array>& v) {
    auto f = [&](const std::vector<array>& xw) {
      return std::vector<array>{composed_rms_norm(xw[0], xw[1], eps, s)};
    };
    return lmx::vjp(f, {v[0], v[1]}, {v[2]}).second;
  };
}

}  // namespace

array composed_rms_norm(const array& x, const array& w, float eps, StreamOrDevice s) {
  auto ms = mean(square(x, s), -1, true, s);
  return multiply(multiply(x, rsqrt(add(ms, array(eps, ms.dtype()), s), s), s), w, s);
}

array fused_rms_norm(const array& x, const array& w, float eps, StreamOrDevice s) {
  check(x, w, std::nullopt);
  auto p = std::make_shared<RmsNorm>(to_stream(s), eps);
  return array::make_arrays({x.shape()}, {float32}, p, {x, w})[0];
}

std::vector<array> fused_rms_norm_grad(const array& x, const array& w, const array& dy, float eps,
                                       StreamOrDevice s) {
  check(x, w, dy);
  auto p = std::make_shared<RmsNormGrad>(to_stream(s), eps);
  return array::make_arrays({x.shape(), w.shape()}, {float32, float32}, p, {x, w, dy});
}

bool RmsNormBase::is_equivalent(const Primitive& o) const {
  return eps_ == static_cast<const RmsNormBase&>(o).eps_;
}

std::vector<Shape> RmsNorm::output_shapes(const std::vector<array>& inputs) {
  return {inputs[0].shape()};
}
std::vector<Shape> RmsNormGrad::output_shapes(const std::vector<array>& inputs) {
  return {inputs[0].shape(), inputs[1].shape()};
}

std::vector<array> RmsNorm::vjp(const std::vector<array>& primals,
                                const std::vector<array>& cotangents,
                                const std::vector<int>& argnums, const std::vector<array>&) {
  return at_argnums(fused_rms_norm_grad(primals[0], primals[1],
                                        astype(cotangents[0], float32, stream()), eps_, stream()),
                    argnums);
}

std::vector<array> RmsNorm::jvp(const std::vector<array>& primals,
                                const std::vector<array>& tangents,
                                const std::vector<int>& argnums) {
  auto s = stream();
  auto f = [&](const std::vector<array>& v) {
    return std::vector<array>{composed_rms_norm(v[0], v[1], eps_, s)};
  };
  return lmx::jvp(f, primals, tangents_for_all(primals, tangents, argnums, s)).second;
}

std::vector<array> RmsNormGrad::vjp(const std::vector<array>& primals,
                                    const std::vector<array>& cotangents,
                                    const std::vector<int>& argnums, const std::vector<array>&) {
  auto s = stream();
  std::vector<array> cts;
  for (auto& c : cotangents) cts.push_back(astype(c, float32, s));
  return at_argnums(lmx::vjp(composed_grad(eps_, s), primals, cts).second, argnums);
}

std::vector<array> RmsNormGrad::jvp(const std::vector<array>& primals,
                                    const std::vector<array>& tangents,
                                    const std::vector<int>& argnums) {
  auto s = stream();
  return lmx::jvp(composed_grad(eps_, s), primals, tangents_for_all(primals, tangents, argnums, s))
      .second;
}

}  // namespace lmx
