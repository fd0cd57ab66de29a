// Central-difference checks of vjp and jvp for every differentiable op, in
// float64, including broadcasting and reductions over several axes.
#include <limits>

#include "../test_utils.h"

using namespace lmx;
using namespace lmx::test;

namespace {

array input(Shape shape, double lo = -1.0, double hi = 1.0, uint64_t seed = 0) {
  return random::uniform(array(lo), array(hi), shape, float64, random::key(seed));
}

}  // namespace

#define UNARY_GRAD(NAME, FN, LO, HI)                                                           \
  TEST(Grad, NAME) {                                                                           \
    check_grad([](const std::vector<array>& x) { return FN(x[0]); }, {input({2, 3}, LO, HI)}); \
  }

UNARY_GRAD(Abs, abs, 0.1, 1.0)
UNARY_GRAD(Negative, negative, -1, 1)
UNARY_GRAD(Sqrt, sqrt, 0.5, 2.0)
UNARY_GRAD(Rsqrt, rsqrt, 0.5, 2.0)
UNARY_GRAD(Square, square, -1, 1)
UNARY_GRAD(Reciprocal, reciprocal, 0.5, 2.0)
UNARY_GRAD(Exp, exp, -1, 1)
UNARY_GRAD(Expm1, expm1, -1, 1)
UNARY_GRAD(Log, log, 0.5, 2.0)
UNARY_GRAD(Log1p, log1p, -0.5, 1.0)
UNARY_GRAD(Log2, log2, 0.5, 2.0)
UNARY_GRAD(Log10, log10, 0.5, 2.0)
UNARY_GRAD(Sin, sin, -1, 1)
UNARY_GRAD(Cos, cos, -1, 1)
UNARY_GRAD(Tan, tan, -1, 1)
UNARY_GRAD(ArcSin, arcsin, -0.8, 0.8)
UNARY_GRAD(ArcCos, arccos, -0.8, 0.8)
UNARY_GRAD(ArcTan, arctan, -1, 1)
UNARY_GRAD(Sinh, sinh, -1, 1)
UNARY_GRAD(Cosh, cosh, -1, 1)
UNARY_GRAD(Tanh, tanh, -1, 1)
UNARY_GRAD(ArcSinh, arcsinh, -1, 1)
UNARY_GRAD(ArcCosh, arccosh, 1.5, 3.0)
UNARY_GRAD(ArcTanh, arctanh, -0.8, 0.8)
UNARY_GRAD(Erf, erf, -1, 1)
UNARY_GRAD(ErfInv, erfinv, -0.8, 0.8)
UNARY_GRAD(Sigmoid, sigmoid, -2, 2)
UNARY_GRAD(Copy, copy, -1, 1)

#define BINARY_GRAD(NAME, FN, LO, HI)                                    \
  TEST(Grad, NAME) {                                                     \
    auto f = [](const std::vector<array>& x) { return FN(x[0], x[1]); }; \
    check_grad(f, {input({2, 3}, LO, HI, 1), input({2, 3}, LO, HI, 2)}); \
    /* broadcasting in both directions */                                \
    check_grad(f, {input({2, 1}, LO, HI, 3), input({3}, LO, HI, 4)});    \
  }

BINARY_GRAD(Add, add, -1, 1)
BINARY_GRAD(Subtract, subtract, -1, 1)
BINARY_GRAD(Multiply, multiply, -1, 1)
BINARY_GRAD(Divide, divide, 0.5, 2)
BINARY_GRAD(Power, power, 0.5, 2)
BINARY_GRAD(Maximum, maximum, -1, 1)
BINARY_GRAD(Minimum, minimum, -1, 1)
BINARY_GRAD(LogAddExp, logaddexp, -1, 1)
BINARY_GRAD(ArcTan2, arctan2, 0.5, 2)
BINARY_GRAD(Remainder, remainder, 0.5, 2)

TEST(Grad, Where) {
  auto cond = array({true, false, true});
  check_grad([&](const std::vector<array>& x) { return where(cond, x[0], x[1]); },
             {input({3}), input({2, 3}, -1, 1, 5)});
}

