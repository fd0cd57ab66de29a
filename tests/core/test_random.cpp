#include <bit>

#include "../test_utils.h"
#include "lmx/core/threefry.h"

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
  // A large draw is split across threads; each word is threefry of its own
  // counter pair, recomputed here on the host for a few positions.
  auto k = random::key(3);
  auto big = random::bits({(1 << 20) + 1}, 4, k);
  auto words = to_vector<uint32_t>(big);
  uint32_t w = (1u << 20) + 1, half = w / 2;
  for (uint32_t i : {0u, 1u, 4095u, 300000u, half - 1}) {
    auto pair = threefry2x32({0, 3}, {i, i + half + 1});
    EXPECT_EQ(words[i], pair[0]) << i;
    EXPECT_EQ(words[i + half + 1], pair[1]) << i;
  }
  EXPECT_EQ(words[half], (threefry2x32({0, 3}, {half, 0})[0]));
}

namespace {
// Float32 values from their bit patterns (the references below are MLX
// 0.32's outputs, printed as bits so the comparison is exact).
std::vector<float> from_bits(std::initializer_list<uint32_t> bits) {
  std::vector<float> out;
  for (auto b : bits) out.push_back(std::bit_cast<float>(b));
  return out;
}
std::vector<float> floats(const array& a) {
  return to_vector<float>(astype(a, float32));
}
}  // namespace

TEST(Random, BitsMatchMlx) {
  // The same keys and draws as MLX (and JAX): threefry2x32 over two halves.
  auto k = random::key(0);
  EXPECT_EQ(to_vector<uint32_t>(random::bits({4}, 4, k)),
            (std::vector<uint32_t>{4146024105u, 967050713u, 2718843009u, 1272950319u}));
  EXPECT_EQ(to_vector<uint16_t>(random::bits({3}, 2, k)),
            (std::vector<uint16_t>{9103, 14175, 5405}));
  EXPECT_EQ(to_vector<uint16_t>(random::bits({2, 3}, 2, k)),
            (std::vector<uint16_t>{20137, 63263, 64300, 20622, 16513, 41486}));
  EXPECT_EQ(to_vector<uint8_t>(random::bits({5}, 1, k)),
            (std::vector<uint8_t>{143, 35, 95, 55, 29}));
  auto [k1, k2] = random::split(k);
  EXPECT_EQ(to_vector<uint32_t>(k1), (std::vector<uint32_t>{4146024105u, 967050713u}));
  EXPECT_EQ(to_vector<uint32_t>(k2), (std::vector<uint32_t>{2718843009u, 1272950319u}));
  EXPECT_EQ(to_vector<uint32_t>(random::key((uint64_t{1} << 33) + 7)),
            (std::vector<uint32_t>{2, 7}));
  EXPECT_EQ(to_vector<int64_t>(random::split(random::key((uint64_t{1} << 33) + 7), 3)),
            (std::vector<int64_t>{778561915, 1856276227, 1744186564, 2544733001, 3419818263,
                                  2600087039}));
}

