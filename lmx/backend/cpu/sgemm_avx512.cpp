// The AVX-512 float32 matrix product (see sgemm.h).
//
// Structure: a 14 x 32 micro-kernel keeps its output tile in 28 zmm registers
// and, for each k, loads one 32-wide row of B (two zmm) and broadcasts 14
// scalars of A. A is read in place in either layout (row- or column-major),
// since a broadcast costs the same from any address; B is read in place when
// its rows are contiguous and otherwise (B transposed) copied into 32-column
// panels first. Blocking over k (kKC) keeps the B panel in L1 and over rows
// (kMC) keeps the A block in L2.
#include "lmx/backend/cpu/sgemm.h"

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

namespace lmx::cpu {

namespace {

constexpr int64_t kMR = kSgemmRows;
constexpr int64_t kNR = kSgemmCols;
constexpr int64_t kKC = 256;
constexpr int64_t kMC = 32 * kMR;
constexpr int64_t kNC = 1024;

// One MR x 32 tile: C = alpha * A(MR x kc) B(kc x 32) + beta * C, with the
// columns past the edge masked off (cols_lo / cols_hi). A element (r, p) is
// a[r * lda + p] when row-major, a[p * lda + r] when column-major; B row p
// starts at b + p * ldb.
template <int MR, bool kColumnMajorA>
__attribute__((target("avx512f,fma"), noinline)) void micro_kernel(
    int64_t kc, const float* a, int64_t lda, const float* b, int64_t ldb, __mmask16 cols_lo,
    __mmask16 cols_hi, float* c, int64_t ldc, float alpha, float beta) {
  __m512 lo[MR], hi[MR];
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
    lo[r] = _mm512_setzero_ps();
    hi[r] = _mm512_setzero_ps();
  }
  for (int64_t p = 0; p < kc; ++p) {
    __m512 b_lo = _mm512_maskz_loadu_ps(cols_lo, b + p * ldb);
    __m512 b_hi = _mm512_maskz_loadu_ps(cols_hi, b + p * ldb + 16);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      __m512 av = _mm512_set1_ps(kColumnMajorA ? a[p * lda + r] : a[r * lda + p]);
      lo[r] = _mm512_fmadd_ps(av, b_lo, lo[r]);
      hi[r] = _mm512_fmadd_ps(av, b_hi, hi[r]);
    }
  }
  __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
    float* cr = c + r * ldc;
    __m512 out_lo = _mm512_mul_ps(va, lo[r]), out_hi = _mm512_mul_ps(va, hi[r]);
    if (beta != 0.0f) {
      out_lo = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(cols_lo, cr), out_lo);
      out_hi = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(cols_hi, cr + 16), out_hi);
    }
    _mm512_mask_storeu_ps(cr, cols_lo, out_lo);
    _mm512_mask_storeu_ps(cr + 16, cols_hi, out_hi);
  }
}

using MicroKernel = void (*)(int64_t, const float*, int64_t, const float*, int64_t, __mmask16,
                             __mmask16, float*, int64_t, float, float);

// kernels[rows - 1] computes a tile of `rows` rows.
template <bool kColumnMajorA, int... R>
constexpr auto make_kernels(std::integer_sequence<int, R...>) {
  return std::array<MicroKernel, sizeof...(R)>{&micro_kernel<R + 1, kColumnMajorA>...};
}
constexpr auto kRowMajorKernels = make_kernels<false>(std::make_integer_sequence<int, kMR>{});
constexpr auto kColumnMajorKernels = make_kernels<true>(std::make_integer_sequence<int, kMR>{});

// Copies op(B) = B^T rows [p0, p0 + kc) and columns [j0, j0 + nc) (B is
// n x k row-major) into 32-column panels: panel q holds kc rows of 32 floats,
// zero past column nc.
void pack_transposed_b(const float* b, int64_t ldb, int64_t p0, int64_t kc, int64_t j0, int64_t nc,
                       float* out) {
  for (int64_t q = 0; q < nc; q += kNR) {
    float* panel = out + (q / kNR) * kc * kNR;
    int64_t cols = std::min(kNR, nc - q);
    transpose_floats(cols, kc, b + (j0 + q) * ldb + p0, ldb, panel, kNR);
    for (int64_t p = 0; p < kc; ++p) std::fill(panel + p * kNR + cols, panel + (p + 1) * kNR, 0.0f);
  }
}

