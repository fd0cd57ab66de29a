#include "lmx/nn/module.h"

#include <cxxabi.h>

#include <sstream>

#include "lmx/core/error.h"
#include "lmx/core/utils.h"
#include "lmx/io/weights.h"

namespace lmx::nn {

namespace {

using OwnedKind = OwnedValue::Kind;

// Calls fn(path, module) for every module in an owned value, depth first.
void owned_modules(const OwnedValue& v, const std::string& path,
                   const std::function<void(const std::string&, Module*)>& fn) {
  switch (v.kind()) {
    case OwnedKind::Module:
      fn(path, v.module());
      break;
    case OwnedKind::List:
    case OwnedKind::Dict:
      for (auto& [k, child] : v.items()) owned_modules(*child, path + "." + k, fn);
      break;
    default:
      break;
  }
}

// The owned value at a dotted path below `v` (path relative to v), or nullptr.
std::shared_ptr<OwnedValue> find_owned(const std::shared_ptr<OwnedValue>& v,
                                       const std::string& path) {
  if (path.empty()) return v;
  auto kind = v->kind();
  if (kind != OwnedKind::List && kind != OwnedKind::Dict) return nullptr;
  for (auto& [k, child] : v->items()) {
    if (path == k) return child;
    if (path.rfind(k + ".", 0) == 0) {
      if (auto found = find_owned(child, path.substr(k.size() + 1))) return found;
    }
  }
  return nullptr;
}
}  // namespace

array Module::operator()(array) {
  fail(name(), "This module does not define a forward call on one array.");
}

std::string Module::name() const {
  int status = 0;
  const char* mangled = typeid(*this).name();
  char* demangled = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string full = status == 0 && demangled ? demangled : mangled;
  std::free(demangled);
  // Keep the class name only: "lmx::nn::Linear" -> "Linear".
  size_t template_start = full.find('<');
  size_t colon = full.rfind("::", template_start);
  return colon == std::string::npos ? full : full.substr(colon + 2);
}

void Module::add_entry(const std::string& name, Kind kind, void* m, size_t (*count)(void*),
                       Module* (*at)(void*, size_t),
                       bool (*replace)(void*, size_t, const std::shared_ptr<Module>&)) {
  for (auto& e : entries_) {
    if (e.name == name) fail(this->name(), "'" + name + "' is already registered.");
  }
  auto offset = reinterpret_cast<char*>(m) - reinterpret_cast<char*>(this);
  entries_.push_back(Entry{name, kind, offset, nullptr, count, at, replace});
}

void Module::set_owned(const std::string& name, std::shared_ptr<OwnedValue> value) {
  if (!value) fail(this->name(), "Cannot own an empty value '" + name + "'.");
  for (auto& e : entries_) {
    if (e.name != name) continue;
    if (e.kind != Kind::Owned)
      fail(this->name(), "'" + name + "' is a registered member and cannot be replaced.");
    e.value = std::move(value);
    return;
  }
  entries_.push_back(Entry{name, Kind::Owned, 0, std::move(value)});
}

std::shared_ptr<OwnedValue> Module::owned(const std::string& name) const {
  for (auto& e : entries_)
    if (e.kind == Kind::Owned && e.name == name) return e.value;
  return nullptr;
}

bool Module::remove_owned(const std::string& name) {
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const Entry& e) { return e.kind == Kind::Owned && e.name == name; });
  if (it == entries_.end()) return false;
  entries_.erase(it);
  no_grad_.erase(name);
  return true;
}

std::vector<std::string> Module::owned_names() const {
  std::vector<std::string> out;
  for (auto& e : entries_)
    if (e.kind == Kind::Owned) out.push_back(e.name);
  return out;
}

std::vector<std::string> Module::entry_names() const {
  std::vector<std::string> out;
  for (auto& e : entries_) {
    // An absent optional parameter (bias=False) is not there to name.
    if (e.kind == Kind::OptionalParam && !*static_cast<std::optional<array>*>(member(e))) continue;
    out.push_back(e.name);
  }
  return out;
}

bool Module::has_member(const std::string& name) const {
  for (auto& e : entries_)
    if (e.kind != Kind::Owned && e.name == name) return true;
  return false;
}

