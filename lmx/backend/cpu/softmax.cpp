// Row-wise softmax and logsumexp over the last axis, each in one pass over
// the data held in cache.
#include <cmath>
#include <limits>

#include "lmx/backend/cpu/fast_exp.h"
#include "lmx/backend/cpu/isa.h"
#include "lmx/backend/cpu/kernel_utils.h"
#include "lmx/core/primitives.h"

// The row kernels, compiled once per instruction set (isa.h); `in` is
// row-contiguous and `out` has storage.
#define LMX_SOFTMAX_KERNELS(ns)                            \
  namespace lmx::cpu::ns {                                 \
  void softmax(const array& in, array& out, bool precise); \
  void logsumexp(const array& in, array& out);             \
  }
LMX_FOR_EACH_ISA(LMX_SOFTMAX_KERNELS)
#undef LMX_SOFTMAX_KERNELS

// Last: the kernels below are compiled once per instruction set.
#include "lmx/backend/cpu/isa_region.h"

LMX_ISA_BEGIN

namespace {

template <typename F>
void for_each_last_axis_row(const array& in, F&& f) {
  int64_t n = in.ndim() == 0 ? 1 : in.shape(-1);
  int64_t rows = n == 0 ? 0 : static_cast<int64_t>(in.size()) / n;
  parallel_for(rows, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(n, 1)),
               [&](int64_t b, int64_t e) {
                 for (int64_t r = b; r < e; ++r) f(r, n);
               });
}

template <typename A, typename T>
A row_max(const T* x, int64_t n) {
  A m = -std::numeric_limits<A>::infinity();
  for (int64_t i = 0; i < n; ++i) m = std::max(m, static_cast<A>(x[i]));
  return m;
}

}  // namespace

void softmax(const array& in, array& out, bool precise) {
  dispatch_float_types(in.dtype(), "softmax", [&](auto tag) {
    using T = typename decltype(tag)::type;
    // 16-bit inputs always accumulate in float; `precise` asks for that too.
    using A = std::conditional_t<std::is_same_v<T, double>, double, float>;
    const T* x = in.data<T>();
    T* y = out.data<T>();
    for_each_last_axis_row(in, [&](int64_t r, int64_t n) {
      const T* xr = x + r * n;
      T* yr = y + r * n;
      A m = row_max<A>(xr, n);
      if (std::isinf(m) && m < 0) m = 0;  // an all -inf row gives NaN below, as 0/0
      A s = 0;
      if constexpr (std::is_same_v<T, float>) {
        s = exp_shifted(xr, m, yr, n);
      } else {
        for (int64_t i = 0; i < n; ++i) {
          A e = std::exp(static_cast<A>(xr[i]) - m);
          yr[i] = static_cast<T>(e);
          s += is_half_v<T> && !precise ? static_cast<A>(yr[i]) : e;
        }
      }
      A inv = A(1) / s;
      for (int64_t i = 0; i < n; ++i) yr[i] = static_cast<T>(static_cast<A>(yr[i]) * inv);
    });
  });
}

void logsumexp(const array& in, array& out) {
  dispatch_float_types(in.dtype(), "logsumexp", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = std::conditional_t<std::is_same_v<T, double>, double, float>;
    const T* x = in.data<T>();
    T* y = out.data<T>();
    for_each_last_axis_row(in, [&](int64_t r, int64_t n) {
      const T* xr = x + r * n;
      A m = row_max<A>(xr, n);
      if (std::isinf(m)) {  // all -inf gives -inf; any +inf gives +inf
        y[r] = static_cast<T>(m);
        return;
      }
      A s = 0;
      if constexpr (std::is_same_v<T, float>) {
        if (n <= 16) {  // short rows (class logits): no scratch buffer
          for (int64_t i = 0; i < n; ++i) s += exp_approx(xr[i] - m);
        } else {
          thread_local std::vector<float> scratch;
          scratch.resize(n);
          s = exp_shifted(xr, m, scratch.data(), n);
        }
      } else {
        for (int64_t i = 0; i < n; ++i) s += std::exp(static_cast<A>(xr[i]) - m);
      }
      y[r] = static_cast<T>(m + std::log(s));
    });
  });
}

LMX_ISA_END

#if LMX_ISA_ID == 0
namespace lmx {

void Softmax::eval_cpu(const std::vector<array>& inputs, array& out) {
  array in = cpu::ensure_row_contiguous(inputs[0]);
  cpu::allocate_or_donate(out, {&in});
  return LMX_ISA_CALL(softmax, in, out, precise_);
}

void LogSumExp::eval_cpu(const std::vector<array>& inputs, array& out) {
  array in = cpu::ensure_row_contiguous(inputs[0]);
  cpu::allocate(out);
  return LMX_ISA_CALL(logsumexp, in, out);
}

}  // namespace lmx
#endif  // LMX_ISA_ID == 0
