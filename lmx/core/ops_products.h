// Matrix products of MLX's ops.h beyond matmul: gathered, block-masked and
// segmented products, and the Hadamard transform. They are compositions of
// the primitive ops (gathers, masks, matmul), so every transform applies.
#pragma once

#include <optional>
#include <string>

#include "lmx/core/array.h"
#include "lmx/core/device.h"

namespace lmx {

using SOD = StreamOrDevice;

// matmul(a[lhs_indices], b[rhs_indices]) where the indices are flat indices
// into the batch dimensions (all but the last two) of a and b; the result
// has the broadcast shape of the indices followed by (M, N).
array gather_mm(array a, array b, std::optional<array> lhs_indices = std::nullopt,
                std::optional<array> rhs_indices = std::nullopt, bool sorted_indices = false,
                SOD s = {});
// matmul with block_size x block_size blocks of a, b and the output scaled by
// the masks (boolean or float), of shapes (..., ceil(M / bs), ceil(K / bs)),
// (..., ceil(K / bs), ceil(N / bs)) and (..., ceil(M / bs), ceil(N / bs)).
array block_masked_mm(array a, array b, int block_size,
                      std::optional<array> mask_out = std::nullopt,
                      std::optional<array> mask_lhs = std::nullopt,
                      std::optional<array> mask_rhs = std::nullopt, SOD s = {});
// For each segment [start, end) of the inner dimension (segments: (..., 2)),
// a[:, start:end] @ b[start:end, :]; the result is (..., M, N).
array segmented_mm(array a, array b, array segments, SOD s = {});
// gather_mm with b given quantized (see quantize).
array gather_qmm(const array& x, const array& w, const array& scales,
                 const std::optional<array>& biases = std::nullopt,
                 std::optional<array> lhs_indices = std::nullopt,
                 std::optional<array> rhs_indices = std::nullopt, bool transpose = true,
                 std::optional<int> group_size = std::nullopt,
                 std::optional<int> bits = std::nullopt, const std::string& mode = "affine",
                 bool sorted_indices = false, SOD s = {});
// The Walsh-Hadamard transform along the last axis (Sylvester's order),
// times scale (default 1 / sqrt(n)); n must be a power of two.
array hadamard_transform(const array& a, std::optional<float> scale = std::nullopt, SOD s = {});

}  // namespace lmx
