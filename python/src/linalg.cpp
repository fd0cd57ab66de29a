// mx.linalg: linear algebra over the C++ lmx::linalg.
#include "python/src/python.h"

namespace lmx::python {

void init_linalg(nb::module_& parent) {
  auto m = parent.def_submodule("linalg", "Linear algebra.");
  m.def(
      "svd",
      [](const ArrayLike& a, bool compute_uv, StreamOrDevice s) -> nb::object {
        auto outs = linalg::svd(to_array(a), compute_uv, s);
        if (!compute_uv) return nb::cast(outs[0]);
        return nb::make_tuple(outs[0], outs[1], outs[2]);
      },
      nb::arg("a"), nb::arg("compute_uv") = true, nb::kw_only(), nb::arg("stream") = nb::none(),
      "The singular value decomposition: (U, S, Vt), or S without compute_uv.");
  m.def(
      "norm",
      [](const ArrayLike& a, nb::handle ord, const Axes& axis, bool keepdims, StreamOrDevice s) {
        array x = to_array(a);
        if (ord.is_none()) return linalg::norm(x, axis.axes, keepdims, s);
        if (nb::isinstance<nb::str>(ord)) {
          return linalg::norm(x, nb::cast<std::string>(ord), axis.axes, keepdims, s);
        }
        return linalg::norm(x, nb::cast<double>(ord), axis.axes, keepdims, s);
      },
      nb::arg("a"), nb::arg("ord") = nb::none(), nb::arg("axis") = nb::none(),
      nb::arg("keepdims") = false, nb::kw_only(), nb::arg("stream") = nb::none(),
      "Vector or matrix norm.");
  m.def(
      "cross",
      [](const ArrayLike& a, const ArrayLike& b, int axis, StreamOrDevice s) {
        auto [x, y] = to_arrays(a.obj, b.obj);
        return linalg::cross(x, y, axis, s);
      },
      nb::arg("a"), nb::arg("b"), nb::arg("axis") = -1, nb::kw_only(),
      nb::arg("stream") = nb::none(), "The cross product along axis.");
}

}  // namespace lmx::python
