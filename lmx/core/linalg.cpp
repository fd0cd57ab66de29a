#include "lmx/core/linalg.h"

#include <cmath>
#include <limits>

#include "lmx/core/linalg_primitives.h"
#include "lmx/core/ops_common.h"
#include "lmx/core/ops_numpy.h"
#include "lmx/core/transforms.h"

namespace lmx::linalg {

std::vector<array> svd(const array& a, bool compute_uv, StreamOrDevice s) {
  if (a.ndim() < 2) {
    fail("linalg::svd", "Input array must have >= 2 dimensions. Received array with ", a.ndim(),
         " dimensions.");
  }
  if (a.dtype() != float32 && a.dtype() != float64 && a.dtype() != complex64) {
    fail("linalg::svd",
         "Arrays must have type float32, float64 or complex64. Received array with type ",
         a.dtype(), ".");
  }
  Shape batch(a.shape().begin(), a.shape().end() - 2);
  const int m = a.shape(-2), n = a.shape(-1);
  auto with = [&](std::initializer_list<int> tail) {
    Shape shape = batch;
    shape.insert(shape.end(), tail);
    return shape;
  };
  auto prim = std::make_shared<SVD>(to_stream(s), compute_uv);
  // Singular values are real: float32 for complex64 input.
  const Dtype values = a.dtype() == complex64 ? float32 : a.dtype();
  if (!compute_uv) return array::make_arrays({with({std::min(m, n)})}, {values}, prim, {a});
  return array::make_arrays({with({m, m}), with({std::min(m, n)}), with({n, n})},
                            {a.dtype(), values, a.dtype()}, prim, {a});
}

std::vector<array> svd(const array& a, StreamOrDevice s) {
  return svd(a, true, s);
}

namespace {

// Float32 or float64 (or, where allowed, complex64) matrices in the last two
// axes, square when asked.
void check_matrices(const array& a, const char* who, bool square, bool complex_ok = false) {
  if (a.ndim() < 2) {
    fail(who, "Arrays must have >= 2 dimensions. Received array with ", a.ndim(), " dimensions.");
  }
  if (a.dtype() != float32 && a.dtype() != float64 && !(complex_ok && a.dtype() == complex64)) {
    fail(who, "Arrays must have type float32",
         complex_ok ? ", float64 or complex64" : " or float64", ". Received array with type ",
         a.dtype(), ".");
  }
  if (square && a.shape(-1) != a.shape(-2)) {
    fail(who, "Only defined for square matrices, got shape ", a.shape(), ".");
  }
}

}  // namespace

array inv(const array& a, StreamOrDevice s) {
  check_matrices(a, "linalg::inv", true);
  return array(a.shape(), a.dtype(), std::make_shared<Inverse>(to_stream(s), false, false), {a});
}

array tri_inv(const array& a, bool upper, StreamOrDevice s) {
  check_matrices(a, "linalg::tri_inv", true);
  return array(a.shape(), a.dtype(), std::make_shared<Inverse>(to_stream(s), true, upper), {a});
}

array cholesky(const array& a, bool upper, StreamOrDevice s) {
  check_matrices(a, "linalg::cholesky", true);
  return array(a.shape(), a.dtype(), std::make_shared<Cholesky>(to_stream(s), upper), {a});
}

array cholesky_inv(const array& factor, bool upper, StreamOrDevice s) {
  check_matrices(factor, "linalg::cholesky_inv", true);
  // a = L L^T gives a^-1 = L^-T L^-1; a = U^T U gives U^-1 U^-T.
  auto t = tri_inv(factor, upper, s);
  auto tt = swapaxes(t, -1, -2, s);
  return upper ? matmul(t, tt, s) : matmul(tt, t, s);
}

array pinv(const array& a, StreamOrDevice s) {
  check_matrices(a, "linalg::pinv", false);
  const int m = a.shape(-2), n = a.shape(-1), k = std::min(m, n);
  auto usv = svd(a, true, s);
  auto u = take(usv[0], arange(k), -1, s);
  auto vt = take(usv[2], arange(k), -2, s);
  // Singular values below max(M, N) * eps * the largest count as zero.
  double eps = a.dtype() == float64 ? std::numeric_limits<double>::epsilon()
                                    : std::numeric_limits<float>::epsilon();
  auto cutoff = multiply(max(usv[1], -1, true, s), array(std::max(m, n) * eps, a.dtype()), s);
  auto kept = greater(usv[1], cutoff, s);
  auto inv_s = where(kept, reciprocal(where(kept, usv[1], array(1, a.dtype()), s), s),
                     array(0, a.dtype()), s);
  return matmul(multiply(swapaxes(vt, -1, -2, s), expand_dims(inv_s, -2, s), s),
                swapaxes(u, -1, -2, s), s);
}

namespace {

array solve_with(const array& a_inv, const array& a, const array& b, const char* who,
                 StreamOrDevice s) {
  bool vector = b.ndim() == a.ndim() - 1;
  int rows = vector ? b.shape(-1) : (b.ndim() >= 2 ? b.shape(-2) : -1);
  if (b.ndim() < 1 || rows != a.shape(-1)) {
    fail(who, "Last dimension of first input with shape ", a.shape(),
         " must match second to last dimension of second input with shape ", b.shape(), ".");
  }
  if (vector) return squeeze(matmul(a_inv, expand_dims(b, -1, s), s), -1, s);
  return matmul(a_inv, b, s);
}

}  // namespace

namespace {

// One Solve node over a (..., N, N) and b (..., N, K) broadcast to one batch
// shape.
array solve_matrices(const array& a, const array& b, Stream s) {
  Shape batch = broadcast_shapes(Shape(a.shape().begin(), a.shape().end() - 2),
                                 Shape(b.shape().begin(), b.shape().end() - 2));
  Shape a_shape = batch, b_shape = batch;
  a_shape.insert(a_shape.end(), {a.shape(-2), a.shape(-1)});
  b_shape.insert(b_shape.end(), {b.shape(-2), b.shape(-1)});
  return array(b_shape, a.dtype(), std::make_shared<Solve>(s),
               {broadcast_to(a, a_shape, s), broadcast_to(b, b_shape, s)});
}

}  // namespace

// A vector b (one axis fewer than a) is a matrix of one column.
array solve(const array& a, const array& b, StreamOrDevice sd) {
  const char* who = "linalg::solve";
  check_matrices(a, who, true);
  const bool vector = b.ndim() == a.ndim() - 1;
  const int rows = vector ? b.shape(-1) : (b.ndim() >= 2 ? b.shape(-2) : -1);
  if (b.ndim() < 1 || rows != a.shape(-1)) {
    fail(who, "Last dimension of first input with shape ", a.shape(),
         " must match second to last dimension of second input with shape ", b.shape(), ".");
  }
  Stream s = to_stream(sd);
  auto x = solve_matrices(a, astype(vector ? expand_dims(b, -1, s) : b, a.dtype(), s), s);
  return vector ? squeeze(x, -1, s) : x;
}

array solve_triangular(const array& a, const array& b, bool upper, StreamOrDevice s) {
  check_matrices(a, "linalg::solve_triangular", true);
  auto bb = astype(b, a.dtype(), s);
  return solve_with(tri_inv(a, upper, s), a, bb, "linalg::solve_triangular", s);
}

std::pair<array, array> qr(const array& a, StreamOrDevice s) {
  check_matrices(a, "linalg::qr", false);
  Shape batch(a.shape().begin(), a.shape().end() - 2);
  const int m = a.shape(-2), n = a.shape(-1), k = std::min(m, n);
  Shape qs = batch, rs = batch;
  qs.insert(qs.end(), {m, k});
  rs.insert(rs.end(), {k, n});
  auto outs = array::make_arrays({qs, rs}, {a.dtype(), a.dtype()},
                                 std::make_shared<QRF>(to_stream(s)), {a});
  return {outs[0], outs[1]};
}

namespace {

std::vector<array> eigh_impl(const array& a, const std::string& uplo, bool vectors, const char* who,
                             StreamOrDevice s) {
  // Hermitian complex64 matrices too, with float32 eigenvalues (as MLX).
  check_matrices(a, who, true, true);
  if (uplo != "L" && uplo != "U") fail(who, "UPLO must be 'L' or 'U', got '", uplo, "'.");
  Shape values(a.shape().begin(), a.shape().end() - 1);
  const Dtype value_type = a.dtype() == complex64 ? float32 : a.dtype();
  auto prim = std::make_shared<Eigh>(to_stream(s), uplo, vectors);
  if (!vectors) return array::make_arrays({values}, {value_type}, prim, {a});
  return array::make_arrays({values, a.shape()}, {value_type, a.dtype()}, prim, {a});
}

}  // namespace

namespace {

std::vector<array> eig_impl(const array& a, bool vectors, const char* who, StreamOrDevice s) {
  if (a.ndim() < 2) {
    fail(who, "Arrays must have >= 2 dimensions. Received array with ", a.ndim(), " dimensions.");
  }
  if (a.dtype() != float32 && a.dtype() != float64 && a.dtype() != complex64) {
    fail(who, "Arrays must have type float32, float64 or complex64. Received array with type ",
         a.dtype(), ".");
  }
  if (a.shape(-1) != a.shape(-2)) fail(who, "Only defined for square matrices.");
  Shape values(a.shape().begin(), a.shape().end() - 1);
  auto prim = std::make_shared<Eig>(to_stream(s), vectors);
  if (!vectors) return array::make_arrays({values}, {complex64}, prim, {a});
  return array::make_arrays({values, a.shape()}, {complex64, complex64}, prim, {a});
}

}  // namespace

std::pair<array, array> eig(const array& a, StreamOrDevice s) {
  auto outs = eig_impl(a, true, "linalg::eig", s);
  return {outs[0], outs[1]};
}

array eigvals(const array& a, StreamOrDevice s) {
  return eig_impl(a, false, "linalg::eigvals", s)[0];
}

std::pair<array, array> eigh(const array& a, std::string UPLO, StreamOrDevice s) {
  auto outs = eigh_impl(a, UPLO, true, "linalg::eigh", s);
  return {outs[0], outs[1]};
}

array eigvalsh(const array& a, std::string UPLO, StreamOrDevice s) {
  return eigh_impl(a, UPLO, false, "linalg::eigvalsh", s)[0];
}

namespace {

std::vector<array> lu_outputs(const array& a, const char* who, StreamOrDevice s) {
  check_matrices(a, who, false);
  Shape batch(a.shape().begin(), a.shape().end() - 2);
  const int m = a.shape(-2), n = a.shape(-1);
  Shape piv = batch, rows = batch;
  piv.push_back(std::min(m, n));
  rows.push_back(m);
  return array::make_arrays({a.shape(), piv, rows}, {a.dtype(), uint32, uint32},
                            std::make_shared<LUF>(to_stream(s)), {a});
}

// (sign, log|det|) from the LU factors: the product of U's diagonal, its
// sign flipped once per row swap.
std::pair<array, array> sign_and_logabs(const array& a, const char* who, StreamOrDevice s) {
  check_matrices(a, who, true);
  auto f = lu_outputs(a, who, s);
  auto d = diagonal(f[0], 0, -2, -1, s);
  const int n = a.shape(-1);
  auto swaps =
      sum(astype(not_equal(f[1], astype(arange(n), uint32, s), s), int32, s), -1, false, s);
  auto parity = subtract(
      array(1, a.dtype()),
      multiply(array(2, a.dtype()), astype(remainder(swaps, array(2), s), a.dtype(), s), s), s);
  auto sgn = multiply(parity, prod(sign(d, s), -1, false, s), s);
  auto logabs = sum(log(abs(d, s), s), -1, false, s);
  return {sgn, logabs};
}

}  // namespace

std::vector<array> lu(const array& a, StreamOrDevice s) {
  auto f = lu_outputs(a, "linalg::lu", s);
  const int m = a.shape(-2), n = a.shape(-1), k = std::min(m, n);
  auto l = add(tril(take(f[0], arange(k), -1, s), -1, s), eye(m, k, 0, a.dtype(), s), s);
  auto u = triu(take(f[0], arange(k), -2, s), 0, s);
  return {f[2], l, u};
}

std::pair<array, array> lu_factor(const array& a, StreamOrDevice s) {
  auto f = lu_outputs(a, "linalg::lu_factor", s);
  return {f[0], f[1]};
}

namespace {

// a^-T, broadcast against the matrices' scalars (..., 1, 1).
array inv_t(const array& a, StreamOrDevice s) {
  return swapaxes(inv(a, s), -1, -2, s);
}
array as_matrix_scalar(const array& x, StreamOrDevice s) {
  return expand_dims(x, {-2, -1}, s);
}
// trace(a^-1 t) = sum(a^-T * t) per matrix.
array log_det_tangent(const array& a, const array& t, StreamOrDevice s) {
  return sum(multiply(inv_t(a, s), t, s), {-2, -1}, false, s);
}

}  // namespace

// d det = det a^-T and d log|det| = a^-T; the sign is piecewise constant.
array det(const array& a, StreamOrDevice s) {
  check_matrices(a, "linalg::det", true);
  auto fn = [s](const std::vector<array>& x) {
    auto [sgn, logabs] = sign_and_logabs(x[0], "linalg::det", s);
    return std::vector<array>{multiply(sgn, exp(logabs, s), s)};
  };
  auto vjp = [s](const std::vector<array>& primals, const std::vector<array>& cotangents,
                 const std::vector<array>& outputs) {
    auto scale = as_matrix_scalar(multiply(cotangents[0], outputs[0], s), s);
    return std::vector<array>{multiply(scale, inv_t(primals[0], s), s)};
  };
  auto jvp = [s, fn](const std::vector<array>& primals, const std::vector<array>& tangents,
                     const std::vector<int>&) {
    return std::vector<array>{
        multiply(fn(primals)[0], log_det_tangent(primals[0], tangents[0], s), s)};
  };
  return custom_function(fn, vjp, jvp)({a})[0];
}

std::pair<array, array> slogdet(const array& a, StreamOrDevice s) {
  check_matrices(a, "linalg::slogdet", true);
  auto fn = [s](const std::vector<array>& x) {
    auto [sgn, logabs] = sign_and_logabs(x[0], "linalg::slogdet", s);
    return std::vector<array>{sgn, logabs};
  };
  auto vjp = [s](const std::vector<array>& primals, const std::vector<array>& cotangents,
                 const std::vector<array>&) {
    return std::vector<array>{
        multiply(as_matrix_scalar(cotangents[1], s), inv_t(primals[0], s), s)};
  };
  auto jvp = [s](const std::vector<array>& primals, const std::vector<array>& tangents,
                 const std::vector<int>&) {
    auto t = log_det_tangent(primals[0], tangents[0], s);
    return std::vector<array>{zeros_like(t, s), t};
  };
  auto outs = custom_function(fn, vjp, jvp)({a});
  return {outs[0], outs[1]};
}

namespace {

constexpr const char* kNorm = "linalg::norm";

std::vector<int> norm_axes(const array& a, const std::optional<std::vector<int>>& axis) {
  if (axis) {
    if (axis->size() > 2) fail(kNorm, "Received too many axes for norm.");
    return *axis;
  }
  if (a.ndim() == 1) return {0};
  if (a.ndim() == 2) return {0, 1};
  fail(kNorm, "Improper number of dimensions to norm.");
}

array vector_norm(const array& x, double ord, const std::vector<int>& ax, bool keepdims,
                  StreamOrDevice s) {
  auto mag = abs(x, s);
  if (std::isinf(ord)) return ord > 0 ? max(mag, ax, keepdims, s) : min(mag, ax, keepdims, s);
  if (ord == 0) {
    return astype(sum(not_equal(x, array(0, x.dtype()), s), ax, keepdims, s), x.dtype(), s);
  }
  if (ord == 1) return sum(mag, ax, keepdims, s);
  if (ord == 2) return sqrt(sum(square(mag, s), ax, keepdims, s), s);
  auto p = array(ord, x.dtype());
  return power(sum(power(mag, p, s), ax, keepdims, s), array(1.0 / ord, x.dtype()), s);
}

// The singular values of the matrices in axes (a0, a1), moved last.
array singular_values(const array& x, int a0, int a1, StreamOrDevice s) {
  auto moved = moveaxis(moveaxis(x, a0, -1, s), a1 > a0 ? a1 - 1 : a1, -1, s);
  return linalg::svd(moved, false, s)[0];
}

// Puts back, with keepdims, the two reduced matrix axes as size 1.
array keep_matrix_dims(array r, int a0, int a1, bool keepdims, StreamOrDevice s) {
  if (!keepdims) return r;
  return expand_dims(r, {std::min(a0, a1), std::max(a0, a1)}, s);
}

array matrix_norm(const array& x, double ord, int a0, int a1, bool keepdims, StreamOrDevice s) {
  if (ord == 2 || ord == -2) {
    auto sv = singular_values(x, a0, a1, s);
    auto r = ord > 0 ? max(sv, -1, false, s) : min(sv, -1, false, s);
    return keep_matrix_dims(r, a0, a1, keepdims, s);
  }
  // 1: the largest column sum of |x|; inf: the largest row sum.
  int inner = 0, outer = 0;
  if (ord == 1 || ord == -1) {
    inner = a0;
    outer = a1;
  } else if (std::isinf(ord)) {
    inner = a1;
    outer = a0;
  } else {
    fail(kNorm, "Invalid ord ", ord, " for matrix norm.");
  }
  auto sums = sum(abs(x, s), inner, true, s);
  auto r = ord > 0 ? max(sums, outer, true, s) : min(sums, outer, true, s);
  return keepdims ? r : squeeze(r, std::vector<int>{a0, a1}, s);
}

array float_input(const array& a) {
  return is_inexact(a.dtype()) ? a : astype(a, float32);
}

}  // namespace

array norm(const array& a, const double ord, const std::optional<std::vector<int>>& axis,
           bool keepdims, StreamOrDevice s) {
  auto x = float_input(a);
  auto ax = normalize_axes(norm_axes(x, axis), x.ndim(), kNorm);
  if (ax.size() == 2 && ax[0] == ax[1]) fail(kNorm, "Received repeated axes for a matrix norm.");
  if (ax.size() == 1) return vector_norm(x, ord, ax, keepdims, s);
  return matrix_norm(x, ord, ax[0], ax[1], keepdims, s);
}

array norm(const array& a, const std::string& ord, const std::optional<std::vector<int>>& axis,
           bool keepdims, StreamOrDevice s) {
  auto x = float_input(a);
  if (ord != "fro" && ord != "nuc") {
    auto ax = norm_axes(x, axis);
    if (ax.size() == 2) fail(kNorm, "Invalid ord value '", ord, "' for matrix norm.");
    fail(kNorm, "Invalid ord value '", ord, "' for vector norm.");
  }
  size_t given = axis ? axis->size() : static_cast<size_t>(x.ndim());
  if (given != 2) {
    fail(kNorm, "Norm '", ord, "' only supported for matrices, but received ", given,
         " axis/axes.");
  }
  auto ax = normalize_axes(norm_axes(x, axis), x.ndim(), kNorm);
  if (ax[0] == ax[1]) fail(kNorm, "Received repeated axes for a matrix norm.");
  if (ord == "fro") return sqrt(sum(square(abs(x, s), s), ax, keepdims, s), s);
  auto r = sum(singular_values(x, ax[0], ax[1], s), -1, false, s);
  return keep_matrix_dims(r, ax[0], ax[1], keepdims, s);
}

array norm(const array& a, const std::optional<std::vector<int>>& axis, bool keepdims,
           StreamOrDevice s) {
  auto x = float_input(a);
  std::vector<int> ax;
  if (axis) {
    if (axis->size() > 2) fail(kNorm, "Received too many axes for norm.");
    ax = normalize_axes(*axis, x.ndim(), kNorm);
  } else {
    for (int i = 0; i < x.ndim(); ++i) ax.push_back(i);
  }
  // The 2-norm of the entries (Frobenius for two axes).
  return sqrt(sum(square(abs(x, s), s), ax, keepdims, s), s);
}

array cross(const array& a, const array& b, int axis, StreamOrDevice s) {
  const char* who = "linalg::cross";
  auto padded = [&](const array& x) {
    int ax = normalize_axis(axis, x.ndim(), who);
    int n = x.shape(ax);
    if (n != 2 && n != 3) fail(who, "The specified axis must have size 2 or 3.");
    if (n == 3) return x;
    std::vector<int> axes{ax};
    return pad(x, axes, Shape{0}, Shape{1}, array(0, x.dtype()), "constant", s);
  };
  auto both = broadcast_arrays({padded(a), padded(b)}, s);
  int ax = normalize_axis(axis, both[0].ndim(), who);
  auto c = [&](const array& x, int i) { return take(x, i, ax, s); };
  auto x0 = c(both[0], 0), x1 = c(both[0], 1), x2 = c(both[0], 2);
  auto y0 = c(both[1], 0), y1 = c(both[1], 1), y2 = c(both[1], 2);
  return stack({subtract(multiply(x1, y2, s), multiply(x2, y1, s), s),
                subtract(multiply(x2, y0, s), multiply(x0, y2, s), s),
                subtract(multiply(x0, y1, s), multiply(x1, y0, s), s)},
               ax, s);
}

}  // namespace lmx::linalg

