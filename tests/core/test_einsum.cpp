// einsum against the same contraction written with matmul, sum and
// diagonal; einsum_path against NumPy's greedy order and MLX 0.32.4's
// summary; the error messages.
#include "../test_utils.h"

using namespace lmx;
using namespace lmx::test;

namespace {

array input(const Shape& shape, int seed) {
  return random::normal(shape, float32, random::key(seed));
}

}  // namespace

TEST(Einsum, MatchesTheContractionWrittenOut) {
  auto a = input({2, 3}, 1), b = input({3, 4}, 2), c = input({4, 5}, 3);
  EXPECT_TRUE(all_close(einsum("ij,jk->ik", {a, b}), matmul(a, b), 1e-5, 1e-5));
  EXPECT_TRUE(all_close(einsum("ij,jk,kl->il", {a, b, c}), matmul(matmul(a, b), c), 1e-5, 1e-5));
  // Implicit output: the letters seen once, sorted.
  EXPECT_TRUE(all_close(einsum("ba", {a}), transpose(a)));
  EXPECT_TRUE(all_close(einsum("ij,jk", {a, b}), matmul(a, b), 1e-5, 1e-5));
  EXPECT_TRUE(all_close(einsum("ij,kj", {a, transpose(b)}), matmul(a, b), 1e-5, 1e-5));
  // Sums, outer products, traces and diagonals.
  EXPECT_TRUE(all_close(einsum("ij->", {a}), sum(a), 1e-5, 1e-5));
  EXPECT_TRUE(all_close(einsum("ij->j", {a}), sum(a, 0), 1e-5, 1e-5));
  auto u = input({3}, 4), v = input({4}, 5);
  EXPECT_TRUE(all_close(einsum("i,j->ij", {u, v}), multiply(expand_dims(u, 1), v), 1e-6, 1e-6));
  EXPECT_TRUE(all_close(einsum("i,i", {u, u}), sum(square(u)), 1e-5, 1e-5));
  auto m = input({3, 3}, 6);
  EXPECT_TRUE(all_close(einsum("ii", {m}), sum(diagonal(m)), 1e-6, 1e-6));
  EXPECT_TRUE(all_close(einsum("ii->i", {m}), diagonal(m)));
  auto t = input({2, 3, 2}, 7);
  EXPECT_TRUE(all_close(einsum("iji->j", {t}), sum(diagonal(t, 0, 0, 2), -1), 1e-6, 1e-6));
  // Batched, attention-shaped, and with broadcast (ellipsis) dimensions.
  auto q = input({2, 3, 5, 4}, 8), k = input({2, 3, 6, 4}, 9);
  EXPECT_TRUE(
      all_close(einsum("bhqd,bhkd->bhqk", {q, k}), matmul(q, swapaxes(k, -1, -2)), 1e-5, 1e-5));
  auto x = input({2, 1, 2, 3}, 10), y = input({5, 3, 4}, 11);
  auto e = einsum("...ij,...jk", {x, y});
  EXPECT_EQ(e.shape(), (Shape{2, 5, 2, 4}));
  EXPECT_TRUE(all_close(e, matmul(x, y), 1e-5, 1e-5));
  EXPECT_TRUE(
      all_close(einsum("...i,i->...", {q, input({4}, 12)}), matmul(q, input({4}, 12)), 1e-5, 1e-5));
  // A size-1 dimension broadcasts against the other operand's.
  auto r = input({1, 3}, 13), w = input({2, 3}, 14);
  EXPECT_TRUE(all_close(einsum("ij,ij->ij", {r, w}), multiply(r, w), 1e-6, 1e-6));
  EXPECT_TRUE(all_close(einsum("ij,ij", {r, w}), sum(multiply(r, w)), 1e-5, 1e-5));
}

TEST(Einsum, GradientsFlowThroughTheContractions) {
  auto a = astype(input({2, 3}, 1), float64), b = astype(input({3, 3}, 2), float64);
  check_grad([](const std::vector<array>& v) { return einsum("ij,jk->ki", {v[0], v[1]}); }, {a, b});
  check_grad([](const std::vector<array>& v) { return einsum("ij,jj->i", {v[0], v[1]}); }, {a, b});
}

TEST(Einsum, PathIsNumpysGreedyOrder) {
  auto [path, text] = einsum_path("ij,jk,kl->il", {ones({2, 3}), ones({3, 4}), ones({4, 5})});
  EXPECT_EQ(path, (std::vector<std::vector<int>>{{1, 2}, {0, 1}}));
  EXPECT_EQ(text,
            "  Complete contraction:  ij,jk,kl->il\n"
            "         Naive scaling:  4\n"
            "     Optimized scaling:  3\n"
            "      Naive FLOP count:  360\n"
            "  Optimized FLOP count:  180\n");
  auto chain =
      einsum_path("ij,jk,kl,lm->im", {ones({10, 20}), ones({20, 5}), ones({5, 30}), ones({30, 2})});
  EXPECT_EQ(chain.first, (std::vector<std::vector<int>>{{0, 1}, {0, 1}, {0, 1}}));
  EXPECT_NE(chain.second.find("Naive FLOP count:  240000\n  Optimized FLOP count:  2800\n"),
            std::string::npos)
      << chain.second;
  EXPECT_EQ(einsum_path("i", {ones({3})}).first, (std::vector<std::vector<int>>{{0}}));
}

TEST(Einsum, Errors) {
  auto a = ones({2, 3});
  EXPECT_THROW_MSG(einsum("ij,jk", {a}), std::invalid_argument,
                   "[einsum] Number of operands, 1, does not match number of input subscripts, 2");
  EXPECT_THROW_MSG(einsum("ijk", {a}), std::invalid_argument,
                   "[einsum] Invalid number of subscripts 3 for input 0 with 2 dimensions.");
  EXPECT_THROW_MSG(einsum("ij,jk", {a, ones({4, 4})}), std::invalid_argument,
                   "[einsum] Cannot broadcast dimension 0 of input 1 with shape (4,4) to size 3.");
  EXPECT_THROW_MSG(einsum("ij->ii", {a}), std::invalid_argument,
                   "[einsum] Repeat indices not allowed in output.");
  EXPECT_THROW_MSG(einsum("ij->ik", {a}), std::invalid_argument,
                   "[einsum] Output subscript 'k' does not appear in any input.");
  EXPECT_THROW_MSG(einsum("i.j", {a}), std::invalid_argument,
                   "[einsum] Subscripts must be letters, but got '.'.");
  EXPECT_THROW_MSG(einsum("ij->j->i", {a}), std::invalid_argument,
                   "[einsum] Subscripts must be letters, but got '-'.");
  EXPECT_THROW_MSG(
      einsum("ii", {a}), std::invalid_argument,
      "[einsum] Dimensions of repeated subscripts do not have the same size (2 != 3).");
}
