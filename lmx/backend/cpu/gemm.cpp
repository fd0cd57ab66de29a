// Matrix products: float32 on lmx's kernel for the active instruction set
// (sgemm.h), or OpenBLAS where it has none; float64 and complex64 through
// OpenBLAS. Operands in row-major
// or transposed layout are used as they are; only other layouts are copied.
// float16/bfloat16 are widened to float32 for the product.
#include <cblas.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "lmx/backend/cpu/kernel_utils.h"
#include "lmx/backend/cpu/sgemm.h"
#include "lmx/core/primitives.h"

namespace lmx {

namespace {

// How a (rows, cols) matrix view is handed to BLAS without copying.
struct MatrixLayout {
  bool transposed;
  int64_t ld;
};

std::optional<MatrixLayout> blas_layout(int64_t row_stride, int64_t col_stride, int64_t rows,
                                        int64_t cols) {
  if (col_stride == 1 && (row_stride >= std::max<int64_t>(cols, 1) || rows == 1)) {
    return MatrixLayout{false, std::max<int64_t>(rows == 1 ? cols : row_stride, 1)};
  }
  if (row_stride == 1 && (col_stride >= std::max<int64_t>(rows, 1) || cols == 1)) {
    return MatrixLayout{true, std::max<int64_t>(cols == 1 ? rows : col_stride, 1)};
  }
  return std::nullopt;
}

template <typename T>
void gemm_serial(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const T* a,
                 int64_t lda, const T* b, int64_t ldb, float beta, T* c, int64_t ldc) {
  auto tra = ta ? CblasTrans : CblasNoTrans;
  auto trb = tb ? CblasTrans : CblasNoTrans;
  if constexpr (std::is_same_v<T, double>) {
    cblas_dgemm(CblasRowMajor, tra, trb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  } else if constexpr (std::is_same_v<T, complex64_t>) {
    const complex64_t ca(alpha), cb(beta);
    cblas_cgemm(CblasRowMajor, tra, trb, m, n, k, &ca, a, lda, b, ldb, &cb, c, ldc);
  } else {
    cpu::sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
}

// Copies B^T, B (n x k) with row stride ldb, into `rows` as a row-major k x n
// matrix and returns its row stride: n, or n + 16 where n floats are a
// multiple of 256 bytes (rows that far apart alias in L1, see sgemm.cpp).
// The scratch is the caller's, kept per thread: a fresh 100 KB malloc per
// product costs more than the transposition.
int64_t transpose_into(int64_t n, int64_t k, const float* b, int64_t ldb,
                       std::vector<float>& rows) {
  int64_t ld = n % 64 == 0 ? n + 16 : n;
  if (rows.size() < static_cast<size_t>(k * ld)) rows.resize(static_cast<size_t>(k * ld));
  cpu::transpose_floats(n, k, b, ldb, rows.data(), ld);
  return ld;
}

// Below this many multiply-adds a product stays on one thread.
constexpr int64_t kParallelGemmWork = int64_t{1} << 21;
// Below this many per product, a batch of products runs one product per
// thread.
constexpr int64_t kBatchParallelWork = int64_t{1} << 24;

// Blocks a parallel product is cut into: enough that a thread which arrives
// late (a worker busy with a background job) still finds work, but none under
// ~256K multiply-adds, and at least one per thread.
int gemm_parts(int64_t work, int threads) {
  return static_cast<int>(std::clamp<int64_t>(work >> 18, threads, int64_t{8} * threads));
}

// Splits `size` into at most `parts` blocks, each a multiple of `tile` but the
// last.
int64_t block_size(int64_t size, int parts, int64_t tile) {
  int64_t block = (size + parts - 1) / parts;
  return (block + tile - 1) / tile * tile;
}

// Above this many rows per column of B, a transposed B goes with a row split
// (see kMinTilesPerBlockBT): every column block reads all of A, which for a tall A
// (an im2col matrix of 32768 rows against 64 columns) cost three times the
// product.
constexpr int64_t kTallA = 16;

// Floats of B that stay in a core's L2 (256 KB of the 512 KB), and the fewest
// micro-kernel tiles of rows a block gets when B does not.
constexpr int64_t kBInL2 = 65536;
constexpr int64_t kMinTilesPerBlock = 8;
// The fewest tiles of rows a block gets when B is transposed: each block's
// sgemm call copies all of B^T into panels, which costs about as much as a
// product of 16 rows with it. Each block copying its own (in parallel, into
// its own thread's cache) replaced one transposition up front that the other
// threads then read from the caller's cache: x @ W.T of the MLP's first layer
// (256 x 784 by 32 x 784) on two threads, 204 -> 258 GFLOP/s (NN: 281).
constexpr int64_t kMinTilesPerBlockBT = 16;

// C (m x n) = alpha op(A) op(B) + beta C, with single-threaded calls on blocks
// of rows (or of columns) claimed by the pool's threads. Columns are split when
// there are few rows, or when lmx's kernel would copy a transposed B and A is
// not tall: then each block copies only its own columns. With a row split,
// each block copies all of a transposed B, so the blocks are large enough
// to pay for it.
template <typename T>
void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const T* a, int64_t lda,
          const T* b, int64_t ldb, float beta, T* c, int64_t ldc) {
  int threads = cpu::num_threads();
  if (threads == 1 || m * n * k < kParallelGemmWork) {
    return gemm_serial<T>(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
  int parts = gemm_parts(m * n * k, threads);
  // lmx's float32 kernels split on their tiles and copy a transposed B.
  cpu::SgemmTile tile = std::is_same_v<T, float> ? cpu::sgemm_tile() : cpu::SgemmTile{0, 0};
  bool fast = tile.rows > 0;
  bool split_columns = (m < n && m < 64) || (fast && tb && n >= 2 * tile.cols && m < kTallA * n);
  if (!split_columns) {
    // Rows of op(A): row i starts at a + i*lda, or at a + i when transposed.
    int64_t block = block_size(m, parts, fast ? tile.rows : 1);
    // Blocks of a few rows each pay for what every block reads or copies of
    // B: from L3 or memory when B does not fit in L2 (96 x 2048 @ 2048 x 384
    // in blocks of 6 rows: 77 GFLOP/s; of 48: 130, two AVX2 cores), and a
    // copy of B^T into panels when B is transposed.
    int64_t min_tiles = fast && tb ? kMinTilesPerBlockBT : k * n > kBInL2 ? kMinTilesPerBlock : 0;
    if (min_tiles > 0) {
      int64_t rows = fast ? min_tiles * tile.rows : min_tiles;
      block = std::max(block, std::min(block_size(m, threads, fast ? tile.rows : 1), rows));
    }
    cpu::parallel_tasks((m + block - 1) / block, [&](int64_t t) {
      int64_t i0 = t * block, rows = std::min(m, i0 + block) - i0;
      const T* ab = a + (ta ? i0 : i0 * lda);
      gemm_serial<T>(ta, tb, rows, n, k, alpha, ab, lda, b, ldb, beta, c + i0 * ldc, ldc);
    });
  } else {
    if constexpr (std::is_same_v<T, float>) {
      if (fast && lda % 1024 == 0) {
        // Every column block reads all of A, and sgemm copies an A whose lines
        // are 4 KB apart into panels on each call (see sgemm.cpp): copied
        // here once instead, to a row stride off the 4 KB multiple (the
        // transformer's MLP weight gradient, 96 x 2048 against 384 columns,
        // ran at half its other layouts' speed).
        int64_t rows = ta ? k : m, cols = ta ? m : k, ld = cols + 16;
        thread_local std::vector<float> a_rows;
        if (a_rows.size() < static_cast<size_t>(rows * ld)) {
          a_rows.resize(static_cast<size_t>(rows * ld));
        }
        for (int64_t r = 0; r < rows; ++r) {
          std::copy(a + r * lda, a + r * lda + cols, a_rows.data() + r * ld);
        }
        a = a_rows.data();
        lda = ld;
      }
    }
    // Columns of op(B): column j starts at b + j, or at b + j*ldb when transposed.
    int64_t block = block_size(n, parts, fast ? tile.cols : 1);
    cpu::parallel_tasks((n + block - 1) / block, [&](int64_t t) {
      int64_t j0 = t * block, cols = std::min(n, j0 + block) - j0;
      const T* bb = b + (tb ? j0 * ldb : j0);
      gemm_serial<T>(ta, tb, m, cols, k, alpha, a, lda, bb, ldb, beta, c + j0, ldc);
    });
  }
}

// out (..., M, N) = alpha * a (..., M, K) @ b (..., K, N) + beta * out, where
// out already holds c when beta != 0. a and b share out's batch shape.
template <typename T>
void batched_gemm(const array& a_in, const array& b_in, array& out, float alpha, float beta) {
  int nd = out.ndim();
  int64_t m = out.shape(-2), n = out.shape(-1), k = a_in.shape(-1);
  if (out.size() == 0) return;
  T* c = out.data<T>();
  if (k == 0) {
    for (size_t i = 0; i < out.size(); ++i) c[i] = static_cast<T>(beta * c[i]);
    return;
  }
  auto layout_of = [&](const array& x, int64_t rows, int64_t cols) {
    return blas_layout(x.strides()[nd - 2], x.strides()[nd - 1], rows, cols);
  };
  array a = a_in, b = b_in;
  auto la = layout_of(a, m, k);
  if (!la) {
    a = cpu::ensure_row_contiguous(a);
    la = layout_of(a, m, k);
  }
  auto lb = layout_of(b, k, n);
  if (!lb) {
    b = cpu::ensure_row_contiguous(b);
    lb = layout_of(b, k, n);
  }
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  Shape batch(out.shape().begin(), out.shape().end() - 2);
  int64_t batches = 1;
  for (auto d : batch) batches *= d;
  // When b is shared by every batch and a's batches stack into one matrix,
  // one large product replaces many small ones.
  bool b_shared = true;
  for (int i = 0; i < nd - 2; ++i) b_shared &= b.strides()[i] == 0 || out.shape(i) == 1;
  bool a_stacks = !la->transposed && a.flags().row_contiguous;
  if (batches > 1 && b_shared && a_stacks) {
    gemm<T>(false, lb->transposed, batches * m, n, k, alpha, pa, la->ld, pb, lb->ld, beta, c, n);
    return;
  }
  if constexpr (std::is_same_v<T, float>) {
    if (batches > 1 && b_shared && lb->transposed && cpu::use_own_sgemm()) {
      // lmx's kernel would copy the shared B^T into panels once per product
      // (a transposed A with a Linear's weight: 32 products of 64 x 96 @
      // 96 x 96 copied the same weight 32 times); transposed once here.
      thread_local std::vector<float> b_rows;
      lb = MatrixLayout{false, transpose_into(n, k, pb, lb->ld, b_rows)};
      pb = b_rows.data();
    }
  }
  std::vector<Strides> st{Strides(a.strides().begin(), a.strides().end() - 2),
                          Strides(b.strides().begin(), b.strides().end() - 2),
                          Strides(out.strides().begin(), out.strides().end() - 2)};
  batch.push_back(1);
  for (auto& s : st) s.push_back(0);
  // Many small products (attention's per-head matrices): one thread each,
  // rather than every product split over all threads with a join per product.
  if (batches >= cpu::num_threads() && m * n * k < kBatchParallelWork) {
    cpu::parallel_tasks(batches, [&](int64_t i) {
      cpu::for_each_row<3>(batch, {&st[0], &st[1], &st[2]}, i, i + 1,
                           [&](const std::array<int64_t, 3>& off, int64_t) {
                             gemm_serial<T>(la->transposed, lb->transposed, m, n, k, alpha,
                                            pa + off[0], la->ld, pb + off[1], lb->ld, beta,
                                            c + off[2], n);
                           });
    });
    return;
  }
  cpu::for_each_row<3>(batch, {&st[0], &st[1], &st[2]}, 0, batches,
                       [&](const std::array<int64_t, 3>& off, int64_t) {
                         gemm<T>(la->transposed, lb->transposed, m, n, k, alpha, pa + off[0],
                                 la->ld, pb + off[1], lb->ld, beta, c + off[2], n);
                       });
}

// Widens a 16-bit operand to a row-contiguous float32 copy.
array widen(const array& x) {
  array w(x.shape(), float32, nullptr, {});
  cpu::allocate(w);
  cpu::copy_to_contiguous(x, w);
  return w;
}

// `c` may be null (no addend), `&out` (out already holds it) or another array.
void matmul_eval(const array& a, const array& b, array& out, float alpha, float beta,
                 const array* c) {
  cpu::configure_blas_threads();
  Dtype t = out.dtype();
  if (t == float32 || t == float64 || t == complex64) {
    if (c && c != &out) cpu::copy_to_contiguous(*c, out);
    if (t == float32) {
      batched_gemm<float>(a, b, out, alpha, c ? beta : 0.0f);
    } else if (t == float64) {
      batched_gemm<double>(a, b, out, alpha, c ? beta : 0.0f);
    } else {
      batched_gemm<complex64_t>(a, b, out, alpha, c ? beta : 0.0f);
    }
    return;
  }
  // float16 / bfloat16: compute in float32 and round once at the end.
  array out32(out.shape(), float32, nullptr, {});
  cpu::allocate(out32);
  if (c) cpu::copy_to_contiguous(*c, out32);
  batched_gemm<float>(widen(a), widen(b), out32, alpha, c ? beta : 0.0f);
  cpu::copy_to_contiguous(out32, out);
}

}  // namespace

void Matmul::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate(out);
  matmul_eval(inputs[0], inputs[1], out, 1.0f, 0.0f, nullptr);
}

void AddMM::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& c = inputs[2];
  if (cpu::can_donate(c, out)) {
    cpu::donate(c, out);
    matmul_eval(inputs[0], inputs[1], out, alpha_, beta_, &out);
    return;
  }
  cpu::allocate(out);
  matmul_eval(inputs[0], inputs[1], out, alpha_, beta_, &c);
}

}  // namespace lmx
