// Quantized layers and nn::quantize, as MLX: the packed weight, "scales" and
// "biases" are frozen parameters (saved and loaded with the model), and the
// forward pass multiplies with quantized_matmul.
#pragma once

#include <functional>
#include <string>

#include "lmx/nn/layers.h"

namespace lmx::nn {

struct QuantizedLinear : Module {
  QuantizedLinear(int input_dims, int output_dims, bool bias = true, int group_size = 64,
                  int bits = 4);
  // Quantizes the given float weight (output_dims, input_dims) and bias.
  QuantizedLinear(const array& weight, const std::optional<array>& bias, int group_size = 64,
                  int bits = 4);
  static QuantizedLinear from_linear(const Linear& linear, int group_size = 64, int bits = 4);
  array operator()(array x) override;
  std::string extra_repr() const override;
  // Quantized parameters stay frozen, as in MLX.
  Module& unfreeze(bool recurse = true,
                   const std::optional<std::vector<std::string>>& keys = std::nullopt,
                   bool strict = false) override;
  int group_size, bits;
  array weight, scales, biases;
  std::optional<array> bias;
};

struct QuantizedEmbedding : Module {
  QuantizedEmbedding(int num_embeddings, int dims, int group_size = 64, int bits = 4);
  // Quantizes the given float table (num_embeddings, dims).
  QuantizedEmbedding(const array& table, int group_size = 64, int bits = 4);
  static QuantizedEmbedding from_embedding(const Embedding& embedding, int group_size = 64,
                                           int bits = 4);
  array operator()(array x) override;
  array as_linear(const array& x) const;
  std::string extra_repr() const override;
  Module& unfreeze(bool recurse = true,
                   const std::optional<std::vector<std::string>>& keys = std::nullopt,
                   bool strict = false) override;
  int num_embeddings, dims, group_size, bits;
  array weight, scales, biases;
};

// Replaces every Linear and Embedding below `model` (for which
// class_predicate(path, module) holds) with its quantized form. Modules must
// be held by std::shared_ptr (as nn::Sequential holds them) to change type;
// a by-value Linear or Embedding that would be quantized is an error.
void quantize(Module& model, int group_size = 64, int bits = 4,
              const std::function<bool(const std::string&, Module&)>& class_predicate = nullptr);

}  // namespace lmx::nn
