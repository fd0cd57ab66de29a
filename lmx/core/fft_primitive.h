// The Fourier transform primitive (fft.h builds it; the CPU backend runs it
// in lmx/backend/cpu/fft.cpp). One primitive covers the four kinds:
// complex-to-complex either way, real-to-complex forward (the last axis keeps
// n / 2 + 1 entries) and complex-to-real inverse (the output's last axis
// length is `real_length`). Transforms are unnormalized and the result is
// multiplied by `scale`, so every FFTNorm is one node.
#pragma once

#include <vector>

#include "lmx/core/primitives.h"

namespace lmx {

class FFT : public UnaryPrimitive {
 public:
  // real_length: for real transforms, the length of the real side's last
  // axis (the input's for a forward transform, the output's for an inverse).
  FFT(Stream s, std::vector<int> axes, bool inverse, bool real, double scale, int real_length = 0)
      : UnaryPrimitive(s),
        axes_(std::move(axes)),
        inverse_(inverse),
        real_(real),
        scale_(scale),
        real_length_(real_length) {}
  LMX_EVAL_METHODS
  LMX_GRAD_METHODS
  LMX_VMAP_RULE
  LMX_OUTPUT_SHAPES
  const char* name() const override { return "FFT"; }
  bool is_equivalent(const Primitive& other) const override;

  const std::vector<int>& axes() const { return axes_; }
  bool inverse() const { return inverse_; }
  bool real() const { return real_; }
  double scale() const { return scale_; }

  // This transform of x, as a new node.
  static array apply(const array& x, std::vector<int> axes, bool inverse, bool real, double scale,
                     int real_length, Stream s);

  auto state() const { return std::make_tuple(axes_, inverse_, real_, scale_, real_length_); }

 private:
  std::vector<int> axes_;  // non-negative; for real transforms the last is the halved one
  bool inverse_;
  bool real_;
  double scale_;
  int real_length_;
};

// clang-format off
#define LMX_FFT_PRIMITIVE_CLASSES(X, XM) X(FFT)
// clang-format on

}  // namespace lmx
