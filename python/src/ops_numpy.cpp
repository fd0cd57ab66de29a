// mx's NumPy-style functions (lmx/core/ops_numpy.h), with MLX's Python
// signatures.
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "python/src/python.h"

namespace lmx::python {

namespace {

using A = const ArrayLike&;
constexpr auto S = "stream";

std::vector<array> arrays_of(nb::args args) {
  std::vector<array> out;
  for (nb::handle h : args) out.push_back(to_array(h));
  return out;
}

nb::object tuple_of(const std::vector<array>& v) {
  nb::list l;
  for (auto& a : v) l.append(nb::cast(a));
  return nb::tuple(l);
}

std::vector<int> all_axes(const array& x) {
  std::vector<int> axes(x.ndim());
  for (int i = 0; i < x.ndim(); ++i) axes[i] = i;
  return axes;
}

// atleast_Nd(*arys): one array for one argument, a list for several.
template <typename F>
auto atleast(F f) {
  return [f](nb::args args, StreamOrDevice s) -> nb::object {
    auto xs = arrays_of(args);
    if (xs.size() == 1) return nb::cast(f(xs[0], s));
    nb::list out;
    for (auto& x : xs) out.append(nb::cast(f(x, s)));
    return out;
  };
}

}  // namespace

void init_ops_numpy(nb::module_& m) {
  m.def("atleast_1d", atleast([](const array& x, StreamOrDevice s) { return atleast_1d(x, s); }),
        nb::arg("arys"), nb::kw_only(), nb::arg(S) = nb::none());
  m.def("atleast_2d", atleast([](const array& x, StreamOrDevice s) { return atleast_2d(x, s); }),
        nb::arg("arys"), nb::kw_only(), nb::arg(S) = nb::none());
  m.def("atleast_3d", atleast([](const array& x, StreamOrDevice s) { return atleast_3d(x, s); }),
        nb::arg("arys"), nb::kw_only(), nb::arg(S) = nb::none());

#define LMX_WINDOW(NAME)                                                                      \
  m.def(                                                                                      \
      #NAME, [](int M, StreamOrDevice s) { return NAME(M, s); }, nb::arg("M"), nb::kw_only(), \
      nb::arg(S) = nb::none());
  LMX_WINDOW(hanning)
  LMX_WINDOW(hamming)
  LMX_WINDOW(bartlett)
  LMX_WINDOW(blackman)
#undef LMX_WINDOW

#define LMX_UNARY(NAME)                                                                \
  m.def(                                                                               \
      #NAME, [](A a, StreamOrDevice s) { return NAME(to_array(a), s); }, nb::arg("a"), \
      nb::kw_only(), nb::arg(S) = nb::none());
  LMX_UNARY(positive)
  LMX_UNARY(trunc)
  LMX_UNARY(degrees)
  LMX_UNARY(radians)
#undef LMX_UNARY
  m.def(
      "logical_xor",
      [](A a, A b, StreamOrDevice s) {
        auto [x, y] = to_arrays(a.obj, b.obj);
        return logical_xor(x, y, s);
      },
      nb::arg("a"), nb::arg("b"), nb::kw_only(), nb::arg(S) = nb::none());
  m.def(
      "count_nonzero",
      [](A a, const Axes& axis, bool keepdims, StreamOrDevice s) {
        array x = to_array(a);
        return count_nonzero(x, axis.axes ? *axis.axes : all_axes(x), keepdims, s);
      },
      nb::arg("a"), nb::kw_only(), nb::arg("axis") = nb::none(), nb::arg("keepdims") = false,
      nb::arg(S) = nb::none());

  m.def(
      "diagonal",
      [](A a, int offset, int axis1, int axis2, StreamOrDevice s) {
        return diagonal(to_array(a), offset, axis1, axis2, s);
      },
      nb::arg("a"), nb::arg("offset") = 0, nb::arg("axis1") = 0, nb::arg("axis2") = 1,
      nb::arg(S) = nb::none());
  m.def(
      "diag", [](A a, int k, StreamOrDevice s) { return diag(to_array(a), k, s); }, nb::arg("a"),
      nb::arg("k") = 0, nb::kw_only(), nb::arg(S) = nb::none());
  m.def(
      "trace",
      [](A a, int offset, int axis1, int axis2, std::optional<Dtype> dtype, StreamOrDevice s) {
        array x = to_array(a);
        return trace(x, offset, axis1, axis2, dtype.value_or(x.dtype()), s);
      },
      nb::arg("a"), nb::arg("offset") = 0, nb::arg("axis1") = 0, nb::arg("axis2") = 1,
      nb::arg("dtype") = nb::none(), nb::kw_only(), nb::arg(S) = nb::none());
  m.def(
      "diff", [](A a, int n, int axis, StreamOrDevice s) { return diff(to_array(a), n, axis, s); },
      nb::arg("a"), nb::arg("n") = 1, nb::arg("axis") = -1, nb::kw_only(), nb::arg(S) = nb::none());
  m.def(
      "flip",
      [](A a, const Axes& axis, StreamOrDevice s) {
        array x = to_array(a);
        if (!axis.axes) return flip(x, s);
        for (int ax : *axis.axes) x = flip(x, ax, s);
        return x;
      },
      nb::arg("a"), nb::arg("axis") = nb::none(), nb::kw_only(), nb::arg(S) = nb::none());
  m.def(
      "roll",
      [](A a, const ShapeArg& shift, const Axes& axis, StreamOrDevice s) {
        array x = to_array(a);
        if (!axis.axes) return roll(x, shift.shape, s);
        if (shift.shape.size() == 1 && axis.axes->size() > 1)
          return roll(x, shift.shape[0], *axis.axes, s);
        return roll(x, shift.shape, *axis.axes, s);
      },
      nb::arg("a"), nb::arg("shift"), nb::arg("axis") = nb::none(), nb::kw_only(),
      nb::arg(S) = nb::none());
  m.def(
      "unstack",
      [](A a, int axis, StreamOrDevice s) { return tuple_of(unstack(to_array(a), axis, s)); },
      nb::arg("x"), nb::kw_only(), nb::arg("axis") = 0, nb::arg(S) = nb::none());
  m.def(
      "meshgrid",
      [](nb::args arrays, bool sparse, const std::string& indexing, StreamOrDevice s) {
        return tuple_of(meshgrid(arrays_of(arrays), sparse, indexing, s));
      },
      nb::arg("arrays"), nb::kw_only(), nb::arg("sparse") = false, nb::arg("indexing") = "xy",
      nb::arg(S) = nb::none());

  m.def(
      "kron",
      [](A a, A b, StreamOrDevice s) {
        auto [x, y] = to_arrays(a.obj, b.obj);
        return kron(x, y, s);
      },
      nb::arg("a"), nb::arg("b"), nb::kw_only(), nb::arg(S) = nb::none());
  m.def(
      "tensordot",
      [](A a, A b, nb::handle axes, StreamOrDevice s) {
        auto [x, y] = to_arrays(a.obj, b.obj);
        if (PyLong_Check(axes.ptr())) return tensordot(x, y, nb::cast<int>(axes), s);
        if (!PySequence_Check(axes.ptr()) || nb::len(axes) != 2) {
          type_error("tensordot", "axes must be an int or a pair of sequences of ints.");
        }
        auto seq = [](nb::handle h) {
          std::vector<int> v;
          if (PyLong_Check(h.ptr())) return std::vector<int>{nb::cast<int>(h)};
          for (nb::handle e : h) v.push_back(nb::cast<int>(e));
          return v;
        };
        return tensordot(x, y, seq(axes[0]), seq(axes[1]), s);
      },
      nb::arg("a"), nb::arg("b"), nb::arg("axes") = 2, nb::kw_only(), nb::arg(S) = nb::none());
  m.def(
      "einsum",
      [](const std::string& subscripts, nb::args operands, StreamOrDevice s) {
        std::vector<array> arrays;
        for (nb::handle h : operands) arrays.push_back(to_array(h));
        return einsum(subscripts, arrays, s);
      },
      nb::arg("subscripts"), nb::arg("operands"), nb::kw_only(), nb::arg(S) = nb::none(),
      "Einstein summation over the operands, contracted pairwise in a greedy order.");
  m.def(
      "einsum_path",
      [](const std::string& subscripts, nb::args operands) {
        std::vector<array> arrays;
        for (nb::handle h : operands) arrays.push_back(to_array(h));
        auto [path, text] = einsum_path(subscripts, arrays);
        nb::list steps;
        for (auto& step : path) {
          nb::list pair;
          for (int i : step) pair.append(i);
          steps.append(nb::tuple(pair));
        }
        return nb::make_tuple(steps, text);
      },
      nb::arg("subscripts"), nb::arg("operands"),
      "The contraction order einsum uses and a summary of its cost.");
  m.def(
      "vecdot",
      [](A a, A b, int axis, StreamOrDevice s) {
        auto [x, y] = to_arrays(a.obj, b.obj);
        return vecdot(x, y, axis, s);
      },
      nb::arg("a"), nb::arg("b"), nb::kw_only(), nb::arg("axis") = -1, nb::arg(S) = nb::none());

  m.def(
      "partition",
      [](A a, int kth, std::optional<int> axis, StreamOrDevice s) {
        array x = to_array(a);
        return axis ? partition(x, kth, *axis, s) : partition(x, kth, s);
      },
      nb::arg("a"), nb::arg("kth"), nb::arg("axis") = -1, nb::kw_only(), nb::arg(S) = nb::none());
  m.def(
      "argpartition",
      [](A a, int kth, std::optional<int> axis, StreamOrDevice s) {
        array x = to_array(a);
        return axis ? argpartition(x, kth, *axis, s) : argpartition(x, kth, s);
      },
      nb::arg("a"), nb::arg("kth"), nb::arg("axis") = -1, nb::kw_only(), nb::arg(S) = nb::none());
  m.def(
      "median",
      [](A a, const Axes& axis, bool keepdims, StreamOrDevice s) {
        array x = to_array(a);
        return median(x, axis.axes ? *axis.axes : all_axes(x), keepdims, s);
      },
      nb::arg("a"), nb::arg("axis") = nb::none(), nb::arg("keepdims") = false, nb::kw_only(),
      nb::arg(S) = nb::none());
  m.def(
      "minmax",
      [](A a, const Axes& axis, bool keepdims, StreamOrDevice s) {
        array x = to_array(a);
        auto [lo, hi] = minmax(x, axis.axes ? *axis.axes : all_axes(x), keepdims, s);
        return nb::make_tuple(lo, hi);
      },
      nb::arg("a"), nb::arg("axis") = nb::none(), nb::arg("keepdims") = false, nb::kw_only(),
      nb::arg(S) = nb::none());
  m.def(
      "matrix_transpose", [](A a, StreamOrDevice s) { return matrix_transpose(to_array(a), s); },
      nb::arg("a"), nb::kw_only(), nb::arg(S) = nb::none());
  m.def(
      "unique",
      [](A a, int size, bool return_index, bool return_inverse, bool return_counts,
         nb::handle fill_value, StreamOrDevice s) -> nb::object {
        array x = to_array(a);
        std::optional<array> fill;
        // A Python scalar fill takes the input's dtype.
        if (!fill_value.is_none()) fill = to_array(fill_value, x.dtype());
        auto outs = unique(x, size, return_index, return_inverse, return_counts, fill, s);
        if (outs.size() == 1) return nb::cast(outs[0]);
        nb::list items;
        for (auto& o : outs) items.append(nb::cast(o));
        return nb::tuple(items);
      },
      nb::arg("a"), nb::arg("size"), nb::arg("return_index") = false,
      nb::arg("return_inverse") = false, nb::arg("return_counts") = false,
      nb::arg("fill_value") = nb::none(), nb::kw_only(), nb::arg(S) = nb::none());
  m.def(
      "searchsorted",
      [](A seq, A values, const std::string& side, StreamOrDevice s) {
        auto [x, v] = to_arrays(seq.obj, values.obj);
        return searchsorted(x, v, side, s);
      },
      nb::arg("sorted_sequence"), nb::arg("values"), nb::arg("side") = "left", nb::kw_only(),
      nb::arg(S) = nb::none());

  // ---- Views, dtype conversions and products ----
  m.def(
      "view", [](A a, Dtype dtype, StreamOrDevice s) { return view(to_array(a), dtype, s); },
      nb::arg("a"), nb::arg("dtype"), nb::arg(S) = nb::none());
  m.def(
      "contiguous",
      [](A a, bool allow_col_major, StreamOrDevice s) {
        return contiguous(to_array(a), allow_col_major, s);
      },
      nb::arg("a"), nb::arg("allow_col_major") = false, nb::kw_only(), nb::arg(S) = nb::none());
  m.def(
      "to_fp8", [](A x, StreamOrDevice s) { return to_fp8(to_array(x), s); }, nb::arg("x"),
      nb::kw_only(), nb::arg(S) = nb::none());
  m.def(
      "from_fp8",
      [](A x, Dtype dtype, StreamOrDevice s) { return from_fp8(to_array(x), dtype, s); },
      nb::arg("x"), nb::arg("dtype") = bfloat16, nb::kw_only(), nb::arg(S) = nb::none());
  m.def(
      "hadamard_transform",
      [](A a, std::optional<float> scale, StreamOrDevice s) {
        return hadamard_transform(to_array(a), scale, s);
      },
      nb::arg("a"), nb::arg("scale") = nb::none(), nb::arg(S) = nb::none());
  m.def(
      "gather_mm",
      [](A a, A b, std::optional<array> lhs, std::optional<array> rhs, bool sorted,
         StreamOrDevice s) { return gather_mm(to_array(a), to_array(b), lhs, rhs, sorted, s); },
      nb::arg("a"), nb::arg("b"), nb::arg("lhs_indices") = nb::none(),
      nb::arg("rhs_indices") = nb::none(), nb::kw_only(), nb::arg("sorted_indices") = false,
      nb::arg(S) = nb::none());
  m.def(
      "gather_qmm",
      [](A x, A w, A scales, std::optional<array> biases, std::optional<array> lhs,
         std::optional<array> rhs, bool transpose, std::optional<int> group_size,
         std::optional<int> bits, const std::string& mode, bool sorted, StreamOrDevice s) {
        return gather_qmm(to_array(x), to_array(w), to_array(scales), biases, lhs, rhs, transpose,
                          group_size, bits, mode, sorted, s);
      },
      nb::arg("x"), nb::arg("w"), nb::arg("scales"), nb::arg("biases") = nb::none(),
      nb::arg("lhs_indices") = nb::none(), nb::arg("rhs_indices") = nb::none(),
      nb::arg("transpose") = true, nb::arg("group_size") = nb::none(), nb::arg("bits") = nb::none(),
      nb::arg("mode") = "affine", nb::kw_only(), nb::arg("sorted_indices") = false,
      nb::arg(S) = nb::none());
  m.def(
      "block_masked_mm",
      [](A a, A b, int block_size, std::optional<array> mask_out, std::optional<array> mask_lhs,
         std::optional<array> mask_rhs, StreamOrDevice s) {
        return block_masked_mm(to_array(a), to_array(b), block_size, mask_out, mask_lhs, mask_rhs,
                               s);
      },
      nb::arg("a"), nb::arg("b"), nb::arg("block_size") = 64, nb::arg("mask_out") = nb::none(),
      nb::arg("mask_lhs") = nb::none(), nb::arg("mask_rhs") = nb::none(), nb::kw_only(),
      nb::arg(S) = nb::none());
  m.def(
      "segmented_mm",
      [](A a, A b, A segments, StreamOrDevice s) {
        return segmented_mm(to_array(a), to_array(b), to_array(segments), s);
      },
      nb::arg("a"), nb::arg("b"), nb::arg("segments"), nb::kw_only(), nb::arg(S) = nb::none());
  m.def(
      "slice",
      [](A a, A start, std::vector<int> axes, const ShapeArg& size, StreamOrDevice s) {
        return dynamic_slice(to_array(a), to_array(start), std::move(axes), size.shape, s);
      },
      nb::arg("a"), nb::arg("start_indices"), nb::arg("axes"), nb::arg("slice_size"), nb::kw_only(),
      nb::arg(S) = nb::none());
  m.def(
      "slice_update",
      [](A a, A update, A start, std::vector<int> axes, StreamOrDevice s) {
        auto [x, u] = to_arrays(a.obj, update.obj);
        return dynamic_slice_update(x, u, to_array(start), std::move(axes), s);
      },
      nb::arg("a"), nb::arg("update"), nb::arg("start_indices"), nb::arg("axes"), nb::kw_only(),
      nb::arg(S) = nb::none());
}

}  // namespace lmx::python
