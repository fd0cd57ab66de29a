// The scalar functor of every row of elementwise_ops.h, named by its code.
// They hold the math only, with no memory layout or threading, so every
// backend (and compile's fused kernels) evaluates the same definitions.
// Each is called on the computation type of an admitted dtype: the dtype's
// own C++ type, or float for float16/bfloat16.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <type_traits>

#include "lmx/core/half_types.h"

namespace lmx::scalar {

inline constexpr double kLn2 = 0.69314718055994530942;

// Inverse error function: Giles' single-precision approximation refined by
// two Newton steps on erf, which makes it accurate to double precision.
inline double erfinv(double x) {
  if (x <= -1.0) return x == -1.0 ? -std::numeric_limits<double>::infinity() : std::nan("");
  if (x >= 1.0) return x == 1.0 ? std::numeric_limits<double>::infinity() : std::nan("");
  double w = -std::log((1.0 - x) * (1.0 + x)), p;
  if (w < 5.0) {
    w -= 2.5;
    p = 2.81022636e-08;
    p = 3.43273939e-07 + p * w;
    p = -3.5233877e-06 + p * w;
    p = -4.39150654e-06 + p * w;
    p = 0.00021858087 + p * w;
    p = -0.00125372503 + p * w;
    p = -0.00417768164 + p * w;
    p = 0.246640727 + p * w;
    p = 1.50140941 + p * w;
  } else {
    w = std::sqrt(w) - 3.0;
    p = -0.000200214257;
    p = 0.000100950558 + p * w;
    p = 0.00134934322 + p * w;
    p = -0.00367342844 + p * w;
    p = 0.00573950773 + p * w;
    p = -0.0076224613 + p * w;
    p = 0.00943887047 + p * w;
    p = 1.00167406 + p * w;
    p = 2.83297682 + p * w;
  }
  double y = p * x;
  const double two_over_sqrt_pi = 1.1283791670955126;
  for (int i = 0; i < 2; ++i) {
    double err = std::erf(y) - x;
    y -= err / (two_over_sqrt_pi * std::exp(-y * y));
  }
  return y;
}

template <typename T>
bool any_nan(T x) {
  if constexpr (is_complex_v<T>) {
    return std::isnan(x.real()) || std::isnan(x.imag());
  } else if constexpr (std::is_floating_point_v<T>) {
    return std::isnan(x);
  } else {
    return false;
  }
}

// Defines a functor whose call returns `expr` of its argument x (of type T).
#define LMX_SCALAR_UNARY(code, expr) \
  struct code {                      \
    template <typename T>            \
    auto operator()(T x) const {     \
      return expr;                   \
    }                                \
  };

// ---- Unary ----

struct Abs {
  template <typename T>
  auto operator()(T x) const {
    if constexpr (is_complex_v<T>) {
      return std::abs(x);
    } else if constexpr (std::is_unsigned_v<T>) {
      return x;
    } else {
      return x < T(0) ? T(-x) : x;
    }
  }
};
LMX_SCALAR_UNARY(Negative, T(T(0) - x))
struct Sign {
  template <typename T>
  T operator()(T x) const {
    if constexpr (is_complex_v<T>) {
      float m = std::abs(x);
      return m == 0 ? T(0) : x / m;
    } else if constexpr (std::is_unsigned_v<T>) {
      return T(x > 0);
    } else {
      return T((T(0) < x) - (x < T(0)));
    }
  }
};
LMX_SCALAR_UNARY(Floor, std::floor(x))
LMX_SCALAR_UNARY(Ceil, std::ceil(x))
LMX_SCALAR_UNARY(Round, std::nearbyint(x))  // halves to even, as NumPy
LMX_SCALAR_UNARY(Sqrt, std::sqrt(x))
LMX_SCALAR_UNARY(Rsqrt, T(1) / std::sqrt(x))
LMX_SCALAR_UNARY(Square, T(x* x))
LMX_SCALAR_UNARY(Reciprocal, T(1) / x)
LMX_SCALAR_UNARY(Exp, std::exp(x))
struct Expm1 {
  template <typename T>
  T operator()(T x) const {
    if constexpr (is_complex_v<T>) {
      return std::exp(x) - T(1);
    } else {
      return std::expm1(x);
    }
  }
};
LMX_SCALAR_UNARY(Log, std::log(x))
struct Log1p {
  template <typename T>
  T operator()(T x) const {
    if constexpr (is_complex_v<T>) {
      return std::log(T(1) + x);
    } else {
      return std::log1p(x);
    }
  }
};
struct Log2 {
  template <typename T>
  T operator()(T x) const {
    if constexpr (is_complex_v<T>) {
      return std::log(x) / T(static_cast<float>(kLn2));
    } else {
      return std::log2(x);
    }
  }
};
LMX_SCALAR_UNARY(Log10, std::log10(x))
LMX_SCALAR_UNARY(Sin, std::sin(x))
LMX_SCALAR_UNARY(Cos, std::cos(x))
LMX_SCALAR_UNARY(Tan, std::tan(x))
LMX_SCALAR_UNARY(ArcSin, std::asin(x))
LMX_SCALAR_UNARY(ArcCos, std::acos(x))
LMX_SCALAR_UNARY(ArcTan, std::atan(x))
LMX_SCALAR_UNARY(Sinh, std::sinh(x))
LMX_SCALAR_UNARY(Cosh, std::cosh(x))
LMX_SCALAR_UNARY(Tanh, std::tanh(x))
LMX_SCALAR_UNARY(ArcSinh, std::asinh(x))
LMX_SCALAR_UNARY(ArcCosh, std::acosh(x))
LMX_SCALAR_UNARY(ArcTanh, std::atanh(x))
LMX_SCALAR_UNARY(Erf, std::erf(x))
LMX_SCALAR_UNARY(ErfInv, T(erfinv(double(x))))
// GELU, x (1 + erf(x / sqrt 2)) / 2, with nn::gelu's operations in its
// order so the map rounds as that graph does, and its derivative
// (1 + erf(x / sqrt 2)) / 2 + x exp(-x^2 / 2) / sqrt(2 pi). The CPU's float
// kernels (backend/cpu/unary.cpp) repeat both with its erf and exp.
struct Gelu {
  template <typename T>
  T operator()(T x) const {
    return (x * (T(1) + T(std::erf(x / T(std::numbers::sqrt2))))) / T(2);
  }
};
struct GeluDerivative {
  template <typename T>
  T operator()(T x) const {
    const T inv_sqrt_2pi = T(0.5 * std::numbers::inv_sqrtpi * std::numbers::sqrt2);
    return (T(1) + T(std::erf(x / T(std::numbers::sqrt2)))) / T(2) +
           x * T(std::exp(T(-0.5) * x * x)) * inv_sqrt_2pi;
  }
};
struct Sigmoid {
  template <typename T>
  T operator()(T x) const {
    if constexpr (is_complex_v<T>) {
      return T(1) / (T(1) + std::exp(-x));
    } else {
      // Stable for large |x|: never exponentiates a positive number.
      if (x >= 0) return T(1) / (T(1) + std::exp(-x));
      T e = std::exp(x);
      return e / (T(1) + e);
    }
  }
};
LMX_SCALAR_UNARY(IsNaN, any_nan(x))
struct IsInf {
  template <typename T>
  bool operator()(T x) const {
    if constexpr (is_complex_v<T>) {
      return std::isinf(x.real()) || std::isinf(x.imag());
    } else {
      return std::isinf(x);
    }
  }
};
LMX_SCALAR_UNARY(IsPosInf, std::isinf(x) && x > 0)
LMX_SCALAR_UNARY(IsNegInf, std::isinf(x) && x < 0)
LMX_SCALAR_UNARY(LogicalNot, !x)
struct BitwiseInvert {
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_same_v<T, bool>) {
      return !x;
    } else {
      return static_cast<T>(~x);
    }
  }
};
LMX_SCALAR_UNARY(Real, x.real())
LMX_SCALAR_UNARY(Imag, x.imag())
LMX_SCALAR_UNARY(Conjugate, std::conj(x))

