// Convolutions (MLX's names, arguments and channels-last layouts) and the
// sliding-window unfold they and the pooling layers are built on.
#pragma once

#include <tuple>
#include <utility>
#include <vector>

#include "lmx/core/array.h"
#include "lmx/core/device.h"

namespace lmx {

// Where each window of a convolution or pooling sits over the spatial axes of
// a (N, spatial..., C) input. The input is virtually dilated (input_dilation-1
// zeros between elements) and padded, then windows of `kernel` taps spaced by
// `kernel_dilation` are placed every `stride` elements.
struct WindowGeometry {
  Shape input;  // spatial sizes of the input
  Shape kernel;
  Shape stride;
  Shape padding_lo;
  Shape padding_hi;
  Shape kernel_dilation;
  Shape input_dilation;
  Shape output;  // spatial sizes of the result (derived)

  bool operator==(const WindowGeometry&) const = default;
};

// Fills in defaults (size <= 1 broadcasts), validates, and derives `output`.
// `who` names the op in error messages.
WindowGeometry make_window_geometry(const char* who, const Shape& input, const Shape& kernel,
                                    std::vector<int> stride, std::vector<int> padding_lo,
                                    std::vector<int> padding_hi, std::vector<int> kernel_dilation,
                                    std::vector<int> input_dilation);

// (N, spatial..., C) -> (N, output..., kernel..., C): the input patch under
// every window, with `pad_value` where a tap falls on padding or dilation.
array sliding_windows(const array& x, const WindowGeometry& g, double pad_value = 0.0,
                      StreamOrDevice s = {});

// The nodes of the fused float32 convolutions (primitives.h: Convolution and
// its two gradients), for conv_general, their own rules and importers. The
// operands are float32 and already checked against `g` and `groups`.
array convolution(const array& x, const array& w, const WindowGeometry& g, int groups,
                  StreamOrDevice s = {});
array convolution_input_grad(const array& dy, const array& w, const WindowGeometry& g, int groups,
                             StreamOrDevice s = {});
array convolution_weight_grad(const array& x, const array& dy, const WindowGeometry& g, int groups,
                              StreamOrDevice s = {});

array conv_general(array input, array weight, std::vector<int> stride = {},
                   std::vector<int> padding_lo = {}, std::vector<int> padding_hi = {},
                   std::vector<int> kernel_dilation = {}, std::vector<int> input_dilation = {},
                   int groups = 1, bool flip = false, StreamOrDevice s = {});
array conv_general(const array& input, const array& weight, std::vector<int> stride,
                   std::vector<int> padding, std::vector<int> kernel_dilation,
                   std::vector<int> input_dilation, int groups = 1, bool flip = false,
                   StreamOrDevice s = {});

array conv1d(const array& input, const array& weight, int stride = 1, int padding = 0,
             int dilation = 1, int groups = 1, StreamOrDevice s = {});
array conv2d(const array& input, const array& weight, const std::pair<int, int>& stride = {1, 1},
             const std::pair<int, int>& padding = {0, 0},
             const std::pair<int, int>& dilation = {1, 1}, int groups = 1, StreamOrDevice s = {});
array conv3d(const array& input, const array& weight,
             const std::tuple<int, int, int>& stride = {1, 1, 1},
             const std::tuple<int, int, int>& padding = {0, 0, 0},
             const std::tuple<int, int, int>& dilation = {1, 1, 1}, int groups = 1,
             StreamOrDevice s = {});

// The transposed convolution of any rank (1-3), the values given per spatial
// axis; conv_transpose1d/2d/3d call it.
array conv_transpose_general(const array& input, const array& weight, std::vector<int> stride,
                             std::vector<int> padding, std::vector<int> dilation,
                             std::vector<int> output_padding, int groups = 1,
                             StreamOrDevice s = {});

array conv_transpose1d(const array& input, const array& weight, int stride = 1, int padding = 0,
                       int dilation = 1, int output_padding = 0, int groups = 1,
                       StreamOrDevice s = {});
array conv_transpose2d(const array& input, const array& weight,
                       const std::pair<int, int>& stride = {1, 1},
                       const std::pair<int, int>& padding = {0, 0},
                       const std::pair<int, int>& dilation = {1, 1},
                       const std::pair<int, int>& output_padding = {0, 0}, int groups = 1,
                       StreamOrDevice s = {});
array conv_transpose3d(const array& input, const array& weight,
                       const std::tuple<int, int, int>& stride = {1, 1, 1},
                       const std::tuple<int, int, int>& padding = {0, 0, 0},
                       const std::tuple<int, int, int>& dilation = {1, 1, 1},
                       const std::tuple<int, int, int>& output_padding = {0, 0, 0}, int groups = 1,
                       StreamOrDevice s = {});

}  // namespace lmx
