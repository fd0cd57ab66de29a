// vjp and jvp rules of the elementwise primitives. For a map f of one or two
// inputs both transforms multiply by the same partial derivatives, read from
// the derivative columns of the tables in elementwise_ops.h; the complex-
// linear maps (real, imag, conjugate) have their own rules.
#include <cmath>
#include <numbers>

#include "lmx/core/ops_common.h"

namespace lmx {

namespace {

// A partial derivative: often 1, -1 or 0, so it is kept symbolic when it can be.
struct Partial {
  enum Kind { Zero, One, NegOne, Value } kind;
  std::optional<array> value;
  static Partial zero() { return {Zero, std::nullopt}; }
  static Partial one() { return {One, std::nullopt}; }
  static Partial neg_one() { return {NegOne, std::nullopt}; }
  static Partial of(array a) { return {Value, std::move(a)}; }
};

// v * partial, shaped like v broadcast with the partial.
std::optional<array> apply(const Partial& p, const array& v, Stream s) {
  switch (p.kind) {
    case Partial::Zero:
      return std::nullopt;
    case Partial::One:
      return v;
    case Partial::NegOne:
      return negative(v, s);
    default:
      return multiply(v, *p.value, s);
  }
}

// The vjp's product: a cotangent meets the conjugate of a complex partial
// (MLX's convention, as PyTorch's: the vjp of a linear map A is A^H).
std::optional<array> apply_adjoint(const Partial& p, const array& v, Stream s) {
  if (p.kind == Partial::Value && is_complex(p.value->dtype())) {
    return multiply(v, conjugate(*p.value, s), s);
  }
  return apply(p, v, s);
}

// The names the derivative columns of elementwise_ops.h use.
const Partial kZero = Partial::zero();
const Partial kOne = Partial::one();
const Partial kNegOne = Partial::neg_one();
const Partial kLinear = Partial::one();  // complex-linear maps: the rules below
Partial of(array a) {
  return Partial::of(std::move(a));
}
constexpr double kLn2 = std::numbers::ln2;
constexpr double kLn10 = std::numbers::ln10;
const double kTwoOverSqrtPi = 2.0 / std::sqrt(std::numbers::pi);
const double kSqrtPiOverTwo = std::sqrt(std::numbers::pi) / 2.0;

// d(a^b)/da = b a^(b-1); d(a^b)/db = a^b log(a), taken as 0 where a <= 0.
array power_da(const array& a, const array& b, Stream s) {
  return multiply(b, power(a, subtract(b, array(1.0, a.dtype()), s), s), s);
}
array power_db(const array& a, const array& y, Stream s) {
  auto zero = zeros_like(a, s);
  auto positive = greater(a, zero, s);
  auto safe_log = where(positive, log(where(positive, a, array(1.0, a.dtype()), s), s), zero, s);
  return multiply(y, safe_log, s);
}
// 1 where `mask`, else 0, in x's dtype (the partials of maximum and minimum).
array indicator(const array& mask, const array& x, Stream s) {
  return astype(mask, x.dtype(), s);
}
array sum_of_squares(const array& a, const array& b, Stream s) {
  return add(square(a, s), square(b, s), s);
}
// GELU's derivative as one map, and its own derivative composed:
// exp(-x^2 / 2) / sqrt(2 pi) * (2 - x^2).
array gelu_derivative(const array& x, Stream s) {
  return unary_op(x, UnaryOp::GeluDerivative, x.dtype(), s);
}
array gelu_second_derivative(const array& x, Stream s) {
  auto c = [&](double v) { return array(v, x.dtype()); };
  auto x2 = square(x, s);
  auto density = multiply(exp(multiply(c(-0.5), x2, s), s),
                          c(0.5 * std::numbers::inv_sqrtpi * std::numbers::sqrt2), s);
  return multiply(density, subtract(c(2.0), x2, s), s);
}

// d op(x) / dx, from the table's derivative column.
Partial unary_partial(UnaryOp op, const array& x, const array& y, Stream s) {
  auto c = [&](double v) { return array(v, x.dtype()); };
  auto one = c(1.0);
  switch (op) {
#define LMX_UNARY_PARTIAL(code, name, dtypes, output, derivative) \
  case UnaryOp::code:                                             \
    return derivative;
    LMX_UNARY_OPS(LMX_UNARY_PARTIAL)
#undef LMX_UNARY_PARTIAL
  }
  return kZero;
}

// (d op(a, b) / da, d op(a, b) / db), from the table's derivative columns.
std::pair<Partial, Partial> binary_partials(BinaryOp op, const array& a, const array& b,
                                            const array& y, Stream s) {
  switch (op) {
#define LMX_BINARY_PARTIALS(code, name, dtypes, output, da, db) \
  case BinaryOp::code:                                          \
    return {da, db};
    LMX_BINARY_OPS(LMX_BINARY_PARTIALS)
#undef LMX_BINARY_PARTIALS
  }
  return {kZero, kZero};
}

array zeros_for(const array& like, Stream s) {
  return zeros(like.shape(), like.dtype(), s);
}

}  // namespace

std::vector<array> Unary::vjp(const std::vector<array>& primals,
                              const std::vector<array>& cotangents, const std::vector<int>&,
                              const std::vector<array>& outputs) {
  auto s = stream();
  const array& g = cotangents[0];
  if (op_ == UnaryOp::Conjugate) return {conjugate(g, s)};
  if (op_ == UnaryOp::Real) return {astype(g, complex64, s)};
  if (op_ == UnaryOp::Imag) {
    return {multiply(astype(g, complex64, s), array(complex64_t(0.0f, 1.0f)), s)};
  }
  // A complex-to-real op (abs) is not holomorphic: its partial is already
  // the gradient's direction, so only complex outputs take the conjugate.
  auto partial = unary_partial(op_, primals[0], outputs[0], s);
  auto r = is_complex(outputs[0].dtype()) ? apply_adjoint(partial, g, s) : apply(partial, g, s);
  return {r ? *r : zeros_for(primals[0], s)};
}

std::vector<array> Unary::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                              const std::vector<int>&) {
  auto s = stream();
  const array& t = tangents[0];
  if (op_ == UnaryOp::Conjugate) return {conjugate(t, s)};
  if (op_ == UnaryOp::Real) return {real(t, s)};
  if (op_ == UnaryOp::Imag) return {imag(t, s)};
  // Outputs are not available here; recompute the primal output lazily.
  std::vector<array> ins{primals[0]};
  array y = array(primals[0].shape(), primals[0].dtype(), std::make_shared<Unary>(s, op_), ins);
  auto r = apply(unary_partial(op_, primals[0], y, s), t, s);
  if (!r)
    return {zeros(primals[0].shape(), is_inexact(primals[0].dtype()) ? primals[0].dtype() : float32,
                  s)};
  return {*r};
}

