#include <cmath>
#include <limits>

#include "../test_utils.h"

using namespace lmx;
using namespace lmx::test;

TEST(Dtype, Promotion) {
  EXPECT_EQ(promote_types(int32, float32), float32);
  EXPECT_EQ(promote_types(uint8, int8), int16);
  EXPECT_EQ(promote_types(uint32, int32), int64);
  EXPECT_EQ(promote_types(uint64, int64), float32);
  EXPECT_EQ(promote_types(float16, bfloat16), float32);
  EXPECT_EQ(promote_types(int64, float16), float16);
  EXPECT_EQ(promote_types(bool_, uint16), uint16);
  EXPECT_EQ(promote_types(float64, complex64), complex64);
  EXPECT_EQ(promote_types(float32, float64), float64);
  EXPECT_TRUE(issubdtype(float16, floating));
  EXPECT_TRUE(issubdtype(int8, integer));
  EXPECT_FALSE(issubdtype(uint8, signedinteger));
  EXPECT_EQ((array(1) + array(2.0f)).dtype(), float32);
  EXPECT_EQ((array(1, int8) + array(1, uint8)).dtype(), int16);
  EXPECT_EQ(dtype_to_string(bfloat16), "bfloat16");
}

TEST(Unary, Values) {
  array x({-1.5f, 0.0f, 2.25f});
  EXPECT_TRUE(all_close(abs(x), array({1.5f, 0.0f, 2.25f})));
  EXPECT_TRUE(all_close(sign(x), array({-1.0f, 0.0f, 1.0f})));
  EXPECT_TRUE(all_close(floor(x), array({-2.0f, 0.0f, 2.0f})));
  EXPECT_TRUE(all_close(ceil(x), array({-1.0f, 0.0f, 3.0f})));
  EXPECT_TRUE(all_close(round(array({0.5f, 1.5f, 2.5f, -0.5f})), array({0.0f, 2.0f, 2.0f, -0.0f})));
  EXPECT_TRUE(all_close(round(array({1.234f}), 2), array({1.23f})));
  EXPECT_TRUE(all_close(square(x), array({2.25f, 0.0f, 5.0625f})));
  EXPECT_TRUE(all_close(sqrt(array({4.0f, 9.0f})), array({2.0f, 3.0f})));
  EXPECT_TRUE(all_close(rsqrt(array({4.0f})), array({0.5f})));
  EXPECT_TRUE(all_close(reciprocal(array({4.0f})), array({0.25f})));
  EXPECT_TRUE(all_close(exp(array({0.0f, 1.0f})), array({1.0f, 2.7182817f})));
  EXPECT_TRUE(all_close(expm1(array({1e-8f})), array({1e-8f})));
  EXPECT_TRUE(all_close(log(array({1.0f, std::exp(2.0f)})), array({0.0f, 2.0f})));
  EXPECT_TRUE(all_close(log1p(array({1e-8f})), array({1e-8f})));
  EXPECT_TRUE(all_close(log2(array({8.0f})), array({3.0f})));
  EXPECT_TRUE(all_close(log10(array({1000.0f})), array({3.0f})));
  array t({0.3, -0.7});
  EXPECT_TRUE(all_close(sin(t), array({std::sin(0.3), std::sin(-0.7)})));
  EXPECT_TRUE(all_close(cos(t), array({std::cos(0.3), std::cos(-0.7)})));
  EXPECT_TRUE(all_close(tan(t), array({std::tan(0.3), std::tan(-0.7)})));
  EXPECT_TRUE(all_close(arcsin(t), array({std::asin(0.3), std::asin(-0.7)})));
  EXPECT_TRUE(all_close(arccos(t), array({std::acos(0.3), std::acos(-0.7)})));
  EXPECT_TRUE(all_close(arctan(t), array({std::atan(0.3), std::atan(-0.7)})));
  EXPECT_TRUE(all_close(sinh(t), array({std::sinh(0.3), std::sinh(-0.7)})));
  EXPECT_TRUE(all_close(cosh(t), array({std::cosh(0.3), std::cosh(-0.7)})));
  EXPECT_TRUE(all_close(tanh(t), array({std::tanh(0.3), std::tanh(-0.7)})));
  EXPECT_TRUE(all_close(arcsinh(t), array({std::asinh(0.3), std::asinh(-0.7)})));
  EXPECT_TRUE(all_close(arccosh(array({1.5})), array({std::acosh(1.5)})));
  EXPECT_TRUE(all_close(arctanh(t), array({std::atanh(0.3), std::atanh(-0.7)})));
  EXPECT_TRUE(all_close(erf(t), array({std::erf(0.3), std::erf(-0.7)})));
  // float32 erf is within a few ulp (fast_erf.h), so the round trip is too.
  EXPECT_TRUE(all_close(erfinv(erf(t)), t, 3e-7, 1e-12));
  EXPECT_TRUE(all_close(erfinv(array({0.5f})), array({0.4769363f})));
  EXPECT_TRUE(all_close(sigmoid(array({0.0f, 100.0f, -100.0f})), array({0.5f, 1.0f, 0.0f})));
  EXPECT_EQ(exp(array({1, 2})).dtype(), float32);
  EXPECT_EQ(exp(array({1.0f}, float16)).dtype(), float16);
  EXPECT_TRUE(all_close(exp(array({1.0f}, bfloat16)), array({2.71875f}), 1e-2));
}

