#include "lmx/nn/pooling.h"

#include <limits>
#include <numeric>
#include <stdexcept>

#include "lmx/core/conv.h"
#include "lmx/core/error.h"
#include "lmx/core/ops.h"
#include "lmx/core/utils.h"

namespace lmx::nn {

PoolNd::PoolNd(Kind kind, int rank, const char* who, const IntOrTuple& kernel,
               const std::optional<IntOrTuple>& stride_, const IntOrTuple& padding_)
    : kernel_size(kernel.expand(rank, who, "kernel_size")),
      stride(stride_ ? stride_->expand(rank, who, "stride") : kernel_size),
      padding(padding_.expand(rank, who, "padding")),
      kind_(kind),
      who_(who) {
  auto positive = [&](const std::vector<int>& v, const char* what) {
    for (int x : v) {
      if (x <= 0) {
        fail(who, "'", what, "' must be positive but got ", tuple_repr(v), ".");
      }
    }
  };
  positive(kernel_size, "kernel_size");
  positive(stride, "stride");
  for (int p : padding) {
    if (p < 0) {
      fail(who, "'padding' must be non-negative ", "but got ", tuple_repr(padding), ".");
    }
  }
}

array PoolNd::operator()(array x) {
  int rank = static_cast<int>(kernel_size.size());
  if (x.ndim() != rank + 2) {
    fail(who_, "Expected an input with ", std::to_string(rank + 2),
         " dimensions (N, ..., C) but got ", to_string(x.shape()), ".");
  }
  Shape spatial(x.shape().begin() + 1, x.shape().end() - 1);
  auto g = make_window_geometry(who_, spatial, Shape(kernel_size.begin(), kernel_size.end()),
                                stride, padding, padding, {}, {});
  auto reduce = [&](const array& windows, const std::vector<int>& axes) {
    return kind_ == Kind::Max ? max(windows, axes) : mean(windows, axes);
  };
  // Windows that tile the input (stride = kernel, no padding: the usual
  // MaxPool2d(2)) are a reshape of it, (N, out0, k0, out1, k1, ..., C):
  // no copy into windows, and no scatter of them back in the gradient.
  bool tiles = stride == kernel_size;
  for (int p : padding) tiles = tiles && p == 0;
  if (tiles) {
    Shape start(x.ndim(), 0), stop = x.shape(), split{x.shape(0)};
    std::vector<int> axes;
    for (int i = 0; i < rank; ++i) {
      stop[i + 1] = g.output[i] * kernel_size[i];  // the rows no window covers are dropped
      split.push_back(g.output[i]);
      split.push_back(kernel_size[i]);
      axes.push_back(2 + 2 * i);
    }
    split.push_back(x.shape(-1));
    if (stop != x.shape()) x = slice(x, start, stop);
    return reduce(reshape(x, split), axes);
  }
  double pad = kind_ == Kind::Max ? -std::numeric_limits<double>::infinity() : 0.0;
  auto windows = sliding_windows(x, g, pad);  // (N, out..., kernel..., C)
  std::vector<int> axes(rank);
  std::iota(axes.begin(), axes.end(), rank + 1);
  return reduce(windows, axes);
}

std::string PoolNd::extra_repr() const {
  return "kernel_size=" + tuple_repr(kernel_size) + ", stride=" + tuple_repr(stride) +
         ", padding=" + tuple_repr(padding);
}

}  // namespace lmx::nn
