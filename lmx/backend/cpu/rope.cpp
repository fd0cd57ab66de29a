// The fused rotary embedding (primitives.h: Rope): one pass over x, the
// angles' cosines and sines made once per call for the L positions (the
// composed graph wrote the slices, four products, their sums and the
// concatenation as arrays of x's size, and as many again for the gradient).
#include <cmath>
#include <vector>

#include "lmx/backend/cpu/kernel_utils.h"
#include "lmx/core/primitives.h"

namespace lmx {

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
  cpu::parallel_for(rows, std::max<int64_t>(1, cpu::kParallelGrain / features),
                    [&](int64_t r0, int64_t r1) {
                      for (int64_t r = r0; r < r1; ++r) {
                        const float* xr = src + r * features;
                        float* o = dst + r * features;
                        const float* c = cosines.data() + (r % length) * half;
                        const float* s = sines.data() + (r % length) * half;
                        for (int64_t i = 0; i < half; ++i) {
                          const float a = xr[i * stride], b = xr[i * stride + second];
                          o[i * stride] = a * c[i] - b * s[i];
                          o[i * stride + second] = a * s[i] + b * c[i];
                        }
                        for (int64_t j = dims_; j < features; ++j) o[j] = xr[j];
                      }
                    });
}

}  // namespace lmx
