// Recurrent layers with MLX's parameter names and layouts: inputs (N, L, D)
// or (L, D); outputs every step's hidden state, (N, L, H) or (L, H).
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "lmx/nn/transformer.h"

namespace lmx::nn {

// h_t = nonlinearity(x_t Wxh^T + h_{t-1} Whh^T + bias); tanh by default.
struct RNN : Module {
  RNN(int input_size, int hidden_size, bool bias = true, Activation nonlinearity = nullptr);
  array operator()(array x) override { return (*this)(x, std::nullopt); }
  array operator()(const array& x, const std::optional<array>& hidden);
  std::string extra_repr() const override;
  int hidden_size;
  array Wxh, Whh;
  std::optional<array> bias;
  Activation nonlinearity;
};

// Gates r, z, n in that order (PyTorch's), with bhn the hidden bias of n.
struct GRU : Module {
  GRU(int input_size, int hidden_size, bool bias = true);
  array operator()(array x) override { return (*this)(x, std::nullopt); }
  array operator()(const array& x, const std::optional<array>& hidden);
  std::string extra_repr() const override;
  int hidden_size;
  array Wx, Wh;
  std::optional<array> b, bhn;
};

// Gates i, f, g, o; returns (hidden states, cell states).
struct LSTM : Module {
  LSTM(int input_size, int hidden_size, bool bias = true);
  std::pair<array, array> operator()(const array& x,
                                     const std::optional<array>& hidden = std::nullopt,
                                     const std::optional<array>& cell = std::nullopt);
  std::string extra_repr() const override;
  int hidden_size;
  array Wx, Wh;
  std::optional<array> bias;
};

}  // namespace lmx::nn