#undef LMX_SCALAR_UNARY

// ---- Binary ----

#define LMX_SCALAR_BINARY(code, expr) \
  struct code {                       \
    template <typename T>             \
    auto operator()(T x, T y) const { \
      return expr;                    \
    }                                 \
  };

LMX_SCALAR_BINARY(Add, T(x + y))
LMX_SCALAR_BINARY(Subtract, T(x - y))
LMX_SCALAR_BINARY(Multiply, T(x* y))
struct Divide {
  template <typename T>
  T operator()(T x, T y) const {
    if constexpr (std::is_integral_v<T>) {
      return y == 0 ? T(0) : T(x / y);  // no trap on division by zero
    } else {
      return x / y;
    }
  }
};
struct FloorDivide {
  template <typename T>
  T operator()(T x, T y) const {
    if constexpr (std::is_same_v<T, bool>) {
      return y ? x : false;
    } else if constexpr (std::is_integral_v<T>) {
      if (y == 0) return 0;
      if constexpr (std::is_signed_v<T>) {
        if (y == -1) return static_cast<T>(T(0) - x);  // no INT_MIN / -1 overflow
        T q = x / y;
        return (q * y != x && ((x < 0) != (y < 0))) ? T(q - 1) : q;
      } else {
        return T(x / y);
      }
    } else {
      return std::floor(x / y);
    }
  }
};
// Python's remainder: the sign of the divisor.
struct Remainder {
  template <typename T>
  T operator()(T x, T y) const {
    if constexpr (std::is_same_v<T, bool>) {
      return false;  // x mod 1 and x mod 0 (which gives 0 for integers) alike
    } else if constexpr (std::is_integral_v<T>) {
      if (y == 0) return 0;
      if constexpr (std::is_signed_v<T>) {
        if (y == -1) return 0;
        T r = T(x % y);
        return (r != 0 && ((r < 0) != (y < 0))) ? T(r + y) : r;
      } else {
        return T(x % y);
      }
    } else {
      T r = std::fmod(x, y);
      return (r != 0 && ((r < 0) != (y < 0))) ? r + y : r;
    }
  }
};
struct Power {
  template <typename T>
  T operator()(T base, T exp) const {
    if constexpr (std::is_same_v<T, bool>) {
      return base || !exp;
    } else if constexpr (std::is_integral_v<T>) {
      if constexpr (std::is_signed_v<T>) {
        // Negative exponents truncate to 0 unless the base is +-1 (as MLX).
        if (exp < 0) return base == 1 ? 1 : (base == -1 ? (exp % 2 ? -1 : 1) : 0);
      }
      T result = 1;
      while (exp) {
        if (exp & 1) result = T(result * base);
        exp >>= 1;
        base = T(base * base);
      }
      return result;
    } else {
      return std::pow(base, exp);
    }
  }
};
// Complex numbers order lexicographically, real part first (as NumPy).
template <typename T>
bool ordered_less(T x, T y) {
  if constexpr (is_complex_v<T>) {
    return x.real() < y.real() || (x.real() == y.real() && x.imag() < y.imag());
  } else {
    return x < y;
  }
}
// A NaN in the first operand propagates.
LMX_SCALAR_BINARY(Maximum, any_nan(x) || !ordered_less(x, y) ? x : y)
LMX_SCALAR_BINARY(Minimum, any_nan(x) || ordered_less(x, y) ? x : y)
struct LogAddExp {
  template <typename T>
  T operator()(T x, T y) const {
    if (std::isnan(x) || std::isnan(y)) return x + y;
    T hi = x > y ? x : y, lo = x > y ? y : x;
    if (std::isinf(hi) && hi < 0) return hi;
    return hi + std::log1p(std::exp(lo - hi));
  }
};
LMX_SCALAR_BINARY(ArcTan2, T(std::atan2(x, y)))
LMX_SCALAR_BINARY(Equal, bool(x == y))
LMX_SCALAR_BINARY(NotEqual, bool(x != y))
LMX_SCALAR_BINARY(Less, bool(x < y))
LMX_SCALAR_BINARY(LessEqual, bool(x <= y))
LMX_SCALAR_BINARY(Greater, bool(x > y))
LMX_SCALAR_BINARY(GreaterEqual, bool(x >= y))
LMX_SCALAR_BINARY(LogicalAnd, bool(x&& y))
LMX_SCALAR_BINARY(LogicalOr, bool(x || y))
LMX_SCALAR_BINARY(BitwiseAnd, T(x& y))
LMX_SCALAR_BINARY(BitwiseOr, T(x | y))
LMX_SCALAR_BINARY(BitwiseXor, T(x ^ y))
// Shifts past the width give 0 (or the sign, shifting right) instead of
// undefined behaviour.
struct LeftShift {
  template <typename T>
  T operator()(T x, T y) const {
    using W = std::make_unsigned_t<std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>>;
    auto n = static_cast<int64_t>(y);
    if (n < 0 || n >= int64_t(sizeof(T) * 8)) return T(0);
    return static_cast<T>(static_cast<W>(x) << n);
  }
};
struct RightShift {
  template <typename T>
  T operator()(T x, T y) const {
    auto n = static_cast<int64_t>(y);
    if (n < 0 || n >= int64_t(sizeof(T) * 8)) {
      if constexpr (std::is_signed_v<T>) return static_cast<T>(x < 0 ? -1 : 0);
      return T(0);
    }
    return static_cast<T>(x >> n);
  }
};
LMX_SCALAR_BINARY(NaNEqual, bool(x == y || (any_nan(x) && any_nan(y))))

#undef LMX_SCALAR_BINARY

}  // namespace lmx::scalar
