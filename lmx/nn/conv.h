// Convolution layers (channels last, as MLX): Conv1d/2d/3d and
// ConvTranspose1d/2d/3d with MLX's arguments, parameter names ("weight"
// (C_out, kernel..., C_in / groups), "bias") and initialisation.
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "lmx/nn/module.h"

namespace lmx::nn {

// A size per spatial axis given as one int (used for every axis) or a tuple,
// as MLX's layers accept: Conv2d(3, 8, 3) or Conv2d(3, 8, {3, 5}).
struct IntOrTuple {
  IntOrTuple(int v) : values{v}, is_scalar(true) {}  // NOLINT: implicit like Python
  IntOrTuple(std::initializer_list<int> v) : values(v) {}
  IntOrTuple(std::vector<int> v) : values(std::move(v)) {}
  // The per-axis values for n axes; `who`/`what` name a wrong-length tuple.
  std::vector<int> expand(size_t n, const std::string& who, const std::string& what) const;
  std::vector<int> values;
  bool is_scalar = false;
};

// Python's text for a tuple of ints: "(3, 3)", "(2,)".
std::string tuple_repr(const std::vector<int>& v);

// One class for the three spatial ranks; Conv1d/2d/3d fix the rank.
class ConvNd : public Module {
 public:
  array operator()(array x) override;
  std::string extra_repr() const override;
  array weight;
  std::optional<array> bias;
  std::vector<int> stride, padding, dilation;
  int groups;

 protected:
  ConvNd(int rank, const char* who, int in_channels, int out_channels, const IntOrTuple& kernel,
         const IntOrTuple& stride, const IntOrTuple& padding, const IntOrTuple& dilation,
         int groups, bool bias);
  // The printed arguments, with `extra` (", name=value") before groups.
  std::string describe(const std::string& extra, bool mlx_has_groups) const;
  const char* who_;
  bool dilation_scalar_;
};

struct Conv1d : ConvNd {
  Conv1d(int in_channels, int out_channels, int kernel_size, int stride = 1, int padding = 0,
         int dilation = 1, int groups = 1, bool bias = true);
};
struct Conv2d : ConvNd {
  Conv2d(int in_channels, int out_channels, const IntOrTuple& kernel_size,
         const IntOrTuple& stride = 1, const IntOrTuple& padding = 0,
         const IntOrTuple& dilation = 1, int groups = 1, bool bias = true);
};
struct Conv3d : ConvNd {
  Conv3d(int in_channels, int out_channels, const IntOrTuple& kernel_size,
         const IntOrTuple& stride = 1, const IntOrTuple& padding = 0,
         const IntOrTuple& dilation = 1, int groups = 1, bool bias = true);
};

// The same parameters (weight (C_out, kernel..., C_in / groups), bias), used
// by the transposed convolution.
class ConvTransposeNd : public ConvNd {
 public:
  array operator()(array x) override;
  std::string extra_repr() const override;
  std::vector<int> output_padding;

 protected:
  ConvTransposeNd(int rank, const char* who, int in_channels, int out_channels,
                  const IntOrTuple& kernel, const IntOrTuple& stride, const IntOrTuple& padding,
                  const IntOrTuple& dilation, const IntOrTuple& output_padding, int groups,
                  bool bias);
};

struct ConvTranspose1d : ConvTransposeNd {
  ConvTranspose1d(int in_channels, int out_channels, int kernel_size, int stride = 1,
                  int padding = 0, int dilation = 1, int output_padding = 0, int groups = 1,
                  bool bias = true);
};
struct ConvTranspose2d : ConvTransposeNd {
  ConvTranspose2d(int in_channels, int out_channels, const IntOrTuple& kernel_size,
                  const IntOrTuple& stride = 1, const IntOrTuple& padding = 0,
                  const IntOrTuple& dilation = 1, const IntOrTuple& output_padding = 0,
                  int groups = 1, bool bias = true);
};
struct ConvTranspose3d : ConvTransposeNd {
  ConvTranspose3d(int in_channels, int out_channels, const IntOrTuple& kernel_size,
                  const IntOrTuple& stride = 1, const IntOrTuple& padding = 0,
                  const IntOrTuple& dilation = 1, const IntOrTuple& output_padding = 0,
                  int groups = 1, bool bias = true);
};

}  // namespace lmx::nn