TEST(Unary, ClassificationAndNanToNum) {
  float inf = std::numeric_limits<float>::infinity(), nan = std::nanf("");
  array x({1.0f, inf, -inf, nan});
  EXPECT_EQ(to_vector<bool>(isnan(x)), (std::vector<bool>{false, false, false, true}));
  EXPECT_EQ(to_vector<bool>(isinf(x)), (std::vector<bool>{false, true, true, false}));
  EXPECT_EQ(to_vector<bool>(isposinf(x)), (std::vector<bool>{false, true, false, false}));
  EXPECT_EQ(to_vector<bool>(isneginf(x)), (std::vector<bool>{false, false, true, false}));
  EXPECT_EQ(to_vector<bool>(isfinite(x)), (std::vector<bool>{true, false, false, false}));
  EXPECT_EQ(to_vector<bool>(isnan(array({1, 2}))), (std::vector<bool>{false, false}));
  auto n = to_vector<float>(nan_to_num(x, 0.0f, 5.0f));
  EXPECT_EQ(n[1], 5.0f);
  EXPECT_EQ(n[2], -std::numeric_limits<float>::max());
  EXPECT_EQ(n[3], 0.0f);
  EXPECT_EQ(to_vector<bool>(logical_not(array({1, 0}))), (std::vector<bool>{false, true}));
}

TEST(Unary, Errors) {
  EXPECT_THROW_MSG(negative(array(true)), std::invalid_argument,
                   "[negative] The argument cannot be boolean");
  EXPECT_THROW_MSG(bitwise_invert(array(1.0f)), std::invalid_argument, "[bitwise_invert]");
  EXPECT_THROW_MSG(erf(array(complex64_t(1, 1))), std::invalid_argument, "[erf]");
  EXPECT_THROW_MSG(floor(array(complex64_t(1, 1))), std::invalid_argument, "[floor]");
}

