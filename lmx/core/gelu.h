// GELU as one elementwise map (the Gelu row of elementwise_ops.h), for
// nn::gelu on floating inputs: one pass forward and, through its derivative
// row, two backward, where the composed graph makes five and about a dozen.
#pragma once

#include "lmx/core/array.h"
#include "lmx/core/device.h"

namespace lmx {

// x (1 + erf(x / sqrt 2)) / 2 for a floating x, rounded as nn::gelu's graph
// rounds it in float32 and float64.
array gelu_map(const array& x, StreamOrDevice s = {});

}  // namespace lmx
