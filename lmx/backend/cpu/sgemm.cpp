// lmx's float32 matrix product (see sgemm.h), compiled once per instruction
// set (isa_region.h).
//
// Structure: an MR x NR micro-kernel (NR two vector registers wide) keeps its
// output tile in 2 * MR registers and, for each k, loads one NR-wide row of B
// and broadcasts MR scalars of A: 14 x 32 in AVX-512's 32 registers, 6 x 16 in
// AVX2's 16; a B one vector wide gets a tile twice as tall and one vector
// wide. A is read in place in either layout (row- or column-major), since a
// broadcast costs the same from any address; B is read in place when its rows
// are contiguous and otherwise (B transposed) copied into NR-column panels
// first. Either is copied where its lines would alias in L1 (see sgemm()).
// Blocking over k (kKC) keeps the B panel in L1 and over rows (kMC) keeps the
// A block in L2. The baseline set hands products to OpenBLAS.
#include "lmx/backend/cpu/sgemm.h"

#include <cblas.h>
#if defined(__x86_64__)
#include <immintrin.h>  // the AVX2 and AVX-512 copies only
#endif

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

// Last: the kernels below are compiled once per instruction set.
#include "lmx/backend/cpu/isa_region.h"

LMX_ISA_BEGIN

#if LMX_ISA_ID == 0

void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
           int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  // BLAS says A and B are not read when alpha is 0 or k is 0, but some
  // OpenBLAS builds still multiply them (NaN * 0 poisons C); C = beta C here.
  if (k == 0 || alpha == 0.0f) {
    for (int64_t i = 0; i < m; ++i) {
      float* row = c + i * ldc;
      for (int64_t j = 0; j < n; ++j) row[j] = beta == 0.0f ? 0.0f : beta * row[j];
    }
    return;
  }
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void transpose_floats(int64_t rows, int64_t cols, const float* src, int64_t lds, float* dst,
                      int64_t ldd) {
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) dst[j * ldd + i] = src[i * lds + j];
  }
}

SgemmTile sgemm_tile() {
  return {0, 0};
}

#else  // AVX2 or AVX-512

