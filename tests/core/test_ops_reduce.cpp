#include <cmath>
#include <limits>
#include <numeric>
#include <random>

#include "../test_utils.h"

using namespace lmx;
using namespace lmx::test;

TEST(Reduce, SumMeanProdMaxMin) {
  auto a = reshape(arange(1.0, 7.0), {2, 3});
  EXPECT_FLOAT_EQ(sum(a).item<float>(), 21.0f);
  EXPECT_TRUE(all_close(sum(a, 0), array({5.0f, 7.0f, 9.0f})));
  EXPECT_TRUE(all_close(sum(a, 1, true), array({6.0f, 15.0f}, {2, 1})));
  EXPECT_TRUE(all_close(sum(a, {0, 1}), array(21.0f)));
  EXPECT_TRUE(all_close(sum(transpose(a), 0), array({6.0f, 15.0f})));
  EXPECT_TRUE(all_close(mean(a, 1), array({2.0f, 5.0f})));
  EXPECT_EQ(mean(array({1, 2})).dtype(), float32);
  EXPECT_TRUE(all_close(prod(a, 1), array({6.0f, 120.0f})));
  EXPECT_TRUE(all_close(max(a, 0), array({4.0f, 5.0f, 6.0f})));
  EXPECT_TRUE(all_close(min(a, -1), array({1.0f, 4.0f})));
  EXPECT_EQ(sum(array({true, true, false})).item<int>(), 2);
  EXPECT_EQ(sum(array({true})).dtype(), int32);
  EXPECT_TRUE(all(array({true, true})).item<bool>());
  EXPECT_FALSE(all(array({true, false})).item<bool>());
  EXPECT_TRUE(any(array({false, true})).item<bool>());
  EXPECT_EQ(to_vector<bool>(any(array({0, 0, 1, 0}, {2, 2}), 1)), (std::vector<bool>{false, true}));
  // Several axes, keeping dims, on a 4-D array with a middle axis kept.
  auto b = reshape(arange(24.0), {2, 3, 2, 2});
  EXPECT_TRUE(all_close(sum(b, {0, 2}, true),
                        reshape(array({28.0f, 32.0f, 44.0f, 48.0f, 60.0f, 64.0f}), {1, 3, 1, 2})));
  EXPECT_TRUE(all_close(sum(b, {1, 3}), array({27.0f, 39.0f, 99.0f, 111.0f}, {2, 2})));
  EXPECT_FLOAT_EQ(max(array({-std::numeric_limits<float>::infinity()})).item<float>(),
                  -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(max(array({1.0f, std::nanf("")})).item<float>()));
  EXPECT_EQ(sum(zeros({0, 3}), 0).shape(), (Shape{3}));
}

TEST(Reduce, LargeSumIsAccurate) {
  auto x = full({1 << 24}, 0.1f);
  EXPECT_NEAR(sum(x).item<float>(), 0.1 * (1 << 24), 0.1 * (1 << 24) * 1e-4);
  auto m = ones({4096, 64});
  EXPECT_TRUE(all_close(sum(m, 0), full({64}, 4096.0f)));
  EXPECT_TRUE(all_close(sum(m, 1), full({4096}, 64.0f)));
}

TEST(Reduce, VarStdLogsumexp) {
  array a({1.0f, 2.0f, 3.0f, 4.0f});
  EXPECT_FLOAT_EQ(var(a).item<float>(), 1.25f);
  EXPECT_FLOAT_EQ(var(a, false, 1).item<float>(), 5.0f / 3.0f);
  EXPECT_FLOAT_EQ(lmx::std(a).item<float>(), ::std::sqrt(1.25f));
  EXPECT_NEAR(logsumexp(a).item<float>(),
              std::log(std::exp(1.f) + std::exp(2.f) + std::exp(3.f) + std::exp(4.f)), 1e-5);
  EXPECT_TRUE(all_close(logsumexp(array({1000.0f, 1000.0f})), array(1000.0f + std::log(2.0f))));
  auto m = reshape(arange(6.0), {2, 3});
  EXPECT_TRUE(all_close(logsumexp(m, 0, true), log(sum(exp(m), 0, true))));
  EXPECT_TRUE(all_close(logsumexp(m, {0, 1}), log(sum(exp(m)))));
  float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(logsumexp(array({-inf, -inf})).item<float>(), -inf);
}

TEST(Reduce, ArgmaxArgmin) {
  auto a = array({1.0f, 5.0f, 3.0f, 7.0f, 0.0f, 2.0f}, {2, 3});
  EXPECT_EQ(to_vector<uint32_t>(argmax(a, 1)), (std::vector<uint32_t>{1, 0}));
  EXPECT_EQ(to_vector<uint32_t>(argmin(a, 0)), (std::vector<uint32_t>{0, 1, 1}));
  EXPECT_EQ(argmax(a).item<uint32_t>(), 3u);
  EXPECT_EQ(argmax(a, 1, true).shape(), (Shape{2, 1}));
  EXPECT_EQ(argmax(a).dtype(), uint32);
}

