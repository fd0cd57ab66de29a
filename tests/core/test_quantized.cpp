// quantize / dequantize / quantized_matmul: MLX's affine formulas, the
// bit-stream packing, error bounds per bit width, products against the float
// matmul, gradients and error messages.
#include "../test_utils.h"

namespace lmx::test {
namespace {

// MLX's reference formulas for scales and biases, written with plain ops.
std::pair<array, array> reference_scales_biases(const array& w, int group_size, int bits) {
  Shape grouped{w.shape(0), w.shape(1) / group_size, group_size};
  auto g = reshape(w, grouped);
  auto hi = max(g, -1, true), lo = min(g, -1, true);
  float n_bins = float((1 << bits) - 1);
  auto min_is_edge = greater(abs(lo), abs(hi));
  auto scale = maximum(divide(subtract(hi, lo), array(n_bins)), array(1e-7f));
  scale = where(min_is_edge, scale, negative(scale));
  auto edge = where(min_is_edge, lo, hi);
  auto q0 = round(divide(edge, scale));
  scale = where(not_equal(q0, array(0.0f)), divide(edge, q0), scale);
  auto bias = where(equal(q0, array(0.0f)), array(0.0f), edge);
  return {squeeze(scale, -1), squeeze(bias, -1)};
}

TEST(Quantize, ScalesBiasesAndRoundTripErrorPerBitWidth) {
  random::seed(3);
  for (int bits : {2, 3, 4, 5, 6, 8}) {
    for (int group_size : {32, 64, 128}) {
      auto w = random::normal({8, 256});
      auto q = quantize(w, group_size, bits);
      ASSERT_EQ(q.size(), 3u);
      EXPECT_EQ(q[0].dtype(), uint32);
      EXPECT_EQ(q[0].shape(), (Shape{8, 256 * bits / 32}));
      EXPECT_EQ(q[1].shape(), (Shape{8, 256 / group_size}));
      auto [scales, biases] = reference_scales_biases(w, group_size, bits);
      EXPECT_TRUE(all_close(q[1], scales, 1e-6, 1e-7)) << bits << "/" << group_size;
      EXPECT_TRUE(all_close(q[2], biases, 1e-6, 1e-7)) << bits << "/" << group_size;
      // Within one quantization step ((max - min) / (2^bits - 1)) of every value.
      auto back = dequantize(q[0], q[1], q[2], group_size, bits);
      Shape grouped{8, 256 / group_size, group_size};
      auto step = divide(subtract(max(reshape(w, grouped), -1), min(reshape(w, grouped), -1)),
                         array(float((1 << bits) - 1)));
      auto err = max(abs(subtract(reshape(back, grouped), reshape(w, grouped))), -1);
      EXPECT_TRUE(all(less_equal(err, add(step, array(1e-6f)))).item<bool>())
          << "bits " << bits << " group " << group_size;
      // Rounding alone would give half a step; the mean error stays near a quarter.
      EXPECT_LT(mean(divide(err, step)).item<float>(), 0.75f);
    }
  }
}

TEST(Quantize, PacksCodesAsLittleEndianBitStream) {
  for (int bits : {2, 3, 4, 5, 6, 8}) {
    int n_bins = (1 << bits) - 1;
    // Values 0..n_bins: the edge is the max, so scale = -1, bias = n_bins and
    // each code is n_bins - value.
    std::vector<float> values(64);
    for (int i = 0; i < 64; ++i) values[i] = float((i * 7) % (n_bins + 1));
    values[0] = 0.0f;
    values[1] = float(n_bins);
    values[32] = 0.0f;
    values[33] = float(n_bins);
    auto q = quantize(array(values.begin(), {1, 64}), 32, bits);
    std::vector<uint32_t> expect(64 * bits / 32, 0u);
    for (int j = 0; j < 64; ++j) {
      uint64_t code = uint64_t(n_bins) - uint64_t(values[j]);
      int bit = j * bits;
      expect[bit / 32] |= uint32_t(code << (bit % 32));
      if (bit % 32 + bits > 32) expect[bit / 32 + 1] |= uint32_t(code >> (32 - bit % 32));
    }
    EXPECT_EQ(to_vector<uint32_t>(q[0]), expect) << "bits " << bits;
    EXPECT_EQ(to_vector<float>(q[1]), (std::vector<float>{-1.0f, -1.0f}));
    EXPECT_TRUE(all_close(dequantize(q[0], q[1], q[2], 32, bits), array(values.begin(), {1, 64})));
  }
}

TEST(Quantize, MatmulMatchesFloatProduct) {
  random::seed(4);
  for (int bits : {2, 3, 4, 6, 8}) {
    for (int group_size : {32, 128}) {
      for (bool transpose : {true, false}) {
        auto w = random::normal(transpose ? Shape{96, 256} : Shape{256, 128});
        auto q = quantize(w, group_size, bits);
        auto wd = dequantize(q[0], q[1], q[2], group_size, bits);
        for (Shape xs : {Shape{5, 256}, Shape{2, 3, 256}, Shape{256}, Shape{20, 256}}) {
          if (!transpose) xs.back() = 256;
          auto x = random::normal(xs);
          auto y = quantized_matmul(x, q[0], q[1], q[2], transpose, group_size, bits);
          auto ref = matmul(x, transpose ? swapaxes(wd, 0, 1) : wd);
          EXPECT_TRUE(all_close(y, ref, 1e-4, 1e-3))
              << bits << " " << group_size << " " << transpose;
        }
      }
    }
  }
  // Half precision inputs give half precision outputs.
  auto w = random::normal({64, 64});
  auto q = quantize(w);
  auto x = astype(random::normal({3, 64}), float16);
  auto y = quantized_matmul(x, q[0], q[1], q[2]);
  EXPECT_EQ(y.dtype(), float32);  // scales are float32
  auto qh = quantize(astype(w, float16));
  EXPECT_EQ(quantized_matmul(x, qh[0], qh[1], qh[2]).dtype(), float16);
  EXPECT_TRUE(all_close(quantized_matmul(x, qh[0], qh[1], qh[2]),
                        matmul(x, transpose(dequantize(qh[0], qh[1], qh[2]))), 1e-2, 1e-2));
}

TEST(Quantize, Gradients) {
  random::seed(5);
  auto w = random::normal({32, 64});
  auto q = quantize(w, 32, 4);
  auto wd = dequantize(q[0], q[1], q[2], 32, 4);
  auto x = random::normal({3, 64});
  auto ct = random::normal({3, 32});
  auto f = [&](const std::vector<array>& in) {
    return std::vector<array>{quantized_matmul(in[0], q[0], q[1], q[2], true, 32, 4)};
  };
  auto [outs, grads] = vjp(f, {x}, {ct});
  EXPECT_TRUE(all_close(grads[0], matmul(ct, wd), 1e-4, 1e-4));
  auto [o2, tans] = jvp(f, {x}, {ct.shape() == x.shape() ? ct : random::normal({3, 64})});
  (void)o2;
  EXPECT_EQ(tans[0].shape(), (Shape{3, 32}));
  // dequantize is linear in its scales and biases.
  check_grad([&](const std::vector<array>& in) { return dequantize(q[0], in[0], in[1], 32, 4); },
             {astype(q[1], float64), astype(q[2], float64)}, 1e-4, 1e-3);
  EXPECT_THROW_MSG(grad([&](const array& s) {
                     return sum(quantized_matmul(x, q[0], s, q[2], true, 32, 4));
                   })(q[1]),
                   std::invalid_argument,
                   "[quantized_matmul] Gradients are only available with respect to x");
}

TEST(Quantize, Errors) {
  auto w = zeros({4, 64});
  EXPECT_THROW_MSG(quantize(w, 16), std::invalid_argument,
                   "[quantize] The requested group size 16 is not supported");
  EXPECT_THROW_MSG(quantize(w, 64, 7), std::invalid_argument,
                   "[quantize] The requested number of bits 7 is not supported");
  EXPECT_THROW_MSG(quantize(w, 64, 4, "mxfp4"), std::invalid_argument,
                   "[quantize] Only the 'affine' quantization mode is supported");
  EXPECT_THROW_MSG(quantize(zeros({64})), std::invalid_argument,
                   "[quantize] The matrix to be quantized must have at least 2 dimensions");
  EXPECT_THROW_MSG(quantize(zeros({4, 48}), 32), std::invalid_argument,
                   "must be divisible by the group size 32");
  EXPECT_THROW_MSG(quantize(zeros({4, 64}, int32)), std::invalid_argument,
                   "[quantize] Only real floating types can be quantized");
  auto q = quantize(w);
  EXPECT_THROW_MSG(dequantize(q[0], q[1]), std::invalid_argument,
                   "[dequantize] Biases must be provided");
  EXPECT_THROW_MSG(dequantize(q[0], q[1], q[2], 32), std::invalid_argument,
                   "[dequantize] scales with shape (4,1) and biases with shape (4,1) do not match");
  EXPECT_THROW_MSG(dequantize(zeros({4, 3}, uint32), q[1], q[2], 64, 3), std::invalid_argument,
                   "[dequantize] The quantized matrix with shape (4,3) does not hold whole groups "
                   "of 64 3-bit values");
  EXPECT_THROW_MSG(dequantize(astype(q[0], int32), q[1], q[2]), std::invalid_argument,
                   "[dequantize] The quantized matrix must be uint32");
  EXPECT_THROW_MSG(quantized_matmul(zeros({2, 32}), q[0], q[1], q[2]), std::invalid_argument,
                   "[quantized_matmul] The last dimension of x with shape (2,32) must be 64");
  EXPECT_THROW_MSG(quantized_matmul(zeros({2, 64}), reshape(q[0], {1, 4, 8}), q[1], q[2]),
                   std::invalid_argument, "[quantized_matmul] The quantized matrix must be 2-dim");
}

}  // namespace
}  // namespace lmx::test
