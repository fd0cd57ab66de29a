// The elementwise families as tables, one row per op. Everything else about
// these ops is read from here: the UnaryOp/BinaryOp codes, the primitives'
// names (the code) and the names in their error messages (the op a user
// calls), the dtypes each kernel is instantiated for, the output dtype's
// kind, the scalar functor (scalar::<code> in scalar_ops.h), and the partial
// derivatives that the vjp and jvp rules multiply by (expanded only in
// grad_elementwise.cpp, where x/a/b are the inputs, y the output, s the
// stream, c(v) a constant of x's dtype, one == c(1); of(e) is a computed
// partial, kZero/kOne/kNegOne are known ones, kLinear marks a complex-linear
// map with its own rule). Adding an elementwise op is a row here, its functor
// and the function in ops that validates arguments and builds the node.
#pragma once

#include "lmx/core/dispatch.h"

namespace lmx {

// The output dtype of an elementwise map, from its input dtype.
enum class OutKind {
  Same,      // the input's dtype
  Bool,      // bool (predicates)
  RealPart,  // complex64 gives float32; other dtypes keep theirs
};

// clang-format off
//        code           op name         dtypes     output    d/dx
#define LMX_UNARY_OPS(X)                                                                  \
  X(Abs,           abs,            Numeric, RealPart, of(sign(x, s)))                      \
  X(Negative,      negative,       Numeric, Same,     kNegOne)                             \
  X(Sign,          sign,           Numeric, Same,     kZero)                               \
  X(Floor,         floor,          Float,   Same,     kZero)                               \
  X(Ceil,          ceil,           Float,   Same,     kZero)                               \
  X(Round,         round,          Float,   Same,     kZero)                               \
  X(Sqrt,          sqrt,           Inexact, Same,     of(divide(c(0.5), y, s)))            \
  X(Rsqrt,         rsqrt,          Inexact, Same,     of(multiply(c(-0.5), divide(y, x, s), s))) \
  X(Square,        square,         Numeric, Same,     of(multiply(c(2.0), x, s)))          \
  X(Reciprocal,    reciprocal,     Inexact, Same,     of(negative(square(y, s), s)))       \
  X(Exp,           exp,            Inexact, Same,     of(y))                               \
  X(Expm1,         expm1,          Inexact, Same,     of(add(y, one, s)))                  \
  X(Log,           log,            Inexact, Same,     of(reciprocal(x, s)))                \
  X(Log1p,         log1p,          Inexact, Same,     of(reciprocal(add(x, one, s), s)))   \
  X(Log2,          log2,           Inexact, Same,     of(reciprocal(multiply(x, c(kLn2), s), s)))  \
  X(Log10,         log10,          Inexact, Same,     of(reciprocal(multiply(x, c(kLn10), s), s))) \
  X(Sin,           sin,            Inexact, Same,     of(cos(x, s)))                       \
  X(Cos,           cos,            Inexact, Same,     of(negative(sin(x, s), s)))          \
  X(Tan,           tan,            Inexact, Same,     of(add(one, square(y, s), s)))       \
  X(ArcSin,        arcsin,         Inexact, Same,     of(rsqrt(subtract(one, square(x, s), s), s))) \
  X(ArcCos,        arccos,         Inexact, Same,     of(negative(rsqrt(subtract(one, square(x, s), s), s), s))) \
  X(ArcTan,        arctan,         Inexact, Same,     of(reciprocal(add(one, square(x, s), s), s))) \
  X(Sinh,          sinh,           Inexact, Same,     of(cosh(x, s)))                      \
  X(Cosh,          cosh,           Inexact, Same,     of(sinh(x, s)))                      \
  X(Tanh,          tanh,           Inexact, Same,     of(subtract(one, square(y, s), s)))  \
  X(ArcSinh,       arcsinh,        Inexact, Same,     of(rsqrt(add(square(x, s), one, s), s))) \
  X(ArcCosh,       arccosh,        Inexact, Same,     of(rsqrt(subtract(square(x, s), one, s), s))) \
  X(ArcTanh,       arctanh,        Inexact, Same,     of(reciprocal(subtract(one, square(x, s), s), s))) \
  X(Erf,           erf,            Float,   Same,     of(multiply(c(kTwoOverSqrtPi), exp(negative(square(x, s), s), s), s))) \
  X(ErfInv,        erfinv,         Float,   Same,     of(multiply(c(kSqrtPiOverTwo), exp(square(y, s), s), s))) \
  X(Sigmoid,       sigmoid,        Inexact, Same,     of(multiply(y, subtract(one, y, s), s))) \
  X(IsNaN,         isnan,          Inexact, Bool,     kZero)                               \
  X(IsInf,         isinf,          Inexact, Bool,     kZero)                               \
  X(IsPosInf,      isposinf,       Float,   Bool,     kZero)                               \
  X(IsNegInf,      isneginf,       Float,   Bool,     kZero)                               \
  X(LogicalNot,    logical_not,    Bool,    Same,     kZero)                               \
  X(BitwiseInvert, bitwise_invert, Integer, Same,     kZero)                               \
  X(Real,          real,           Complex, RealPart, kLinear)                             \
  X(Imag,          imag,           Complex, RealPart, kLinear)                             \
  X(Conjugate,     conjugate,      Complex, Same,     kLinear)                             \
  X(Gelu,          gelu,           Float,   Same,     of(gelu_derivative(x, s)))           \
  X(GeluDerivative, gelu_derivative, Float, Same,     of(gelu_second_derivative(x, s)))

// Binary maps take two inputs of one dtype, broadcast by the op.
//        code           op name         dtypes     output    d/da, d/db
#define LMX_BINARY_OPS(X)                                                                 \
  X(Add,           add,            Numeric, Same, kOne, kOne)                              \
  X(Subtract,      subtract,       Numeric, Same, kOne, kNegOne)                           \
  X(Multiply,      multiply,       Numeric, Same, of(b), of(a))                            \
  X(Divide,        divide,         Numeric, Same, of(reciprocal(b, s)), of(negative(divide(y, b, s), s))) \
  X(FloorDivide,   floor_divide,   Real,    Same, kZero, kZero)                            \
  X(Remainder,     remainder,      Real,    Same, kOne, of(negative(floor_divide(a, b, s), s))) \
  X(Power,         power,          All,     Same, of(power_da(a, b, s)), of(power_db(a, y, s))) \
  X(Maximum,       maximum,        All,     Same, of(indicator(greater(a, b, s), a, s)), of(indicator(less_equal(a, b, s), a, s))) \
  X(Minimum,       minimum,        All,     Same, of(indicator(less(a, b, s), a, s)), of(indicator(greater_equal(a, b, s), a, s))) \
  X(LogAddExp,     logaddexp,      Float,   Same, of(sigmoid(subtract(a, b, s), s)), of(sigmoid(subtract(b, a, s), s))) \
  X(ArcTan2,       arctan2,        Float,   Same, of(divide(b, sum_of_squares(a, b, s), s)), of(negative(divide(a, sum_of_squares(a, b, s), s), s))) \
  X(Equal,         equal,          All,     Bool, kZero, kZero)                            \
  X(NotEqual,      not_equal,      All,     Bool, kZero, kZero)                            \
  X(Less,          less,           Real,    Bool, kZero, kZero)                            \
  X(LessEqual,     less_equal,     Real,    Bool, kZero, kZero)                            \
  X(Greater,       greater,        Real,    Bool, kZero, kZero)                            \
  X(GreaterEqual,  greater_equal,  Real,    Bool, kZero, kZero)                            \
  X(LogicalAnd,    logical_and,    Bool,    Same, kZero, kZero)                            \
  X(LogicalOr,     logical_or,     Bool,    Same, kZero, kZero)                            \
  X(BitwiseAnd,    bitwise_and,    Integer, Same, kZero, kZero)                            \
  X(BitwiseOr,     bitwise_or,     Integer, Same, kZero, kZero)                            \
  X(BitwiseXor,    bitwise_xor,    Integer, Same, kZero, kZero)                            \
  X(LeftShift,     left_shift,     Integer, Same, kZero, kZero)                            \
  X(RightShift,    right_shift,    Integer, Same, kZero, kZero)                            \
  X(NaNEqual,      array_equal,    All,     Bool, kZero, kZero)
// clang-format on

#define LMX_ELEMENTWISE_CODE(code, ...) code,
enum class UnaryOp { LMX_UNARY_OPS(LMX_ELEMENTWISE_CODE) };
enum class BinaryOp { LMX_BINARY_OPS(LMX_ELEMENTWISE_CODE) };
#undef LMX_ELEMENTWISE_CODE

// The primitive's name: the row's code ("Exp", "Add").
constexpr const char* primitive_name(UnaryOp op) {
  switch (op) {
#define LMX_ELEMENTWISE_NAME(code, ...) \
  case UnaryOp::code:                   \
    return #code;
    LMX_UNARY_OPS(LMX_ELEMENTWISE_NAME)
#undef LMX_ELEMENTWISE_NAME
  }
  return "Unary";
}
constexpr const char* primitive_name(BinaryOp op) {
  switch (op) {
#define LMX_ELEMENTWISE_NAME(code, ...) \
  case BinaryOp::code:                  \
    return #code;
    LMX_BINARY_OPS(LMX_ELEMENTWISE_NAME)
#undef LMX_ELEMENTWISE_NAME
  }
  return "Binary";
}

// The name of the op a user calls ("exp", "add"), for error messages.
constexpr const char* op_name(UnaryOp op) {
  switch (op) {
#define LMX_ELEMENTWISE_OP_NAME(code, name, ...) \
  case UnaryOp::code:                            \
    return #name;
    LMX_UNARY_OPS(LMX_ELEMENTWISE_OP_NAME)
#undef LMX_ELEMENTWISE_OP_NAME
  }
  return "unary";
}
constexpr const char* op_name(BinaryOp op) {
  switch (op) {
#define LMX_ELEMENTWISE_OP_NAME(code, name, ...) \
  case BinaryOp::code:                           \
    return #name;
    LMX_BINARY_OPS(LMX_ELEMENTWISE_OP_NAME)
#undef LMX_ELEMENTWISE_OP_NAME
  }
  return "binary";
}

}  // namespace lmx
