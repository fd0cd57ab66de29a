// Conv, pooling and upsampling layers: PyTorch reference outputs, printing,
// weight names, gradients and error messages.
#include "../test_utils.h"

namespace lmx::test {
namespace {

TEST(ConvLayers, ShapesPrintingAndWeightNames) {
  nn::Conv2d conv(3, 8, {3, 5}, 2, 1);
  EXPECT_EQ(conv.weight.shape(), (Shape{8, 3, 5, 3}));
  EXPECT_EQ(conv.bias->shape(), (Shape{8}));
  EXPECT_EQ(repr(conv),
            "Conv2d(3, 8, kernel_size=(3, 5), stride=(2, 2), padding=(1, 1), dilation=1, "
            "groups=1, bias=True)");
  auto y = conv(zeros({2, 9, 9, 3}));
  EXPECT_EQ(y.shape(), (Shape{2, 5, 4, 8}));
  nn::Conv1d c1(4, 6, 3, 1, 0, 1, 2, false);
  EXPECT_EQ(c1.weight.shape(), (Shape{6, 3, 2}));
  EXPECT_EQ(repr(c1),
            "Conv1d(2, 6, kernel_size=3, stride=1, padding=0, dilation=1, "
            "groups=2, bias=False)");
  auto keys = tree_flatten(conv.parameters());
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].first, "weight");
  EXPECT_EQ(keys[1].first, "bias");
  nn::Conv3d c3(2, 4, 3);
  EXPECT_EQ(c3(zeros({1, 5, 5, 5, 2})).shape(), (Shape{1, 3, 3, 3, 4}));
  nn::ConvTranspose2d t2(4, 2, 3, 2, 1, 1, 1);
  EXPECT_EQ(t2.weight.shape(), (Shape{2, 3, 3, 4}));
  EXPECT_EQ(t2(zeros({1, 4, 4, 4})).shape(), (Shape{1, 8, 8, 2}));
  EXPECT_EQ(repr(t2),
            "ConvTranspose2d(4, 2, kernel_size=(3, 3), stride=(2, 2), "
            "padding=(1, 1), dilation=1, output_padding=(1, 1), bias=True)");
  EXPECT_EQ(repr(c3),
            "Conv3d(2, 4, kernel_size=(3, 3, 3), stride=(1, 1, 1), padding=(0, 0, 0), "
            "dilation=1, bias=True)");
  EXPECT_EQ(repr(nn::Conv2d(1, 2, 3, 1, 0, {2, 2})),
            "Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1), padding=(0, 0), dilation=(2, 2), "
            "groups=1, bias=True)");
  nn::ConvTranspose1d t1(3, 5, 4, 2);
  EXPECT_EQ(t1(zeros({2, 6, 3})).shape(), (Shape{2, 14, 5}));
  nn::ConvTranspose3d t3(2, 3, 2, 2);
  EXPECT_EQ(t3(zeros({1, 2, 2, 2, 2})).shape(), (Shape{1, 4, 4, 4, 3}));
}

TEST(ConvLayers, LayerMatchesConvOpAndSavesUnderMlxNames) {
  nn::Conv2d conv(2, 3, 3, 1, 1);
  auto x = random::normal({1, 5, 5, 2});
  EXPECT_TRUE(all_close(conv(x), add(conv2d(x, conv.weight, {1, 1}, {1, 1}), *conv.bias)));
  auto path = ::testing::TempDir() + "/conv.safetensors";
  conv.save_weights(path);
  nn::Conv2d other(2, 3, 3, 1, 1);
  other.load_weights(path);
  EXPECT_TRUE(all_close(other(x), conv(x)));
}

TEST(ConvLayers, Errors) {
  EXPECT_THROW_MSG(nn::Conv2d(3, 8, {3, 3, 3}), std::invalid_argument,
                   "[Conv2d] 'kernel_size' must be an integer or a tuple of 2 integers but got "
                   "(3, 3, 3).");
  EXPECT_THROW_MSG(nn::Conv2d(3, 8, 3, 1, 0, 1, 2), std::invalid_argument,
                   "[Conv2d] The channel counts (3 in, 8 out) must be divisible by groups=2.");
  nn::Conv2d conv(3, 8, 3);
  EXPECT_THROW_MSG(conv(zeros({1, 5, 5, 4})), std::invalid_argument,
                   "[Conv2d] Expected input of shape (N, H, W, 3) but got (1,5,5,4).");
  EXPECT_THROW_MSG(conv(zeros({1, 2, 2, 3})), std::invalid_argument,
                   "[Conv2d] The kernel (spatial size (3,3), dilation (1,1)) is larger than the "
                   "padded input (spatial size (2,2)");
}