TEST(Grad, Reductions) {
  auto x = input({2, 3, 4});
  check_grad([](const std::vector<array>& v) { return sum(v[0], {0, 2}); }, {x});
  check_grad([](const std::vector<array>& v) { return sum(v[0], std::vector<int>{1}, true); }, {x});
  check_grad([](const std::vector<array>& v) { return mean(v[0], {0, 1}); }, {x});
  check_grad([](const std::vector<array>& v) { return prod(v[0], {0, 2}); }, {x});
  check_grad([](const std::vector<array>& v) { return max(v[0], {1, 2}); }, {x});
  check_grad([](const std::vector<array>& v) { return min(v[0], 0, true); }, {x});
  check_grad([](const std::vector<array>& v) { return var(v[0], {0, 2}, false, 1); }, {x});
  check_grad([](const std::vector<array>& v) { return lmx::std(v[0], 1); }, {x});
  check_grad([](const std::vector<array>& v) { return logsumexp(v[0], {0, 2}); }, {x});
  check_grad([](const std::vector<array>& v) { return logsumexp(v[0], -1, true); }, {x});
  check_grad([](const std::vector<array>& v) { return softmax(v[0], -1); }, {x});
  check_grad([](const std::vector<array>& v) { return softmax(v[0], {0, 1}); }, {x});
}

// max's vjp splits the cotangent between tied maxima and gives the others
// share * 0, as MLX 0.32.4 does: an infinite share leaves NaN beside the
// maxima, a negative one -0 (values read from MLX).
TEST(Grad, MaxSplitsTiesAndKeepsMlxsNonFiniteCotangents) {
  auto x = array({1.0f, 3.0f, 3.0f, 2.0f, -1.0f, 0.5f}, {2, 3});
  auto f = [](const std::vector<array>& v) { return std::vector<array>{max(v[0], 1)}; };
  float inf = std::numeric_limits<float>::infinity();
  auto d = to_vector<float>(vjp(f, {x}, {array({inf, -2.0f})}).second[0]);
  EXPECT_TRUE(std::isnan(d[0]));
  EXPECT_EQ(d[1], inf);
  EXPECT_EQ(d[2], inf);
  EXPECT_EQ(d[3], -2.0f);
  EXPECT_TRUE(d[4] == 0.0f && std::signbit(d[4]));
  EXPECT_TRUE(d[5] == 0.0f && std::signbit(d[5]));
  auto ties = to_vector<float>(vjp(f, {x}, {array({3.0f, 4.0f})}).second[0]);
  EXPECT_EQ(ties, (std::vector<float>{0.0f, 1.5f, 1.5f, 4.0f, 0.0f, 0.0f}));
  auto m = to_vector<float>(
      vjp([](const std::vector<array>& v) { return std::vector<array>{min(v[0], 0)}; }, {x},
          {array({1.0f, 1.0f, 1.0f})})
          .second[0]);
  EXPECT_EQ(m, (std::vector<float>{1.0f, 0.0f, 0.0f, 0.0f, 1.0f, 1.0f}));
}

TEST(Grad, ProdWithZero) {
  auto x = array({2.0, 0.0, 3.0}, float64);
  auto g = grad([](const array& v) { return prod(v); })(x);
  EXPECT_TRUE(all_close(g, array({0.0, 6.0, 0.0})));
}

TEST(Grad, Scans) {
  auto x = input({3, 4}, 0.5, 2.0);
  check_grad([](const std::vector<array>& v) { return cumsum(v[0], 1); }, {x});
  check_grad([](const std::vector<array>& v) { return cumsum(v[0], 0, true, false); }, {x});
  check_grad([](const std::vector<array>& v) { return cumprod(v[0], 1); }, {x});
  check_grad([](const std::vector<array>& v) { return cumprod(v[0], 0, true); }, {x});
  check_grad([](const std::vector<array>& v) { return cummax(v[0], 1); }, {x});
  check_grad([](const std::vector<array>& v) { return cummin(v[0], 0, true); }, {x});
}

