#include "lmx/nn/quantized.h"

#include <stdexcept>

#include "lmx/core/ops.h"
#include "lmx/core/quantized.h"
#include "lmx/core/utils.h"

namespace lmx::nn {

QuantizedLinear::QuantizedLinear(int input_dims, int output_dims, bool use_bias, int group_size,
                                 int bits)
    : group_size(group_size), bits(bits), weight(0.0f), scales(0.0f), biases(0.0f) {
  Linear base(input_dims, output_dims, use_bias);
  auto q = lmx::quantize(base.weight, group_size, bits);
  weight = q[0];
  scales = q[1];
  biases = q[2];
  if (use_bias) bias = zeros({output_dims});
  register_parameter("weight", weight);
  register_parameter("scales", scales);
  register_parameter("biases", biases);
  register_parameter("bias", bias);
  freeze();
}

QuantizedLinear QuantizedLinear::from_linear(const Linear& linear, int group_size, int bits) {
  QuantizedLinear ql(linear.weight.shape(1), linear.weight.shape(0), linear.bias.has_value(),
                     group_size, bits);
  auto q = lmx::quantize(linear.weight, group_size, bits);
  ql.weight = q[0];
  ql.scales = q[1];
  ql.biases = q[2];
  if (linear.bias) ql.bias = *linear.bias;
  return ql;
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

QuantizedEmbedding::QuantizedEmbedding(int num_embeddings, int dims, int group_size, int bits)
    : num_embeddings(num_embeddings),
      dims(dims),
      group_size(group_size),
      bits(bits),
      weight(0.0f),
      scales(0.0f),
      biases(0.0f) {
  Embedding base(num_embeddings, dims);
  auto q = lmx::quantize(base.weight, group_size, bits);
  weight = q[0];
  scales = q[1];
  biases = q[2];
  register_parameter("weight", weight);
  register_parameter("scales", scales);
  register_parameter("biases", biases);
  freeze();
}

QuantizedEmbedding QuantizedEmbedding::from_embedding(const Embedding& e, int group_size,
                                                      int bits) {
  QuantizedEmbedding qe(e.weight.shape(0), e.weight.shape(1), group_size, bits);
  auto q = lmx::quantize(e.weight, group_size, bits);
  qe.weight = q[0];
  qe.scales = q[1];
  qe.biases = q[2];
  return qe;
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
