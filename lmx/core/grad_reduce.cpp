// vjp and jvp rules of reductions, scans, softmax and sorting.
#include <numeric>

#include "lmx/core/ops_common.h"

namespace lmx {

const char* Reduce::name() const {
  switch (type_) {
    case ReduceType::And:
      return "All";
    case ReduceType::Or:
      return "Any";
    case ReduceType::Sum:
      return "Sum";
    case ReduceType::Prod:
      return "Prod";
    case ReduceType::Min:
      return "Min";
    case ReduceType::Max:
      return "Max";
  }
  return "Reduce";
}

bool Reduce::is_equivalent(const Primitive& o) const {
  auto& p = static_cast<const Reduce&>(o);
  return type_ == p.type_ && axes_ == p.axes_;
}

namespace {

// The product of every element of each reduced group except the one at each
// position; correct when some elements are zero (no division).
array product_of_others(const array& x, const std::vector<int>& axes, Stream s) {
  std::vector<int> perm;
  Shape kept;
  for (int i = 0; i < x.ndim(); ++i) {
    if (std::find(axes.begin(), axes.end(), i) == axes.end()) {
      perm.push_back(i);
      kept.push_back(x.shape(i));
    }
  }
  int64_t r = 1;
  for (int ax : axes) {
    perm.push_back(ax);
    r *= x.shape(ax);
  }
  Shape folded = kept;
  folded.push_back(static_cast<int>(r));
  auto xt = transpose(x, perm, s);
  Shape transposed_shape = xt.shape();
  auto f = reshape(xt, folded, s);
  int last = f.ndim() - 1;
  auto left = cumprod(f, last, false, false, s);
  auto right = cumprod(f, last, true, false, s);
  auto others = reshape(multiply(left, right, s), transposed_shape, s);
  std::vector<int> inv(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inv[perm[i]] = static_cast<int>(i);
  return transpose(others, inv, s);
}

// Where x attains the reduced extreme, divided among ties.
array extreme_mask(const array& x, const array& out, const std::vector<int>& axes, Stream s) {
  auto mask = astype(equal(x, out, s), x.dtype(), s);
  return divide(mask, sum(mask, axes, true, s), s);
}

}  // namespace

std::vector<array> Reduce::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents, const std::vector<int>&,
                               const std::vector<array>& outputs) {
  auto s = stream();
  const array& x = primals[0];
  const array& g = cotangents[0];
  switch (type_) {
    case ReduceType::Sum:
      return {broadcast_to(g, x.shape(), s)};
    case ReduceType::Prod:
      return {multiply(g, product_of_others(x, axes_, s), s)};
    case ReduceType::Max:
    case ReduceType::Min:
      return {multiply(g, extreme_mask(x, outputs[0], axes_, s), s)};
    default:
      return {zeros_like(x, s)};
  }
}

std::vector<array> Reduce::jvp(const std::vector<array>& primals,
                               const std::vector<array>& tangents, const std::vector<int>&) {
  auto s = stream();
  const array& x = primals[0];
  const array& t = tangents[0];
  switch (type_) {
    case ReduceType::Sum:
      return {sum(t, axes_, true, s)};
    case ReduceType::Prod:
      return {sum(multiply(t, product_of_others(x, axes_, s), s), axes_, true, s)};
    case ReduceType::Max:
    case ReduceType::Min: {
      auto out = type_ == ReduceType::Max ? max(x, axes_, true, s) : min(x, axes_, true, s);
      return {sum(multiply(t, extreme_mask(x, out, axes_, s), s), axes_, true, s)};
    }
    default: {
      Shape shape = x.shape();
      for (int ax : axes_) shape[ax] = 1;
      return {zeros(shape, bool_, s)};
    }
  }
}

std::vector<array> ArgReduce::vjp(const std::vector<array>& primals, const std::vector<array>&,
                                  const std::vector<int>&, const std::vector<array>&) {
  return {zeros_like(primals[0], stream())};
}
std::vector<array> ArgReduce::jvp(const std::vector<array>& primals, const std::vector<array>&,
                                  const std::vector<int>&) {
  Shape shape = primals[0].shape();
  shape[axis_] = 1;
  return {zeros(shape, uint32, stream())};
}
bool ArgReduce::is_equivalent(const Primitive& o) const {
  auto& p = static_cast<const ArgReduce&>(o);
  return type_ == p.type_ && axis_ == p.axis_;
}

namespace {
// Moves the entries of `a` one place along `axis` (towards higher indices when
// `up`), filling the vacated place with zero. An exclusive scan is the
// inclusive one shifted this way, which gives its vjp and jvp.
array shift(const array& a, int axis, bool up, Stream s) {
  int n = a.shape(axis);
  Shape start(a.ndim(), 0), stop = a.shape();
  Shape zshape = a.shape();
  zshape[axis] = 1;
  auto z = zeros(zshape, a.dtype(), s);
  if (n <= 1) return zeros_like(a, s);
  if (up) {
    stop[axis] = n - 1;
    return concatenate({z, slice(a, start, stop, s)}, axis, s);
  }
  start[axis] = 1;
  return concatenate({slice(a, start, stop, s), z}, axis, s);
}

// For an inclusive cummax/cummin, the index along `axis` of the element each
// output came from (the latest one reaching the running extreme).
array scan_source_index(const array& x, const array& y, int axis, bool reverse, Stream s) {
  int n = x.shape(axis);
  Shape bshape(x.ndim(), 1);
  bshape[axis] = n;
  auto pos = reshape(arange(0, n, 1, s), bshape, s);
  auto hit = equal(x, y, s);
  if (!reverse) return cummax(where(hit, pos, array(0), s), axis, false, true, s);
  return cummin(where(hit, pos, array(n - 1), s), axis, true, true, s);
}
}  // namespace

std::vector<array> Scan::vjp(const std::vector<array>& primals,
                             const std::vector<array>& cotangents, const std::vector<int>&,
                             const std::vector<array>& outputs) {
  auto s = stream();
  const array& x = primals[0];
  const array& g_in = cotangents[0];
  if (type_ == Sum) return {cumsum(g_in, axis_, !reverse_, inclusive_, s)};
  // Other exclusive scans: the inclusive rule with the cotangent shifted back.
  array g = inclusive_ ? g_in : shift(g_in, axis_, reverse_, s);
  array y = inclusive_ ? outputs[0]
                       : array(x.shape(), x.dtype(),
                               std::make_shared<Scan>(s, type_, axis_, reverse_, true), {x});
  if (type_ == Prod) {
    // d y_i / d x_j = y_i / x_j for i >= j (inputs equal to zero are not
    // supported by this rule; see the core issue's notes).
    return {divide(cumsum(multiply(g, y, s), axis_, !reverse_, true, s), x, s)};
  }
  auto idx = scan_source_index(x, y, axis_, reverse_, s);
  return {scatter_add_axis(zeros_like(x, s), idx, g, axis_, s)};
}

std::vector<array> Scan::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                             const std::vector<int>&) {
  auto s = stream();
  const array& x = primals[0];
  const array& t = tangents[0];
  if (type_ == Sum) return {cumsum(t, axis_, reverse_, inclusive_, s)};
  array y(x.shape(), x.dtype(), std::make_shared<Scan>(s, type_, axis_, reverse_, true), {x});
  array inclusive_tangent =
      type_ == Prod ? multiply(y, cumsum(divide(t, x, s), axis_, reverse_, true, s), s)
                    : take_along_axis(t, scan_source_index(x, y, axis_, reverse_, s), axis_, s);
  // An exclusive scan's tangent is the inclusive one shifted forward.
  return {inclusive_ ? inclusive_tangent : shift(inclusive_tangent, axis_, !reverse_, s)};
}
bool Scan::is_equivalent(const Primitive& o) const {
  auto& p = static_cast<const Scan&>(o);
  return type_ == p.type_ && axis_ == p.axis_ && reverse_ == p.reverse_ &&
         inclusive_ == p.inclusive_;
}

