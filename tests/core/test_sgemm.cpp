// The float32 kernels behind matmul (lmx/backend/cpu/sgemm.h), for every
// instruction set this CPU runs (AVX-512, AVX2, and baseline's OpenBLAS),
// against a double-precision loop: every transpose combination, edge tiles in
// rows and columns, k crossing the kernel's blocks, leading dimensions larger
// than the matrix, alpha and beta (beta == 0 must not read C), and the
// threaded split through matmul.
#include <cmath>
#include <limits>
#include <random>

#include "../test_utils.h"
#include "lmx/backend/cpu/isa.h"
#include "lmx/backend/cpu/sgemm.h"

namespace lmx::test {
namespace {

// Runs `body` once per instruction set the CPU supports, with it active.
template <typename F>
void for_each_isa(F body) {
  cpu::Isa before = cpu::active_isa();
  for (cpu::Isa isa : cpu::supported_isas()) {
    SCOPED_TRACE(cpu::isa_name(isa));
    cpu::set_active_isa(isa);
    body(isa);
  }
  cpu::set_active_isa(before);
}

struct Case {
  bool ta, tb;
  int64_t m, n, k;
  float alpha, beta;
  int64_t pad;  // extra elements per row of A, B and C
};

std::vector<float> random_floats(size_t n, std::mt19937& gen) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(gen);
  return v;
}

void check_case(const Case& t, std::mt19937& gen) {
  int64_t a_rows = t.ta ? t.k : t.m, a_cols = t.ta ? t.m : t.k;
  int64_t b_rows = t.tb ? t.n : t.k, b_cols = t.tb ? t.k : t.n;
  int64_t lda = a_cols + t.pad, ldb = b_cols + t.pad, ldc = t.n + t.pad;
  auto a = random_floats(a_rows * lda, gen);
  auto b = random_floats(b_rows * ldb, gen);
  auto c = random_floats(t.m * ldc, gen);
  if (t.beta == 0.0f) std::fill(c.begin(), c.end(), std::numeric_limits<float>::quiet_NaN());
  auto c0 = c;
  cpu::sgemm(t.ta, t.tb, t.m, t.n, t.k, t.alpha, a.data(), lda, b.data(), ldb, t.beta, c.data(),
             ldc);
  for (int64_t i = 0; i < t.m; ++i) {
    for (int64_t j = 0; j < ldc; ++j) {
      float got = c[i * ldc + j];
      if (j >= t.n) {  // padding beyond the matrix is untouched
        ASSERT_TRUE(std::isnan(c0[i * ldc + j]) ? std::isnan(got) : got == c0[i * ldc + j]);
        continue;
      }
      double want = 0.0;
      for (int64_t p = 0; p < t.k; ++p) {
        double x = t.ta ? a[p * lda + i] : a[i * lda + p];
        double y = t.tb ? b[j * ldb + p] : b[p * ldb + j];
        want += x * y;
      }
      want *= t.alpha;
      if (t.beta != 0.0f) want += double(t.beta) * c0[i * ldc + j];
      ASSERT_NEAR(got, want, 1e-5 * (std::sqrt(double(t.k)) + 1.0) + 1e-5 * std::abs(want))
          << "ta=" << t.ta << " tb=" << t.tb << " m=" << t.m << " n=" << t.n << " k=" << t.k
          << " at (" << i << ", " << j << ")";
    }
  }
}

TEST(Sgemm, MatchesReferenceOverShapesTransposesAlphaBeta) {
  for_each_isa([](cpu::Isa) {
    std::mt19937 gen(7);
    // The last six are one vector wide or narrower (16 columns under
    // AVX-512, 8 under AVX2): tiles up to twice as tall.
    std::vector<std::array<int64_t, 3>> shapes{
        {1, 1, 1},    {14, 32, 8},   {15, 33, 17},   {13, 31, 300},  {28, 64, 256}, {29, 65, 257},
        {3, 100, 5},  {100, 3, 600}, {256, 32, 784}, {32, 784, 256}, {450, 40, 20}, {5, 1100, 9},
        {60, 16, 40}, {57, 9, 300},  {57, 8, 33},    {28, 1, 5},     {12, 3, 2},    {470, 16, 260}};
    for (auto [m, n, k] : shapes) {
      for (bool ta : {false, true}) {
        for (bool tb : {false, true}) {
          check_case({ta, tb, m, n, k, 1.0f, 0.0f, 0}, gen);
          check_case({ta, tb, m, n, k, -0.5f, 2.0f, 3}, gen);
        }
      }
    }
  });
}

// A copied into panels first (sgemm.cpp): row-major A whose rows are a
// multiple of 4 KB apart, column-major A whose columns are, or with B wide
// enough: ragged row panels, several row and depth blocks, and a row stride
// made of padding as well as one made of k alone.
TEST(Sgemm, ACopiedIntoPanels) {
  for_each_isa([](cpu::Isa) {
    std::mt19937 gen(9);
    for (bool tb : {false, true}) {
      check_case({false, tb, 470, 40, 2048, 1.0f, 0.0f, 0}, gen);
      check_case({false, tb, 29, 33, 1000, -0.5f, 2.0f, 24}, gen);
      check_case({true, tb, 29, 33, 1000, 1.0f, 0.0f, 24}, gen);
      // A depth that is not a multiple of 8 (the row-major copy's scalar tail).
      check_case({false, tb, 31, 20, 1001, 1.0f, 0.0f, 23}, gen);
      // Column-major A with columns 4 KB apart (several row blocks, a ragged
      // last one, B one vector wide or less), copied to another row stride
      // however narrow B is.
      check_case({true, tb, 1000, 70, 300, 1.0f, 0.0f, 24}, gen);
      check_case({true, tb, 2048, 64, 40, 0.5f, 1.0f, 0}, gen);
      check_case({true, tb, 1000, 32, 300, 1.0f, 0.0f, 24}, gen);
      check_case({true, tb, 197, 5, 70, -1.0f, 0.5f, 827}, gen);
      // Column-major A without aliasing and B wide enough to reuse a copy.
      check_case({true, tb, 203, 70, 261, 1.0f, 0.0f, 3}, gen);
      check_case({true, tb, 7, 129, 9, 2.0f, 1.0f, 1}, gen);
    }
  });
}

// Row-major B whose rows are a multiple of 256 bytes apart is copied into
// panels when A has a row block or more (kMC: 192 rows under AVX2, 448 under
// AVX-512): ragged last panel, several depth blocks, either layout of A.
TEST(Sgemm, BCopiedIntoPanels) {
  for_each_isa([](cpu::Isa) {
    std::mt19937 gen(11);
    for (bool ta : {false, true}) {
      check_case({ta, false, 450, 40, 300, 1.0f, 0.0f, 24}, gen);  // ldb 64, 40 columns
      check_case({ta, false, 460, 128, 257, -0.5f, 2.0f, 0}, gen);
      check_case({ta, false, 500, 64, 70, 1.0f, 0.0f, 0}, gen);
    }
  });
}

TEST(Sgemm, TilesOfEachInstructionSet) {
  for_each_isa([](cpu::Isa isa) {
    cpu::SgemmTile tile = cpu::sgemm_tile();
    int64_t rows = isa == cpu::Isa::avx512 ? 14 : isa == cpu::Isa::avx2 ? 6 : 0;
    int64_t cols = isa == cpu::Isa::avx512 ? 32 : isa == cpu::Isa::avx2 ? 16 : 0;
    EXPECT_EQ(tile.rows, rows);  // baseline: none, its products go to OpenBLAS
    EXPECT_EQ(tile.cols, cols);
    EXPECT_EQ(cpu::use_own_sgemm(), isa != cpu::Isa::baseline);
  });
}

TEST(Sgemm, EmptyKAndZeroAlphaOnlyScaleC) {
  for_each_isa([](cpu::Isa) {
    std::vector<float> c{1.0f, 2.0f, 3.0f, 4.0f};
    float nan = std::numeric_limits<float>::quiet_NaN();
    std::vector<float> a{nan, nan}, b{nan, nan};
    cpu::sgemm(false, false, 2, 2, 0, 1.0f, a.data(), 1, b.data(), 2, 0.5f, c.data(), 2);
    EXPECT_EQ(c, (std::vector<float>{0.5f, 1.0f, 1.5f, 2.0f}));
    cpu::sgemm(false, false, 2, 2, 1, 0.0f, a.data(), 1, b.data(), 2, 2.0f, c.data(), 2);
    EXPECT_EQ(c, (std::vector<float>{1.0f, 2.0f, 3.0f, 4.0f}));
    cpu::sgemm(false, false, 2, 2, 1, 0.0f, a.data(), 1, b.data(), 2, 0.0f, c.data(), 2);
    EXPECT_EQ(c, (std::vector<float>{0.0f, 0.0f, 0.0f, 0.0f}));
  });
}

// matmul's threaded split (rows or columns, on tile boundaries) against the
// same product in float64 through OpenBLAS.
TEST(Sgemm, ThreadedMatmulMatchesFloat64) {
  for_each_isa([](cpu::Isa) {
    std::vector<std::array<int, 3>> shapes{
        {256, 32, 784},   {32, 784, 256}, {256, 256, 784}, {300, 200, 100},
        {20, 1000, 300},  {300, 45, 301},  // narrow B^T: rows split, B^T copied by each block
        {96, 384, 2048},   // columns split, A's rows 4 KB apart: copied once to another stride
        {1024, 40, 1024},  // tall A: five row blocks, each copies B^T
        {1024, 64, 300}};  // transposed A's columns 4 KB apart
    for (auto [m, n, k] : shapes) {
      auto a = random::normal({m, k}, random::key(m));
      auto b = random::normal({n, k}, random::key(n));
      auto want = matmul(astype(a, float64), transpose(astype(b, float64)));
      EXPECT_TRUE(all_close(matmul(a, transpose(b)), astype(want, float32), 1e-4, 1e-4));
      // The same values stored transposed (an add materialises the view), so
      // every layout pair reaches the kernel: NT, NN and TN.
      auto bt = add(transpose(b), array(0.0f));
      auto at = add(transpose(a), array(0.0f));
      eval(bt, at);
      ASSERT_TRUE(bt.flags().row_contiguous && at.flags().row_contiguous);
      EXPECT_TRUE(all_close(matmul(a, bt), astype(want, float32), 1e-4, 1e-4));
      EXPECT_TRUE(all_close(matmul(transpose(at), bt), astype(want, float32), 1e-4, 1e-4));
    }
  });
}

// A batch of products against one shared B in every layout: a stacked A is
// one product, a transposed one a product per batch, with a shared B^T
// transposed once up front (gemm.cpp); a batch dimension of size 1 in B
// broadcasts as well as a missing one.
TEST(Sgemm, BatchedProductsWithSharedB) {
  for_each_isa([](cpu::Isa) {
    auto a = random::normal({5, 3, 33, 40}, random::key(1));
    auto b = random::normal({40, 70}, random::key(2));
    auto want = matmul(astype(a, float64), astype(b, float64));
    auto at = add(swapaxes(a, -1, -2), array(0.0f));
    auto bt = add(transpose(b), array(0.0f));
    eval(at, bt);
    auto a_t = swapaxes(at, -1, -2);
    auto b_t = transpose(bt);
    for (const auto& x : {a, a_t}) {
      for (const auto& y : {b, b_t, reshape(b_t, {1, 1, 40, 70})}) {
        EXPECT_TRUE(all_close(matmul(x, y), astype(want, float32), 1e-4, 1e-4));
      }
    }
  });
}

// 16 x 16 blocks under AVX-512, 8 x 8 blocks in the strips beside and below
// them (and everywhere under AVX2), then the ragged rows and columns.
TEST(Sgemm, TransposeFloatsCoversRaggedEdges) {
  for_each_isa([](cpu::Isa) {
    std::mt19937 gen(5);
    std::vector<std::pair<int64_t, int64_t>> shapes{{1, 1},    {8, 8},   {7, 9},   {16, 3},
                                                    {3, 16},   {16, 16}, {24, 40}, {17, 33},
                                                    {32, 784}, {45, 301}};
    for (auto [rows, cols] : shapes) {
      int64_t lds = cols + 3, ldd = rows + 5;
      auto src = random_floats(static_cast<size_t>(rows * lds), gen);
      std::vector<float> dst(static_cast<size_t>(cols * ldd), -7.0f);
      cpu::transpose_floats(rows, cols, src.data(), lds, dst.data(), ldd);
      for (int64_t j = 0; j < cols; ++j) {
        for (int64_t i = 0; i < ldd; ++i) {
          float want = i < rows ? src[i * lds + j] : -7.0f;  // padding untouched
          ASSERT_EQ(dst[j * ldd + i], want) << rows << "x" << cols << " at " << j << "," << i;
        }
      }
    }
  });
}

}  // namespace
}  // namespace lmx::test