TEST(Grad, ShapeOps) {
  auto x = input({2, 3});
  check_grad([](const std::vector<array>& v) { return reshape(v[0], {3, 2}); }, {x});
  check_grad([](const std::vector<array>& v) { return transpose(v[0]); }, {x});
  check_grad([](const std::vector<array>& v) { return broadcast_to(v[0], {4, 2, 3}); }, {x});
  check_grad([](const std::vector<array>& v) { return slice(v[0], {0, 2}, {2, 0}, {1, -2}); }, {x});
  check_grad(
      [](const std::vector<array>& v) {
        return concatenate({v[0], v[1]}, 1);
      },
      {x, input({2, 2}, -1, 1, 7)});
  check_grad([](const std::vector<array>& v) { return stack({v[0], v[0] * v[0]}, 0); }, {x});
  check_grad(
      [](const std::vector<array>& v) {
        return pad(v[0], {{1, 0}, {2, 1}}, v[1]);
      },
      {x, input({}, -1, 1, 8)});
  check_grad(
      [](const std::vector<array>& v) {
        return slice_update(v[0], v[1], {0, 1}, {2, 3});
      },
      {x, input({2, 2}, -1, 1, 9)});
  check_grad([](const std::vector<array>& v) { return split(v[0], 3, 1)[1]; }, {x});
  check_grad([](const std::vector<array>& v) { return squeeze(expand_dims(v[0], 0)); }, {x});
  // Through float32, so the difference quotient needs a coarse step.
  check_grad([](const std::vector<array>& v) { return astype(astype(v[0], float32), float64); },
             {x}, 1e-3, 1e-3);
}

TEST(Grad, Indexing) {
  auto x = input({4, 3});
  auto idx = array({3, 0, 3});
  check_grad([&](const std::vector<array>& v) { return take(v[0], idx, 0); }, {x});
  check_grad([&](const std::vector<array>& v) { return take(v[0], array({2, 2}), 1); }, {x});
  auto along = array({0, 2, 1, 1}, {4, 1});
  check_grad([&](const std::vector<array>& v) { return take_along_axis(v[0], along, 1); }, {x});
  check_grad([&](const std::vector<array>& v) { return put_along_axis(v[0], along, v[1], 1); },
             {x, input({4, 1}, -1, 1, 3)});
  check_grad(
      [&](const std::vector<array>& v) {
        return gather(v[0], {array({1, 2}), array({0, 1})}, {0, 1}, {1, 2});
      },
      {x});
  check_grad(
      [&](const std::vector<array>& v) {
        return scatter(v[0], array({1, 3}), v[1], 0);
      },
      {x, input({2, 1, 3}, -1, 1, 4)});
  check_grad(
      [&](const std::vector<array>& v) {
        return scatter_add(v[0], array({1, 1}), v[1], 0);
      },
      {x, input({2, 1, 3}, -1, 1, 5)});
  check_grad([&](const std::vector<array>& v) { return sort(v[0], 1); }, {x});
  check_grad([&](const std::vector<array>& v) { return topk(v[0], 2, 0); }, {x});
}

TEST(Grad, Matmul) {
  check_grad([](const std::vector<array>& v) { return matmul(v[0], v[1]); },
             {input({2, 3}), input({3, 4}, -1, 1, 1)});
  check_grad([](const std::vector<array>& v) { return matmul(v[0], v[1]); },
             {input({2, 2, 3}), input({3, 2}, -1, 1, 1)});
  check_grad([](const std::vector<array>& v) { return matmul(v[0], v[1]); },
             {input({3}), input({3, 2}, -1, 1, 1)});
  check_grad([](const std::vector<array>& v) { return addmm(v[2], v[0], v[1], 0.5f, 2.0f); },
             {input({2, 3}), input({3, 4}, -1, 1, 1), input({4}, -1, 1, 2)});
  // A batched a against a 2-D b is one flattened product (ops_index.cpp).
  check_grad([](const std::vector<array>& v) { return addmm(v[2], v[0], v[1], 0.5f, 2.0f); },
             {input({2, 2, 3}), input({3, 4}, -1, 1, 1), input({4}, -1, 1, 2)});
  check_grad(
      [](const std::vector<array>& v) { return matmul(swapaxes(v[0], -1, -2), transpose(v[1])); },
      {input({2, 3, 2}), input({4, 3}, -1, 1, 1)});
  check_grad([](const std::vector<array>& v) { return outer(v[0], v[1]); },
             {input({2}), input({3}, -1, 1, 1)});
  check_grad([](const std::vector<array>& v) { return inner(v[0], v[1]); },
             {input({2, 3}), input({3}, -1, 1, 1)});
}

