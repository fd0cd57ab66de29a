// Convolutions. float32 ones are one fused node (Convolution, whose gradients
// are its two siblings, see primitives.h); other dtypes are an unfold
// (im2col) followed by a matrix product, their gradients from Unfold's adjoint
// (Fold) and matmul's rules.
#include <numeric>
#include <optional>

#include "lmx/core/conv.h"
#include "lmx/core/ops_common.h"
#include "lmx/core/sizes.h"

namespace lmx {

namespace {

Shape broadcast_param(const char* who, const char* what, std::vector<int> v, size_t n, int dflt) {
  if (v.empty()) return Shape(n, dflt);
  if (v.size() == 1) return Shape(n, v[0]);
  if (v.size() != n) {
    fail(who, "Expected ", n, " values for ", what, " but got ", v.size(), ".");
  }
  return Shape(v.begin(), v.end());
}

int64_t product(const Shape& s) {
  return std::accumulate(s.begin(), s.end(), int64_t{1}, std::multiplies<>());
}

}  // namespace

WindowGeometry make_window_geometry(const char* who, const Shape& input, const Shape& kernel,
                                    std::vector<int> stride, std::vector<int> padding_lo,
                                    std::vector<int> padding_hi, std::vector<int> kernel_dilation,
                                    std::vector<int> input_dilation) {
  size_t n = input.size();
  WindowGeometry g;
  g.input = input;
  g.kernel = kernel;
  g.stride = broadcast_param(who, "stride", std::move(stride), n, 1);
  g.padding_lo = broadcast_param(who, "padding", std::move(padding_lo), n, 0);
  g.padding_hi = broadcast_param(who, "padding", std::move(padding_hi), n, 0);
  g.kernel_dilation = broadcast_param(who, "kernel dilation", std::move(kernel_dilation), n, 1);
  g.input_dilation = broadcast_param(who, "input dilation", std::move(input_dilation), n, 1);
  g.output.resize(n);
  for (size_t i = 0; i < n; ++i) {
    if (g.stride[i] < 1 || g.kernel_dilation[i] < 1 || g.input_dilation[i] < 1) {
      fail(who, "Strides and dilations must be positive but got stride ", g.stride,
           ", kernel dilation ", g.kernel_dilation, " and input dilation ", g.input_dilation, ".");
    }
    if (kernel[i] < 1) fail(who, "Kernel sizes must be positive but got ", kernel, ".");
    int64_t dilated_in = input[i] > 0 ? int64_t(input[i] - 1) * g.input_dilation[i] + 1 : 0;
    int64_t padded = dilated_in + g.padding_lo[i] + g.padding_hi[i];
    int64_t span = int64_t(kernel[i] - 1) * g.kernel_dilation[i] + 1;
    if (padded < span) {
      fail(who, "The kernel (spatial size ", kernel, ", dilation ", g.kernel_dilation,
           ") is larger than the padded input (spatial size ", input, ", padding ", g.padding_lo,
           " / ", g.padding_hi, ").");
    }
    g.output[i] = checked_dim((padded - span) / g.stride[i] + 1, who);
  }
  return g;
}

array sliding_windows(const array& x, const WindowGeometry& g, double pad_value, StreamOrDevice s) {
  size_t nd = g.input.size();
  if (x.ndim() != static_cast<int>(nd) + 2 ||
      !std::equal(g.input.begin(), g.input.end(), x.shape().begin() + 1)) {
    fail("sliding_windows", "Input with shape ", x.shape(), " does not match the window geometry ",
         "for spatial size ", g.input, ".");
  }
  Shape out{x.shape(0)};
  out.insert(out.end(), g.output.begin(), g.output.end());
  out.insert(out.end(), g.kernel.begin(), g.kernel.end());
  out.push_back(x.shape(-1));
  return make_node<Unfold>(std::move(out), x.dtype(), {x}, to_stream(s), g, pad_value);
}

namespace {

array fold(const array& cols, const WindowGeometry& g, StreamOrDevice s) {
  Shape out{cols.shape(0)};
  out.insert(out.end(), g.input.begin(), g.input.end());
  out.push_back(cols.shape(-1));
  return make_node<Fold>(std::move(out), cols.dtype(), {cols}, to_stream(s), g);
}

void check_conv_inputs(const array& in, const array& wt, int groups) {
  if (in.ndim() < 3 || in.ndim() > 5) {
    fail("conv", "Only 1 to 3 spatial dimensions are supported; the input must be (N, ..., C_in)",
         " but has shape ", in.shape(), ".");
  }
  if (!is_floating_point(in.dtype()) || !is_floating_point(wt.dtype())) {
    fail("conv", "Convolution needs floating point inputs but got ", in.dtype(), " and ",
         wt.dtype(), ".");
  }
  if (wt.ndim() != in.ndim()) {
    fail("conv", "The weight must be (C_out, ..., C_in) with ", in.ndim(),
         " dimensions like the input, but got input ", in.shape(), " and weight ", wt.shape(), ".");
  }
  if (groups < 1) fail("conv", "groups must be positive but got ", groups, ".");
  if (in.shape(-1) % groups != 0) {
    fail("conv", "The input channels must be divisible by the number of groups. Got input with ",
         "shape ", in.shape(), " and ", groups, " groups.");
  }
  if (wt.shape(0) % groups != 0) {
    fail("conv", "The output channels must be divisible by the number of groups. Got weight ",
         "with shape ", wt.shape(), " and ", groups, " groups.");
  }
  if (in.shape(-1) != groups * wt.shape(-1)) {
    fail("conv", "Expected ", groups * wt.shape(-1), " input channels (weight ", wt.shape(),
         ", groups ", groups, ") but got input with shape ", in.shape(), ".");
  }
}

}  // namespace

array conv_general(array in, array wt, std::vector<int> stride, std::vector<int> padding_lo,
                   std::vector<int> padding_hi, std::vector<int> kernel_dilation,
                   std::vector<int> input_dilation, int groups, bool flip, StreamOrDevice s) {
  check_conv_inputs(in, wt, groups);
  int nd = in.ndim() - 2;
  auto dtype = promote_types(in.dtype(), wt.dtype());
  in = astype(in, dtype, s);
  wt = astype(wt, dtype, s);
  Shape spatial(in.shape().begin() + 1, in.shape().end() - 1);
  Shape kernel(wt.shape().begin() + 1, wt.shape().end() - 1);
  auto g = make_window_geometry("conv", spatial, kernel, std::move(stride), std::move(padding_lo),
                                std::move(padding_hi), std::move(kernel_dilation),
                                std::move(input_dilation));
  if (flip) {
    Shape start(wt.ndim(), 0), stop = wt.shape(), step(wt.ndim(), 1);
    for (int i = 1; i <= nd; ++i) {
      start[i] = wt.shape(i) - 1;
      stop[i] = -wt.shape(i) - 1;
      step[i] = -1;
    }
    wt = slice(wt, start, stop, step, s);
  }
  int n = in.shape(0), c_out = wt.shape(0), c_group = wt.shape(-1);
  int64_t positions = int64_t(n) * product(g.output);
  int taps = static_cast<int>(product(kernel));
  Shape out_shape{n};
  out_shape.insert(out_shape.end(), g.output.begin(), g.output.end());
  out_shape.push_back(c_out);
  if (positions == 0 || c_out == 0) return zeros(out_shape, dtype, s);

  if (dtype == float32) return convolution(in, wt, g, groups, s);
  auto cols = sliding_windows(in, g, 0.0, s);  // (N, out..., kernel..., C_in)
  int rows = static_cast<int>(positions);
  if (groups == 1) {
    auto a = reshape(cols, {rows, taps * c_group}, s);
    auto b = reshape(wt, {c_out, taps * c_group}, s);
    return reshape(matmul(a, transpose(b, s), s), out_shape, s);
  }
  // Each group multiplies its own channel slice: batch the groups in front.
  int o_group = c_out / groups;
  auto a = reshape(cols, {rows, taps, groups, c_group}, s);
  a = reshape(transpose(a, {2, 0, 1, 3}, s), {groups, rows, taps * c_group}, s);
  auto b = reshape(wt, {groups, o_group, taps * c_group}, s);
  auto y = matmul(a, transpose(b, {0, 2, 1}, s), s);  // (G, rows, O/G)
  return reshape(transpose(y, {1, 0, 2}, s), out_shape, s);
}

array conv_general(const array& input, const array& weight, std::vector<int> stride,
                   std::vector<int> padding, std::vector<int> kernel_dilation,
                   std::vector<int> input_dilation, int groups, bool flip, StreamOrDevice s) {
  auto hi = padding;
  return conv_general(input, weight, std::move(stride), std::move(padding), std::move(hi),
                      std::move(kernel_dilation), std::move(input_dilation), groups, flip, s);
}

array conv1d(const array& input, const array& weight, int stride, int padding, int dilation,
             int groups, StreamOrDevice s) {
  if (input.ndim() != 3) {
    fail("conv1d", "Expected a (N, L, C_in) input but got shape ", input.shape(), ".");
  }
  return conv_general(input, weight, {stride}, {padding}, {padding}, {dilation}, {1}, groups, false,
                      s);
}

array conv2d(const array& input, const array& weight, const std::pair<int, int>& stride,
             const std::pair<int, int>& padding, const std::pair<int, int>& dilation, int groups,
             StreamOrDevice s) {
  if (input.ndim() != 4) {
    fail("conv2d", "Expected a (N, H, W, C_in) input but got shape ", input.shape(), ".");
  }
  std::vector<int> pad{padding.first, padding.second};
  return conv_general(input, weight, {stride.first, stride.second}, pad, pad,
                      {dilation.first, dilation.second}, {1, 1}, groups, false, s);
}

array conv3d(const array& input, const array& weight, const std::tuple<int, int, int>& stride,
             const std::tuple<int, int, int>& padding, const std::tuple<int, int, int>& dilation,
             int groups, StreamOrDevice s) {
  if (input.ndim() != 5) {
    fail("conv3d", "Expected a (N, D, H, W, C_in) input but got shape ", input.shape(), ".");
  }
  auto v = [](const std::tuple<int, int, int>& t) {
    return std::vector<int>{std::get<0>(t), std::get<1>(t), std::get<2>(t)};
  };
  return conv_general(input, weight, v(stride), v(padding), v(padding), v(dilation), {1, 1, 1},
                      groups, false, s);
}

array convolution(const array& x, const array& w, const WindowGeometry& g, int groups,
                  StreamOrDevice s) {
  Shape out{x.shape(0)};
  out.insert(out.end(), g.output.begin(), g.output.end());
  out.push_back(w.shape(0));
  return make_node<Convolution>(std::move(out), float32, {x, w}, to_stream(s), g, groups);
}

array convolution_input_grad(const array& dy, const array& w, const WindowGeometry& g, int groups,
                             StreamOrDevice s) {
  Shape out{dy.shape(0)};
  out.insert(out.end(), g.input.begin(), g.input.end());
  out.push_back(w.shape(-1) * groups);
  return make_node<ConvolutionInputGrad>(std::move(out), float32, {dy, w}, to_stream(s), g, groups);
}

array convolution_weight_grad(const array& x, const array& dy, const WindowGeometry& g, int groups,
                              StreamOrDevice s) {
  Shape out{dy.shape(-1)};
  out.insert(out.end(), g.kernel.begin(), g.kernel.end());
  out.push_back(x.shape(-1) / groups);
  return make_node<ConvolutionWeightGrad>(std::move(out), float32, {x, dy}, to_stream(s), g,
                                          groups);
}

namespace {

// A transposed convolution is the convolution whose input is dilated by the
// stride, padded so every output position sees the full flipped kernel.
array conv_transpose_impl(const char* who, const array& in, const array& wt,
                          std::vector<int> stride, std::vector<int> padding,
                          std::vector<int> dilation, std::vector<int> output_padding, int groups,
                          StreamOrDevice s) {
  size_t nd = stride.size();
  if (padding.size() != nd || dilation.size() != nd || output_padding.size() != nd) {
    fail(who, "stride, padding, dilation and output_padding need one value per spatial axis ",
         "but have ", nd, ", ", padding.size(), ", ", dilation.size(), " and ",
         output_padding.size(), ".");
  }
  if (in.ndim() != static_cast<int>(nd) + 2) {
    fail(who, "Expected an input with ", nd + 2, " dimensions (N, ..., C_in) but got shape ",
         in.shape(), ".");
  }
  check_conv_inputs(in, wt, groups);
  std::vector<int> lo(nd), hi(nd);
  for (size_t i = 0; i < nd; ++i) {
    if (output_padding[i] < 0 || output_padding[i] >= std::max(stride[i], dilation[i])) {
      fail(who, "output_padding must be smaller than the stride or the dilation but got ",
           "output_padding ", output_padding[i], " with stride ", stride[i], " and dilation ",
           dilation[i], ".");
    }
    int span = dilation[i] * (wt.shape(1 + i) - 1);
    lo[i] = span - padding[i];
    hi[i] = span - padding[i] + output_padding[i];
  }
  return conv_general(in, wt, std::vector<int>(nd, 1), std::move(lo), std::move(hi),
                      std::move(dilation), std::move(stride), groups, true, s);
}

}  // namespace

array conv_transpose_general(const array& input, const array& weight, std::vector<int> stride,
                             std::vector<int> padding, std::vector<int> dilation,
                             std::vector<int> output_padding, int groups, StreamOrDevice s) {
  return conv_transpose_impl("conv_transpose_general", input, weight, std::move(stride),
                             std::move(padding), std::move(dilation), std::move(output_padding),
                             groups, s);
}

array conv_transpose1d(const array& input, const array& weight, int stride, int padding,
                       int dilation, int output_padding, int groups, StreamOrDevice s) {
  return conv_transpose_impl("conv_transpose1d", input, weight, {stride}, {padding}, {dilation},
                             {output_padding}, groups, s);
}

array conv_transpose2d(const array& input, const array& weight, const std::pair<int, int>& stride,
                       const std::pair<int, int>& padding, const std::pair<int, int>& dilation,
                       const std::pair<int, int>& output_padding, int groups, StreamOrDevice s) {
  return conv_transpose_impl("conv_transpose2d", input, weight, {stride.first, stride.second},
                             {padding.first, padding.second}, {dilation.first, dilation.second},
                             {output_padding.first, output_padding.second}, groups, s);
}

array conv_transpose3d(const array& input, const array& weight,
                       const std::tuple<int, int, int>& stride,
                       const std::tuple<int, int, int>& padding,
                       const std::tuple<int, int, int>& dilation,
                       const std::tuple<int, int, int>& output_padding, int groups,
                       StreamOrDevice s) {
  auto v = [](const std::tuple<int, int, int>& t) {
    return std::vector<int>{std::get<0>(t), std::get<1>(t), std::get<2>(t)};
  };
  return conv_transpose_impl("conv_transpose3d", input, weight, v(stride), v(padding), v(dilation),
                             v(output_padding), groups, s);
}

// ---- Unfold / Fold: linear maps, each the other's adjoint ----

std::vector<array> Unfold::vjp(const std::vector<array>&, const std::vector<array>& cotangents,
                               const std::vector<int>& argnums, const std::vector<array>&) {
  std::vector<array> out;
  for (size_t i = 0; i < argnums.size(); ++i) out.push_back(fold(cotangents[0], g_, stream()));
  return out;
}
std::vector<array> Unfold::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                               const std::vector<int>&) {
  // Padding is a constant, so tangents see zeros there.
  return {sliding_windows(tangents[0], g_, 0.0, stream())};
}
bool Unfold::is_equivalent(const Primitive& o) const {
  auto& p = static_cast<const Unfold&>(o);
  return g_ == p.g_ && pad_value_ == p.pad_value_;
}

