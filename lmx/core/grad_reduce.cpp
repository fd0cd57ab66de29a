// vjp and jvp rules of reductions, scans, softmax and sorting.
#include <numeric>

#include "lmx/core/extreme_grad.h"
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
    case ReduceType::Min: {
      // MLX's rule, g / count where x attains the extreme and g / count * 0
      // elsewhere (so a NaN or infinite cotangent spreads as MLX's product
      // with the mask does), with every full-size pass on the boolean mask:
      // one comparison, one count and one select, instead of a float mask,
      // its count, a quotient and a product of x's size (max pooling's
      // gradient, 4-6 ms of the MNIST CNN's 15 ms step).
      if ((x.dtype() == float32 || x.dtype() == float64) && g.dtype() == x.dtype() &&
          g.shape() == outputs[0].shape()) {
        return {extreme_grad(x, outputs[0], g, axes_, s)};
      }
      auto mask = equal(x, outputs[0], s);
      auto share = divide(g, sum(mask, axes_, true, s), s);
      return {where(mask, share, multiply(share, zeros_like(share, s), s), s)};
    }
    default:
      return {zeros_like(x, s)};
  }
}

array extreme_grad(const array& x, const array& out, const array& g, const std::vector<int>& axes,
                   StreamOrDevice s) {
  Shape kept = x.shape();
  for (size_t i = 0; i < axes.size(); ++i) {
    if (axes[i] < 0 || axes[i] >= x.ndim() || (i > 0 && axes[i] <= axes[i - 1])) {
      fail("extreme_grad", "The axes must be sorted, distinct and within the ", x.ndim(),
           " dimensions of x; got ", to_string(Shape(axes.begin(), axes.end())), ".");
    }
    kept[axes[i]] = 1;
  }
  if ((x.dtype() != float32 && x.dtype() != float64) || out.dtype() != x.dtype() ||
      g.dtype() != x.dtype() || out.shape() != kept || g.shape() != kept) {
    fail("extreme_grad", "Expected a float32 or float64 x with out and g of its dtype and shape ",
         kept, "; got x ", x.dtype(), " ", x.shape(), ", out ", out.dtype(), " ", out.shape(),
         " and g ", g.dtype(), " ", g.shape(), ".");
  }
  return make_node<ExtremeGrad>(x.shape(), x.dtype(), {x, out, g}, to_stream(s), axes);
}

bool ExtremeGrad::is_equivalent(const Primitive& o) const {
  return axes_ == static_cast<const ExtremeGrad&>(o).axes_;
}

std::vector<Shape> ExtremeGrad::output_shapes(const std::vector<array>& inputs) {
  return {inputs[0].shape()};
}

// dx is piecewise constant in x and out, and linear in g: g / count at the
// window's extremes. Its transpose sums the cotangent over them and divides
// by the count.
std::vector<array> ExtremeGrad::vjp(const std::vector<array>& primals,
                                    const std::vector<array>& cotangents,
                                    const std::vector<int>& argnums, const std::vector<array>&) {
  auto s = stream();
  std::vector<array> out;
  for (int a : argnums) {
    if (a != 2) {
      out.push_back(zeros_like(primals[a], s));
      continue;
    }
    const array& ct = cotangents[0];
    auto mask = equal(primals[0], primals[1], s);
    auto picked = sum(multiply(ct, astype(mask, ct.dtype(), s), s), axes_, true, s);
    out.push_back(divide(picked, astype(sum(mask, axes_, true, s), ct.dtype(), s), s));
  }
  return out;
}

