#include "lmx/nn/quantized.h"

#include <stdexcept>

#include "lmx/core/ops.h"
#include "lmx/core/quantized.h"
#include "lmx/core/utils.h"

namespace lmx::nn {

QuantizedLinear::QuantizedLinear(const array& float_weight, const std::optional<array>& float_bias,
                                 int group_size, int bits)
    : group_size(group_size),
      bits(bits),
      weight(0.0f),
      scales(0.0f),
      biases(0.0f),
      bias(float_bias) {
  auto q = lmx::quantize(float_weight, group_size, bits);
  weight = q[0];
  scales = q[1];
  biases = q[2];
  register_parameter("weight", weight);
  register_parameter("scales", scales);
  register_parameter("biases", biases);
  register_parameter("bias", bias);
  freeze();
}

// Initialised like Linear (weights U(-1/sqrt(in), 1/sqrt(in))), bias zero as MLX.
QuantizedLinear::QuantizedLinear(int input_dims, int output_dims, bool use_bias, int group_size,
                                 int bits)
    : QuantizedLinear(Linear(input_dims, output_dims, false).weight,
                      use_bias ? std::optional<array>(zeros({output_dims})) : std::nullopt,
                      group_size, bits) {}

QuantizedLinear QuantizedLinear::from_linear(const Linear& linear, int group_size, int bits) {
  return QuantizedLinear(linear.weight, linear.bias, group_size, bits);
}

array QuantizedLinear::operator()(array x) {
  auto y = quantized_matmul(x, weight, scales, biases, true, group_size, bits);
  return bias ? add(y, *bias) : y;
}

std::string QuantizedLinear::extra_repr() const {
  int in = weight.shape(1) * 32 / bits;
  return "input_dims=" + std::to_string(in) + ", output_dims=" + std::to_string(weight.shape(0)) +
         ", bias=" + py_repr(bias.has_value()) + ", group_size=" + std::to_string(group_size) +
         ", bits=" + std::to_string(bits);
}

Module& QuantizedLinear::unfreeze(bool recurse, const std::optional<std::vector<std::string>>& keys,
                                  bool strict) {
  Module::unfreeze(recurse, keys, strict);
  freeze(false);
  return *this;
}

QuantizedEmbedding::QuantizedEmbedding(const array& table, int group_size, int bits)
    : num_embeddings(table.ndim() == 2 ? table.shape(0) : 0),
      dims(table.ndim() == 2 ? table.shape(1) : 0),
      group_size(group_size),
      bits(bits),
      weight(0.0f),
      scales(0.0f),
      biases(0.0f) {
  auto q = lmx::quantize(table, group_size, bits);
  weight = q[0];
  scales = q[1];
  biases = q[2];
  register_parameter("weight", weight);
  register_parameter("scales", scales);
  register_parameter("biases", biases);
  freeze();
}

QuantizedEmbedding::QuantizedEmbedding(int num_embeddings, int dims, int group_size, int bits)
    : QuantizedEmbedding(Embedding(num_embeddings, dims).weight, group_size, bits) {}

QuantizedEmbedding QuantizedEmbedding::from_embedding(const Embedding& e, int group_size,
                                                      int bits) {
  return QuantizedEmbedding(e.weight, group_size, bits);
}

array QuantizedEmbedding::operator()(array x) {
  auto shape = x.shape();
  auto flat = flatten(x);
  auto out = dequantize(take(weight, flat, 0), take(scales, flat, 0), take(biases, flat, 0),
                        group_size, bits);
  shape.push_back(-1);
  return reshape(out, shape);
}

array QuantizedEmbedding::as_linear(const array& x) const {
  return quantized_matmul(x, weight, scales, biases, true, group_size, bits);
}

std::string QuantizedEmbedding::extra_repr() const {
  return std::to_string(num_embeddings) + ", " + std::to_string(dims) +
         ", group_size=" + std::to_string(group_size) + ", bits=" + std::to_string(bits);
}

Module& QuantizedEmbedding::unfreeze(bool recurse,
                                     const std::optional<std::vector<std::string>>& keys,
                                     bool strict) {
  Module::unfreeze(recurse, keys, strict);
  freeze(false);
  return *this;
}

void quantize(Module& model, int group_size, int bits,
              const std::function<bool(const std::string&, Module&)>& class_predicate) {
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> swaps;
  for (auto& [path, m] : model.named_modules()) {
    if (path.empty()) continue;
    if (class_predicate && !class_predicate(path, *m)) continue;
    if (auto* linear = dynamic_cast<Linear*>(m)) {
      swaps.emplace_back(path, std::make_shared<QuantizedLinear>(
                                   QuantizedLinear::from_linear(*linear, group_size, bits)));
    } else if (auto* emb = dynamic_cast<Embedding*>(m)) {
      swaps.emplace_back(path, std::make_shared<QuantizedEmbedding>(
                                   QuantizedEmbedding::from_embedding(*emb, group_size, bits)));
    }
  }
  try {
    model.update_modules(swaps);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(
        std::string("[quantize] ") + e.what() +
        " Modules to be quantized must be held by std::shared_ptr<nn::Module> (as in "
        "nn::Sequential) so they can change type.");
  }
}

}  // namespace lmx::nn
