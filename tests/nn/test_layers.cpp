#include <cmath>
#include <numbers>

#include "../test_utils.h"

using namespace lmx;
using namespace lmx::test;

TEST(Layers, LinearMatchesFormulaAndInit) {
  random::seed(3);
  nn::Linear l(50, 40);
  float bound = 1.0f / std::sqrt(50.0f);
  EXPECT_LE(max(abs(l.weight)).item<float>(), bound);
  EXPECT_GT(max(abs(l.weight)).item<float>(), 0.9f * bound);
  auto x = random::normal({3, 50});
  EXPECT_TRUE(all_close(l(x), matmul(x, transpose(l.weight)) + *l.bias, 1e-5, 1e-5));
  nn::Linear nb(2, 3, false);
  EXPECT_FALSE(nb.bias.has_value());
  EXPECT_EQ(nb(ones({4, 7, 2})).shape(), (Shape{4, 7, 3}));
  EXPECT_THROW_MSG(l(ones({3, 5})), std::invalid_argument,
                   "[Linear] Input with shape (3,5) does not have 50 features");
  EXPECT_THROW_MSG(nn::Linear(0, 3), std::invalid_argument, "[Linear]");
}

TEST(Layers, BilinearIdentitySequentialEmbedding) {
  nn::Bilinear b(2, 3, 4);
  EXPECT_EQ(b.weight.shape(), (Shape{4, 3, 2}));
  auto x1 = random::normal({5, 2}), x2 = random::normal({5, 3});
  auto y = b(x1, x2);
  // y[n, o] = sum_ij x1[n, j] W[o, i, j] x2[n, i] + b[o]
  auto manual = sum(multiply(multiply(reshape(x1, {5, 1, 1, 2}), reshape(b.weight, {1, 4, 3, 2})),
                             reshape(x2, {5, 1, 3, 1})),
                    {2, 3}) +
                *b.bias;
  EXPECT_TRUE(all_close(y, manual, 1e-5, 1e-5));
  nn::Identity id;
  EXPECT_TRUE(array_equal(id(x1), x1).item<bool>());
  nn::Sequential seq(nn::Linear(2, 3), nn::ReLU(), nn::Linear(3, 1));
  EXPECT_EQ(seq(x1).shape(), (Shape{5, 1}));
  auto keys = tree_flatten(seq.parameters());
  EXPECT_EQ(keys[2].first, "layers.2.weight");
  nn::Embedding e(10, 4);
  auto idx = array({1, 3, 1});
  auto out = e(idx);
  EXPECT_EQ(out.shape(), (Shape{3, 4}));
  EXPECT_TRUE(array_equal(take(out, 0, 0), take(out, 2, 0)).item<bool>());
  EXPECT_EQ(e.as_linear(ones({2, 4})).shape(), (Shape{2, 10}));
}

TEST(Layers, DropoutScalesKeptValues) {
  random::seed(1);
  nn::Dropout d(0.25f);
  auto y = d(ones({100000}));
  auto kept = greater(y, array(0.0f));
  EXPECT_NEAR(mean(kept).item<float>(), 0.75f, 0.01f);
  EXPECT_NEAR(max(y).item<float>(), 1.0f / 0.75f, 1e-6);
  d.eval();
  EXPECT_TRUE(array_equal(d(ones({3})), ones({3})).item<bool>());
  EXPECT_THROW_MSG(nn::Dropout(1.0f), std::invalid_argument,
                   "[Dropout] The dropout probability 1.0 is not in [0, 1).");
  nn::Dropout2d d2(0.5f);
  auto y2 = d2(ones({2, 4, 4, 8}));
  // Whole channels are zeroed together.
  auto per_channel = sum(equal(y2, array(0.0f)), {1, 2});
  auto v = to_vector<int>(per_channel);
  for (int c : v) EXPECT_TRUE(c == 0 || c == 16);
  EXPECT_THROW_MSG(d2(ones({4, 4})), std::invalid_argument,
                   "[Dropout2d] Received input with 2 dimensions");
  nn::Dropout3d d3(0.5f);
  EXPECT_EQ(d3(ones({1, 2, 2, 2, 3})).shape(), (Shape{1, 2, 2, 2, 3}));
}

TEST(Layers, Normalizations) {
  auto x = reshape(astype(arange(24), float32), {2, 3, 4});
  nn::LayerNorm ln(4);
  auto y = ln(x);
  EXPECT_TRUE(all_close(mean(y, -1), zeros({2, 3}), 1e-5, 1e-5));
  EXPECT_TRUE(all_close(var(y, -1), full({2, 3}, 1.0f - 1e-5f * 0.8f), 1e-3, 1e-3));
  nn::RMSNorm rms(4);
  auto r = rms(x);
  EXPECT_TRUE(all_close(r, x * rsqrt(mean(square(x), -1, true) + 1e-5f)));
  nn::GroupNorm gn(2, 4);
  auto g = gn(x);
  // Groups interleave channels (channel c belongs to group c % 2).
  auto grouped = reshape(x, {2, -1, 2});
  auto expect =
      reshape((grouped - mean(grouped, 1, true)) * rsqrt(var(grouped, 1, true) + 1e-5f), {2, 3, 4});
  EXPECT_TRUE(all_close(g, expect, 1e-5, 1e-5));
  nn::GroupNorm gnp(2, 4, 1e-5f, true, true);
  EXPECT_EQ(gnp(x).shape(), x.shape());
  EXPECT_THROW_MSG(nn::GroupNorm(3, 4), std::invalid_argument,
                   "[GroupNorm] The number of features 4 must be divisible");
  nn::InstanceNorm in(4);
  auto i = in(x);
  EXPECT_TRUE(all_close(mean(i, 1), zeros({2, 4}), 1e-5, 1e-5));
  EXPECT_THROW_MSG(in(ones({2, 4})), std::invalid_argument, "[InstanceNorm]");
}

