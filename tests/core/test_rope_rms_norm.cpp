// The fused float32 rotary embedding (Rope) and RMS normalisation (RmsNorm,
// RmsNormGrad) nodes against their composed graphs in float64: outputs and
// gradients for strided inputs and partial rotations, finite differences,
// second-order gradients, jvp, vmap, compile and error messages.
#include "../test_utils.h"
#include "lmx/core/rms_norm.h"
#include "lmx/core/rope.h"

namespace lmx::test {
namespace {

constexpr double kF32Tol = 3e-3, kF32Eps = 1e-2;

const char* node_name(const array& a) {
  return a.has_primitive() ? a.primitive().name() : "";
}

// fast::rope in float64 goes through the composed graph: the reference.
array rope64(const array& x, int dims, bool traditional, int offset) {
  return fast::rope(astype(x, float64), dims, traditional, 500.0f, 0.75f, offset);
}

TEST(FusedRope, MatchesFloat64ComposedForwardAndBackward) {
  // (B, L, H, D) seen as (B, H, L, D), as a transformer's heads are.
  auto x = swapaxes(random::normal({2, 7, 3, 12}, float32, random::key(1)), 1, 2);
  auto ct = random::normal({2, 3, 7, 12}, float32, random::key(2));
  for (bool traditional : {false, true}) {
    for (int dims : {12, 8}) {
      for (int offset : {0, 5}) {
        SCOPED_TRACE(testing::Message() << traditional << " " << dims << " " << offset);
        auto f = [&](const std::vector<array>& a) {
          return std::vector<array>{fast::rope(a[0], dims, traditional, 500.0f, 0.75f, offset)};
        };
        auto y = f({x})[0];
        EXPECT_STREQ(node_name(y), "Rope");
        EXPECT_EQ(y.dtype(), float32);
        EXPECT_TRUE(all_close(y, rope64(x, dims, traditional, offset), 1e-5, 1e-5));
        auto g = vjp(f, {x}, {ct}).second[0];
        auto g64 = vjp(
                       [&](const std::vector<array>& a) {
                         return std::vector<array>{rope64(a[0], dims, traditional, offset)};
                       },
                       {astype(x, float64)}, {astype(ct, float64)})
                       .second[0];
        EXPECT_STREQ(node_name(g), "Rope");
        EXPECT_TRUE(all_close(g, g64, 1e-5, 1e-5));
        auto t = jvp(f, {x}, {ct}).second[0];
        EXPECT_TRUE(all_close(t, rope64(ct, dims, traditional, offset), 1e-5, 1e-5));
      }
    }
  }
}

TEST(FusedRope, FiniteDifferencesSecondOrderVmapAndCompile) {
  auto x = random::normal({2, 3, 4}, float32, random::key(3));
  auto f = [](const std::vector<array>& a) { return fast::rope(a[0], 4, false, 100.0f, 1.0f, 2); };
  check_grad(f, {x}, kF32Tol, kF32Eps);
  // The gradient of the gradient: the inverse rotation's own vjp.
  check_grad(
      [&](const std::vector<array>& a) {
        return vjp([&](const std::vector<array>& b) { return std::vector<array>{f(b)}; }, {a[0]},
                   {a[1]})
            .second[0];
      },
      {x, random::normal({2, 3, 4}, float32, random::key(4))}, kF32Tol, kF32Eps);
  // A batch axis in front of or among the rotated axes.
  auto xs = random::normal({3, 2, 5, 6}, float32, random::key(5));
  for (int axis : {0, 2}) {
    auto batched = vmap(
        [](const std::vector<array>& a) {
          return std::vector<array>{fast::rope(a[0], 6, true, 10000.0f, 1.0f, 1)};
        },
        {axis})({moveaxis(xs, 0, axis)})[0];
    for (int i = 0; i < 3; ++i) {
      auto one = fast::rope(take(xs, array(i), 0), 6, true, 10000.0f, 1.0f, 1);
      EXPECT_TRUE(all_close(take(batched, array(i), 0), one, 1e-6, 1e-6)) << axis << i;
    }
  }
  auto compiled = compile(
      [](const std::vector<array>& a) {
        return std::vector<array>{fast::rope(a[0], 6, false, 10000.0f, 1.0f, 3)};
      },
      true);
  for (int length : {5, 9}) {
    auto y = random::normal({2, length, 6}, float32, random::key(length));
    EXPECT_TRUE(all_close(compiled({y})[0], fast::rope(y, 6, false, 10000.0f, 1.0f, 3)));
  }
}

TEST(FusedRope, Errors) {
  EXPECT_THROW_MSG(fused_rope(zeros({2, 4}, float64), 4, false, 10000.0f, 1.0f, array(0)),
                   std::invalid_argument,
                   "[rope] The fused kernel takes float32 (..., L, D) inputs with even dims <= D; "
                   "got float64 input with shape (2,4) and dims 4.");
  EXPECT_THROW_MSG(fused_rope(zeros({2, 4}), 3, false, 10000.0f, 1.0f, array(0)),
                   std::invalid_argument,
                   "even dims <= D; got float32 input with shape (2,4) and dims 3.");
  EXPECT_THROW_MSG(fused_rope(zeros({2, 4}), 4, false, 10000.0f, 1.0f, array({1, 2})),
                   std::invalid_argument,
                   "[rope] offset must be one integer but has shape (2) and dtype int32.");
}

array rms64(const array& x, const array& w) {
  auto x64 = astype(x, float64);
  auto ms = mean(square(x64), -1, true);
  return multiply(divide(x64, sqrt(add(ms, array(1e-5)))), astype(w, float64));
}

TEST(FusedRmsNorm, MatchesFloat64ComposedForwardAndBackward) {
  // Rows shorter than, equal to and longer than a vector; a strided input.
  for (int d : {5, 8, 96}) {
    SCOPED_TRACE(d);
    auto x = transpose(random::normal({d, 33}, float32, random::key(d)));
    auto w = random::normal({d}, float32, random::key(d + 1));
    auto ct = random::normal({33, d}, float32, random::key(d + 2));
    auto f = [](const std::vector<array>& a) {
      return std::vector<array>{fast::rms_norm(a[0], a[1], 1e-5f)};
    };
    auto y = f({x, w})[0];
    EXPECT_STREQ(node_name(y), "RmsNorm");
    EXPECT_TRUE(all_close(y, rms64(x, w), 1e-5, 1e-5));
    auto g = vjp(f, {x, w}, {ct}).second;
    EXPECT_STREQ(node_name(g[0]), "RmsNormGrad");
    auto g64 =
        vjp([](const std::vector<array>& a) { return std::vector<array>{rms64(a[0], a[1])}; },
            {astype(x, float64), astype(w, float64)}, {astype(ct, float64)})
            .second;
    EXPECT_TRUE(all_close(g[0], g64[0], 1e-4, 1e-5));
    EXPECT_TRUE(all_close(g[1], g64[1], 1e-4, 1e-4));
    auto t = jvp(f, {x, w}, {ct, w}).second[0];
    auto t64 =
        jvp([](const std::vector<array>& a) { return std::vector<array>{rms64(a[0], a[1])}; },
            {astype(x, float64), astype(w, float64)}, {astype(ct, float64), astype(w, float64)})
            .second[0];
    EXPECT_TRUE(all_close(t, t64, 1e-4, 1e-5));
  }
}

TEST(FusedRmsNorm, FiniteDifferencesSecondOrderVmapAndCompile) {
  auto x = random::normal({3, 4}, float32, random::key(7));
  auto w = random::normal({4}, float32, random::key(8));
  auto f = [](const std::vector<array>& a) { return fast::rms_norm(a[0], a[1], 1e-5f); };
  check_grad(f, {x, w}, kF32Tol, kF32Eps);
  // Through RmsNormGrad's own rules: each gradient as a function of x, w, dy.
  for (int i = 0; i < 2; ++i) {
    SCOPED_TRACE(i);
    check_grad(
        [&](const std::vector<array>& a) {
          return vjp([&](const std::vector<array>& b) { return std::vector<array>{f(b)}; },
                     {a[0], a[1]}, {a[2]})
              .second[i];
        },
        {x, w, random::normal({3, 4}, float32, random::key(9))}, kF32Tol, kF32Eps);
  }
  auto xs = random::normal({3, 2, 4}, float32, random::key(10));
  auto batched = vmap(
      [](const std::vector<array>& a) {
        return std::vector<array>{fast::rms_norm(a[0], a[1], 1e-5f)};
      },
      {1, -1})({moveaxis(xs, 0, 1), w})[0];
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(all_close(take(batched, array(i), 0),
                          fast::rms_norm(take(xs, array(i), 0), w, 1e-5f), 1e-6, 1e-6))
        << i;
  }
  auto compiled = compile(
      [](const std::vector<array>& a) {
        return std::vector<array>{fast::rms_norm(a[0], a[1], 1e-5f)};
      },
      true);
  for (int rows : {2, 7}) {
    auto y = random::normal({rows, 4}, float32, random::key(rows));
    EXPECT_TRUE(all_close(compiled({y, w})[0], fast::rms_norm(y, w, 1e-5f)));
  }
  // The weight's gradient sums fixed blocks of rows in a fixed order, so it is
  // the same from run to run (the blocks do not depend on the thread count
  // either, which one process cannot vary).
  auto big = random::normal({4096, 24}, float32, random::key(11));
  auto wb = random::normal({24}, float32, random::key(12));
  auto dw = [&] {
    return vjp(
               [](const std::vector<array>& a) {
                 return std::vector<array>{fast::rms_norm(a[0], a[1], 1e-5f)};
               },
               {big, wb}, {big})
        .second[1];
  };
  EXPECT_TRUE(array_equal(dw(), dw()).item<bool>());
}

TEST(FusedRmsNorm, Errors) {
  EXPECT_THROW_MSG(fused_rms_norm(zeros({2, 4}), zeros({4}, float64), 1e-5f), std::invalid_argument,
                   "[rms_norm] The fused kernel takes float32 inputs; got float32 and float64.");
  EXPECT_THROW_MSG(fused_rms_norm(zeros({2, 4}), zeros({3}), 1e-5f), std::invalid_argument,
                   "[rms_norm] weight must have shape (4) to match input with shape (2,4) but has "
                   "shape (3).");
  EXPECT_THROW_MSG(fused_rms_norm_grad(zeros({2, 4}), zeros({4}), zeros({2, 3}), 1e-5f),
                   std::invalid_argument,
                   "[rms_norm] The cotangent must have shape (2,4) but has shape (2,3).");
}

}  // namespace
}  // namespace lmx::test
