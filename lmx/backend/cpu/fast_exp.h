// A branch-free float exp that compilers vectorise (libm's expf is a call per
// element): range reduction x = n ln2 + r, a degree-6 polynomial for e^r
// (Cephes' coefficients, about 1 ulp), and 2^n built in the exponent bits.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>

#include "lmx/backend/cpu/isa.h"

namespace lmx::cpu {

LMX_KERNEL_INLINE float exp_approx(float x) {
  // Below this e^x is under float's normal range; it is returned as 0.
  constexpr float kLow = -87.33654f, kHigh = 88.37626f;
  float xc = x < kLow ? kLow : (x > kHigh ? kHigh : x);
  // Round to nearest by adding and removing 1.5 * 2^23 (std::floor would
  // keep the loop from vectorising).
  constexpr float kRound = 12582912.0f;
  float n = (xc * 1.44269504088896341f + kRound) - kRound;
  float r = xc - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  // A NaN x leaves n NaN; converting that to int is undefined, so it becomes
  // 0 first (the NaN is put back at the end).
  n = n == n ? n : 0.0f;
  float scale = std::bit_cast<float>((static_cast<int32_t>(n) + 127) << 23);
  float y = p * scale;
  y = x > kHigh ? INFINITY : y;
  y = x < kLow ? 0.0f : y;
  return x != x ? x : y;  // NaN stays NaN
}

// y[i] = exp(x[i] - shift); returns the sum of the y[i].
// y may be x itself (each element is read before it is written).
LMX_KERNEL_INLINE float exp_shifted(const float* x, float shift, float* y, int64_t n) {
#if defined(__clang__)
#pragma clang loop vectorize(enable)
#else
#pragma GCC ivdep
#endif
  for (int64_t i = 0; i < n; ++i) y[i] = exp_approx(x[i] - shift);
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int t = 0; t < 8; ++t) acc[t] += y[i + t];
  }
  float s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; i < n; ++i) s += y[i];
  return s;
}

}  // namespace lmx::cpu
