// Einstein summation (MLX's mlx/einsum.h) with NumPy's subscript grammar:
// letters, an ellipsis for broadcast dimensions, an implicit output (the
// letters seen once, sorted, after the ellipsis), repeated letters within an
// operand for diagonals and traces. Operands are contracted two at a time in
// NumPy's greedy order, each contraction one matmul.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "lmx/core/array.h"
#include "lmx/core/device.h"

namespace lmx {

// The contraction order einsum would use (each pair indexes the operand list
// as it stands, the result appended at its end) and NumPy's summary of its
// scaling and FLOP counts.
std::pair<std::vector<std::vector<int>>, std::string> einsum_path(
    const std::string& subscripts, const std::vector<array>& operands);

array einsum(const std::string& subscripts, const std::vector<array>& operands,
             StreamOrDevice s = {});

}  // namespace lmx
