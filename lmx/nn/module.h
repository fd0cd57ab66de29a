// nn::Module: the base of every layer and model. A module registers its
// parameters and submodules once, in its constructor; everything else —
// parameters(), freezing, train/eval, update, saving and printing — follows
// from that one registry.
//
// The registry stores each C++ member's offset from the module itself, so
// copying or moving a module (for example inside a std::vector that grows)
// keeps it valid without any re-registration. Beside members it holds values
// the module owns (OwnedValue): what a Python subclass assigns as attributes,
// live containers included, so both front ends walk one registry.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "lmx/core/array.h"
#include "lmx/core/transforms.h"
#include "lmx/core/tree.h"

namespace lmx::nn {

class Module;

// A value a module owns rather than a C++ member: an array, a module, or a
// list or dict of them, nested. A front end implements it over its own
// objects, so the value stays live: a list the user appends to after
// registering it is seen by the next walk.
class OwnedValue {
 public:
  enum class Kind { Array, Module, List, Dict, Other };
  virtual ~OwnedValue() = default;
  virtual Kind kind() const = 0;
  // Kind::Array.
  virtual array get_array() const = 0;
  virtual void set_array(const array& a) = 0;
  // Kind::Module.
  virtual Module* module() const = 0;
  // Replaces the module held here with `m`; false if this value cannot.
  virtual bool set_module(const std::shared_ptr<Module>& m) = 0;
  // Kind::List and Kind::Dict: the entries in order (lists keyed "0", "1"...).
  virtual std::vector<std::pair<std::string, std::shared_ptr<OwnedValue>>> items() const = 0;
};

class Module {
 public:
  Module() = default;
  Module(const Module&) = default;
  Module& operator=(const Module&) = default;
  virtual ~Module() = default;

  // The forward call on one array. Layers and user models override it.
  virtual array operator()(array x);

  // The class name used when printing (demangled type name by default).
  virtual std::string name() const;
  // The text inside the parentheses when printing, e.g. "input_dims=3, ...".
  virtual std::string extra_repr() const { return ""; }

  // ---- Parameters ----
  Tree parameters() const;
  Tree trainable_parameters() const;
  // Replaces parameters with the arrays in `params` (a subset of
  // parameters()). With strict, unknown keys and shape changes are errors.
  Module& update(const Tree& params, bool strict = true);
  // Maps every parameter (those `filter` accepts) through map_fn.
  Module& apply(const std::function<array(const array&)>& map_fn,
                const std::function<bool(const std::string&, const array&)>& filter = nullptr);
  // The forward call with an explicit parameter tree (functional style); the
  // module's own parameters are left unchanged.
  array apply(const Tree& params, array x);

  // ---- Submodules ----
  // Direct submodules; entries of module lists are named "name.i".
  std::vector<std::pair<std::string, Module*>> children();
  // This module ("") and all below it, with dotted paths.
  std::vector<std::pair<std::string, Module*>> named_modules();
  std::vector<Module*> modules();
  std::vector<std::pair<std::string, Module*>> leaf_modules();
  Module& apply_to_modules(const std::function<void(const std::string&, Module&)>& fn);
  // Replaces the submodules at the given dotted paths. A submodule held by
  // std::shared_ptr (as in Sequential) is swapped for the new module, of any
  // type; one held by value takes the new module's parameters, training mode
  // and frozen set, and must be of the same type.
  Module& update_modules(
      const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& modules,
      bool strict = true);

  // ---- Freezing, modes, dtype ----
  Module& freeze(bool recurse = true,
                 const std::optional<std::vector<std::string>>& keys = std::nullopt,
                 bool strict = false);
  virtual Module& unfreeze(bool recurse = true,
                           const std::optional<std::vector<std::string>>& keys = std::nullopt,
                           bool strict = false);
  virtual Module& train(bool mode = true);
  Module& eval() { return train(false); }
  bool training() const { return training_; }
  Module& set_dtype(Dtype dtype, const std::function<bool(Dtype)>& predicate = nullptr);

  // ---- Weight files (.safetensors or .npz, chosen by extension) ----
  void save_weights(const std::string& path) const;
  Module& load_weights(const std::string& path, bool strict = true);
  Module& load_weights(const std::vector<std::pair<std::string, array>>& weights,
                       bool strict = true);

 protected:
  void register_parameter(const std::string& name, array& p);
  void register_parameter(const std::string& name, std::optional<array>& p);
  template <typename M, typename = std::enable_if_t<std::is_base_of_v<Module, M>>>
  void register_module(const std::string& name, M& m) {
    add_entry(name, Kind::Modules, &m, &count_one, &at_one<M>);
  }
  template <typename M, typename = std::enable_if_t<std::is_base_of_v<Module, M>>>
  void register_module(const std::string& name, std::vector<M>& ms) {
    add_entry(name, Kind::ModuleList, &ms, &count_vec<M>, &at_vec<M>);
  }
  template <typename M, typename = std::enable_if_t<std::is_base_of_v<Module, M>>>
  void register_module(const std::string& name, std::shared_ptr<M>& m) {
    add_entry(name, Kind::Modules, &m, &count_ptr<M>, &at_ptr<M>, &replace_ptr<M>);
  }
  template <typename M, typename = std::enable_if_t<std::is_base_of_v<Module, M>>>
  void register_module(const std::string& name, std::vector<std::shared_ptr<M>>& ms) {
    add_entry(name, Kind::ModuleList, &ms, &count_ptr_vec<M>, &at_ptr_vec<M>, &replace_ptr_vec<M>);
  }
  // Parameters that never receive gradients (e.g. running statistics).
  void mark_frozen(const std::string& name) { no_grad_.insert(name); }

