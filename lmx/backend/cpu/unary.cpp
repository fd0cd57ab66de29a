// Elementwise kernels of one input: the Unary primitive's maps, dtype casts
// and copies.
#include <cmath>
#include <limits>

#include "lmx/backend/cpu/elementwise.h"
#include "lmx/backend/cpu/fast_exp.h"
#include "lmx/backend/cpu/kernel_utils.h"
#include "lmx/core/primitives.h"

namespace lmx {

namespace cpu {

namespace {

// Inverse error function: Giles' single-precision approximation refined by
// Newton steps on erf, accurate to double precision after two.
double erfinv_impl(double x) {
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

// Applies `f` elementwise from `in` to `out`, over any input layout.
template <typename TIn, typename TOut, typename F>
void unary_map(const array& in, array& out, F f) {
  const TIn* src = in.data<TIn>();
  TOut* dst = out.data<TOut>();
  if (in.flags().row_contiguous && in.data_size() == in.size()) {
    int64_t n = static_cast<int64_t>(in.size());
    parallel_for(n, kParallelGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) dst[i] = f(src[i]);
    });
    return;
  }
  Shape shape = in.shape();
  std::vector<Strides> st{in.strides(), row_strides(shape)};
  collapse_dims(shape, st);
  strided_loop<2>(shape, {&st[0], &st[1]}, [&](const std::array<int64_t, 2>& off, int64_t n) {
    int64_t ss = shape.empty() ? 0 : st[0].back();
    const TIn* s = src + off[0];
    TOut* d = dst + off[1];
    for (int64_t i = 0; i < n; ++i) d[i] = f(s[i * ss]);
  });
}

template <typename T>
using math_t = std::conditional_t<is_half_v<T>, float, T>;

// Maps that keep the dtype and compute in float for the 16-bit types.
template <typename T, typename F>
void float_map(const array& in, array& out, F f) {
  unary_map<T, T>(in, out, [f](T x) { return static_cast<T>(f(static_cast<math_t<T>>(x))); });
}

template <typename F>
void for_float_or_complex(Dtype t, const char* who, F&& f) {
  if (t == complex64) return f(TypeTag<complex64_t>{});
  dispatch_float_types(t, who, f);
}

void unary_eval(UnaryOp op, const array& in, array& out) {
  Dtype t = in.dtype();
  const char* who = unary_op_name(op);
  switch (op) {
    case UnaryOp::Abs:
      if (t == complex64) {
        return unary_map<complex64_t, float>(in, out, [](complex64_t x) { return std::abs(x); });
      }
      return dispatch_real_types(t, who, [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (std::is_unsigned_v<T> || std::is_same_v<T, bool>) {
          unary_map<T, T>(in, out, [](T x) { return x; });
        } else {
          float_map<T>(in, out, [](auto x) { return x < 0 ? -x : x; });
        }
      });
    case UnaryOp::Negative:
    case UnaryOp::Square:
      return dispatch_all_types(t, [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (!std::is_same_v<T, bool>) {
          if (op == UnaryOp::Negative) {
            float_map<T>(in, out, [](auto x) { return decltype(x)(0) - x; });
          } else {
            float_map<T>(in, out, [](auto x) { return x * x; });
          }
        }
      });
    case UnaryOp::Sign:
      if (t == complex64) {
        return unary_map<complex64_t, complex64_t>(in, out, [](complex64_t x) {
          float m = std::abs(x);
          return m == 0 ? complex64_t(0) : x / m;
        });
      }
      return dispatch_real_types(t, who, [&](auto tag) {
        using T = typename decltype(tag)::type;
        float_map<T>(in, out, [](auto x) {
          using M = decltype(x);
          if constexpr (std::is_unsigned_v<M>) {
            return static_cast<M>(x > 0);
          } else {
            return static_cast<M>((M(0) < x) - (x < M(0)));
          }
        });
      });
    case UnaryOp::BitwiseInvert:
      return dispatch_int_types(t, who, [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (std::is_same_v<T, bool>) {
          unary_map<T, T>(in, out, [](T x) { return !x; });
        } else {
          unary_map<T, T>(in, out, [](T x) { return static_cast<T>(~x); });
        }
      });
    case UnaryOp::LogicalNot:
      return unary_map<bool, bool>(in, out, [](bool x) { return !x; });
    case UnaryOp::Real:
      return unary_map<complex64_t, float>(in, out, [](complex64_t x) { return x.real(); });
    case UnaryOp::Imag:
      return unary_map<complex64_t, float>(in, out, [](complex64_t x) { return x.imag(); });
    case UnaryOp::Conjugate:
      return unary_map<complex64_t, complex64_t>(in, out,
                                                 [](complex64_t x) { return std::conj(x); });
    case UnaryOp::IsNaN:
    case UnaryOp::IsInf:
    case UnaryOp::IsPosInf:
    case UnaryOp::IsNegInf:
      return for_float_or_complex(t, who, [&](auto tag) {
        using T = typename decltype(tag)::type;
        unary_map<T, bool>(in, out, [op](T v) {
          if constexpr (is_complex_v<T>) {
            if (op == UnaryOp::IsNaN) return std::isnan(v.real()) || std::isnan(v.imag());
            return std::isinf(v.real()) || std::isinf(v.imag());
          } else {
            double x = static_cast<double>(static_cast<math_t<T>>(v));
            switch (op) {
              case UnaryOp::IsNaN:
                return std::isnan(x);
              case UnaryOp::IsInf:
                return std::isinf(x);
              case UnaryOp::IsPosInf:
                return std::isinf(x) && x > 0;
              default:
                return std::isinf(x) && x < 0;
            }
          }
        });
      });
    default:
      break;
  }
  // Floating point maps.
  for_float_or_complex(t, who, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using M = math_t<T>;
    constexpr bool cplx = is_complex_v<T>;
    auto real_only = [&]() {
      if constexpr (cplx) {
        throw std::invalid_argument(std::string("[") + who + "] Not supported for complex64.");
      }
    };
    switch (op) {
      case UnaryOp::Floor:
        real_only();
        if constexpr (!cplx) float_map<T>(in, out, [](M x) { return std::floor(x); });
        break;
      case UnaryOp::Ceil:
        real_only();
        if constexpr (!cplx) float_map<T>(in, out, [](M x) { return std::ceil(x); });
        break;
      case UnaryOp::Round:
        real_only();
        if constexpr (!cplx) float_map<T>(in, out, [](M x) { return std::nearbyint(x); });
        break;
      case UnaryOp::Sqrt:
        float_map<T>(in, out, [](M x) { return std::sqrt(x); });
        break;
      case UnaryOp::Rsqrt:
        float_map<T>(in, out, [](M x) { return M(1) / std::sqrt(x); });
        break;
      case UnaryOp::Reciprocal:
        float_map<T>(in, out, [](M x) { return M(1) / x; });
        break;
      case UnaryOp::Exp:
        if constexpr (std::is_same_v<M, float>) {
          float_map<T>(in, out, [](M x) { return exp_approx(x); });  // vectorises
        } else {
          float_map<T>(in, out, [](M x) { return std::exp(x); });
        }
        break;
      case UnaryOp::Expm1:
        if constexpr (cplx) {
          float_map<T>(in, out, [](M x) { return std::exp(x) - M(1); });
        } else {
          float_map<T>(in, out, [](M x) { return std::expm1(x); });
        }
        break;
      case UnaryOp::Log:
        float_map<T>(in, out, [](M x) { return std::log(x); });
        break;
      case UnaryOp::Log1p:
        if constexpr (cplx) {
          float_map<T>(in, out, [](M x) { return std::log(M(1) + x); });
        } else {
          float_map<T>(in, out, [](M x) { return std::log1p(x); });
        }
        break;
      case UnaryOp::Log2:
        if constexpr (cplx) {
          float_map<T>(in, out, [](M x) { return std::log(x) / M(std::log(2.0f)); });
        } else {
          float_map<T>(in, out, [](M x) { return std::log2(x); });
        }
        break;
      case UnaryOp::Log10:
        float_map<T>(in, out, [](M x) { return std::log10(x); });
        break;
      case UnaryOp::Sin:
        float_map<T>(in, out, [](M x) { return std::sin(x); });
        break;
      case UnaryOp::Cos:
        float_map<T>(in, out, [](M x) { return std::cos(x); });
        break;
      case UnaryOp::Tan:
        float_map<T>(in, out, [](M x) { return std::tan(x); });
        break;
      case UnaryOp::ArcSin:
        float_map<T>(in, out, [](M x) { return std::asin(x); });
        break;
      case UnaryOp::ArcCos:
        float_map<T>(in, out, [](M x) { return std::acos(x); });
        break;
      case UnaryOp::ArcTan:
        float_map<T>(in, out, [](M x) { return std::atan(x); });
        break;
      case UnaryOp::Sinh:
        float_map<T>(in, out, [](M x) { return std::sinh(x); });
        break;
      case UnaryOp::Cosh:
        float_map<T>(in, out, [](M x) { return std::cosh(x); });
        break;
      case UnaryOp::Tanh:
        float_map<T>(in, out, [](M x) { return std::tanh(x); });
        break;
      case UnaryOp::ArcSinh:
        float_map<T>(in, out, [](M x) { return std::asinh(x); });
        break;
      case UnaryOp::ArcCosh:
        float_map<T>(in, out, [](M x) { return std::acosh(x); });
        break;
      case UnaryOp::ArcTanh:
        float_map<T>(in, out, [](M x) { return std::atanh(x); });
        break;
      case UnaryOp::Sigmoid:
        if constexpr (cplx) {
          float_map<T>(in, out, [](M x) { return M(1) / (M(1) + std::exp(-x)); });
        } else {
          // Stable for large |x|: never exponentiates a positive number.
          float_map<T>(in, out, [](M x) {
            if (x >= 0) return M(1) / (M(1) + std::exp(-x));
            M e = std::exp(x);
            return e / (M(1) + e);
          });
        }
        break;
      case UnaryOp::Erf:
        real_only();
        if constexpr (!cplx) float_map<T>(in, out, [](M x) { return std::erf(x); });
        break;
      case UnaryOp::ErfInv:
        real_only();
        if constexpr (!cplx) {
          float_map<T>(in, out, [](M x) { return static_cast<M>(erfinv_impl(double(x))); });
        }
        break;
      default:
        throw std::invalid_argument(std::string("[") + who + "] Unsupported unary op.");
    }
  });
}

}  // namespace

