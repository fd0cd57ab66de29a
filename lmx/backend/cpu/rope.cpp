// The fused rotary embedding (primitives.h: Rope): one pass over x, the
// angles' cosines and sines made once per call for the L positions (the
// composed graph wrote the slices, four products, their sums and the
// concatenation as arrays of x's size, and as many again for the gradient).
#include <algorithm>
#include <cmath>
#include <vector>

#include "lmx/backend/cpu/kernel_utils.h"
#include "lmx/core/primitives.h"

namespace lmx {

namespace {

// Turns the pairs (i * stride, i * stride + second) of one row by the angles
// whose cosines and sines are c and s. Input and output never overlap, which
// lets the loop vectorise.
void rotate_row(const float* __restrict x, const float* __restrict c, const float* __restrict s,
                int64_t half, int64_t stride, int64_t second, float* __restrict o) {
  for (int64_t i = 0; i < half; ++i) {
    const float a = x[i * stride], b = x[i * stride + second];
    o[i * stride] = a * c[i] - b * s[i];
    o[i * stride + second] = a * s[i] + b * c[i];
  }
}

}  // namespace

void Rope::eval_cpu(const std::vector<array>& inputs, array& out) {
  array x = cpu::ensure_row_contiguous(inputs[0]);
  cpu::allocate(out);
  const int64_t features = x.shape(-1), length = x.shape(-2), half = dims_ / 2;
  if (x.size() == 0) return;
  const int64_t rows = static_cast<int64_t>(x.size()) / features;
  const float offset = static_cast<float>(inputs[1].data<int32_t>()[0]);
  // The angles as fast::rope's composed graph makes them, in float:
  // (offset + l) * scale * exp(i * -2 ln(base) / dims).
  std::vector<float> cosines(length * half), sines(length * half);
  const float step = -2.0f * std::log(base_) / static_cast<float>(dims_);
  for (int64_t i = 0; i < half; ++i) {
    const float inv_freq = std::exp(static_cast<float>(i) * step);
    for (int64_t l = 0; l < length; ++l) {
      const float theta = (offset + static_cast<float>(l)) * scale_ * inv_freq;
      cosines[l * half + i] = std::cos(theta);
      sines[l * half + i] = forward_ ? std::sin(theta) : -std::sin(theta);
    }
  }
  const float* src = x.data<float>();
  float* dst = out.data<float>();
  // Pairs (i, i + half), or (2i, 2i + 1) when traditional.
  const int64_t second = traditional_ ? 1 : half, stride = traditional_ ? 2 : 1;
  cpu::parallel_for(
      rows, std::max<int64_t>(1, cpu::kParallelGrain / features), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
          const int64_t l = r % length;
          rotate_row(src + r * features, cosines.data() + l * half, sines.data() + l * half, half,
                     stride, second, dst + r * features);
          std::copy(src + r * features + dims_, src + (r + 1) * features,
                    dst + r * features + dims_);
        }
      });
}

}  // namespace lmx