TEST(Reduce, Errors) {
  auto a = ones({2, 3});
  EXPECT_THROW_MSG(sum(a, 2), std::invalid_argument,
                   "[sum] Axis 2 is out of bounds for array with 2 dimensions.");
  EXPECT_THROW_MSG(sum(a, {0, 0}), std::invalid_argument, "[sum] Received duplicate axis 0.");
  EXPECT_THROW_MSG(max(zeros({0})), std::invalid_argument,
                   "[max] Cannot max reduce zero size array.");
  EXPECT_THROW_MSG(argmax(zeros({0, 2}), 0), std::invalid_argument, "[argmax]");
  EXPECT_THROW_MSG(mean(a, -3), std::invalid_argument, "[mean]");
}

TEST(Softmax, Values) {
  auto x = array({1.0f, 2.0f, 3.0f, 1.0f, 1.0f, 1.0f}, {2, 3});
  auto s = softmax(x, -1);
  EXPECT_TRUE(all_close(sum(s, -1), array({1.0f, 1.0f})));
  EXPECT_TRUE(all_close(s, exp(x - logsumexp(x, -1, true))));
  EXPECT_TRUE(all_close(softmax(x, 0), exp(x - logsumexp(x, 0, true))));
  EXPECT_TRUE(all_close(softmax(array({1e4f, 0.0f})), array({1.0f, 0.0f})));
  EXPECT_TRUE(all_close(softmax(array({1.0f, 2.0f}, float16), -1, true),
                        array({0.268941f, 0.731059f}), 1e-3));
}

TEST(Scan, Cumulative) {
  array a({1, 2, 3, 4});
  EXPECT_EQ(to_vector<int>(cumsum(a, 0)), (std::vector<int>{1, 3, 6, 10}));
  EXPECT_EQ(to_vector<int>(cumsum(a, 0, true)), (std::vector<int>{10, 9, 7, 4}));
  EXPECT_EQ(to_vector<int>(cumsum(a, 0, false, false)), (std::vector<int>{0, 1, 3, 6}));
  EXPECT_EQ(to_vector<int>(cumsum(a, 0, true, false)), (std::vector<int>{9, 7, 4, 0}));
  EXPECT_EQ(to_vector<int>(cumprod(a, 0)), (std::vector<int>{1, 2, 6, 24}));
  EXPECT_EQ(to_vector<int>(cummax(array({1, 3, 2, 5}), 0)), (std::vector<int>{1, 3, 3, 5}));
  EXPECT_EQ(to_vector<int>(cummin(array({4, 3, 5, 1}), 0)), (std::vector<int>{4, 3, 3, 1}));
  auto m = reshape(arange(6), {2, 3});
  EXPECT_EQ(to_vector<int>(cumsum(m, 1)), (std::vector<int>{0, 1, 3, 3, 7, 12}));
  EXPECT_EQ(to_vector<int>(cumsum(m, 0)), (std::vector<int>{0, 1, 2, 3, 5, 7}));
  EXPECT_EQ(to_vector<int>(cumsum(transpose(m), 0)), (std::vector<int>{0, 3, 1, 7, 3, 12}));
  EXPECT_THROW_MSG(cumsum(a, 1), std::invalid_argument, "[cumsum] Axis 1 is out of bounds");
  EXPECT_THROW_MSG(cumsum(array(1), 0), std::invalid_argument, "[cumsum]");
}

// Full reductions of long runs split into pieces that threads claim: every
// element counts once, including the short last piece.
TEST(Reduce, LongFullReductionsCoverEveryPiece) {
  int n = 1000003;
  EXPECT_EQ(sum(ones({n})).item<float>(), static_cast<float>(n));
  auto x = arange(static_cast<float>(n));
  EXPECT_EQ(max(x).item<float>(), static_cast<float>(n - 1));
  auto planted = slice_update(zeros({n}), array({-5.0f}), {n - 1}, {n});
  EXPECT_EQ(min(planted).item<float>(), -5.0f);
  EXPECT_TRUE(any(planted).item<bool>());
  EXPECT_FALSE(all(planted).item<bool>());
  EXPECT_EQ(sum(astype(arange(n), int64)).item<int64_t>(), int64_t(n) * (n - 1) / 2);
  for (int len : {65535, 65536, 65537, 196607, 196673}) {
    auto u = random::uniform({len}, random::key(len));
    double ref = 0;
    for (float v : to_vector<float>(u)) ref += v;
    EXPECT_NEAR(sum(u).item<float>(), ref, ref * 1e-6) << len;
  }
}

