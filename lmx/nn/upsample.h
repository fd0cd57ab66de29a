// Upsample (channels last, any number of spatial axes) with MLX's modes:
// "nearest", "linear" and "cubic", and align_corners; the coordinate
// mapping follows PyTorch's interpolate with a scale factor.
#pragma once

#include <string>
#include <vector>

#include "lmx/nn/module.h"

namespace lmx::nn {

struct Upsample : Module {
  // One factor for every spatial axis, or one per axis.
  explicit Upsample(std::vector<float> scale_factor, std::string mode = "nearest",
                    bool align_corners = false);
  explicit Upsample(float scale_factor, std::string mode = "nearest", bool align_corners = false)
      : Upsample(std::vector<float>{scale_factor}, std::move(mode), align_corners) {}
  array operator()(array x) override;
  std::string extra_repr() const override;
  std::vector<float> scale_factor;
  std::string mode;
  bool align_corners;
};

}  // namespace lmx::nn
