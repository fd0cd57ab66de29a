// The optimizers of mlx.optimizers, with MLX's formulas and defaults.
#pragma once

#include <optional>
#include <utility>

#include "lmx/optim/optimizer.h"

namespace lmx::optim {

struct SGD : Optimizer {
  explicit SGD(LearningRate learning_rate, float momentum = 0.0f, float weight_decay = 0.0f,
               float dampening = 0.0f, bool nesterov = false);
  float momentum, weight_decay, dampening;
  bool nesterov;

 protected:
  void init_single(const array& p, Tree& state) override;
  array apply_single(const array& g, const array& p, Tree& state) override;
};

struct RMSprop : Optimizer {
  explicit RMSprop(LearningRate learning_rate, float alpha = 0.99f, float eps = 1e-8f);
  float alpha, eps;

 protected:
  void init_single(const array& p, Tree& state) override;
  array apply_single(const array& g, const array& p, Tree& state) override;
};

struct Adagrad : Optimizer {
  explicit Adagrad(LearningRate learning_rate, float eps = 1e-8f);
  float eps;

 protected:
  void init_single(const array& p, Tree& state) override;
  array apply_single(const array& g, const array& p, Tree& state) override;
};

struct AdaDelta : Optimizer {
  explicit AdaDelta(LearningRate learning_rate, float rho = 0.9f, float eps = 1e-6f);
  float rho, eps;

 protected:
  void init_single(const array& p, Tree& state) override;
  array apply_single(const array& g, const array& p, Tree& state) override;
};

struct Adam : Optimizer {
  explicit Adam(LearningRate learning_rate, std::pair<float, float> betas = {0.9f, 0.999f},
                float eps = 1e-8f, bool bias_correction = false);
  std::pair<float, float> betas;
  float eps;
  bool bias_correction;

 protected:
  void init_single(const array& p, Tree& state) override;
  array apply_single(const array& g, const array& p, Tree& state) override;
};

struct AdamW : Adam {
  explicit AdamW(LearningRate learning_rate, std::pair<float, float> betas = {0.9f, 0.999f},
                 float eps = 1e-8f, float weight_decay = 0.01f, bool bias_correction = false);
  float weight_decay;

 protected:
  array apply_single(const array& g, const array& p, Tree& state) override;
};

struct Adamax : Adam {
  explicit Adamax(LearningRate learning_rate, std::pair<float, float> betas = {0.9f, 0.999f},
                  float eps = 1e-8f);

 protected:
  array apply_single(const array& g, const array& p, Tree& state) override;
};

struct Lion : Optimizer {
  explicit Lion(LearningRate learning_rate, std::pair<float, float> betas = {0.9f, 0.99f},
                float weight_decay = 0.0f);
  std::pair<float, float> betas;
  float weight_decay;

 protected:
  void init_single(const array& p, Tree& state) override;
  array apply_single(const array& g, const array& p, Tree& state) override;
};

// Without a learning rate, Adafactor uses its relative step size.
struct Adafactor : Optimizer {
  explicit Adafactor(std::optional<LearningRate> learning_rate = std::nullopt,
                     std::pair<float, float> eps = {1e-30f, 1e-3f}, float clip_threshold = 1.0f,
                     float decay_rate = -0.8f, std::optional<float> beta_1 = std::nullopt,
                     float weight_decay = 0.0f, bool scale_parameter = true,
                     bool relative_step = true, bool warmup_init = false);
  std::pair<float, float> eps;
  float clip_threshold, decay_rate;
  std::optional<float> beta_1;
  float weight_decay;
  bool scale_parameter, relative_step, warmup_init;

 protected:
  void init_single(const array& p, Tree& state) override;
  array apply_single(const array& g, const array& p, Tree& state) override;
};

// Momentum followed by Newton-Schulz orthogonalisation for matrices.
struct Muon : Optimizer {
  explicit Muon(LearningRate learning_rate, float momentum = 0.95f, float weight_decay = 0.01f,
                bool nesterov = true, int ns_steps = 5);
  float momentum, weight_decay;
  bool nesterov;
  int ns_steps;

 protected:
  void init_single(const array& p, Tree& state) override;
  array apply_single(const array& g, const array& p, Tree& state) override;
};

}  // namespace lmx::optim
