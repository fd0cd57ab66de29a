// The fused rotary position embedding node (primitives.h: Rope), for
// fast::rope on float32 inputs with a base.
#pragma once

#include "lmx/core/array.h"
#include "lmx/core/device.h"

namespace lmx {

// x (..., L, D) float32 with its first `dims` features turned by position;
// offset an integer scalar. The caller has checked dims against x.
array fused_rope(const array& x, int dims, bool traditional, float base, float scale,
                 const array& offset, bool forward = true, StreamOrDevice s = {});

}  // namespace lmx