 public:
  // ---- Owned values (a front end's attributes) ----
  // Registers `value` under `name`, replacing an owned value of that name.
  // A name registered for a C++ member cannot be owned as well.
  void set_owned(const std::string& name, std::shared_ptr<OwnedValue> value);
  // The owned value registered under `name`, or nullptr.
  std::shared_ptr<OwnedValue> owned(const std::string& name) const;
  // Removes the owned value `name`; false if there was none.
  bool remove_owned(const std::string& name);
  // Names of the owned values, in registration order.
  std::vector<std::string> owned_names() const;
  // Whether `name` is a registered C++ member (parameter or submodule).
  bool has_member(const std::string& name) const;
  // Every registered name holding a value (members and owned values), in order.
  std::vector<std::string> entry_names() const;

 private:
  enum class Kind { Param, OptionalParam, Modules, ModuleList, Owned };
  struct Entry {
    std::string name;
    Kind kind;
    std::ptrdiff_t offset = 0;
    std::shared_ptr<OwnedValue> value;  // Kind::Owned only
    size_t (*count)(void*) = nullptr;
    Module* (*at)(void*, size_t) = nullptr;
    // Set only for shared_ptr slots: replaces the module at an index.
    bool (*replace)(void*, size_t, const std::shared_ptr<Module>&) = nullptr;
  };

  static size_t count_one(void*) { return 1; }
  template <typename M>
  static Module* at_one(void* p, size_t) {
    return static_cast<M*>(p);
  }
  template <typename M>
  static size_t count_vec(void* p) {
    return static_cast<std::vector<M>*>(p)->size();
  }
  template <typename M>
  static Module* at_vec(void* p, size_t i) {
    return &(*static_cast<std::vector<M>*>(p))[i];
  }
  template <typename M>
  static size_t count_ptr(void* p) {
    return *static_cast<std::shared_ptr<M>*>(p) ? 1 : 0;
  }
  template <typename M>
  static Module* at_ptr(void* p, size_t) {
    return static_cast<std::shared_ptr<M>*>(p)->get();
  }
  template <typename M>
  static size_t count_ptr_vec(void* p) {
    return static_cast<std::vector<std::shared_ptr<M>>*>(p)->size();
  }
  template <typename M>
  static Module* at_ptr_vec(void* p, size_t i) {
    return (*static_cast<std::vector<std::shared_ptr<M>>*>(p))[i].get();
  }

  template <typename M>
  static bool replace_ptr(void* p, size_t, const std::shared_ptr<Module>& m) {
    auto typed = std::dynamic_pointer_cast<M>(m);
    if (!typed) return false;
    *static_cast<std::shared_ptr<M>*>(p) = typed;
    return true;
  }
  template <typename M>
  static bool replace_ptr_vec(void* p, size_t i, const std::shared_ptr<Module>& m) {
    auto typed = std::dynamic_pointer_cast<M>(m);
    if (!typed) return false;
    (*static_cast<std::vector<std::shared_ptr<M>>*>(p))[i] = typed;
    return true;
  }

  void add_entry(const std::string& name, Kind kind, void* member, size_t (*count)(void*) = nullptr,
                 Module* (*at)(void*, size_t) = nullptr,
                 bool (*replace)(void*, size_t, const std::shared_ptr<Module>&) = nullptr);
  bool replace_child(const std::string& path, const std::shared_ptr<Module>& m);
  void* member(const Entry& e) const {
    return const_cast<char*>(reinterpret_cast<const char*>(this)) + e.offset;
  }
  Tree collect(bool trainable_only) const;
  std::vector<std::string> local_parameter_names() const;
  static Tree collect_owned(const OwnedValue& v, bool trainable_only);
  void check_keys(const char* who, const std::optional<std::vector<std::string>>& keys,
                  bool strict) const;
  bool has_entry(const std::string& name) const;
  void update_impl(const Tree& params, bool strict, const std::string& path);
  void update_owned(OwnedValue& v, const Tree& t, bool strict, const std::string& path);

  std::vector<Entry> entries_;
  std::set<std::string> no_grad_;
  bool training_ = true;

  friend std::ostream& operator<<(std::ostream& os, const Module& m);
};

std::ostream& operator<<(std::ostream& os, const Module& m);

// Returns f(model, args...) -> (value, gradients of value with respect to
// model.trainable_parameters()). Frozen parameters get no gradient.
template <typename M, typename F>
auto value_and_grad(M& model, F fn) {
  static_assert(std::is_base_of_v<Module, M>, "nn::value_and_grad takes an nn::Module");
  return [&model, fn](M& m, auto&&... args) {
    (void)model;
    auto trainable = m.trainable_parameters();
    auto flat = tree_flatten(trainable);
    std::vector<array> values;
    for (auto& [k, v] : flat) values.push_back(v);
    auto rebuild = [&](const std::vector<array>& xs) {
      std::vector<std::pair<std::string, array>> items;
      for (size_t i = 0; i < xs.size(); ++i) items.emplace_back(flat[i].first, xs[i]);
      return tree_unflatten(items);
    };
    auto inner = [&](const std::vector<array>& xs) {
      m.update(rebuild(xs), false);
      return std::vector<array>{fn(m, args...)};
    };
    std::vector<int> argnums(values.size());
    for (size_t i = 0; i < values.size(); ++i) argnums[i] = static_cast<int>(i);
    std::pair<std::vector<array>, std::vector<array>> result;
    try {
      result = lmx::value_and_grad(inner, argnums)(values);
    } catch (...) {
      m.update(trainable, false);
      throw;
    }
    m.update(trainable, false);  // the traced copies must not stay in the model
    return std::make_pair(result.first[0], rebuild(result.second));
  };
}

}  // namespace lmx::nn