// Pieces are claimed in whatever order the threads come, but their results
// are combined in a fixed order: the same sum comes out bit for bit.
TEST(Reduce, FullSumDoesNotDependOnScheduling) {
  auto u = random::normal({1000003}, float32, random::key(7));
  u.eval();
  float first = sum(u).item<float>();
  for (int i = 0; i < 50; ++i) ASSERT_EQ(sum(u).item<float>(), first) << i;
}

// Sums, maxima and minima over the layouts the kernel splits differently,
// against a loop over every element: windows of a few short rows (max
// pooling, 16 and 32 channels), one window of many rows (a bias gradient,
// folded in groups; 32 channels too),
// reduced rows past the listed limit, long kept rows cut into column pieces,
// and reduced innermost runs with reduced outer axes between kept ones.
// Integer values keep every sum exact whatever the order of the folds.
TEST(Reduce, EveryLayoutMatchesALoop) {
  struct Case {
    Shape shape;
    std::vector<int> axes;
  };
  std::vector<Case> cases{{{6, 4, 2, 4, 2, 16}, {2, 4}},
                          {{6, 4, 2, 4, 2, 32}, {2, 4}},
                          {{64, 40, 32}, {0, 1}},
                          {{128, 24, 24, 16}, {0, 1, 2}},
                          {{2, 5000, 3}, {1}},
                          {{4, 70000}, {0}},
                          {{3, 70001}, {0}},
                          {{3, 5, 7}, {0, 2}},
                          {{2, 3, 4, 5}, {1, 3}},
                          {{7, 9}, {1}},
                          {{5, 1, 3}, {1}},
                          {{2, 3}, {0, 1}}};
  for (auto& c : cases) {
    auto x = astype(random::randint(-50, 50, c.shape, int32, random::key(3)), float32);
    auto xs = to_vector<float>(x);
    int nd = static_cast<int>(c.shape.size());
    Shape out_shape = c.shape;
    for (int a : c.axes) out_shape[a] = 1;
    int64_t out_size = 1;
    for (int d : out_shape) out_size *= d;
    std::vector<double> s(out_size, 0), hi(out_size, -1e9), lo(out_size, 1e9);
    std::vector<int64_t> idx(nd, 0);
    for (size_t i = 0; i < xs.size(); ++i) {
      int64_t o = 0;
      for (int d = 0; d < nd; ++d) o = o * out_shape[d] + (out_shape[d] == 1 ? 0 : idx[d]);
      s[o] += xs[i];
      hi[o] = std::max<double>(hi[o], xs[i]);
      lo[o] = std::min<double>(lo[o], xs[i]);
      for (int d = nd - 1; d >= 0 && ++idx[d] == c.shape[d]; --d) idx[d] = 0;
    }
    auto got_s = to_vector<double>(sum(x, c.axes, true));
    auto got_hi = to_vector<double>(max(x, c.axes, true));
    auto got_lo = to_vector<double>(min(x, c.axes, true));
    ASSERT_EQ(got_s.size(), s.size());
    for (int64_t o = 0; o < out_size; ++o) {
      ASSERT_EQ(got_s[o], s[o]) << to_string(c.shape) << " at " << o;
      ASSERT_EQ(got_hi[o], hi[o]) << to_string(c.shape) << " at " << o;
      ASSERT_EQ(got_lo[o], lo[o]) << to_string(c.shape) << " at " << o;
    }
  }
  EXPECT_TRUE(std::signbit(sum(array({-0.0f})).item<float>()));
}

// Windows whose kept rows are 16 floats (folded in one register under
// AVX-512) and 32: NaN wins max and min in its channel, infinities and
// signed zeros keep their rules.
TEST(Reduce, NanInfinityAndZerosInVectorWindows) {
  float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  for (int width : {16, 32}) {
    SCOPED_TRACE(width);
    std::vector<float> xs(9 * 3 * width, 1.0f);
    xs[width + 3] = nan;  // window 0, second row, channel 3
    xs[5] = inf;          // window 0, channel 5
    xs[2 * width + 6] = -inf;
    for (int r = 0; r < 3; ++r) xs[3 * width + r * width + 2] = -0.0f;  // window 1, channel 2
    auto x = array(xs.data(), {9, 3, width});
    auto hi = to_vector<float>(max(x, 1)), lo = to_vector<float>(min(x, 1));
    auto total = to_vector<float>(sum(x, 1));
    EXPECT_TRUE(std::isnan(hi[3]) && std::isnan(lo[3]) && std::isnan(total[3]));
    EXPECT_EQ(hi[5], inf);
    EXPECT_EQ(lo[5], 1.0f);
    EXPECT_EQ(total[5], inf);
    EXPECT_EQ(hi[6], 1.0f);
    EXPECT_EQ(lo[6], -inf);
    EXPECT_EQ(total[6], -inf);
    EXPECT_EQ(hi[width + 2], 0.0f);
    EXPECT_EQ(total[width + 2], 0.0f);
    EXPECT_FALSE(std::signbit(total[width + 2])) << "-0 + -0 + -0 from +0";
    for (int w = 2; w < 9; ++w) {
      EXPECT_EQ(hi[w * width + 1], 1.0f);
      EXPECT_EQ(total[w * width + 1], 3.0f);
    }
  }
}

