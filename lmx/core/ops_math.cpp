// Elementwise ops: unary maps, binary maps with broadcasting and promotion,
// where, clip, and the comparisons built from them.
#include <cmath>
#include <limits>

#include "lmx/core/gelu.h"
#include "lmx/core/ops_common.h"

namespace lmx {

array unary_op(const array& a, UnaryOp op, Dtype out_dtype, StreamOrDevice s) {
  // Inputs are cast to the output dtype (ints to float for float maps) except
  // where the map changes the kind: complex to real, anything to bool.
  Dtype in_dtype = out_dtype == bool_ || a.dtype() == complex64 ? a.dtype() : out_dtype;
  array in = astype(a, in_dtype, s);
  return make_node<Unary>(a.shape(), out_dtype, {in}, to_stream(s), op);
}

namespace {

array float_unary(const array& a, UnaryOp op, StreamOrDevice s) {
  return unary_op(a, op, at_least_float(a.dtype()), s);
}

void no_complex(const array& a, const char* who) {
  if (a.dtype() == complex64) fail(who, "Not supported for complex64 inputs.");
}

}  // namespace

array gelu_map(const array& x, StreamOrDevice s) {
  if (!is_floating_point(x.dtype())) {
    fail("gelu", "The fused map takes floating inputs but got ", x.dtype(), ".");
  }
  return unary_op(x, UnaryOp::Gelu, x.dtype(), s);
}

array abs(const array& a, StreamOrDevice s) {
  if (is_unsigned(a.dtype()) || a.dtype() == bool_) return a;
  return unary_op(a, UnaryOp::Abs, a.dtype() == complex64 ? float32 : a.dtype(), s);
}
array negative(const array& a, StreamOrDevice s) {
  if (a.dtype() == bool_) fail("negative", "The argument cannot be boolean.");
  return unary_op(a, UnaryOp::Negative, a.dtype(), s);
}
array operator-(const array& a) {
  return negative(a);
}
array sign(const array& a, StreamOrDevice s) {
  if (a.dtype() == bool_) return a;
  return unary_op(a, UnaryOp::Sign, a.dtype(), s);
}
array floor(const array& a, StreamOrDevice s) {
  no_complex(a, "floor");
  if (!is_floating_point(a.dtype())) return a;
  return unary_op(a, UnaryOp::Floor, a.dtype(), s);
}
array ceil(const array& a, StreamOrDevice s) {
  no_complex(a, "ceil");
  if (!is_floating_point(a.dtype())) return a;
  return unary_op(a, UnaryOp::Ceil, a.dtype(), s);
}
array round(const array& a, int decimals, StreamOrDevice s) {
  no_complex(a, "round");
  if (!is_floating_point(a.dtype())) return a;
  if (decimals == 0) return unary_op(a, UnaryOp::Round, a.dtype(), s);
  auto scale = array(std::pow(10.0, decimals), a.dtype());
  return divide(unary_op(multiply(a, scale, s), UnaryOp::Round, a.dtype(), s), scale, s);
}
array round(const array& a, StreamOrDevice s) {
  return round(a, 0, s);
}
array sqrt(const array& a, StreamOrDevice s) {
  return float_unary(a, UnaryOp::Sqrt, s);
}
array rsqrt(const array& a, StreamOrDevice s) {
  return float_unary(a, UnaryOp::Rsqrt, s);
}
array square(const array& a, StreamOrDevice s) {
  return unary_op(a, UnaryOp::Square, a.dtype() == bool_ ? int32 : a.dtype(), s);
}
array reciprocal(const array& a, StreamOrDevice s) {
  return float_unary(a, UnaryOp::Reciprocal, s);
}
array exp(const array& a, StreamOrDevice s) {
  return float_unary(a, UnaryOp::Exp, s);
}
array expm1(const array& a, StreamOrDevice s) {
  return float_unary(a, UnaryOp::Expm1, s);
}
array log(const array& a, StreamOrDevice s) {
  return float_unary(a, UnaryOp::Log, s);
}
array log1p(const array& a, StreamOrDevice s) {
  return float_unary(a, UnaryOp::Log1p, s);
}
array log2(const array& a, StreamOrDevice s) {
  return float_unary(a, UnaryOp::Log2, s);
}
array log10(const array& a, StreamOrDevice s) {
  return float_unary(a, UnaryOp::Log10, s);
}
array sin(const array& a, StreamOrDevice s) {
  return float_unary(a, UnaryOp::Sin, s);
}
array cos(const array& a, StreamOrDevice s) {
  return float_unary(a, UnaryOp::Cos, s);
}
array tan(const array& a, StreamOrDevice s) {
  return float_unary(a, UnaryOp::Tan, s);
}
array arcsin(const array& a, StreamOrDevice s) {
  return float_unary(a, UnaryOp::ArcSin, s);
}
array arccos(const array& a, StreamOrDevice s) {
  return float_unary(a, UnaryOp::ArcCos, s);
}
array arctan(const array& a, StreamOrDevice s) {
  return float_unary(a, UnaryOp::ArcTan, s);
}
array sinh(const array& a, StreamOrDevice s) {
  return float_unary(a, UnaryOp::Sinh, s);
}
array cosh(const array& a, StreamOrDevice s) {
  return float_unary(a, UnaryOp::Cosh, s);
}
array tanh(const array& a, StreamOrDevice s) {
  return float_unary(a, UnaryOp::Tanh, s);
}
array arcsinh(const array& a, StreamOrDevice s) {
  return float_unary(a, UnaryOp::ArcSinh, s);
}
array arccosh(const array& a, StreamOrDevice s) {
  return float_unary(a, UnaryOp::ArcCosh, s);
}
array arctanh(const array& a, StreamOrDevice s) {
  return float_unary(a, UnaryOp::ArcTanh, s);
}
array erf(const array& a, StreamOrDevice s) {
  no_complex(a, "erf");
  return float_unary(a, UnaryOp::Erf, s);
}
array erfinv(const array& a, StreamOrDevice s) {
  no_complex(a, "erfinv");
  return float_unary(a, UnaryOp::ErfInv, s);
}
array sigmoid(const array& a, StreamOrDevice s) {
  return float_unary(a, UnaryOp::Sigmoid, s);
}

array isnan(const array& a, StreamOrDevice s) {
  if (!is_inexact(a.dtype())) return full(a.shape(), array(false), s);
  return unary_op(a, UnaryOp::IsNaN, bool_, s);
}
array isinf(const array& a, StreamOrDevice s) {
  if (!is_inexact(a.dtype())) return full(a.shape(), array(false), s);
  return unary_op(a, UnaryOp::IsInf, bool_, s);
}
array isposinf(const array& a, StreamOrDevice s) {
  no_complex(a, "isposinf");
  if (!is_inexact(a.dtype())) return full(a.shape(), array(false), s);
  return unary_op(a, UnaryOp::IsPosInf, bool_, s);
}
array isneginf(const array& a, StreamOrDevice s) {
  no_complex(a, "isneginf");
  if (!is_inexact(a.dtype())) return full(a.shape(), array(false), s);
  return unary_op(a, UnaryOp::IsNegInf, bool_, s);
}
array isfinite(const array& a, StreamOrDevice s) {
  return logical_not(logical_or(isinf(a, s), isnan(a, s), s), s);
}

array nan_to_num(const array& a, float nan, std::optional<float> posinf,
                 std::optional<float> neginf, StreamOrDevice s) {
  Dtype t = a.dtype();
  if (!is_inexact(t)) return a;
  no_complex(a, "nan_to_num");
  auto type_max = [&]() -> double {
    if (t == float16) return 65504.0;
    if (t == bfloat16) return double(float(std::numeric_limits<bfloat16_t>::max()));
    if (t == float64) return std::numeric_limits<double>::max();
    return std::numeric_limits<float>::max();
  };
  double hi = posinf ? double(*posinf) : type_max();
  double lo = neginf ? double(*neginf) : -type_max();
  auto out = where(isnan(a, s), array(nan, t), a, s);
  out = where(isposinf(a, s), array(hi, t), out, s);
  return where(isneginf(a, s), array(lo, t), out, s);
}

array logical_not(const array& a, StreamOrDevice s) {
  return unary_op(astype(a, bool_, s), UnaryOp::LogicalNot, bool_, s);
}
array operator!(const array& a) {
  return logical_not(a);
}
array bitwise_invert(const array& a, StreamOrDevice s) {
  if (!is_integral(a.dtype()) && a.dtype() != bool_) {
    fail("bitwise_invert", "Bitwise inverse only allowed on integer types, got ", a.dtype(), ".");
  }
  if (a.dtype() == bool_) return logical_not(a, s);
  return unary_op(a, UnaryOp::BitwiseInvert, a.dtype(), s);
}
array operator~(const array& a) {
  return bitwise_invert(a);
}

array stop_gradient(const array& a, StreamOrDevice s) {
  return make_node<StopGradient>(a.shape(), a.dtype(), {a}, to_stream(s));
}

array real(const array& a, StreamOrDevice s) {
  if (a.dtype() != complex64) return a;
  return unary_op(a, UnaryOp::Real, float32, s);
}
array imag(const array& a, StreamOrDevice s) {
  if (a.dtype() != complex64) return zeros_like(a, s);
  return unary_op(a, UnaryOp::Imag, float32, s);
}
array conjugate(const array& a, StreamOrDevice s) {
  if (a.dtype() != complex64) return a;
  return unary_op(a, UnaryOp::Conjugate, complex64, s);
}

// ---- Binary ----

array binary_op(const array& a, const array& b, BinaryOp op, Dtype compute, Dtype out,
                StreamOrDevice s) {
  Shape shape;
  if (a.shape() == b.shape()) {
    shape = a.shape();
  } else {
    try {
      shape = broadcast_shapes(a.shape(), b.shape());
    } catch (const std::invalid_argument&) {
      fail(op_name(op), "Shapes ", a.shape(), " and ", b.shape(), " cannot be broadcast.");
    }
  }
  return make_node<Binary>(std::move(shape), out, {astype(a, compute, s), astype(b, compute, s)},
                           to_stream(s), op);
}

namespace {

array arith(const array& a, const array& b, BinaryOp op, StreamOrDevice s) {
  Dtype t = promote_types(a.dtype(), b.dtype());
  return binary_op(a, b, op, t, t, s);
}

array compare(const array& a, const array& b, BinaryOp op, StreamOrDevice s) {
  Dtype t = promote_types(a.dtype(), b.dtype());
  return binary_op(a, b, op, t, bool_, s);
}

array real_arith(const array& a, const array& b, BinaryOp op, const char* who, StreamOrDevice s) {
  Dtype t = promote_types(a.dtype(), b.dtype());
  if (t == complex64) fail(who, "Not supported for complex64 inputs.");
  return binary_op(a, b, op, t, t, s);
}

array bitwise(const array& a, const array& b, BinaryOp op, const char* who, StreamOrDevice s) {
  Dtype t = promote_types(a.dtype(), b.dtype());
  if (!is_integral(t) && t != bool_) {
    fail(who, "Bitwise operations are only allowed on integer types, got ", a.dtype(), " and ",
         b.dtype(), ".");
  }
  // Shifting booleans shifts their values as uint8 (as MLX).
  if (t == bool_ && (op == BinaryOp::LeftShift || op == BinaryOp::RightShift)) t = uint8;
  return binary_op(a, b, op, t, t, s);
}

}  // namespace

array add(const array& a, const array& b, StreamOrDevice s) {
  Dtype t = promote_types(a.dtype(), b.dtype());
  if (t == bool_) return logical_or(a, b, s);
  return binary_op(a, b, BinaryOp::Add, t, t, s);
}
array subtract(const array& a, const array& b, StreamOrDevice s) {
  Dtype t = promote_types(a.dtype(), b.dtype());
  if (t == bool_) fail("subtract", "Subtraction of booleans is not supported.");
  return binary_op(a, b, BinaryOp::Subtract, t, t, s);
}
array multiply(const array& a, const array& b, StreamOrDevice s) {
  Dtype t = promote_types(a.dtype(), b.dtype());
  if (t == bool_) return logical_and(a, b, s);
  return binary_op(a, b, BinaryOp::Multiply, t, t, s);
}
array divide(const array& a, const array& b, StreamOrDevice s) {
  Dtype t = at_least_float(promote_types(a.dtype(), b.dtype()));
  return binary_op(a, b, BinaryOp::Divide, t, t, s);
}
array floor_divide(const array& a, const array& b, StreamOrDevice s) {
  Dtype t = promote_types(a.dtype(), b.dtype());
  if (t == complex64) fail("floor_divide", "Not supported for complex64 inputs.");
  if (is_floating_point(t)) return floor(divide(a, b, s), s);
  return binary_op(a, b, BinaryOp::FloorDivide, t, t, s);
}
array remainder(const array& a, const array& b, StreamOrDevice s) {
  return real_arith(a, b, BinaryOp::Remainder, "remainder", s);
}
std::vector<array> divmod(const array& a, const array& b, StreamOrDevice s) {
  Dtype t = promote_types(a.dtype(), b.dtype());
  if (t == complex64) fail("divmod", "Not supported for complex64 inputs.");
  Shape shape = broadcast_shapes(a.shape(), b.shape());
  auto inputs = broadcast_arrays({astype(a, t, s), astype(b, t, s)}, s);
  return array::make_arrays({shape, shape}, {t, t}, std::make_shared<DivMod>(to_stream(s)), inputs);
}
array power(const array& a, const array& b, StreamOrDevice s) {
  return arith(a, b, BinaryOp::Power, s);
}
array maximum(const array& a, const array& b, StreamOrDevice s) {
  Dtype t = promote_types(a.dtype(), b.dtype());
  return binary_op(a, b, BinaryOp::Maximum, t, t, s);
}
array minimum(const array& a, const array& b, StreamOrDevice s) {
  Dtype t = promote_types(a.dtype(), b.dtype());
  return binary_op(a, b, BinaryOp::Minimum, t, t, s);
}
array logaddexp(const array& a, const array& b, StreamOrDevice s) {
  Dtype t = at_least_float(promote_types(a.dtype(), b.dtype()));
  if (t == complex64) fail("logaddexp", "Not supported for complex64 inputs.");
  return binary_op(a, b, BinaryOp::LogAddExp, t, t, s);
}
array arctan2(const array& a, const array& b, StreamOrDevice s) {
  Dtype t = at_least_float(promote_types(a.dtype(), b.dtype()));
  if (t == complex64) fail("arctan2", "Not supported for complex64 inputs.");
  return binary_op(a, b, BinaryOp::ArcTan2, t, t, s);
}
array equal(const array& a, const array& b, StreamOrDevice s) {
  return compare(a, b, BinaryOp::Equal, s);
}
array not_equal(const array& a, const array& b, StreamOrDevice s) {
  return compare(a, b, BinaryOp::NotEqual, s);
}
array less(const array& a, const array& b, StreamOrDevice s) {
  return compare(a, b, BinaryOp::Less, s);
}
array less_equal(const array& a, const array& b, StreamOrDevice s) {
  return compare(a, b, BinaryOp::LessEqual, s);
}
array greater(const array& a, const array& b, StreamOrDevice s) {
  return compare(a, b, BinaryOp::Greater, s);
}
array greater_equal(const array& a, const array& b, StreamOrDevice s) {
  return compare(a, b, BinaryOp::GreaterEqual, s);
}
array logical_and(const array& a, const array& b, StreamOrDevice s) {
  return binary_op(a, b, BinaryOp::LogicalAnd, bool_, bool_, s);
}
array logical_or(const array& a, const array& b, StreamOrDevice s) {
  return binary_op(a, b, BinaryOp::LogicalOr, bool_, bool_, s);
}
array bitwise_and(const array& a, const array& b, StreamOrDevice s) {
  return bitwise(a, b, BinaryOp::BitwiseAnd, "bitwise_and", s);
}
array bitwise_or(const array& a, const array& b, StreamOrDevice s) {
  return bitwise(a, b, BinaryOp::BitwiseOr, "bitwise_or", s);
}
array bitwise_xor(const array& a, const array& b, StreamOrDevice s) {
  return bitwise(a, b, BinaryOp::BitwiseXor, "bitwise_xor", s);
}
array left_shift(const array& a, const array& b, StreamOrDevice s) {
  return bitwise(a, b, BinaryOp::LeftShift, "left_shift", s);
}
array right_shift(const array& a, const array& b, StreamOrDevice s) {
  return bitwise(a, b, BinaryOp::RightShift, "right_shift", s);
}

array isclose(const array& a, const array& b, double rtol, double atol, bool equal_nan,
              StreamOrDevice s) {
  // |a - b| <= atol + rtol * |b|, with equal infinities counting as close.
  auto lhs = abs(subtract(a, b, s), s);
  auto rhs = add(array(atol), multiply(array(rtol), abs(b, s), s), s);
  auto out = less_equal(lhs, rhs, s);
  auto both_inf = logical_and(logical_or(isinf(a, s), isinf(b, s), s), equal(a, b, s), s);
  out = logical_or(logical_and(out, logical_not(logical_or(isnan(a, s), isnan(b, s), s), s), s),
                   both_inf, s);
  if (equal_nan) out = logical_or(out, logical_and(isnan(a, s), isnan(b, s), s), s);
  return out;
}
array allclose(const array& a, const array& b, double rtol, double atol, bool equal_nan,
               StreamOrDevice s) {
  return all(isclose(a, b, rtol, atol, equal_nan, s), s);
}
array array_equal(const array& a, const array& b, bool equal_nan, StreamOrDevice s) {
  if (a.shape() != b.shape()) return array(false);
  Dtype t = promote_types(a.dtype(), b.dtype());
  auto eq = binary_op(a, b, equal_nan ? BinaryOp::NaNEqual : BinaryOp::Equal, t, bool_, s);
  return all(eq, false, s);
}
array array_equal(const array& a, const array& b, StreamOrDevice s) {
  return array_equal(a, b, false, s);
}

array where(const array& condition, const array& x, const array& y, StreamOrDevice s) {
  Shape shape;
  try {
    shape = broadcast_shapes(broadcast_shapes(condition.shape(), x.shape()), y.shape());
  } catch (const std::invalid_argument&) {
    fail("where", "Shapes ", condition.shape(), ", ", x.shape(), " and ", y.shape(),
         " cannot be broadcast.");
  }
  Dtype t = promote_types(x.dtype(), y.dtype());
  return make_node<Select>(
      shape, t, {astype(condition, bool_, s), astype(x, t, s), astype(y, t, s)}, to_stream(s));
}

array clip(const array& a, const std::optional<array>& a_min, const std::optional<array>& a_max,
           StreamOrDevice s) {
  if (!a_min && !a_max) fail("clip", "At most one of a_min and a_max may be None.");
  array out = a;
  if (a_min) out = maximum(out, *a_min, s);
  if (a_max) out = minimum(out, *a_max, s);
  return out;
}

}  // namespace lmx