TEST(Binary, ArithmeticAndBroadcasting) {
  auto a = reshape(arange(6.0), {2, 3});
  auto b = array({10.0f, 20.0f, 30.0f});
  EXPECT_TRUE(all_close(add(a, b), array({10.0f, 21.0f, 32.0f, 13.0f, 24.0f, 35.0f}, {2, 3})));
  EXPECT_TRUE(all_close(subtract(b, a), array({10.0f, 19.0f, 28.0f, 7.0f, 16.0f, 25.0f}, {2, 3})));
  EXPECT_TRUE(all_close(multiply(a, reshape(array({1.0f, 2.0f}), {2, 1})),
                        array({0.0f, 1.0f, 2.0f, 6.0f, 8.0f, 10.0f}, {2, 3})));
  EXPECT_TRUE(all_close(divide(array({1, 3}), array({2, 2})), array({0.5f, 1.5f})));
  EXPECT_EQ(divide(array({1, 3}), array({2, 2})).dtype(), float32);
  EXPECT_EQ(to_vector<int>(floor_divide(array({7, -7}), array({2, 2}))), (std::vector<int>{3, -4}));
  EXPECT_TRUE(all_close(floor_divide(array({7.0f, -7.0f}), array({2.0f})), array({3.0f, -4.0f})));
  EXPECT_EQ(to_vector<int>(remainder(array({7, -7, 7}), array({3, 3, -3}))),
            (std::vector<int>{1, 2, -2}));
  EXPECT_TRUE(all_close(remainder(array({5.5f, -5.5f}), array({2.0f})), array({1.5f, 0.5f})));
  EXPECT_EQ(to_vector<int>(power(array({2, 3}), array({3, 2}))), (std::vector<int>{8, 9}));
  EXPECT_TRUE(all_close(power(array({4.0f}), array({0.5f})), array({2.0f})));
  EXPECT_TRUE(all_close(maximum(array({1.0f, 5.0f}), 3.0f), array({3.0f, 5.0f})));
  EXPECT_TRUE(all_close(minimum(array({1.0f, 5.0f}), 3.0f), array({1.0f, 3.0f})));
  EXPECT_TRUE(std::isnan(maximum(array(std::nanf("")), array(1.0f)).item<float>()));
  EXPECT_TRUE(all_close(logaddexp(array({1000.0f, 0.0f}), array({1000.0f, 0.0f})),
                        array({1000.0f + std::log(2.0f), std::log(2.0f)})));
  EXPECT_TRUE(all_close(arctan2(array({1.0f}), array({-1.0f})), array({std::atan2(1.0f, -1.0f)})));
  EXPECT_EQ(to_vector<int>(array({5, 6}) + array({1, 1}, int8)), (std::vector<int>{6, 7}));
  EXPECT_EQ((array({true}) + array({true})).dtype(), bool_);
  EXPECT_EQ(to_vector<int>(left_shift(array({1, 1}), array({40, 3}))), (std::vector<int>{0, 8}));
}

// A short row broadcast down a dense operand, on either side (the kernel
// repeats the short row into a longer one): row lengths that do and do not
// divide its 1024-element buffer, row counts past one parallel chunk, a
// non-commutative op, a comparison and bool operands, against a loop.
TEST(Binary, ShortRowsBroadcastDownDenseOperands) {
  for (int len : {3, 16, 200}) {
    SCOPED_TRACE(len);
    const int rows = 70000 / len + 7;
    auto dense = random::normal({rows, len}, float32, random::key(1));
    auto row = random::normal({len}, float32, random::key(2));
    auto d = to_vector<float>(dense), r = to_vector<float>(row);
    auto left = to_vector<float>(subtract(dense, row)),
         right = to_vector<float>(subtract(row, dense));
    auto above = to_vector<bool>(greater(dense, row));
    auto both = to_vector<bool>(logical_and(greater(dense, 0.0f), greater(row, 0.0f)));
    for (int i = 0; i < rows; ++i) {
      for (int j = 0; j < len; ++j) {
        size_t k = size_t(i) * len + j;
        ASSERT_EQ(left[k], d[k] - r[j]) << i << ", " << j;
        ASSERT_EQ(right[k], r[j] - d[k]) << i << ", " << j;
        ASSERT_EQ(above[k], d[k] > r[j]) << i << ", " << j;
        ASSERT_EQ(both[k], d[k] > 0 && r[j] > 0) << i << ", " << j;
      }
    }
  }
}

TEST(Binary, Comparisons) {
  array a({1.0f, 2.0f, 3.0f}), b({3.0f, 2.0f, 1.0f});
  EXPECT_EQ(to_vector<bool>(equal(a, b)), (std::vector<bool>{false, true, false}));
  EXPECT_EQ(to_vector<bool>(not_equal(a, b)), (std::vector<bool>{true, false, true}));
  EXPECT_EQ(to_vector<bool>(less(a, b)), (std::vector<bool>{true, false, false}));
  EXPECT_EQ(to_vector<bool>(less_equal(a, b)), (std::vector<bool>{true, true, false}));
  EXPECT_EQ(to_vector<bool>(greater(a, b)), (std::vector<bool>{false, false, true}));
  EXPECT_EQ(to_vector<bool>(greater_equal(a, b)), (std::vector<bool>{false, true, true}));
  EXPECT_EQ(to_vector<bool>(isclose(array({1.0f, 1.1f}), array({1.0f + 1e-7f, 1.0f}))),
            (std::vector<bool>{true, false}));
  EXPECT_TRUE(allclose(a, a + 1e-7f).item<bool>());
  EXPECT_FALSE(allclose(a, b).item<bool>());
  float nan = std::nanf("");
  EXPECT_FALSE(array_equal(array({nan}), array({nan})).item<bool>());
  EXPECT_TRUE(array_equal(array({nan}), array({nan}), true).item<bool>());
  EXPECT_FALSE(array_equal(array({1, 2}), array({1, 2, 3})).item<bool>());
  EXPECT_TRUE(array_equal(array({1, 2}), array({1.0f, 2.0f})).item<bool>());
}

