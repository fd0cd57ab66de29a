// A branch-free float erf that compilers vectorise (libm's erff is a call per
// element, 7% of a transformer's training step through GELU). Two ranges,
// both computed and one selected:
//   |x| < 1:      erf(x) = x P(x^2), P of degree 6;
//   1 <= |x|:     erf(x) = 1 - exp(-x^2) S(1/x), S of degree 8 fitted to
//                 erfc(x) exp(x^2) on [1, 4] (beyond 4, erf is 1 in float).
// Coefficients are least-squares fits in relative error on Chebyshev nodes;
// against erf in double the result is within 2.5 ulp over [0, 4] (1.2 ulp
// for |x| >= 1; tests/core/test_ops_math.cpp checks 2 million points).
#pragma once

#include <cmath>

#include "lmx/backend/cpu/fast_exp.h"
#include "lmx/backend/cpu/isa.h"

namespace lmx::cpu {

// erf(x) given e = exp(-x^2), for callers that need that exponential too
// (GELU's derivative is a multiple of it).
LMX_KERNEL_INLINE float erf_approx_given_exp(float x, float e) {
  const float a = std::fabs(x), u = a * a;
  float p = 7.898209878e-05f;
  p = p * u - 8.024353883e-04f;
  p = p * u + 5.190053489e-03f;
  p = p * u - 2.685480937e-02f;
  p = p * u + 1.128361225e-01f;
  p = p * u - 3.761262894e-01f;
  p = p * u + 1.128379226e+00f;
  const float small = a * p;
  const float w = 1.0f / a;
  float s = -1.207988430e-02f;
  s = s * w + 4.147293419e-02f;
  s = s * w - 3.256680677e-03f;
  s = s * w - 2.105932236e-01f;
  s = s * w + 4.749651551e-01f;
  s = s * w - 4.620603919e-01f;
  s = s * w + 3.947317228e-02f;
  s = s * w + 5.594154596e-01f;
  s = s * w + 2.469873580e-04f;
  const float large = 1.0f - e * s;
  const float y = a < 1.0f ? small : large;
  return std::copysign(y, x);  // erf is odd; NaN stays NaN
}

LMX_KERNEL_INLINE float erf_approx(float x) {
  return erf_approx_given_exp(x, exp_approx(-(x * x)));
}

}  // namespace lmx::cpu