std::vector<array> Fold::vjp(const std::vector<array>&, const std::vector<array>& cotangents,
                             const std::vector<int>& argnums, const std::vector<array>&) {
  std::vector<array> out;
  for (size_t i = 0; i < argnums.size(); ++i) {
    out.push_back(sliding_windows(cotangents[0], g_, 0.0, stream()));
  }
  return out;
}
std::vector<array> Fold::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                             const std::vector<int>&) {
  return {fold(tangents[0], g_, stream())};
}
bool Fold::is_equivalent(const Primitive& o) const {
  return g_ == static_cast<const Fold&>(o).g_;
}

// ---- The fused convolutions: bilinear, each the others' adjoint ----
//
// With U = unfold(x): y = U w (Convolution), dx = fold(dy w)
// (ConvolutionInputGrad) and dw = dy^T U (ConvolutionWeightGrad). Each is
// linear in either operand, so the cotangent of one operand is the sibling
// applied to the cotangent and the other operand, and a tangent is the sum of
// the node applied to each operand's tangent.

namespace {

// Cotangents and tangents reach these nodes as float32 unless a caller passed
// its own dtype; the kernels read float32 only.
array f32(const array& a, const Stream& s) {
  return astype(a, float32, s);
}

template <typename Node>
std::vector<array> bilinear_jvp(const std::vector<array>& primals,
                                const std::vector<array>& tangents, const std::vector<int>& argnums,
                                Node node) {
  std::optional<array> out;
  for (size_t i = 0; i < argnums.size(); ++i) {
    auto term = argnums[i] == 0 ? node(tangents[i], primals[1]) : node(primals[0], tangents[i]);
    out = out ? add(*out, term) : term;
  }
  return {*out};
}

// The cotangents of the operands listed in argnums: for_first(ct) for
// operand 0, for_second(ct) for operand 1.
template <typename First, typename Second>
std::vector<array> bilinear_vjp(const array& cotangent, const std::vector<int>& argnums,
                                const Stream& s, First for_first, Second for_second) {
  auto ct = f32(cotangent, s);
  std::vector<array> out;
  for (int a : argnums) out.push_back(a == 0 ? for_first(ct) : for_second(ct));
  return out;
}

}  // namespace

