#include "lmx/core/primitives.h"

namespace lmx {

const char* unary_op_name(UnaryOp op) {
  switch (op) {
    case UnaryOp::Abs:
      return "Abs";
    case UnaryOp::Negative:
      return "Negative";
    case UnaryOp::Sign:
      return "Sign";
    case UnaryOp::Floor:
      return "Floor";
    case UnaryOp::Ceil:
      return "Ceil";
    case UnaryOp::Round:
      return "Round";
    case UnaryOp::Sqrt:
      return "Sqrt";
    case UnaryOp::Rsqrt:
      return "Rsqrt";
    case UnaryOp::Square:
      return "Square";
    case UnaryOp::Reciprocal:
      return "Reciprocal";
    case UnaryOp::Exp:
      return "Exp";
    case UnaryOp::Expm1:
      return "Expm1";
    case UnaryOp::Log:
      return "Log";
    case UnaryOp::Log1p:
      return "Log1p";
    case UnaryOp::Log2:
      return "Log2";
    case UnaryOp::Log10:
      return "Log10";
    case UnaryOp::Sin:
      return "Sin";
    case UnaryOp::Cos:
      return "Cos";
    case UnaryOp::Tan:
      return "Tan";
    case UnaryOp::ArcSin:
      return "ArcSin";
    case UnaryOp::ArcCos:
      return "ArcCos";
    case UnaryOp::ArcTan:
      return "ArcTan";
    case UnaryOp::Sinh:
      return "Sinh";
    case UnaryOp::Cosh:
      return "Cosh";
    case UnaryOp::Tanh:
      return "Tanh";
    case UnaryOp::ArcSinh:
      return "ArcSinh";
    case UnaryOp::ArcCosh:
      return "ArcCosh";
    case UnaryOp::ArcTanh:
      return "ArcTanh";
    case UnaryOp::Erf:
      return "Erf";
    case UnaryOp::ErfInv:
      return "ErfInv";
    case UnaryOp::Sigmoid:
      return "Sigmoid";
    case UnaryOp::IsNaN:
      return "IsNaN";
    case UnaryOp::IsInf:
      return "IsInf";
    case UnaryOp::IsPosInf:
      return "IsPosInf";
    case UnaryOp::IsNegInf:
      return "IsNegInf";
    case UnaryOp::LogicalNot:
      return "LogicalNot";
    case UnaryOp::BitwiseInvert:
      return "BitwiseInvert";
    case UnaryOp::Real:
      return "Real";
    case UnaryOp::Imag:
      return "Imag";
    case UnaryOp::Conjugate:
      return "Conjugate";
  }
  return "Unary";
}

const char* binary_op_name(BinaryOp op) {
  switch (op) {
    case BinaryOp::Add:
      return "add";
    case BinaryOp::Subtract:
      return "subtract";
    case BinaryOp::Multiply:
      return "multiply";
    case BinaryOp::Divide:
      return "divide";
    case BinaryOp::FloorDivide:
      return "floor_divide";
    case BinaryOp::Remainder:
      return "remainder";
    case BinaryOp::Power:
      return "power";
    case BinaryOp::Maximum:
      return "maximum";
    case BinaryOp::Minimum:
      return "minimum";
    case BinaryOp::LogAddExp:
      return "logaddexp";
    case BinaryOp::ArcTan2:
      return "arctan2";
    case BinaryOp::Equal:
      return "equal";
    case BinaryOp::NotEqual:
      return "not_equal";
    case BinaryOp::Less:
      return "less";
    case BinaryOp::LessEqual:
      return "less_equal";
    case BinaryOp::Greater:
      return "greater";
    case BinaryOp::GreaterEqual:
      return "greater_equal";
    case BinaryOp::LogicalAnd:
      return "logical_and";
    case BinaryOp::LogicalOr:
      return "logical_or";
    case BinaryOp::BitwiseAnd:
      return "bitwise_and";
    case BinaryOp::BitwiseOr:
      return "bitwise_or";
    case BinaryOp::BitwiseXor:
      return "bitwise_xor";
    case BinaryOp::LeftShift:
      return "left_shift";
    case BinaryOp::RightShift:
      return "right_shift";
    case BinaryOp::NaNEqual:
      return "array_equal";
  }
  return "binary";
}

}  // namespace lmx