// Operands that are transposes (x @ W.T, A.T @ B, batched) take the vjp path
// that computes their gradient transposed; it must give the same values, and
// the gradient that reaches W must be row-major.
TEST(Grad, MatmulOfTransposedOperands) {
  check_grad([](const std::vector<array>& v) { return matmul(v[0], transpose(v[1])); },
             {input({2, 3}), input({4, 3}, -1, 1, 1)});
  check_grad([](const std::vector<array>& v) { return matmul(transpose(v[0]), v[1]); },
             {input({3, 2}), input({3, 4}, -1, 1, 1)});
  check_grad(
      [](const std::vector<array>& v) {
        return matmul(swapaxes(v[0], -1, -2), swapaxes(v[1], -1, -2));
      },
      {input({2, 3, 2}), input({2, 4, 3}, -1, 1, 1)});
  check_grad(
      [](const std::vector<array>& v) { return addmm(v[2], v[0], transpose(v[1]), 2.0f, 0.5f); },
      {input({2, 3}), input({4, 3}, -1, 1, 1), input({4}, -1, 1, 2)});
  auto w = input({4, 3}, -1, 1, 1);
  auto g = grad([](const array& w) { return sum(matmul(ones({2, 3}), transpose(w))); })(w);
  eval(g);
  EXPECT_TRUE(g.flags().row_contiguous);
  EXPECT_TRUE(all_close(g, full({4, 3}, 2.0f)));
}

TEST(Grad, MlpCrossEntropyOverParameterVector) {
  auto x = input({5, 4});
  auto y = array({0, 2, 1, 1, 0});
  auto loss = [&](const std::vector<array>& p) {
    auto h = maximum(addmm(p[1], x, p[0]), array(0.0));
    auto logits = addmm(p[3], h, p[2]);
    auto picked = take_along_axis(logits, expand_dims(y, -1), -1);
    return mean(logsumexp(logits, -1, true) - picked);
  };
  check_grad(loss, {input({4, 6}, -1, 1, 1), input({6}, -1, 1, 2), input({6, 3}, -1, 1, 3),
                    input({3}, -1, 1, 4)});
}

TEST(Transforms, GradOfGradAndJvpOfVjp) {
  auto f = [](const array& x) { return sin(x) * x; };
  auto d1 = grad(f);
  auto d2 = grad([&](const array& x) { return sum(d1(x)); });
  double x0 = 0.7;
  // f'' = 2 cos x - x sin x
  EXPECT_NEAR(d2(array(x0, float64)).item<double>(), 2 * std::cos(x0) - x0 * std::sin(x0), 1e-10);
  auto [out, tan] = jvp([&](const array& x) { return vjp(f, x, array(1.0, float64)).second; },
                        array(x0, float64), array(1.0, float64));
  EXPECT_NEAR(tan.item<double>(), 2 * std::cos(x0) - x0 * std::sin(x0), 1e-10);
  auto d3 = grad([&](const array& x) { return sum(d2(x)); });
  EXPECT_NEAR(d3(array(x0, float64)).item<double>(), -3 * std::sin(x0) - x0 * std::cos(x0), 1e-10);
}

