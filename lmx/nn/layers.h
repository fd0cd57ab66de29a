// Core layers with MLX's names, constructor arguments, defaults, parameter
// names and initialisation: Linear, Bilinear, Identity, Sequential, Embedding,
// the dropouts and the normalisations.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lmx/nn/module.h"

namespace lmx::nn {

// Python-style text for extra_repr: 1e-05, 0.1, 1.0, True.
std::string py_repr(double v);
std::string py_repr(float v);  // shortest text that reads back as the same float
inline std::string py_repr(bool v) {
  return v ? "True" : "False";
}

struct Identity : Module {
  array operator()(array x) override { return x; }
};

// y = x W^T + b with W: (output_dims, input_dims), both U(-1/sqrt(in), 1/sqrt(in)).
struct Linear : Module {
  Linear(int input_dims, int output_dims, bool bias = true);
  array operator()(array x) override;
  std::string extra_repr() const override;
  array weight;
  std::optional<array> bias;
};

// y_i = x1^T W_i x2 + b_i with W: (output_dims, input2_dims, input1_dims).
struct Bilinear : Module {
  Bilinear(int input1_dims, int input2_dims, int output_dims, bool bias = true);
  array operator()(array x1, array x2);
  std::string extra_repr() const override;
  array weight;
  std::optional<array> bias;
};

// Calls its modules in order; parameters live under "layers.i".
struct Sequential : Module {
  Sequential() { register_module("layers", layers); }
  template <typename... Ms,
            typename = std::enable_if_t<(std::is_base_of_v<Module, std::decay_t<Ms>> && ...)>>
  explicit Sequential(Ms&&... ms) : Sequential() {
    (layers.push_back(std::make_shared<std::decay_t<Ms>>(std::forward<Ms>(ms))), ...);
  }
  template <typename M>
  Sequential& append(M m) {
    layers.push_back(std::make_shared<M>(std::move(m)));
    return *this;
  }
  array operator()(array x) override;
  std::vector<std::shared_ptr<Module>> layers;
};

// Merges axes start_axis..end_axis into one (as the seeds' CNN uses it).
struct Flatten : Module {
  explicit Flatten(int start_axis = 1, int end_axis = -1)
      : start_axis(start_axis), end_axis(end_axis) {}
  array operator()(array x) override;
  std::string extra_repr() const override;
  int start_axis, end_axis;
};

// Splits `axis` into `shape` (one entry may be -1).
struct Unflatten : Module {
  Unflatten(int axis, Shape shape) : axis(axis), shape(std::move(shape)) {}
  array operator()(array x) override;
  std::string extra_repr() const override;
  int axis;
  Shape shape;
};

struct Embedding : Module {
  Embedding(int num_embeddings, int dims);
  array operator()(array x) override;
  // Uses the embedding matrix as a linear layer: x W^T (weight tying).
  array as_linear(const array& x) const;
  std::string extra_repr() const override;
  array weight;
};

struct Dropout : Module {
  explicit Dropout(float p = 0.5f);
  array operator()(array x) override;
  std::string extra_repr() const override;
  float p;
};

// Drops whole channels of (N, H, W, C) or (H, W, C) inputs.
struct Dropout2d : Module {
  explicit Dropout2d(float p = 0.5f);
  array operator()(array x) override;
  std::string extra_repr() const override;
  float p;
};

// Drops whole channels of (N, D, H, W, C) or (D, H, W, C) inputs.
struct Dropout3d : Module {
  explicit Dropout3d(float p = 0.5f);
  array operator()(array x) override;
  std::string extra_repr() const override;
  float p;
};

struct LayerNorm : Module {
  LayerNorm(int dims, float eps = 1e-5f, bool affine = true, bool bias = true);
  array operator()(array x) override;
  std::string extra_repr() const override;
  int dims;
  float eps;
  std::optional<array> weight, bias;
};

struct RMSNorm : Module {
  RMSNorm(int dims, float eps = 1e-5f);
  array operator()(array x) override;
  std::string extra_repr() const override;
  array weight;
  float eps;
};

struct GroupNorm : Module {
  GroupNorm(int num_groups, int dims, float eps = 1e-5f, bool affine = true,
            bool pytorch_compatible = false);
  array operator()(array x) override;
  std::string extra_repr() const override;
  int num_groups, dims;
  float eps;
  bool pytorch_compatible;
  std::optional<array> weight, bias;
};

struct InstanceNorm : Module {
  InstanceNorm(int dims, float eps = 1e-5f, bool affine = false);
  array operator()(array x) override;
  std::string extra_repr() const override;
  int dims;
  float eps;
  std::optional<array> weight, bias;
};

// Batch normalisation over every axis but the last (channels last), with
// running statistics used in eval mode.
struct BatchNorm : Module {
  BatchNorm(int num_features, float eps = 1e-5f, float momentum = 0.1f, bool affine = true,
            bool track_running_stats = true);
  array operator()(array x) override;
  std::string extra_repr() const override;
  // Running statistics stay frozen, as in MLX.
  Module& unfreeze(bool recurse = true,
                   const std::optional<std::vector<std::string>>& keys = std::nullopt,
                   bool strict = false) override;
  int num_features;
  float eps, momentum;
  bool track_running_stats;
  std::optional<array> weight, bias, running_mean, running_var;
};

}  // namespace lmx::nn
