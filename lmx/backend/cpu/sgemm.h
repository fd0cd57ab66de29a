// lmx's own single-precision matrix product, one kernel per instruction set
// (isa.h): 14 x 32 output tiles in AVX-512 registers, 6 x 16 in AVX2 (28 x 16
// and 12 x 8 where B has no more columns than that).
//
// Debian's OpenBLAS (0.3.21) runs AVX2 kernels on recent AMD and Intel cores
// that execute 512-bit FMAs at full width, so it reaches about half of their
// float32 peak; the AVX-512 kernel uses the full width (measured on the 2-core
// AMD EPYC (Zen 5) build machines, 230 GFLOP/s per core on the MNIST MLP's
// products against OpenBLAS's 100-117, bench/README.md). The baseline set has
// no kernel of its own: its products go to OpenBLAS.
#pragma once

#include <cstdint>

#include "lmx/backend/cpu/isa.h"

namespace lmx::cpu {

// Output tile of a micro-kernel. Callers that split a product across threads
// split on these boundaries.
struct SgemmTile {
  int64_t rows, cols;
};

}  // namespace lmx::cpu

#define LMX_SGEMM_KERNELS                                                                      \
  void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,         \
             const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,   \
             int64_t ldc);                                                                     \
  /* dst (cols x rows, row stride ldd) = src^T, where src is rows x cols with row stride       \
     lds. */                                                                                   \
  void transpose_floats(int64_t rows, int64_t cols, const float* src, int64_t lds, float* dst, \
                        int64_t ldd);                                                          \
  /* The kernel's tile; {0, 0} where the products go to OpenBLAS. */                           \
  SgemmTile sgemm_tile();
#define LMX_SGEMM_KERNELS_IN(ns) \
  namespace lmx::cpu::ns {       \
  LMX_SGEMM_KERNELS              \
  }
LMX_FOR_EACH_ISA(LMX_SGEMM_KERNELS_IN)
#undef LMX_SGEMM_KERNELS_IN

namespace lmx::cpu {

// C (m x n, row stride ldc) = alpha * op(A) @ op(B) + beta * C, all row-major,
// op(X) = X^T when its flag is set, on the calling thread. C is not read when
// beta == 0, and A and B are not read when alpha == 0 or k == 0 (as in BLAS).
// The active instruction set's versions, or OpenBLAS's sgemm everywhere when
// LMX_SGEMM=blas (for comparison).
LMX_SGEMM_KERNELS
#undef LMX_SGEMM_KERNELS

// True when float32 products run on one of lmx's kernels (sgemm_tile() is
// non-zero).
bool use_own_sgemm();

}  // namespace lmx::cpu
