// Unfold (im2col) and its adjoint Fold: the data movement of convolution and
// pooling. Geometry is normalised to three spatial dimensions, and for each
// one a table maps (output position, tap) to an input index or -1 (padding or
// a dilation hole), so the inner loops only copy or add channel rows.
#include <algorithm>
#include <cstring>
#include <limits>
#include <type_traits>

#include "lmx/backend/cpu/kernel_utils.h"
#include "lmx/core/primitives.h"

namespace lmx {

namespace {

struct Tables {
  int out[3] = {1, 1, 1};
  int taps[3] = {1, 1, 1};
  int in[3] = {1, 1, 1};
  std::vector<int> index[3];  // index[d][o * taps[d] + k]
  int64_t positions() const { return int64_t(out[0]) * out[1] * out[2]; }
  int64_t input_rows() const { return int64_t(in[0]) * in[1] * in[2]; }
  int64_t window() const { return int64_t(taps[0]) * taps[1] * taps[2]; }
};

Tables make_tables(const WindowGeometry& g) {
  Tables t;
  int lead = 3 - static_cast<int>(g.input.size());
  for (int d = 0; d < 3; ++d) {
    if (d < lead) {
      t.index[d] = {0};
      continue;
    }
    int i = d - lead;
    t.out[d] = g.output[i];
    t.taps[d] = g.kernel[i];
    t.in[d] = g.input[i];
    t.index[d].resize(size_t(t.out[d]) * t.taps[d]);
    for (int o = 0; o < t.out[d]; ++o) {
      for (int k = 0; k < t.taps[d]; ++k) {
        int64_t v = int64_t(o) * g.stride[i] + int64_t(k) * g.kernel_dilation[i] - g.padding_lo[i];
        int idil = g.input_dilation[i];
        int64_t src = v / idil;
        bool ok = v >= 0 && v % idil == 0 && src < g.input[i];
        t.index[d][size_t(o) * t.taps[d] + k] = ok ? static_cast<int>(src) : -1;
      }
    }
  }
  return t;
}

// Calls body(position, tap, input_offset_or_-1) with input offsets in units of
// channel rows, for the output positions [p0, p1) of one batch element.
template <typename F>
void for_each_tap(const Tables& t, int64_t p0, int64_t p1, F&& body) {
  int64_t taps = t.window();
  for (int64_t p = p0; p < p1; ++p) {
    int o2 = static_cast<int>(p % t.out[2]);
    int o1 = static_cast<int>((p / t.out[2]) % t.out[1]);
    int o0 = static_cast<int>(p / (int64_t(t.out[2]) * t.out[1]));
    const int* r0 = &t.index[0][size_t(o0) * t.taps[0]];
    const int* r1 = &t.index[1][size_t(o1) * t.taps[1]];
    const int* r2 = &t.index[2][size_t(o2) * t.taps[2]];
    int64_t k = p * taps;
    for (int k0 = 0; k0 < t.taps[0]; ++k0) {
      for (int k1 = 0; k1 < t.taps[1]; ++k1) {
        for (int k2 = 0; k2 < t.taps[2]; ++k2, ++k) {
          bool ok = r0[k0] >= 0 && r1[k1] >= 0 && r2[k2] >= 0;
          int64_t src = ok ? (int64_t(r0[k0]) * t.in[1] + r1[k1]) * t.in[2] + r2[k2] : -1;
          body(k, src);
        }
      }
    }
  }
}

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
