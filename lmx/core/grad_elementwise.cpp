// vjp and jvp rules of the elementwise primitives. For a map f of one or two
// inputs both transforms multiply by the same partial derivatives, so each
// rule is written once as "partials" and used by both.
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

array scalar_like(double v, const array& a) {
  return array(v, a.dtype());
}

Partial unary_partial(UnaryOp op, const array& x, const array& y, Stream s) {
  auto one = scalar_like(1.0, x);
  switch (op) {
    case UnaryOp::Abs:
      return Partial::of(sign(x, s));
    case UnaryOp::Negative:
      return Partial::neg_one();
    case UnaryOp::Sqrt:
      return Partial::of(divide(scalar_like(0.5, x), y, s));
    case UnaryOp::Rsqrt:
      return Partial::of(multiply(scalar_like(-0.5, x), divide(y, x, s), s));
    case UnaryOp::Square:
      return Partial::of(multiply(scalar_like(2.0, x), x, s));
    case UnaryOp::Reciprocal:
      return Partial::of(negative(square(y, s), s));
    case UnaryOp::Exp:
      return Partial::of(y);
    case UnaryOp::Expm1:
      return Partial::of(add(y, one, s));
    case UnaryOp::Log:
      return Partial::of(reciprocal(x, s));
    case UnaryOp::Log1p:
      return Partial::of(reciprocal(add(x, one, s), s));
    case UnaryOp::Log2:
      return Partial::of(reciprocal(multiply(x, scalar_like(std::numbers::ln2, x), s), s));
    case UnaryOp::Log10:
      return Partial::of(reciprocal(multiply(x, scalar_like(std::numbers::ln10, x), s), s));
    case UnaryOp::Sin:
      return Partial::of(cos(x, s));
    case UnaryOp::Cos:
      return Partial::of(negative(sin(x, s), s));
    case UnaryOp::Tan:
      return Partial::of(add(one, square(y, s), s));
    case UnaryOp::ArcSin:
      return Partial::of(rsqrt(subtract(one, square(x, s), s), s));
    case UnaryOp::ArcCos:
      return Partial::of(negative(rsqrt(subtract(one, square(x, s), s), s), s));
    case UnaryOp::ArcTan:
      return Partial::of(reciprocal(add(one, square(x, s), s), s));
    case UnaryOp::Sinh:
      return Partial::of(cosh(x, s));
    case UnaryOp::Cosh:
      return Partial::of(sinh(x, s));
    case UnaryOp::Tanh:
      return Partial::of(subtract(one, square(y, s), s));
    case UnaryOp::ArcSinh:
      return Partial::of(rsqrt(add(square(x, s), one, s), s));
    case UnaryOp::ArcCosh:
      return Partial::of(rsqrt(subtract(square(x, s), one, s), s));
    case UnaryOp::ArcTanh:
      return Partial::of(reciprocal(subtract(one, square(x, s), s), s));
    case UnaryOp::Erf:
      return Partial::of(multiply(scalar_like(2.0 / std::sqrt(std::numbers::pi), x),
                                  exp(negative(square(x, s), s), s), s));
    case UnaryOp::ErfInv:
      return Partial::of(
          multiply(scalar_like(std::sqrt(std::numbers::pi) / 2.0, x), exp(square(y, s), s), s));
    case UnaryOp::Sigmoid:
      return Partial::of(multiply(y, subtract(one, y, s), s));
    case UnaryOp::Conjugate:
      return Partial::one();  // handled by the caller
    default:
      return Partial::zero();  // piecewise constant or not differentiable
  }
}

std::pair<Partial, Partial> binary_partials(BinaryOp op, const array& a, const array& b,
                                            const array& y, Stream s) {
  switch (op) {
    case BinaryOp::Add:
      return {Partial::one(), Partial::one()};
    case BinaryOp::Subtract:
      return {Partial::one(), Partial::neg_one()};
    case BinaryOp::Multiply:
      return {Partial::of(b), Partial::of(a)};
    case BinaryOp::Divide:
      return {Partial::of(reciprocal(b, s)), Partial::of(negative(divide(y, b, s), s))};
    case BinaryOp::Remainder:
      return {Partial::one(), Partial::of(negative(floor_divide(a, b, s), s))};
    case BinaryOp::Power: {
      auto one = array(1.0, a.dtype());
      auto da = multiply(b, power(a, subtract(b, one, s), s), s);
      auto zero = zeros_like(a, s);
      auto safe_log =
          where(greater(a, zero, s), log(where(greater(a, zero, s), a, one, s), s), zero, s);
      return {Partial::of(da), Partial::of(multiply(y, safe_log, s))};
    }
    case BinaryOp::Maximum:
      return {Partial::of(astype(greater(a, b, s), a.dtype(), s)),
              Partial::of(astype(less_equal(a, b, s), a.dtype(), s))};
    case BinaryOp::Minimum:
      return {Partial::of(astype(less(a, b, s), a.dtype(), s)),
              Partial::of(astype(greater_equal(a, b, s), a.dtype(), s))};
    case BinaryOp::LogAddExp:
      return {Partial::of(sigmoid(subtract(a, b, s), s)),
              Partial::of(sigmoid(subtract(b, a, s), s))};
    case BinaryOp::ArcTan2: {
      auto denom = add(square(a, s), square(b, s), s);
      return {Partial::of(divide(b, denom, s)), Partial::of(negative(divide(a, denom, s), s))};
    }
    default:
      return {Partial::zero(), Partial::zero()};
  }
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
    return {multiply(astype(g, complex64, s), array(complex64_t(0.0f, -1.0f)), s)};
  }
  auto r = apply(unary_partial(op_, primals[0], outputs[0], s), g, s);
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
    auto r = apply(arg == 0 ? pa : pb, cotangents[0], s);
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
