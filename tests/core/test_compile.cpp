#include <random>

#include <lmx/core/primitives.h>

#include "../test_utils.h"

using namespace lmx;
using namespace lmx::test;

namespace {

// A random elementwise graph over the inputs: each new node applies a random
// op to earlier nodes, so values are shared, broadcast and mixed in dtype.
std::vector<array> random_graph(const std::vector<array>& xs, uint32_t seed, int nodes) {
  std::mt19937 rng(seed);
  std::vector<array> pool = xs;
  auto pick = [&]() { return pool[rng() % pool.size()]; };
  for (int i = 0; i < nodes; ++i) {
    array a = pick(), b = pick();
    switch (rng() % 12) {
      case 0:
        pool.push_back(add(a, b));
        break;
      case 1:
        pool.push_back(subtract(a, b));
        break;
      case 2:
        pool.push_back(multiply(a, b));
        break;
      case 3:
        pool.push_back(maximum(a, b));
        break;
      case 4:
        pool.push_back(minimum(a, b));
        break;
      case 5:
        pool.push_back(tanh(a));
        break;
      case 6:
        pool.push_back(sigmoid(a));
        break;
      case 7:
        pool.push_back(divide(a, add(abs(b), array(1.0f))));
        break;
      case 8:
        pool.push_back(where(greater(a, b), a, b));
        break;
      case 9:
        pool.push_back(astype(a, rng() % 2 ? float32 : float64));
        break;
      case 10:
        pool.push_back(sqrt(add(square(a), array(1.0f))));
        break;
      default:
        pool.push_back(exp(negative(abs(a))));
        break;
    }
  }
  return {pool.back(), pool[pool.size() - 2]};
}

const Compiled* compiled_of(const array& a) {
  return a.has_primitive() ? dynamic_cast<const Compiled*>(&a.primitive()) : nullptr;
}

}  // namespace

TEST(Compile, MatchesUncompiledOnRandomGraphs) {
  // Small graphs are one block of the fused kernel; from seed 40 on, 97 x 131
  // elements are four blocks, the last one shorter, over the threads.
  for (uint32_t seed = 0; seed < 60; ++seed) {
    const int rows = seed < 40 ? 4 : 97, cols = seed < 40 ? 5 : 131;
    std::vector<array> xs{random::normal({rows, cols}, random::key(seed)),
                          random::normal({cols}, float64, random::key(seed + 100)),
                          reshape(astype(arange(rows), int32), {rows, 1}), array(0.5f)};
    auto f = [seed](const std::vector<array>& in) { return random_graph(in, seed, 12); };
    auto expected = f(xs);
    auto got = compile(f)(xs);
    ASSERT_EQ(got.size(), expected.size());
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].dtype(), expected[i].dtype()) << "seed " << seed;
      EXPECT_EQ(got[i].shape(), expected[i].shape()) << "seed " << seed;
      EXPECT_TRUE(all_close(got[i], expected[i], 1e-6, 1e-7)) << "seed " << seed;
    }
  }
}

TEST(Compile, LargeArraysUseBlocksAndThreads) {
  auto f = [](const std::vector<array>& x) {
    return std::vector<array>{maximum(x[0] * x[1] + 1.0f, 0.0f) - tanh(x[1])};
  };
  auto a = random::normal({300, 1000}), b = random::normal({1000});
  auto got = compile(f)({a, b})[0];
  ASSERT_NE(compiled_of(got), nullptr);
  EXPECT_TRUE(all_close(got, f({a, b})[0], 0, 0));
}

// float32 chains of unary and binary ops run row by row through every step;
// a broadcast operand, a scalar input, a scalar-only step in the middle and
// an input the output may take over give the ops' own results exactly.
TEST(Compile, Float32ChainsMatchTheOpsExactly) {
  auto f = [](const std::vector<array>& x) {
    auto s = x[2] * 2.0f + 1.0f;  // scalar-only steps
    auto a = exp(negative(abs(x[0]))) * x[1] + s;
    auto b = sqrt(square(a) + 1.0f) / (abs(x[1]) + 1.0f) - tanh(x[0]);
    return std::vector<array>{maximum(b, x[0] * s), sigmoid(x[0] * 3.0f) - 0.5f};
  };
  for (int rows : {1, 7, 97}) {
    auto x = random::normal({rows, 131}, random::key(rows));
    auto y = random::normal({131}, random::key(rows + 1));
    auto expected = f({x, y, array(0.25f)});
    auto got = compile(f)({x, y, array(0.25f)});
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_NE(compiled_of(got[i]), nullptr);
      EXPECT_TRUE(array_equal(got[i], expected[i]).item<bool>()) << rows << " rows, output " << i;
    }
    // An input that nothing else holds may become the output's buffer.
    auto donor = compile(f)({x * 1.0f, y, array(0.25f)})[1];
    EXPECT_TRUE(array_equal(donor, expected[1]).item<bool>()) << rows << " rows";
  }
}

