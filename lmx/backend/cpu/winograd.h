// Float32 convolutions with a 3 x 3 or 5 x 5 window by Winograd's minimal
// filtering algorithm (Lavin and Gray, "Fast Algorithms for Convolutional
// Neural Networks", 2016), F(4 x 4, 3 x 3) and F(2 x 2, 5 x 5): a block of
// 4 x 4 (2 x 2) outputs is made from the 6 x 6 input tile under it with 36
// multiplications per channel pair where the unfolded product takes 144
// (100), so the products of a training step do a quarter (a third) of the
// multiply-adds. convolution.cpp sends the convolutions these serve here.
#pragma once

#include <cstdint>

#include "lmx/core/array.h"
#include "lmx/core/conv.h"

namespace lmx::cpu {

// Whether the Winograd kernels serve a float32 convolution: two spatial axes,
// a 3 x 3 or 5 x 5 window at stride 1 without dilation or groups, and 16
// channels or more on each side (with fewer the transforms outweigh the
// products). Any padding.
bool winograd_serves(const WindowGeometry& g, int groups, int64_t c_in, int64_t c_out);

// y (N, H', W', O) = x (N, H, W, C) correlated with w (O, r, r, C).
void winograd_convolution(const array& x, const array& w, const WindowGeometry& g, array& y);
// dx (N, H, W, C) from dy (N, H', W', O) and w.
void winograd_input_grad(const array& dy, const array& w, const WindowGeometry& g, array& dx);
// dw (O, r, r, C) from x and dy.
void winograd_weight_grad(const array& x, const array& dy, const WindowGeometry& g, array& dw);

// false sends every convolution to the unfolded products (tests compare the
// two; LMX_WINOGRAD=0 does the same for benchmarks). Process-wide.
void set_winograd_enabled(bool enabled);

}  // namespace lmx::cpu