namespace lmx {

bool SVD::is_equivalent(const Primitive& other) const {
  return compute_uv_ == static_cast<const SVD&>(other).compute_uv_;
}

// Each matrix is decomposed on its own: a batch axis in front is one more
// leading axis.
std::pair<std::vector<array>, std::vector<int>> SVD::vmap(const std::vector<array>& inputs,
                                                          const std::vector<int>& axes,
                                                          const std::vector<array>&) {
  auto x = axes[0] == 0 ? inputs[0] : moveaxis(inputs[0], axes[0], 0);
  auto outs = linalg::svd(x, compute_uv_, stream());
  return {outs, std::vector<int>(outs.size(), 0)};
}

bool Inverse::is_equivalent(const Primitive& other) const {
  auto& o = static_cast<const Inverse&>(other);
  return triangular_ == o.triangular_ && upper_ == o.upper_;
}
bool Cholesky::is_equivalent(const Primitive& other) const {
  return upper_ == static_cast<const Cholesky&>(other).upper_;
}
bool Eig::is_equivalent(const Primitive& other) const {
  return vectors_ == static_cast<const Eig&>(other).vectors_;
}

bool Eigh::is_equivalent(const Primitive& other) const {
  auto& o = static_cast<const Eigh&>(other);
  return uplo_ == o.uplo_ && vectors_ == o.vectors_;
}

namespace {
array batch_in_front(const array& x, int axis) {
  return axis == 0 ? x : moveaxis(x, axis, 0);
}
}  // namespace

std::pair<std::vector<array>, std::vector<int>> Inverse::vmap(const std::vector<array>& inputs,
                                                              const std::vector<int>& axes,
                                                              const std::vector<array>&) {
  auto x = batch_in_front(inputs[0], axes[0]);
  return {{triangular_ ? linalg::tri_inv(x, upper_, stream()) : linalg::inv(x, stream())}, {0}};
}
// x = a^-1 b: the cotangent of b is a^-T x_bar, that of a is -b_bar x^T;
// the tangent is a^-1 (b_dot - a_dot x).
std::vector<array> Solve::vjp(const std::vector<array>& primals,
                              const std::vector<array>& cotangents, const std::vector<int>& argnums,
                              const std::vector<array>& outputs) {
  auto s = stream();
  auto b_bar = array(primals[1].shape(), primals[1].dtype(), std::make_shared<Solve>(s),
                     {swapaxes(primals[0], -1, -2, s), cotangents[0]});
  std::vector<array> out;
  for (int arg : argnums) {
    out.push_back(arg == 1 ? b_bar
                           : negative(matmul(b_bar, swapaxes(outputs[0], -1, -2, s), s), s));
  }
  return out;
}

std::vector<array> Solve::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                              const std::vector<int>& argnums) {
  auto s = stream();
  std::optional<array> rhs;
  for (size_t i = 0; i < argnums.size(); ++i) {
    if (argnums[i] == 1) rhs = rhs ? add(*rhs, tangents[i], s) : tangents[i];
  }
  for (size_t i = 0; i < argnums.size(); ++i) {
    if (argnums[i] != 0) continue;
    auto x = array(primals[1].shape(), primals[1].dtype(), std::make_shared<Solve>(s), primals);
    auto term = negative(matmul(tangents[i], x, s), s);
    rhs = rhs ? add(*rhs, term, s) : term;
  }
  return {array(primals[1].shape(), primals[1].dtype(), std::make_shared<Solve>(s),
                {primals[0], *rhs})};
}

