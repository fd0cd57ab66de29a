// Cumulative sums, products, maxima, minima and log-sum-exps along one axis.
#include <cmath>
#include <limits>

#include "lmx/backend/cpu/kernel_utils.h"
#include "lmx/core/primitives.h"

namespace lmx {

void Scan::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  cpu::allocate(out);
  dispatch_real_types(in.dtype(), "scan", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = cpu::acc_t<T>;
    const T* x = in.data<T>();
    T* y = out.data<T>();
    int64_t n = in.shape(axis_);
    int64_t xs = in.strides()[axis_], ys = out.strides()[axis_];
    Shape shape = in.shape();
    std::vector<Strides> st{in.strides(), out.strides()};
    shape[axis_] = 1;
    shape.push_back(1);
    st[0].push_back(0);
    st[1].push_back(0);
    A init;
    switch (type_) {
      case Sum:
        init = A(0);
        break;
      case Prod:
        init = A(1);
        break;
      case Max:
      case LogAddExp:
        init = std::numeric_limits<A>::has_infinity ? -std::numeric_limits<A>::infinity()
                                                    : std::numeric_limits<A>::lowest();
        break;
      default:
        init = std::numeric_limits<A>::has_infinity ? std::numeric_limits<A>::infinity()
                                                    : std::numeric_limits<A>::max();
    }
    auto combine = [this](A a, A b) -> A {
      if constexpr (std::is_same_v<A, bool>) {
        switch (type_) {
          case Sum:
          case Max:
            return a || b;
          default:
            return a && b;
        }
      } else {
        switch (type_) {
          case Sum:
            return a + b;
          case Prod:
            return a * b;
          case Max:
            return b > a ? b : a;
          case LogAddExp:
            if constexpr (std::is_floating_point_v<A>) {
              // log(exp(a) + exp(b)) from the larger one; -inf + -inf stays -inf.
              A hi = a > b ? a : b, lo = a > b ? b : a;
              if (std::isnan(a) || std::isnan(b)) return a + b;
              if (std::isinf(hi) && hi < 0) return hi;
              return hi + std::log1p(std::exp(lo - hi));
            } else {
              return b > a ? b : a;
            }
          default:
            return b < a ? b : a;
        }
      }
    };
    cpu::strided_loop<2>(shape, {&st[0], &st[1]}, [&](const std::array<int64_t, 2>& off, int64_t) {
      const T* px = x + off[0];
      T* py = y + off[1];
      A acc = init;
      for (int64_t k = 0; k < n; ++k) {
        int64_t i = reverse_ ? n - 1 - k : k;
        A v = static_cast<A>(px[i * xs]);
        if (inclusive_) {
          acc = k == 0 ? v : combine(acc, v);
          py[i * ys] = static_cast<T>(acc);
        } else {
          py[i * ys] = static_cast<T>(acc);
          acc = combine(acc, v);
        }
      }
    });
  });
}

}  // namespace lmx
