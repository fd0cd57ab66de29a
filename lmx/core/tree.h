// Parameter trees: arrays nested in insertion-ordered string-keyed dicts and
// in lists, the structure of a model's parameters, its gradients and an
// optimizer's state. Flattened keys are dotted paths ("layers.0.weight"), the
// keys MLX and PyTorch write to weight files.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "lmx/core/array.h"
#include "lmx/core/ops.h"

namespace lmx {

class Tree {
 public:
  using Dict = std::vector<std::pair<std::string, Tree>>;
  using List = std::vector<Tree>;

  Tree() = default;  // empty (None)
  Tree(array a) : node_(std::move(a)) {}
  template <typename T, typename = std::enable_if_t<is_scalar_v<T>>>
  Tree(T v) : node_(array(v)) {}
  static Tree dict(Dict d = {}) {
    Tree t;
    t.node_ = std::move(d);
    return t;
  }
  static Tree list(List l = {}) {
    Tree t;
    t.node_ = std::move(l);
    return t;
  }
  Tree(std::initializer_list<std::pair<const std::string, Tree>> items);

  bool is_none() const { return std::holds_alternative<std::monostate>(node_); }
  bool is_array() const { return std::holds_alternative<array>(node_); }
  bool is_dict() const { return std::holds_alternative<Dict>(node_); }
  bool is_list() const { return std::holds_alternative<List>(node_); }

  // Accessors throw std::invalid_argument naming what the node is instead.
  const array& as_array() const;
  array& as_array();
  const Dict& as_dict() const;
  Dict& as_dict();
  const List& as_list() const;
  List& as_list();
  explicit operator const array&() const { return as_array(); }

  // Dict lookup (throws if missing) and insertion.
  const Tree& operator[](const std::string& key) const;
  Tree& operator[](const std::string& key);  // inserts an empty node if missing
  const Tree& operator[](size_t i) const;
  Tree& operator[](size_t i);
  // Disambiguates integer literals from a const char* key.
  const Tree& operator[](int i) const { return (*this)[static_cast<size_t>(i)]; }
  Tree& operator[](int i) { return (*this)[static_cast<size_t>(i)]; }
  const Tree& operator[](const char* key) const { return (*this)[std::string(key)]; }
  Tree& operator[](const char* key) { return (*this)[std::string(key)]; }
  bool contains(const std::string& key) const;
  const Tree* find(const std::string& key) const;
  Tree* find(const std::string& key);
  size_t size() const;
  std::vector<std::string> keys() const;
  void insert(std::string key, Tree value);  // appends or replaces
  void push_back(Tree value);

 private:
  std::variant<std::monostate, array, Dict, List> node_;
};

// Leaves with their dotted paths, depth first in insertion order.
std::vector<std::pair<std::string, array>> tree_flatten(const Tree& tree,
                                                        const std::string& prefix = "");
// Rebuilds a tree from dotted paths; integer path components make lists.
Tree tree_unflatten(const std::vector<std::pair<std::string, array>>& items);

Tree tree_map(const Tree& tree, const std::function<array(const array&)>& fn);
// Maps over `tree` and the matching leaves of `rest` (which must have
// `tree`'s structure wherever tree has leaves).
Tree tree_map(const Tree& tree, const std::vector<Tree>& rest,
              const std::function<array(const std::vector<array>&)>& fn);
Tree tree_map_with_path(const Tree& tree,
                        const std::function<array(const std::string&, const array&)>& fn,
                        const std::string& prefix = "");
// Folds leaves left to right.
array tree_reduce(const Tree& tree, const std::function<array(const array&, const array&)>& fn,
                  const array& initial);
// Overlays b on a: dict keys from b replace or extend a's; leaves of b win.
Tree tree_merge(const Tree& a, const Tree& b);
std::vector<array> tree_leaves(const Tree& tree);

std::ostream& operator<<(std::ostream& os, const Tree& tree);

namespace detail {
inline void collect_arrays(std::vector<array>& out, const array& a) {
  out.push_back(a);
}
inline void collect_arrays(std::vector<array>& out, const Tree& t) {
  for (auto& a : tree_leaves(t)) out.push_back(a);
}
inline void collect_arrays(std::vector<array>& out, const std::vector<array>& v) {
  out.insert(out.end(), v.begin(), v.end());
}
}  // namespace detail

// eval over any mix of arrays, vectors of arrays and trees.
template <typename... Ts,
          typename = std::enable_if_t<(std::is_same_v<std::decay_t<Ts>, Tree> || ...)>>
void eval(const Ts&... xs) {
  std::vector<array> all;
  (detail::collect_arrays(all, xs), ...);
  eval(std::move(all));
}

}  // namespace lmx