TEST(Layers, BatchNormTrainAndEval) {
  nn::BatchNorm bn(2);
  auto x = array({1.0f, 10.0f, 3.0f, 20.0f}, {2, 2});
  auto y = bn(x);
  EXPECT_TRUE(all_close(y, array({-1.0f, -1.0f, 1.0f, 1.0f}, {2, 2}), 1e-4, 1e-4));
  // Running statistics moved 10% towards the batch statistics.
  EXPECT_TRUE(all_close(*bn.running_mean, array({0.2f, 1.5f})));
  EXPECT_TRUE(all_close(*bn.running_var, array({0.9f + 0.1f * 1.0f, 0.9f + 0.1f * 25.0f})));
  bn.eval();
  auto z = bn(x);
  EXPECT_TRUE(all_close(z, (x - *bn.running_mean) * rsqrt(*bn.running_var + 1e-5f)));
  EXPECT_THROW_MSG(bn(ones({2})), std::invalid_argument,
                   "[BatchNorm] Expected input tensor to have 2, 3 or 4 dimensions, but got 1.");
}

TEST(Layers, NormGradients) {
  auto x = random::normal({2, 3, 4}, float64, random::key(2));
  nn::LayerNorm ln(4);
  ln.set_dtype(float64);
  check_grad([&](const std::vector<array>& v) { return ln(v[0]); }, {x});
  nn::RMSNorm rms(4);
  rms.set_dtype(float64);
  check_grad([&](const std::vector<array>& v) { return rms(v[0]); }, {x});
  nn::GroupNorm gn(2, 4);
  gn.set_dtype(float64);
  check_grad([&](const std::vector<array>& v) { return gn(v[0]); }, {x});
}

