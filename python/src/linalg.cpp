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
  auto one = [&](const char* name, array (*f)(const array&, StreamOrDevice), const char* doc) {
    m.def(
        name, [f](const ArrayLike& a, StreamOrDevice s) { return f(to_array(a), s); }, nb::arg("a"),
        nb::kw_only(), nb::arg("stream") = nb::none(), doc);
  };
  one("inv", &linalg::inv, "The inverse of each square matrix.");
  one("pinv", &linalg::pinv, "The Moore-Penrose pseudo-inverse.");
  auto upper = [&](const char* name, array (*f)(const array&, bool, StreamOrDevice),
                   const char* doc) {
    m.def(
        name,
        [f](const ArrayLike& a, bool upper, StreamOrDevice s) { return f(to_array(a), upper, s); },
        nb::arg("a"), nb::arg("upper") = false, nb::kw_only(), nb::arg("stream") = nb::none(), doc);
  };
  upper("tri_inv", &linalg::tri_inv, "The inverse of a triangular matrix.");
  upper("cholesky", &linalg::cholesky, "The Cholesky factor.");
  upper("cholesky_inv", &linalg::cholesky_inv, "The inverse from a Cholesky factor.");
  m.def(
      "solve",
      [](const ArrayLike& a, const ArrayLike& b, StreamOrDevice s) {
        return linalg::solve(to_array(a), to_array(b), s);
      },
      nb::arg("a"), nb::arg("b"), nb::kw_only(), nb::arg("stream") = nb::none());
  m.def(
      "solve_triangular",
      [](const ArrayLike& a, const ArrayLike& b, bool upper, StreamOrDevice s) {
        return linalg::solve_triangular(to_array(a), to_array(b), upper, s);
      },
      nb::arg("a"), nb::arg("b"), nb::kw_only(), nb::arg("upper") = false,
      nb::arg("stream") = nb::none());
  m.def(
      "qr",
      [](const ArrayLike& a, StreamOrDevice s) {
        auto [q, r] = linalg::qr(to_array(a), s);
        return nb::make_tuple(q, r);
      },
      nb::arg("a"), nb::kw_only(), nb::arg("stream") = nb::none());
  m.def(
      "eigh",
      [](const ArrayLike& a, const std::string& uplo, StreamOrDevice s) {
        auto [w, v] = linalg::eigh(to_array(a), uplo, s);
        return nb::make_tuple(w, v);
      },
      nb::arg("a"), nb::arg("UPLO") = "L", nb::kw_only(), nb::arg("stream") = nb::none());
  m.def(
      "eigvalsh",
      [](const ArrayLike& a, const std::string& uplo, StreamOrDevice s) {
        return linalg::eigvalsh(to_array(a), uplo, s);
      },
      nb::arg("a"), nb::arg("UPLO") = "L", nb::kw_only(), nb::arg("stream") = nb::none());
  m.def(
      "eig",
      [](const ArrayLike& a, StreamOrDevice s) {
        auto [w, v] = linalg::eig(to_array(a), s);
        return nb::make_tuple(w, v);
      },
      nb::arg("a"), nb::kw_only(), nb::arg("stream") = nb::none(),
      "Eigenvalues and right eigenvectors (columns) of a general square matrix.");
  m.def(
      "eigvals",
      [](const ArrayLike& a, StreamOrDevice s) { return linalg::eigvals(to_array(a), s); },
      nb::arg("a"), nb::kw_only(), nb::arg("stream") = nb::none(),
      "Eigenvalues of a general square matrix.");
  m.def(
      "lu",
      [](const ArrayLike& a, StreamOrDevice s) {
        auto plu = linalg::lu(to_array(a), s);
        return nb::make_tuple(plu[0], plu[1], plu[2]);
      },
      nb::arg("a"), nb::kw_only(), nb::arg("stream") = nb::none(), "P, L, U with a = (L @ U)[P].");
  m.def(
      "lu_factor",
      [](const ArrayLike& a, StreamOrDevice s) {
        auto [lu, piv] = linalg::lu_factor(to_array(a), s);
        return nb::make_tuple(lu, piv);
      },
      nb::arg("a"), nb::kw_only(), nb::arg("stream") = nb::none());
  one("det", &linalg::det, "The determinant.");
  m.def(
      "slogdet",
      [](const ArrayLike& a, StreamOrDevice s) {
        auto [sign, logabs] = linalg::slogdet(to_array(a), s);
        return nb::make_tuple(sign, logabs);
      },
      nb::arg("a"), nb::kw_only(), nb::arg("stream") = nb::none());
}

}  // namespace lmx::python
