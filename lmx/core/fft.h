// Discrete Fourier transforms, as MLX's mlx/fft.h: complex transforms of any
// length over any axes, real-input transforms and their inverses, with `n`
// (or `s`) padding or cropping each axis first and `norm` choosing where the
// 1/n goes. Results are complex64 (float32 for the inverse real transforms);
// real inputs of other dtypes are cast first.
#pragma once

#include <vector>

#include "lmx/core/ops.h"

namespace lmx::fft {

// Where the 1/n of a transform pair goes: all on the inverse (Backward), all
// on the forward transform (Forward), or 1/sqrt(n) on each (Ortho).
enum class FFTNorm { Backward, Ortho, Forward };

array fftn(const array& a, const Shape& n, const std::vector<int>& axes,
           FFTNorm norm = FFTNorm::Backward, StreamOrDevice s = {});
array fftn(const array& a, const std::vector<int>& axes, FFTNorm norm = FFTNorm::Backward,
           StreamOrDevice s = {});
array fftn(const array& a, FFTNorm norm = FFTNorm::Backward, StreamOrDevice s = {});

array ifftn(const array& a, const Shape& n, const std::vector<int>& axes,
            FFTNorm norm = FFTNorm::Backward, StreamOrDevice s = {});
array ifftn(const array& a, const std::vector<int>& axes, FFTNorm norm = FFTNorm::Backward,
            StreamOrDevice s = {});
array ifftn(const array& a, FFTNorm norm = FFTNorm::Backward, StreamOrDevice s = {});

// The transform of a real input: the last of `axes` keeps n / 2 + 1 entries.
array rfftn(const array& a, const Shape& n, const std::vector<int>& axes,
            FFTNorm norm = FFTNorm::Backward, StreamOrDevice s = {});
array rfftn(const array& a, const std::vector<int>& axes, FFTNorm norm = FFTNorm::Backward,
            StreamOrDevice s = {});
array rfftn(const array& a, FFTNorm norm = FFTNorm::Backward, StreamOrDevice s = {});

// The inverse of rfftn: `n` gives the real output's lengths; without it the
// last axis becomes 2 * (m - 1) for an input of length m there.
array irfftn(const array& a, const Shape& n, const std::vector<int>& axes,
             FFTNorm norm = FFTNorm::Backward, StreamOrDevice s = {});
array irfftn(const array& a, const std::vector<int>& axes, FFTNorm norm = FFTNorm::Backward,
             StreamOrDevice s = {});
array irfftn(const array& a, FFTNorm norm = FFTNorm::Backward, StreamOrDevice s = {});

// One- and two-dimensional forms of the above.
inline array fft(const array& a, int n, int axis, FFTNorm norm = FFTNorm::Backward,
                 StreamOrDevice s = {}) {
  return fftn(a, {n}, {axis}, norm, s);
}
inline array fft(const array& a, int axis = -1, FFTNorm norm = FFTNorm::Backward,
                 StreamOrDevice s = {}) {
  return fftn(a, std::vector<int>{axis}, norm, s);
}
inline array ifft(const array& a, int n, int axis, FFTNorm norm = FFTNorm::Backward,
                  StreamOrDevice s = {}) {
  return ifftn(a, {n}, {axis}, norm, s);
}
inline array ifft(const array& a, int axis = -1, FFTNorm norm = FFTNorm::Backward,
                  StreamOrDevice s = {}) {
  return ifftn(a, std::vector<int>{axis}, norm, s);
}
inline array fft2(const array& a, const Shape& n, const std::vector<int>& axes,
                  FFTNorm norm = FFTNorm::Backward, StreamOrDevice s = {}) {
  return fftn(a, n, axes, norm, s);
}
inline array fft2(const array& a, const std::vector<int>& axes = {-2, -1},
                  FFTNorm norm = FFTNorm::Backward, StreamOrDevice s = {}) {
  return fftn(a, axes, norm, s);
}
inline array ifft2(const array& a, const Shape& n, const std::vector<int>& axes,
                   FFTNorm norm = FFTNorm::Backward, StreamOrDevice s = {}) {
  return ifftn(a, n, axes, norm, s);
}
inline array ifft2(const array& a, const std::vector<int>& axes = {-2, -1},
                   FFTNorm norm = FFTNorm::Backward, StreamOrDevice s = {}) {
  return ifftn(a, axes, norm, s);
}
inline array rfft(const array& a, int n, int axis, FFTNorm norm = FFTNorm::Backward,
                  StreamOrDevice s = {}) {
  return rfftn(a, {n}, {axis}, norm, s);
}
inline array rfft(const array& a, int axis = -1, FFTNorm norm = FFTNorm::Backward,
                  StreamOrDevice s = {}) {
  return rfftn(a, std::vector<int>{axis}, norm, s);
}
inline array irfft(const array& a, int n, int axis, FFTNorm norm = FFTNorm::Backward,
                   StreamOrDevice s = {}) {
  return irfftn(a, {n}, {axis}, norm, s);
}
inline array irfft(const array& a, int axis = -1, FFTNorm norm = FFTNorm::Backward,
                   StreamOrDevice s = {}) {
  return irfftn(a, std::vector<int>{axis}, norm, s);
}
inline array rfft2(const array& a, const Shape& n, const std::vector<int>& axes,
                   FFTNorm norm = FFTNorm::Backward, StreamOrDevice s = {}) {
  return rfftn(a, n, axes, norm, s);
}
inline array rfft2(const array& a, const std::vector<int>& axes = {-2, -1},
                   FFTNorm norm = FFTNorm::Backward, StreamOrDevice s = {}) {
  return rfftn(a, axes, norm, s);
}
inline array irfft2(const array& a, const Shape& n, const std::vector<int>& axes,
                    FFTNorm norm = FFTNorm::Backward, StreamOrDevice s = {}) {
  return irfftn(a, n, axes, norm, s);
}
inline array irfft2(const array& a, const std::vector<int>& axes = {-2, -1},
                    FFTNorm norm = FFTNorm::Backward, StreamOrDevice s = {}) {
  return irfftn(a, axes, norm, s);
}

// The sample frequencies of a transform of length n with sample spacing d:
// [0, 1, ..., -2, -1] / (d n), and for rfft [0, 1, ..., n / 2] / (d n).
array fftfreq(int n, double d = 1.0, StreamOrDevice s = {});
array rfftfreq(int n, double d = 1.0, StreamOrDevice s = {});

// Rolls the zero frequency to the middle of each axis (all axes, or `axes`);
// ifftshift undoes it.
array fftshift(const array& a, StreamOrDevice s = {});
array fftshift(const array& a, const std::vector<int>& axes, StreamOrDevice s = {});
array ifftshift(const array& a, StreamOrDevice s = {});
array ifftshift(const array& a, const std::vector<int>& axes, StreamOrDevice s = {});

}  // namespace lmx::fft
