#include "lmx/core/tree.h"

#include <charconv>
#include <sstream>

#include "lmx/core/error.h"
#include "lmx/core/utils.h"

namespace lmx {

namespace {
[[noreturn]] void wrong_kind(const char* want, const Tree& t) {
  const char* have = t.is_none()    ? "empty"
                     : t.is_array() ? "an array"
                     : t.is_dict()  ? "a dict"
                                    : "a list";
  std::ostringstream msg;
  msg << "[Tree] Expected " << want << " but the node is " << have << ".";
  throw std::invalid_argument(msg.str());
}
}  // namespace

Tree::Tree(std::initializer_list<std::pair<const std::string, Tree>> items) {
  Dict d;
  for (auto& [k, v] : items) d.emplace_back(k, v);
  node_ = std::move(d);
}

const array& Tree::as_array() const {
  if (!is_array()) wrong_kind("an array", *this);
  return std::get<array>(node_);
}
array& Tree::as_array() {
  if (!is_array()) wrong_kind("an array", *this);
  return std::get<array>(node_);
}
const Tree::Dict& Tree::as_dict() const {
  if (!is_dict()) wrong_kind("a dict", *this);
  return std::get<Dict>(node_);
}
Tree::Dict& Tree::as_dict() {
  if (is_none()) node_ = Dict{};
  if (!is_dict()) wrong_kind("a dict", *this);
  return std::get<Dict>(node_);
}
const Tree::List& Tree::as_list() const {
  if (!is_list()) wrong_kind("a list", *this);
  return std::get<List>(node_);
}
Tree::List& Tree::as_list() {
  if (is_none()) node_ = List{};
  if (!is_list()) wrong_kind("a list", *this);
  return std::get<List>(node_);
}

const Tree* Tree::find(const std::string& key) const {
  if (!is_dict()) return nullptr;
  for (auto& [k, v] : std::get<Dict>(node_))
    if (k == key) return &v;
  return nullptr;
}
Tree* Tree::find(const std::string& key) {
  return const_cast<Tree*>(static_cast<const Tree*>(this)->find(key));
}
bool Tree::contains(const std::string& key) const {
  return find(key) != nullptr;
}

const Tree& Tree::operator[](const std::string& key) const {
  as_dict();
  if (auto* t = find(key)) return *t;
  fail("Tree", "Key '", key, "' not found.");
}
Tree& Tree::operator[](const std::string& key) {
  auto& d = as_dict();
  for (auto& [k, v] : d)
    if (k == key) return v;
  d.emplace_back(key, Tree());
  return d.back().second;
}
const Tree& Tree::operator[](size_t i) const {
  auto& l = as_list();
  if (i >= l.size()) {
    fail("Tree", "Index ", std::to_string(i), " out of range for a list of size ",
         std::to_string(l.size()), ".");
  }
  return l[i];
}
Tree& Tree::operator[](size_t i) {
  auto& l = as_list();
  if (i >= l.size()) {
    fail("Tree", "Index ", std::to_string(i), " out of range for a list of size ",
         std::to_string(l.size()), ".");
  }
  return l[i];
}

size_t Tree::size() const {
  if (is_dict()) return std::get<Dict>(node_).size();
  if (is_list()) return std::get<List>(node_).size();
  return is_array() ? 1 : 0;
}

std::vector<std::string> Tree::keys() const {
  std::vector<std::string> out;
  for (auto& [k, v] : as_dict()) out.push_back(k);
  return out;
}

void Tree::insert(std::string key, Tree value) {
  (*this)[key] = std::move(value);
}
void Tree::push_back(Tree value) {
  as_list().push_back(std::move(value));
}

namespace {
void flatten_into(const Tree& t, const std::string& prefix,
                  std::vector<std::pair<std::string, array>>& out) {
  auto join = [&](const std::string& k) { return prefix.empty() ? k : prefix + "." + k; };
  if (t.is_array()) {
    out.emplace_back(prefix, t.as_array());
  } else if (t.is_dict()) {
    for (auto& [k, v] : t.as_dict()) flatten_into(v, join(k), out);
  } else if (t.is_list()) {
    auto& l = t.as_list();
    for (size_t i = 0; i < l.size(); ++i) flatten_into(l[i], join(std::to_string(i)), out);
  }
}

bool is_index(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}
}  // namespace

std::vector<std::pair<std::string, array>> tree_flatten(const Tree& tree,
                                                        const std::string& prefix) {
  std::vector<std::pair<std::string, array>> out;
  flatten_into(tree, prefix, out);
  return out;
}

Tree tree_unflatten(const std::vector<std::pair<std::string, array>>& items) {
  Tree root;
  for (auto& [path, value] : items) {
    Tree* node = &root;
    size_t start = 0;
    while (true) {
      size_t dot = path.find('.', start);
      std::string part =
          path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (is_index(part)) {
        size_t i = 0;
        std::from_chars(part.data(), part.data() + part.size(), i);
        auto& l = node->as_list();
        if (l.size() <= i) l.resize(i + 1);
        node = &l[i];
      } else {
        node = &(*node)[part];
      }
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    *node = Tree(value);
  }
  return root;
}

Tree tree_map(const Tree& tree, const std::function<array(const array&)>& fn) {
  return tree_map(tree, {}, [&](const std::vector<array>& xs) { return fn(xs[0]); });
}

Tree tree_map(const Tree& tree, const std::vector<Tree>& rest,
              const std::function<array(const std::vector<array>&)>& fn) {
  if (tree.is_array()) {
    std::vector<array> xs{tree.as_array()};
    for (auto& r : rest) xs.push_back(r.as_array());
    return Tree(fn(xs));
  }
  if (tree.is_dict()) {
    Tree::Dict out;
    for (auto& [k, v] : tree.as_dict()) {
      std::vector<Tree> sub;
      for (auto& r : rest) {
        auto* s = r.find(k);
        if (!s) fail("tree_map", "Tree is missing key '", k, "'.");
        sub.push_back(*s);
      }
      out.emplace_back(k, tree_map(v, sub, fn));
    }
    return Tree::dict(std::move(out));
  }
  if (tree.is_list()) {
    Tree::List out;
    auto& l = tree.as_list();
    for (size_t i = 0; i < l.size(); ++i) {
      std::vector<Tree> sub;
      for (auto& r : rest) {
        if (!r.is_list() || r.as_list().size() <= i) {
          fail("tree_map", "Trees have different list lengths.");
        }
        sub.push_back(r.as_list()[i]);
      }
      out.push_back(tree_map(l[i], sub, fn));
    }
    return Tree::list(std::move(out));
  }
  return Tree();
}

Tree tree_map_with_path(const Tree& tree,
                        const std::function<array(const std::string&, const array&)>& fn,
                        const std::string& prefix) {
  auto join = [&](const std::string& k) { return prefix.empty() ? k : prefix + "." + k; };
  if (tree.is_array()) return Tree(fn(prefix, tree.as_array()));
  if (tree.is_dict()) {
    Tree::Dict out;
    for (auto& [k, v] : tree.as_dict()) out.emplace_back(k, tree_map_with_path(v, fn, join(k)));
    return Tree::dict(std::move(out));
  }
  if (tree.is_list()) {
    Tree::List out;
    auto& l = tree.as_list();
    for (size_t i = 0; i < l.size(); ++i)
      out.push_back(tree_map_with_path(l[i], fn, join(std::to_string(i))));
    return Tree::list(std::move(out));
  }
  return Tree();
}

array tree_reduce(const Tree& tree, const std::function<array(const array&, const array&)>& fn,
                  const array& initial) {
  array acc = initial;
  for (auto& [k, v] : tree_flatten(tree)) acc = fn(acc, v);
  return acc;
}

Tree tree_merge(const Tree& a, const Tree& b) {
  if (b.is_none()) return a;
  if (a.is_dict() && b.is_dict()) {
    Tree out = a;
    for (auto& [k, v] : b.as_dict()) {
      auto* existing = out.find(k);
      out[k] = existing ? tree_merge(*existing, v) : v;
    }
    return out;
  }
  if (a.is_list() && b.is_list()) {
    Tree out = a;
    auto& l = out.as_list();
    auto& bl = b.as_list();
    if (l.size() < bl.size()) l.resize(bl.size());
    for (size_t i = 0; i < bl.size(); ++i) l[i] = tree_merge(l[i], bl[i]);
    return out;
  }
  return b;
}

std::vector<array> tree_leaves(const Tree& tree) {
  std::vector<array> out;
  for (auto& [k, v] : tree_flatten(tree)) out.push_back(v);
  return out;
}

std::ostream& operator<<(std::ostream& os, const Tree& t) {
  if (t.is_array()) return os << t.as_array();
  if (t.is_dict()) {
    os << "{";
    bool first = true;
    for (auto& [k, v] : t.as_dict()) {
      os << (first ? "" : ", ") << "'" << k << "': " << v;
      first = false;
    }
    return os << "}";
  }
  if (t.is_list()) {
    os << "[";
    auto& l = t.as_list();
    for (size_t i = 0; i < l.size(); ++i) os << (i ? ", " : "") << l[i];
    return os << "]";
  }
  return os << "None";
}

}  // namespace lmx
