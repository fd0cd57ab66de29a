// The fused RMS normalisation nodes (primitives.h: RmsNorm, RmsNormGrad), for
// fast::rms_norm on float32 inputs with a weight, and the composed graph their
// jvp and higher-order rules differentiate.
#pragma once

#include <vector>

#include "lmx/core/array.h"
#include "lmx/core/device.h"

namespace lmx {

// x * rsqrt(mean(x^2, -1) + eps) * w for float32 x (..., D) and w (D).
array fused_rms_norm(const array& x, const array& w, float eps, StreamOrDevice s = {});

// {dx, dw} for the cotangent dy of fused_rms_norm(x, w, eps).
std::vector<array> fused_rms_norm_grad(const array& x, const array& w, const array& dy, float eps,
                                       StreamOrDevice s = {});

// The same function as a graph of core ops.
array composed_rms_norm(const array& x, const array& w, float eps, StreamOrDevice s = {});

}  // namespace lmx
