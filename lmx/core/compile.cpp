// compile: trace once per input signature, then replay the recorded graph on
// new inputs. Before it is stored the graph is simplified: duplicate
// subexpressions are merged and chains of elementwise primitives become one
// Compiled node.
#include "lmx/core/compile.h"

#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "lmx/core/graph.h"
#include "lmx/core/ops_common.h"
#include "lmx/core/transforms.h"

namespace lmx {

namespace {

// The process-wide compile mode (set_compile_mode; LMX_DISABLE_COMPILE or
// MLX_DISABLE_COMPILE in the environment start it disabled).
std::atomic<CompileMode> compile_mode{[] {
  return std::getenv("LMX_DISABLE_COMPILE") || std::getenv("MLX_DISABLE_COMPILE")
             ? CompileMode::disabled
             : CompileMode::enabled;
}()};

// A traced and simplified graph: tracer inputs, nodes in topological order,
// and outputs (which may also be inputs or constants).
struct Graph {
  std::vector<array> inputs;
  std::vector<array> tape;
  std::vector<array> outputs;
  // Every node knows its output shapes from its inputs' (output_shapes), so
  // a shapeless compile replays this graph on any shapes.
  bool shapes_follow_inputs = true;
  // Replay plan: value slots are the inputs, then each node's outputs in tape
  // order; a node argument is a slot index, or -1 for a captured constant.
  std::vector<std::vector<int>> arg_slots;
  std::vector<int> output_slots;  // -1: the output is a constant
};

using IdMap = std::unordered_map<std::uintptr_t, array>;

array mapped(const IdMap& m, const array& a) {
  auto it = m.find(a.id());
  return it == m.end() ? a : it->second;
}

// Rebuilds `node` on new inputs; fills `m` with its outputs.
void emit(const array& node, std::vector<array> inputs, IdMap& m, std::vector<array>& tape) {
  auto outs = node.outputs();
  if (outs.size() == 1) {
    array out(node.shape(), node.dtype(), node.primitive_ptr(), std::move(inputs));
    m.insert_or_assign(node.id(), out);
    tape.push_back(out);
    return;
  }
  std::vector<Shape> shapes;
  std::vector<Dtype> dtypes;
  for (auto& o : outs) {
    shapes.push_back(o.shape());
    dtypes.push_back(o.dtype());
  }
  auto new_outs = array::make_arrays(shapes, dtypes, node.primitive_ptr(), inputs);
  for (size_t i = 0; i < outs.size(); ++i) m.insert_or_assign(outs[i].id(), new_outs[i]);
  tape.push_back(new_outs[0]);
}

// Merges nodes that apply an equivalent primitive to the same inputs.
std::vector<array> remove_duplicates(const std::vector<array>& tape, IdMap& m) {
  std::vector<array> out;
  std::map<std::string, std::vector<array>> seen;
  for (auto& node : tape) {
    std::vector<array> inputs;
    std::string key = node.primitive().name();
    for (auto& in : node.inputs()) {
      inputs.push_back(mapped(m, in));
      key.push_back(':');
      key.append(std::to_string(inputs.back().id()));
    }
    key.push_back('|');
    key.append(to_string(node.shape()));
    key.append(dtype_to_string(node.dtype()));
    bool merged = false;
    if (node.outputs().size() == 1) {
      for (auto& cand : seen[key]) {
        const Primitive& a = cand.primitive();
        const Primitive& b = node.primitive();
        if (typeid(a) == typeid(b) && a.is_equivalent(b)) {
          m.insert_or_assign(node.id(), cand);
          merged = true;
          break;
        }
      }
    }
    if (merged) continue;
    emit(node, inputs, m, out);
    if (node.outputs().size() == 1) seen[key].push_back(out.back());
  }
  return out;
}

// Fuses chains of elementwise nodes: a node joins its consumer's group when
// it has no other use, is not an output, and has the consumer's shape.
std::vector<array> fuse(const std::vector<array>& tape, const std::vector<array>& outputs,
                        IdMap& m) {
  std::unordered_map<std::uintptr_t, int> uses;
  for (auto& node : tape)
    for (auto& in : node.inputs()) ++uses[in.id()];
  std::unordered_set<std::uintptr_t> is_output;
  for (auto& o : outputs) is_output.insert(o.id());
  std::unordered_map<std::uintptr_t, std::uintptr_t> absorbed_into;  // node -> consumer
  for (auto& node : tape) {
    if (!node.primitive().is_elementwise()) continue;
    for (auto& in : node.inputs()) {
      if (in.has_primitive() && in.primitive().is_elementwise() && uses[in.id()] == 1 &&
          !is_output.count(in.id()) && in.shape() == node.shape() && in.outputs().size() == 1) {
        absorbed_into[in.id()] = node.id();
      }
    }
  }
  std::unordered_map<std::uintptr_t, array> by_id;
  for (auto& node : tape) by_id.insert_or_assign(node.id(), node);
  std::vector<array> out;
  for (auto& node : tape) {
    if (absorbed_into.count(node.id())) continue;  // emitted inside its consumer
    bool is_root = false;
    for (auto& in : node.inputs()) is_root |= absorbed_into.count(in.id()) > 0;
    if (!is_root) {
      std::vector<array> inputs;
      for (auto& in : node.inputs()) inputs.push_back(mapped(m, in));
      emit(node, inputs, m, out);
      continue;
    }
    // Collect the group in topological order (depth first over absorbed inputs).
    std::vector<array> group;
    std::vector<std::pair<array, size_t>> stack{{node, 0}};
    while (!stack.empty()) {
      auto& [n, next] = stack.back();
      if (next < n.inputs().size()) {
        const array& in = n.inputs()[next++];
        if (absorbed_into.count(in.id())) stack.emplace_back(in, 0);
      } else {
        group.push_back(n);
        stack.pop_back();
      }
    }
    std::unordered_map<std::uintptr_t, int> reg;
    std::vector<array> ext;
    for (auto& n : group) {
      for (auto& in : n.inputs()) {
        if (absorbed_into.count(in.id()) || reg.count(in.id())) continue;
        reg[in.id()] = static_cast<int>(ext.size());
        ext.push_back(mapped(m, in));
      }
    }
    std::vector<Compiled::Step> steps;
    int next_reg = static_cast<int>(ext.size());
    for (auto& n : group) {
      std::vector<int> args;
      for (auto& in : n.inputs()) args.push_back(reg.at(in.id()));
      steps.push_back({n.primitive_ptr(), args, n.dtype()});
      reg[n.id()] = next_reg++;
    }
    array fused(
        node.shape(), node.dtype(),
        std::make_shared<Compiled>(node.primitive().stream(), steps, static_cast<int>(ext.size())),
        ext);
    m.insert_or_assign(node.id(), fused);
    out.push_back(fused);
  }
  return out;
}

// Whether the node's primitive has an output_shapes rule, checked against the
// shapes it was traced with.
bool infers_its_shapes(const array& node) {
  std::vector<Shape> shapes;
  try {
    shapes = node.primitive().output_shapes(node.inputs());
  } catch (const std::exception&) {
    return false;
  }
  auto outs = node.outputs();
  if (shapes.size() != outs.size()) return false;
  for (size_t i = 0; i < outs.size(); ++i) {
    if (shapes[i] != outs[i].shape()) return false;
  }
  return true;
}

Graph trace(const CompilableFn& fun, const std::vector<array>& args) {
  Graph g;
  std::vector<array> outputs;
  {
    TracingScope scope;
    for (auto& a : args) {
      auto t = copy(a);
      t.set_tracer(true);
      g.inputs.push_back(t);
    }
    outputs = fun(g.inputs);
  }
  std::unordered_set<std::uintptr_t> input_ids;
  for (auto& in : g.inputs) input_ids.insert(in.id());
  auto order = topological_order(
      outputs, [&](const array& a) { return !a.has_primitive() || input_ids.count(a.id()) > 0; });
  // Nodes that do not depend on the inputs are constants: evaluate them now.
  std::unordered_set<std::uintptr_t> depends(input_ids);
  std::vector<array> tape, constants;
  for (auto& node : order) {
    bool dep = false;
    for (auto& in : node.inputs()) dep |= depends.count(in.id()) > 0;
    if (dep) {
      for (auto& o : node.outputs()) depends.insert(o.id());
      tape.push_back(node);
    } else {
      constants.push_back(node);
    }
  }
  eval(constants);
  CompileMode mode = compile_mode.load();
  IdMap m;
  if (mode != CompileMode::no_simplify) tape = remove_duplicates(tape, m);
  std::vector<array> outs;
  for (auto& o : outputs) outs.push_back(mapped(m, o));
  IdMap fused;
  if (mode != CompileMode::no_fuse) tape = fuse(tape, outs, fused);
  for (auto& o : outs) g.outputs.push_back(mapped(fused, o));
  g.tape = tape;
  std::unordered_map<std::uintptr_t, int> slot;
  int next = 0;
  for (auto& in : g.inputs) slot[in.id()] = next++;
  for (auto& n : g.tape) {
    std::vector<int> args;
    for (auto& in : n.inputs()) {
      auto it = slot.find(in.id());
      args.push_back(it == slot.end() ? -1 : it->second);
    }
    g.arg_slots.push_back(std::move(args));
    for (auto& o : n.outputs()) slot[o.id()] = next++;
  }
  for (auto& o : g.outputs) {
    auto it = slot.find(o.id());
    g.output_slots.push_back(it == slot.end() ? -1 : it->second);
  }
  for (auto& n : g.tape) {
    if (!g.shapes_follow_inputs) break;
    g.shapes_follow_inputs = infers_its_shapes(n);
  }
  return g;
}

std::vector<array> replay(const Graph& g, const std::vector<array>& args, bool infer_shapes) {
  std::vector<array> values(args);
  values.reserve(args.size() + g.tape.size() * 2);
  for (size_t k = 0; k < g.tape.size(); ++k) {
    const array& node = g.tape[k];
    std::vector<array> inputs;
    inputs.reserve(node.inputs().size());
    for (size_t j = 0; j < node.inputs().size(); ++j) {
      int sl = g.arg_slots[k][j];
      inputs.push_back(sl < 0 ? node.inputs()[j] : values[sl]);
    }
    if (node.outputs().size() == 1) {
      Shape shape = infer_shapes ? node.primitive().output_shapes(inputs)[0] : node.shape();
      values.emplace_back(std::move(shape), node.dtype(), node.primitive_ptr(), std::move(inputs));
    } else {
      std::vector<Shape> shapes;
      std::vector<Dtype> dtypes;
      for (auto& o : node.outputs()) {
        shapes.push_back(o.shape());
        dtypes.push_back(o.dtype());
      }
      if (infer_shapes) shapes = node.primitive().output_shapes(inputs);
      for (auto& o : array::make_arrays(shapes, dtypes, node.primitive_ptr(), inputs))
        values.push_back(o);
    }
  }
  std::vector<array> out;
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    int sl = g.output_slots[i];
    out.push_back(sl < 0 ? g.outputs[i] : values[sl]);
  }
  return out;
}

std::string signature(const std::vector<array>& args, bool shapeless) {
  std::string key;
  for (auto& a : args) {
    key.append(dtype_to_string(a.dtype()));
    key.push_back('/');
    key.append(shapeless ? std::to_string(a.ndim()) : to_string(a.shape()));
    key.push_back(';');
  }
  return key;
}

}  // namespace

