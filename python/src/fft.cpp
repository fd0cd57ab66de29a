// mx.fft: Fourier transforms over the C++ lmx::fft.
#include "python/src/python.h"

namespace lmx::python {

namespace {

fft::FFTNorm parse_norm(const std::string& norm, const char* who) {
  if (norm == "backward") return fft::FFTNorm::Backward;
  if (norm == "ortho") return fft::FFTNorm::Ortho;
  if (norm == "forward") return fft::FFTNorm::Forward;
  fail(who, "Invalid norm. Expected one of {'backward', 'ortho', 'forward'}.");
}

using OneAxis = array (*)(const array&, int, int, fft::FFTNorm, StreamOrDevice);
using OneAxisDefault = array (*)(const array&, int, fft::FFTNorm, StreamOrDevice);
using ManyAxes = array (*)(const array&, const Shape&, const std::vector<int>&, fft::FFTNorm,
                           StreamOrDevice);
using ManyAxesDefault = array (*)(const array&, const std::vector<int>&, fft::FFTNorm,
                                  StreamOrDevice);
using AllAxes = array (*)(const array&, fft::FFTNorm, StreamOrDevice);

// fft(a, n=None, axis=-1, norm="backward") and its kin.
void def_one_axis(nb::module_& m, const char* name, OneAxis with_n, OneAxisDefault without_n,
                  const char* doc) {
  m.def(
      name,
      [=](const ArrayLike& a, std::optional<int> n, int axis, const std::string& norm,
          StreamOrDevice s) {
        auto how = parse_norm(norm, name);
        return n ? with_n(to_array(a), *n, axis, how, s) : without_n(to_array(a), axis, how, s);
      },
      nb::arg("a"), nb::arg("n") = nb::none(), nb::arg("axis") = -1, nb::arg("norm") = "backward",
      nb::kw_only(), nb::arg("stream") = nb::none(), doc);
}

// fftn(a, s=None, axes=None, norm="backward"); the 2-D forms default their
// axes to the last two.
void def_many_axes(nb::module_& m, const char* name, ManyAxes with_s, ManyAxesDefault without_s,
                   AllAxes every_axis, bool two_d, const char* doc) {
  auto f = [=](const ArrayLike& a, std::optional<Shape> s, std::optional<std::vector<int>> axes,
               const std::string& norm, StreamOrDevice stream) {
    auto how = parse_norm(norm, name);
    array x = to_array(a);
    if (!axes) {
      if (s) fail(name, "`axes` should not be `None` if `s` is not `None`.");
      return every_axis(x, how, stream);
    }
    return s ? with_s(x, *s, *axes, how, stream) : without_s(x, *axes, how, stream);
  };
  if (two_d) {
    m.def(name, f, nb::arg("a"), nb::arg("s") = nb::none(),
          nb::arg("axes").none() = std::vector<int>{-2, -1}, nb::arg("norm") = "backward",
          nb::kw_only(), nb::arg("stream") = nb::none(), doc);
  } else {
    m.def(name, f, nb::arg("a"), nb::arg("s") = nb::none(), nb::arg("axes") = nb::none(),
          nb::arg("norm") = "backward", nb::kw_only(), nb::arg("stream") = nb::none(), doc);
  }
}

}  // namespace

void init_fft(nb::module_& parent) {
  auto m = parent.def_submodule("fft", "Fourier transforms.");
  // clang-format off
  def_one_axis(m, "fft", &fft::fft, &fft::fft, "The discrete Fourier transform along an axis.");
  def_one_axis(m, "ifft", &fft::ifft, &fft::ifft, "The inverse discrete Fourier transform.");
  def_one_axis(m, "rfft", &fft::rfft, &fft::rfft, "The transform of a real input, halved.");
  def_one_axis(m, "irfft", &fft::irfft, &fft::irfft, "The inverse of rfft: a real output.");
  def_many_axes(m, "fft2", &fft::fftn, &fft::fftn, &fft::fftn, true, "The 2-D transform.");
  def_many_axes(m, "ifft2", &fft::ifftn, &fft::ifftn, &fft::ifftn, true, "The inverse 2-D transform.");
  def_many_axes(m, "rfft2", &fft::rfftn, &fft::rfftn, &fft::rfftn, true, "The 2-D real transform.");
  def_many_axes(m, "irfft2", &fft::irfftn, &fft::irfftn, &fft::irfftn, true, "The inverse of rfft2.");
  def_many_axes(m, "fftn", &fft::fftn, &fft::fftn, &fft::fftn, false, "The n-D transform.");
  def_many_axes(m, "ifftn", &fft::ifftn, &fft::ifftn, &fft::ifftn, false, "The inverse n-D transform.");
  def_many_axes(m, "rfftn", &fft::rfftn, &fft::rfftn, &fft::rfftn, false, "The n-D real transform.");
  def_many_axes(m, "irfftn", &fft::irfftn, &fft::irfftn, &fft::irfftn, false, "The inverse of rfftn.");
  // clang-format on
  for (auto [name, f] :
       {std::pair{"fftfreq", &fft::fftfreq}, std::pair{"rfftfreq", &fft::rfftfreq}}) {
    m.def(name, f, nb::arg("n"), nb::arg("d") = 1.0, nb::kw_only(), nb::arg("stream") = nb::none(),
          "The sample frequencies of a transform of n points spaced d apart.");
  }
  using Shift = array (*)(const array&, StreamOrDevice);
  using ShiftAxes = array (*)(const array&, const std::vector<int>&, StreamOrDevice);
  auto def_shift = [&](const char* name, Shift all, ShiftAxes some, const char* doc) {
    m.def(
        name,
        [=](const ArrayLike& a, const Axes& axes, StreamOrDevice s) {
          return axes.axes ? some(to_array(a), *axes.axes, s) : all(to_array(a), s);
        },
        nb::arg("a"), nb::arg("axes") = nb::none(), nb::kw_only(), nb::arg("stream") = nb::none(),
        doc);
  };
  def_shift("fftshift", &fft::fftshift, &fft::fftshift, "Moves the zero frequency to the centre.");
  def_shift("ifftshift", &fft::ifftshift, &fft::ifftshift, "Undoes fftshift.");
}

}  // namespace lmx::python