namespace {

#if LMX_ISA_ID == 2
// 16 lanes; masks are bit masks.
struct Vec {
  using reg = __m512;
  using mask = __mmask16;
  static constexpr int64_t kWidth = 16;
  static reg zero() { return _mm512_setzero_ps(); }
  static reg set1(float x) { return _mm512_set1_ps(x); }
  static reg load(const float* p) { return _mm512_loadu_ps(p); }
  static reg load(mask m, const float* p) { return _mm512_maskz_loadu_ps(m, p); }
  static void store(float* p, reg v) { _mm512_storeu_ps(p, v); }
  static void store(mask m, float* p, reg v) { _mm512_mask_storeu_ps(p, m, v); }
  static reg fma(reg a, reg b, reg c) { return _mm512_fmadd_ps(a, b, c); }
  static reg mul(reg a, reg b) { return _mm512_mul_ps(a, b); }
  // The first `cols` lanes (none when cols <= 0, all when cols >= 16).
  static mask first(int64_t cols) {
    if (cols <= 0) return 0;
    if (cols >= kWidth) return 0xFFFF;
    return static_cast<mask>((1u << cols) - 1);
  }
};
constexpr int64_t kMR = 14;
#else
// 8 lanes; masks are lanes with the sign bit set (vmaskmov).
struct Vec {
  using reg = __m256;
  using mask = __m256i;
  static constexpr int64_t kWidth = 8;
  static reg zero() { return _mm256_setzero_ps(); }
  static reg set1(float x) { return _mm256_set1_ps(x); }
  static reg load(const float* p) { return _mm256_loadu_ps(p); }
  static reg load(mask m, const float* p) { return _mm256_maskload_ps(p, m); }
  static void store(float* p, reg v) { _mm256_storeu_ps(p, v); }
  static void store(mask m, float* p, reg v) { _mm256_maskstore_ps(p, m, v); }
  static reg fma(reg a, reg b, reg c) { return _mm256_fmadd_ps(a, b, c); }
  static reg mul(reg a, reg b) { return _mm256_mul_ps(a, b); }
  static mask first(int64_t cols) {
    int n = static_cast<int>(std::clamp<int64_t>(cols, 0, kWidth));
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
};
constexpr int64_t kMR = 6;
#endif

constexpr int64_t kNR = 2 * Vec::kWidth;
constexpr int64_t kKC = 256;
constexpr int64_t kMC = 32 * kMR;
constexpr int64_t kNC = 1024;

// One MR x (NV vectors) tile: C = alpha * A(MR x kc) B(kc x NV * width) +
// beta * C. NV is 2 (NR columns), or 1 for the narrow tile below. kFull: all
// columns are inside the matrix; otherwise only the first `cols` are read and
// written. A element (r, p) is a[r * lda + p] when row-major, a[p * lda + r]
// when column-major; B row p starts at b + p * ldb.
template <int MR, int NV, bool kColumnMajorA, bool kFull>
__attribute__((noinline)) void micro_kernel(int64_t kc, const float* a, int64_t lda, const float* b,
                                            int64_t ldb, int64_t cols, float* c, int64_t ldc,
                                            float alpha, float beta) {
  static_assert(NV == 1 || NV == 2);
  const auto lo_mask = Vec::first(cols), hi_mask = Vec::first(cols - Vec::kWidth);
  typename Vec::reg lo[MR], hi[MR];
#pragma GCC unroll 32
  for (int r = 0; r < MR; ++r) {
    lo[r] = Vec::zero();
    if constexpr (NV == 2) hi[r] = Vec::zero();
  }
  // Unrolled four times: fewer loop µops between the FMAs (in-cache 6 x 16
  // tiles, best of five runs alternated with the rolled loop: +3-10%, to
  // 70-84 GFLOP/s of the 90 one AVX2 core of the build machines reaches).
#pragma GCC unroll 4
  for (int64_t p = 0; p < kc; ++p) {
    const float* bp = b + p * ldb;
    auto b_lo = kFull ? Vec::load(bp) : Vec::load(lo_mask, bp);
    typename Vec::reg b_hi;
    if constexpr (NV == 2) {
      b_hi = kFull ? Vec::load(bp + Vec::kWidth) : Vec::load(hi_mask, bp + Vec::kWidth);
    }
#pragma GCC unroll 32
    for (int r = 0; r < MR; ++r) {
      auto av = Vec::set1(kColumnMajorA ? a[p * lda + r] : a[r * lda + p]);
      lo[r] = Vec::fma(av, b_lo, lo[r]);
      if constexpr (NV == 2) hi[r] = Vec::fma(av, b_hi, hi[r]);
    }
  }
  auto va = Vec::set1(alpha), vb = Vec::set1(beta);
#pragma GCC unroll 32
  for (int r = 0; r < MR; ++r) {
    float* cr = c + r * ldc;
    auto out_lo = Vec::mul(va, lo[r]);
    if (beta != 0.0f) out_lo = Vec::fma(vb, kFull ? Vec::load(cr) : Vec::load(lo_mask, cr), out_lo);
    if (kFull) {
      Vec::store(cr, out_lo);
    } else {
      Vec::store(lo_mask, cr, out_lo);
    }
    if constexpr (NV == 2) {
      auto out_hi = Vec::mul(va, hi[r]);
      if (beta != 0.0f) {
        out_hi = Vec::fma(
            vb, kFull ? Vec::load(cr + Vec::kWidth) : Vec::load(hi_mask, cr + Vec::kWidth), out_hi);
      }
      if (kFull) {
        Vec::store(cr + Vec::kWidth, out_hi);
      } else {
        Vec::store(hi_mask, cr + Vec::kWidth, out_hi);
      }
    }
  }
}

using MicroKernel = void (*)(int64_t, const float*, int64_t, const float*, int64_t, int64_t, float*,
                             int64_t, float, float);

// kernels[rows - 1] computes a tile of `rows` rows, NV vectors wide.
template <int NV, bool kColumnMajorA, bool kFull, int... R>
constexpr auto make_kernels(std::integer_sequence<int, R...>) {
  return std::array<MicroKernel, sizeof...(R)>{&micro_kernel<R + 1, NV, kColumnMajorA, kFull>...};
}
template <bool kColumnMajorA, bool kFull>
constexpr auto kKernels =
    make_kernels<2, kColumnMajorA, kFull>(std::make_integer_sequence<int, kMR>{});

// The narrow tiles: when B has one vector's width of columns or fewer (a
// convolution's 16 output channels under AVX-512), an MR x NR tile leaves
// half of its FMAs masked off. Tiles up to twice as tall and one vector wide
// keep them all busy in the same registers (up to 2 * MR accumulators).
constexpr int64_t kNarrowMR = 2 * kMR;
template <bool kColumnMajorA, bool kFull>
constexpr auto kNarrowKernels =
    make_kernels<1, kColumnMajorA, kFull>(std::make_integer_sequence<int, kNarrowMR>{});

// dst rows 0..7 = the 8 x 8 block whose rows start at rows[0..7], transposed
// (unpack, shuffle, and swap 128-bit halves).
inline void transpose8x8(const float* const rows[8], float* dst, int64_t ldd) {
  __m256 r[8], t[8];
  for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(rows[i]);
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

// The same for a block of src (rows lds floats apart).
inline void transpose8x8(const float* src, int64_t lds, float* dst, int64_t ldd) {
  const float* rows[8];
  for (int i = 0; i < 8; ++i) rows[i] = src + i * lds;
  transpose8x8(rows, dst, ldd);
}

#if LMX_ISA_ID == 2
// The same for a 16 x 16 block in AVX-512 registers: 64 shuffles for 256
// floats where 8 x 8 blocks take 96, and half the loads and stores. After
// the unpacks and shuffles within 128-bit lanes, register 4q + e holds, in
// lane l, column 4l + e of rows 4q..4q+3; the lane shuffles then gather
// each column's four lanes.
inline void transpose16x16(const float* src, int64_t lds, float* dst, int64_t ldd) {
  // The mask-all forms: GCC 12's unmasked ones pass _mm512_undefined_ps(),
  // which its -Wuninitialized reports.
  constexpr __mmask16 kAll = 0xFFFF;
  __m512 r[16], t[16];
  for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_ps(src + i * lds);
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_maskz_unpacklo_ps(kAll, r[i], r[i + 1]);
    t[i + 1] = _mm512_maskz_unpackhi_ps(kAll, r[i], r[i + 1]);
  }
  for (int q = 0; q < 16; q += 4) {
    r[q] = _mm512_maskz_shuffle_ps(kAll, t[q], t[q + 2], 0x44);
    r[q + 1] = _mm512_maskz_shuffle_ps(kAll, t[q], t[q + 2], 0xEE);
    r[q + 2] = _mm512_maskz_shuffle_ps(kAll, t[q + 1], t[q + 3], 0x44);
    r[q + 3] = _mm512_maskz_shuffle_ps(kAll, t[q + 1], t[q + 3], 0xEE);
  }
  for (int e = 0; e < 4; ++e) {
    __m512 u0 = _mm512_maskz_shuffle_f32x4(kAll, r[e], r[4 + e], 0x44);
    __m512 u1 = _mm512_maskz_shuffle_f32x4(kAll, r[e], r[4 + e], 0xEE);
    __m512 u2 = _mm512_maskz_shuffle_f32x4(kAll, r[8 + e], r[12 + e], 0x44);
    __m512 u3 = _mm512_maskz_shuffle_f32x4(kAll, r[8 + e], r[12 + e], 0xEE);
    _mm512_storeu_ps(dst + e * ldd, _mm512_maskz_shuffle_f32x4(kAll, u0, u2, 0x88));
    _mm512_storeu_ps(dst + (4 + e) * ldd, _mm512_maskz_shuffle_f32x4(kAll, u0, u2, 0xDD));
    _mm512_storeu_ps(dst + (8 + e) * ldd, _mm512_maskz_shuffle_f32x4(kAll, u1, u3, 0x88));
    _mm512_storeu_ps(dst + (12 + e) * ldd, _mm512_maskz_shuffle_f32x4(kAll, u1, u3, 0xDD));
  }
}
#endif

// Transposes the 8 x 8 blocks of rows [i0, i1) and columns [j0, j1) (both
// multiples of 8 long).
inline void transpose_blocks8(int64_t i0, int64_t i1, int64_t j0, int64_t j1, const float* src,
                              int64_t lds, float* dst, int64_t ldd) {
  for (int64_t i = i0; i < i1; i += 8) {
    for (int64_t j = j0; j < j1; j += 8)
      transpose8x8(src + i * lds + j, lds, dst + j * ldd + i, ldd);
  }
}

}  // namespace

void transpose_floats(int64_t rows, int64_t cols, const float* src, int64_t lds, float* dst,
                      int64_t ldd) {
  int64_t rows8 = rows / 8 * 8, cols8 = cols / 8 * 8;
#if LMX_ISA_ID == 2
  // 16 x 16 blocks, then the 8 x 8 blocks of the strips beside and below.
  int64_t rows16 = rows / 16 * 16, cols16 = cols / 16 * 16;
  for (int64_t i = 0; i < rows16; i += 16) {
    for (int64_t j = 0; j < cols16; j += 16)
      transpose16x16(src + i * lds + j, lds, dst + j * ldd + i, ldd);
  }
  transpose_blocks8(0, rows16, cols16, cols8, src, lds, dst, ldd);
  transpose_blocks8(rows16, rows8, 0, cols8, src, lds, dst, ldd);
#else
  transpose_blocks8(0, rows8, 0, cols8, src, lds, dst, ldd);
#endif
  // Ragged edges: the last rows % 8 rows, then the last cols % 8 columns.
  for (int64_t i = rows8; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) dst[j * ldd + i] = src[i * lds + j];
  }
  for (int64_t j = cols8; j < cols; ++j) {
    for (int64_t i = 0; i < rows8; ++i) dst[j * ldd + i] = src[i * lds + j];
  }
}