TEST(Binary, Errors) {
  EXPECT_THROW_MSG(add(ones({2, 3}), ones({4})), std::invalid_argument,
                   "[add] Shapes (2,3) and (4) cannot be broadcast.");
  EXPECT_THROW_MSG(bitwise_and(array(1.0f), array(1)), std::invalid_argument, "[bitwise_and]");
  EXPECT_THROW_MSG(subtract(array(true), array(false)), std::invalid_argument, "[subtract]");
}

TEST(Select, WhereAndClip) {
  EXPECT_TRUE(
      all_close(where(array({true, false}), array({1.0f, 2.0f}), 0.0f), array({1.0f, 0.0f})));
  EXPECT_EQ(where(array({true}), array(1), array(2.0f)).dtype(), float32);
  EXPECT_TRUE(all_close(clip(array({-2.0f, 0.5f, 3.0f}), array(0.0f), array(1.0f)),
                        array({0.0f, 0.5f, 1.0f})));
  EXPECT_TRUE(
      all_close(clip(array({-2.0f, 3.0f}), std::nullopt, array(1.0f)), array({-2.0f, 1.0f})));
  EXPECT_THROW_MSG(clip(array(1.0f), std::nullopt, std::nullopt), std::invalid_argument, "[clip]");
  EXPECT_THROW_MSG(where(array({true, false, true}), ones({2}), ones({2})), std::invalid_argument,
                   "[where]");
}

// where() picks bits: every entry size (bool, int8, float16, float32,
// int64, complex64), rows of values that advance or stay on one entry
// (broadcast), strided conditions, and NaN and -0 kept exactly.
TEST(Select, EverySizeAndLayoutKeepsTheBits) {
  auto cond = greater(random::uniform({6, 37}, float32, random::key(4)), array(0.5f));
  auto c = to_vector<bool>(cond);
  for (Dtype t : {bool_, int8, float16, float32, int64, complex64}) {
    auto x = astype(multiply(random::normal({6, 37}, float32, random::key(5)), array(9.0f)), t);
    auto y = astype(multiply(random::normal({6, 37}, float32, random::key(6)), array(9.0f)), t);
    auto y_row = slice(y, {0, 0}, {1, 37});  // (1, 37): the same row for every row
    auto y_one = slice(y, {2, 3}, {3, 4});   // (1, 1): one value for all
    auto xf = to_vector<complex64_t>(astype(x, complex64));
    auto yf = to_vector<complex64_t>(astype(y, complex64));
    for (int layout = 0; layout < 3; ++layout) {
      auto other = layout == 0 ? y : layout == 1 ? y_row : y_one;
      auto got = to_vector<complex64_t>(astype(where(cond, x, other), complex64));
      for (int i = 0; i < 6 * 37; ++i) {
        int j = layout == 0 ? i : layout == 1 ? i % 37 : 2 * 37 + 3;
        ASSERT_EQ(got[i], c[i] ? xf[i] : yf[j]) << dtype_to_string(t) << " layout " << layout;
      }
    }
    // A transposed (strided) condition.
    auto tc = transpose(cond);
    auto got = to_vector<complex64_t>(astype(where(tc, transpose(x), transpose(y)), complex64));
    for (int r = 0; r < 37; ++r)
      for (int k = 0; k < 6; ++k)
        ASSERT_EQ(got[r * 6 + k], c[k * 37 + r] ? xf[k * 37 + r] : yf[k * 37 + r])
            << dtype_to_string(t);
  }
  float nan = std::nanf(""), inf = std::numeric_limits<float>::infinity();
  auto special =
      to_vector<float>(where(array({true, false, true, false}), array({nan, 1.0f, -0.0f, 2.0f}),
                             array({3.0f, -0.0f, 4.0f, -inf})));
  EXPECT_TRUE(std::isnan(special[0]));
  EXPECT_TRUE(special[1] == 0.0f && std::signbit(special[1]));
  EXPECT_TRUE(special[2] == 0.0f && std::signbit(special[2]));
  EXPECT_EQ(special[3], -inf);
}