std::vector<array> Softmax::vjp(const std::vector<array>&, const std::vector<array>& cotangents,
                                const std::vector<int>&, const std::vector<array>& outputs) {
  auto s = stream();
  const array& y = outputs[0];
  const array& g = cotangents[0];
  return {multiply(y, subtract(g, sum(multiply(g, y, s), -1, true, s), s), s)};
}
std::vector<array> Softmax::jvp(const std::vector<array>& primals,
                                const std::vector<array>& tangents, const std::vector<int>&) {
  auto s = stream();
  auto y = softmax(primals[0], -1, precise_, s);
  const array& t = tangents[0];
  return {multiply(y, subtract(t, sum(multiply(t, y, s), -1, true, s), s), s)};
}
bool Softmax::is_equivalent(const Primitive& o) const {
  return precise_ == static_cast<const Softmax&>(o).precise_;
}

std::vector<array> LogSumExp::vjp(const std::vector<array>& primals,
                                  const std::vector<array>& cotangents, const std::vector<int>&,
                                  const std::vector<array>& outputs) {
  auto s = stream();
  return {multiply(cotangents[0], exp(subtract(primals[0], outputs[0], s), s), s)};
}
std::vector<array> LogSumExp::jvp(const std::vector<array>& primals,
                                  const std::vector<array>& tangents, const std::vector<int>&) {
  auto s = stream();
  auto p = softmax(primals[0], -1, false, s);
  return {sum(multiply(tangents[0], p, s), -1, true, s)};
}

std::vector<array> ArgSort::vjp(const std::vector<array>& primals, const std::vector<array>&,
                                const std::vector<int>&, const std::vector<array>&) {
  return {zeros_like(primals[0], stream())};
}
std::vector<array> ArgSort::jvp(const std::vector<array>& primals, const std::vector<array>&,
                                const std::vector<int>&) {
  return {zeros(primals[0].shape(), uint32, stream())};
}
bool ArgSort::is_equivalent(const Primitive& o) const {
  return axis_ == static_cast<const ArgSort&>(o).axis_;
}

}  // namespace lmx