namespace {

// Copies op(B) = B^T rows [p0, p0 + kc) and columns [j0, j0 + nc) (B is
// n x k row-major) into NR-column panels: panel q holds kc rows of NR floats,
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

// Copies B rows [p0, p0 + kc) and columns [j0, j0 + nc) (B is k x n
// row-major) into NR-column panels laid out as pack_transposed_b's.
void pack_rows_b(const float* b, int64_t ldb, int64_t p0, int64_t kc, int64_t j0, int64_t nc,
                 float* out) {
  for (int64_t p = 0; p < kc; ++p) {
    const float* src = b + (p0 + p) * ldb + j0;
    for (int64_t q = 0; q < nc; q += kNR) {
      float* dst = out + (q / kNR) * kc * kNR + p * kNR;
      int64_t cols = nc - q;
      if (cols >= kNR) {
        Vec::store(dst, Vec::load(src + q));
        Vec::store(dst + Vec::kWidth, Vec::load(src + q + Vec::kWidth));
      } else {
        Vec::store(dst, Vec::load(Vec::first(cols), src + q));
        Vec::store(dst + Vec::kWidth,
                   Vec::load(Vec::first(cols - Vec::kWidth), src + q + Vec::kWidth));
      }
    }
  }
}

// Rows of a column-major A the copy below asks the cache for ahead of the row
// it copies. Without it the copy waits on each row (each a separate 4 KB
// multiple apart, which the hardware prefetchers do not follow), and the
// copy of 400 x 8192 took a third of the product's time.
constexpr int64_t kPackAhead = 4;
constexpr int64_t kFloatsPerLine = 16;
// Row stride of the copy of a column-major A block: a row block and a line
// more, off every 4 KB multiple.
constexpr int64_t kCopiedLd = kMC + kFloatsPerLine;

// Copies the stored rows [p0, p0 + kc), columns [i0, i0 + mc) of a
// column-major op(A) (A^T stored k x m, row stride lda) to `out` with row
// stride kCopiedLd, from which the column-major kernels read in place. A plain
// copy of rows: dealing each row out to MR-row panels stored one vector per
// panel per row, 32 write streams that missed L1 on almost every store, took
// as long as the product itself with B 32 columns wide.
void copy_rows_a(const float* a, int64_t lda, int64_t i0, int64_t mc, int64_t p0, int64_t kc,
                 float* out) {
  for (int64_t p = 0; p < kc; ++p) {
    const float* src = a + (p0 + p) * lda + i0;
    if (p + kPackAhead < kc) {
      for (int64_t i = 0; i < mc; i += kFloatsPerLine) {
        _mm_prefetch(reinterpret_cast<const char*>(src + kPackAhead * lda + i), _MM_HINT_T0);
      }
    }
    std::memcpy(out + p * kCopiedLd, src, sizeof(float) * mc);
  }
}

// Copies rows [i0, i0 + mc) and columns [p0, p0 + kc) of a row-major A into
// MR-row panels, each column-major (panel[p * kMR + r]) and panel_stride_a(kc)
// floats apart, which the column-major kernels then read as one forward
// stream.
int64_t panel_stride_a(int64_t kc) {
  return kc * kMR;
}

void pack_a(const float* a, int64_t lda, int64_t i0, int64_t mc, int64_t p0, int64_t kc,
            float* out) {
  int64_t stride = panel_stride_a(kc);
  // Row-major: 8 columns of a panel at a time, its rows transposed 8 by 8
  // through a scratch block (rows past the panel's end read zeros), since kMR
  // is not a multiple of 8.
  static const float zeros[8] = {};
  for (int64_t ir = 0; ir < mc; ir += kMR) {
    int64_t rows = std::min(kMR, mc - ir);
    const float* src = a + (i0 + ir) * lda + p0;
    float* panel = out + (ir / kMR) * stride;
    int64_t p = 0;
    for (; p + 8 <= kc; p += 8) {
      for (int64_t r0 = 0; r0 < kMR; r0 += 8) {
        const float* row_ptrs[8];
        for (int64_t r = 0; r < 8; ++r) {
          row_ptrs[r] = r0 + r < rows ? src + (r0 + r) * lda + p : zeros;
        }
        alignas(32) float block[8][8];
        transpose8x8(row_ptrs, &block[0][0], 8);
        int64_t width = std::min<int64_t>(8, kMR - r0);
        for (int64_t j = 0; j < 8; ++j) {
          std::memcpy(panel + (p + j) * kMR + r0, block[j], sizeof(float) * width);
        }
      }
    }
    for (; p < kc; ++p) {
      for (int64_t r = 0; r < rows; ++r) panel[p * kMR + r] = src[r * lda + p];
    }
  }
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

SgemmTile sgemm_tile() {
  return {kMR, kNR};
}

void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
           int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == 0.0f) return scale(m, n, beta, c, ldc);
  // A is read in place unless its rows (or, transposed, its columns) are a
  // multiple of 4 KB apart: then the lines a kernel reads from fall in one L1
  // set, more than the set has ways, and loads miss (a row-major 96 x 2048 A
  // ran at 60% of its transposed layout's speed, a column-major 576 x 32768
  // at a third of its row-major one). Such blocks are copied first, however
  // few columns B has: a column-major A row by row to a stride off the 4 KB
  // multiple (copy_rows_a), a row-major A into MR-row panels (pack_a).
  // Without aliasing A is read in place: copying it cost more than it saved,
  // even for B 256 columns wide (256 x 256 x 64 column-major, one thread:
  // 71 -> 61).
  bool pack = lda % 1024 == 0 && !trans_a, copy_rows = lda % 1024 == 0 && trans_a;
  bool column_major = trans_a || pack;
  const auto& full = column_major ? kKernels<true, true> : kKernels<false, true>;
  const auto& edge = column_major ? kKernels<true, false> : kKernels<false, false>;
  // The narrow tiles read A in place or from its row copy; a row-major A
  // copied into kMR-row panels keeps the MR x NR tiles.
  bool narrow = n <= Vec::kWidth && !pack;
  const auto& narrow_kernels =
      column_major
          ? (n == Vec::kWidth ? kNarrowKernels<true, true> : kNarrowKernels<true, false>)
          : (n == Vec::kWidth ? kNarrowKernels<false, true> : kNarrowKernels<false, false>);
  // Scratch for B and A panels, reused across calls on this thread.
  thread_local std::vector<float> packed, packed_a;
  // B is read in place unless it is transposed or its rows are a multiple of
  // 256 bytes apart: then a kc x NR panel falls in a quarter of L1's sets or
  // fewer and does not stay in L1 from one row tile to the next. Copied into
  // panels when enough row tiles reuse the copy (one thread, 256 x 256 x 256:
  // 61 -> 73 GFLOP/s; 128 rows or fewer lost 5-20%).
  bool pack_b = !trans_b && ldb % 64 == 0 && m >= kMC;
  if (trans_b || pack_b)
    packed.resize(static_cast<size_t>(kKC * ((std::min(kNC, n) + kNR - 1) / kNR) * kNR));
  if (pack) packed_a.resize(static_cast<size_t>(panel_stride_a(kKC) * (kMC / kMR)));
  if (copy_rows) packed_a.resize(static_cast<size_t>(kKC * kCopiedLd));

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
      } else if (pack_b) {
        pack_rows_b(b, ldb, pc, kc, jc, nc, packed.data());
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
        if (pack) pack_a(a, lda, ic, mc, pc, kc, packed_a.data());
        if (copy_rows) copy_rows_a(a, lda, ic, mc, pc, kc, packed_a.data());
        for (int64_t jr = 0; jr < nc; jr += kNR) {
          int64_t cols = std::min(kNR, nc - jr);
          const auto& kernels = cols == kNR ? full : edge;
          const float* panel = bp + (jr / kNR) * panel_stride;
          float* c_col = c + jc + jr;
          for (int64_t ir = ic; ir < ic + mc;) {
            int64_t left = ic + mc - ir;
            int64_t rows = std::min(narrow ? kNarrowMR : kMR, left);
            const float* a_tile = pack ? packed_a.data() + (ir - ic) / kMR * panel_stride_a(kc)
                                  : copy_rows ? packed_a.data() + (ir - ic)
                                  : trans_a   ? a + pc * lda + ir
                                              : a + ir * lda + pc;
            int64_t a_ld = pack ? kMR : copy_rows ? kCopiedLd : lda;
            MicroKernel kernel = narrow ? narrow_kernels[rows - 1] : kernels[rows - 1];
            kernel(kc, a_tile, a_ld, panel, bp_ld, cols, c_col + ir * ldc, ldc, alpha, beta_block);
            ir += rows;
          }
        }
      }
    }
  }
}

#endif  // LMX_ISA_ID

LMX_ISA_END

#if LMX_ISA_ID == 0
namespace lmx::cpu {

bool use_own_sgemm() {
  static const bool blas = [] {
    const char* env = std::getenv("LMX_SGEMM");
    return env && std::strcmp(env, "blas") == 0;
  }();
  return !blas && active_isa() != Isa::baseline;
}

void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
           int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (!use_own_sgemm()) {
    return baseline::sgemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
  return LMX_ISA_CALL(sgemm, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void transpose_floats(int64_t rows, int64_t cols, const float* src, int64_t lds, float* dst,
                      int64_t ldd) {
  return LMX_ISA_CALL(transpose_floats, rows, cols, src, lds, dst, ldd);
}

SgemmTile sgemm_tile() {
  if (!use_own_sgemm()) return {0, 0};
  return LMX_ISA_CALL(sgemm_tile);
}

}  // namespace lmx::cpu
#endif  // LMX_ISA_ID == 0
