#include <cmath>
#include <numbers>

#include "../test_utils.h"

using namespace lmx;
using namespace lmx::test;
namespace L = lmx::nn::losses;

TEST(Losses, CrossEntropy) {
  auto logits = array({2.0f, 1.0f, 0.0f, 0.0f, 0.0f, 3.0f}, {2, 3});
  auto targets = array({0, 2});
  auto lse0 = std::log(std::exp(2.0f) + std::exp(1.0f) + 1.0f);
  auto lse1 = std::log(2.0f + std::exp(3.0f));
  EXPECT_TRUE(all_close(L::cross_entropy(logits, targets), array({lse0 - 2.0f, lse1 - 3.0f})));
  EXPECT_TRUE(all_close(L::cross_entropy(logits, targets, std::nullopt, -1, 0.0f, "mean"),
                        array((lse0 - 2.0f + lse1 - 3.0f) / 2)));
  auto probs = array({1.0f, 0.0f, 0.0f, 0.0f, 0.0f, 1.0f}, {2, 3});
  EXPECT_TRUE(all_close(L::cross_entropy(logits, probs), L::cross_entropy(logits, targets)));
  auto w = array({2.0f, 0.5f});
  EXPECT_TRUE(
      all_close(L::cross_entropy(logits, targets, w), L::cross_entropy(logits, targets) * w));
  // Label smoothing mixes in the mean logit.
  auto ls = L::cross_entropy(logits, targets, std::nullopt, -1, 0.1f);
  EXPECT_TRUE(
      all_close(ls, array({lse0 - 0.9f * 2.0f - 0.1f * 1.0f, lse1 - 0.9f * 3.0f - 0.1f * 1.0f})));
  // Finite for extreme logits.
  auto big = L::cross_entropy(array({1e4f, -1e4f}, {1, 2}), array({1}));
  EXPECT_TRUE(all_close(big, array({2e4f})));
  // Axis 0 targets.
  EXPECT_TRUE(all_close(L::cross_entropy(transpose(logits), targets, std::nullopt, 0),
                        L::cross_entropy(logits, targets)));
  EXPECT_THROW_MSG(L::cross_entropy(logits, array({0, 1, 2})), std::invalid_argument,
                   "[cross_entropy] Targets shape (3)");
  EXPECT_THROW_MSG(L::cross_entropy(logits, targets, std::nullopt, -1, 0.0f, "avg"),
                   std::invalid_argument, "[cross_entropy] Invalid reduction 'avg'");
}

TEST(Losses, CrossEntropyGradient) {
  auto targets = array({2, 0, 1});
  check_grad(
      [&](const std::vector<array>& v) {
        return L::cross_entropy(v[0], targets, std::nullopt, -1, 0.2f, "mean");
      },
      {random::normal({3, 4}, float64, random::key(5))});
}

TEST(Losses, Regression) {
  auto p = array({1.0f, 2.0f, 4.0f}), t = array({1.5f, 2.0f, 1.0f});
  EXPECT_FLOAT_EQ(L::l1_loss(p, t).item<float>(), 3.5f / 3);
  EXPECT_FLOAT_EQ(L::mse_loss(p, t, "sum").item<float>(), 0.25f + 9.0f);
  EXPECT_TRUE(all_close(L::smooth_l1_loss(p, t, 1.0f, "none"), array({0.125f, 0.0f, 2.5f})));
  EXPECT_TRUE(all_close(L::huber_loss(p, t, 1.0f), array({0.125f, 0.0f, 2.5f})));
  EXPECT_TRUE(all_close(L::log_cosh_loss(p, t),
                        array({std::log(std::cosh(0.5f)), 0.0f, std::log(std::cosh(3.0f))})));
  auto vars = array({1.0f, 2.0f, 0.5f});
  auto g = L::gaussian_nll_loss(p, t, vars, false, 1e-6f, "none");
  EXPECT_TRUE(
      all_close(g, array({0.5f * 0.25f, 0.5f * std::log(2.0f), 0.5f * (std::log(0.5f) + 18.0f)})));
  auto gf = L::gaussian_nll_loss(p, t, vars, true, 1e-6f, "none");
  EXPECT_TRUE(all_close(gf - g, full({3}, 0.5f * std::log(2 * std::numbers::pi_v<float>))));
  EXPECT_THROW_MSG(L::mse_loss(p, ones({2})), std::invalid_argument,
                   "[mse_loss] Predictions shape (3) does not match targets shape (2).");
}

TEST(Losses, Classification) {
  auto logits = array({0.0f, 2.0f, -1.0f}), t = array({0.0f, 1.0f, 1.0f});
  auto bce = L::binary_cross_entropy(logits, t, std::nullopt, true, "none");
  EXPECT_TRUE(all_close(
      bce, array({std::log(2.0f), std::log1p(std::exp(-2.0f)), std::log1p(std::exp(1.0f))})));
  auto probs = sigmoid(logits);
  EXPECT_TRUE(
      all_close(L::binary_cross_entropy(probs, t, std::nullopt, false, "none"), bce, 1e-5, 1e-5));
  EXPECT_TRUE(all_close(L::binary_cross_entropy(array({1e4f}), array({0.0f})), array(1e4f)));
  auto logp = log(array({0.2f, 0.8f, 0.5f, 0.5f}, {2, 2}));
  EXPECT_TRUE(
      all_close(L::nll_loss(logp, array({1, 0})), array({-std::log(0.8f), -std::log(0.5f)})));
  EXPECT_TRUE(
      all_close(L::hinge_loss(array({0.5f, 2.0f}), array({1.0f, -1.0f})), array({0.5f, 3.0f})));
  auto kl = L::kl_div_loss(log(array({0.5f, 0.5f})), log(array({0.25f, 0.75f})));
  EXPECT_NEAR(kl.item<float>(), 0.25f * std::log(0.5f) + 0.75f * std::log(1.5f), 1e-6);
  EXPECT_TRUE(all_close(
      L::margin_ranking_loss(array({1.0f, 0.0f}), array({0.0f, 1.0f}), array({1.0f, 1.0f}), 0.5f),
      array({0.0f, 1.5f})));
}

TEST(Losses, Embedding) {
  auto a = array({1.0f, 0.0f}, {1, 2}), p = array({0.0f, 0.0f}, {1, 2}),
       n = array({3.0f, 0.0f}, {1, 2});
  auto tl = L::triplet_loss(a, p, n);
  EXPECT_NEAR(tl.item<float>(),
              std::max(std::sqrt(1.0f + 1e-6f) - std::sqrt(4.0f + 1e-6f) + 1.0f, 0.0f), 1e-5);
  auto x1 = array({1.0f, 0.0f, 1.0f, 1.0f}, {2, 2}), x2 = array({2.0f, 0.0f, -1.0f, -1.0f}, {2, 2});
  EXPECT_TRUE(all_close(L::cosine_similarity_loss(x1, x2), array({1.0f, -1.0f})));
}
