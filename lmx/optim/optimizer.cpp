#include "lmx/optim/optimizer.h"

#include <unordered_set>

#include "lmx/core/compile.h"
#include "lmx/core/error.h"
#include "lmx/core/graph.h"
#include "lmx/core/ops.h"
#include "lmx/core/utils.h"
#include "lmx/io/weights.h"

namespace lmx::optim {

namespace {

// Parameters with fewer elements keep their updates unfused (apply_fused).
constexpr size_t kFuseFrom = size_t{1} << 16;

// The arrays directly in a parameter's state dict (what init_single made).
std::vector<Tree*> state_arrays(Tree& state) {
  std::vector<Tree*> out;
  if (!state.is_dict()) return out;
  for (auto& [k, v] : state.as_dict()) {
    if (v.is_array()) out.push_back(&v);
  }
  return out;
}

}  // namespace

Optimizer::Optimizer() {
  state_ = Tree{{"step", array(uint64_t{0})}};
}

void Optimizer::maybe_schedule(const std::string& name, const LearningRate& value) {
  if (auto* s = std::get_if<Schedule>(&value.value)) {
    schedulers_.erase(std::remove_if(schedulers_.begin(), schedulers_.end(),
                                     [&](auto& p) { return p.first == name; }),
                      schedulers_.end());
    schedulers_.emplace_back(name, *s);
    state_[name] = (*s)(step());
  } else {
    state_[name] = array(std::get<float>(value.value));
  }
}

void Optimizer::set_learning_rate(LearningRate lr) {
  maybe_schedule("learning_rate", lr);
}

void Optimizer::init_tree(const Tree& params, Tree& state) {
  if (params.is_array()) {
    if (state.is_none()) {
      state = Tree::dict();
      init_single(params.as_array(), state);
    }
  } else if (params.is_dict()) {
    // An empty dict (a module without parameters) keeps an empty state, as MLX.
    if (state.is_none()) state = Tree::dict();
    for (auto& [k, v] : params.as_dict()) init_tree(v, state[k]);
  } else if (params.is_list()) {
    auto& pl = params.as_list();
    if (state.is_none()) state = Tree::list();
    auto& sl = state.as_list();
    if (sl.size() < pl.size()) sl.resize(pl.size());
    for (size_t i = 0; i < pl.size(); ++i) init_tree(pl[i], sl[i]);
  }
}

void Optimizer::init(const Tree& parameters) {
  init_tree(parameters, state_);
  initialized_ = true;
}

Tree Optimizer::apply_tree(const Tree& grads, const Tree& params, Tree& state,
                           const std::string& path) {
  auto join = [&](const std::string& k) { return path.empty() ? k : path + "." + k; };
  if (grads.is_array()) {
    if (!params.is_array()) fail("optimizer", "No parameter for the gradient at '" + path + "'.");
    auto& g = grads.as_array();
    auto& p = params.as_array();
    if (g.shape() != p.shape()) {
      fail("optimizer", "Gradient shape " + to_string(g.shape()) +
                            " does not match parameter shape " + to_string(p.shape()) + " at '" +
                            path + "'.");
    }
    return Tree(apply_fused(g, p, state));
  }
  if (grads.is_dict()) {
    Tree out = Tree::dict();
    for (auto& [k, v] : grads.as_dict()) {
      const Tree* p = params.find(k);
      if (!p) fail("optimizer", "No parameter for the gradient at '" + join(k) + "'.");
      out[k] = apply_tree(v, *p, state[k], join(k));
    }
    return out;
  }
  if (grads.is_list()) {
    Tree out = Tree::list();
    auto& gl = grads.as_list();
    if (!params.is_list() || params.as_list().size() < gl.size()) {
      fail("optimizer", "Parameters at '" + path + "' do not match the gradients' list.");
    }
    auto& sl = state.as_list();
    if (sl.size() < gl.size()) sl.resize(gl.size());
    for (size_t i = 0; i < gl.size(); ++i) {
      out.push_back(apply_tree(gl[i], params.as_list()[i], sl[i], join(std::to_string(i))));
    }
    return out;
  }
  return Tree();
}

// apply_single builds a dozen elementwise nodes per parameter (Adam: the new
// m, the new v, the bias corrections, the step), each a pass over memory.
// Fusing their chains as compile does leaves three passes (new m, new v, new
// parameter), with the same results bit for bit: a fused step runs the op's
// own kernel on a row that stays in cache. AdamW, two threads
// (bench/fused_elementwise): 0.73-0.86 of the unfused time on 100K floats,
// 0.5-0.74 on 4M; on 25K the passes stay in L2 and fusing (about 15 us a
// parameter) gains nothing, so parameters under kFuseFrom elements are left
// unfused. The walk stays on this parameter's own elementwise nodes: it
// stops at the gradient, the parameter and the old state, and at anything of
// another shape (the scalar learning rate and corrections stay ordinary
// nodes). Inside a transform (grad of an update, a compiled step) the graph
// is left as built.
array Optimizer::apply_fused(const array& g, const array& p, Tree& state) {
  if (p.size() < kFuseFrom || tracing_depth() > 0 || g.is_tracer() || p.is_tracer()) {
    return apply_single(g, p, state);
  }
  std::unordered_set<std::uintptr_t> leaves{g.id(), p.id()};
  for (Tree* t : state_arrays(state)) leaves.insert(t->as_array().id());
  array updated = apply_single(g, p, state);
  std::vector<Tree*> slots = state_arrays(state);
  std::vector<array> outputs{updated};
  for (Tree* t : slots) outputs.push_back(t->as_array());
  outputs = detail::fuse_elementwise(
      outputs, [&](const array& a) { return leaves.count(a.id()) > 0 || a.shape() != p.shape(); });
  for (size_t i = 0; i < slots.size(); ++i) *slots[i] = Tree(outputs[i + 1]);
  return outputs[0];
}

Tree Optimizer::apply_gradients(const Tree& gradients, const Tree& parameters) {
  init_tree(gradients, state_);  // state for parameters first seen now
  initialized_ = true;
  auto new_step = add(step(), array(uint64_t{1}));
  state_["step"] = new_step;
  for (auto& [name, schedule] : schedulers_) state_[name] = schedule(new_step);
  return apply_tree(gradients, parameters, state_, "");
}

void Optimizer::update(nn::Module& model, const Tree& gradients) {
  model.update(apply_gradients(gradients, model.trainable_parameters()), false);
}

Tree Optimizer::update(const Tree& parameters, const Tree& gradients) {
  return tree_merge(parameters, apply_gradients(gradients, parameters));
}

void Optimizer::save_state(const std::string& path) const {
  io::save_weights(path, tree_flatten(state_));
}

void Optimizer::load_state(const std::string& path) {
  set_state(tree_unflatten(io::load_weights(path)));
}

void Optimizer::set_state(const Tree& state) {
  if (!state.is_dict() || !state.contains("step"))
    fail("optimizer", "The state has no 'step' entry.");
  state_ = state;
  initialized_ = true;
}

MultiOptimizer::MultiOptimizer(std::vector<std::shared_ptr<Optimizer>> optimizers,
                               std::vector<Filter> filters)
    : optimizers_(std::move(optimizers)), filters_(std::move(filters)) {
  if (optimizers_.empty() || filters_.size() + 1 != optimizers_.size()) {
    fail("optimizer", "MultiOptimizer needs one filter fewer than optimizers, got " +
                          std::to_string(filters_.size()) + " filters for " +
                          std::to_string(optimizers_.size()) + " optimizers.");
  }
}

array MultiOptimizer::apply_single(const array&, const array& p, Tree&) {
  return p;
}

Tree MultiOptimizer::apply_gradients(const Tree& gradients, const Tree& parameters) {
  auto flat_params = tree_flatten(parameters);
  auto param_at = [&](const std::string& path) -> const array* {
    for (auto& [k, v] : flat_params)
      if (k == path) return &v;
    return nullptr;
  };
  std::vector<std::vector<std::pair<std::string, array>>> grads(optimizers_.size()),
      params(optimizers_.size());
  for (auto& [path, g] : tree_flatten(gradients)) {
    const array* p = param_at(path);
    if (!p) fail("optimizer", "No parameter for the gradient at '" + path + "'.");
    size_t which = filters_.size();
    for (size_t i = 0; i < filters_.size(); ++i) {
      if (filters_[i](path, *p)) {
        which = i;
        break;
      }
    }
    grads[which].emplace_back(path, g);
    params[which].emplace_back(path, *p);
  }
  Tree out = Tree::dict();
  Tree states = Tree::list();
  for (size_t i = 0; i < optimizers_.size(); ++i) {
    if (!grads[i].empty()) {
      out = tree_merge(out, optimizers_[i]->apply_gradients(tree_unflatten(grads[i]),
                                                            tree_unflatten(params[i])));
    }
    states.push_back(optimizers_[i]->state());
  }
  state_["states"] = states;
  state_["step"] = add(step(), array(uint64_t{1}));
  return out;
}

void MultiOptimizer::set_state(const Tree& state) {
  Optimizer::set_state(state);
  if (state.contains("states")) {
    auto& l = state["states"].as_list();
    for (size_t i = 0; i < l.size() && i < optimizers_.size(); ++i) optimizers_[i]->set_state(l[i]);
  }
}

std::pair<Tree, array> clip_grad_norm(const Tree& grads, float max_norm) {
  array total(0.0f);
  for (auto& [k, g] : tree_flatten(grads)) total = add(total, sum(square(astype(g, float32))));
  auto norm = sqrt(total);
  auto scale = minimum(divide(array(max_norm), add(norm, array(1e-6f))), array(1.0f));
  auto clipped =
      tree_map(grads, [&](const array& g) { return multiply(g, astype(scale, g.dtype())); });
  return {clipped, norm};
}

}  // namespace lmx::optim