TEST(Pooling, MatchesTorchReference) {
  auto refs = load_reference("pool.npz");
  int checked = 0;
  for (int i = 0; refs.count("case" + std::to_string(i) + ".x"); ++i) {
    std::string key = "case" + std::to_string(i);
    auto p = to_vector<int>(refs.at(key + ".params"));
    int nd = p[0], k = p[2], st = p[3], pd = p[4];
    bool is_max = p[1];
    std::unique_ptr<nn::Module> pool;
    if (nd == 1)
      pool = is_max ? std::unique_ptr<nn::Module>(new nn::MaxPool1d(k, st, pd))
                    : std::unique_ptr<nn::Module>(new nn::AvgPool1d(k, st, pd));
    if (nd == 2)
      pool = is_max ? std::unique_ptr<nn::Module>(new nn::MaxPool2d(k, st, pd))
                    : std::unique_ptr<nn::Module>(new nn::AvgPool2d(k, st, pd));
    if (nd == 3)
      pool = is_max ? std::unique_ptr<nn::Module>(new nn::MaxPool3d(k, st, pd))
                    : std::unique_ptr<nn::Module>(new nn::AvgPool3d(k, st, pd));
    EXPECT_TRUE(all_close((*pool)(refs.at(key + ".x")), refs.at(key + ".y"), 1e-5, 1e-6)) << key;
    ++checked;
  }
  EXPECT_EQ(checked, 7);
}

// Pools whose windows tile the input are a reshape of it; they must agree
// with the sliding-window form, gradients too: ties split evenly (a ReLU's
// zeros), and rows and columns no window covers get zero.
TEST(Pooling, TilingWindowsMatchSlidingWindows) {
  auto x = maximum(random::normal({2, 7, 9, 3}, float32, random::key(8)), array(0.0f));
  for (bool is_max : {true, false}) {
    SCOPED_TRACE(is_max ? "max" : "avg");
    auto by_windows = [&](const array& v) {
      auto g = make_window_geometry("test", {7, 9}, {2, 3}, {2, 3}, {0}, {0}, {1}, {1});
      auto w = sliding_windows(v, g, 0.0);
      return is_max ? max(w, {3, 4}) : mean(w, {3, 4});
    };
    auto pooled = [&](const array& v) {
      nn::IntOrTuple kernel{2, 3};
      return is_max ? nn::MaxPool2d(kernel)(v) : nn::AvgPool2d(kernel)(v);
    };
    auto y = pooled(x);
    ASSERT_EQ(y.shape(), (Shape{2, 3, 3, 3}));
    EXPECT_TRUE(all_close(y, by_windows(x), 0.0, 0.0));
    auto ct = random::normal(y.shape(), float32, random::key(9));
    auto g_tiled = vjp([&](const array& v) { return pooled(v); }, x, ct).second;
    auto g_windows = vjp([&](const array& v) { return by_windows(v); }, x, ct).second;
    EXPECT_TRUE(all_close(g_tiled, g_windows, 1e-6, 1e-6));
  }
  check_grad([](const std::vector<array>& v) { return nn::MaxPool2d(2)(v[0]); },
             {random::normal({1, 5, 4, 2}, float64)});
}

TEST(Pooling, DefaultsPrintingGradientsAndErrors) {
  nn::MaxPool2d pool(2);
  EXPECT_EQ(repr(pool), "MaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))");
  EXPECT_EQ(pool(zeros({1, 6, 7, 3})).shape(), (Shape{1, 3, 3, 3}));
  nn::AvgPool1d avg(3, 2, 1);
  EXPECT_EQ(repr(avg), "AvgPool1d(kernel_size=(3,), stride=(2,), padding=(1,))");
  // Integer inputs max-pool without overflow at the padding.
  auto ints = reshape(arange(0, 8), {1, 8, 1});
  EXPECT_EQ(to_vector<int>(nn::MaxPool1d(3, 2, 1)(ints)), (std::vector<int>{1, 3, 5, 7}));
  check_grad([](const std::vector<array>& v) { return nn::AvgPool2d(3, 2, 1)(v[0]); },
             {random::normal({1, 5, 5, 2}, float64)});
  check_grad([](const std::vector<array>& v) { return nn::MaxPool2d(2, 1)(v[0]); },
             {random::normal({1, 4, 4, 2}, float64)});
  EXPECT_THROW_MSG(nn::MaxPool2d(0), std::invalid_argument,
                   "[MaxPool2d] 'kernel_size' must be positive but got (0, 0).");
  EXPECT_THROW_MSG(nn::AvgPool2d(2, 2, -1), std::invalid_argument,
                   "[AvgPool2d] 'padding' must be non-negative but got (-1, -1).");
  EXPECT_THROW_MSG(pool(zeros({6, 7, 3})), std::invalid_argument,
                   "[MaxPool2d] Expected an input with 4 dimensions (N, ..., C) but got (6,7,3).");
  EXPECT_THROW_MSG(nn::MaxPool2d(5)(zeros({1, 3, 3, 1})), std::invalid_argument,
                   "[MaxPool2d] The kernel (spatial size (5,5), dilation (1,1)) is larger than "
                   "the padded input (spatial size (3,3), padding (0,0) / (0,0)).");
}

