// The fused gradient of max and min (ExtremeGrad) against MLX's rule written
// as a graph (g / count where x attains the extreme, (g / count) * 0
// elsewhere) over the layouts its kernel walks differently, with ties, NaN
// and infinite cotangents; finite differences, its own vjp and jvp, vmap,
// compile and its error messages.
#include <cmath>
#include <limits>

#include "../test_utils.h"
#include "lmx/core/extreme_grad.h"

namespace lmx::test {
namespace {

const char* node_name(const array& a) {
  return a.has_primitive() ? a.primitive().name() : "";
}

// MLX's rule as a graph of core ops: the reference.
array composed(const array& x, const array& out, const array& g, const std::vector<int>& axes) {
  auto mask = equal(x, out);
  auto share = divide(g, astype(sum(mask, axes, true), g.dtype()));
  return where(mask, share, multiply(share, zeros_like(share)));
}

// Same values and the same NaNs.
void expect_same(const array& a, const array& b) {
  auto x = to_vector<double>(a), y = to_vector<double>(b);
  ASSERT_EQ(x.size(), y.size());
  for (size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(y[i])) {
      EXPECT_TRUE(std::isnan(x[i])) << i;
    } else if (x[i] != y[i]) {
      EXPECT_NEAR(x[i], y[i], 1e-6 * (1 + std::abs(y[i]))) << i;
    }
  }
}

struct Case {
  Shape shape;
  std::vector<int> axes;
};
const std::vector<Case> kCases{
    {{3, 4, 2, 4, 2, 16}, {2, 4}},  // max pooling's windows, a row of 16 each
    {{2, 3, 2, 3, 2, 32}, {2, 4}},  // ... of 32
    {{2, 3000, 3}, {1}},            // a window of many rows
    {{3, 2, 5000}, {1}},            // long rows cut into column pieces
    {{4, 9}, {1}},                  // reduced innermost runs
    {{3, 5, 7}, {0, 2}},            // ... with reduced axes between kept ones
    {{2, 3, 4, 5}, {1, 3}},         // reduced and kept axes interleaved
    {{6}, {0}},                     // one window
};

TEST(ExtremeGrad, MatchesMlxRuleWithTies) {
  for (auto& c : kCases) {
    SCOPED_TRACE(to_string(c.shape));
    for (Dtype t : {float32, float64}) {
      // Few distinct values: most windows have ties.
      auto x = astype(random::randint(0, 3, c.shape, int32, random::key(1)), t);
      for (bool is_max : {true, false}) {
        auto f = [&](const std::vector<array>& a) {
          return std::vector<array>{is_max ? max(a[0], c.axes, true) : min(a[0], c.axes, true)};
        };
        auto out = f({x})[0];
        auto g = astype(random::normal(out.shape(), float32, random::key(2)), t);
        auto dx = vjp(f, {x}, {g}).second[0];
        EXPECT_STREQ(node_name(dx), "ExtremeGrad");
        EXPECT_EQ(dx.dtype(), t);
        expect_same(dx, composed(x, out, g, c.axes));
      }
    }
  }
}

// A NaN in a window makes its extreme NaN, which no entry equals: the count
// is 0 and the whole window's gradient NaN. An infinite cotangent makes the
// window's other entries inf * 0 = NaN. Both as MLX's product with the mask.
TEST(ExtremeGrad, NanAndInfinitySpreadAsMlx) {
  float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  auto x = array({1.0f, nan, 3.0f, 4.0f, 5.0f, 5.0f, 2.0f, 0.0f}, {2, 4});
  auto out = max(x, std::vector<int>{1}, true);
  auto g = array({2.0f, inf}, {2, 1});
  auto dx = extreme_grad(x, out, g, {1});
  auto v = to_vector<float>(dx);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(std::isnan(v[i])) << i;
  EXPECT_EQ(v[4], inf);
  EXPECT_EQ(v[5], inf);
  EXPECT_TRUE(std::isnan(v[6]));
  EXPECT_TRUE(std::isnan(v[7]));
  expect_same(dx, composed(x, out, g, {1}));
}

// The same for windows whose kept rows are 16 wide (float32's one-register
// path under AVX-512) and 32: a NaN in one channel, an infinite cotangent in
// another.
TEST(ExtremeGrad, NanAndInfinityInVectorWindows) {
  float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  for (int width : {16, 32}) {
    SCOPED_TRACE(width);
    std::vector<float> xs(3 * width, 1.0f), gs(width, 0.5f);
    xs[width + 3] = nan;  // channel 3, second row
    xs[5] = 2.0f;         // channel 5: one maximum; the others tie three ways
    gs[7] = inf;
    auto x = array(xs.data(), {1, 3, width});
    auto out = max(x, std::vector<int>{1}, true);
    auto g = array(gs.data(), {1, 1, width});
    auto dx = extreme_grad(x, out, g, {1});
    auto v = to_vector<float>(dx);
    for (int r = 0; r < 3; ++r) EXPECT_TRUE(std::isnan(v[r * width + 3])) << r;
    EXPECT_EQ(v[5], 0.5f);
    EXPECT_EQ(v[width + 5], 0.0f);
    for (int r = 0; r < 3; ++r) EXPECT_EQ(v[r * width + 7], inf) << r;
    EXPECT_FLOAT_EQ(v[width], 0.5f / 3);
    expect_same(dx, composed(x, out, g, {1}));
  }
}

// Distinct values: max and min are differentiable and the gradient is the
// one-hot of the extreme.
TEST(ExtremeGrad, FiniteDifferences) {
  auto x = random::normal({3, 4, 2, 5}, float64, random::key(3));
  check_grad([](const std::vector<array>& a) { return max(a[0], {1, 3}); }, {x});
  check_grad([](const std::vector<array>& a) { return min(a[0], {0, 2}, true); }, {x});
  check_grad([](const std::vector<array>& a) { return max(a[0], 3); }, {x});
}

// The node is linear in g: its vjp and jvp in g, checked by differences;
// x and out get zero gradients, as the composed graph gives them.
TEST(ExtremeGrad, OwnVjpAndJvp) {
  auto x = astype(random::randint(0, 3, {4, 2, 6}, int32, random::key(4)), float64);
  auto out = max(x, std::vector<int>{1}, true);
  auto g = random::normal(out.shape(), float64, random::key(5));
  check_grad([&](const std::vector<array>& a) { return extreme_grad(x, out, a[0], {1}); }, {g});
  auto ct = random::normal(x.shape(), float64, random::key(6));
  auto grads = vjp(
                   [](const std::vector<array>& a) {
                     return std::vector<array>{extreme_grad(a[0], a[1], a[2], {1})};
                   },
                   {x, out, g}, {ct})
                   .second;
  EXPECT_EQ(to_vector<double>(grads[0]), std::vector<double>(x.size(), 0.0));
  EXPECT_EQ(to_vector<double>(grads[1]), std::vector<double>(out.size(), 0.0));
  auto mask = astype(equal(x, out), float64);
  EXPECT_TRUE(all_close(grads[2], divide(sum(multiply(ct, mask), 1, true), sum(mask, 1, true)),
                        1e-12, 1e-12));
  // Second order through a user's function: grad of sum(grad(max) * w).
  auto w = random::normal(x.shape(), float64, random::key(7));
  auto inner = grad([](const array& a) { return sum(max(a, 1)); });
  auto second = grad([&](const array& a) { return sum(multiply(inner(a), w)); })(x);
  EXPECT_EQ(to_vector<double>(second), std::vector<double>(x.size(), 0.0));
}

TEST(ExtremeGrad, VmapAndCompile) {
  auto x = astype(random::randint(0, 3, {5, 3, 4, 6}, int32, random::key(8)), float32);
  auto grad_max = [](const array& a) {
    return grad([](const array& b) { return sum(square(max(b, {0, 2}))); })(a);
  };
  auto batched = vmap(
      [&](const std::vector<array>& a) { return std::vector<array>{grad_max(a[0])}; }, {1})({x})[0];
  for (int b = 0; b < 3; ++b) {
    auto one = grad_max(take(x, b, 1));
    EXPECT_TRUE(all_close(take(batched, b, 0), one)) << b;
  }
  auto compiled =
      compile([&](const std::vector<array>& a) { return std::vector<array>{grad_max(a[0])}; });
  EXPECT_TRUE(all_close(compiled({x})[0], grad_max(x)));
}

TEST(ExtremeGrad, Errors) {
  auto x = zeros({2, 3}), out = zeros({2, 1});
  EXPECT_THROW_MSG(
      extreme_grad(astype(x, float16), astype(out, float16), astype(out, float16), {1}),
      std::invalid_argument,
      "[extreme_grad] Expected a float32 or float64 x with out and g of its dtype "
      "and shape (2,1); got x float16 (2,3), out float16 (2,1) and g float16 (2,1).");
  EXPECT_THROW_MSG(extreme_grad(x, zeros({1, 3}), out, {1}), std::invalid_argument,
                   "got x float32 (2,3), out float32 (1,3) and g float32 (2,1).");
  EXPECT_THROW_MSG(extreme_grad(x, out, out, {2}), std::invalid_argument,
                   "[extreme_grad] The axes must be sorted, distinct and within the 2 dimensions "
                   "of x; got (2).");
  EXPECT_THROW_MSG(extreme_grad(zeros({2, 3, 4}), zeros({2, 1, 1}), zeros({2, 1, 1}), {2, 1}),
                   std::invalid_argument, "got (2,1).");
}

}  // namespace
}  // namespace lmx::test
