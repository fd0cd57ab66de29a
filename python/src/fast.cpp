// mx.fast: fused normalisations, RoPE and scaled dot-product attention.
#include "python/src/python.h"

namespace lmx::python {

void init_fast(nb::module_& parent) {
  auto m = parent.def_submodule("fast", "Fused operations.");
  constexpr auto S = "stream";
  m.def(
      "rms_norm",
      [](const array& x, std::optional<array> weight, float eps, StreamOrDevice s) {
        return fast::rms_norm(x, weight, eps, s);
      },
      nb::arg("x"), nb::arg("weight").none(), nb::arg("eps"), nb::kw_only(),
      nb::arg(S) = nb::none());
  m.def(
      "layer_norm",
      [](const array& x, std::optional<array> weight, std::optional<array> bias, float eps,
         StreamOrDevice s) { return fast::layer_norm(x, weight, bias, eps, s); },
      nb::arg("x"), nb::arg("weight").none(), nb::arg("bias").none(), nb::arg("eps"), nb::kw_only(),
      nb::arg(S) = nb::none());
  m.def(
      "rope",
      [](const array& a, int dims, bool traditional, std::optional<float> base, float scale,
         nb::handle offset, std::optional<array> freqs, StreamOrDevice s) {
        if (PyLong_Check(offset.ptr()))
          return fast::rope(a, dims, traditional, base, scale, nb::cast<int>(offset), freqs, s);
        return fast::rope(a, dims, traditional, base, scale, to_array(offset), freqs, s);
      },
      nb::arg("a"), nb::arg("dims"), nb::kw_only(), nb::arg("traditional"), nb::arg("base").none(),
      nb::arg("scale"), nb::arg("offset"), nb::arg("freqs") = nb::none(), nb::arg(S) = nb::none());
  m.def(
      "scaled_dot_product_attention",
      [](const array& q, const array& k, const array& v, float scale, nb::handle mask,
         std::optional<array> sinks, StreamOrDevice s) {
        if (mask.is_none())
          return fast::scaled_dot_product_attention(q, k, v, scale, "", {}, sinks, s);
        if (PyUnicode_Check(mask.ptr())) {
          return fast::scaled_dot_product_attention(q, k, v, scale, nb::cast<std::string>(mask), {},
                                                    sinks, s);
        }
        return fast::scaled_dot_product_attention(q, k, v, scale, "", to_array(mask), sinks, s);
      },
      nb::arg("q"), nb::arg("k"), nb::arg("v"), nb::kw_only(), nb::arg("scale"),
      nb::arg("mask") = nb::none(), nb::arg("sinks") = nb::none(), nb::arg(S) = nb::none());
}

}  // namespace lmx::python
