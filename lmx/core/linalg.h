// Linear algebra (MLX's mlx/linalg.h), on LAPACK in the CPU backend.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lmx/core/array.h"
#include "lmx/core/device.h"

namespace lmx::linalg {

// The singular value decomposition a = U diag(S) Vt of each matrix in the
// last two axes (float32 or float64): {U (..., M, M), S (..., min(M, N)),
// Vt (..., N, N)}, or {S} without compute_uv. S descends.
std::vector<array> svd(const array& a, bool compute_uv, StreamOrDevice s = {});
std::vector<array> svd(const array& a, StreamOrDevice s = {});

// The inverse of each square matrix (float32 or float64); a singular one is
// an error when the graph runs.
array inv(const array& a, StreamOrDevice s = {});
// The inverse of a lower (or upper) triangular matrix.
array tri_inv(const array& a, bool upper = false, StreamOrDevice s = {});
// The Cholesky factor of a symmetric positive definite matrix: L with
// a = L L^T, or U with a = U^T U.
array cholesky(const array& a, bool upper = false, StreamOrDevice s = {});
// a^-1 from a's Cholesky factor (L, or U when upper).
array cholesky_inv(const array& factor, bool upper = false, StreamOrDevice s = {});
// The Moore-Penrose pseudo-inverse (from the SVD).
array pinv(const array& a, StreamOrDevice s = {});
// x with a x = b, for square a; b is a vector (..., N) or matrices (..., N, K).
array solve(const array& a, const array& b, StreamOrDevice s = {});
array solve_triangular(const array& a, const array& b, bool upper = false, StreamOrDevice s = {});
// The reduced QR factorization {Q (..., M, K), R (..., K, N)}.
std::pair<array, array> qr(const array& a, StreamOrDevice s = {});
// Eigenvalues (ascending) and eigenvectors (columns) of symmetric matrices,
// reading the lower ("L") or upper ("U") triangle.
std::pair<array, array> eigh(const array& a, std::string UPLO = "L", StreamOrDevice s = {});
array eigvalsh(const array& a, std::string UPLO = "L", StreamOrDevice s = {});

// Eigenvalues and right eigenvectors (as columns, unit norm) of a general
// square matrix (float32, float64 or complex64), as complex64, in LAPACK's
// order (geev).
std::pair<array, array> eig(const array& a, StreamOrDevice s = {});
array eigvals(const array& a, StreamOrDevice s = {});

// The LU factorization with partial pivoting: {P (..., M) uint32, L
// (..., M, K), U (..., K, N)} with a = (L U)[P] row by row.
std::vector<array> lu(const array& a, StreamOrDevice s = {});
// {LU (L below the diagonal, unit diagonal implied; U on and above it),
// pivots (..., K) uint32: row i was swapped with row pivots[i]}.
std::pair<array, array> lu_factor(const array& a, StreamOrDevice s = {});
// The determinant, and (sign, log|det|) of square matrices; a singular
// matrix gives 0, and (0, -inf). Differentiable: d det = det a^-T.
array det(const array& a, StreamOrDevice s = {});
std::pair<array, array> slogdet(const array& a, StreamOrDevice s = {});

// Vector and matrix norms. Without axis and ord: the 2-norm of flatten(a).
// With ord but no axis, a must be 1-D (a vector norm) or 2-D (a matrix
// norm). With axes: one gives vector norms, two matrix norms. Vector ords:
// inf, -inf, 0 (non-zeros), and any p; matrix ords: 1, -1, 2, -2, inf, -inf,
// "fro", "nuc".
array norm(const array& a, const double ord,
           const std::optional<std::vector<int>>& axis = std::nullopt, bool keepdims = false,
           StreamOrDevice s = {});
inline array norm(const array& a, const double ord, int axis, bool keepdims = false,
                  StreamOrDevice s = {}) {
  return norm(a, ord, std::vector<int>{axis}, keepdims, s);
}
array norm(const array& a, const std::string& ord,
           const std::optional<std::vector<int>>& axis = std::nullopt, bool keepdims = false,
           StreamOrDevice s = {});
inline array norm(const array& a, const std::string& ord, int axis, bool keepdims = false,
                  StreamOrDevice s = {}) {
  return norm(a, ord, std::vector<int>{axis}, keepdims, s);
}
array norm(const array& a, const std::optional<std::vector<int>>& axis = std::nullopt,
           bool keepdims = false, StreamOrDevice s = {});
inline array norm(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {}) {
  return norm(a, std::vector<int>{axis}, keepdims, s);
}

// The cross product along `axis`, which has size 3 or 2 (a 2-vector is
// taken with a zero third component); a and b broadcast.
array cross(const array& a, const array& b, int axis = -1, StreamOrDevice s = {});

}  // namespace lmx::linalg
