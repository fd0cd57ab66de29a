// nn::gelu on floating inputs is one elementwise map (the Gelu row of the
// elementwise table) with a derivative map of its own: against the composed
// graph it replaced (MLX's x (1 + erf(x / sqrt 2)) / 2), within a few ulp in
// float32 (the CPU multiplies by 1 / sqrt 2 where the graph divides), and its
// first and second derivatives in float64.
#include <cmath>
#include <limits>

#include "../test_utils.h"
#include "lmx/core/gelu.h"

using namespace lmx;
using namespace lmx::test;

namespace {

array composed_gelu(const array& x) {
  return divide(
      multiply(x, add(array(1.0, x.dtype()), erf(divide(x, array(std::sqrt(2.0), x.dtype()))))),
      array(2.0, x.dtype()));
}

}  // namespace

TEST(Gelu, OneMapThatMatchesTheGraph) {
  auto x = multiply(random::normal({4, 1000}, float32, random::key(1)), array(3.0f));
  auto y = nn::gelu(x);
  EXPECT_STREQ(y.primitive().name(), "Gelu");
  EXPECT_TRUE(all_close(y, composed_gelu(x), 1e-6, 1e-6));
  // Strided input, float64, the 16-bit floats (computed in float).
  EXPECT_TRUE(all_close(nn::gelu(transpose(x)), composed_gelu(transpose(x)), 1e-6, 1e-6));
  auto x64 = astype(x, float64);
  EXPECT_TRUE(all_close(nn::gelu(x64), composed_gelu(x64), 1e-14, 1e-14));
  EXPECT_TRUE(
      all_close(astype(nn::gelu(astype(x, float16)), float32), composed_gelu(x), 1e-2, 1e-2));
  EXPECT_EQ(nn::gelu(astype(x, bfloat16)).dtype(), bfloat16);
  // Integers keep the graph, which promotes them.
  EXPECT_EQ(nn::gelu(array({1, 2})).dtype(), float32);
  float inf = std::numeric_limits<float>::infinity();
  auto edge = to_vector<float>(nn::gelu(array({inf, -inf, std::nanf("")})));
  EXPECT_EQ(edge[0], inf);
  EXPECT_TRUE(std::isnan(edge[1]));  // -inf * 0, as the graph gives
  EXPECT_TRUE(std::isnan(edge[2]));
  EXPECT_THROW_MSG(gelu_map(array({1, 2})), std::invalid_argument,
                   "[gelu] The fused map takes floating inputs but got int32.");
}

TEST(Gelu, DerivativesMatchTheGraph) {
  auto x = multiply(random::normal({64}, float64, random::key(2)), array(2.5));
  auto g = grad([](const array& a) { return sum(nn::gelu(a)); })(x);
  auto g_ref = grad([](const array& a) { return sum(composed_gelu(a)); })(x);
  EXPECT_TRUE(all_close(g, g_ref, 1e-12, 1e-12));
  auto h = grad([](const array& a) {
    return sum(grad([](const array& b) { return sum(nn::gelu(b)); })(a));
  })(x);
  auto h_ref = grad([](const array& a) {
    return sum(grad([](const array& b) { return sum(composed_gelu(b)); })(a));
  })(x);
  EXPECT_TRUE(all_close(h, h_ref, 1e-10, 1e-10));
  check_grad([](const std::vector<array>& v) { return nn::gelu(v[0]); }, {x});
  // float32: the backward is the derivative map and a product.
  auto x32 = astype(x, float32);
  auto g32 = grad([](const array& a) { return sum(nn::gelu(a)); })(x32);
  EXPECT_TRUE(all_close(g32, astype(g_ref, float32), 1e-5, 1e-6));
  // The float32 derivative at 0, in both tails and past exp's range.
  auto d = to_vector<float>(grad([](const array& a) { return sum(nn::gelu(a)); })(
      array({0.0f, -10.0f, 10.0f, -30.0f, 30.0f, 1e30f})));
  EXPECT_FLOAT_EQ(d[0], 0.5f);
  EXPECT_NEAR(d[1], 0.0f, 1e-18);
  EXPECT_FLOAT_EQ(d[2], 1.0f);
  EXPECT_EQ(d[3], 0.0f);
  EXPECT_EQ(d[4], 1.0f);
  EXPECT_EQ(d[5], 1.0f);
}