__mmask16 column_mask(int64_t cols) {
  if (cols <= 0) return 0;
  if (cols >= 16) return 0xFFFF;
  return static_cast<__mmask16>((1u << cols) - 1);
}

void scale(int64_t m, int64_t n, float beta, float* c, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i) {
    float* row = c + i * ldc;
    if (beta == 0.0f) {
      std::fill(row, row + n, 0.0f);
    } else {
      for (int64_t j = 0; j < n; ++j) row[j] *= beta;
    }
  }
}

}  // namespace

bool cpu_has_avx512() {
  static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
  return has;
}

bool use_fast_sgemm() {
  static const bool use = [] {
    const char* env = std::getenv("LMX_SGEMM");
    return cpu_has_avx512() && !(env && std::strcmp(env, "blas") == 0);
  }();
  return use;
}

namespace {

// dst rows 0..7 = src columns 0..7 of an 8 x 8 block (unpack, shuffle, and
// swap 128-bit halves).
__attribute__((target("avx2"))) inline void transpose8x8(const float* src, int64_t lds, float* dst,
                                                         int64_t ldd) {
  __m256 r[8], t[8];
  for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(src + i * lds);
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {
    r[i] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    r[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    r[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    r[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int i = 0; i < 4; ++i) {
    _mm256_storeu_ps(dst + i * ldd, _mm256_permute2f128_ps(r[i], r[i + 4], 0x20));
    _mm256_storeu_ps(dst + (i + 4) * ldd, _mm256_permute2f128_ps(r[i], r[i + 4], 0x31));
  }
}

}  // namespace

void transpose_floats(int64_t rows, int64_t cols, const float* src, int64_t lds, float* dst,
                      int64_t ldd) {
  int64_t rows8 = rows / 8 * 8, cols8 = cols / 8 * 8;
  for (int64_t i = 0; i < rows8; i += 8) {
    for (int64_t j = 0; j < cols8; j += 8)
      transpose8x8(src + i * lds + j, lds, dst + j * ldd + i, ldd);
  }
  // Ragged edges: the last rows % 8 rows, then the last cols % 8 columns.
  for (int64_t i = rows8; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) dst[j * ldd + i] = src[i * lds + j];
  }
  for (int64_t j = cols8; j < cols; ++j) {
    for (int64_t i = 0; i < rows8; ++i) dst[j * ldd + i] = src[i * lds + j];
  }
}

void sgemm_avx512(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                  const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
                  int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == 0.0f) return scale(m, n, beta, c, ldc);
  const auto& kernels = trans_a ? kColumnMajorKernels : kRowMajorKernels;
  // Scratch for B panels, reused across calls on this thread.
  thread_local std::vector<float> packed;
  if (trans_b) packed.resize(static_cast<size_t>(kKC * ((std::min(kNC, n) + kNR - 1) / kNR) * kNR));

  for (int64_t jc = 0; jc < n; jc += kNC) {
    int64_t nc = std::min(kNC, n - jc);
    for (int64_t pc = 0; pc < k; pc += kKC) {
      int64_t kc = std::min(kKC, k - pc);
      float beta_block = pc == 0 ? beta : 1.0f;
      const float* bp;
      int64_t bp_ld, panel_stride;
      if (trans_b) {
        pack_transposed_b(b, ldb, pc, kc, jc, nc, packed.data());
        bp = packed.data();
        bp_ld = kNR;
        panel_stride = kc * kNR;
      } else {
        bp = b + pc * ldb + jc;
        bp_ld = ldb;
        panel_stride = kNR;
      }
      for (int64_t ic = 0; ic < m; ic += kMC) {
        int64_t mc = std::min(kMC, m - ic);
        for (int64_t jr = 0; jr < nc; jr += kNR) {
          int64_t cols = std::min(kNR, nc - jr);
          __mmask16 lo = column_mask(cols), hi = column_mask(cols - 16);
          const float* panel = bp + (jr / kNR) * panel_stride;
          float* c_col = c + jc + jr;
          for (int64_t ir = ic; ir < ic + mc; ir += kMR) {
            int64_t rows = std::min(kMR, ic + mc - ir);
            const float* a_tile = trans_a ? a + pc * lda + ir : a + ir * lda + pc;
            kernels[rows - 1](kc, a_tile, lda, panel, bp_ld, lo, hi, c_col + ir * ldc, ldc, alpha,
                              beta_block);
          }
        }
      }
    }
  }
}

}  // namespace lmx::cpu
