// Elementwise kernels of one input: the Unary primitive's maps (one per row
// of the table in elementwise_ops.h, on the functors of scalar_ops.h), dtype
// casts and copies.
#include <cmath>
#include <limits>
#include <numbers>

#include "lmx/backend/cpu/elementwise.h"
#include "lmx/backend/cpu/fast_erf.h"
#include "lmx/backend/cpu/fast_exp.h"
#include "lmx/backend/cpu/isa.h"
#include "lmx/backend/cpu/kernel_utils.h"
#include "lmx/core/primitives.h"
#include "lmx/core/scalar_ops.h"
// Last: the kernels below are compiled once per instruction set.
#include "lmx/backend/cpu/isa_region.h"

LMX_ISA_BEGIN

namespace {

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

// The output's C++ type for an input of type T.
template <OutKind O, typename T>
using out_t =
    std::conditional_t<O == OutKind::Bool, bool,
                       std::conditional_t<O == OutKind::RealPart && is_complex_v<T>, float, T>>;

// The functor the CPU runs for a row: the table's, except where this backend
// has a faster one with the same results to rounding.
template <typename F>
struct cpu_functor {
  using type = F;
};
// For float, a polynomial that vectorises (fast_exp.h, fast_erf.h) in place
// of libm's call per element; the table's functor for every other type.
template <float (*Fast)(float), typename Exact>
struct FastFloat {
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_same_v<T, float>) {
      return Fast(x);
    } else {
      return Exact{}(x);
    }
  }
};
template <>
struct cpu_functor<scalar::Exp> {
  using type = FastFloat<exp_approx, scalar::Exp>;
};
template <>
struct cpu_functor<scalar::Erf> {
  using type = FastFloat<erf_approx, scalar::Erf>;
};
// GELU and its derivative for float, with the polynomial erf and exp (for
// other types, scalar_ops.h's formulas). Composed there, the functors would
// be compiled for the baseline ISA and could not inline this region's erf,
// leaving a call per element in a loop that does not vectorise. x / sqrt 2
// is a product here (a division costs as much as the rest of the erf), and
// the derivative takes exp(-x^2 / 2) once for both its terms.
constexpr float kInvSqrt2 = 0.5f * std::numbers::sqrt2_v<float>;
struct CpuGelu {
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_same_v<T, float>) {
      return 0.5f * x * (1.0f + erf_approx(x * kInvSqrt2));
    } else {
      return scalar::Gelu{}(x);
    }
  }
};
struct CpuGeluDerivative {
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_same_v<T, float>) {
      constexpr float inv_sqrt_2pi = kInvSqrt2 * std::numbers::inv_sqrtpi_v<float>;
      const float z = x * kInvSqrt2, e = exp_approx(-(z * z));
      return 0.5f * (1.0f + erf_approx_given_exp(z, e)) + x * e * inv_sqrt_2pi;
    } else {
      return scalar::GeluDerivative{}(x);
    }
  }
};
template <>
struct cpu_functor<scalar::Gelu> {
  using type = CpuGelu;
};
template <>
struct cpu_functor<scalar::GeluDerivative> {
  using type = CpuGeluDerivative;
};

// Applies F to every element, for the dtypes class C admits; 16-bit floats
// compute in float.
template <typename F, DtypeClass C, OutKind O>
void run_unary(const array& in, array& out, const char* who) {
  dispatch_class<C>(in.dtype(), who, isa_types<LMX_ISA_ID>([&](auto tag) {
                      using T = typename decltype(tag)::type;
                      using M = math_t<T>;
                      using Out = out_t<O, T>;
                      unary_map<T, Out>(
                          in, out, [](T x) { return static_cast<Out>(F{}(static_cast<M>(x))); });
                    }));
}

// The float32 row of F, for fused chains: the loop of unary_map's dense path
// on the same functor, so the same results bit for bit.
template <typename F>
void float_unary_row(const float* x, float* o, int64_t n) {
  for (int64_t i = 0; i < n; ++i) o[i] = F{}(x[i]);
}

}  // namespace

FloatUnaryRow float_unary_row(UnaryOp op) {
  switch (op) {
#define LMX_UNARY_ROW(code, name, dtypes, output, ...)                    \
  case UnaryOp::code:                                                     \
    if constexpr (admits<DtypeClass::dtypes, float>() &&                  \
                  std::is_same_v<out_t<OutKind::output, float>, float>) { \
      return &float_unary_row<cpu_functor<scalar::code>::type>;           \
    } else {                                                              \
      return nullptr;                                                     \
    }
    LMX_UNARY_OPS(LMX_UNARY_ROW)
#undef LMX_UNARY_ROW
  }
  return nullptr;
}

// One case per row of LMX_UNARY_OPS.
void apply_unary(UnaryOp op, const array& in, array& out) {
  switch (op) {
#define LMX_UNARY_KERNEL(code, name, dtypes, output, ...)                                   \
  case UnaryOp::code:                                                                       \
    return run_unary<cpu_functor<scalar::code>::type, DtypeClass::dtypes, OutKind::output>( \
        in, out, #name);
    LMX_UNARY_OPS(LMX_UNARY_KERNEL)
#undef LMX_UNARY_KERNEL
  }
}

LMX_ISA_END

#if LMX_ISA_ID == 0
namespace lmx {

cpu::FloatUnaryRow cpu::float_unary_row(UnaryOp op) {
  return LMX_ISA_CALL_FOR(float32, float_unary_row, op);
}

void cpu::apply_unary(UnaryOp op, const array& in, array& out) {
  return LMX_ISA_CALL_FOR(in.dtype(), apply_unary, op, in, out);
}

void Unary::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  cpu::allocate_or_donate(out, {&in});
  cpu::apply_unary(op_, in, out);
}
void Unary::eval_elementwise_cpu(const std::vector<array>& inputs, array& out) const {
  cpu::apply_unary(op_, inputs[0], out);
}

void AsType::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate_or_donate(out, {&inputs[0]});
  cpu::copy_to_contiguous(inputs[0], out);
}
void AsType::eval_elementwise_cpu(const std::vector<array>& inputs, array& out) const {
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
#endif  // LMX_ISA_ID == 0
