// Internal graph walks shared by eval and the transforms. Not installed as part
// of the public API.
#pragma once

#include <functional>
#include <vector>

#include "lmx/core/array.h"

namespace lmx {

class GraphAccess {
 public:
  // A fresh mark for one walk; a node is visited when its mark equals it.
  static uint64_t new_mark();
  static bool visit(const array& a, uint64_t mark) {
    if (a.desc_->visit_mark == mark) return false;
    a.desc_->visit_mark = mark;
    return true;
  }
  static bool visited(const array& a, uint64_t mark) { return a.desc_->visit_mark == mark; }
};

// The unevaluated nodes needed for `outputs`, inputs before their users, one
// entry per primitive (siblings are represented by the first one reached).
// Iterative, so graphs of any depth are safe.
std::vector<array> topological_order(const std::vector<array>& outputs,
                                     const std::function<bool(const array&)>& stop);

// The nodes between `inputs` and `outputs` that depend on an input, inputs
// before their users. Gradients skip stop_gradient nodes (what only they
// lead to is not on the tape); vmap batches through them.
std::vector<array> tape_between(const std::vector<array>& inputs, const std::vector<array>& outputs,
                                bool skip_stop_gradient);

// Depth of nested transforms on this thread.
int tracing_depth();
struct TracingScope {
  TracingScope();
  ~TracingScope();
};

}  // namespace lmx
