#include "lmx/nn/upsample.h"

#include <cmath>
#include <stdexcept>

#include "lmx/core/error.h"
#include "lmx/core/ops.h"
#include "lmx/core/utils.h"
#include "lmx/nn/layers.h"

namespace lmx::nn {

namespace {

// Source coordinate of each output position along one axis.
std::vector<double> source_coords(int in, int out, float scale, bool align_corners,
                                  bool clamp_low) {
  std::vector<double> src(out);
  for (int i = 0; i < out; ++i) {
    if (align_corners) {
      src[i] = out > 1 ? double(i) * (in - 1) / (out - 1) : 0.0;
    } else {
      src[i] = (i + 0.5) / scale - 0.5;
      if (clamp_low && src[i] < 0) src[i] = 0;
    }
  }
  return src;
}

// Cubic convolution weights (PyTorch's A = -0.75) for distance t in [0, 1).
void cubic_weights(double t, double w[4]) {
  const double A = -0.75;
  auto near = [&](double x) { return ((A + 2) * x - (A + 3)) * x * x + 1; };
  auto far = [&](double x) { return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A; };
  w[0] = far(t + 1);
  w[1] = near(t);
  w[2] = near(1 - t);
  w[3] = far(2 - t);
}

// Interpolates x along `axis` to `out` positions as sum_k take(x, idx_k) * w_k.
array resample_axis(const array& x, int axis, int out, float scale, const std::string& mode,
                    bool align_corners) {
  int in = x.shape(axis);
  int taps = mode == "nearest" ? 1 : mode == "linear" ? 2 : 4;
  std::vector<std::vector<int32_t>> idx(taps, std::vector<int32_t>(out));
  std::vector<std::vector<float>> wts(taps, std::vector<float>(out));
  auto clampi = [&](long v) { return int32_t(std::min<long>(std::max<long>(v, 0), in - 1)); };
  if (mode == "nearest") {
    for (int i = 0; i < out; ++i) {
      idx[0][i] = clampi(long(std::floor(i / double(scale))));
      wts[0][i] = 1.0f;
    }
  } else {
    auto src = source_coords(in, out, scale, align_corners, mode == "linear");
    for (int i = 0; i < out; ++i) {
      double f = std::floor(src[i]);
      double t = src[i] - f;
      long i0 = long(f);
      if (mode == "linear") {
        idx[0][i] = clampi(i0);
        idx[1][i] = clampi(i0 + 1);
        wts[0][i] = float(1 - t);
        wts[1][i] = float(t);
      } else {
        double w[4];
        cubic_weights(t, w);
        for (int k = 0; k < 4; ++k) {
          idx[k][i] = clampi(i0 - 1 + k);
          wts[k][i] = float(w[k]);
        }
      }
    }
  }
  Shape wshape(x.ndim(), 1);
  wshape[axis] = out;
  array result = array(0.0f);
  for (int k = 0; k < taps; ++k) {
    auto picked = take(x, array(idx[k].begin(), {out}, int32), axis);
    if (mode == "nearest") return picked;
    auto term = multiply(picked, astype(array(wts[k].begin(), wshape, float32), x.dtype()));
    result = k == 0 ? term : add(result, term);
  }
  return result;
}

}  // namespace

Upsample::Upsample(std::vector<float> scale_factor, std::string mode, bool align_corners)
    : scale_factor(std::move(scale_factor)), mode(std::move(mode)), align_corners(align_corners) {
  if (this->mode != "nearest" && this->mode != "linear" && this->mode != "cubic") {
    fail("Upsample", "Got unsupported upsampling algorithm: ", this->mode,
         ". Use 'nearest', 'linear' or 'cubic'.");
  }
  for (float s : this->scale_factor) {
    if (!(s > 0)) fail("Upsample", "scale_factor must be positive.");
  }
}

array Upsample::operator()(array x) {
  int spatial = x.ndim() - 2;
  if (spatial < 1) {
    fail("Upsample", "Expected an input (N, spatial..., C) with at least 3 dimensions but got ",
         to_string(x.shape()), ".");
  }
  if (scale_factor.size() != 1 && int(scale_factor.size()) != spatial) {
    fail("Upsample", "Got ", std::to_string(scale_factor.size()),
         " scale factors for an input with ", std::to_string(spatial),
         " spatial dimensions (shape ", to_string(x.shape()), ").");
  }
  if (mode != "nearest" && !is_inexact(x.dtype())) x = astype(x, float32);
  for (int d = 0; d < spatial; ++d) {
    float s = scale_factor.size() == 1 ? scale_factor[0] : scale_factor[d];
    int out = int(std::floor(x.shape(d + 1) * s));
    x = resample_axis(x, d + 1, out, s, mode, align_corners);
  }
  return x;
}

std::string Upsample::extra_repr() const {
  std::string t = "(";
  for (size_t i = 0; i < scale_factor.size(); ++i) {
    t += (i ? ", " : "") + py_repr(scale_factor[i]);
  }
  t += scale_factor.size() == 1 ? ",)" : ")";
  return "scale_factor=" + t + ", mode='" + mode + "', align_corners=" + py_repr(align_corners);
}

}  // namespace lmx::nn