TEST(Activations, Values) {
  auto x = array({-2.0f, -0.5f, 0.0f, 0.5f, 2.0f});
  auto v = [](const array& a) { return to_vector<float>(a); };
  EXPECT_EQ(v(nn::relu(x)), (std::vector<float>{0, 0, 0, 0.5f, 2}));
  EXPECT_EQ(v(nn::relu6(array({-1.0f, 7.0f}))), (std::vector<float>{0, 6}));
  EXPECT_EQ(v(nn::relu2(x)), (std::vector<float>{0, 0, 0, 0.25f, 4}));
  EXPECT_TRUE(all_close(nn::leaky_relu(x), array({-0.02f, -0.005f, 0.0f, 0.5f, 2.0f})));
  EXPECT_TRUE(
      all_close(nn::elu(x), array({std::expm1(-2.0f), std::expm1(-0.5f), 0.0f, 0.5f, 2.0f})));
  EXPECT_TRUE(all_close(nn::celu(x, 2.0f),
                        array({2 * std::expm1(-1.0f), 2 * std::expm1(-0.25f), 0.0f, 0.5f, 2.0f})));
  EXPECT_TRUE(all_close(nn::selu(array({1.0f})), array({1.0507009873554805f})));
  EXPECT_TRUE(all_close(nn::silu(array({1.0f})), array({1.0f / (1.0f + std::exp(-1.0f))})));
  EXPECT_TRUE(
      all_close(nn::log_sigmoid(array({0.0f, -100.0f})), array({-std::log(2.0f), -100.0f})));
  EXPECT_TRUE(all_close(nn::softplus(array({0.0f, 100.0f})), array({std::log(2.0f), 100.0f})));
  EXPECT_TRUE(all_close(nn::softsign(array({1.0f})), array({0.5f})));
  EXPECT_TRUE(all_close(nn::softshrink(x), array({-1.5f, 0.0f, 0.0f, 0.0f, 1.5f})));
  EXPECT_TRUE(all_close(nn::hard_shrink(x), array({-2.0f, 0.0f, 0.0f, 0.0f, 2.0f})));
  EXPECT_TRUE(all_close(nn::hard_tanh(x), array({-1.0f, -0.5f, 0.0f, 0.5f, 1.0f})));
  EXPECT_TRUE(
      all_close(nn::hardswish(array({-4.0f, 1.0f, 4.0f})), array({0.0f, 4.0f / 6.0f, 4.0f})));
  EXPECT_TRUE(
      all_close(nn::mish(array({1.0f})), array({1.0f * std::tanh(std::log1p(std::exp(1.0f)))})));
  float g1 = 0.5f * (1 + std::erf(1.0f / std::sqrt(2.0f)));
  EXPECT_TRUE(all_close(nn::gelu(array({1.0f})), array({g1})));
  EXPECT_TRUE(all_close(nn::gelu_approx(array({1.0f})), array({0.841192f}), 1e-5));
  EXPECT_TRUE(
      all_close(nn::gelu_fast_approx(array({1.0f})), array({1.0f / (1.0f + std::exp(-1.702f))})));
  EXPECT_TRUE(all_close(nn::glu(array({1.0f, 0.0f})), array({0.5f})));
  EXPECT_EQ(to_vector<int>(nn::step(x)), (std::vector<int>{0, 0, 0, 1, 1}));
  EXPECT_TRUE(
      all_close(nn::log_softmax(array({0.0f, 0.0f})), array({-std::log(2.0f), -std::log(2.0f)})));
  EXPECT_TRUE(all_close(nn::softmin(array({0.0f, 1e4f})), array({1.0f, 0.0f})));
  nn::PReLU pr;
  EXPECT_TRUE(all_close(pr(array({-4.0f, 2.0f})), array({-1.0f, 2.0f})));
  EXPECT_EQ(tree_flatten(pr.parameters())[0].first, "weight");
  EXPECT_TRUE(all_close(nn::GELU("tanh")(array({1.0f})), nn::gelu_approx(array({1.0f}))));
  EXPECT_TRUE(all_close(nn::GELU("fast")(array({1.0f})), nn::gelu_fast_approx(array({1.0f}))));
  EXPECT_THROW_MSG(nn::GELU("bogus"), std::invalid_argument, "[GELU]");
  // Every module version matches its function.
  EXPECT_TRUE(all_close(nn::Softmax()(x), nn::softmax(x)));
  EXPECT_TRUE(all_close(nn::LeakyReLU(0.2f)(x), nn::leaky_relu(x, 0.2f)));
  EXPECT_TRUE(all_close(nn::ELU()(x), nn::elu(x)));
  EXPECT_TRUE(all_close(nn::CELU()(x), nn::celu(x)));
  EXPECT_TRUE(all_close(nn::Tanh()(x), tanh(x)));
  EXPECT_TRUE(all_close(nn::Sigmoid()(x), sigmoid(x)));
  EXPECT_TRUE(all_close(nn::Step(0.1f)(x), nn::step(x, 0.1f)));
  EXPECT_TRUE(all_close(nn::GLU()(array({1.0f, 0.0f})), nn::glu(array({1.0f, 0.0f}))));
  EXPECT_TRUE(all_close(nn::HardTanh()(x), nn::hard_tanh(x)));
  EXPECT_TRUE(all_close(nn::HardShrink()(x), nn::hard_shrink(x)));
  EXPECT_TRUE(all_close(nn::Softshrink()(x), nn::softshrink(x)));
  EXPECT_TRUE(all_close(nn::Mish()(x), nn::mish(x)));
  EXPECT_TRUE(all_close(nn::Hardswish()(x), nn::hardswish(x)));
  EXPECT_TRUE(all_close(nn::Softsign()(x), nn::softsign(x)));
  EXPECT_TRUE(all_close(nn::Softplus()(x), nn::softplus(x)));
  EXPECT_TRUE(all_close(nn::LogSigmoid()(x), nn::log_sigmoid(x)));
  EXPECT_TRUE(all_close(nn::LogSoftmax()(x), nn::log_softmax(x)));
  EXPECT_TRUE(all_close(nn::Softmin()(x), nn::softmin(x)));
  EXPECT_TRUE(all_close(nn::SiLU()(x), nn::silu(x)));
  EXPECT_TRUE(all_close(nn::SELU()(x), nn::selu(x)));
  EXPECT_TRUE(all_close(nn::ReLU6()(x), nn::relu6(x)));
  EXPECT_TRUE(all_close(nn::ReLU2()(x), nn::relu2(x)));
}

TEST(Activations, Gradients) {
  auto x = random::uniform(array(-2.0), array(2.0), {6}, float64, random::key(4));
  for (auto f : std::vector<std::function<array(const array&)>>{
           [](const array& a) { return nn::elu(a); },
           [](const array& a) { return nn::celu(a, 1.5f); },
           [](const array& a) { return nn::selu(a); }, [](const array& a) { return nn::silu(a); },
           [](const array& a) { return nn::log_sigmoid(a); },
           [](const array& a) { return nn::softplus(a); },
           [](const array& a) { return nn::softsign(a); },
           [](const array& a) { return nn::mish(a); }, [](const array& a) { return nn::gelu(a); },
           [](const array& a) { return nn::gelu_approx(a); },
           [](const array& a) { return nn::gelu_fast_approx(a); },
           [](const array& a) { return nn::glu(a); },
           [](const array& a) { return nn::log_softmax(a); },
           [](const array& a) { return nn::leaky_relu(a); }}) {
    check_grad([&](const std::vector<array>& v) { return f(v[0]); }, {x});
  }
}
