// Stable argsort along one axis; NaNs sort last, as in NumPy.
#include <cmath>
#include <numeric>

#include "lmx/backend/cpu/kernel_utils.h"
#include "lmx/core/primitives.h"

namespace lmx {

void ArgSort::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  cpu::allocate(out);
  dispatch_real_types(in.dtype(), "[argsort]", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = cpu::acc_t<T>;
    const T* x = in.data<T>();
    uint32_t* y = out.data<uint32_t>();
    int64_t n = in.shape(axis_);
    int64_t xs = in.strides()[axis_], ys = out.strides()[axis_];
    Shape shape = in.shape();
    std::vector<Strides> st{in.strides(), out.strides()};
    shape[axis_] = 1;
    shape.push_back(1);
    st[0].push_back(0);
    st[1].push_back(0);
    cpu::strided_loop<2>(shape, {&st[0], &st[1]}, [&](const std::array<int64_t, 2>& off, int64_t) {
      std::vector<uint32_t> order(n);
      std::iota(order.begin(), order.end(), 0u);
      const T* px = x + off[0];
      auto key = [&](uint32_t i) { return static_cast<A>(px[i * xs]); };
      std::stable_sort(order.begin(), order.end(), [&](uint32_t i, uint32_t j) {
        A a = key(i), b = key(j);
        if constexpr (std::is_floating_point_v<A>) {
          if (std::isnan(a)) return false;
          if (std::isnan(b)) return true;
        }
        return a < b;
      });
      uint32_t* py = y + off[1];
      for (int64_t k = 0; k < n; ++k) py[k * ys] = order[k];
    });
  });
}

}  // namespace lmx