TEST(Transforms, Overloads) {
  auto vg = value_and_grad([](const array& x) { return sum(square(x)); });
  auto [v, g] = vg(array({1.0f, 2.0f}));
  EXPECT_FLOAT_EQ(v.item<float>(), 5.0f);
  EXPECT_TRUE(all_close(g, array({2.0f, 4.0f})));
  auto f2 = [](const std::vector<array>& xs) { return sum(xs[0] * xs[1]); };
  auto [v2, g2] =
      value_and_grad(f2, std::vector<int>{1})({array({1.0f, 2.0f}), array({3.0f, 4.0f})});
  ASSERT_EQ(g2.size(), 1u);
  EXPECT_TRUE(all_close(g2[0], array({1.0f, 2.0f})));
  auto multi = [](const std::vector<array>& xs) {
    return std::vector<array>{sum(xs[0]), xs[0] * 2.0f};
  };
  auto [vals, grads] = value_and_grad(multi)({array({1.0f, 2.0f})});
  EXPECT_EQ(vals.size(), 2u);
  EXPECT_TRUE(all_close(grads[0], array({1.0f, 1.0f})));
  auto gs = grad(f2, std::vector<int>{0, 1})({array({1.0f}), array({3.0f})});
  EXPECT_TRUE(all_close(gs[1], array({1.0f})));
  auto [outs, cots] =
      vjp([](const std::vector<array>& xs) { return std::vector<array>{xs[0] * xs[1]}; },
          {array(2.0f), array(3.0f)}, {array(1.0f)});
  EXPECT_FLOAT_EQ(cots[0].item<float>(), 3.0f);
  EXPECT_FLOAT_EQ(cots[1].item<float>(), 2.0f);
  auto [o, t] = jvp([](const array& x) { return exp(x); }, array(0.0f), array(2.0f));
  EXPECT_FLOAT_EQ(t.item<float>(), 2.0f);
}

TEST(Transforms, StopGradientAndConstants) {
  auto f = [](const array& x) { return x * stop_gradient(x) + array(3.0f); };
  EXPECT_FLOAT_EQ(grad(f)(array(2.0f)).item<float>(), 2.0f);
  // An input the function ignores gets a zero gradient.
  auto g = grad([](const std::vector<array>& xs) { return sum(xs[0]); },
                std::vector<int>{0, 1})({array({1.0f}), array({5.0f, 6.0f})});
  EXPECT_TRUE(all_close(g[1], array({0.0f, 0.0f})));
  // Evaluating inside the traced function keeps the graph for the gradient.
  auto h = grad([](const array& x) {
    auto y = exp(x);
    y.eval();
    return y * 2.0f;
  });
  EXPECT_NEAR(h(array(0.0f)).item<float>(), 2.0f, 1e-6);
}

TEST(Transforms, Errors) {
  EXPECT_THROW_MSG(grad([](const array& x) { return x * 2.0f; })(array({1.0f, 2.0f})),
                   std::invalid_argument, "[grad] The function must return a scalar");
  EXPECT_THROW_MSG(vjp([](const array& x) { return x; }, array({1.0f}), array({1.0f, 2.0f})),
                   std::invalid_argument,
                   "[vjp] Output shape (1) does not match cotangent shape (2)");
  EXPECT_THROW_MSG(jvp([](const array& x) { return x; }, array({1.0f}), array({1.0f, 2.0f})),
                   std::invalid_argument, "[jvp] Input shape (1) does not match tangent shape (2)");
  auto f = [](const std::vector<array>& xs) { return sum(xs[0]); };
  EXPECT_THROW_MSG(grad(f, 3)({array(1.0f)}), std::invalid_argument,
                   "[grad] Invalid argument number for function with 1 inputs.");
  EXPECT_THROW_MSG(grad(f, -2)({array(1.0f)}), std::invalid_argument,
                   "[grad] Invalid argument number for function with 1 inputs.");
  // Negative argument numbers count from the end.
  auto g = grad([](const std::vector<array>& xs) { return sum(xs[0] * xs[1]); }, -1);
  EXPECT_EQ(g({array(2.0f), array(3.0f)})[0].item<float>(), 2.0f);
  auto g2 = grad([](const std::vector<array>& xs) { return sum(xs[0] * xs[1]); }, {-1, 0});
  auto r = g2({array(2.0f), array(3.0f)});
  EXPECT_EQ(r[0].item<float>(), 2.0f);
  EXPECT_EQ(r[1].item<float>(), 3.0f);
}

TEST(Grad, CumprodWithZeros) {
  auto x = array({2.0, 0.0, 3.0, 0.0, 1.5, -1.0}, {2, 3}, float64);
  check_grad([](const std::vector<array>& v) { return cumprod(v[0], 1); }, {x});
  check_grad([](const std::vector<array>& v) { return cumprod(v[0], 1, true); }, {x});
  check_grad([](const std::vector<array>& v) { return cumprod(flatten(v[0]), 0); }, {x});
  check_grad([](const std::vector<array>& v) { return cumprod(flatten(v[0]), 0, false, false); },
             {x});
}

