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
}

}  // namespace lmx::python