void apply_unary(UnaryOp op, const array& in, array& out) {
  unary_eval(op, in, out);
}

}  // namespace cpu

void Unary::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  cpu::allocate_or_donate(out, {&in});
  cpu::unary_eval(op_, in, out);
}

void AsType::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate_or_donate(out, {&inputs[0]});
  cpu::copy_to_contiguous(inputs[0], out);
}

void Copy::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.copy_shared_buffer(inputs[0]);
}

// Pass-throughs of their first inputs (the rest are only waited for).
void Depends::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  for (size_t i = 0; i < outputs.size(); ++i) outputs[i].copy_shared_buffer(inputs[i]);
}
void CustomTransforms::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  for (size_t i = 0; i < outputs.size(); ++i) outputs[i].copy_shared_buffer(inputs[i]);
}

void StopGradient::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.copy_shared_buffer(inputs[0]);
}

void Full::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  // A broadcast scalar fills the buffer directly.
  bool scalar = true;
  for (auto s : in.strides()) scalar &= s == 0;
  cpu::allocate_or_donate(out, {&in});
  if (scalar && in.size() > 0) {
    dispatch_all_types(out.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      T v = in.data<T>()[0];
      T* d = out.data<T>();
      cpu::parallel_for(static_cast<int64_t>(out.size()), cpu::kParallelGrain,
                        [&](int64_t b, int64_t e) { std::fill(d + b, d + e, v); });
    });
    return;
  }
  if (!out.is_same(in) && out.buffer().raw_ptr() != in.buffer().raw_ptr()) {
    cpu::copy_to_contiguous(in, out);
  }
}

}  // namespace lmx