TEST(Sort, SortArgsortTopk) {
  array a({3.0f, 1.0f, 2.0f, std::nanf(""), 0.0f});
  auto s = to_vector<float>(sort(a));
  EXPECT_EQ(s[0], 0.0f);
  EXPECT_EQ(s[3], 3.0f);
  EXPECT_TRUE(std::isnan(s[4]));
  EXPECT_EQ(to_vector<uint32_t>(argsort(array({3, 1, 2}))), (std::vector<uint32_t>{1, 2, 0}));
  auto m = array({3, 1, 2, 9, 8, 7}, {2, 3});
  EXPECT_EQ(to_vector<int>(sort(m, 1)), (std::vector<int>{1, 2, 3, 7, 8, 9}));
  EXPECT_EQ(to_vector<int>(sort(m, 0)), (std::vector<int>{3, 1, 2, 9, 8, 7}));
  EXPECT_EQ(to_vector<int>(sort(m)), (std::vector<int>{1, 2, 3, 7, 8, 9}));
  EXPECT_EQ(to_vector<int>(topk(array({5, 1, 4, 2}), 2)), (std::vector<int>{4, 5}));
  EXPECT_EQ(topk(m, 2, 1).shape(), (Shape{2, 2}));
  // argsort is stable.
  EXPECT_EQ(to_vector<uint32_t>(argsort(array({1, 0, 1, 0}))), (std::vector<uint32_t>{1, 3, 0, 2}));
  EXPECT_THROW_MSG(topk(array({1, 2}), 3), std::invalid_argument, "[topk] Invalid k=3");
  EXPECT_THROW_MSG(sort(array(1), 0), std::invalid_argument, "[sort]");
}

// Long rows of 32-bit keys take the radix path: the same order as a stable
// comparison sort, with NaNs last, -0.0 tied with 0.0, negative integers, and
// along a strided axis.
TEST(Sort, LongArgsortMatchesStableSort) {
  auto stable_order = [](const std::vector<double>& v) {
    std::vector<uint32_t> idx(v.size());
    std::iota(idx.begin(), idx.end(), 0u);
    std::stable_sort(idx.begin(), idx.end(), [&](uint32_t i, uint32_t j) {
      if (std::isnan(v[i])) return false;
      if (std::isnan(v[j])) return true;
      return v[i] < v[j];
    });
    return idx;
  };
  std::mt19937 gen(5);
  std::vector<float> f(1000);
  std::vector<int32_t> i32(1000);
  std::vector<uint8_t> u8(1000);
  for (int k = 0; k < 1000; ++k) {
    f[k] = static_cast<float>(static_cast<int>(gen() % 41) - 20) / 4.0f;
    i32[k] = static_cast<int32_t>(gen() % 2001) - 1000 + (k % 7 == 0 ? -2000000000 : 0);
    u8[k] = static_cast<uint8_t>(gen() % 256);
  }
  f[3] = std::nanf("");
  f[500] = -std::nanf("");
  f[10] = -0.0f;
  f[11] = 0.0f;
  f[12] = -0.0f;
  f[20] = -std::numeric_limits<float>::infinity();
  EXPECT_EQ(to_vector<uint32_t>(argsort(array(f.data(), {1000}, float32))),
            stable_order(std::vector<double>(f.begin(), f.end())));
  EXPECT_EQ(to_vector<uint32_t>(argsort(array(i32.data(), {1000}, int32))),
            stable_order(std::vector<double>(i32.begin(), i32.end())));
  EXPECT_EQ(to_vector<uint32_t>(argsort(array(u8.data(), {1000}, uint8))),
            stable_order(std::vector<double>(u8.begin(), u8.end())));
  // Along axis 0 of a (1000, 2) array: the rows are strided.
  auto m = transpose(array(f.data(), {2, 500}, float32));
  auto cols = to_vector<uint32_t>(argsort(m, 0));
  auto first = stable_order(std::vector<double>(f.begin(), f.begin() + 500));
  for (int k = 0; k < 500; ++k) EXPECT_EQ(cols[k * 2], first[k]) << k;
}