void Module::register_parameter(const std::string& name, array& p) {
  add_entry(name, Kind::Param, &p);
}
void Module::register_parameter(const std::string& name, std::optional<array>& p) {
  add_entry(name, Kind::OptionalParam, &p);
}

// Values that are neither arrays, modules nor containers appear as empty
// dicts inside containers, as in MLX.
Tree Module::collect_owned(const OwnedValue& v, bool trainable_only) {
  switch (v.kind()) {
    case OwnedKind::Array:
      return Tree(v.get_array());
    case OwnedKind::Module:
      return v.module()->collect(trainable_only);
    case OwnedKind::List: {
      Tree list = Tree::list();
      for (auto& [k, child] : v.items()) list.push_back(collect_owned(*child, trainable_only));
      return list;
    }
    case OwnedKind::Dict: {
      Tree dict = Tree::dict();
      for (auto& [k, child] : v.items()) dict.insert(k, collect_owned(*child, trainable_only));
      return dict;
    }
    case OwnedKind::Other:
      break;
  }
  return Tree::dict();
}

Tree Module::collect(bool trainable_only) const {
  Tree out = Tree::dict();
  for (auto& e : entries_) {
    // A frozen name hides its whole entry: a parameter, a submodule or an
    // owned container (MLX freezes submodules by name the same way).
    if (trainable_only && no_grad_.count(e.name)) continue;
    void* m = member(e);
    switch (e.kind) {
      case Kind::Owned:
        if (e.value->kind() != OwnedKind::Other)
          out[e.name] = collect_owned(*e.value, trainable_only);
        break;
      case Kind::Param:
        out[e.name] = *static_cast<array*>(m);
        break;
      case Kind::OptionalParam: {
        auto& opt = *static_cast<std::optional<array>*>(m);
        if (opt) out[e.name] = *opt;
        break;
      }
      case Kind::Modules:
        if (e.count(m)) out[e.name] = e.at(m, 0)->collect(trainable_only);
        break;
      case Kind::ModuleList: {
        Tree list = Tree::list();
        for (size_t i = 0; i < e.count(m); ++i) list.push_back(e.at(m, i)->collect(trainable_only));
        out[e.name] = list;
        break;
      }
    }
  }
  return out;
}

Tree Module::parameters() const {
  return collect(false);
}
Tree Module::trainable_parameters() const {
  return collect(true);
}

void Module::update_impl(const Tree& params, bool strict, const std::string& path) {
  auto join = [&](const std::string& k) { return path.empty() ? k : path + "." + k; };
  if (params.is_none()) return;
  if (!params.is_dict()) fail("update", "Expected a dict of parameters at '" + path + "'.");
  if (strict) {
    for (auto& [k, v] : params.as_dict()) {
      bool known = false;
      for (auto& e : entries_) known |= e.name == k;
      if (!known)
        fail("update", "Module " + name() + " has no parameter or submodule '" + join(k) + "'.");
    }
  }
  for (auto& e : entries_) {
    const Tree* t = params.find(e.name);
    if (!t) continue;
    void* m = member(e);
    auto assign = [&](array& dst) {
      if (!t->is_array()) fail("update", "Expected an array for '" + join(e.name) + "'.");
      if (strict && dst.shape() != t->as_array().shape()) {
        fail("update", "Expected shape " + to_string(dst.shape()) + " for '" + join(e.name) +
                           "' but received shape " + to_string(t->as_array().shape()) + ".");
      }
      dst = t->as_array();
    };
    switch (e.kind) {
      case Kind::Owned:
        update_owned(*e.value, *t, strict, join(e.name));
        break;
      case Kind::Param:
        assign(*static_cast<array*>(m));
        break;
      case Kind::OptionalParam: {
        auto& opt = *static_cast<std::optional<array>*>(m);
        if (opt) {
          assign(*opt);
        } else if (strict) {
          fail("update", "Module " + name() + " has no parameter '" + join(e.name) + "'.");
        }
        break;
      }
      case Kind::Modules:
        if (e.count(m)) e.at(m, 0)->update_impl(*t, strict, join(e.name));
        break;
      case Kind::ModuleList: {
        if (!t->is_list()) fail("update", "Expected a list for '" + join(e.name) + "'.");
        auto& l = t->as_list();
        size_t n = e.count(m);
        if (strict && l.size() > n) {
          fail("update", "Received " + std::to_string(l.size()) + " entries for '" + join(e.name) +
                             "' which has " + std::to_string(n) + ".");
        }
        for (size_t i = 0; i < std::min(n, l.size()); ++i) {
          e.at(m, i)->update_impl(l[i], strict, join(e.name + "." + std::to_string(i)));
        }
        break;
      }
    }
  }
}

