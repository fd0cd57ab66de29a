// lmx's own single-precision matrix product for CPUs with AVX-512.
//
// Debian's OpenBLAS (0.3.21) runs AVX2 kernels on recent AMD and Intel cores
// that execute 512-bit FMAs at full width, so it reaches about half of their
// float32 peak. This kernel uses the full width: measured on the 2-core AMD
// EPYC (Zen 5) build machines, 230 GFLOP/s per core on the MNIST MLP's
// products against OpenBLAS's 100-117 (bench/README.md).
#pragma once

#include <cstdint>

namespace lmx::cpu {

// Output tile of the micro-kernel: kSgemmRows rows by kSgemmCols columns.
// Callers that split a product across threads split on these boundaries.
inline constexpr int64_t kSgemmRows = 14;
inline constexpr int64_t kSgemmCols = 32;

// True when this CPU runs the AVX-512 kernel and LMX_SGEMM is not "blas"
// (that setting sends every float32 product to OpenBLAS, for comparison).
bool use_fast_sgemm();

// True when the CPU supports the AVX-512 kernel at all.
bool cpu_has_avx512();

// C (m x n, row stride ldc) = alpha * op(A) @ op(B) + beta * C, all row-major,
// op(X) = X^T when its flag is set, on the calling thread. C is not read when
// beta == 0, and A and B are not read when alpha == 0 or k == 0 (as in BLAS).
// Requires cpu_has_avx512().
void sgemm_avx512(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                  const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
                  int64_t ldc);

// dst (cols x rows, row stride ldd) = src^T, where src is rows x cols with row
// stride lds. Blocks of 8 x 8 in AVX registers; requires cpu_has_avx512().
void transpose_floats(int64_t rows, int64_t cols, const float* src, int64_t lds, float* dst,
                      int64_t ldd);

}  // namespace lmx::cpu
