// Linear algebra (MLX's mlx/linalg.h), on LAPACK in the CPU backend.
#pragma once

#include <vector>

#include "lmx/core/array.h"
#include "lmx/core/device.h"

namespace lmx::linalg {

// The singular value decomposition a = U diag(S) Vt of each matrix in the
// last two axes (float32 or float64): {U (..., M, M), S (..., min(M, N)),
// Vt (..., N, N)}, or {S} without compute_uv. S descends.
std::vector<array> svd(const array& a, bool compute_uv, StreamOrDevice s = {});
std::vector<array> svd(const array& a, StreamOrDevice s = {});

}  // namespace lmx::linalg