void Module::update_owned(OwnedValue& v, const Tree& t, bool strict, const std::string& path) {
  switch (v.kind()) {
    case OwnedKind::Array: {
      if (!t.is_array()) fail("update", "Expected an array for '" + path + "'.");
      if (strict && v.get_array().shape() != t.as_array().shape()) {
        fail("update", "Expected shape " + to_string(v.get_array().shape()) + " for '" + path +
                           "' but received shape " + to_string(t.as_array().shape()) + ".");
      }
      v.set_array(t.as_array());
      break;
    }
    case OwnedKind::Module:
      v.module()->update_impl(t, strict, path);
      break;
    case OwnedKind::List: {
      if (t.is_none()) break;
      if (!t.is_list()) fail("update", "Expected a list for '" + path + "'.");
      auto items = v.items();
      auto& l = t.as_list();
      if (strict && l.size() > items.size()) {
        fail("update", "Received " + std::to_string(l.size()) + " entries for '" + path +
                           "' which has " + std::to_string(items.size()) + ".");
      }
      for (size_t i = 0; i < std::min(items.size(), l.size()); ++i)
        update_owned(*items[i].second, l[i], strict, path + "." + items[i].first);
      break;
    }
    case OwnedKind::Dict: {
      if (t.is_none()) break;
      if (!t.is_dict()) fail("update", "Expected a dict for '" + path + "'.");
      auto items = v.items();
      for (auto& [k, sub] : t.as_dict()) {
        auto it = std::find_if(items.begin(), items.end(), [&](auto& p) { return p.first == k; });
        if (it != items.end()) {
          update_owned(*it->second, sub, strict, path + "." + k);
        } else if (strict) {
          fail("update", "Module " + name() + " has no parameter '" + path + "." + k + "'.");
        }
      }
      break;
    }
    case OwnedKind::Other:
      break;
  }
}

Module& Module::update(const Tree& params, bool strict) {
  update_impl(params, strict, "");
  return *this;
}

Module& Module::apply(const std::function<array(const array&)>& map_fn,
                      const std::function<bool(const std::string&, const array&)>& filter) {
  auto mapped = tree_map_with_path(parameters(), [&](const std::string& path, const array& a) {
    return !filter || filter(path, a) ? map_fn(a) : a;
  });
  return update(mapped, false);
}

array Module::apply(const Tree& params, array x) {
  auto saved = parameters();
  update(params, false);
  try {
    auto out = (*this)(std::move(x));
    update(saved, false);
    return out;
  } catch (...) {
    update(saved, false);
    throw;
  }
}

std::vector<std::pair<std::string, Module*>> Module::children() {
  std::vector<std::pair<std::string, Module*>> out;
  for (auto& e : entries_) {
    if (e.kind == Kind::Owned) {
      owned_modules(*e.value, e.name,
                    [&](const std::string& p, Module* m) { out.emplace_back(p, m); });
    } else if (e.kind == Kind::Modules) {
      if (e.count(member(e))) out.emplace_back(e.name, e.at(member(e), 0));
    } else if (e.kind == Kind::ModuleList) {
      for (size_t i = 0; i < e.count(member(e)); ++i) {
        out.emplace_back(e.name + "." + std::to_string(i), e.at(member(e), i));
      }
    }
  }
  return out;
}

std::vector<std::pair<std::string, Module*>> Module::named_modules() {
  std::vector<std::pair<std::string, Module*>> out{{"", this}};
  for (auto& [name, child] : children()) {
    for (auto& [sub, m] : child->named_modules()) {
      out.emplace_back(sub.empty() ? name : name + "." + sub, m);
    }
  }
  return out;
}

