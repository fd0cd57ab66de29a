// The array operations of mx (and the array methods that share them), with
// MLX's Python signatures: positional-only inputs, `axis` as an int or a
// sequence, keyword `stream`.
#include <nanobind/stl/tuple.h>

#include "python/src/python.h"

namespace lmx::python {

namespace {

using A = const ArrayLike&;
constexpr auto S = "stream";

std::vector<array> to_array_list(nb::handle seq, const char* who) {
  if (!PySequence_Check(seq.ptr())) type_error(who, "Expected a list of arrays.");
  std::vector<array> out;
  for (nb::handle h : seq) out.push_back(to_array(h));
  return out;
}

// Reductions: axis=None reduces over all axes.
template <typename F>
auto reduction(F f) {
  return [f](A a, const Axes& axis, bool keepdims, StreamOrDevice s) {
    array x = to_array(a);
    if (!axis.axes) {
      std::vector<int> all(x.ndim());
      for (int i = 0; i < x.ndim(); ++i) all[i] = i;
      return f(x, all, keepdims, s);
    }
    return f(x, *axis.axes, keepdims, s);
  };
}

// Scans: axis=None scans the flattened array.
template <typename F>
auto scan(F f) {
  return [f](A a, std::optional<int> axis, bool reverse, bool inclusive, StreamOrDevice s) {
    array x = to_array(a);
    if (!axis) return f(reshape(x, {-1}, s), 0, reverse, inclusive, s);
    return f(x, *axis, reverse, inclusive, s);
  };
}

Shape shape_of_args(nb::args args, const char* who) {
  // a.reshape(2, 3) and a.reshape((2, 3)) both work.
  Shape shape;
  if (args.size() == 1 && PySequence_Check(args[0].ptr())) {
    for (nb::handle h : args[0]) shape.push_back(nb::cast<int>(h));
  } else {
    for (nb::handle h : args) {
      if (!PyLong_Check(h.ptr())) type_error(who, "Expected int arguments for the shape.");
      shape.push_back(nb::cast<int>(h));
    }
  }
  return shape;
}

std::pair<int, int> pair_of(nb::handle h) {
  if (PyLong_Check(h.ptr())) {
    int v = nb::cast<int>(h);
    return {v, v};
  }
  auto t = nb::cast<std::vector<int>>(h);
  if (t.size() != 2) throw std::invalid_argument("Expected an int or a pair of ints.");
  return {t[0], t[1]};
}

std::tuple<int, int, int> triple_of(nb::handle h) {
  if (PyLong_Check(h.ptr())) {
    int v = nb::cast<int>(h);
    return {v, v, v};
  }
  auto t = nb::cast<std::vector<int>>(h);
  if (t.size() != 3) throw std::invalid_argument("Expected an int or a triple of ints.");
  return {t[0], t[1], t[2]};
}

std::vector<int> ints_of(nb::handle h, size_t n) {
  if (PyLong_Check(h.ptr())) return std::vector<int>(n, nb::cast<int>(h));
  return nb::cast<std::vector<int>>(h);
}

Dtype arange_dtype(std::initializer_list<nb::handle> args) {
  for (auto h : args)
    if (!h.is_none() && PyFloat_Check(h.ptr())) return float32;
  return int32;
}

}  // namespace

void init_ops(nb::module_& m, nb::class_<array>& cls) {
  // Registers `fn` as mx.NAME and, when method is true, as array.NAME too.
  // The method form takes the array as self, so its first argument is unnamed.
  auto def = [&](const char* name, auto fn, bool method, nb::arg first, auto... extra) {
    m.def(name, fn, first, extra...);
    if (method) cls.def(name, fn, extra...);
  };

  // ---- Creation ----
  m.def(
      "arange",
      [](nb::handle start, nb::handle stop, nb::handle step, std::optional<Dtype> dtype,
         StreamOrDevice s) {
        Dtype t = dtype.value_or(arange_dtype({start, stop, step}));
        double b = nb::cast<double>(start), e = 0, st = 1;
        if (stop.is_none()) {
          e = b;
          b = 0;
        } else {
          e = nb::cast<double>(stop);
        }
        if (!step.is_none()) st = nb::cast<double>(step);
        return arange(b, e, st, t, s);
      },
      nb::arg("start"), nb::arg("stop") = nb::none(), nb::arg("step") = nb::none(), nb::kw_only(),
      nb::arg("dtype") = nb::none(), nb::arg(S) = nb::none());
  m.def(
      "linspace",
      [](double start, double stop, int num, Dtype dtype, StreamOrDevice s) {
        return linspace(start, stop, num, dtype, s);
      },
      nb::arg("start"), nb::arg("stop"), nb::arg("num") = 50, nb::arg("dtype") = float32,
      nb::kw_only(), nb::arg(S) = nb::none());
  m.def(
      "zeros",
      [](const ShapeArg& shape, Dtype dtype, StreamOrDevice s) {
        return zeros(shape.shape, dtype, s);
      },
      nb::arg("shape"), nb::arg("dtype") = float32, nb::kw_only(), nb::arg(S) = nb::none());
  m.def(
      "ones",
      [](const ShapeArg& shape, Dtype dtype, StreamOrDevice s) {
        return ones(shape.shape, dtype, s);
      },
      nb::arg("shape"), nb::arg("dtype") = float32, nb::kw_only(), nb::arg(S) = nb::none());
  m.def(
      "full",
      [](const ShapeArg& shape, A vals, std::optional<Dtype> dtype, StreamOrDevice s) {
        array v = to_array(vals, dtype);
        return full(shape.shape, v, s);
      },
      nb::arg("shape"), nb::arg("vals"), nb::arg("dtype") = nb::none(), nb::kw_only(),
      nb::arg(S) = nb::none());
  m.def(
      "zeros_like", [](A a, StreamOrDevice s) { return zeros_like(to_array(a), s); }, nb::arg("a"),
      nb::kw_only(), nb::arg(S) = nb::none());
  m.def(
      "ones_like", [](A a, StreamOrDevice s) { return ones_like(to_array(a), s); }, nb::arg("a"),
      nb::kw_only(), nb::arg(S) = nb::none());
  m.def(
      "eye",
      [](int n, std::optional<int> mm, int k, Dtype dtype, StreamOrDevice s) {
        return eye(n, mm.value_or(n), k, dtype, s);
      },
      nb::arg("n"), nb::arg("m") = nb::none(), nb::arg("k") = 0, nb::arg("dtype") = float32,
      nb::kw_only(), nb::arg(S) = nb::none());
  m.def(
      "identity", [](int n, Dtype dtype, StreamOrDevice s) { return identity(n, dtype, s); },
      nb::arg("n"), nb::arg("dtype") = float32, nb::kw_only(), nb::arg(S) = nb::none());
  m.def(
      "tri",
      [](int n, std::optional<int> mm, int k, Dtype dtype, StreamOrDevice s) {
        return tri(n, mm.value_or(n), k, dtype, s);
      },
      nb::arg("n"), nb::arg("m") = nb::none(), nb::arg("k") = 0, nb::arg("dtype") = float32,
      nb::kw_only(), nb::arg(S) = nb::none());
  m.def(
      "tril", [](A x, int k, StreamOrDevice s) { return tril(to_array(x), k, s); }, nb::arg("x"),
      nb::arg("k") = 0, nb::kw_only(), nb::arg(S) = nb::none());
  m.def(
      "triu", [](A x, int k, StreamOrDevice s) { return triu(to_array(x), k, s); }, nb::arg("x"),
      nb::arg("k") = 0, nb::kw_only(), nb::arg(S) = nb::none());

  // ---- Shape ----
  m.def(
      "reshape",
      [](A a, const ShapeArg& shape, StreamOrDevice s) {
        return reshape(to_array(a), shape.shape, s);
      },
      nb::arg("a"), nb::arg("shape"), nb::kw_only(), nb::arg(S) = nb::none());
  cls.def(
      "reshape",
      [](const array& a, nb::args shape, StreamOrDevice s) {
        return reshape(a, shape_of_args(shape, "reshape"), s);
      },
      nb::arg("shape"), nb::kw_only(), nb::arg(S) = nb::none());
  def(
      "flatten",
      [](A a, int start_axis, int end_axis, StreamOrDevice s) {
        return flatten(to_array(a), start_axis, end_axis, s);
      },
      true, nb::arg("a"), nb::arg("start_axis") = 0, nb::arg("end_axis") = -1, nb::kw_only(),
      nb::arg(S) = nb::none());
  m.def(
      "unflatten",
      [](A a, int axis, const ShapeArg& shape, StreamOrDevice s) {
        return unflatten(to_array(a), axis, shape.shape, s);
      },
      nb::arg("a"), nb::arg("axis"), nb::arg("shape"), nb::kw_only(), nb::arg(S) = nb::none());
  def(
      "squeeze",
      [](A a, const Axes& axis, StreamOrDevice s) {
        return axis.axes ? squeeze(to_array(a), *axis.axes, s) : squeeze(to_array(a), s);
      },
      true, nb::arg("a"), nb::arg("axis") = nb::none(), nb::kw_only(), nb::arg(S) = nb::none());
  m.def(
      "expand_dims",
      [](A a, const Axes& axis, StreamOrDevice s) {
        if (!axis.axes) throw std::invalid_argument("[expand_dims] An axis is required.");
        return expand_dims(to_array(a), *axis.axes, s);
      },
      nb::arg("a"), nb::arg("axis"), nb::kw_only(), nb::arg(S) = nb::none());
  m.def(
      "transpose",
      [](A a, std::optional<std::vector<int>> axes, StreamOrDevice s) {
        return axes ? transpose(to_array(a), *axes, s) : transpose(to_array(a), s);
      },
      nb::arg("a"), nb::arg("axes") = nb::none(), nb::kw_only(), nb::arg(S) = nb::none());
  cls.def(
      "transpose",
      [](const array& a, nb::args axes, StreamOrDevice s) {
        if (axes.size() == 0) return transpose(a, s);
        auto v = shape_of_args(axes, "transpose");
        return transpose(a, std::vector<int>(v.begin(), v.end()), s);
      },
      nb::arg("axes"), nb::kw_only(), nb::arg(S) = nb::none());
  def(
      "swapaxes",
      [](A a, int axis1, int axis2, StreamOrDevice s) {
        return swapaxes(to_array(a), axis1, axis2, s);
      },
      true, nb::arg("a"), nb::arg("axis1"), nb::arg("axis2"), nb::kw_only(),
      nb::arg(S) = nb::none());
  def(
      "moveaxis",
      [](A a, int source, int destination, StreamOrDevice s) {
        return moveaxis(to_array(a), source, destination, s);
      },
      true, nb::arg("a"), nb::arg("source"), nb::arg("destination"), nb::kw_only(),
      nb::arg(S) = nb::none());
  m.def(
      "broadcast_to",
      [](A a, const ShapeArg& shape, StreamOrDevice s) {
        return broadcast_to(to_array(a), shape.shape, s);
      },
      nb::arg("a"), nb::arg("shape"), nb::kw_only(), nb::arg(S) = nb::none());
  m.def(
      "broadcast_arrays",
      [](nb::args arrays, StreamOrDevice s) {
        auto out = broadcast_arrays(to_array_list(arrays, "broadcast_arrays"), s);
        nb::list l;
        for (auto& a : out) l.append(a);
        return nb::tuple(l);
      },
      nb::arg("arrays"), nb::kw_only(), nb::arg(S) = nb::none());
  auto concat = [](nb::handle arrays, std::optional<int> axis, StreamOrDevice s) {
    auto xs = to_array_list(arrays, "concatenate");
    return axis ? concatenate(xs, *axis, s) : concatenate(xs, s);
  };
  m.def("concatenate", concat, nb::arg("arrays"), nb::arg("axis") = 0, nb::kw_only(),
        nb::arg(S) = nb::none());
  m.def("concat", concat, nb::arg("arrays"), nb::arg("axis") = 0, nb::kw_only(),
        nb::arg(S) = nb::none());
  m.def(
      "stack",
      [](nb::handle arrays, int axis, StreamOrDevice s) {
        return stack(to_array_list(arrays, "stack"), axis, s);
      },
      nb::arg("arrays"), nb::arg("axis") = 0, nb::kw_only(), nb::arg(S) = nb::none());
  m.def(
      "repeat",
      [](A a, int repeats, std::optional<int> axis, StreamOrDevice s) {
        return axis ? repeat(to_array(a), repeats, *axis, s) : repeat(to_array(a), repeats, s);
      },
      nb::arg("array"), nb::arg("repeats"), nb::arg("axis") = nb::none(), nb::kw_only(),
      nb::arg(S) = nb::none());
  m.def(
      "tile",
      [](A a, const ShapeArg& reps, StreamOrDevice s) {
        return tile(to_array(a), std::vector<int>(reps.shape.begin(), reps.shape.end()), s);
      },
      nb::arg("a"), nb::arg("reps"), nb::kw_only(), nb::arg(S) = nb::none());
  def(
      "split",
      [](A a, nb::handle indices_or_sections, int axis, StreamOrDevice s) {
        array x = to_array(a);
        std::vector<array> parts;
        if (PyLong_Check(indices_or_sections.ptr())) {
          parts = split(x, nb::cast<int>(indices_or_sections), axis, s);
        } else {
          auto idx = nb::cast<std::vector<int>>(indices_or_sections);
          parts = split(x, Shape(idx.begin(), idx.end()), axis, s);
        }
        nb::list out;
        for (auto& p : parts) out.append(p);
        return out;
      },
      true, nb::arg("a"), nb::arg("indices_or_sections"), nb::arg("axis") = 0, nb::kw_only(),
      nb::arg(S) = nb::none());
  m.def(
      "pad",
      [](A a, nb::handle pad_width, const std::string& mode, A constant_values, StreamOrDevice s) {
        array x = to_array(a);
        array value = to_array(constant_values);
        std::vector<std::pair<int, int>> widths;
        if (PyLong_Check(pad_width.ptr())) {
          int w = nb::cast<int>(pad_width);
          widths.assign(x.ndim(), {w, w});
        } else {
          std::vector<nb::object> items;
          for (nb::handle h : pad_width) items.push_back(nb::borrow(h));
          bool nested = !items.empty() && !PyLong_Check(items[0].ptr());
          if (!nested) {
            auto p = pair_of(pad_width);
            widths.assign(x.ndim(), p);
          } else if (items.size() == 1) {
            widths.assign(x.ndim(), pair_of(items[0]));
          } else {
            for (auto& h : items) widths.push_back(pair_of(h));
          }
        }
        return pad(x, widths, value, mode, s);
      },
      nb::arg("a"), nb::arg("pad_width"), nb::arg("mode") = "constant",
      nb::arg("constant_values") = 0, nb::kw_only(), nb::arg(S) = nb::none());
  m.def(
      "as_strided",
      [](A a, std::optional<std::vector<int>> shape, std::optional<std::vector<int64_t>> strides,
         size_t offset, StreamOrDevice s) {
        array x = to_array(a);
        Shape sh = shape ? Shape(shape->begin(), shape->end()) : x.shape();
        Strides st;
        if (strides) {
          st = Strides(strides->begin(), strides->end());
        } else {
          st.assign(sh.size(), 1);
          for (int i = static_cast<int>(sh.size()) - 2; i >= 0; --i) st[i] = st[i + 1] * sh[i + 1];
        }
        return as_strided(x, sh, st, offset, s);
      },
      nb::arg("a"), nb::arg("shape") = nb::none(), nb::arg("strides") = nb::none(),
      nb::arg("offset") = 0, nb::kw_only(), nb::arg(S) = nb::none());

  // ---- Elementwise ----
#define LMX_UNARY(NAME, FN, METHOD)                                                         \
  def(                                                                                      \
      NAME, [](A a, StreamOrDevice s) { return FN(to_array(a), s); }, METHOD, nb::arg("a"), \
      nb::kw_only(), nb::arg(S) = nb::none());
  LMX_UNARY("abs", abs, true)
  LMX_UNARY("negative", negative, false)
  LMX_UNARY("sign", sign, false)
  LMX_UNARY("floor", floor, false)
  LMX_UNARY("ceil", ceil, false)
  LMX_UNARY("sqrt", sqrt, true)
  LMX_UNARY("rsqrt", rsqrt, true)
  LMX_UNARY("square", square, true)
  LMX_UNARY("reciprocal", reciprocal, true)
  LMX_UNARY("exp", exp, true)
  LMX_UNARY("expm1", expm1, false)
  LMX_UNARY("log", log, true)
  LMX_UNARY("log1p", log1p, true)
  LMX_UNARY("log2", log2, true)
  LMX_UNARY("log10", log10, true)
  LMX_UNARY("sin", sin, true)
  LMX_UNARY("cos", cos, true)
  LMX_UNARY("tan", tan, false)
  LMX_UNARY("arcsin", arcsin, false)
  LMX_UNARY("arccos", arccos, false)
  LMX_UNARY("arctan", arctan, false)
  LMX_UNARY("sinh", sinh, false)
  LMX_UNARY("cosh", cosh, false)
  LMX_UNARY("tanh", tanh, false)
  LMX_UNARY("arcsinh", arcsinh, false)
  LMX_UNARY("arccosh", arccosh, false)
  LMX_UNARY("arctanh", arctanh, false)
  LMX_UNARY("erf", erf, false)
  LMX_UNARY("erfinv", erfinv, false)
  LMX_UNARY("sigmoid", sigmoid, false)
  LMX_UNARY("isnan", isnan, false)
  LMX_UNARY("isinf", isinf, false)
  LMX_UNARY("isposinf", isposinf, false)
  LMX_UNARY("isneginf", isneginf, false)
  LMX_UNARY("isfinite", isfinite, false)
  LMX_UNARY("logical_not", logical_not, false)
  LMX_UNARY("bitwise_invert", bitwise_invert, false)
  LMX_UNARY("stop_gradient", stop_gradient, false)
  LMX_UNARY("real", real, false)
  LMX_UNARY("imag", imag, false)
  LMX_UNARY("conjugate", conjugate, false)
  LMX_UNARY("conj", conjugate, true)
#undef LMX_UNARY
  def(
      "round", [](A a, int decimals, StreamOrDevice s) { return round(to_array(a), decimals, s); },
      true, nb::arg("a"), nb::arg("decimals") = 0, nb::kw_only(), nb::arg(S) = nb::none());
  m.def(
      "nan_to_num",
      [](A a, float nan, std::optional<float> posinf, std::optional<float> neginf,
         StreamOrDevice s) { return nan_to_num(to_array(a), nan, posinf, neginf, s); },
      nb::arg("a"), nb::arg("nan") = 0.0f, nb::arg("posinf") = nb::none(),
      nb::arg("neginf") = nb::none(), nb::kw_only(), nb::arg(S) = nb::none());

#define LMX_BINARY(NAME, FN)                   \
  m.def(                                       \
      NAME,                                    \
      [](A a, A b, StreamOrDevice s) {         \
        auto [x, y] = to_arrays(a.obj, b.obj); \
        return FN(x, y, s);                    \
      },                                       \
      nb::arg("a"), nb::arg("b"), nb::kw_only(), nb::arg(S) = nb::none());
  LMX_BINARY("add", add)
  LMX_BINARY("subtract", subtract)
  LMX_BINARY("multiply", multiply)
  LMX_BINARY("divide", divide)
  LMX_BINARY("floor_divide", floor_divide)
  LMX_BINARY("remainder", remainder)
  LMX_BINARY("power", power)
  LMX_BINARY("maximum", maximum)
  LMX_BINARY("minimum", minimum)
  LMX_BINARY("logaddexp", logaddexp)
  LMX_BINARY("arctan2", arctan2)
  LMX_BINARY("equal", equal)
  LMX_BINARY("not_equal", not_equal)
  LMX_BINARY("less", less)
  LMX_BINARY("less_equal", less_equal)
  LMX_BINARY("greater", greater)
  LMX_BINARY("greater_equal", greater_equal)
  LMX_BINARY("logical_and", logical_and)
  LMX_BINARY("logical_or", logical_or)
  LMX_BINARY("bitwise_and", bitwise_and)
  LMX_BINARY("bitwise_or", bitwise_or)
  LMX_BINARY("bitwise_xor", bitwise_xor)
  LMX_BINARY("left_shift", left_shift)
  LMX_BINARY("right_shift", right_shift)
  LMX_BINARY("matmul", matmul)
  LMX_BINARY("outer", outer)
  LMX_BINARY("inner", inner)
#undef LMX_BINARY
  m.def(
      "divmod",
      [](A a, A b, StreamOrDevice s) {
        auto [x, y] = to_arrays(a.obj, b.obj);
        auto r = divmod(x, y, s);
        return nb::make_tuple(r[0], r[1]);
      },
      nb::arg("a"), nb::arg("b"), nb::kw_only(), nb::arg(S) = nb::none());
  m.def(
      "isclose",
      [](A a, A b, double rtol, double atol, bool equal_nan, StreamOrDevice s) {
        auto [x, y] = to_arrays(a.obj, b.obj);
        return isclose(x, y, rtol, atol, equal_nan, s);
      },
      nb::arg("a"), nb::arg("b"), nb::arg("rtol") = 1e-5, nb::arg("atol") = 1e-8, nb::kw_only(),
      nb::arg("equal_nan") = false, nb::arg(S) = nb::none());
  m.def(
      "allclose",
      [](A a, A b, double rtol, double atol, bool equal_nan, StreamOrDevice s) {
        auto [x, y] = to_arrays(a.obj, b.obj);
        return allclose(x, y, rtol, atol, equal_nan, s);
      },
      nb::arg("a"), nb::arg("b"), nb::arg("rtol") = 1e-5, nb::arg("atol") = 1e-8, nb::kw_only(),
      nb::arg("equal_nan") = false, nb::arg(S) = nb::none());
  m.def(
      "array_equal",
      [](A a, A b, bool equal_nan, StreamOrDevice s) {
        return array_equal(to_array(a), to_array(b), equal_nan, s);
      },
      nb::arg("a"), nb::arg("b"), nb::arg("equal_nan") = false, nb::kw_only(),
      nb::arg(S) = nb::none());
  m.def(
      "where",
      [](A condition, A x, A y, StreamOrDevice s) {
        auto [xx, yy] = to_arrays(x.obj, y.obj);
        return where(to_array(condition), xx, yy, s);
      },
      nb::arg("condition"), nb::arg("x"), nb::arg("y"), nb::kw_only(), nb::arg(S) = nb::none());
  m.def(
      "clip",
      [](A a, nb::handle a_min, nb::handle a_max, StreamOrDevice s) {
        array x = to_array(a);
        auto bound = [&](nb::handle h) -> std::optional<array> {
          if (h.is_none()) return std::nullopt;
          return to_arrays(nb::cast(x), h).second;
        };
        return clip(x, bound(a_min), bound(a_max), s);
      },
      nb::arg("a"), nb::arg("a_min"), nb::arg("a_max"), nb::kw_only(), nb::arg(S) = nb::none());
  m.def(
      "addmm",
      [](A c, A a, A b, float alpha, float beta, StreamOrDevice s) {
        return addmm(to_array(c), to_array(a), to_array(b), alpha, beta, s);
      },
      nb::arg("c"), nb::arg("a"), nb::arg("b"), nb::arg("alpha") = 1.0f, nb::arg("beta") = 1.0f,
      nb::kw_only(), nb::arg(S) = nb::none());

  // ---- Reductions ----
#define LMX_REDUCE(NAME, FN)                                                         \
  def(NAME,                                                                          \
      reduction([](const array& x, const std::vector<int>& axes, bool keepdims,      \
                   StreamOrDevice s) { return FN(x, axes, keepdims, s); }),          \
      true, nb::arg("a"), nb::arg("axis") = nb::none(), nb::arg("keepdims") = false, \
      nb::kw_only(), nb::arg(S) = nb::none());
  LMX_REDUCE("all", all)
  LMX_REDUCE("any", any)
  LMX_REDUCE("sum", sum)
  LMX_REDUCE("prod", prod)
  LMX_REDUCE("max", max)
  LMX_REDUCE("min", min)
  LMX_REDUCE("mean", mean)
  LMX_REDUCE("logsumexp", logsumexp)
#undef LMX_REDUCE
#define LMX_MOMENT(NAME, FN)                                                         \
  def(                                                                               \
      NAME,                                                                          \
      [](A a, const Axes& axis, bool keepdims, int ddof, StreamOrDevice s) {         \
        array x = to_array(a);                                                       \
        if (!axis.axes) return FN(x, keepdims, ddof, s);                             \
        return FN(x, *axis.axes, keepdims, ddof, s);                                 \
      },                                                                             \
      true, nb::arg("a"), nb::arg("axis") = nb::none(), nb::arg("keepdims") = false, \
      nb::arg("ddof") = 0, nb::kw_only(), nb::arg(S) = nb::none());
  LMX_MOMENT("var", var)
  LMX_MOMENT("std", std)
#undef LMX_MOMENT
#define LMX_ARG_REDUCE(NAME, FN)                                                     \
  def(                                                                               \
      NAME,                                                                          \
      [](A a, std::optional<int> axis, bool keepdims, StreamOrDevice s) {            \
        array x = to_array(a);                                                       \
        return axis ? FN(x, *axis, keepdims, s) : FN(x, keepdims, s);                \
      },                                                                             \
      true, nb::arg("a"), nb::arg("axis") = nb::none(), nb::arg("keepdims") = false, \
      nb::kw_only(), nb::arg(S) = nb::none());
  LMX_ARG_REDUCE("argmax", argmax)
  LMX_ARG_REDUCE("argmin", argmin)
#undef LMX_ARG_REDUCE
  m.def(
      "softmax",
      [](A a, const Axes& axis, bool precise, StreamOrDevice s) {
        array x = to_array(a);
        return axis.axes ? softmax(x, *axis.axes, precise, s) : softmax(x, precise, s);
      },
      nb::arg("a"), nb::arg("axis") = nb::none(), nb::kw_only(), nb::arg("precise") = false,
      nb::arg(S) = nb::none());

  // ---- Scans and sorting ----
#define LMX_SCAN(NAME, FN)                                                                         \
  def(NAME, scan([](const array& x, int axis, bool reverse, bool inclusive, StreamOrDevice s) {    \
        return FN(x, axis, reverse, inclusive, s);                                                 \
      }),                                                                                          \
      true, nb::arg("a"), nb::arg("axis") = nb::none(), nb::kw_only(), nb::arg("reverse") = false, \
      nb::arg("inclusive") = true, nb::arg(S) = nb::none());
  LMX_SCAN("cumsum", cumsum)
  LMX_SCAN("cumprod", cumprod)
  LMX_SCAN("cummax", cummax)
  LMX_SCAN("cummin", cummin)
  LMX_SCAN("logcumsumexp", logcumsumexp)
#undef LMX_SCAN
#define LMX_SORT(NAME, FN)                                 \
  m.def(                                                   \
      NAME,                                                \
      [](A a, std::optional<int> axis, StreamOrDevice s) { \
        array x = to_array(a);                             \
        return axis ? FN(x, *axis, s) : FN(x, s);          \
      },                                                   \
      nb::arg("a"), nb::arg("axis") = -1, nb::kw_only(), nb::arg(S) = nb::none());
  LMX_SORT("sort", sort)
  LMX_SORT("argsort", argsort)
#undef LMX_SORT
  m.def(
      "topk",
      [](A a, int k, std::optional<int> axis, StreamOrDevice s) {
        array x = to_array(a);
        return axis ? topk(x, k, *axis, s) : topk(x, k, s);
      },
      nb::arg("a"), nb::arg("k"), nb::arg("axis") = -1, nb::kw_only(), nb::arg(S) = nb::none());

  // ---- Indexing ----
  m.def(
      "take",
      [](A a, A indices, std::optional<int> axis, StreamOrDevice s) {
        array x = to_array(a), idx = to_array(indices);
        return axis ? take(x, idx, *axis, s) : take(x, idx, s);
      },
      nb::arg("a"), nb::arg("indices"), nb::arg("axis") = nb::none(), nb::kw_only(),
      nb::arg(S) = nb::none());
  m.def(
      "take_along_axis",
      [](A a, A indices, std::optional<int> axis, StreamOrDevice s) {
        array x = to_array(a), idx = to_array(indices);
        if (!axis) return take_along_axis(reshape(x, {-1}, s), reshape(idx, {-1}, s), 0, s);
        return take_along_axis(x, idx, *axis, s);
      },
      nb::arg("a"), nb::arg("indices"), nb::arg("axis") = nb::none(), nb::kw_only(),
      nb::arg(S) = nb::none());
  m.def(
      "put_along_axis",
      [](A a, A indices, A values, std::optional<int> axis, StreamOrDevice s) {
        array x = to_array(a), idx = to_array(indices);
        array v = to_arrays(nb::cast(x), values.obj).second;
        if (!axis) {
          return reshape(put_along_axis(reshape(x, {-1}, s), reshape(idx, {-1}, s), v, 0, s),
                         x.shape(), s);
        }
        return put_along_axis(x, idx, v, *axis, s);
      },
      nb::arg("a"), nb::arg("indices"), nb::arg("values"), nb::arg("axis") = nb::none(),
      nb::kw_only(), nb::arg(S) = nb::none());

  // ---- Convolutions ----
  m.def(
      "conv1d",
      [](A input, A weight, int stride, int padding, int dilation, int groups, StreamOrDevice s) {
        return conv1d(to_array(input), to_array(weight), stride, padding, dilation, groups, s);
      },
      nb::arg("input"), nb::arg("weight"), nb::arg("stride") = 1, nb::arg("padding") = 0,
      nb::arg("dilation") = 1, nb::arg("groups") = 1, nb::kw_only(), nb::arg(S) = nb::none());
  m.def(
      "conv2d",
      [](A input, A weight, nb::handle stride, nb::handle padding, nb::handle dilation, int groups,
         StreamOrDevice s) {
        return conv2d(to_array(input), to_array(weight), pair_of(stride), pair_of(padding),
                      pair_of(dilation), groups, s);
      },
      nb::arg("input"), nb::arg("weight"), nb::arg("stride") = 1, nb::arg("padding") = 0,
      nb::arg("dilation") = 1, nb::arg("groups") = 1, nb::kw_only(), nb::arg(S) = nb::none());
  m.def(
      "conv3d",
      [](A input, A weight, nb::handle stride, nb::handle padding, nb::handle dilation, int groups,
         StreamOrDevice s) {
        return conv3d(to_array(input), to_array(weight), triple_of(stride), triple_of(padding),
                      triple_of(dilation), groups, s);
      },
      nb::arg("input"), nb::arg("weight"), nb::arg("stride") = 1, nb::arg("padding") = 0,
      nb::arg("dilation") = 1, nb::arg("groups") = 1, nb::kw_only(), nb::arg(S) = nb::none());
  m.def(
      "conv_transpose1d",
      [](A input, A weight, int stride, int padding, int dilation, int output_padding, int groups,
         StreamOrDevice s) {
        return conv_transpose1d(to_array(input), to_array(weight), stride, padding, dilation,
                                output_padding, groups, s);
      },
      nb::arg("input"), nb::arg("weight"), nb::arg("stride") = 1, nb::arg("padding") = 0,
      nb::arg("dilation") = 1, nb::arg("output_padding") = 0, nb::arg("groups") = 1, nb::kw_only(),
      nb::arg(S) = nb::none());
  m.def(
      "conv_transpose2d",
      [](A input, A weight, nb::handle stride, nb::handle padding, nb::handle dilation,
         nb::handle output_padding, int groups, StreamOrDevice s) {
        return conv_transpose2d(to_array(input), to_array(weight), pair_of(stride),
                                pair_of(padding), pair_of(dilation), pair_of(output_padding),
                                groups, s);
      },
      nb::arg("input"), nb::arg("weight"), nb::arg("stride") = 1, nb::arg("padding") = 0,
      nb::arg("dilation") = 1, nb::arg("output_padding") = 0, nb::arg("groups") = 1, nb::kw_only(),
      nb::arg(S) = nb::none());
  m.def(
      "conv_transpose3d",
      [](A input, A weight, nb::handle stride, nb::handle padding, nb::handle dilation,
         nb::handle output_padding, int groups, StreamOrDevice s) {
        return conv_transpose3d(to_array(input), to_array(weight), triple_of(stride),
                                triple_of(padding), triple_of(dilation), triple_of(output_padding),
                                groups, s);
      },
      nb::arg("input"), nb::arg("weight"), nb::arg("stride") = 1, nb::arg("padding") = 0,
      nb::arg("dilation") = 1, nb::arg("output_padding") = 0, nb::arg("groups") = 1, nb::kw_only(),
      nb::arg(S) = nb::none());
  m.def(
      "conv_general",
      [](A input, A weight, nb::handle stride, nb::handle padding, nb::handle kernel_dilation,
         nb::handle input_dilation, int groups, bool flip, StreamOrDevice s) {
        array x = to_array(input), w = to_array(weight);
        size_t n = static_cast<size_t>(std::max(x.ndim() - 2, 0));
        std::vector<int> lo, hi;
        if (!PyLong_Check(padding.ptr()) && nb::len(padding) == 2 &&
            !PyLong_Check(nb::borrow(padding)[0].ptr())) {
          lo = ints_of(nb::borrow(padding)[0], n);
          hi = ints_of(nb::borrow(padding)[1], n);
        } else {
          lo = hi = ints_of(padding, n);
        }
        return conv_general(x, w, ints_of(stride, n), lo, hi, ints_of(kernel_dilation, n),
                            ints_of(input_dilation, n), groups, flip, s);
      },
      nb::arg("input"), nb::arg("weight"), nb::arg("stride") = 1, nb::arg("padding") = 0,
      nb::arg("kernel_dilation") = 1, nb::arg("input_dilation") = 1, nb::arg("groups") = 1,
      nb::arg("flip") = false, nb::kw_only(), nb::arg(S) = nb::none());

  // ---- Quantization ----
  m.def(
      "quantize",
      [](A w, std::optional<int> group_size, std::optional<int> bits, const std::string& mode,
         StreamOrDevice s) {
        auto r = quantize(to_array(w), group_size, bits, mode, s);
        nb::list out;
        for (auto& a : r) out.append(a);
        return nb::tuple(out);
      },
      nb::arg("w"), nb::arg("group_size") = nb::none(), nb::arg("bits") = nb::none(),
      nb::arg("mode") = "affine", nb::kw_only(), nb::arg(S) = nb::none());
  m.def(
      "dequantize",
      [](A w, A scales, nb::handle biases, std::optional<int> group_size, std::optional<int> bits,
         const std::string& mode, std::optional<Dtype> dtype, StreamOrDevice s) {
        std::optional<array> b;
        if (!biases.is_none()) b = to_array(biases);
        return dequantize(to_array(w), to_array(scales), b, group_size, bits, mode, dtype, s);
      },
      nb::arg("w"), nb::arg("scales"), nb::arg("biases") = nb::none(),
      nb::arg("group_size") = nb::none(), nb::arg("bits") = nb::none(), nb::arg("mode") = "affine",
      nb::kw_only(), nb::arg("dtype") = nb::none(), nb::arg(S) = nb::none());
  m.def(
      "quantized_matmul",
      [](A x, A w, A scales, nb::handle biases, bool transpose, std::optional<int> group_size,
         std::optional<int> bits, const std::string& mode, StreamOrDevice s) {
        std::optional<array> b;
        if (!biases.is_none()) b = to_array(biases);
        return quantized_matmul(to_array(x), to_array(w), to_array(scales), b, transpose,
                                group_size, bits, mode, s);
      },
      nb::arg("x"), nb::arg("w"), nb::arg("scales"), nb::arg("biases") = nb::none(),
      nb::arg("transpose") = true, nb::arg("group_size") = nb::none(), nb::arg("bits") = nb::none(),
      nb::arg("mode") = "affine", nb::kw_only(), nb::arg(S) = nb::none());
}

}  // namespace lmx::python
