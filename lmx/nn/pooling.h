// Max and average pooling over 1-3 spatial axes (channels last), with MLX's
// arguments: stride defaults to the kernel size, padding is symmetric and
// reads -inf (max) or 0 (average, which divides by the full window).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "lmx/nn/conv.h"

namespace lmx::nn {

class PoolNd : public Module {
 public:
  array operator()(array x) override;
  std::string extra_repr() const override;
  std::vector<int> kernel_size, stride, padding;

 protected:
  enum class Kind { Max, Average };
  PoolNd(Kind kind, int rank, const char* who, const IntOrTuple& kernel_size,
         const std::optional<IntOrTuple>& stride, const IntOrTuple& padding);

 private:
  Kind kind_;
  const char* who_;
};

#define LMX_POOL_LAYER(NAME, KIND, RANK)                                   \
  struct NAME : PoolNd {                                                   \
    explicit NAME(const IntOrTuple& kernel_size,                           \
                  const std::optional<IntOrTuple>& stride = std::nullopt,  \
                  const IntOrTuple& padding = 0)                           \
        : PoolNd(Kind::KIND, RANK, #NAME, kernel_size, stride, padding) {} \
  };
LMX_POOL_LAYER(MaxPool1d, Max, 1)
LMX_POOL_LAYER(MaxPool2d, Max, 2)
LMX_POOL_LAYER(MaxPool3d, Max, 3)
LMX_POOL_LAYER(AvgPool1d, Average, 1)
LMX_POOL_LAYER(AvgPool2d, Average, 2)
LMX_POOL_LAYER(AvgPool3d, Average, 3)
#undef LMX_POOL_LAYER

}  // namespace lmx::nn