std::vector<Module*> Module::modules() {
  std::vector<Module*> out;
  for (auto& [n, m] : named_modules()) out.push_back(m);
  return out;
}

std::vector<std::pair<std::string, Module*>> Module::leaf_modules() {
  std::vector<std::pair<std::string, Module*>> out;
  for (auto& [n, m] : named_modules()) {
    if (m->children().empty()) out.emplace_back(n, m);
  }
  return out;
}

Module& Module::apply_to_modules(const std::function<void(const std::string&, Module&)>& fn) {
  for (auto& [n, m] : named_modules()) fn(n, *m);
  return *this;
}

// Replaces the direct child at `path` ("name" or "name.i") if it is held by a
// shared_ptr slot; false if there is no such slot.
bool Module::replace_child(const std::string& path, const std::shared_ptr<Module>& m) {
  for (auto& e : entries_) {
    if (e.kind == Kind::Owned && (path == e.name || path.rfind(e.name + ".", 0) == 0)) {
      auto slot = find_owned(e.value, path == e.name ? "" : path.substr(e.name.size() + 1));
      if (!slot || slot->kind() != OwnedKind::Module) continue;
      if (!slot->set_module(m))
        fail("update_modules", "Module at '" + path + "' cannot be replaced.");
      return true;
    }
    if (!e.replace) continue;
    void* slot = member(e);
    if (e.kind == Kind::Modules && path == e.name) {
      if (!e.replace(slot, 0, m))
        fail("update_modules", "Module at '" + path + "' has an incompatible type.");
      return true;
    }
    if (e.kind == Kind::ModuleList && path.rfind(e.name + ".", 0) == 0) {
      std::string idx = path.substr(e.name.size() + 1);
      if (idx.empty() || idx.find_first_not_of("0123456789") != std::string::npos) continue;
      size_t i = std::stoul(idx);
      if (i >= e.count(slot)) return false;
      if (!e.replace(slot, i, m))
        fail("update_modules", "Module at '" + path + "' has an incompatible type.");
      return true;
    }
  }
  return false;
}

Module& Module::update_modules(
    const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& modules, bool strict) {
  for (auto& [path, m] : modules) {
    if (!m) fail("update_modules", "Received an empty module for '" + path + "'.");
    // Find the parent module and the child's local name.
    Module* parent = nullptr;
    std::string local;
    for (auto& [name, mod] : named_modules()) {
      for (auto& [child_name, child] : mod->children()) {
        (void)child;
        std::string full = name.empty() ? child_name : name + "." + child_name;
        if (full == path) {
          parent = mod;
          local = child_name;
        }
      }
    }
    if (!parent) {
      if (strict) fail("update_modules", "Module " + name() + " has no submodule '" + path + "'.");
      continue;
    }
    if (parent->replace_child(local, m)) continue;
    // A by-value member: copy state from a module of the same type.
    Module* target = nullptr;
    for (auto& [child_name, child] : parent->children())
      if (child_name == local) target = child;
    const Module& current = *target;
    const Module& replacement = *m;
    if (typeid(current) != typeid(replacement)) {
      fail("update_modules", "Cannot replace " + target->name() + " at '" + path + "' with " +
                                 m->name() + "; the submodule is held by value.");
    }
    target->update(m->parameters(), false);
    target->no_grad_ = m->no_grad_;
    target->train(m->training());
  }
  return *this;
}

namespace {
bool holds_array_directly(const OwnedValue& v) {
  switch (v.kind()) {
    case OwnedKind::Array:
      return true;
    case OwnedKind::List:
    case OwnedKind::Dict:
      for (auto& [k, child] : v.items())
        if (holds_array_directly(*child)) return true;
      return false;
    default:
      return false;
  }
}
}  // namespace

// The names freeze/unfreeze act on: entries holding arrays of this module's
// own (not of a submodule).
std::vector<std::string> Module::local_parameter_names() const {
  std::vector<std::string> out;
  for (auto& e : entries_) {
    bool local = false;
    switch (e.kind) {
      case Kind::Param:
        local = true;
        break;
      case Kind::OptionalParam:
        local = static_cast<bool>(*static_cast<std::optional<array>*>(member(e)));
        break;
      case Kind::Owned:
        local = holds_array_directly(*e.value);
        break;
      default:
        break;
    }
    if (local) out.push_back(e.name);
  }
  return out;
}

