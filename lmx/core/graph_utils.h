// Printing computation graphs: print_graph lists every node of the graph
// that computes `outputs`, export_to_dot writes it in Graphviz's DOT
// language. Arrays are named A, B, ..., Z, AA, AB, ... in the order they are
// met (a NodeNamer may be given to keep names across calls, or set them).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <unordered_map>
#include <vector>

#include "lmx/core/array.h"

namespace lmx {

struct NodeNamer {
  std::unordered_map<std::uintptr_t, std::string> names;

  const std::string& get_name(const array& x);
  void set_name(const array& x, std::string n);
};

void print_graph(std::ostream& os, NodeNamer namer, const std::vector<array>& outputs);
inline void print_graph(std::ostream& os, const std::vector<array>& outputs) {
  print_graph(os, NodeNamer{}, outputs);
}
template <typename... Arrays,
          typename = std::enable_if_t<(std::is_same_v<std::decay_t<Arrays>, array> && ...)>>
void print_graph(std::ostream& os, Arrays&&... outputs) {
  print_graph(os, NodeNamer{}, std::vector<array>{std::forward<Arrays>(outputs)...});
}

void export_to_dot(std::ostream& os, NodeNamer namer, const std::vector<array>& outputs);
inline void export_to_dot(std::ostream& os, const std::vector<array>& outputs) {
  export_to_dot(os, NodeNamer{}, outputs);
}
template <typename... Arrays,
          typename = std::enable_if_t<(std::is_same_v<std::decay_t<Arrays>, array> && ...)>>
void export_to_dot(std::ostream& os, Arrays&&... outputs) {
  export_to_dot(os, NodeNamer{}, std::vector<array>{std::forward<Arrays>(outputs)...});
}

}  // namespace lmx