TEST(Compile, FusesChainsAndRemovesDuplicates) {
  auto f = [](const std::vector<array>& x) {
    auto e = exp(x[0]) + exp(x[0]);  // one exp after CSE
    return std::vector<array>{tanh(e * 2.0f) - x[0]};
  };
  auto out = compile(f)({random::normal({8})})[0];
  auto* c = compiled_of(out);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->steps().size(), 4u);  // add, multiply, tanh, subtract
  int exps = 0;
  for (auto& in : out.inputs())
    exps += in.has_primitive() && in.primitive().name() == std::string("Exp");
  EXPECT_EQ(exps, 1);
}

TEST(Compile, CachesPerSignatureAndRetracesOnNewShapes) {
  int traces = 0;
  auto f = [&traces](const std::vector<array>& x) {
    ++traces;
    return std::vector<array>{x[0] * 2.0f + 1.0f};
  };
  auto cf = compile(f);
  cf({ones({3})});
  cf({ones({3})});
  EXPECT_EQ(traces, 1);
  auto r = cf({ones({2, 2})})[0];
  EXPECT_EQ(traces, 2);
  EXPECT_EQ(r.shape(), (Shape{2, 2}));
  cf({ones({3}, float64)});
  EXPECT_EQ(traces, 3);
  // shapeless: one trace serves every shape of the same rank and dtype.
  int shapeless_traces = 0;
  auto g = compile(
      [&shapeless_traces](const std::vector<array>& x) {
        ++shapeless_traces;
        return std::vector<array>{exp(x[0]) * x[1]};
      },
      true);
  auto r1 = g({ones({3}), full({3}, 2.0f)})[0];
  auto r2 = g({ones({7}), full({7}, 2.0f)})[0];
  EXPECT_EQ(shapeless_traces, 1);
  EXPECT_EQ(r2.shape(), (Shape{7}));
  EXPECT_TRUE(all_close(r2, full({7}, 2.0f * std::exp(1.0f))));
  (void)r1;
}

TEST(Compile, NonElementwiseGraphsAndConstants) {
  auto w = random::normal({5, 3});
  auto f = [&](const std::vector<array>& x) {
    auto h = maximum(matmul(x[0], w) + 1.0f, 0.0f);
    return std::vector<array>{sum(h * h, -1), softmax(h, -1)};
  };
  auto x = random::normal({4, 5});
  auto got = compile(f)({x});
  auto expected = f({x});
  EXPECT_TRUE(all_close(got[0], expected[0]));
  EXPECT_TRUE(all_close(got[1], expected[1]));
}

TEST(Compile, ComposesWithTransforms) {
  auto f = [](const std::vector<array>& x) {
    return std::vector<array>{sin(x[0]) * x[0] + exp(x[1] * x[0])};
  };
  auto cf = compile(f);
  auto x = random::normal({6}, float64, random::key(1)),
       y = random::normal({6}, float64, random::key(2));
  auto loss = [](const CompilableFn& fn) {
    return [fn](const std::vector<array>& v) { return sum(fn(v)[0]); };
  };
  auto g1 = grad(loss(cf), std::vector<int>{0, 1})({x, y});
  auto g2 = grad(loss(f), std::vector<int>{0, 1})({x, y});
  EXPECT_TRUE(all_close(g1[0], g2[0], 1e-12, 1e-12));
  EXPECT_TRUE(all_close(g1[1], g2[1], 1e-12, 1e-12));
  auto [o1, t1] = jvp(cf, {x, y}, {ones_like(x), zeros_like(y)});
  auto [o2, t2] = jvp(f, {x, y}, {ones_like(x), zeros_like(y)});
  EXPECT_TRUE(all_close(t1[0], t2[0], 1e-12, 1e-12));
  // A compiled gradient.
  auto cg = compile([&](const std::vector<array>& v) {
    return grad(loss(f), std::vector<int>{0, 1})(v);
  });
  auto g3 = cg({x, y});
  EXPECT_TRUE(all_close(g3[0], g2[0], 1e-12, 1e-12));
  check_grad([&](const std::vector<array>& v) { return cf(v)[0]; }, {x, y});
}

TEST(Compile, CanBeDisabled) {
  int traces = 0;
  auto cf = compile([&traces](const std::vector<array>& x) {
    ++traces;
    return std::vector<array>{x[0] + 1.0f};
  });
  disable_compile();
  cf({ones({2})});
  cf({ones({2})});
  EXPECT_EQ(traces, 2);
  auto out = cf({ones({2})})[0];
  EXPECT_EQ(compiled_of(out), nullptr);
  enable_compile();
  cf({ones({2})});
  cf({ones({2})});
  EXPECT_EQ(traces, 4);
}