// With strict, every key must name a parameter or submodule of this module
// (not of each module below it), as MLX checks.
void Module::check_keys(const char* who, const std::optional<std::vector<std::string>>& keys,
                        bool strict) const {
  if (!strict || !keys) return;
  for (auto& k : *keys) {
    bool known =
        std::any_of(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.name == k; });
    if (!known) fail(who, "Module " + name() + " has no parameter or submodule named '" + k + "'.");
  }
}

bool Module::has_entry(const std::string& name) const {
  return std::any_of(entries_.begin(), entries_.end(),
                     [&](const Entry& e) { return e.name == name; });
}

Module& Module::freeze(bool recurse, const std::optional<std::vector<std::string>>& keys,
                       bool strict) {
  check_keys("freeze", keys, strict);
  auto apply_one = [&](Module& m) {
    if (!keys) {
      auto names = m.local_parameter_names();
      m.no_grad_.insert(names.begin(), names.end());
      return;
    }
    for (auto& k : *keys)
      if (m.has_entry(k)) m.no_grad_.insert(k);
  };
  if (recurse) {
    for (auto* m : modules()) apply_one(*m);
  } else {
    apply_one(*this);
  }
  return *this;
}

Module& Module::unfreeze(bool recurse, const std::optional<std::vector<std::string>>& keys,
                         bool strict) {
  check_keys("unfreeze", keys, strict);
  auto apply_one = [&](Module& m) {
    if (!keys) {
      m.no_grad_.clear();
      return;
    }
    for (auto& k : *keys) m.no_grad_.erase(k);
  };
  if (recurse) {
    for (auto* m : modules()) apply_one(*m);
  } else {
    apply_one(*this);
  }
  return *this;
}

Module& Module::train(bool mode) {
  for (auto* m : modules()) m->training_ = mode;
  return *this;
}

Module& Module::set_dtype(Dtype dtype, const std::function<bool(Dtype)>& predicate) {
  return apply([dtype](const array& a) { return astype(a, dtype); },
               [&](const std::string&, const array& a) {
                 return predicate ? predicate(a.dtype()) : issubdtype(a.dtype(), floating);
               });
}

void Module::save_weights(const std::string& path) const {
  io::save_weights(path, tree_flatten(parameters()));
}

Module& Module::load_weights(const std::string& path, bool strict) {
  return load_weights(io::load_weights(path), strict);
}

Module& Module::load_weights(const std::vector<std::pair<std::string, array>>& weights,
                             bool strict) {
  if (strict) {
    auto own = tree_flatten(parameters());
    for (auto& [k, v] : own) {
      bool found = false;
      for (auto& [wk, wv] : weights) found |= wk == k;
      if (!found) fail("load_weights", "Missing parameter '" + k + "' in the weights.");
    }
    for (auto& [wk, wv] : weights) {
      auto it = std::find_if(own.begin(), own.end(), [&](auto& p) { return p.first == wk; });
      if (it == own.end())
        fail("load_weights", "Received parameter '" + wk + "' not in the model.");
      if (it->second.shape() != wv.shape()) {
        fail("load_weights", "Expected shape " + to_string(it->second.shape()) +
                                 " but received shape " + to_string(wv.shape()) +
                                 " for parameter '" + wk + "'.");
      }
    }
  }
  return update(tree_unflatten(weights), strict);
}

std::ostream& operator<<(std::ostream& os, const Module& m) {
  auto& mm = const_cast<Module&>(m);
  auto children = mm.children();
  os << m.name() << "(" << m.extra_repr();
  for (auto& [k, child] : children) {
    std::ostringstream sub;
    sub << *child;
    std::string text = "(" + k + "): " + sub.str();
    // Indent every line of the child by two spaces.
    std::string indented = "  ";
    for (char c : text) {
      indented += c;
      if (c == '\n') indented += "  ";
    }
    os << "\n" << indented;
  }
  if (!children.empty()) os << "\n";
  return os << ")";
}

}  // namespace lmx::nn
