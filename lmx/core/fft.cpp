#include "lmx/core/fft.h"

#include <cmath>
#include <set>

#include "lmx/core/fft_primitive.h"
#include "lmx/core/ops_common.h"
#include "lmx/core/ops_numpy.h"

namespace lmx::fft {

namespace {

enum class Kind { Complex, Real };

// The axis as a non-negative index, with MLX's message for the fft module.
int resolve_axis(int axis, int ndim, const char* who) {
  int a = axis < 0 ? axis + ndim : axis;
  if (a < 0 || a >= ndim) {
    fail_as<std::out_of_range>(who, "Invalid axis ", axis, " for array with ", ndim,
                               " dimensions.");
  }
  return a;
}

// The scale a transform of `count` points gets under `norm`.
double scale_for(FFTNorm norm, bool inverse, double count) {
  switch (norm) {
    case FFTNorm::Ortho:
      return 1.0 / std::sqrt(count);
    case FFTNorm::Forward:
      return inverse ? 1.0 : 1.0 / count;
    default:
      return inverse ? 1.0 / count : 1.0;
  }
}

// Pads with zeros or crops axis `axis` of `a` to `length`.
array resize_axis(const array& a, int axis, int length, Stream s) {
  int now = a.shape(axis);
  if (now == length) return a;
  if (now > length) {
    Shape start(a.ndim(), 0), stop = a.shape();
    stop[axis] = length;
    return slice(a, start, stop, s);
  }
  return pad(a, {axis}, {0}, {length - now}, array(0, a.dtype()), "constant", s);
}

// Every transform: validates, casts, pads or crops each axis to n and builds
// one FFT node. For real inverse transforms n gives the output's lengths.
array transform(const array& in, const Shape& n, const std::vector<int>& axes_in, bool inverse,
                Kind kind, FFTNorm norm, StreamOrDevice sd) {
  const char* who = "fftn";
  if (in.ndim() < 1) fail(who, "Requires array with at least one dimension.");
  if (n.size() != axes_in.size()) fail(who, "Shape and axes have different sizes.");
  if (axes_in.empty()) return in;
  std::vector<int> axes;
  std::set<int> seen;
  for (int ax : axes_in) {
    int a = resolve_axis(ax, in.ndim(), who);
    axes.push_back(a);
    seen.insert(a);
  }
  if (seen.size() != axes.size()) fail(who, "Duplicated axis received ", axes_in);
  for (int v : n) {
    if (v <= 0) fail(who, "Invalid FFT output size requested ", n);
  }
  Stream s = to_stream(sd);
  const bool real = kind == Kind::Real;
  array x = in;
  if (real && !inverse) {
    x = astype(is_complex(x.dtype()) ? lmx::real(x, s) : x, float32, s);
  } else {
    x = astype(x, complex64, s);
  }
  double count = 1;
  for (size_t i = 0; i < axes.size(); ++i) {
    count *= n[i];
    // A real inverse reads n / 2 + 1 entries of its last axis.
    int length = real && inverse && i + 1 == axes.size() ? n[i] / 2 + 1 : n[i];
    x = resize_axis(x, axes[i], length, s);
  }
  return FFT::apply(x, axes, inverse, real, scale_for(norm, inverse, count), real ? n.back() : 0,
                    s);
}

// The lengths the axes have now (an irfft's last one doubles back).
Shape lengths_of(const array& a, const std::vector<int>& axes, bool real_inverse) {
  Shape n;
  for (int ax : axes) {
    int a_ax = ax < 0 ? ax + a.ndim() : ax;
    n.push_back(a_ax >= 0 && a_ax < a.ndim() ? a.shape(a_ax) : 1);
  }
  if (real_inverse && !n.empty()) n.back() = 2 * (n.back() - 1);
  return n;
}

std::vector<int> all_axes(const array& a) {
  std::vector<int> axes(a.ndim());
  for (int i = 0; i < a.ndim(); ++i) axes[i] = i;
  return axes;
}

}  // namespace

#define LMX_FFT_FAMILY(name, inverse, kind)                                                  \
  array name(const array& a, const Shape& n, const std::vector<int>& axes, FFTNorm norm,     \
             StreamOrDevice s) {                                                             \
    return transform(a, n, axes, inverse, kind, norm, s);                                    \
  }                                                                                          \
  array name(const array& a, const std::vector<int>& axes, FFTNorm norm, StreamOrDevice s) { \
    bool real_inverse = (kind) == Kind::Real && (inverse);                                   \
    return transform(a, lengths_of(a, axes, real_inverse), axes, inverse, kind, norm, s);    \
  }                                                                                          \
  array name(const array& a, FFTNorm norm, StreamOrDevice s) {                               \
    return name(a, all_axes(a), norm, s);                                                    \
  }
LMX_FFT_FAMILY(fftn, false, Kind::Complex)
LMX_FFT_FAMILY(ifftn, true, Kind::Complex)
LMX_FFT_FAMILY(rfftn, false, Kind::Real)
LMX_FFT_FAMILY(irfftn, true, Kind::Real)
#undef LMX_FFT_FAMILY

array fftfreq(int n, double d, StreamOrDevice s) {
  if (n <= 0) fail("fftfreq", "`n` must be greater than 0.");
  if (d == 0) fail("fftfreq", "`d` must be non-zero.");
  // [0, ..., (n - 1) / 2, -(n / 2), ..., -1]
  auto k = arange(0, n, 1, int32, s);
  auto wrapped = where(greater(k, array((n - 1) / 2), s), subtract(k, array(n), s), k, s);
  return multiply(astype(wrapped, float32, s), array(1.0 / (d * n), float32), s);
}

array rfftfreq(int n, double d, StreamOrDevice s) {
  if (n <= 0) fail("rfftfreq", "`n` must be greater than 0.");
  if (d == 0) fail("rfftfreq", "`d` must be non-zero.");
  return multiply(arange(0, n / 2 + 1, 1, float32, s), array(1.0 / (d * n), float32), s);
}

namespace {

array shift(const array& a, const std::vector<int>& axes, bool inverse, const char* who,
            StreamOrDevice s) {
  if (axes.empty()) return a;
  Shape shifts;
  std::vector<int> resolved;
  for (int ax : axes) {
    int r = resolve_axis(ax, a.ndim(), who);
    int half = a.shape(r) / 2;
    shifts.push_back(inverse ? -half : half);
    resolved.push_back(r);
  }
  array out = a;
  for (size_t i = 0; i < resolved.size(); ++i) out = roll(out, shifts[i], resolved[i], s);
  return out;
}

}  // namespace

array fftshift(const array& a, StreamOrDevice s) {
  return shift(a, all_axes(a), false, "fftshift", s);
}
array fftshift(const array& a, const std::vector<int>& axes, StreamOrDevice s) {
  return shift(a, axes, false, "fftshift", s);
}
array ifftshift(const array& a, StreamOrDevice s) {
  return shift(a, all_axes(a), true, "ifftshift", s);
}
array ifftshift(const array& a, const std::vector<int>& axes, StreamOrDevice s) {
  return shift(a, axes, true, "ifftshift", s);
}

}  // namespace lmx::fft