// Operands that collapse to a few long rows (contiguous ones to one) are
// cut into pieces for the threads: every piece, the short last one included,
// is written once and from the right place. Booleans read as bytes convert
// to 0 and 1 in every numeric dtype.
TEST(Select, LongRowsSplitIntoPieces) {
  for (int n : {131072, 131073, 300001}) {
    auto x = arange(static_cast<float>(n));
    auto cond = equal(remainder(astype(arange(n), int32), array(3)), array(0));
    auto got = to_vector<float>(where(cond, x, array(-1.0f)));
    auto picked = to_vector<float>(where(cond, array(7.0f), negative(x)));
    for (int i = 0; i < n; ++i) {
      ASSERT_EQ(got[i], i % 3 == 0 ? static_cast<float>(i) : -1.0f) << n << " " << i;
      ASSERT_EQ(picked[i], i % 3 == 0 ? 7.0f : -static_cast<float>(i)) << n << " " << i;
    }
    // Two long rows, the second broadcast from a column of conditions.
    auto two = reshape(concatenate({x, x}), {2, n});
    auto rows = to_vector<float>(where(array({true, false}, {2, 1}), two, array(0.5f)));
    ASSERT_EQ(rows[n - 1], static_cast<float>(n - 1));
    ASSERT_EQ(rows[n], 0.5f);
    ASSERT_EQ(rows[2 * n - 1], 0.5f);
    for (Dtype t : {float32, float64, int32, uint8, float16}) {
      auto v = to_vector<double>(astype(cond, t));
      for (int i = 0; i < n; ++i) ASSERT_EQ(v[i], i % 3 == 0 ? 1.0 : 0.0) << dtype_to_string(t);
    }
  }
}

TEST(Astype, Conversions) {
  EXPECT_EQ(to_vector<int>(astype(array({1.7f, -1.7f}), int32)), (std::vector<int>{1, -1}));
  EXPECT_EQ(to_vector<bool>(astype(array({0.0f, 2.0f}), bool_)), (std::vector<bool>{false, true}));
  EXPECT_TRUE(all_close(astype(astype(array({1.5f, 65504.0f}), float16), float32),
                        array({1.5f, 65504.0f})));
  EXPECT_TRUE(all_close(astype(astype(array({3.140625f}), bfloat16), float32), array({3.140625f})));
  EXPECT_EQ(astype(array({1, 2}), complex64).dtype(), complex64);
  auto c = array(complex64_t(3, 4));
  EXPECT_FLOAT_EQ(abs(c).item<float>(), 5.0f);
  EXPECT_FLOAT_EQ(real(c).item<float>(), 3.0f);
  EXPECT_FLOAT_EQ(imag(c).item<float>(), 4.0f);
  EXPECT_FLOAT_EQ(imag(conjugate(c)).item<float>(), -4.0f);
  EXPECT_EQ((c * c).item<complex64_t>(), complex64_t(-7, 24));
}

// Copies of views: rows broadcast down a matrix (a bias), a value broadcast
// along rows, a small transpose, and a large strided view, with and without a
// dtype change.
TEST(Astype, ViewsCopyRowByRow) {
  auto row = array({1.5f, -2.5f, 3.5f});
  EXPECT_EQ(to_vector<int>(astype(broadcast_to(row, {2, 3}), int32)),
            (std::vector<int>{1, -2, 3, 1, -2, 3}));
  EXPECT_EQ(to_vector<float>(astype(broadcast_to(row, {2, 3}), float32)),
            (std::vector<float>{1.5f, -2.5f, 3.5f, 1.5f, -2.5f, 3.5f}));
  auto col = array({1.0f, 0.0f}, {2, 1});
  EXPECT_EQ(to_vector<bool>(astype(broadcast_to(col, {2, 3}), bool_)),
            (std::vector<bool>{true, true, true, false, false, false}));
  auto m = arange(6.0f);
  EXPECT_EQ(to_vector<int>(astype(transpose(reshape(m, {2, 3})), int32)),
            (std::vector<int>{0, 3, 1, 4, 2, 5}));
  auto big = reshape(arange(300 * 400), {300, 400});
  auto t = astype(transpose(big), float32);
  EXPECT_EQ(t.shape(), (Shape{400, 300}));
  EXPECT_EQ(t.data<float>()[1 * 300 + 2], 2 * 400 + 1);
}

