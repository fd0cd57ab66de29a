// The fused gradient of max and min reductions (primitives.h: ExtremeGrad).
#pragma once

#include <vector>

#include "lmx/core/array.h"
#include "lmx/core/device.h"

namespace lmx {

// dx of a max or min over `axes` (sorted, distinct): x float32 or float64,
// out the reduction kept-dims and g its cotangent, both of x's shape with 1
// on `axes` and x's dtype.
array extreme_grad(const array& x, const array& out, const array& g, const std::vector<int>& axes,
                   StreamOrDevice s = {});

}  // namespace lmx
