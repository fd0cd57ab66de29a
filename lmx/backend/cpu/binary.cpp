// Elementwise kernels of two and three inputs: the Binary primitive's maps
// (broadcasting inside the kernel), DivMod and Select.
#include <cmath>

#include "lmx/backend/cpu/elementwise.h"
#include "lmx/backend/cpu/kernel_utils.h"
#include "lmx/core/primitives.h"

namespace lmx {

namespace cpu {

namespace {

template <typename T>
using math_t = std::conditional_t<is_half_v<T>, float, T>;

// out = f(a, b) with a and b broadcast to out's shape.
template <typename T, typename U, typename F>
void binary_map(const array& a, const array& b, array& out, F f) {
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  U* po = out.data<U>();
  int64_t n = static_cast<int64_t>(out.size());
  bool a_dense = a.flags().row_contiguous && a.size() == out.size() && a.data_size() == a.size();
  bool b_dense = b.flags().row_contiguous && b.size() == out.size() && b.data_size() == b.size();
  bool a_scalar = a.size() == 1, b_scalar = b.size() == 1;
  auto run = [&](auto body) { parallel_for(n, kParallelGrain, body); };
  if (a_dense && b_dense) {
    run([&](int64_t s, int64_t e) {
      for (int64_t i = s; i < e; ++i) po[i] = f(pa[i], pb[i]);
    });
    return;
  }
  if (a_dense && b_scalar) {
    T bv = pb[0];
    run([&](int64_t s, int64_t e) {
      for (int64_t i = s; i < e; ++i) po[i] = f(pa[i], bv);
    });
    return;
  }
  if (a_scalar && b_dense) {
    T av = pa[0];
    run([&](int64_t s, int64_t e) {
      for (int64_t i = s; i < e; ++i) po[i] = f(av, pb[i]);
    });
    return;
  }
  Shape shape = out.shape();
  std::vector<Strides> st{broadcast_strides(a, shape), broadcast_strides(b, shape),
                          row_strides(shape)};
  collapse_dims(shape, st);
  int64_t sa = shape.empty() ? 0 : st[0].back(), sb = shape.empty() ? 0 : st[1].back();
  strided_loop<3>(shape, {&st[0], &st[1], &st[2]},
                  [&](const std::array<int64_t, 3>& off, int64_t len) {
                    const T* x = pa + off[0];
                    const T* y = pb + off[1];
                    U* o = po + off[2];
                    if (sa == 1 && sb == 0) {
                      T yv = y[0];
                      for (int64_t i = 0; i < len; ++i) o[i] = f(x[i], yv);
                    } else if (sa == 0 && sb == 1) {
                      T xv = x[0];
                      for (int64_t i = 0; i < len; ++i) o[i] = f(xv, y[i]);
                    } else if (sa == 1 && sb == 1) {
                      for (int64_t i = 0; i < len; ++i) o[i] = f(x[i], y[i]);
                    } else {
                      for (int64_t i = 0; i < len; ++i) o[i] = f(x[i * sa], y[i * sb]);
                    }
                  });
}

// Maps computed in float for the 16-bit types and written back as T.
template <typename T, typename F>
void arith_map(const array& a, const array& b, array& out, F f) {
  binary_map<T, T>(a, b, out, [f](T x, T y) {
    return static_cast<T>(f(static_cast<math_t<T>>(x), static_cast<math_t<T>>(y)));
  });
}

template <typename T, typename F>
void compare_map(const array& a, const array& b, array& out, F f) {
  binary_map<T, bool>(
      a, b, out, [f](T x, T y) { return f(static_cast<math_t<T>>(x), static_cast<math_t<T>>(y)); });
}

template <typename M>
M floor_div(M x, M y) {
  if constexpr (std::is_integral_v<M>) {
    if constexpr (std::is_signed_v<M>) {
      if (y == 0) return 0;
      if (y == -1) return static_cast<M>(M(0) - x);  // avoids INT_MIN / -1 overflow
      M q = x / y;
      return (q * y != x && ((x < 0) != (y < 0))) ? q - 1 : q;
    } else {
      return y == 0 ? 0 : x / y;
    }
  } else {
    return std::floor(x / y);
  }
}

template <typename M>
M py_mod(M x, M y) {
  if constexpr (std::is_integral_v<M>) {
    if (y == 0) return 0;
    if constexpr (std::is_signed_v<M>) {
      if (y == -1) return 0;
      M r = x % y;
      return (r != 0 && ((r < 0) != (y < 0))) ? r + y : r;
    } else {
      return x % y;
    }
  } else {
    M r = std::fmod(x, y);
    return (r != 0 && ((r < 0) != (y < 0))) ? r + y : r;
  }
}

template <typename M>
M int_power(M base, M exp) {
  if constexpr (std::is_signed_v<M>) {
    if (exp < 0) return base == 1 ? 1 : (base == -1 ? (exp % 2 ? -1 : 1) : 0);
  }
  M result = 1;
  while (exp) {
    if (exp & 1) result *= base;
    exp >>= 1;
    base *= base;
  }
  return result;
}

void binary_eval(BinaryOp op, const array& a, const array& b, array& out) {
  Dtype t = a.dtype();
  const char* who = binary_op_name(op);
  switch (op) {
    case BinaryOp::Add:
    case BinaryOp::Subtract:
    case BinaryOp::Multiply:
    case BinaryOp::Divide:
      return dispatch_all_types(t, [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (std::is_same_v<T, bool>) {
          throw std::invalid_argument(std::string("[") + who + "] Not supported for bool.");
        } else {
          switch (op) {
            case BinaryOp::Add:
              return arith_map<T>(a, b, out, [](auto x, auto y) { return x + y; });
            case BinaryOp::Subtract:
              return arith_map<T>(a, b, out, [](auto x, auto y) { return x - y; });
            case BinaryOp::Multiply:
              return arith_map<T>(a, b, out, [](auto x, auto y) { return x * y; });
            default:
              return arith_map<T>(a, b, out, [](auto x, auto y) {
                if constexpr (std::is_integral_v<decltype(x)>) {
                  return y == 0 ? decltype(x)(0) : decltype(x)(x / y);
                } else {
                  return x / y;
                }
              });
          }
        }
      });
    case BinaryOp::Power:
      return dispatch_all_types(t, [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (std::is_same_v<T, bool>) {
          arith_map<T>(a, b, out, [](auto x, auto y) { return x || !y; });
        } else if constexpr (std::is_integral_v<T>) {
          arith_map<T>(a, b, out, [](T x, T y) { return int_power<T>(x, y); });
        } else {
          arith_map<T>(a, b, out, [](auto x, auto y) { return std::pow(x, y); });
        }
      });
    case BinaryOp::Equal:
    case BinaryOp::NotEqual:
    case BinaryOp::NaNEqual:
      return dispatch_all_types(t, [&](auto tag) {
        using T = typename decltype(tag)::type;
        if (op == BinaryOp::Equal)
          return compare_map<T>(a, b, out, [](auto x, auto y) { return x == y; });
        if (op == BinaryOp::NotEqual)
          return compare_map<T>(a, b, out, [](auto x, auto y) { return x != y; });
        compare_map<T>(a, b, out, [](auto x, auto y) {
          if constexpr (std::is_integral_v<decltype(x)>) {
            return x == y;
          } else if constexpr (is_complex_v<T>) {
            return x == y || ((std::isnan(x.real()) || std::isnan(x.imag())) &&
                              (std::isnan(y.real()) || std::isnan(y.imag())));
          } else {
            return x == y || (std::isnan(x) && std::isnan(y));
          }
        });
      });
    case BinaryOp::LogicalAnd:
      return binary_map<bool, bool>(a, b, out, [](bool x, bool y) { return x && y; });
    case BinaryOp::LogicalOr:
      return binary_map<bool, bool>(a, b, out, [](bool x, bool y) { return x || y; });
    case BinaryOp::BitwiseAnd:
    case BinaryOp::BitwiseOr:
    case BinaryOp::BitwiseXor:
    case BinaryOp::LeftShift:
    case BinaryOp::RightShift:
      return dispatch_int_types(t, who, [&](auto tag) {
        using T = typename decltype(tag)::type;
        switch (op) {
          case BinaryOp::BitwiseAnd:
            return binary_map<T, T>(a, b, out, [](T x, T y) { return static_cast<T>(x & y); });
          case BinaryOp::BitwiseOr:
            return binary_map<T, T>(a, b, out, [](T x, T y) { return static_cast<T>(x | y); });
          case BinaryOp::BitwiseXor:
            return binary_map<T, T>(a, b, out, [](T x, T y) { return static_cast<T>(x ^ y); });
          case BinaryOp::LeftShift:
            return binary_map<T, T>(a, b, out, [](T x, T y) {
              // Shifts past the width give 0 instead of undefined behaviour.
              using W =
                  std::make_unsigned_t<std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>>;
              auto s = static_cast<int64_t>(y);
              if (s < 0 || s >= int64_t(sizeof(T) * 8)) return T(0);
              return static_cast<T>(static_cast<W>(x) << s);
            });
          default:
            return binary_map<T, T>(a, b, out, [](T x, T y) {
              auto s = static_cast<int64_t>(y);
              if (s < 0 || s >= int64_t(sizeof(T) * 8)) {
                if constexpr (std::is_signed_v<T>) return static_cast<T>(x < 0 ? -1 : 0);
                return T(0);
              }
              return static_cast<T>(x >> s);
            });
        }
      });
    default:
      break;
  }
  if (t == complex64 && (op == BinaryOp::Maximum || op == BinaryOp::Minimum)) {
    // Complex numbers order lexicographically, real part first (as NumPy);
    // a NaN in the first operand propagates.
    auto less = [](complex64_t x, complex64_t y) {
      return x.real() < y.real() || (x.real() == y.real() && x.imag() < y.imag());
    };
    auto has_nan = [](complex64_t x) { return std::isnan(x.real()) || std::isnan(x.imag()); };
    if (op == BinaryOp::Maximum) {
      return arith_map<complex64_t>(a, b, out, [=](complex64_t x, complex64_t y) {
        return has_nan(x) || !less(x, y) ? x : y;
      });
    }
    return arith_map<complex64_t>(
        a, b, out, [=](complex64_t x, complex64_t y) { return has_nan(x) || less(x, y) ? x : y; });
  }
  // Real-valued maps.
  dispatch_real_types(t, who, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using M = math_t<T>;
    switch (op) {
      case BinaryOp::FloorDivide:
        return arith_map<T>(a, b, out, [](M x, M y) { return floor_div<M>(x, y); });
      case BinaryOp::Remainder:
        return arith_map<T>(a, b, out, [](M x, M y) { return py_mod<M>(x, y); });
      case BinaryOp::Maximum:
        return arith_map<T>(a, b, out, [](M x, M y) {
          if constexpr (std::is_floating_point_v<M>) {
            if (std::isnan(x)) return x;
          }
          return x > y ? x : y;
        });
      case BinaryOp::Minimum:
        return arith_map<T>(a, b, out, [](M x, M y) {
          if constexpr (std::is_floating_point_v<M>) {
            if (std::isnan(x)) return x;
          }
          return x < y ? x : y;
        });
      case BinaryOp::LogAddExp:
        return arith_map<T>(a, b, out, [](M x, M y) {
          if constexpr (std::is_floating_point_v<M>) {
            if (std::isnan(x) || std::isnan(y)) return x + y;
            M hi = x > y ? x : y, lo = x > y ? y : x;
            if (std::isinf(hi) && hi < 0) return hi;
            return hi + std::log1p(std::exp(lo - hi));
          } else {
            return x > y ? x : y;
          }
        });
      case BinaryOp::ArcTan2:
        return arith_map<T>(a, b, out, [](M x, M y) { return static_cast<M>(std::atan2(x, y)); });
      case BinaryOp::Less:
        return compare_map<T>(a, b, out, [](M x, M y) { return x < y; });
      case BinaryOp::LessEqual:
        return compare_map<T>(a, b, out, [](M x, M y) { return x <= y; });
      case BinaryOp::Greater:
        return compare_map<T>(a, b, out, [](M x, M y) { return x > y; });
      case BinaryOp::GreaterEqual:
        return compare_map<T>(a, b, out, [](M x, M y) { return x >= y; });
      default:
        throw std::invalid_argument(std::string("[") + who + "] Unsupported binary op.");
    }
  });
}

}  // namespace

void apply_binary(BinaryOp op, const array& a, const array& b, array& out) {
  binary_eval(op, a, b, out);
}

}  // namespace cpu