TEST(Grad, ExclusiveScans) {
  auto x = input({3, 4}, 0.5, 2.0, 11);
  check_grad([](const std::vector<array>& v) { return cumprod(v[0], 1, false, false); }, {x});
  check_grad([](const std::vector<array>& v) { return cumprod(v[0], 0, true, false); }, {x});
  // The first (last, when reversed) entry of an exclusive max/min is -inf/inf:
  // differentiate the rest.
  check_grad(
      [](const std::vector<array>& v) {
        return slice(cummax(v[0], 1, false, false), {0, 1}, {3, 4});
      },
      {x});
  check_grad(
      [](const std::vector<array>& v) {
        return slice(cummin(v[0], 1, true, false), {0, 0}, {3, 3});
      },
      {x});
}

TEST(Grad, ScatterReductions) {
  auto x = input({4, 3}, 0.5, 2.0, 12);
  check_grad(
      [](const std::vector<array>& v) {
        return scatter_prod(v[0], array({1, 3}), v[1], 0);
      },
      {x, input({2, 1, 3}, 0.5, 2.0, 13)});
  check_grad(
      [](const std::vector<array>& v) {
        return scatter_max(v[0], array({1, 2}), v[1], 0);
      },
      {x, input({2, 1, 3}, 0.5, 2.0, 14)});
  check_grad(
      [](const std::vector<array>& v) {
        return scatter_min(v[0], array({0, 3}), v[1], 0);
      },
      {x, input({2, 1, 3}, 0.5, 2.0, 15)});
}

TEST(Grad, DivModRemainderOutput) {
  check_grad([](const std::vector<array>& v) { return divmod(v[0], v[1])[1]; },
             {input({2, 3}, 0.5, 3.0, 16), input({2, 3}, 0.7, 1.3, 17)});
}

// Data still evaluating on the background thread (a prefetched minibatch)
// can enter a gradient: the tape walk stops at non-tracers and never reads
// the graph the evaluation is dropping (this crashed the seeds' functional
// training loop about one run in three).
TEST(Grad, DataEvaluatingInTheBackground) {
  auto w = ones({64, 64});
  for (int step = 0; step < 200; ++step) {
    auto x = random::normal({64, 64}, float32, random::key(step));
    for (int k = 0; k < 8; ++k) x = tanh(matmul(x, x) * 0.01f + x);
    async_eval({x});
    auto g = grad([x](const array& p) { return sum(matmul(x, p)); })(w);
    EXPECT_EQ(g.shape(), (Shape{64, 64}));
    eval({g});
  }
}

// Complex inputs: the vjp multiplies by the conjugate of a holomorphic op's
// derivative (MLX 0.32.4's values, cotangent one), while abs, a
// complex-to-real map, takes z / |z| as it is, and imag's vjp is i.
TEST(Grad, ComplexVjpConventions) {
  auto z = array({complex64_t(3, 4)});
  auto vjp_of = [&](const std::function<array(const array&)>& f) {
    auto y = f(z);
    return vjp(f, z, ones(y.shape(), y.dtype())).second.item<complex64_t>();
  };
  auto near = [](complex64_t a, complex64_t b) { return std::abs(a - b) < 1e-4f; };
  EXPECT_TRUE(near(vjp_of([](const array& v) { return square(v); }), {6, -8}));
  EXPECT_TRUE(
      near(vjp_of([](const array& v) { return multiply(v, array(complex64_t(0, 2))); }), {0, -2}));
  EXPECT_TRUE(near(vjp_of([](const array& v) { return log(v); }), {0.12f, 0.16f}));
  EXPECT_TRUE(near(vjp_of([](const array& v) { return exp(v); }), {-13.1288f, 15.2008f}));
  EXPECT_TRUE(near(vjp_of([](const array& v) { return abs(v); }), {0.6f, 0.8f}));
  EXPECT_TRUE(near(vjp_of([](const array& v) { return imag(v); }), {0, 1}));
  EXPECT_TRUE(near(vjp_of([](const array& v) { return real(v); }), {1, 0}));
}
