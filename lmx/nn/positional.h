// Positional encodings with MLX's arguments: RoPE, SinusoidalPositionalEncoding, ALiBi.
#pragma once

#include <optional>
#include <string>

#include "lmx/nn/module.h"

namespace lmx::nn {

// Rotary embedding of the first `dims` features of (..., L, D) inputs.
struct RoPE : Module {
  explicit RoPE(int dims, bool traditional = false, float base = 10000.0f, float scale = 1.0f);
  array operator()(array x) override { return (*this)(x, 0); }
  array operator()(const array& x, int offset);
  std::string extra_repr() const override;
  int dims;
  bool traditional;
  float base, scale;
};

// Maps positions x (any shape) to (..., dims) sinusoids with frequencies
// spread geometrically from max_freq down to min_freq.
struct SinusoidalPositionalEncoding : Module {
  explicit SinusoidalPositionalEncoding(int dims, float min_freq = 0.0001f, float max_freq = 1.0f,
                                        std::optional<float> scale = std::nullopt,
                                        bool cos_first = false, bool full_turns = false);
  array operator()(array x) override;
  std::string extra_repr() const override;
  int dims;
  float scale;
  bool cos_first;
  array sigmas;  // not a parameter (MLX keeps it private)
};

// Attention with linear biases: adds -slope_h * |i - j| to (B, H, L, S) scores.
struct ALiBi : Module {
  array operator()(array scores) override { return (*this)(scores, 0); }
  array operator()(const array& scores, int offset,
                   const std::optional<array>& mask = std::nullopt);
  static array create_alibi_slope(int num_heads);
  static array create_alibi_matrix(int q_sequence_length, int k_sequence_length, int num_heads,
                                   int offset, Dtype dtype = float32);
};

}  // namespace lmx::nn