TEST(Upsample, MatchesTorchReference) {
  auto refs = load_reference("upsample.npz");
  const char* modes[] = {"nearest", "linear", "cubic"};
  int checked = 0;
  for (int i = 0; refs.count("case" + std::to_string(i) + ".x"); ++i) {
    std::string key = "case" + std::to_string(i);
    auto p = to_vector<int>(refs.at(key + ".params"));
    float scale = refs.at(key + ".scale").item<float>();
    nn::Upsample up(scale, modes[p[1]], p[2] != 0);
    EXPECT_TRUE(all_close(up(refs.at(key + ".x")), refs.at(key + ".y"), 1e-4, 1e-5)) << key;
    ++checked;
  }
  EXPECT_EQ(checked, 9);
}

TEST(Upsample, PrintingGradientAndErrors) {
  nn::Upsample up(2.0f, "linear", true);
  EXPECT_EQ(repr(up), "Upsample(scale_factor=(2.0,), mode='linear', align_corners=True)");
  EXPECT_EQ(nn::Upsample({2.0f, 3.0f})(zeros({1, 2, 2, 1})).shape(), (Shape{1, 4, 6, 1}));
  check_grad([](const std::vector<array>& v) { return nn::Upsample(2.0f, "cubic")(v[0]); },
             {random::normal({1, 3, 3, 1}, float64)});
  EXPECT_THROW_MSG(nn::Upsample(2.0f, "area"), std::invalid_argument,
                   "[Upsample] Got unsupported upsampling algorithm: area.");
  EXPECT_THROW_MSG(nn::Upsample({2.0f, 2.0f})(zeros({1, 2, 1})), std::invalid_argument,
                   "[Upsample] Got 2 scale factors for an input with 1 spatial dimensions");
}

TEST(Flatten, FlattenAndUnflatten) {
  nn::Flatten f;
  EXPECT_EQ(f(zeros({2, 3, 4, 5})).shape(), (Shape{2, 60}));
  EXPECT_EQ(nn::Flatten(0, 1)(zeros({2, 3, 4})).shape(), (Shape{6, 4}));
  EXPECT_EQ(repr(f), "Flatten(start_axis=1, end_axis=-1)");
  nn::Unflatten u(1, {3, -1});
  EXPECT_EQ(u(zeros({2, 12})).shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(repr(u), "Unflatten(axis=1, shape=(3, -1))");
  // The seeds' CNN: Sequential with Conv2d, ReLU, MaxPool2d, Flatten, Linear.
  nn::Sequential cnn(nn::Conv2d(1, 4, 3), nn::ReLU(), nn::MaxPool2d(2), nn::Flatten(),
                     nn::Linear(4 * 3 * 3, 10));
  EXPECT_EQ(cnn(zeros({5, 8, 8, 1})).shape(), (Shape{5, 10}));
  auto names = tree_flatten(cnn.parameters());
  EXPECT_EQ(names[0].first, "layers.0.weight");
  EXPECT_EQ(names[2].first, "layers.4.weight");
}

}  // namespace
}  // namespace lmx::test

namespace lmx::test {
namespace {

// A small CNN step compiled (traced, deduplicated, fused) gives the same loss
// and gradients as the uncompiled one; float16 convolutions track float32.
TEST(ConvLayers, CompiledAndHalfPrecision) {
  random::seed(12);
  auto x = random::normal({4, 8, 8, 2});
  auto w1 = multiply(random::normal({3, 3, 3, 2}), array(0.3f));
  auto w2 = multiply(random::normal({5, 12}), array(0.3f));
  auto step = [](const std::vector<array>& in) {
    auto f = [&](const std::vector<array>& p) {
      auto h = nn::relu(conv2d(in[0], p[0], {1, 1}, {1, 1}));
      h = reshape(nn::MaxPool2d(3, 3)(h), {4, 12});  // (4, 2, 2, 3) flattened
      return mean(square(matmul(h, transpose(p[1]))));
    };
    auto [loss, grads] = value_and_grad(f, std::vector<int>{0, 1})({in[1], in[2]});
    return std::vector<array>{loss, grads[0], grads[1]};
  };
  auto plain = step({x, w1, w2});
  auto compiled = compile(step)({x, w1, w2});
  for (size_t i = 0; i < plain.size(); ++i) {
    EXPECT_TRUE(all_close(compiled[i], plain[i], 1e-5, 1e-6)) << i;
  }
  auto y32 = conv2d(x, w1, {1, 1}, {1, 1});
  auto y16 = conv2d(astype(x, float16), astype(w1, float16), {1, 1}, {1, 1});
  EXPECT_EQ(y16.dtype(), float16);
  EXPECT_TRUE(all_close(astype(y16, float32), y32, 1e-2, 1e-2));
}

}  // namespace
}  // namespace lmx::test
