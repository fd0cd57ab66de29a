// Convolutions: PyTorch reference outputs (tests/reference/conv.npz), a direct
// loop for conv_general's extra options, gradient checks and error messages.
#include "../test_utils.h"
#include "lmx/backend/cpu/isa.h"
#include "lmx/backend/cpu/winograd.h"

namespace lmx::test {
namespace {

TEST(Conv, MatchesTorchReference) {
  auto refs = load_reference("conv.npz");
  int checked = 0;
  for (int i = 0; refs.count("case" + std::to_string(i) + ".x"); ++i) {
    std::string key = "case" + std::to_string(i);
    auto x = refs.at(key + ".x"), w = refs.at(key + ".w"), y = refs.at(key + ".y");
    auto p = to_vector<int>(refs.at(key + ".params"));
    int nd = p[0], st = p[1], pd = p[2], dil = p[3], g = p[4], tr = p[5], op = p[6];
    array out = array(0.0f);
    if (tr) {
      if (nd == 1) out = conv_transpose1d(x, w, st, pd, dil, op, g);
      if (nd == 2) out = conv_transpose2d(x, w, {st, st}, {pd, pd}, {dil, dil}, {op, op}, g);
      if (nd == 3) {
        out = conv_transpose3d(x, w, {st, st, st}, {pd, pd, pd}, {dil, dil, dil}, {op, op, op}, g);
      }
    } else {
      if (nd == 1) out = conv1d(x, w, st, pd, dil, g);
      if (nd == 2) out = conv2d(x, w, {st, st}, {pd, pd}, {dil, dil}, g);
      if (nd == 3) out = conv3d(x, w, {st, st, st}, {pd, pd, pd}, {dil, dil, dil}, g);
    }
    EXPECT_TRUE(all_close(out, y, 1e-4, 1e-4)) << key;
    ++checked;
  }
  EXPECT_EQ(checked, 11);
}

// out[n, o, c_out] = sum_k,c in_virtual[n, o*stride + k*kdil - lo, c] * w[c_out, k', c]
// over the dilated, padded input, with k' = k or the flipped tap.
std::vector<double> direct_conv1d(const std::vector<double>& x, int n, int len, int cin,
                                  const std::vector<double>& w, int cout, int k, int stride, int lo,
                                  int hi, int kdil, int idil, bool flip, int& out_len) {
  int dilated = (len - 1) * idil + 1;
  out_len = (dilated + lo + hi - (k - 1) * kdil - 1) / stride + 1;
  std::vector<double> y(size_t(n) * out_len * cout, 0.0);
  for (int b = 0; b < n; ++b)
    for (int o = 0; o < out_len; ++o)
      for (int co = 0; co < cout; ++co) {
        double acc = 0;
        for (int t = 0; t < k; ++t) {
          int v = o * stride + t * kdil - lo;
          if (v < 0 || v >= dilated || v % idil) continue;
          int src = v / idil, tap = flip ? k - 1 - t : t;
          for (int c = 0; c < cin; ++c) {
            acc += x[(size_t(b) * len + src) * cin + c] * w[(size_t(co) * k + tap) * cin + c];
          }
        }
        y[(size_t(b) * out_len + o) * cout + co] = acc;
      }
  return y;
}

TEST(Conv, GeneralInputDilationAsymmetricPaddingFlip) {
  auto x = random::normal({2, 6, 3}, float64);
  auto w = random::normal({4, 3, 3}, float64);
  for (bool flip : {false, true}) {
    auto out = conv_general(x, w, {2}, {2}, {1}, {2}, {3}, 1, flip);
    int out_len = 0;
    auto ref = direct_conv1d(to_vector<double>(x), 2, 6, 3, to_vector<double>(w), 4, 3, 2, 2, 1, 2,
                             3, flip, out_len);
    ASSERT_EQ(out.shape(), (Shape{2, out_len, 4}));
    EXPECT_TRUE(all_close(out, array(ref.begin(), {2, out_len, 4}, float64), 1e-10, 1e-10));
  }
}

TEST(Conv, NegativePaddingCropsTheInput) {
  auto x = random::normal({1, 8, 2}, float64);
  auto w = random::normal({3, 2, 2}, float64);
  auto out = conv_general(x, w, {1}, {-1}, {-2}, {1}, {1}, 1, false);
  auto cropped = slice(x, {0, 1, 0}, {1, 6, 2});
  EXPECT_TRUE(all_close(out, conv1d(cropped, w), 1e-10, 1e-10));
}

TEST(Conv, GroupsMatchSeparateConvolutions) {
  auto x = random::normal({2, 5, 5, 4});
  auto w = random::normal({6, 3, 3, 2});
  auto out = conv2d(x, w, {1, 1}, {1, 1}, {1, 1}, 2);
  auto a = conv2d(slice(x, {0, 0, 0, 0}, {2, 5, 5, 2}), slice(w, {0, 0, 0, 0}, {3, 3, 3, 2}),
                  {1, 1}, {1, 1});
  auto b = conv2d(slice(x, {0, 0, 0, 2}, {2, 5, 5, 4}), slice(w, {3, 0, 0, 0}, {6, 3, 3, 2}),
                  {1, 1}, {1, 1});
  EXPECT_TRUE(all_close(out, concatenate({a, b}, 3), 1e-5, 1e-5));
}

TEST(Conv, GradientsConv1dGeneral) {
  auto x = random::normal({2, 5, 2}, float64);
  auto w = random::normal({3, 3, 2}, float64);
  check_grad(
      [](const std::vector<array>& v) {
        return conv_general(v[0], v[1], {2}, {1}, {2}, {2}, {2}, 1, true);
      },
      {x, w});
}

TEST(Conv, GradientsConv2dStridedGrouped) {
  auto x = random::normal({2, 5, 4, 4}, float64);
  auto w = random::normal({4, 3, 2, 2}, float64);
  check_grad(
      [](const std::vector<array>& v) {
        return conv2d(v[0], v[1], {2, 1}, {1, 0}, {1, 2}, 2);
      },
      {x, w});
}

TEST(Conv, GradientsConv3dAndTransposed) {
  auto x = random::normal({1, 3, 3, 3, 2}, float64);
  auto w = random::normal({2, 2, 2, 2, 2}, float64);
  check_grad(
      [](const std::vector<array>& v) {
        return conv3d(v[0], v[1], {2, 1, 1}, {1, 0, 1});
      },
      {x, w});
  auto x2 = random::normal({1, 3, 3, 2}, float64);
  auto w2 = random::normal({3, 3, 3, 2}, float64);
  check_grad(
      [](const std::vector<array>& v) {
        return conv_transpose2d(v[0], v[1], {2, 2}, {1, 1}, {1, 1}, {1, 0});
      },
      {x2, w2});
}

TEST(Conv, SlidingWindowsPadValueAndGradient) {
  auto x = reshape(arange(6.0, float64), {1, 6, 1});
  auto g = make_window_geometry("test", {6}, {3}, {2}, {1}, {1}, {1}, {1});
  auto win = sliding_windows(x, g, -100.0);
  ASSERT_EQ(win.shape(), (Shape{1, 3, 3, 1}));
  EXPECT_EQ(to_vector<double>(win), (std::vector<double>{-100, 0, 1, 1, 2, 3, 3, 4, 5}));
  check_grad([&](const std::vector<array>& v) { return sliding_windows(v[0], g, 7.0); },
             {random::normal({2, 6, 2}, float64)});
}

// ---- The fused float32 convolutions against the float64 unfold path ----

struct FusedCase {
  const char* what;
  Shape x, w;
  std::vector<int> stride, lo, hi, kdil, idil;
  int groups;
  bool flip;
};

// Each case exercises one branch of the kernels: single-channel windows,
// pointwise windows read in place, groups, several tiles per image (a 64 x 64
// image with 9-float patches, a 10 x 10 one with 576-float patches),
// padding, negative padding, dilations and the transposed form.
const std::vector<FusedCase> kFusedCases = {
    {"single channel 5x5", {3, 12, 12, 1}, {4, 5, 5, 1}, {}, {}, {}, {}, {}, 1, false},
    {"pointwise", {2, 5, 6, 8}, {6, 1, 1, 8}, {}, {}, {}, {}, {}, 1, false},
    {"pointwise grouped", {2, 5, 6, 8}, {6, 1, 1, 4}, {}, {}, {}, {}, {}, 2, false},
    {"many tiles, narrow patches", {1, 64, 64, 1}, {3, 3, 3, 1}, {}, {1}, {1}, {}, {}, 1, false},
    {"many tiles, wide patches", {2, 10, 10, 64}, {5, 3, 3, 64}, {}, {1}, {1}, {}, {}, 1, false},
    {"strided grouped", {2, 9, 8, 6}, {6, 3, 2, 2}, {2, 1}, {1, 0}, {0, 2}, {1, 2}, {}, 3, false},
    {"negative padding", {1, 9, 3}, {2, 3, 3}, {}, {-1}, {-2}, {}, {}, 1, false},
    {"input dilation, flipped", {2, 5, 2}, {3, 3, 2}, {2}, {1}, {2}, {2}, {2}, 1, true},
    {"3-d", {1, 4, 5, 3, 2}, {3, 2, 2, 2, 2}, {1, 2, 1}, {1, 0, 1}, {0, 1, 1}, {}, {}, 1, false},
    {"empty batch", {0, 6, 6, 2}, {3, 3, 3, 2}, {}, {}, {}, {}, {}, 1, false},
    // One channel per group: the transposed patches (convolution.cpp).
    {"depthwise strided dilated",
     {2, 9, 8, 4},
     {4, 3, 2, 1},
     {2, 1},
     {1, 0},
     {0, 2},
     {2, 1},
     {},
     4,
     false},
    {"single channel 1-d, input dilation", {2, 7, 1}, {3, 4, 1}, {2}, {1}, {2}, {}, {2}, 1, false},
    {"single channel, padded, many tiles",
     {2, 70, 70, 1},
     {2, 5, 5, 1},
     {},
     {2},
     {2},
     {},
     {},
     1,
     false},
    // 3 x 3 windows at stride 1 with 16 channels or more: the Winograd
    // kernels (winograd.cpp). 20 and 24 channels leave a part of a vector
    // register; 10 x 11 outputs leave ragged 4 x 4 tiles; a padding of 3
    // makes the input gradient a cropping.
    {"winograd, padded, ragged tiles",
     {2, 10, 11, 20},
     {24, 3, 3, 20},
     {},
     {1},
     {1},
     {},
     {},
     1,
     false},
    {"winograd, unpadded", {1, 9, 9, 16}, {17, 3, 3, 16}, {}, {}, {}, {}, {}, 1, false},
    {"winograd, uneven padding",
     {1, 7, 8, 16},
     {16, 3, 3, 16},
     {},
     {3, 0},
     {1, 2},
     {},
     {},
     1,
     false},
    {"winograd, negative padding, flipped",
     {1, 20, 17, 32},
     {16, 3, 3, 32},
     {},
     {-1, 1},
     {0, 1},
     {},
     {},
     1,
     true},
    // 5 x 5 windows: 2 x 2 tiles (F(2 x 2, 5 x 5)); 9 x 10 outputs leave a
    // ragged row of tiles; a padding of 5 crops in the input gradient.
    {"winograd 5x5, padded, ragged tiles",
     {2, 9, 10, 16},
     {20, 5, 5, 16},
     {},
     {2},
     {2},
     {},
     {},
     1,
     false},
    {"winograd 5x5, unpadded", {1, 12, 12, 24}, {32, 5, 5, 24}, {}, {}, {}, {}, {}, 1, false},
    // 128 channels make blocks of few tiles, so the input gradient's bands
    // of tile rows (even ones, then odd ones) are several an image.
    {"winograd, several bands", {2, 30, 17, 128}, {128, 3, 3, 128}, {}, {1}, {1}, {}, {}, 1, false},
    {"winograd 5x5, several bands",
     {1, 16, 12, 128},
     {128, 5, 5, 128},
     {},
     {2},
     {2},
     {},
     {},
     1,
     false},
    {"winograd 5x5, uneven padding",
     {1, 30, 30, 16},
     {16, 5, 5, 16},
     {},
     {5, 0},
     {0, 1},
     {},
     {},
     1,
     false},
};

// The first Winograd case of kFusedCases.
constexpr size_t kFirstWinograd = 13;

array fused_case_conv(const FusedCase& c, const array& x, const array& w) {
  return conv_general(x, w, c.stride, c.lo, c.hi, c.kdil, c.idil, c.groups, c.flip);
}

// A float32 result against float64: to 1e-4, relative and absolute; for the
// Winograd cases the absolute part is 2e-5 of the largest magnitude instead,
// as their transforms round terms several times the size of the result
// (errors near 5e-6 of the largest output, where the unfolded products stay
// near 5e-7), so an element that sums to near zero carries its neighbours'
// absolute error.
::testing::AssertionResult close_in_float32(const array& got, const array& want, bool winograd) {
  double atol = 1e-4;
  if (winograd) atol = 2e-5 * max(abs(astype(want, float64))).item<double>();
  return all_close(got, want, 1e-4, atol);
}

TEST(Conv, Float32FusedMatchesFloat64Unfold) {
  for (const auto& c : kFusedCases) {
    auto x = random::normal(c.x, float32, random::key(11));
    auto w = random::normal(c.w, float32, random::key(12));
    auto y = fused_case_conv(c, x, w);
    if (y.size() > 0) {
      ASSERT_TRUE(y.has_primitive()) << c.what;
      EXPECT_STREQ(y.primitive().name(), "Convolution") << c.what;
    }
    auto x64 = astype(x, float64), w64 = astype(w, float64);
    auto y64 = fused_case_conv(c, x64, w64);
    const bool winograd = &c - kFusedCases.data() >= std::ptrdiff_t(kFirstWinograd);
    EXPECT_TRUE(close_in_float32(y, y64, winograd)) << c.what;
    // Both gradients under a cotangent that is not uniform.
    auto ct = random::normal(y.shape(), float32, random::key(13));
    std::function<std::vector<array>(const std::vector<array>&)> f =
        [&](const std::vector<array>& v) {
          return std::vector<array>{fused_case_conv(c, v[0], v[1])};
        };
    auto g32 = vjp(f, {x, w}, {ct}).second;
    auto g64 = vjp(f, {x64, w64}, {astype(ct, float64)}).second;
    EXPECT_TRUE(close_in_float32(g32[0], g64[0], winograd)) << c.what << ": input gradient";
    EXPECT_TRUE(close_in_float32(g32[1], g64[1], winograd)) << c.what << ": weight gradient";
    EXPECT_EQ(g32[0].dtype(), float32);
    EXPECT_EQ(g32[1].shape(), w.shape()) << c.what;
  }
}

// float32 central differences: the convolutions are linear in each operand,
// so the differences have no truncation error and a large step keeps the
// rounding error small.
constexpr double kF32Tol = 2e-3, kF32Eps = 1e-2;

// Every instruction set's Winograd kernels (and the baseline set's, whose
// products go to OpenBLAS) against float64, with the unfolded products as a
// second opinion.
TEST(Conv, WinogradMatchesFloat64OnEveryIsa) {
  cpu::Isa before = cpu::active_isa();
  for (size_t i = kFirstWinograd; i < kFusedCases.size(); ++i) {
    const auto& c = kFusedCases[i];
    SCOPED_TRACE(c.what);
    auto x = random::normal(c.x, float32, random::key(21));
    auto w = random::normal(c.w, float32, random::key(22));
    auto ct = random::normal(fused_case_conv(c, x, w).shape(), float32, random::key(23));
    std::function<std::vector<array>(const std::vector<array>&)> f =
        [&](const std::vector<array>& v) {
          return std::vector<array>{fused_case_conv(c, v[0], v[1])};
        };
    auto [y64, g64] = vjp(f, {astype(x, float64), astype(w, float64)}, {astype(ct, float64)});
    cpu::set_winograd_enabled(false);
    auto [y_gemm, g_gemm] = vjp(f, {x, w}, {ct});
    eval(y_gemm);
    eval(g_gemm);
    cpu::set_winograd_enabled(true);
    for (cpu::Isa isa : cpu::supported_isas()) {
      SCOPED_TRACE(cpu::isa_name(isa));
      cpu::set_active_isa(isa);
      auto [y, g] = vjp(f, {x, w}, {ct});
      EXPECT_TRUE(close_in_float32(y[0], y64[0], true));
      EXPECT_TRUE(close_in_float32(g[0], g64[0], true)) << "input gradient";
      EXPECT_TRUE(close_in_float32(g[1], g64[1], true)) << "weight gradient";
      EXPECT_TRUE(close_in_float32(y[0], y_gemm[0], true));
      EXPECT_TRUE(close_in_float32(g[0], g_gemm[0], true));
      EXPECT_TRUE(close_in_float32(g[1], g_gemm[1], true));
    }
    cpu::set_active_isa(before);
  }
}

// Which convolutions the Winograd kernels take (and so that the cases above
// do run on them).
TEST(Conv, WinogradServesStrideOneThreeByThreeWindows) {
  auto geometry = [](const FusedCase& c) {
    Shape in(c.x.begin() + 1, c.x.end() - 1), k(c.w.begin() + 1, c.w.end() - 1);
    return make_window_geometry("test", in, k, c.stride, c.lo, c.hi, c.kdil, c.idil);
  };
  for (size_t i = 0; i < kFusedCases.size(); ++i) {
    const auto& c = kFusedCases[i];
    if (c.x[0] == 0) continue;
    EXPECT_EQ(cpu::winograd_serves(geometry(c), c.groups, c.x.back(), c.w[0]), i >= kFirstWinograd)
        << c.what;
  }
  FusedCase c = kFusedCases[kFirstWinograd];
  EXPECT_TRUE(cpu::winograd_serves(geometry(c), 1, 16, 16));
  EXPECT_FALSE(cpu::winograd_serves(geometry(c), 1, 8, 64)) << "few input channels";
  EXPECT_FALSE(cpu::winograd_serves(geometry(c), 1, 64, 8)) << "few output channels";
  EXPECT_FALSE(cpu::winograd_serves(geometry(c), 2, 64, 64)) << "groups";
  c.stride = {2};
  EXPECT_FALSE(cpu::winograd_serves(geometry(c), 1, 64, 64)) << "stride";
  c = kFusedCases[kFirstWinograd];
  c.kdil = {1, 2};
  EXPECT_FALSE(cpu::winograd_serves(geometry(c), 1, 64, 64)) << "dilation";
  c = kFusedCases[kFirstWinograd];
  c.idil = {2};
  EXPECT_FALSE(cpu::winograd_serves(geometry(c), 1, 64, 64)) << "input dilation";
  c = kFusedCases[kFirstWinograd];
  c.w = {24, 3, 5, 20};
  EXPECT_FALSE(cpu::winograd_serves(geometry(c), 1, 64, 64)) << "3 x 5 window";
  c.w = {24, 7, 7, 20};
  EXPECT_FALSE(cpu::winograd_serves(geometry(c), 1, 64, 64)) << "7 x 7 window";
  c.x = {1, 10, 20};
  c.w = {24, 3, 20};
  EXPECT_FALSE(cpu::winograd_serves(geometry(c), 1, 64, 64)) << "one spatial axis";
  cpu::set_winograd_enabled(false);
  EXPECT_FALSE(cpu::winograd_serves(geometry(kFusedCases[kFirstWinograd]), 1, 64, 64));
  cpu::set_winograd_enabled(true);
}

TEST(Conv, Float32GradientsFiniteDifferences) {
  for (int i : {0, 2, 5, 6, 7, 8, int(kFirstWinograd) + 2}) {
    const auto& c = kFusedCases[i];
    SCOPED_TRACE(c.what);
    Shape xs = c.x, ws = c.w;
    xs[0] = 1;
    if (xs.size() == 4) xs[1] = xs[2] = std::min(xs[1], 7);
    auto x = random::normal(xs, float32, random::key(3)), w = random::normal(ws, float32);
    // The Winograd case sums more products per output, each rounded: its
    // step is larger still (exact for a function linear in the element).
    check_grad([&](const std::vector<array>& v) { return fused_case_conv(c, v[0], v[1]); }, {x, w},
               kF32Tol, i >= int(kFirstWinograd) ? 0.5 : kF32Eps);
  }
}

// The gradients' own gradients (and jvps): the input gradient as a function
// of (cotangent, weight), the weight gradient as one of (input, cotangent).
TEST(Conv, Float32SecondOrderGradients) {
  const auto& c = kFusedCases[5];  // strided, grouped, dilated
  auto x = random::normal({1, 9, 8, 6}, float32, random::key(4));
  auto w = random::normal(c.w, float32, random::key(5));
  auto y = fused_case_conv(c, x, w);
  auto ct = random::normal(y.shape(), float32, random::key(6));
  auto grads = [&](const array& xv, const array& wv, const array& ctv) {
    return vjp(
               [&](const std::vector<array>& v) {
                 return std::vector<array>{fused_case_conv(c, v[0], v[1])};
               },
               {xv, wv}, {ctv})
        .second;
  };
  auto dx = grads(x, w, ct)[0], dw = grads(x, w, ct)[1];
  EXPECT_STREQ(dx.primitive().name(), "ConvolutionInputGrad");
  EXPECT_STREQ(dw.primitive().name(), "ConvolutionWeightGrad");
  check_grad([&](const std::vector<array>& v) { return grads(x, v[1], v[0])[0]; }, {ct, w}, kF32Tol,
             kF32Eps);
  check_grad([&](const std::vector<array>& v) { return grads(v[0], w, v[1])[1]; }, {x, ct}, kF32Tol,
             kF32Eps);
}

TEST(Conv, Errors) {
  auto g = make_window_geometry("test", {6}, {3}, {1}, {0}, {0}, {1}, {1});
  EXPECT_THROW_MSG(sliding_windows(zeros({1, 5, 2}), g), std::invalid_argument,
                   "[sliding_windows] Input with shape (1,5,2) does not match the window geometry "
                   "for spatial size (6).");
  EXPECT_THROW_MSG(make_window_geometry("pool", {6, 6}, {3, 3}, {1, 2, 3}, {}, {}, {}, {}),
                   std::invalid_argument, "[pool] Expected 2 values for stride but got 3.");
  EXPECT_THROW_MSG(make_window_geometry("pool", {6}, {0}, {}, {}, {}, {}, {}),
                   std::invalid_argument, "[pool] Kernel sizes must be positive but got (0).");
  EXPECT_THROW_MSG(
      conv_transpose_general(zeros({1, 4, 3}), zeros({2, 3, 3}), {1}, {0, 0}, {1}, {0}),
      std::invalid_argument,
      "[conv_transpose_general] stride, padding, dilation and output_padding need "
      "one value per spatial axis but have 1, 2, 1 and 1.");
  auto x = zeros({1, 4, 4, 3});
  EXPECT_THROW_MSG(conv2d(x, zeros({2, 3, 3, 2})), std::invalid_argument,
                   "[conv] Expected 2 input channels");
  EXPECT_THROW_MSG(conv2d(x, zeros({2, 3, 3, 1}), {1, 1}, {0, 0}, {1, 1}, 2), std::invalid_argument,
                   "[conv] The input channels must be divisible by the number of groups");
  EXPECT_THROW_MSG(conv2d(zeros({1, 4, 4, 4}), zeros({3, 3, 3, 2}), {1, 1}, {0, 0}, {1, 1}, 2),
                   std::invalid_argument,
                   "[conv] The output channels must be divisible by the number of groups");
  EXPECT_THROW_MSG(conv2d(x, zeros({2, 5, 5, 3})), std::invalid_argument,
                   "[conv] The kernel (spatial size (5,5), dilation (1,1)) is larger than the "
                   "padded input (spatial size (4,4), padding (0,0) / (0,0)).");
  EXPECT_THROW_MSG(conv2d(zeros({4, 4, 3}), zeros({2, 3, 3, 3})), std::invalid_argument,
                   "[conv2d] Expected a (N, H, W, C_in) input but got shape (4,4,3).");
  EXPECT_THROW_MSG(conv1d(zeros({1, 4, 3}, int32), zeros({2, 3, 3})), std::invalid_argument,
                   "[conv] Convolution needs floating point inputs");
  EXPECT_THROW_MSG(conv1d(zeros({1, 4, 3}), zeros({2, 3, 3}), 0), std::invalid_argument,
                   "[conv] Strides and dilations must be positive");
  EXPECT_THROW_MSG(conv_transpose1d(zeros({1, 4, 3}), zeros({2, 3, 3}), 2, 0, 1, 2),
                   std::invalid_argument,
                   "[conv_transpose1d] output_padding must be smaller than the stride");
}

}  // namespace
}  // namespace lmx::test