namespace lmx::test {
namespace {
// float32 exp is the vectorised polynomial: within a few ulp of float64 over
// the whole range, and exact at the edges (overflow, underflow, NaN).
TEST(OpsMath, FloatExpAccuracyAndEdges) {
  auto x = random::uniform(-87.0f, 88.0f, {100000}, float32, random::key(9));
  auto ref = astype(exp(astype(x, float64)), float32);
  EXPECT_TRUE(all_close(exp(x), ref, 2e-7, 0.0));
  float inf = std::numeric_limits<float>::infinity();
  auto edges = to_vector<float>(exp(array({-inf, -200.0f, 0.0f, 100.0f, inf, std::nanf("")})));
  EXPECT_EQ(edges[0], 0.0f);
  EXPECT_EQ(edges[1], 0.0f);
  EXPECT_EQ(edges[2], 1.0f);
  EXPECT_EQ(edges[3], inf);
  EXPECT_EQ(edges[4], inf);
  EXPECT_TRUE(std::isnan(edges[5]));
}

// float32 erf is the vectorised approximation of fast_erf.h: within 3 ulp of
// erf in double on 2 million points over [-5, 5] (every point of both
// ranges and across x = 1 and 4), odd, and exact at 0, ±inf and NaN.
TEST(OpsMath, FloatErfAccuracyAndEdges) {
  const int n = 2000001;
  auto x = linspace(-5.0, 5.0, n, float32);
  auto got = to_vector<float>(erf(x));
  auto xs = to_vector<float>(x);
  double worst = 0;
  for (int i = 0; i < n; ++i) {
    const float want = static_cast<float>(std::erf(static_cast<double>(xs[i])));
    const double ulp = std::nextafter(std::fabs(want), INFINITY) - std::fabs(want);
    worst = std::max(worst, std::fabs(double(got[i]) - std::erf(double(xs[i]))) / ulp);
  }
  EXPECT_LT(worst, 3.0);
  float inf = std::numeric_limits<float>::infinity();
  auto edges = to_vector<float>(erf(array({0.0f, -0.0f, inf, -inf, 1e-30f, 3.0f, std::nanf("")})));
  EXPECT_EQ(edges[0], 0.0f);
  EXPECT_TRUE(std::signbit(edges[1]));
  EXPECT_EQ(edges[2], 1.0f);
  EXPECT_EQ(edges[3], -1.0f);
  EXPECT_NEAR(edges[4], 1.1283791e-30f, 1e-36f);
  EXPECT_EQ(edges[5], to_vector<float>(negative(erf(array({-3.0f}))))[0]);
  EXPECT_TRUE(std::isnan(edges[6]));
}

// The float32 softmax/logsumexp kernels use a vectorised exp: compare with
// float64 over a wide range, and check the edge values.
TEST(OpsMath, FloatSoftmaxAndLogsumexpAccuracy) {
  auto x = multiply(random::normal({64, 257}), array(30.0f));
  auto ref = astype(softmax(astype(x, float64), -1), float32);
  // x - max is rounded to float first, so relative error grows with |x - max| (~1e-5 at 100).
  EXPECT_TRUE(all_close(softmax(x, -1), ref, 1e-5, 1e-30));
  EXPECT_TRUE(
      all_close(logsumexp(x, -1), astype(logsumexp(astype(x, float64), -1), float32), 1e-6, 1e-6));
  float inf = std::numeric_limits<float>::infinity();
  auto edges = array({-inf, 0.0f, -100.0f, 80.0f, -inf, -inf}, {2, 3});
  auto p = to_vector<float>(softmax(edges, -1));
  EXPECT_EQ(p[0], 0.0f);
  EXPECT_NEAR(p[1], 1.0f, 1e-7);
  EXPECT_EQ(p[2], 0.0f);  // e^-100 underflows float
  EXPECT_NEAR(p[3], 1.0f, 1e-7);
  EXPECT_EQ(p[4], 0.0f);
  EXPECT_TRUE(std::isnan(to_vector<float>(softmax(array({std::nanf(""), 1.0f}), -1))[0]));
  EXPECT_EQ(to_vector<float>(logsumexp(array({-inf, -inf}), -1))[0], -inf);
}
}  // namespace
}  // namespace lmx::test
