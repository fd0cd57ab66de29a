// Affine quantization with MLX's API and packing: each group of `group_size`
// consecutive values along the last axis is stored as `bits`-bit integers q
// with w ~ scale * q + bias; the integers are packed little-endian into a bit
// stream of uint32 words (value j occupies bits [j*bits, (j+1)*bits)).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "lmx/core/array.h"
#include "lmx/core/device.h"

namespace lmx {

// Returns {w_q (uint32, last axis K*bits/32), scales, biases (last axis K/group_size)}.
// group_size is 32, 64 (default) or 128; bits 2, 3, 4 (default), 5, 6 or 8.
std::vector<array> quantize(const array& w, std::optional<int> group_size = std::nullopt,
                            std::optional<int> bits = std::nullopt,
                            const std::string& mode = "affine", StreamOrDevice s = {});

array dequantize(const array& w, const array& scales,
                 const std::optional<array>& biases = std::nullopt,
                 std::optional<int> group_size = std::nullopt,
                 std::optional<int> bits = std::nullopt, const std::string& mode = "affine",
                 std::optional<Dtype> dtype = std::nullopt, StreamOrDevice s = {});

// x @ dequantize(w).T (transpose) or x @ dequantize(w), without materialising
// the float matrix: it is dequantized a tile at a time into the product.
array quantized_matmul(array x, array w, array scales, std::optional<array> biases = std::nullopt,
                       bool transpose = true, std::optional<int> group_size = std::nullopt,
                       std::optional<int> bits = std::nullopt, const std::string& mode = "affine",
                       StreamOrDevice s = {});

}  // namespace lmx