bool ConvolutionBase::is_equivalent(const Primitive& o) const {
  auto& p = static_cast<const ConvolutionBase&>(o);
  return g_ == p.g_ && groups_ == p.groups_;
}

std::vector<array> Convolution::vjp(const std::vector<array>& primals,
                                    const std::vector<array>& cotangents,
                                    const std::vector<int>& argnums, const std::vector<array>&) {
  return bilinear_vjp(
      cotangents[0], argnums, stream(),
      [&](const array& ct) {
        return convolution_input_grad(ct, primals[1], g_, groups_, stream());
      },
      [&](const array& ct) {
        return convolution_weight_grad(primals[0], ct, g_, groups_, stream());
      });
}
std::vector<array> Convolution::jvp(const std::vector<array>& primals,
                                    const std::vector<array>& tangents,
                                    const std::vector<int>& argnums) {
  return bilinear_jvp(primals, tangents, argnums, [&](const array& x, const array& w) {
    return convolution(f32(x, stream()), f32(w, stream()), g_, groups_, stream());
  });
}

std::vector<array> ConvolutionInputGrad::vjp(const std::vector<array>& primals,
                                             const std::vector<array>& cotangents,
                                             const std::vector<int>& argnums,
                                             const std::vector<array>&) {
  return bilinear_vjp(
      cotangents[0], argnums, stream(),
      [&](const array& ct) { return convolution(ct, primals[1], g_, groups_, stream()); },
      [&](const array& ct) {
        return convolution_weight_grad(ct, primals[0], g_, groups_, stream());
      });
}
std::vector<array> ConvolutionInputGrad::jvp(const std::vector<array>& primals,
                                             const std::vector<array>& tangents,
                                             const std::vector<int>& argnums) {
  return bilinear_jvp(primals, tangents, argnums, [&](const array& dy, const array& w) {
    return convolution_input_grad(f32(dy, stream()), f32(w, stream()), g_, groups_, stream());
  });
}

std::vector<array> ConvolutionWeightGrad::vjp(const std::vector<array>& primals,
                                              const std::vector<array>& cotangents,
                                              const std::vector<int>& argnums,
                                              const std::vector<array>&) {
  return bilinear_vjp(
      cotangents[0], argnums, stream(),
      [&](const array& ct) {
        return convolution_input_grad(primals[1], ct, g_, groups_, stream());
      },
      [&](const array& ct) { return convolution(primals[0], ct, g_, groups_, stream()); });
}
std::vector<array> ConvolutionWeightGrad::jvp(const std::vector<array>& primals,
                                              const std::vector<array>& tangents,
                                              const std::vector<int>& argnums) {
  return bilinear_jvp(primals, tangents, argnums, [&](const array& x, const array& dy) {
    return convolution_weight_grad(f32(x, stream()), f32(dy, stream()), g_, groups_, stream());
  });
}

}  // namespace lmx
