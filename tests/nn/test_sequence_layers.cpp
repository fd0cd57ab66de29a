// fast:: ops, attention, transformer, positional and recurrent layers:
// PyTorch reference outputs (tests/reference/*.npz), hand computations,
// gradient checks and error messages.
#include <cmath>

#include "../test_utils.h"

namespace lmx::test {
namespace {

struct Reference {
  explicit Reference(const std::string& name) : arrays(load_reference(name)) {}
  array at(const std::string& key) const { return arrays.at(key); }
  // The entries under "prefix." with the prefix removed, as a weight list.
  std::vector<std::pair<std::string, array>> weights(const std::string& prefix) const {
    std::vector<std::pair<std::string, array>> out;
    for (auto& [k, v] : arrays) {
      if (k.rfind(prefix + ".", 0) == 0) out.emplace_back(k.substr(prefix.size() + 1), v);
    }
    return out;
  }
  std::unordered_map<std::string, array> arrays;
};

// softmax(scale q k^T + mask) v written out with plain ops.
array naive_attention(const array& q, const array& k, const array& v, float scale,
                      const std::optional<array>& mask) {
  auto s = multiply(matmul(q, swapaxes(k, -1, -2)), array(scale));
  if (mask) s = mask->dtype() == bool_ ? where(*mask, s, array(-INFINITY)) : add(s, *mask);
  return matmul(softmax(s, -1), v);
}

TEST(Fast, ScaledDotProductAttention) {
  random::seed(7);
  auto q = random::normal({2, 4, 5, 8}), k = random::normal({2, 4, 7, 8}),
       v = random::normal({2, 4, 7, 6});
  float scale = 0.3f;
  EXPECT_TRUE(all_close(fast::scaled_dot_product_attention(q, k, v, scale),
                        naive_attention(q, k, v, scale, std::nullopt), 1e-5, 1e-5));
  auto additive = random::normal({5, 7});
  EXPECT_TRUE(all_close(fast::scaled_dot_product_attention(q, k, v, scale, "", additive),
                        naive_attention(q, k, v, scale, additive), 1e-5, 1e-5));
  auto boolean = greater(random::normal({2, 1, 5, 7}), array(-0.5f));
  boolean = logical_or(boolean, expand_dims(eye(5, 7, 0, bool_), {0, 1}));
  EXPECT_TRUE(all_close(fast::scaled_dot_product_attention(q, k, v, scale, "", boolean),
                        naive_attention(q, k, v, scale, boolean), 1e-5, 1e-5));
  // Causal: query i sees keys j <= i + (S - L).
  auto causal =
      greater_equal(add(reshape(arange(0, 5), {5, 1}), array(2)), reshape(arange(0, 7), {1, 7}));
  EXPECT_TRUE(all_close(fast::scaled_dot_product_attention(q, k, v, scale, "causal"),
                        naive_attention(q, k, v, scale, causal), 1e-5, 1e-5));
  // Grouped-query attention: 4 query heads share 2 key/value heads.
  auto k2 = random::normal({2, 2, 7, 8}), v2 = random::normal({2, 2, 7, 6});
  auto rep = [](const array& x) { return repeat(x, 2, 1); };
  EXPECT_TRUE(all_close(fast::scaled_dot_product_attention(q, k2, v2, scale),
                        naive_attention(q, rep(k2), rep(v2), scale, std::nullopt), 1e-5, 1e-5));
  check_grad(
      [&](const std::vector<array>& x) {
        return fast::scaled_dot_product_attention(x[0], x[1], x[2], 0.5f, "causal");
      },
      {random::normal({1, 2, 3, 4}, float64), random::normal({1, 2, 3, 4}, float64),
       random::normal({1, 2, 3, 4}, float64)});
  EXPECT_THROW_MSG(fast::scaled_dot_product_attention(q, random::normal({2, 3, 7, 8}),
                                                      random::normal({2, 3, 7, 6}), 1.0f),
                   std::invalid_argument,
                   "[scaled_dot_product_attention] The number of query heads (4) must be a "
                   "multiple of the key/value heads (3).");
  EXPECT_THROW_MSG(fast::scaled_dot_product_attention(q, k, v, 1.0f, "", zeros({3, 7})),
                   std::invalid_argument,
                   "[scaled_dot_product_attention] mask with shape (3,7) does not broadcast to "
                   "the scores' shape (2,4,5,7).");
  EXPECT_THROW_MSG(fast::scaled_dot_product_attention(q, k, v, 1.0f, "sliding"),
                   std::invalid_argument, "mask_mode must be '', 'causal' or 'array'");
}

TEST(Fast, NormsMatchFormulasAndDifferentiate) {
  random::seed(8);
  auto x = random::normal({3, 6}, float64);
  auto w = random::normal({6}, float64), b = random::normal({6}, float64);
  auto mu = mean(x, -1, true);
  auto ln = multiply(divide(subtract(x, mu), sqrt(add(var(x, -1, true), array(1e-5)))), w);
  EXPECT_TRUE(all_close(fast::layer_norm(x, w, b, 1e-5f), add(ln, b), 1e-9, 1e-9));
  auto rms = multiply(divide(x, sqrt(add(mean(square(x), -1, true), array(1e-5)))), w);
  EXPECT_TRUE(all_close(fast::rms_norm(x, w, 1e-5f), rms, 1e-9, 1e-9));
  check_grad([](const std::vector<array>& v) { return fast::layer_norm(v[0], v[1], v[2], 1e-5f); },
             {x, w, b});
  check_grad([](const std::vector<array>& v) { return fast::rms_norm(v[0], v[1], 1e-5f); }, {x, w});
  // Half precision inputs are normalised in float32 and keep their dtype.
  auto h = astype(random::normal({2, 64}), float16);
  EXPECT_EQ(fast::rms_norm(h, std::nullopt, 1e-5f).dtype(), float16);
  EXPECT_THROW_MSG(fast::layer_norm(x, zeros({5}), std::nullopt, 1e-5f), std::invalid_argument,
                   "[layer_norm] weight must have shape (6) to match input with shape (3,6)");
}

// RoPE by hand: pairs (x[2i], x[2i+1]) or (x[i], x[i + d/2]) rotated by
// (offset + position) * scale * base^(-2i/dims).
std::vector<double> hand_rope(const std::vector<double>& x, int L, int D, int dims, bool trad,
                              double base, double scale, int offset) {
  auto y = x;
  for (int p = 0; p < L; ++p) {
    for (int i = 0; i < dims / 2; ++i) {
      double theta = (offset + p) * scale * std::pow(base, -2.0 * i / dims);
      int a = trad ? 2 * i : i, b = trad ? 2 * i + 1 : i + dims / 2;
      double xa = x[p * D + a], xb = x[p * D + b];
      y[p * D + a] = xa * std::cos(theta) - xb * std::sin(theta);
      y[p * D + b] = xa * std::sin(theta) + xb * std::cos(theta);
    }
  }
  return y;
}

TEST(Fast, RopeMatchesHandComputation) {
  random::seed(9);
  auto x = random::normal({1, 5, 8}, float64);
  for (bool trad : {false, true}) {
    for (int dims : {8, 4}) {
      auto y = fast::rope(x, dims, trad, 10000.0f, 0.5f, 3);
      auto ref = hand_rope(to_vector<double>(x), 5, 8, dims, trad, 10000.0, 0.5, 3);
      EXPECT_TRUE(all_close(y, array(ref.begin(), {1, 5, 8}, float64), 1e-6, 1e-6))
          << trad << " " << dims;
    }
  }
  // freqs replace base: frequency i is 1 / freqs[i].
  auto freqs = power(array(10000.0f), divide(arange(0.0, 8.0, 2.0, float32), array(8.0f)));
  EXPECT_TRUE(all_close(fast::rope(x, 8, false, std::nullopt, 1.0f, 0, freqs),
                        fast::rope(x, 8, false, 10000.0f, 1.0f, 0), 1e-5, 1e-5));
  check_grad([](const std::vector<array>& v) { return fast::rope(v[0], 4, true, 100.0f, 1.0f, 1); },
             {random::normal({2, 3, 6}, float64)});
  nn::RoPE rope(8, true);
  EXPECT_EQ(repr(rope), "RoPE(8, traditional=True)");
  EXPECT_TRUE(all_close(rope(x, 2), fast::rope(x, 8, true, 10000.0f, 1.0f, 2)));
  EXPECT_THROW_MSG(fast::rope(x, 5, false, 10000.0f, 1.0f, 0), std::invalid_argument,
                   "[rope] dims must be even, positive and at most the feature size 8");
  EXPECT_THROW_MSG(fast::rope(x, 8, false, std::nullopt, 1.0f, 0), std::invalid_argument,
                   "[rope] Exactly one of base and freqs must be given.");
}

TEST(Positional, SinusoidalAndAlibi) {
  nn::SinusoidalPositionalEncoding pe(8);
  auto y = pe(array({0.0f, 1.0f, 2.0f}));
  ASSERT_EQ(y.shape(), (Shape{3, 8}));
  // Frequencies run from max_freq (1) down to min_freq (1e-4) geometrically.
  auto v = to_vector<float>(y);
  float scale = std::sqrt(2.0f / 8);
  EXPECT_NEAR(v[8 + 0], scale * std::sin(1.0f), 1e-6);   // position 1, freq 1
  EXPECT_NEAR(v[8 + 3], scale * std::sin(1e-4f), 1e-6);  // position 1, freq 1e-4
  EXPECT_NEAR(v[8 + 4], scale * std::cos(1.0f), 1e-6);   // cosines follow
  EXPECT_NEAR(v[16 + 1], scale * std::sin(2.0f * std::pow(1e-4f, 1.0f / 3)), 1e-6);
  EXPECT_TRUE(tree_flatten(pe.parameters()).empty());
  auto slopes = to_vector<float>(nn::ALiBi::create_alibi_slope(4));
  EXPECT_NEAR(slopes[0], 0.25f, 1e-6);  // 2^(-8/4)
  EXPECT_NEAR(slopes[3], 1.0f / 256, 1e-8);
  nn::ALiBi alibi;
  auto scores = zeros({1, 4, 3, 5});
  auto biased = alibi(scores, 2);
  // Query i (absolute position i + 2) and key j differ by |i + 2 - j|.
  EXPECT_NEAR(to_vector<float>(biased)[0 * 15 + 1 * 5 + 0], -0.25f * 3, 1e-6);
  EXPECT_NEAR(to_vector<float>(biased)[3 * 15 + 2 * 5 + 4], 0.0f, 1e-6);
}

TEST(Attention, MultiHeadAttentionMatchesTorch) {
  Reference ref("attention.npz");
  nn::MultiHeadAttention mha(16, 4);
  mha.load_weights(ref.weights("mha"));
  auto y = mha(ref.at("mha_in.q"), ref.at("mha_in.kv"), ref.at("mha_in.kv"), ref.at("mha_in.mask"));
  EXPECT_TRUE(all_close(y, ref.at("mha_out.y"), 1e-4, 1e-5));
  EXPECT_EQ(repr(mha),
            "MultiHeadAttention(\n"
            "  (query_proj): Linear(input_dims=16, output_dims=16, bias=False)\n"
            "  (key_proj): Linear(input_dims=16, output_dims=16, bias=False)\n"
            "  (value_proj): Linear(input_dims=16, output_dims=16, bias=False)\n"
            "  (out_proj): Linear(input_dims=16, output_dims=16, bias=False)\n"
            ")");
  auto m = to_vector<float>(nn::MultiHeadAttention::create_additive_causal_mask(3));
  EXPECT_EQ(m[0], 0.0f);
  EXPECT_EQ(m[1], std::numeric_limits<float>::lowest());
  EXPECT_EQ(m[3], 0.0f);
  EXPECT_THROW_MSG(nn::MultiHeadAttention(10, 4), std::invalid_argument,
                   "[MultiHeadAttention] The input feature dimensions should be divisible by the "
                   "number of heads (10 % 4) != 0");
}

TEST(Attention, TransformerLayersMatchTorch) {
  Reference ref("attention.npz");
  for (int norm_first : {1, 0}) {
    std::string tag = "enc" + std::to_string(norm_first);
    nn::TransformerEncoderLayer layer(16, 4, 32, 0.0f, nullptr, norm_first);
    layer.load_weights(ref.weights(tag));
    EXPECT_TRUE(
        all_close(layer(ref.at(tag + "_in.x"), std::nullopt), ref.at(tag + "_out.y"), 1e-4, 1e-4))
        << tag;
    tag = "dec" + std::to_string(norm_first);
    nn::TransformerDecoderLayer dec(16, 4, 32, 0.0f, nullptr, norm_first);
    dec.load_weights(ref.weights(tag));
    auto y = dec(ref.at(tag + "_in.x"), ref.at(tag + "_in.memory"), ref.at(tag + "_in.mask"),
                 std::nullopt);
    EXPECT_TRUE(all_close(y, ref.at(tag + "_out.y"), 1e-4, 1e-4)) << tag;
  }
  nn::TransformerEncoder encoder(2, 16, 4, 32);
  encoder.load_weights(ref.weights("encoder"));
  EXPECT_TRUE(all_close(encoder(ref.at("encoder_in.x"), ref.at("encoder_in.mask")),
                        ref.at("encoder_out.y"), 1e-4, 1e-4));
  // The full model wires encoder memory into the decoder; train/eval reach dropouts.
  nn::Transformer t(16, 4, 1, 1, 32, 0.1f);
  auto src = random::normal({2, 5, 16}), tgt = random::normal({2, 3, 16});
  t.eval();
  auto y = t(src, tgt, std::nullopt, nn::MultiHeadAttention::create_additive_causal_mask(3),
             std::nullopt);
  EXPECT_EQ(y.shape(), (Shape{2, 3, 16}));
  EXPECT_TRUE(
      all_close(y, t(src, tgt, std::nullopt, nn::MultiHeadAttention::create_additive_causal_mask(3),
                     std::nullopt)));
  // Dropout acts in training mode only.
  nn::TransformerEncoderLayer noisy(16, 4, 32, 0.5f);
  auto xs = random::normal({2, 5, 16});
  noisy.eval();
  EXPECT_TRUE(all_close(noisy(xs), noisy(xs)));
  noisy.train();
  EXPECT_FALSE(all_close(noisy(xs), noisy(xs)));
  auto names = tree_flatten(t.parameters());
  EXPECT_EQ(names[0].first, "encoder.layers.0.attention.query_proj.weight");
  EXPECT_EQ(names.back().first, "decoder.ln.bias");
}

TEST(Recurrent, MatchTorch) {
  Reference ref("recurrent.npz");
  auto x = ref.at("in.x"), h0 = ref.at("in.h0"), c0 = ref.at("in.c0");
  nn::RNN rnn(5, 6);
  rnn.load_weights(ref.weights("rnn"));
  EXPECT_TRUE(all_close(rnn(x, h0), ref.at("rnn_out.y"), 1e-5, 1e-6));
  nn::GRU gru(5, 6);
  gru.load_weights(ref.weights("gru"));
  EXPECT_TRUE(all_close(gru(x, h0), ref.at("gru_out.y"), 1e-5, 1e-6));
  EXPECT_TRUE(all_close(gru(x), ref.at("gru_out.y_no_h0"), 1e-5, 1e-6));
  nn::LSTM lstm(5, 6);
  lstm.load_weights(ref.weights("lstm"));
  auto [hs, cs] = lstm(x, h0, c0);
  EXPECT_TRUE(all_close(hs, ref.at("lstm_out.y"), 1e-5, 1e-6));
  EXPECT_TRUE(all_close(take(cs, 3, 1), ref.at("lstm_out.c_last"), 1e-5, 1e-6));
  // Unbatched (L, D) inputs and printing.
  EXPECT_EQ(rnn(take(x, 0, 0)).shape(), (Shape{4, 6}));
  EXPECT_EQ(repr(gru), "GRU(input_dims=5, hidden_size=6, bias=True)");
  nn::LSTM small(2, 3);
  small.set_dtype(float64);
  check_grad(
      [&](const std::vector<array>& v) {
        small.Wh = v[1];
        return small(v[0]).first;
      },
      {random::normal({1, 3, 2}, float64), random::normal({12, 3}, float64)});
  EXPECT_THROW_MSG(rnn(zeros({2, 3, 4})), std::invalid_argument,
                   "[RNN] Expected input (N, L, 5) or (L, 5) but got (2,3,4).");
}

TEST(QuantizedLayers, LinearEmbeddingAndQuantize) {
  random::seed(11);
  nn::Linear linear(64, 32);
  auto ql = nn::QuantizedLinear::from_linear(linear, 32, 8);
  auto x = random::normal({4, 64});
  EXPECT_TRUE(all_close(ql(x), linear(x), 2e-2, 2e-2));
  EXPECT_EQ(repr(ql),
            "QuantizedLinear(input_dims=64, output_dims=32, bias=True, group_size=32, "
            "bits=8)");
  EXPECT_TRUE(tree_flatten(ql.trainable_parameters()).empty());
  ql.unfreeze();
  EXPECT_TRUE(tree_flatten(ql.trainable_parameters()).empty());
  auto names = tree_flatten(ql.parameters());
  ASSERT_EQ(names.size(), 4u);
  EXPECT_EQ(names[0].first, "weight");
  EXPECT_EQ(names[1].first, "scales");
  EXPECT_EQ(names[2].first, "biases");
  EXPECT_EQ(names[3].first, "bias");

  nn::Embedding emb(10, 64);
  auto qe = nn::QuantizedEmbedding::from_embedding(emb, 64, 4);
  auto ids = array({1, 7, 7, 3}, {2, 2}, int32);
  auto q = quantize(emb.weight, 64, 4);
  EXPECT_TRUE(all_close(qe(ids), take(dequantize(q[0], q[1], q[2], 64, 4), ids, 0)));
  EXPECT_EQ(qe(ids).shape(), (Shape{2, 2, 64}));
  EXPECT_TRUE(
      all_close(qe.as_linear(x), matmul(x, transpose(dequantize(q[0], q[1], q[2]))), 1e-4, 1e-5));

  // nn::quantize swaps the layers of a Sequential; predicates choose which.
  nn::Sequential model(nn::Linear(64, 64), nn::ReLU(), nn::Linear(64, 10));
  auto before = model(x);
  nn::quantize(model, 64, 8,
               [](const std::string& path, nn::Module&) { return path != "layers.2"; });
  EXPECT_EQ(model.layers[0]->name(), "QuantizedLinear");
  EXPECT_EQ(model.layers[2]->name(), "Linear");
  EXPECT_TRUE(all_close(model(x), before, 5e-2, 5e-2));
  auto path = ::testing::TempDir() + "/quantized.safetensors";
  model.save_weights(path);
  nn::Sequential again(nn::Linear(64, 64), nn::ReLU(), nn::Linear(64, 10));
  nn::quantize(again, 64, 8, [](const std::string& p, nn::Module&) { return p != "layers.2"; });
  again.load_weights(path);
  EXPECT_TRUE(all_close(again(x), model(x)));
  struct ByValue : nn::Module {
    nn::Linear fc{64, 64};
    ByValue() { register_module("fc", fc); }
  } by_value;
  EXPECT_THROW_MSG(nn::quantize(by_value, 64, 4), std::invalid_argument,
                   "must be held by std::shared_ptr<nn::Module>");
}

}  // namespace
}  // namespace lmx::test
