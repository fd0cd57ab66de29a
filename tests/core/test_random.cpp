#include "../test_utils.h"

using namespace lmx;
using namespace lmx::test;

TEST(Random, KeysAreDeterministic) {
  auto k = random::key(42);
  EXPECT_EQ(k.shape(), (Shape{2}));
  EXPECT_EQ(k.dtype(), uint32);
  EXPECT_TRUE(array_equal(random::bits({16}, 4, k), random::bits({16}, 4, k)).item<bool>());
  EXPECT_FALSE(
      array_equal(random::bits({16}, 4, k), random::bits({16}, 4, random::key(43))).item<bool>());
  auto keys = random::split(k, 3);
  EXPECT_EQ(keys.shape(), (Shape{3, 2}));
  auto [a, b] = random::split(k);
  EXPECT_FALSE(array_equal(a, b).item<bool>());
  random::seed(7);
  auto x1 = random::uniform({8});
  random::seed(7);
  auto x2 = random::uniform({8});
  EXPECT_TRUE(array_equal(x1, x2).item<bool>());
  EXPECT_EQ(random::bits({3}, 1).dtype(), uint8);
  EXPECT_EQ(random::bits({3}, 2).dtype(), uint16);
}

TEST(Random, SameNumbersForAnyThreadCount) {
  // A large draw is split across threads; its prefix equals a small draw's.
  auto k = random::key(3);
  auto big = random::bits({1 << 20}, 4, k);
  auto small = random::bits({1 << 10}, 4, k);
  EXPECT_TRUE(array_equal(slice(big, {0}, {1 << 10}), small).item<bool>());
}

TEST(Random, Distributions) {
  auto k = random::key(0);
  auto u = random::uniform(array(-2.0f), array(3.0f), {100000}, float32, k);
  EXPECT_GE(min(u).item<float>(), -2.0f);
  EXPECT_LT(max(u).item<float>(), 3.0f);
  EXPECT_NEAR(mean(u).item<float>(), 0.5f, 0.05f);
  auto n = random::normal({100000}, float32, 1.0f, 2.0f, k);
  EXPECT_NEAR(mean(n).item<float>(), 1.0f, 0.05f);
  EXPECT_NEAR(lmx::std(n).item<float>(), 2.0f, 0.05f);
  auto r = random::randint(array(0), array(10), {10000}, int32, k);
  EXPECT_EQ(r.dtype(), int32);
  EXPECT_GE(min(r).item<int>(), 0);
  EXPECT_EQ(max(r).item<int>(), 9);
  auto b = random::bernoulli(array(0.3f), {100000}, k);
  EXPECT_NEAR(mean(b).item<float>(), 0.3f, 0.01f);
  auto t = random::truncated_normal(array(-1.0f), array(0.5f), {10000}, float32, k);
  EXPECT_GE(min(t).item<float>(), -1.0f);
  EXPECT_LE(max(t).item<float>(), 0.5f);
  auto g = random::gumbel({100000}, float32, k);
  EXPECT_NEAR(mean(g).item<float>(), 0.5772f, 0.02f);
  auto l = random::laplace({100000}, float32, 0.0f, 1.0f, k);
  EXPECT_NEAR(mean(abs(l)).item<float>(), 1.0f, 0.02f);
  auto logits = log(array({0.1f, 0.2f, 0.7f}));
  auto c = random::categorical(logits, -1, 20000, k);
  EXPECT_EQ(c.shape(), (Shape{20000}));
  EXPECT_NEAR(mean(equal(c, array(2u))).item<float>(), 0.7f, 0.02f);
  auto c2 = random::categorical(reshape(logits, {1, 3}), -1, k);
  EXPECT_EQ(c2.shape(), (Shape{1}));
  auto p = random::permutation(10, k);
  EXPECT_EQ(to_vector<int>(sort(p)), to_vector<int>(arange(10)));
  auto px = random::permutation(reshape(arange(6), {3, 2}), 0, k);
  EXPECT_EQ(to_vector<int>(sort(flatten(px))), to_vector<int>(arange(6)));
  EXPECT_EQ(random::normal({4}, float16, k).dtype(), float16);
}

TEST(Random, Errors) {
  EXPECT_THROW_MSG(random::uniform({2}, int32), std::invalid_argument, "[uniform]");
  EXPECT_THROW_MSG(random::bits({2}, 3), std::invalid_argument, "[bits] Width must be 1, 2 or 4");
  EXPECT_THROW_MSG(random::bits({2}, 4, array({1, 2})), std::invalid_argument,
                   "[bits] Expected key");
  EXPECT_THROW_MSG(random::randint(array(0), array(5), {2}, float32), std::invalid_argument,
                   "[randint]");
  EXPECT_THROW_MSG(random::uniform(zeros({3}), ones({3}), {2}), std::invalid_argument, "[uniform]");
}
