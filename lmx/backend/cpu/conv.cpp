// Unfold (im2col) and its adjoint Fold: the data movement of convolutions of
// other dtypes than float32 (convolution.cpp has those), and of pooling.
#include <algorithm>
#include <cstring>
#include <limits>
#include <type_traits>

#include "lmx/backend/cpu/kernel_utils.h"
#include "lmx/backend/cpu/window_tables.h"
#include "lmx/core/primitives.h"

namespace lmx {

using cpu::for_each_tap;
using cpu::make_tables;
using cpu::Tables;

namespace {

// The pad value in T; +-inf become the integer extremes (max pooling of ints).
template <typename T>
T pad_as(double v) {
  if constexpr (std::is_integral_v<T>) {
    double lo = double(std::numeric_limits<T>::lowest()),
           hi = double(std::numeric_limits<T>::max());
    return static_cast<T>(std::clamp(v, lo, hi));
  } else {
    return static_cast<T>(v);
  }
}

}  // namespace

void Unfold::eval_cpu(const std::vector<array>& inputs, array& out) {
  array in = cpu::ensure_row_contiguous(inputs[0]);
  cpu::allocate(out);
  if (out.size() == 0) return;
  Tables t = make_tables(g_);
  int64_t batch = in.shape(0), channels = in.shape(-1);
  int64_t positions = t.positions(), in_rows = t.input_rows(), taps = t.window();
  dispatch_all_types(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* src = in.data<T>();
    T* dst = out.data<T>();
    T pad = pad_as<T>(pad_value_);
    int64_t grain =
        std::max<int64_t>(1, cpu::kParallelGrain / std::max<int64_t>(taps * channels, 1));
    cpu::parallel_for(batch * positions, grain, [&](int64_t b, int64_t e) {
      while (b < e) {
        int64_t n = b / positions, p0 = b % positions;
        int64_t p1 = std::min(positions, p0 + (e - b));
        const T* x = src + n * in_rows * channels;
        T* y = dst + n * positions * taps * channels;
        for_each_tap(t, p0, p1, [&](int64_t k, int64_t row) {
          T* d = y + k * channels;
          if (row < 0) {
            std::fill(d, d + channels, pad);
          } else {
            std::memcpy(d, x + row * channels, channels * sizeof(T));
          }
        });
        b += p1 - p0;
      }
    });
  });
}

void Fold::eval_cpu(const std::vector<array>& inputs, array& out) {
  array cols = cpu::ensure_row_contiguous(inputs[0]);
  cpu::allocate(out);
  if (out.size() == 0) return;
  Tables t = make_tables(g_);
  int64_t batch = out.shape(0), channels = out.shape(-1);
  int64_t positions = t.positions(), in_rows = t.input_rows(), taps = t.window();
  dispatch_all_types(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* src = cols.data<T>();
    T* dst = out.data<T>();
    std::fill(dst, dst + out.size(), T(0));
    // Windows overlap, so batch elements are the unit of parallel work.
    cpu::parallel_for(batch, 1, [&](int64_t b, int64_t e) {
      for (int64_t n = b; n < e; ++n) {
        const T* x = src + n * positions * taps * channels;
        T* y = dst + n * in_rows * channels;
        for_each_tap(t, 0, positions, [&](int64_t k, int64_t row) {
          if (row < 0) return;
          const T* s = x + k * channels;
          T* d = y + row * channels;
          for (int64_t c = 0; c < channels; ++c) d[c] = static_cast<T>(d[c] + s[c]);
        });
      }
    });
  });
}

}  // namespace lmx