namespace lmx {

array FFT::apply(const array& x, std::vector<int> axes, bool inverse, bool real, double scale,
                 int real_length, Stream s) {
  auto p = std::make_shared<FFT>(s, std::move(axes), inverse, real, scale, real_length);
  auto shape = p->output_shapes({x})[0];
  return array(shape, real && inverse ? float32 : complex64, p, {x});
}

std::vector<Shape> FFT::output_shapes(const std::vector<array>& inputs) {
  Shape shape = inputs[0].shape();
  if (real_) shape[axes_.back()] = inverse_ ? real_length_ : real_length_ / 2 + 1;
  return {shape};
}

bool FFT::is_equivalent(const Primitive& other) const {
  auto& o = static_cast<const FFT&>(other);
  return axes_ == o.axes_ && inverse_ == o.inverse_ && real_ == o.real_ && scale_ == o.scale_ &&
         real_length_ == o.real_length_;
}

namespace {

// Weights along the halved axis of a real transform, shaped to broadcast:
// `edge` at the zero frequency (and at the Nyquist one when the real length
// is even), `middle` elsewhere.
array half_spectrum_weights(int halved, int real_length, int axis, int ndim, double edge,
                            double middle, Stream s) {
  auto k = arange(0, halved, 1, int32, s);
  auto last = array(real_length % 2 == 0 ? halved - 1 : halved);
  auto is_middle = logical_and(greater(k, array(0), s), less(k, last, s), s);
  auto w = where(is_middle, array(middle, float32), array(edge, float32), s);
  Shape shape(ndim, 1);
  shape[axis] = halved;
  return reshape(w, shape, s);
}

}  // namespace

// Every kind is a linear map: the jvp applies the same node to the tangent,
// and the vjp applies the adjoint (MLX's convention for complex maps).
std::vector<array> FFT::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                            const std::vector<int>&, const std::vector<array>&) {
  auto s = stream();
  const array& in = primals[0];
  const array& ct = cotangents[0];
  if (!real_) {
    // The adjoint of an unnormalized transform is the one of opposite sign.
    return {apply(astype(ct, complex64, s), axes_, !inverse_, false, scale_, 0, s)};
  }
  const int last = axes_.back();
  if (!inverse_) {
    // rfft counts each middle frequency once where the full spectrum has it
    // twice; the complex-to-real inverse counts it twice, so halve it first.
    auto w = half_spectrum_weights(ct.shape(last), real_length_, last, ct.ndim(), 1.0, 0.5, s);
    return {apply(multiply(astype(ct, complex64, s), w, s), axes_, true, true, scale_, real_length_,
                  s)};
  }
  // irfft: a middle input frequency feeds two of the full spectrum's.
  auto spectrum = apply(astype(ct, float32, s), axes_, false, true, scale_, real_length_, s);
  auto w = half_spectrum_weights(in.shape(last), real_length_, last, in.ndim(), 1.0, 2.0, s);
  return {multiply(spectrum, w, s)};
}

std::vector<array> FFT::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                            const std::vector<int>&) {
  auto s = stream();
  auto t = astype(tangents[0], real_ && !inverse_ ? float32 : complex64, s);
  return {apply(t, axes_, inverse_, real_, scale_, real_length_, s)};
}

std::pair<std::vector<array>, std::vector<int>> FFT::vmap(const std::vector<array>& inputs,
                                                          const std::vector<int>& axes,
                                                          const std::vector<array>&) {
  // The batch axis goes in front; the transformed axes move one along.
  auto x = axes[0] == 0 ? inputs[0] : moveaxis(inputs[0], axes[0], 0, stream());
  std::vector<int> shifted;
  for (int a : axes_) shifted.push_back(a + 1);
  return {{apply(x, shifted, inverse_, real_, scale_, real_length_, stream())}, {0}};
}

}  // namespace lmx
