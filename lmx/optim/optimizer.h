// The Optimizer base: state as a tree mirroring the parameters, a step count,
// and a learning rate that is a value or a schedule. Both training styles use
// it: update(model, grads) mutates a module, apply_gradients(grads, params)
// returns new parameters.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "lmx/core/tree.h"
#include "lmx/nn/module.h"
#include "lmx/optim/schedulers.h"

namespace lmx::optim {

// A learning rate: a fixed value or a schedule of the step.
struct LearningRate {
  std::variant<float, Schedule> value;
  LearningRate(float v) : value(v) {}
  LearningRate(double v) : value(static_cast<float>(v)) {}
  LearningRate(Schedule s) : value(std::move(s)) {}
};

class Optimizer {
 public:
  Optimizer();
  virtual ~Optimizer() = default;

  // Creates state for every leaf of `parameters` that has none yet.
  void init(const Tree& parameters);
  // Returns parameters updated with `gradients`; the gradients' structure
  // decides which parameters change.
  virtual Tree apply_gradients(const Tree& gradients, const Tree& parameters);
  // Object style (MLX): updates the model's parameters in place.
  void update(nn::Module& model, const Tree& gradients);
  // Functional style of the seeds: params = opt.update(params, grads).
  Tree update(const Tree& parameters, const Tree& gradients);

  Tree& state() { return state_; }
  const Tree& state() const { return state_; }
  array step() const { return state_["step"].as_array(); }
  array learning_rate() const { return state_["learning_rate"].as_array(); }
  void set_learning_rate(LearningRate lr);

  // Saves/loads the whole state (.safetensors or .npz), so training resumes.
  void save_state(const std::string& path) const;
  void load_state(const std::string& path);
  virtual void set_state(const Tree& state);

 protected:
  virtual void init_single(const array& parameter, Tree& state) = 0;
  virtual array apply_single(const array& gradient, const array& parameter, Tree& state) = 0;
  // Stores a hyper-parameter in the state, re-evaluated each step if scheduled.
  void maybe_schedule(const std::string& name, const LearningRate& value);
  array lr_as(Dtype t) const { return astype(learning_rate(), t); }

  Tree state_;
  std::vector<std::pair<std::string, Schedule>> schedulers_;
  bool initialized_ = false;

 private:
  void init_tree(const Tree& params, Tree& state);
  array apply_fused(const array& gradient, const array& parameter, Tree& state);
  Tree apply_tree(const Tree& grads, const Tree& params, Tree& state, const std::string& path);
  friend class MultiOptimizer;
};

// Routes each parameter to the first optimizer whose filter accepts its path;
// the last optimizer takes the rest.
class MultiOptimizer : public Optimizer {
 public:
  using Filter = std::function<bool(const std::string& path, const array& parameter)>;
  MultiOptimizer(std::vector<std::shared_ptr<Optimizer>> optimizers, std::vector<Filter> filters);
  Tree apply_gradients(const Tree& gradients, const Tree& parameters) override;
  void set_state(const Tree& state) override;

 protected:
  void init_single(const array&, Tree&) override {}
  array apply_single(const array& g, const array& p, Tree& s) override;

 private:
  std::vector<std::shared_ptr<Optimizer>> optimizers_;
  std::vector<Filter> filters_;
};

// Scales gradients so their global L2 norm is at most max_norm; returns the
// clipped gradients and the norm before clipping.
std::pair<Tree, array> clip_grad_norm(const Tree& grads, float max_norm);

}  // namespace lmx::optim