std::vector<array> ExtremeGrad::jvp(const std::vector<array>& primals,
                                    const std::vector<array>& tangents,
                                    const std::vector<int>& argnums) {
  for (size_t i = 0; i < argnums.size(); ++i) {
    if (argnums[i] == 2) {
      return {extreme_grad(primals[0], primals[1],
                           astype(tangents[i], primals[0].dtype(), stream()), axes_, stream())};
    }
  }
  return {zeros_like(primals[0], stream())};
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

// Where the first zero of x lies along a scan: masks used by the exact
// cumprod rules below.
struct ZeroSplit {
  array before;   // 1 before the first zero (in scan order), else 0
  array first;    // 1 at the first zero
  array reached;  // 1 at or after the first zero
  array safe_x;   // x with zeros replaced by 1
  array prefix;   // exclusive cumprod of safe_x: prod_{k<j} x_k before the first zero
  array after;    // prod_{z<k<=i} x_k for i >= z (1 up to the first zero z)
};

ZeroSplit split_at_first_zero(const array& x, int axis, bool reverse, Stream s) {
  auto one = array(1, x.dtype());
  auto is_zero = equal(x, array(0, x.dtype()), s);
  auto zeros_so_far = cumsum(astype(is_zero, int32, s), axis, reverse, true, s);
  auto before = astype(equal(zeros_so_far, array(0), s), x.dtype(), s);
  auto first = astype(logical_and(is_zero, equal(zeros_so_far, array(1), s), s), x.dtype(), s);
  auto safe_x = where(is_zero, one, x, s);
  auto past_first = logical_and(greater(zeros_so_far, array(0), s), not_equal(first, one, s), s);
  return {before,
          first,
          subtract(one, before, s),
          safe_x,
          cumprod(safe_x, axis, reverse, false, s),
          cumprod(where(past_first, x, one, s), axis, reverse, true, s)};
}

// The vjp of an inclusive cumprod y of x, exact when x has zeros. Before the
// first zero z (in scan order), d y_i / d x_j = y_i / x_j; after it every
// gradient is zero; at z it is prod_{k<z} x_k * sum_{i>=z} g_i prod_{z<k<=i} x_k.
array cumprod_vjp(const array& x, const array& y, const array& g, int axis, bool reverse,
                  Stream s) {
  auto z = split_at_first_zero(x, axis, reverse, s);
  auto rev_sum = [&](const array& v) { return cumsum(v, axis, !reverse, true, s); };
  auto before_part =
      multiply(z.before, divide(rev_sum(multiply(multiply(g, z.before, s), y, s)), z.safe_x, s), s);
  auto at_zero = multiply(
      z.first, multiply(z.prefix, rev_sum(multiply(multiply(g, z.after, s), z.reached, s)), s), s);
  return add(before_part, at_zero, s);
}

// The jvp of an inclusive cumprod: before the first zero, y_i sum_{j<=i} t_j / x_j;
// from it on, only the zero's own tangent moves the output.
array cumprod_jvp(const array& x, const array& y, const array& t, int axis, bool reverse,
                  Stream s) {
  auto z = split_at_first_zero(x, axis, reverse, s);
  auto before_part =
      multiply(z.before, multiply(y, cumsum(divide(t, z.safe_x, s), axis, reverse, true, s), s), s);
  auto zero_tangent =
      cumsum(multiply(z.first, multiply(t, z.prefix, s), s), axis, reverse, true, s);
  return add(before_part, multiply(z.reached, multiply(zero_tangent, z.after, s), s), s);
}

// Sums of the form sum_{j >= i} g_j exp(x_i - y_j) (the vjp of an inclusive
// logcumsumexp y of x; j <= i for the jvp): the positive and negative parts
// of g go through logcumsumexp separately, so nothing overflows.
array logcumsumexp_vjp(const array& x, const array& y, const array& g, int axis, bool reverse,
                       Stream s) {
  auto part = [&](const array& gp) {
    auto l = logcumsumexp(subtract(log(gp, s), y, s), axis, !reverse, true, s);
    return exp(add(x, l, s), s);
  };
  auto zero = array(0, g.dtype());
  return subtract(part(maximum(g, zero, s)), part(maximum(negative(g, s), zero, s)), s);
}
array logcumsumexp_jvp(const array& x, const array& y, const array& t, int axis, bool reverse,
                       Stream s) {
  auto part = [&](const array& tp) {
    auto l = logcumsumexp(add(log(tp, s), x, s), axis, reverse, true, s);
    return exp(subtract(l, y, s), s);
  };
  auto zero = array(0, t.dtype());
  return subtract(part(maximum(t, zero, s)), part(maximum(negative(t, s), zero, s)), s);
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
  if (type_ == Prod) return {cumprod_vjp(x, y, g, axis_, reverse_, s)};
  if (type_ == LogAddExp) return {logcumsumexp_vjp(x, y, g, axis_, reverse_, s)};
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
      type_ == Prod ? cumprod_jvp(x, y, t, axis_, reverse_, s)
      : type_ == LogAddExp
          ? logcumsumexp_jvp(x, y, t, axis_, reverse_, s)
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
