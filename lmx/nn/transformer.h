// Attention and transformer layers with MLX's arguments, defaults and
// parameter names (query_proj/key_proj/value_proj/out_proj, ln1..3,
// linear1/linear2, layers.i, ln).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "lmx/nn/layers.h"

namespace lmx::nn {

using Activation = std::function<array(const array&)>;

struct MultiHeadAttention : Module {
  MultiHeadAttention(int dims, int num_heads, std::optional<int> query_input_dims = std::nullopt,
                     std::optional<int> key_input_dims = std::nullopt,
                     std::optional<int> value_input_dims = std::nullopt,
                     std::optional<int> value_dims = std::nullopt,
                     std::optional<int> value_output_dims = std::nullopt, bool bias = false);
  // Queries (B, L, Dq), keys (B, S, Dk), values (B, S, Dv); mask additive or
  // boolean, broadcastable to (B, heads, L, S).
  array operator()(const array& queries, const array& keys, const array& values,
                   const std::optional<array>& mask = std::nullopt);
  using Module::operator();
  // (N, N) with the dtype's lowest value above the diagonal, 0 elsewhere.
  static array create_additive_causal_mask(int N, Dtype dtype = float32);
  int num_heads;
  Linear query_proj, key_proj, value_proj, out_proj;
};

struct TransformerEncoderLayer : Module {
  TransformerEncoderLayer(int dims, int num_heads, std::optional<int> mlp_dims = std::nullopt,
                          float dropout = 0.0f, Activation activation = nullptr,
                          bool norm_first = true);
  array operator()(const array& x, const std::optional<array>& mask);
  array operator()(array x) override { return (*this)(x, std::nullopt); }
  MultiHeadAttention attention;
  LayerNorm ln1, ln2;
  Linear linear1, linear2;
  Dropout dropout1, dropout2;
  Activation activation;
  bool norm_first;
};

struct TransformerEncoder : Module {
  TransformerEncoder(int num_layers, int dims, int num_heads,
                     std::optional<int> mlp_dims = std::nullopt, float dropout = 0.0f,
                     Activation activation = nullptr, bool norm_first = true);
  array operator()(const array& x, const std::optional<array>& mask);
  array operator()(array x) override { return (*this)(x, std::nullopt); }
  std::vector<TransformerEncoderLayer> layers;
  LayerNorm ln;
};

struct TransformerDecoderLayer : Module {
  TransformerDecoderLayer(int dims, int num_heads, std::optional<int> mlp_dims = std::nullopt,
                          float dropout = 0.0f, Activation activation = nullptr,
                          bool norm_first = true);
  array operator()(const array& x, const array& memory, const std::optional<array>& x_mask,
                   const std::optional<array>& memory_mask);
  using Module::operator();
  MultiHeadAttention self_attention, cross_attention;
  LayerNorm ln1, ln2, ln3;
  Linear linear1, linear2;
  Dropout dropout1, dropout2, dropout3;
  Activation activation;
  bool norm_first;
};

struct TransformerDecoder : Module {
  TransformerDecoder(int num_layers, int dims, int num_heads,
                     std::optional<int> mlp_dims = std::nullopt, float dropout = 0.0f,
                     Activation activation = nullptr, bool norm_first = true);
  array operator()(const array& x, const array& memory, const std::optional<array>& x_mask,
                   const std::optional<array>& memory_mask);
  using Module::operator();
  std::vector<TransformerDecoderLayer> layers;
  LayerNorm ln;
};

struct Transformer : Module {
  explicit Transformer(int dims = 512, int num_heads = 8, int num_encoder_layers = 6,
                       int num_decoder_layers = 6, std::optional<int> mlp_dims = std::nullopt,
                       float dropout = 0.0f, Activation activation = nullptr,
                       bool norm_first = true);
  array operator()(const array& src, const array& tgt, const std::optional<array>& src_mask,
                   const std::optional<array>& tgt_mask, const std::optional<array>& memory_mask);
  using Module::operator();
  TransformerEncoder encoder;
  TransformerDecoder decoder;
};

}  // namespace lmx::nn
