#include "lmx/nn/transformer.h"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "lmx/core/error.h"
#include "lmx/core/fast.h"
#include "lmx/core/ops.h"
#include "lmx/core/utils.h"
#include "lmx/nn/activations.h"

namespace lmx::nn {

namespace {

int checked_heads(int dims, int num_heads) {
  if (num_heads <= 0 || dims % num_heads != 0) {
    fail("MultiHeadAttention",
         "The input feature dimensions should be divisible by the number of heads (",
         std::to_string(dims), " % ", std::to_string(num_heads), ") != 0");
  }
  return num_heads;
}

Activation or_relu(Activation a) {
  return a ? a : Activation([](const array& x) { return nn::relu(x); });
}

// (B, L, heads * d) -> (B, heads, L, d)
array split_heads(const array& x, int heads) {
  return transpose(reshape(x, {x.shape(0), x.shape(1), heads, -1}), {0, 2, 1, 3});
}

}  // namespace

MultiHeadAttention::MultiHeadAttention(int dims, int num_heads, std::optional<int> q_in,
                                       std::optional<int> k_in, std::optional<int> v_in,
                                       std::optional<int> v_dims, std::optional<int> v_out,
                                       bool bias)
    : num_heads(checked_heads(dims, num_heads)),
      query_proj(q_in.value_or(dims), dims, bias),
      key_proj(k_in.value_or(dims), dims, bias),
      value_proj(v_in.value_or(k_in.value_or(dims)), v_dims.value_or(dims), bias),
      out_proj(v_dims.value_or(dims), v_out.value_or(dims), bias) {
  register_module("query_proj", query_proj);
  register_module("key_proj", key_proj);
  register_module("value_proj", value_proj);
  register_module("out_proj", out_proj);
}

array MultiHeadAttention::operator()(const array& queries, const array& keys, const array& values,
                                     const std::optional<array>& mask) {
  if (queries.ndim() != 3 || keys.ndim() != 3 || values.ndim() != 3) {
    fail("MultiHeadAttention", "Expected (B, L, D) queries, keys and values but got shapes ",
         to_string(queries.shape()), ", ", to_string(keys.shape()), " and ",
         to_string(values.shape()), ".");
  }
  auto q = split_heads(query_proj(queries), num_heads);
  auto k = split_heads(key_proj(keys), num_heads);
  auto v = split_heads(value_proj(values), num_heads);
  float scale = 1.0f / std::sqrt(float(q.shape(-1)));
  auto out = fast::scaled_dot_product_attention(q, k, v, scale, "", mask);
  out = reshape(transpose(out, {0, 2, 1, 3}), {queries.shape(0), queries.shape(1), -1});
  return out_proj(out);
}

array MultiHeadAttention::create_additive_causal_mask(int N, Dtype dtype) {
  auto idx = arange(0, N);
  auto upper = less(expand_dims(idx, 1), expand_dims(idx, 0));
  double lowest = dtype == float16    ? -65504.0
                  : dtype == bfloat16 ? -3.3895313892515355e38
                  : dtype == float64  ? std::numeric_limits<double>::lowest()
                                      : double(std::numeric_limits<float>::lowest());
  return multiply(astype(upper, dtype), array(lowest, dtype));
}

TransformerEncoderLayer::TransformerEncoderLayer(int dims, int num_heads,
                                                 std::optional<int> mlp_dims, float dropout,
                                                 Activation act, bool norm_first)
    : attention(dims, num_heads),
      ln1(dims),
      ln2(dims),
      linear1(dims, mlp_dims.value_or(4 * dims)),
      linear2(mlp_dims.value_or(4 * dims), dims),
      dropout1(dropout),
      dropout2(dropout),
      activation(or_relu(std::move(act))),
      norm_first(norm_first) {
  register_module("attention", attention);
  register_module("ln1", ln1);
  register_module("ln2", ln2);
  register_module("linear1", linear1);
  register_module("linear2", linear2);
  register_module("dropout1", dropout1);
  register_module("dropout2", dropout2);
}

array TransformerEncoderLayer::operator()(const array& x_in, const std::optional<array>& mask) {
  array x = x_in;
  if (norm_first) {
    auto y = ln1(x);
    x = add(x, dropout1(attention(y, y, y, mask)));
    y = linear2(dropout2(activation(linear1(ln2(x)))));
    return add(x, y);
  }
  x = ln1(add(x, dropout1(attention(x, x, x, mask))));
  auto y = linear2(dropout2(activation(linear1(x))));
  return ln2(add(x, y));
}

TransformerEncoder::TransformerEncoder(int num_layers, int dims, int num_heads,
                                       std::optional<int> mlp_dims, float dropout,
                                       Activation activation, bool norm_first)
    : ln(dims) {
  for (int i = 0; i < num_layers; ++i) {
    layers.emplace_back(dims, num_heads, mlp_dims, dropout, activation, norm_first);
  }
  register_module("layers", layers);
  register_module("ln", ln);
}

array TransformerEncoder::operator()(const array& x_in, const std::optional<array>& mask) {
  array x = x_in;
  for (auto& l : layers) x = l(x, mask);
  return ln(x);
}

TransformerDecoderLayer::TransformerDecoderLayer(int dims, int num_heads,
                                                 std::optional<int> mlp_dims, float dropout,
                                                 Activation act, bool norm_first)
    : self_attention(dims, num_heads),
      cross_attention(dims, num_heads),
      ln1(dims),
      ln2(dims),
      ln3(dims),
      linear1(dims, mlp_dims.value_or(4 * dims)),
      linear2(mlp_dims.value_or(4 * dims), dims),
      dropout1(dropout),
      dropout2(dropout),
      dropout3(dropout),
      activation(or_relu(std::move(act))),
      norm_first(norm_first) {
  register_module("self_attention", self_attention);
  register_module("cross_attention", cross_attention);
  register_module("ln1", ln1);
  register_module("ln2", ln2);
  register_module("ln3", ln3);
  register_module("linear1", linear1);
  register_module("linear2", linear2);
  register_module("dropout1", dropout1);
  register_module("dropout2", dropout2);
  register_module("dropout3", dropout3);
}

array TransformerDecoderLayer::operator()(const array& x_in, const array& memory,
                                          const std::optional<array>& x_mask,
                                          const std::optional<array>& memory_mask) {
  array x = x_in;
  if (norm_first) {
    auto y = ln1(x);
    x = add(x, dropout1(self_attention(y, y, y, x_mask)));
    y = ln2(x);
    x = add(x, dropout2(cross_attention(y, memory, memory, memory_mask)));
    y = linear2(dropout3(activation(linear1(ln3(x)))));
    return add(x, y);
  }
  x = ln1(add(x, dropout1(self_attention(x, x, x, x_mask))));
  x = ln2(add(x, dropout2(cross_attention(x, memory, memory, memory_mask))));
  auto y = linear2(dropout3(activation(linear1(x))));
  return ln3(add(x, y));
}

TransformerDecoder::TransformerDecoder(int num_layers, int dims, int num_heads,
                                       std::optional<int> mlp_dims, float dropout,
                                       Activation activation, bool norm_first)
    : ln(dims) {
  for (int i = 0; i < num_layers; ++i) {
    layers.emplace_back(dims, num_heads, mlp_dims, dropout, activation, norm_first);
  }
  register_module("layers", layers);
  register_module("ln", ln);
}

array TransformerDecoder::operator()(const array& x_in, const array& memory,
                                     const std::optional<array>& x_mask,
                                     const std::optional<array>& memory_mask) {
  array x = x_in;
  for (auto& l : layers) x = l(x, memory, x_mask, memory_mask);
  return ln(x);
}

Transformer::Transformer(int dims, int num_heads, int num_encoder_layers, int num_decoder_layers,
                         std::optional<int> mlp_dims, float dropout, Activation activation,
                         bool norm_first)
    : encoder(num_encoder_layers, dims, num_heads, mlp_dims, dropout, activation, norm_first),
      decoder(num_decoder_layers, dims, num_heads, mlp_dims, dropout, activation, norm_first) {
  register_module("encoder", encoder);
  register_module("decoder", decoder);
}

array Transformer::operator()(const array& src, const array& tgt,
                              const std::optional<array>& src_mask,
                              const std::optional<array>& tgt_mask,
                              const std::optional<array>& memory_mask) {
  auto memory = encoder(src, src_mask);
  return decoder(tgt, memory, tgt_mask, memory_mask);
}

}  // namespace lmx::nn
