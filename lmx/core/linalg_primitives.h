// The linear algebra primitives (linalg.h builds them; the CPU backend runs
// them on LAPACK in lmx/backend/cpu/linalg.cpp). Each works on every matrix
// of the last two axes. MLX defines no gradients for them (Solve aside);
// gradients of the functions composed from them (norm, pinv) come from the
// composition.
#pragma once

#include <string>

#include "lmx/core/primitives.h"

namespace lmx {

// The singular value decomposition: outputs {U, S, Vt}, or {S} without
// compute_uv.
class SVD : public Primitive {
 public:
  SVD(Stream s, bool compute_uv) : Primitive(s), compute_uv_(compute_uv) {}
  LMX_EVAL_MULTI_METHODS
  LMX_VMAP_RULE
  const char* name() const override { return "SVD"; }
  bool is_equivalent(const Primitive& other) const override;

  auto state() const { return std::make_tuple(compute_uv_); }

 private:
  bool compute_uv_;
};

// The inverse of a general matrix, or of a triangular one (the other
// triangle is ignored and the result has zeros there).
class Inverse : public UnaryPrimitive {
 public:
  Inverse(Stream s, bool triangular, bool upper)
      : UnaryPrimitive(s), triangular_(triangular), upper_(upper) {}
  LMX_EVAL_METHODS
  LMX_VMAP_RULE
  const char* name() const override { return "Inverse"; }
  bool is_equivalent(const Primitive& other) const override;

  auto state() const { return std::make_tuple(triangular_, upper_); }

 private:
  bool triangular_, upper_;
};

// The Cholesky factor L (a = L L^T), or U (a = U^T U) when upper; only the
// matching triangle of a is read.
class Cholesky : public UnaryPrimitive {
 public:
  Cholesky(Stream s, bool upper) : UnaryPrimitive(s), upper_(upper) {}
  LMX_EVAL_METHODS
  LMX_VMAP_RULE
  const char* name() const override { return "Cholesky"; }
  bool is_equivalent(const Primitive& other) const override;

  auto state() const { return std::make_tuple(upper_); }

 private:
  bool upper_;
};

// The reduced QR factorization: outputs {Q (M, K), R (K, N)}, K = min(M, N).
class QRF : public Primitive {
 public:
  using Primitive::Primitive;
  LMX_EVAL_MULTI_METHODS
  LMX_VMAP_RULE
  const char* name() const override { return "QRF"; }
  bool is_equivalent(const Primitive&) const override { return true; }
};

// Eigenvalues (ascending) and, when asked, eigenvectors (as columns) of a
// symmetric matrix, reading the triangle named by uplo ("L" or "U").
class Eigh : public Primitive {
 public:
  Eigh(Stream s, std::string uplo, bool vectors)
      : Primitive(s), uplo_(std::move(uplo)), vectors_(vectors) {}
  LMX_EVAL_MULTI_METHODS
  LMX_VMAP_RULE
  const char* name() const override { return "Eigh"; }
  bool is_equivalent(const Primitive& other) const override;

  auto state() const { return std::make_tuple(uplo_, vectors_); }

 private:
  std::string uplo_;
  bool vectors_;
};

// The LU factorization with partial pivoting (LAPACK getrf): outputs
// {LU (M, N), pivots (K), row_indices (M)}, pivots 0-based (row i was
// swapped with pivots[i]) and a = (L U)[row_indices]. A singular matrix
// factors too (U has a zero on its diagonal).
class LUF : public Primitive {
 public:
  using Primitive::Primitive;
  LMX_EVAL_MULTI_METHODS
  LMX_VMAP_RULE
  const char* name() const override { return "LUF"; }
  bool is_equivalent(const Primitive&) const override { return true; }
};

// Eigenvalues and, when asked, right eigenvectors (as columns) of a general
// matrix: outputs {values (..., N)} or {values, vectors (..., N, N)}, both
// complex64.
class Eig : public Primitive {
 public:
  Eig(Stream s, bool vectors) : Primitive(s), vectors_(vectors) {}
  LMX_EVAL_MULTI_METHODS
  LMX_VMAP_RULE
  const char* name() const override { return "Eig"; }
  bool is_equivalent(const Primitive& other) const override;

  auto state() const { return std::make_tuple(vectors_); }

 private:
  bool vectors_;
};

// The solution x of a x = b for square a (..., N, N) and b (..., N, K) of the
// same batch shape (LAPACK getrf and getrs); a singular a is an error. lmx
// gives it the gradients of x = a^-1 b, which MLX's composition lacks.
class Solve : public UnaryPrimitive {
 public:
  using UnaryPrimitive::UnaryPrimitive;
  LMX_EVAL_METHODS
  LMX_GRAD_METHODS
  LMX_VMAP_RULE
  const char* name() const override { return "Solve"; }
  bool is_equivalent(const Primitive&) const override { return true; }
};

// clang-format off
#define LMX_LINALG_PRIMITIVE_CLASSES(X, XM) \
  XM(SVD) X(Inverse) X(Cholesky) XM(QRF) XM(Eigh) XM(LUF) X(Solve) XM(Eig)
// clang-format on

}  // namespace lmx