std::pair<std::vector<array>, std::vector<int>> Solve::vmap(const std::vector<array>& inputs,
                                                            const std::vector<int>& axes,
                                                            const std::vector<array>&) {
  // Both operands are matrices here: an unbatched one broadcasts.
  auto a = axes[0] >= 0 ? batch_in_front(inputs[0], axes[0]) : inputs[0];
  auto b = axes[1] >= 0 ? batch_in_front(inputs[1], axes[1]) : inputs[1];
  return {{linalg::solve_matrices(a, b, stream())}, {0}};
}

std::pair<std::vector<array>, std::vector<int>> Cholesky::vmap(const std::vector<array>& inputs,
                                                               const std::vector<int>& axes,
                                                               const std::vector<array>&) {
  return {{linalg::cholesky(batch_in_front(inputs[0], axes[0]), upper_, stream())}, {0}};
}
std::pair<std::vector<array>, std::vector<int>> QRF::vmap(const std::vector<array>& inputs,
                                                          const std::vector<int>& axes,
                                                          const std::vector<array>&) {
  auto [q, r] = linalg::qr(batch_in_front(inputs[0], axes[0]), stream());
  return {{q, r}, {0, 0}};
}
std::pair<std::vector<array>, std::vector<int>> Eig::vmap(const std::vector<array>& inputs,
                                                          const std::vector<int>& axes,
                                                          const std::vector<array>&) {
  auto outs =
      linalg::eig_impl(batch_in_front(inputs[0], axes[0]), vectors_, "linalg::eig", stream());
  return {outs, std::vector<int>(outs.size(), 0)};
}

std::pair<std::vector<array>, std::vector<int>> Eigh::vmap(const std::vector<array>& inputs,
                                                           const std::vector<int>& axes,
                                                           const std::vector<array>&) {
  auto outs = linalg::eigh_impl(batch_in_front(inputs[0], axes[0]), uplo_, vectors_, "linalg::eigh",
                                stream());
  return {outs, std::vector<int>(outs.size(), 0)};
}

std::pair<std::vector<array>, std::vector<int>> LUF::vmap(const std::vector<array>& inputs,
                                                          const std::vector<int>& axes,
                                                          const std::vector<array>&) {
  auto outs = linalg::lu_outputs(batch_in_front(inputs[0], axes[0]), "linalg::lu", stream());
  return {outs, {0, 0, 0}};
}

}  // namespace lmx