TEST(Random, DistributionsMatchMlx) {
  auto k = random::key(0);
  auto k7 = random::key((uint64_t{1} << 33) + 7);
  EXPECT_EQ(floats(random::uniform({5}, k)),
            from_bits({0x3f131278, 0x3dcc2839, 0x3ec94c4e, 0x3f64e8e0, 0x3f18b896}));
  EXPECT_EQ(floats(random::uniform(-2.0, 3.0, {2, 3}, float32, k7)),
            from_bits({0xbf8bfc38, 0x3e24da90, 0x3cf9dc00, 0x3f7663b8, 0x3ffd97b6, 0x3f837174}));
  EXPECT_EQ(floats(random::uniform({3}, float16, k)),
            from_bits({0x3f772000, 0x3ea12000, 0x3f220000}));
  EXPECT_EQ(floats(random::uniform({3}, bfloat16, k)),
            from_bits({0x3f770000, 0x3ea10000, 0x3f220000}));
  EXPECT_EQ(floats(random::normal({5}, k)),
            from_bits({0x3e405a38, 0xbfa4448e, 0xbe8acc83, 0x3f9fe132, 0x3e7a5659}));
  EXPECT_EQ(floats(random::normal({4}, 1.0f, 2.0f, k7)),
            from_bits({0x403b7d1a, 0x40550455, 0x3e84c7fc, 0x3fedfcb2}));
  EXPECT_EQ(floats(random::normal({3}, float16, k)),
            from_bits({0x3fe86000, 0xbef72000, 0x3eae0000}));
  // erf differs from MLX's by an ulp here and there.
  EXPECT_TRUE(
      allclose(random::truncated_normal(array(-1.0f), array(1.0f), {4}, float32, k),
               array(from_bits({0x3f6811c9, 0xbefa716c, 0x3e6b2967, 0xbeb62c85}).data(), {4}), 1e-6,
               0)
          .item<bool>());
  EXPECT_EQ(floats(random::gumbel({3}, float32, k)),
            from_bits({0x405604bf, 0xbe149dcf, 0x3f48555a}));
  EXPECT_EQ(floats(random::laplace({4}, k)),
            from_bits({0xc02ac884, 0x3f4c3cb1, 0xbe9e6040, 0x3f05e0ab}));
  EXPECT_EQ(floats(random::laplace({3}, 0.5f, 2.0f, k7)),
            from_bits({0xbfd838e4, 0x3f3073d8, 0x3f9744ac}));
  EXPECT_EQ(to_vector<int>(random::randint(0, 10, {6}, int32, k)),
            (std::vector<int>{5, 0, 7, 8, 5, 4}));
  EXPECT_EQ(to_vector<int>(random::randint(-10, 0, {5}, int32, k7)),
            (std::vector<int>{-9, -6, -7, -5, -3}));
  auto rb = random::randint(0, 2, {4}, bool_, k);
  EXPECT_EQ(rb.dtype(), bool_);
  EXPECT_EQ(to_vector<int>(rb), (std::vector<int>{1, 0, 1, 0}));
  EXPECT_EQ(to_vector<int>(random::bernoulli(0.3f, {6}, k)), (std::vector<int>{0, 1, 0, 0, 0, 0}));
  auto logits = array({0.f, 1.f, 2.f, 1.f, 1.f, 1.f}, {2, 3});
  auto c = random::categorical(logits, -1, k);
  EXPECT_EQ(c.dtype(), uint32);
  EXPECT_EQ(to_vector<int>(c), (std::vector<int>{2, 0}));
  auto c3 = random::categorical(logits, -1, 3, k);
  EXPECT_EQ(c3.shape(), (Shape{2, 3}));
  EXPECT_EQ(to_vector<int>(c3), (std::vector<int>{2, 2, 2, 2, 1, 1}));
  EXPECT_EQ(to_vector<int>(random::categorical(logits, 0, k)), (std::vector<int>{1, 1, 0}));
  auto p = random::permutation(6, k);
  EXPECT_EQ(p.dtype(), uint32);
  EXPECT_EQ(to_vector<int>(p), (std::vector<int>{1, 5, 0, 4, 2, 3}));
  // The global sequence: seed(5), then draws without keys.
  random::seed(5);
  auto a = random::uniform({3});
  auto b = random::normal({2});
  EXPECT_EQ(floats(a), from_bits({0x3e368425, 0x3f7ed692, 0x3dc219cc}));
  EXPECT_EQ(floats(b), from_bits({0xbe0cbcd2, 0xbf03c302}));
  // Complex normals: real and imaginary parts of variance 1/2.
  auto z = random::normal({2}, complex64, k);
  EXPECT_EQ(z.dtype(), complex64);
  EXPECT_TRUE(
      allclose(z, array({complex64_t(1.28417f, -0.533784f), complex64_t(0.240338f, -0.378186f)}),
               1e-5, 1e-5)
          .item<bool>());
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
  EXPECT_THROW_MSG(random::bits({2}, 3), std::invalid_argument,
                   "[bits] Bit width must be in {1, 2, 4} but got 3.");
  EXPECT_THROW_MSG(random::bits({2}, 4, array({1, 2})), std::invalid_argument,
                   "[bits] Expected key type uint32 but received int32.");
  EXPECT_THROW_MSG(random::split(random::split(random::key(0), 3)), std::invalid_argument,
                   "[bits] Expected key shape (2) but received (3,2).");
  EXPECT_THROW_MSG(random::bernoulli(array(1), Shape{2}), std::invalid_argument,
                   "[bernoulli] bernoulli probability `p` must be a float type.");
  EXPECT_THROW_MSG(random::bernoulli(array({0.5f, 0.5f}), Shape{3}), std::invalid_argument,
                   "[bernoulli] shape of `p` is incompatible with argument `shape`.");
  EXPECT_THROW_MSG(random::categorical(zeros({2, 3}), 2), std::invalid_argument,
                   "[categorical] Invalid axis 2 for logits with 2 dimensions.");
  EXPECT_THROW_MSG(random::normal({2}, int32), std::invalid_argument,
                   "[normal] Can only generate uniform numbers with floating point type.");
  EXPECT_THROW_MSG(random::randint(array(0), array(5), {2}, float32), std::invalid_argument,
                   "[randint] randint only accepts integer dtypes and bool.");
  // As MLX: the broadcast of shape and range fails first.
  EXPECT_THROW_MSG(random::uniform(zeros({3}), ones({3}), {2}), std::invalid_argument,
                   "[broadcast_shapes] Shapes (2) and (3) cannot be broadcast.");
  EXPECT_THROW_MSG(
      random::uniform(zeros({3}), ones({3}), {1}), std::invalid_argument,
      "[uniform] Cannot generate random values of shape (1) from broadcasted shape (3).");
}
