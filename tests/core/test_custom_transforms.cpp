// custom_function, custom_vjp, checkpoint and depends.
#include "../test_utils.h"

using namespace lmx;
using namespace lmx::test;

namespace {
std::vector<array> sin_of(const std::vector<array>& x) {
  return {sin(x[0])};
}
}  // namespace

TEST(CustomTransforms, CustomVjpReplacesTheGradient) {
  auto f = custom_vjp(sin_of,
                      [](const std::vector<array>&, const std::vector<array>& cots,
                         const std::vector<array>&) { return std::vector<array>{cots[0] * 2.0f}; });
  auto x = array({0.5f, 1.0f});
  EXPECT_TRUE(all_close(f({x})[0], sin(x)));
  auto g = grad([&](const std::vector<array>& v) { return sum(f(v)[0]); })({x})[0];
  EXPECT_EQ(to_vector<float>(g), (std::vector<float>{2.0f, 2.0f}));
  // The user's vjp sees the primals and the outputs.
  auto h = custom_vjp(sin_of, [](const std::vector<array>& primals, const std::vector<array>& cots,
                                 const std::vector<array>& outs) {
    return std::vector<array>{cots[0] * (primals[0] + outs[0])};
  });
  auto gh = grad([&](const std::vector<array>& v) { return sum(h(v)[0]); })({x})[0];
  EXPECT_TRUE(all_close(gh, x + sin(x)));
  // Without a jvp rule, jvp goes through the function.
  auto [o, t] = jvp([&](const std::vector<array>& v) { return f(v); }, {x}, {ones_like(x)});
  EXPECT_TRUE(all_close(t[0], cos(x)));
}

TEST(CustomTransforms, CustomFunctionJvpAndVmap) {
  bool vmap_called = false;
  auto f = custom_function(
      sin_of, std::nullopt,
      [](const std::vector<array>&, const std::vector<array>& tangents,
         const std::vector<int>& argnums) {
        EXPECT_EQ(argnums, (std::vector<int>{0}));
        return std::vector<array>{tangents[0] * 3.0f};
      },
      [&](const std::vector<array>& inputs, const std::vector<int>& axes) {
        vmap_called = true;
        return std::make_pair(std::vector<array>{sin(inputs[0])}, std::vector<int>{axes[0]});
      });
  auto x = array({0.5f, 1.0f, 2.0f});
  auto [o, t] = jvp([&](const std::vector<array>& v) { return f(v); }, {x}, {ones_like(x)});
  EXPECT_EQ(to_vector<float>(t[0]), (std::vector<float>{3.0f, 3.0f, 3.0f}));
  // Without a vjp rule, the gradient goes through the function.
  auto g = grad([&](const std::vector<array>& v) { return sum(f(v)[0]); })({x})[0];
  EXPECT_TRUE(all_close(g, cos(x)));
  auto m = reshape(x, {3, 1});
  auto v = vmap([&](const std::vector<array>& a) { return f(a); })({m})[0];
  EXPECT_TRUE(vmap_called);
  EXPECT_TRUE(all_close(v, sin(m)));
  // The default vmap rule vmaps the function.
  auto plain = custom_vjp(sin_of, [](const std::vector<array>&, const std::vector<array>& c,
                                     const std::vector<array>&) { return c; });
  auto w = vmap([&](const std::vector<array>& a) { return plain(a); }, {1}, {0})({m})[0];
  EXPECT_EQ(w.shape(), (Shape{1, 3}));
  EXPECT_TRUE(all_close(w, sin(transpose(m))));
}

TEST(CustomTransforms, Errors) {
  auto bad = custom_vjp(sin_of, [](const std::vector<array>&, const std::vector<array>& c,
                                   const std::vector<array>&) {
    return std::vector<array>{c[0], c[0]};
  });
  EXPECT_THROW_MSG(
      grad([&](const std::vector<array>& v) { return sum(bad(v)[0]); })({array({1.0f})}),
      std::invalid_argument,
      "[custom_vjp] The vjp function must return one cotangent per input, got 2 "
      "for 1 inputs.");
  auto wrong_shape =
      custom_vjp(sin_of, [](const std::vector<array>&, const std::vector<array>&,
                            const std::vector<array>&) { return std::vector<array>{zeros({3})}; });
  EXPECT_THROW_MSG(grad([&](const std::vector<array>& v) { return sum(wrong_shape(v)[0]); })(
                       {array({1.0f, 2.0f})}),
                   std::invalid_argument, "[custom_vjp] Cotangent 0 has shape (3)");
  EXPECT_THROW_MSG(custom_function(CustomFn{}), std::invalid_argument,
                   "[custom_function] Cannot wrap an empty function.");
}

TEST(CustomTransforms, CheckpointGivesTheSameGradient) {
  auto w = random::normal({6, 6}, float32, random::key(1)) * 0.5f;
  auto block = [](const std::vector<array>& v) {
    return std::vector<array>{tanh(matmul(v[0], v[1]))};
  };
  auto deep = [&](const std::function<std::vector<array>(const std::vector<array>&)>& layer) {
    return [layer](const std::vector<array>& v) {
      auto h = v[0];
      for (int i = 0; i < 4; ++i) h = layer({h, v[1]})[0];
      return sum(h * h);
    };
  };
  auto x = random::normal({3, 6}, float32, random::key(2));
  auto plain = value_and_grad(deep(block), std::vector<int>{0, 1})({x, w});
  auto ck = value_and_grad(deep(checkpoint(block)), std::vector<int>{0, 1})({x, w});
  EXPECT_TRUE(all_close(plain.first, ck.first));
  EXPECT_TRUE(all_close(plain.second[0], ck.second[0], 1e-5, 1e-6));
  EXPECT_TRUE(all_close(plain.second[1], ck.second[1], 1e-5, 1e-6));
  check_grad([&](const std::vector<array>& v) { return checkpoint(block)(v)[0]; },
             {astype(x, float64), astype(w, float64)});
}

TEST(CustomTransforms, DependsWaitsForItsDependencies) {
  auto a = array({1.0f, 2.0f});
  auto side = exp(array(0.0f));
  auto out = depends({a * 2.0f}, {side});
  ASSERT_EQ(out.size(), 1u);
  eval(out);
  EXPECT_TRUE(side.is_available());
  EXPECT_EQ(to_vector<float>(out[0]), (std::vector<float>{2.0f, 4.0f}));
  auto g = grad([](const array& v) { return sum(depends({v * v}, {exp(v)})[0]); })(a);
  EXPECT_EQ(to_vector<float>(g), (std::vector<float>{2.0f, 4.0f}));
}
