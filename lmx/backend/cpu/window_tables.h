// Index tables of a sliding window (lmx/core/conv.h's WindowGeometry), shared
// by Unfold/Fold (conv.cpp) and the fused convolutions (convolution.cpp).
// Geometry is normalised to three spatial dimensions, and for each one a table
// maps (output position, tap) to an input index or -1 (padding or a dilation
// hole), so the inner loops only copy or add channel rows.
#pragma once

#include <cstdint>
#include <vector>

#include "lmx/core/conv.h"

namespace lmx::cpu {

struct Tables {
  int out[3] = {1, 1, 1};
  int taps[3] = {1, 1, 1};
  int in[3] = {1, 1, 1};
  std::vector<int> index[3];  // index[d][o * taps[d] + k]
  int64_t positions() const { return int64_t(out[0]) * out[1] * out[2]; }
  int64_t input_rows() const { return int64_t(in[0]) * in[1] * in[2]; }
  int64_t window() const { return int64_t(taps[0]) * taps[1] * taps[2]; }
};

inline Tables make_tables(const WindowGeometry& g) {
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

}  // namespace lmx::cpu
