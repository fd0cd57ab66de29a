// Reductions, softmax, scans and sorting.
#include <numeric>

#include "lmx/core/ops_common.h"
#include "lmx/core/ops_numpy.h"

namespace lmx {

namespace {

std::vector<int> all_axes(const array& a) {
  std::vector<int> axes(a.ndim());
  std::iota(axes.begin(), axes.end(), 0);
  return axes;
}

// Reduces over `axes` with a Reduce primitive (which keeps reduced dims as
// size 1) and squeezes them unless keepdims.
array reduce(const array& a, const std::vector<int>& axes_in, bool keepdims, ReduceType type,
             Dtype out_type, const char* who, StreamOrDevice s) {
  auto axes = normalize_axes(axes_in, a.ndim(), who);
  std::sort(axes.begin(), axes.end());
  if ((type == ReduceType::Max || type == ReduceType::Min) && a.size() == 0) {
    fail(who, "Cannot ", who, " reduce zero size array.");
  }
  if (type != ReduceType::And && type != ReduceType::Or && type != ReduceType::Sum &&
      a.dtype() == complex64 && type != ReduceType::Prod) {
    fail(who, "Not supported for complex64 inputs.");
  }
  Shape shape = a.shape();
  for (int ax : axes) shape[ax] = 1;
  array in = astype(a, out_type, s);
  array out =
      axes.empty() ? in : make_node<Reduce>(shape, out_type, {in}, to_stream(s), type, axes);
  return keepdims || axes.empty() ? out : squeeze(out, axes, s);
}

Dtype sum_type(Dtype t) {
  return t == bool_ ? int32 : t;
}

}  // namespace

#define LMX_DEFINE_REDUCTION(NAME, TYPE, OUT_TYPE)                                            \
  array NAME(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) { \
    return reduce(a, axes, keepdims, TYPE, OUT_TYPE, #NAME, s);                               \
  }                                                                                           \
  array NAME(const array& a, bool keepdims, StreamOrDevice s) {                               \
    return NAME(a, all_axes(a), keepdims, s);                                                 \
  }                                                                                           \
  array NAME(const array& a, StreamOrDevice s) {                                              \
    return NAME(a, all_axes(a), false, s);                                                    \
  }                                                                                           \
  array NAME(const array& a, int axis, bool keepdims, StreamOrDevice s) {                     \
    return NAME(a, std::vector<int>{axis}, keepdims, s);                                      \
  }
LMX_DEFINE_REDUCTION(all, ReduceType::And, bool_)
LMX_DEFINE_REDUCTION(any, ReduceType::Or, bool_)
LMX_DEFINE_REDUCTION(sum, ReduceType::Sum, sum_type(a.dtype()))
LMX_DEFINE_REDUCTION(prod, ReduceType::Prod, sum_type(a.dtype()))
LMX_DEFINE_REDUCTION(max, ReduceType::Max, a.dtype())
LMX_DEFINE_REDUCTION(min, ReduceType::Min, a.dtype())
#undef LMX_DEFINE_REDUCTION

#define LMX_DEFINE_REDUCTION_OVERLOADS(NAME)                              \
  array NAME(const array& a, bool keepdims, StreamOrDevice s) {           \
    return NAME(a, all_axes(a), keepdims, s);                             \
  }                                                                       \
  array NAME(const array& a, StreamOrDevice s) {                          \
    return NAME(a, all_axes(a), false, s);                                \
  }                                                                       \
  array NAME(const array& a, int axis, bool keepdims, StreamOrDevice s) { \
    return NAME(a, std::vector<int>{axis}, keepdims, s);                  \
  }

array mean(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  auto ax = normalize_axes(axes, a.ndim(), "mean");
  Dtype t = at_least_float(a.dtype());
  auto total = sum(astype(a, t, s), ax, keepdims, s);
  // The count is a node of its own, so a shapeless compiled mean stays right.
  return multiply(total, number_of_elements(a, ax, true, t, s), s);
}
LMX_DEFINE_REDUCTION_OVERLOADS(mean)

array logsumexp(const array& a, const std::vector<int>& axes_in, bool keepdims, StreamOrDevice s) {
  auto axes = normalize_axes(axes_in, a.ndim(), "logsumexp");
  if (a.size() == 0) fail("logsumexp", "Cannot reduce zero size array.");
  Dtype t = at_least_float(a.dtype());
  if (t == complex64) fail("logsumexp", "Not supported for complex64 inputs.");
  std::sort(axes.begin(), axes.end());
  // Move the reduced axes last and fold them into one, so one kernel serves
  // every axis choice.
  std::vector<int> perm;
  Shape kept;
  for (int i = 0; i < a.ndim(); ++i) {
    if (!std::binary_search(axes.begin(), axes.end(), i)) {
      perm.push_back(i);
      kept.push_back(a.shape(i));
    }
  }
  int64_t r = 1;
  for (int ax : axes) {
    perm.push_back(ax);
    r *= a.shape(ax);
  }
  Shape folded = kept;
  folded.push_back(static_cast<int>(r));
  auto x = reshape(transpose(astype(a, t, s), perm, s), folded, s);
  Shape out_shape = kept;
  out_shape.push_back(1);
  auto out = make_node<LogSumExp>(out_shape, t, {x}, to_stream(s));
  if (keepdims) {
    Shape keep = a.shape();
    for (int ax : axes) keep[ax] = 1;
    return reshape(out, keep, s);
  }
  return squeeze(out, static_cast<int>(kept.size()), s);
}
LMX_DEFINE_REDUCTION_OVERLOADS(logsumexp)

array var(const array& a, const std::vector<int>& axes, bool keepdims, int ddof, StreamOrDevice s) {
  auto ax = normalize_axes(axes, a.ndim(), "var");
  Dtype t = at_least_float(a.dtype());
  auto x = astype(a, t, s);
  auto mu = mean(x, ax, true, s);
  auto v = sum(square(subtract(x, mu, s), s), ax, keepdims, s);
  if (ddof == 0) return multiply(v, number_of_elements(a, ax, true, t, s), s);
  // n - ddof <= 0 gives NaN (as NumPy).
  auto denom = subtract(number_of_elements(a, ax, false, t, s), array(ddof, t), s);
  auto nan = array(std::numeric_limits<double>::quiet_NaN(), t);
  return multiply(v, where(greater(denom, array(0, t), s), reciprocal(denom, s), nan, s), s);
}
array var(const array& a, bool keepdims, int ddof, StreamOrDevice s) {
  return var(a, all_axes(a), keepdims, ddof, s);
}
array var(const array& a, StreamOrDevice s) {
  return var(a, all_axes(a), false, 0, s);
}
array var(const array& a, int axis, bool keepdims, int ddof, StreamOrDevice s) {
  return var(a, std::vector<int>{axis}, keepdims, ddof, s);
}

array std(const array& a, const std::vector<int>& axes, bool keepdims, int ddof, StreamOrDevice s) {
  return sqrt(var(a, axes, keepdims, ddof, s), s);
}
array std(const array& a, bool keepdims, int ddof, StreamOrDevice s) {
  return std(a, all_axes(a), keepdims, ddof, s);
}
array std(const array& a, StreamOrDevice s) {
  return std(a, all_axes(a), false, 0, s);
}
array std(const array& a, int axis, bool keepdims, int ddof, StreamOrDevice s) {
  return std(a, std::vector<int>{axis}, keepdims, ddof, s);
}

namespace {
array arg_reduce(const array& a, int axis, bool keepdims, ArgReduceType type, const char* who,
                 StreamOrDevice s) {
  if (a.dtype() == complex64) fail(who, "Not supported for complex64 inputs.");
  axis = normalize_axis(axis, a.ndim(), who);
  if (a.shape(axis) == 0) fail(who, "Cannot ", who, " reduce zero size array.");
  Shape shape = a.shape();
  shape[axis] = 1;
  auto out = make_node<ArgReduce>(shape, uint32, {a}, to_stream(s), type, axis);
  return keepdims ? out : squeeze(out, axis, s);
}
}  // namespace

array argmax(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return arg_reduce(a, axis, keepdims, ArgReduceType::ArgMax, "argmax", s);
}
array argmax(const array& a, bool keepdims, StreamOrDevice s) {
  auto out = argmax(flatten(a, s), 0, true, s);
  return keepdims ? reshape(out, Shape(a.ndim(), 1), s) : squeeze(out, s);
}
array argmax(const array& a, StreamOrDevice s) {
  return argmax(a, false, s);
}
array argmin(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return arg_reduce(a, axis, keepdims, ArgReduceType::ArgMin, "argmin", s);
}
array argmin(const array& a, bool keepdims, StreamOrDevice s) {
  auto out = argmin(flatten(a, s), 0, true, s);
  return keepdims ? reshape(out, Shape(a.ndim(), 1), s) : squeeze(out, s);
}
array argmin(const array& a, StreamOrDevice s) {
  return argmin(a, false, s);
}

array softmax(const array& a, const std::vector<int>& axes_in, bool precise, StreamOrDevice s) {
  if (a.size() == 0) return a;
  auto axes = normalize_axes(axes_in, a.ndim(), "softmax");
  Dtype t = at_least_float(a.dtype());
  if (t == complex64) fail("softmax", "Not supported for complex64 inputs.");
  auto x = astype(a, t, s);
  if (axes.size() == 1 && axes[0] == a.ndim() - 1) {
    return make_node<Softmax>(x.shape(), t, {x}, to_stream(s), precise);
  }
  auto m = stop_gradient(max(x, axes, true, s), s);
  auto e = exp(subtract(x, m, s), s);
  return divide(e, sum(e, axes, true, s), s);
}
array softmax(const array& a, int axis, bool precise, StreamOrDevice s) {
  return softmax(a, std::vector<int>{axis}, precise, s);
}
array softmax(const array& a, bool precise, StreamOrDevice s) {
  return softmax(a, all_axes(a), precise, s);
}

// ---- Scans ----

namespace {
array scan(const array& a, int axis, bool reverse, bool inclusive, Scan::ScanType type,
           const char* who, StreamOrDevice s) {
  if (a.ndim() == 0) fail(who, "Cannot scan a zero-dimensional array.");
  axis = normalize_axis(axis, a.ndim(), who);
  Dtype t = a.dtype();
  if (t == complex64) fail(who, "Not supported for complex64 inputs.");
  if ((type == Scan::Sum || type == Scan::Prod) && t == bool_) t = int32;
  return make_node<Scan>(a.shape(), t, {astype(a, t, s)}, to_stream(s), type, axis, reverse,
                         inclusive);
}
}  // namespace

array cumsum(const array& a, int axis, bool reverse, bool inclusive, StreamOrDevice s) {
  return scan(a, axis, reverse, inclusive, Scan::Sum, "cumsum", s);
}
array cumprod(const array& a, int axis, bool reverse, bool inclusive, StreamOrDevice s) {
  return scan(a, axis, reverse, inclusive, Scan::Prod, "cumprod", s);
}
array cummax(const array& a, int axis, bool reverse, bool inclusive, StreamOrDevice s) {
  return scan(a, axis, reverse, inclusive, Scan::Max, "cummax", s);
}
array cummin(const array& a, int axis, bool reverse, bool inclusive, StreamOrDevice s) {
  return scan(a, axis, reverse, inclusive, Scan::Min, "cummin", s);
}
array logcumsumexp(const array& a, int axis, bool reverse, bool inclusive, StreamOrDevice s) {
  return scan(astype(a, at_least_float(a.dtype()), s), axis, reverse, inclusive, Scan::LogAddExp,
              "logcumsumexp", s);
}
array logcumsumexp(const array& a, bool reverse, bool inclusive, StreamOrDevice s) {
  return logcumsumexp(flatten(a, s), 0, reverse, inclusive, s);
}

// ---- Sorting ----

array argsort(const array& a, int axis, StreamOrDevice s) {
  if (a.ndim() == 0) fail("argsort", "Cannot argsort a zero-dimensional array.");
  if (a.dtype() == complex64) fail("argsort", "Not supported for complex64 inputs.");
  axis = normalize_axis(axis, a.ndim(), "argsort");
  return make_node<ArgSort>(a.shape(), uint32, {a}, to_stream(s), axis);
}
array argsort(const array& a, StreamOrDevice s) {
  return argsort(flatten(a, s), 0, s);
}

array sort(const array& a, int axis, StreamOrDevice s) {
  if (a.ndim() == 0) fail("sort", "Cannot sort a zero-dimensional array.");
  axis = normalize_axis(axis, a.ndim(), "sort");
  // Sorting as a gather keeps sort differentiable through take_along_axis.
  return take_along_axis(a, argsort(a, axis, s), axis, s);
}
array sort(const array& a, StreamOrDevice s) {
  return sort(flatten(a, s), 0, s);
}

array topk(const array& a, int k, int axis, StreamOrDevice s) {
  if (a.ndim() == 0) fail("topk", "Cannot take topk of a zero-dimensional array.");
  axis = normalize_axis(axis, a.ndim(), "topk");
  int n = a.shape(axis);
  if (k < 0 || k > n) {
    fail("topk", "Invalid k=", k, " for axis ", axis, " of size ", n, " in array with shape ",
         a.shape(), ".");
  }
  auto sorted = sort(a, axis, s);
  Shape start(a.ndim(), 0), stop = a.shape();
  start[axis] = n - k;
  return slice(sorted, start, stop, s);
}
array topk(const array& a, int k, StreamOrDevice s) {
  return topk(flatten(a, s), k, 0, s);
}

// Sums a broadcast gradient back down to `shape`.
array unbroadcast(const array& x, const Shape& shape, StreamOrDevice s) {
  if (x.shape() == shape) return x;
  int diff = x.ndim() - static_cast<int>(shape.size());
  std::vector<int> axes;
  for (int i = 0; i < x.ndim(); ++i) {
    if (i < diff || (shape[i - diff] == 1 && x.shape(i) != 1)) axes.push_back(i);
  }
  auto out = axes.empty() ? x : sum(x, axes, true, s);
  return reshape(out, shape, s);
}

std::vector<array> tangents_for_all(const std::vector<array>& primals,
                                    const std::vector<array>& tangents,
                                    const std::vector<int>& argnums, StreamOrDevice s) {
  std::vector<array> out;
  for (auto& p : primals) out.push_back(zeros_like(p, s));
  for (size_t i = 0; i < argnums.size(); ++i) {
    out[argnums[i]] = astype(tangents[i], primals[argnums[i]].dtype(), s);
  }
  return out;
}

std::vector<array> at_argnums(const std::vector<array>& all, const std::vector<int>& argnums) {
  std::vector<array> out;
  for (int a : argnums) out.push_back(all[a]);
  return out;
}

}  // namespace lmx
