#include <cmath>

#include "../test_utils.h"

using namespace lmx;
using namespace lmx::test;
namespace init = lmx::nn::init;

TEST(Init, ConstantNormalUniformIdentity) {
  random::seed(5);
  auto like = zeros({200, 100});
  EXPECT_TRUE(array_equal(init::constant(0.5f)(like), full({200, 100}, 0.5f)).item<bool>());
  auto n = init::normal(1.0f, 2.0f)(like);
  EXPECT_NEAR(mean(n).item<float>(), 1.0f, 0.05f);
  EXPECT_NEAR(lmx::std(n).item<float>(), 2.0f, 0.05f);
  auto u = init::uniform(-3.0f, -1.0f)(like);
  EXPECT_GE(min(u).item<float>(), -3.0f);
  EXPECT_LT(max(u).item<float>(), -1.0f);
  EXPECT_TRUE(array_equal(init::identity()(zeros({3, 3})), eye(3)).item<bool>());
  EXPECT_EQ(init::normal(0.0f, 1.0f, float16)(like).dtype(), float16);
  EXPECT_THROW_MSG(init::identity()(zeros({2, 3})), std::invalid_argument,
                   "[identity] The input array must be a square 2-D array");
}

TEST(Init, GlorotAndHeScales) {
  random::seed(6);
  auto w = zeros({300, 200});  // fan_in 200, fan_out 300
  EXPECT_NEAR(lmx::std(init::glorot_normal()(w)).item<float>(), std::sqrt(2.0f / 500.0f), 0.002f);
  float limit = std::sqrt(6.0f / 500.0f);
  auto gu = init::glorot_uniform()(w);
  EXPECT_LE(max(abs(gu)).item<float>(), limit);
  EXPECT_GT(max(abs(gu)).item<float>(), 0.95f * limit);
  EXPECT_NEAR(lmx::std(init::he_normal()(w)).item<float>(), 1.0f / std::sqrt(200.0f), 0.002f);
  EXPECT_NEAR(lmx::std(init::he_normal(float32, "fan_out")(w)).item<float>(),
              1.0f / std::sqrt(300.0f), 0.002f);
  EXPECT_LE(max(abs(init::he_uniform()(w))).item<float>(), std::sqrt(3.0f / 200.0f));
  // Convolution-shaped weights count the receptive field.
  auto conv = zeros({64, 3, 3, 32});
  EXPECT_NEAR(lmx::std(init::he_normal()(conv)).item<float>(), 1.0f / std::sqrt(32.0f * 9.0f),
              0.003f);
  EXPECT_THROW_MSG(init::glorot_normal()(zeros({5})), std::invalid_argument, "[glorot_normal]");
  EXPECT_THROW_MSG(init::he_normal(float32, "fan_mid")(w), std::invalid_argument,
                   "[he_normal] Invalid mode 'fan_mid'");
}

TEST(Init, SparseAndOrthogonal) {
  random::seed(7);
  auto sp = init::sparse(0.25f)(zeros({8, 5}));
  auto zeros_per_column = sum(equal(sp, array(0.0f)), 0);
  EXPECT_EQ(to_vector<int>(zeros_per_column), (std::vector<int>{2, 2, 2, 2, 2}));
  auto q = init::orthogonal()(zeros({6, 4}));
  EXPECT_TRUE(all_close(matmul(transpose(q), q), eye(4), 1e-5, 1e-5));
  auto wide = init::orthogonal(2.0f)(zeros({3, 5}));
  EXPECT_TRUE(all_close(matmul(wide, transpose(wide)), eye(3) * 4.0f, 1e-5, 1e-5));
  EXPECT_THROW_MSG(init::sparse(0.5f)(zeros({2, 2, 2})), std::invalid_argument,
                   "[sparse] Only 2-D arrays");
}