bool Unary::is_equivalent(const Primitive& other) const {
  return op_ == static_cast<const Unary&>(other).op_;
}

std::vector<array> Binary::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents,
                               const std::vector<int>& argnums, const std::vector<array>& outputs) {
  auto s = stream();
  auto [pa, pb] = binary_partials(op_, primals[0], primals[1], outputs[0], s);
  std::vector<array> out;
  for (int arg : argnums) {
    auto r = apply_adjoint(arg == 0 ? pa : pb, cotangents[0], s);
    const array& x = primals[arg];
    out.push_back(r ? unbroadcast(*r, x.shape(), s) : zeros_for(x, s));
  }
  return out;
}

std::vector<array> Binary::jvp(const std::vector<array>& primals,
                               const std::vector<array>& tangents,
                               const std::vector<int>& argnums) {
  auto s = stream();
  std::vector<array> ins{primals[0], primals[1]};
  Shape shape = broadcast_shapes(primals[0].shape(), primals[1].shape());
  array y(shape, primals[0].dtype(), std::make_shared<Binary>(s, op_), ins);
  auto [pa, pb] = binary_partials(op_, primals[0], primals[1], y, s);
  std::optional<array> total;
  for (size_t i = 0; i < argnums.size(); ++i) {
    auto r = apply(argnums[i] == 0 ? pa : pb, tangents[i], s);
    if (r) total = total ? add(*total, *r, s) : *r;
  }
  if (!total) return {zeros(shape, at_least_float(primals[0].dtype()), s)};
  return {broadcast_to(*total, shape, s)};
}

bool Binary::is_equivalent(const Primitive& other) const {
  return op_ == static_cast<const Binary&>(other).op_;
}

std::vector<array> DivMod::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents,
                               const std::vector<int>& argnums, const std::vector<array>&) {
  // Only the remainder output is differentiable: d(a mod b) = da - floor(a/b) db.
  auto s = stream();
  const array& g = cotangents[1];
  std::vector<array> out;
  for (int arg : argnums) {
    out.push_back(arg == 0 ? g
                           : negative(multiply(g, floor_divide(primals[0], primals[1], s), s), s));
  }
  return out;
}

std::vector<array> DivMod::jvp(const std::vector<array>& primals,
                               const std::vector<array>& tangents,
                               const std::vector<int>& argnums) {
  auto s = stream();
  array q = zeros_like(primals[0], s);
  std::optional<array> r;
  for (size_t i = 0; i < argnums.size(); ++i) {
    array term =
        argnums[i] == 0
            ? tangents[i]
            : negative(multiply(tangents[i], floor_divide(primals[0], primals[1], s), s), s);
    r = r ? add(*r, term, s) : term;
  }
  return {q, *r};
}

std::vector<array> Select::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents,
                               const std::vector<int>& argnums, const std::vector<array>&) {
  auto s = stream();
  const array& g = cotangents[0];
  auto zero = array(0, g.dtype());
  std::vector<array> out;
  for (int arg : argnums) {
    if (arg == 0) {
      out.push_back(zeros_like(primals[0], s));
    } else {
      auto v = arg == 1 ? where(primals[0], g, zero, s) : where(primals[0], zero, g, s);
      out.push_back(unbroadcast(v, primals[arg].shape(), s));
    }
  }
  return out;
}

std::vector<array> Select::jvp(const std::vector<array>& primals,
                               const std::vector<array>& tangents,
                               const std::vector<int>& argnums) {
  auto s = stream();
  array tx = zeros_like(primals[1], s), ty = zeros_like(primals[2], s);
  for (size_t i = 0; i < argnums.size(); ++i) {
    if (argnums[i] == 1) tx = tangents[i];
    if (argnums[i] == 2) ty = tangents[i];
  }
  return {where(primals[0], tx, ty, s)};
}

std::vector<array> AsType::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents, const std::vector<int>&,
                               const std::vector<array>&) {
  auto s = stream();
  // The cotangent passes through, even across an integer cast (as MLX).
  return {astype(cotangents[0], primals[0].dtype(), s)};
}

std::vector<array> AsType::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                               const std::vector<int>&) {
  return {astype(tangents[0], dtype_, stream())};
}

bool AsType::is_equivalent(const Primitive& other) const {
  return dtype_ == static_cast<const AsType&>(other).dtype_;
}

}  // namespace lmx
