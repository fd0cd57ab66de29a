#include "lmx/core/graph_utils.h"

#include <unordered_set>

#include "lmx/core/primitives.h"
#include "lmx/core/utils.h"

namespace lmx {

namespace {

// Spreadsheet-style names: A..Z, AA..AZ, BA, ...
std::string letters(size_t n) {
  std::string s;
  for (int64_t i = static_cast<int64_t>(n); i >= 0; i = i / 26 - 1) {
    s.insert(s.begin(), static_cast<char>('A' + i % 26));
  }
  return s;
}

// A node of the graph still to be computed (its inputs are its edges).
bool is_node(const array& a) {
  return a.has_primitive() && !a.inputs().empty();
}

// Depth first from the outputs, each array after its inputs: the graph's
// inputs (arrays that are not nodes) and nodes in that order.
void walk(const std::vector<array>& outputs, std::vector<array>& inputs,
          std::vector<array>& nodes) {
  std::unordered_set<std::uintptr_t> seen;
  std::vector<std::pair<array, size_t>> stack;
  auto enter = [&](const array& a) {
    if (!seen.insert(a.id()).second) return;
    if (!is_node(a)) {
      inputs.push_back(a);
      return;
    }
    for (auto& s : a.siblings()) seen.insert(s.id());
    stack.emplace_back(a, 0);
  };
  for (auto& out : outputs) {
    enter(out);
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next < node.inputs().size()) {
        array in = node.inputs()[next++];
        enter(in);
      } else {
        nodes.push_back(node);
        stack.pop_back();
      }
    }
  }
}

std::string describe(NodeNamer& namer, const array& a) {
  std::ostringstream os;
  os << namer.get_name(a) << " [" << a.shape() << ", " << a.dtype() << "]";
  return os.str();
}

void list(std::ostream& os, NodeNamer& namer, const std::vector<array>& arrays) {
  for (size_t i = 0; i < arrays.size(); ++i) os << (i ? ", " : "") << describe(namer, arrays[i]);
}

}  // namespace

const std::string& NodeNamer::get_name(const array& x) {
  auto it = names.find(x.id());
  if (it != names.end()) return it->second;
  return names.emplace(x.id(), letters(names.size())).first->second;
}

void NodeNamer::set_name(const array& x, std::string n) {
  names.insert_or_assign(x.id(), std::move(n));
}

void print_graph(std::ostream& os, NodeNamer namer, const std::vector<array>& outputs) {
  std::vector<array> inputs, nodes;
  walk(outputs, inputs, nodes);
  // Inputs, then outputs, then the other arrays take names in that order.
  for (auto& a : inputs) namer.get_name(a);
  for (auto& a : outputs) namer.get_name(a);
  os << "Inputs: ";
  list(os, namer, inputs);
  os << "\nOutputs: ";
  list(os, namer, outputs);
  os << "\n";
  for (auto& node : nodes) {
    node.primitive().print(os);
    os << " ";
    list(os, namer, node.inputs());
    os << " -> ";
    list(os, namer, node.outputs());
    os << "\n";
  }
}

void export_to_dot(std::ostream& os, NodeNamer namer, const std::vector<array>& outputs) {
  std::vector<array> inputs, nodes;
  walk(outputs, inputs, nodes);
  std::unordered_set<std::uintptr_t> output_ids;
  for (auto& o : outputs) output_ids.insert(o.id());
  os << "digraph {\n";
  for (auto& a : inputs) {
    os << "{ rank=source; \"" << namer.get_name(a) << "\"; }\n";
  }
  for (auto& node : nodes) {
    // Primitives are boxes named by their address; arrays are ellipses.
    auto id = reinterpret_cast<std::uintptr_t>(&node.primitive());
    os << "{ " << id << " [label =\"";
    node.primitive().print(os);
    os << "\", shape=rectangle]; }\n";
    for (auto& in : node.inputs()) os << "\"" << namer.get_name(in) << "\" -> " << id << "\n";
    for (auto& out : node.outputs()) {
      if (output_ids.count(out.id())) {
        os << "{ rank=sink; \"" << namer.get_name(out) << "\"; }\n";
      } else {
        os << "{ \"" << namer.get_name(out) << "\"; }\n";
      }
      os << id << " -> \"" << namer.get_name(out) << "\"\n";
    }
  }
  os << "}\n";
}

}  // namespace lmx