void Binary::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& a = inputs[0];
  const array& b = inputs[1];
  if (out.dtype() == a.dtype()) {
    cpu::allocate_or_donate(out, {&a, &b});
  } else {
    cpu::allocate(out);
  }
  cpu::binary_eval(op_, a, b, out);
}

void DivMod::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  const array& a = inputs[0];
  const array& b = inputs[1];
  cpu::allocate(outputs[0]);
  cpu::allocate(outputs[1]);
  cpu::binary_eval(BinaryOp::FloorDivide, a, b, outputs[0]);
  cpu::binary_eval(BinaryOp::Remainder, a, b, outputs[1]);
}

namespace cpu {
void apply_select(const array& c, const array& x, const array& y, array& out) {
  dispatch_all_types(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const bool* pc = c.data<bool>();
    const T* px = x.data<T>();
    const T* py = y.data<T>();
    T* po = out.data<T>();
    Shape shape = out.shape();
    std::vector<Strides> st{broadcast_strides(c, shape), broadcast_strides(x, shape),
                            broadcast_strides(y, shape), row_strides(shape)};
    collapse_dims(shape, st);
    int64_t sc = shape.empty() ? 0 : st[0].back(), sx = shape.empty() ? 0 : st[1].back(),
            sy = shape.empty() ? 0 : st[2].back();
    strided_loop<4>(shape, {&st[0], &st[1], &st[2], &st[3]},
                    [&](const std::array<int64_t, 4>& off, int64_t n) {
                      const bool* cc = pc + off[0];
                      const T* xx = px + off[1];
                      const T* yy = py + off[2];
                      T* oo = po + off[3];
                      for (int64_t i = 0; i < n; ++i) oo[i] = cc[i * sc] ? xx[i * sx] : yy[i * sy];
                    });
  });
}
}  // namespace cpu

void Select::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate_or_donate(out, {&inputs[1], &inputs[2]});
  cpu::apply_select(inputs[0], inputs[1], inputs[2], out);
}

}  // namespace lmx