void disable_compile() {
  compile_mode = CompileMode::disabled;
}
void enable_compile() {
  compile_mode = CompileMode::enabled;
}
void set_compile_mode(CompileMode mode) {
  compile_mode = mode;
}

std::vector<array> detail::fuse_elementwise(const std::vector<array>& outputs,
                                            const std::function<bool(const array&)>& stop) {
  CompileMode mode = compile_mode.load();
  if (mode == CompileMode::disabled || mode == CompileMode::no_fuse) return outputs;
  auto tape = topological_order(outputs, [&](const array& a) {
    return !a.has_primitive() || a.is_available() || !a.primitive().is_elementwise() || stop(a);
  });
  IdMap m;
  fuse(tape, outputs, m);
  std::vector<array> out;
  out.reserve(outputs.size());
  for (auto& o : outputs) out.push_back(mapped(m, o));
  return out;
}

CompilableFn compile(std::vector<array> (*fun)(const std::vector<array>&), bool shapeless) {
  if (fun == nullptr) fail("compile", "Cannot compile a function without a target.");
  return compile(CompilableFn(fun), shapeless);
}

CompilableFn compile(CompilableFn fun, bool shapeless) {
  if (!fun) fail("compile", "Cannot compile a function without a target.");
  struct Cache {
    std::mutex mutex;
    std::unordered_map<std::string, Graph> graphs;
  };
  auto cache = std::make_shared<Cache>();
  return [fun, shapeless, cache](const std::vector<array>& args) -> std::vector<array> {
    if (compile_mode.load() == CompileMode::disabled) return fun(args);
    std::unique_lock<std::mutex> lock(cache->mutex);
    auto key = signature(args, shapeless);
    auto it = cache->graphs.find(key);
    if (it != cache->graphs.end() && shapeless && !it->second.shapes_follow_inputs) {
      // Shapes matter for this graph: cache it per shape as well.
      key = signature(args, false);
      it = cache->graphs.find(key);
    }
    if (it == cache->graphs.end()) {
      it = cache->graphs.emplace(key, trace(fun, args)).first;
    }
    const Graph& g = it->second;
    bool same_shapes = true;
    for (size_t i = 0; i < args.size(); ++i) same_shapes &= args[i].shape() == g.inputs[i].shape();
    return replay(g, args, !same_shapes);
  };
}

// ---- The Compiled primitive's transforms ----

array Compiled::expand(const std::vector<array>& inputs) const {
  std::vector<array> regs = inputs;
  for (auto& st : steps_) {
    std::vector<array> args;
    Shape shape;
    for (int a : st.args) {
      args.push_back(regs[a]);
      shape = broadcast_shapes(shape, regs[a].shape());
    }
    regs.push_back(array(shape, st.dtype, st.primitive, args));
  }
  return regs.back();
}

std::vector<array> Compiled::vjp(const std::vector<array>& primals,
                                 const std::vector<array>& cotangents,
                                 const std::vector<int>& argnums, const std::vector<array>&) {
  auto [outs, grads] =
      lmx::vjp([this](const std::vector<array>& xs) { return std::vector<array>{expand(xs)}; },
               primals, cotangents);
  return at_argnums(grads, argnums);
}

std::vector<array> Compiled::jvp(const std::vector<array>& primals,
                                 const std::vector<array>& tangents,
                                 const std::vector<int>& argnums) {
  auto [outs, tans] =
      lmx::jvp([this](const std::vector<array>& xs) { return std::vector<array>{expand(xs)}; },
               primals, tangents_for_all(primals, tangents, argnums));
  return tans;
}

}  // namespace lmx
