#include "lmx/nn/conv.h"

#include <cmath>
#include <stdexcept>

#include "lmx/core/conv.h"
#include "lmx/core/error.h"
#include "lmx/core/ops.h"
#include "lmx/core/random.h"
#include "lmx/core/utils.h"
#include "lmx/nn/layers.h"

namespace lmx::nn {

std::vector<int> IntOrTuple::expand(size_t n, const std::string& who,
                                    const std::string& what) const {
  if (is_scalar) return std::vector<int>(n, values[0]);
  if (values.size() != n) {
    fail(who, "'", what, "' must be an integer or a tuple of ", std::to_string(n),
         " integers but got ", tuple_repr(values), ".");
  }
  return values;
}

std::string tuple_repr(const std::vector<int>& v) {
  std::string s = "(";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + (v.size() == 1 ? ",)" : ")");
}

namespace {

// Conv1d prints its sizes as ints, the others as tuples (as MLX does).
std::string sizes_repr(const std::vector<int>& v) {
  return v.size() == 1 ? std::to_string(v[0]) : tuple_repr(v);
}

array init_weight(const std::string& who, int in_channels, int out_channels,
                  const std::vector<int>& kernel, int groups) {
  if (in_channels <= 0 || out_channels <= 0) {
    fail(who, "Channel counts must be positive but got ", std::to_string(in_channels), " and ",
         std::to_string(out_channels), ".");
  }
  if (groups <= 0 || in_channels % groups != 0 || out_channels % groups != 0) {
    fail(who, "The channel counts (", std::to_string(in_channels), " in, ",
         std::to_string(out_channels), " out) must be divisible by groups=", std::to_string(groups),
         ".");
  }
  int taps = 1;
  for (int k : kernel) {
    if (k <= 0) {
      fail(who, "kernel_size must be positive but got ", tuple_repr(kernel), ".");
    }
    taps *= k;
  }
  float scale = std::sqrt(1.0f / float(in_channels * taps));
  Shape shape{out_channels};
  shape.insert(shape.end(), kernel.begin(), kernel.end());
  shape.push_back(in_channels / groups);
  return random::uniform(array(-scale), array(scale), shape);
}

void check_input(const std::string& who, const array& x, int rank, int channels) {
  if (x.ndim() != rank + 2 || x.shape(-1) != channels) {
    fail(who, "Expected input of shape (N, ",
         std::string(rank == 1   ? "L"
                     : rank == 2 ? "H, W"
                                 : "D, H, W"),
         ", ", std::to_string(channels), ") but got ", to_string(x.shape()), ".");
  }
}

}  // namespace

ConvNd::ConvNd(int rank, const char* who, int in_channels, int out_channels,
               const IntOrTuple& kernel, const IntOrTuple& stride_, const IntOrTuple& padding_,
               const IntOrTuple& dilation_, int groups, bool use_bias)
    : weight(0.0f),
      stride(stride_.expand(rank, who, "stride")),
      padding(padding_.expand(rank, who, "padding")),
      dilation(dilation_.expand(rank, who, "dilation")),
      groups(groups),
      who_(who),
      dilation_scalar_(dilation_.is_scalar) {
  weight =
      init_weight(who, in_channels, out_channels, kernel.expand(rank, who, "kernel_size"), groups);
  register_parameter("weight", weight);
  if (use_bias) bias = zeros({out_channels});
  register_parameter("bias", bias);
}

array ConvNd::operator()(array x) {
  int rank = weight.ndim() - 2;
  check_input(who_, x, rank, weight.shape(-1) * groups);
  // Validated here too so a kernel larger than the padded input names the layer.
  make_window_geometry(who_, Shape(x.shape().begin() + 1, x.shape().end() - 1),
                       Shape(weight.shape().begin() + 1, weight.shape().end() - 1), stride, padding,
                       padding, dilation, {});
  array y = conv_general(x, weight, stride, padding, dilation, std::vector<int>(rank, 1), groups);
  return bias ? add(y, *bias) : y;
}

// As MLX prints it: the first number is the weight's last axis (input
// channels per group); dilation as it was given (MLX keeps an int an int);
// groups only where MLX's layer has the argument (Conv1d, Conv2d) or when
// it is not 1.
std::string ConvNd::describe(const std::string& extra, bool mlx_has_groups) const {
  std::vector<int> kernel(weight.shape().begin() + 1, weight.shape().end() - 1);
  std::string dil = dilation_scalar_ ? std::to_string(dilation[0]) : sizes_repr(dilation);
  std::string grp = mlx_has_groups || groups != 1 ? ", groups=" + std::to_string(groups) : "";
  return std::to_string(weight.shape(-1)) + ", " + std::to_string(weight.shape(0)) +
         ", kernel_size=" + sizes_repr(kernel) + ", stride=" + sizes_repr(stride) +
         ", padding=" + sizes_repr(padding) + ", dilation=" + dil + extra + grp +
         ", bias=" + py_repr(bias.has_value());
}
std::string ConvNd::extra_repr() const {
  return describe("", weight.ndim() < 5);
}

Conv1d::Conv1d(int in, int out, int k, int stride, int padding, int dilation, int groups, bool b)
    : ConvNd(1, "Conv1d", in, out, k, stride, padding, dilation, groups, b) {}
Conv2d::Conv2d(int in, int out, const IntOrTuple& k, const IntOrTuple& stride,
               const IntOrTuple& padding, const IntOrTuple& dilation, int groups, bool b)
    : ConvNd(2, "Conv2d", in, out, k, stride, padding, dilation, groups, b) {}
Conv3d::Conv3d(int in, int out, const IntOrTuple& k, const IntOrTuple& stride,
               const IntOrTuple& padding, const IntOrTuple& dilation, int groups, bool b)
    : ConvNd(3, "Conv3d", in, out, k, stride, padding, dilation, groups, b) {}

ConvTransposeNd::ConvTransposeNd(int rank, const char* who, int in_channels, int out_channels,
                                 const IntOrTuple& kernel, const IntOrTuple& stride,
                                 const IntOrTuple& padding, const IntOrTuple& dilation,
                                 const IntOrTuple& output_padding_, int groups, bool use_bias)
    : ConvNd(rank, who, in_channels, out_channels, kernel, stride, padding, dilation, groups,
             use_bias),
      output_padding(output_padding_.expand(rank, who, "output_padding")) {}

array ConvTransposeNd::operator()(array x) {
  check_input(who_, x, weight.ndim() - 2, weight.shape(-1) * groups);
  array y = conv_transpose_general(x, weight, stride, padding, dilation, output_padding, groups);
  return bias ? add(y, *bias) : y;
}

std::string ConvTransposeNd::extra_repr() const {
  return describe(", output_padding=" + sizes_repr(output_padding), false);
}

ConvTranspose1d::ConvTranspose1d(int in, int out, int k, int stride, int padding, int dilation,
                                 int output_padding, int groups, bool b)
    : ConvTransposeNd(1, "ConvTranspose1d", in, out, k, stride, padding, dilation, output_padding,
                      groups, b) {}
ConvTranspose2d::ConvTranspose2d(int in, int out, const IntOrTuple& k, const IntOrTuple& stride,
                                 const IntOrTuple& padding, const IntOrTuple& dilation,
                                 const IntOrTuple& output_padding, int groups, bool b)
    : ConvTransposeNd(2, "ConvTranspose2d", in, out, k, stride, padding, dilation, output_padding,
                      groups, b) {}
ConvTranspose3d::ConvTranspose3d(int in, int out, const IntOrTuple& k, const IntOrTuple& stride,
                                 const IntOrTuple& padding, const IntOrTuple& dilation,
                                 const IntOrTuple& output_padding, int groups, bool b)
    : ConvTransposeNd(3, "ConvTranspose3d", in, out, k, stride, padding, dilation, output_padding,
                      groups, b) {}

}  // namespace lmx::nn
