// vjp walks the traced graph backwards from the outputs, jvp forwards from the
// inputs; both build ordinary lazy arrays, so transforms compose.
#include "lmx/core/transforms.h"

#include <unordered_map>
#include <unordered_set>

#include "lmx/core/graph.h"
#include "lmx/core/ops_common.h"

namespace lmx {

namespace {

// Fresh graph nodes standing for the inputs, so the walk can tell the
// function's inputs from constants it captured.
std::vector<array> make_tracers(const std::vector<array>& primals) {
  std::vector<array> out;
  for (auto& p : primals) {
    auto t = copy(p);
    t.set_tracer(true);
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace

using CotangentFn = std::function<std::vector<array>(const std::vector<array>&)>;

// vjp with cotangents made from the traced outputs (value_and_grad seeds the
// loss with ones of whatever scalar shape the function returned).
static std::pair<std::vector<array>, std::vector<array>> vjp_impl(
    const std::function<std::vector<array>(const std::vector<array>&)>& fun,
    const std::vector<array>& primals, const CotangentFn& make_cotangents) {
  TracingScope scope;
  auto tracers = make_tracers(primals);
  auto outputs = fun(tracers);
  auto cotangents = make_cotangents(outputs);
  if (cotangents.size() != outputs.size()) {
    fail("vjp", "Number of outputs (", outputs.size(), ") does not match number of cotangents (",
         cotangents.size(), ").");
  }
  std::unordered_map<std::uintptr_t, array> cot;
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (outputs[i].shape() != cotangents[i].shape()) {
      fail("vjp", "Output shape ", outputs[i].shape(), " does not match cotangent shape ",
           cotangents[i].shape(), ".");
    }
    auto c = astype(cotangents[i], outputs[i].dtype());
    auto [it, inserted] = cot.emplace(outputs[i].id(), c);
    if (!inserted) it->second = add(it->second, c);
  }
  auto tape = tape_between(tracers, outputs, true);
  // Only inputs that depend on the tracers get cotangents; constants (data,
  // frozen weights) are skipped, which also spares building their graphs.
  std::unordered_set<std::uintptr_t> active;
  for (auto& t : tracers) active.insert(t.id());
  for (auto& node : tape) {
    for (auto& o : node.outputs()) active.insert(o.id());
  }
  for (auto it = tape.rbegin(); it != tape.rend(); ++it) {
    auto& node = *it;
    auto outs = node.live_outputs();
    std::vector<array> out_cots;
    bool any = false;
    for (auto& o : outs) {
      auto c = cot.find(o.id());
      if (c != cot.end()) {
        out_cots.push_back(c->second);
        any = true;
      } else {
        out_cots.push_back(zeros_like(o));
      }
    }
    if (!any) continue;
    std::vector<int> argnums;
    for (size_t i = 0; i < node.inputs().size(); ++i) {
      if (active.count(node.inputs()[i].id())) argnums.push_back(static_cast<int>(i));
    }
    if (argnums.empty()) continue;
    auto in_cots = node.primitive().vjp(node.inputs(), out_cots, argnums, outs);
    for (size_t i = 0; i < argnums.size() && i < in_cots.size(); ++i) {
      const array& in = node.inputs()[argnums[i]];
      auto [c, inserted] = cot.emplace(in.id(), in_cots[i]);
      if (!inserted) c->second = add(c->second, in_cots[i]);
    }
  }
  std::vector<array> grads;
  for (size_t i = 0; i < tracers.size(); ++i) {
    auto c = cot.find(tracers[i].id());
    grads.push_back(c != cot.end() ? astype(c->second, primals[i].dtype())
                                   : zeros_like(primals[i]));
  }
  return {outputs, grads};
}

std::pair<std::vector<array>, std::vector<array>> vjp(
    const std::function<std::vector<array>(const std::vector<array>&)>& fun,
    const std::vector<array>& primals, const std::vector<array>& cotangents) {
  return vjp_impl(fun, primals, [&](const std::vector<array>&) { return cotangents; });
}

std::pair<array, array> vjp(const std::function<array(const array&)>& fun, const array& primal,
                            const array& cotangent) {
  auto [outs, grads] =
      vjp([&](const std::vector<array>& x) { return std::vector<array>{fun(x[0])}; }, {primal},
          {cotangent});
  return {outs[0], grads[0]};
}

std::pair<std::vector<array>, std::vector<array>> jvp(
    const std::function<std::vector<array>(const std::vector<array>&)>& fun,
    const std::vector<array>& primals, const std::vector<array>& tangents) {
  if (primals.size() != tangents.size()) {
    fail("jvp", "Number of inputs (", primals.size(), ") does not match number of tangents (",
         tangents.size(), ").");
  }
  for (size_t i = 0; i < primals.size(); ++i) {
    if (primals[i].shape() != tangents[i].shape()) {
      fail("jvp", "Input shape ", primals[i].shape(), " does not match tangent shape ",
           tangents[i].shape(), ".");
    }
  }
  TracingScope scope;
  auto tracers = make_tracers(primals);
  auto outputs = fun(tracers);
  std::unordered_map<std::uintptr_t, array> tan;
  for (size_t i = 0; i < tracers.size(); ++i) tan.emplace(tracers[i].id(), tangents[i]);
  auto tape = tape_between(tracers, outputs, true);
  for (auto& node : tape) {
    std::vector<int> argnums;
    std::vector<array> in_tans;
    for (size_t i = 0; i < node.inputs().size(); ++i) {
      auto t = tan.find(node.inputs()[i].id());
      if (t != tan.end()) {
        argnums.push_back(static_cast<int>(i));
        in_tans.push_back(t->second);
      }
    }
    if (argnums.empty()) continue;
    auto out_tans = node.primitive().jvp(node.inputs(), in_tans, argnums);
    auto outs = node.outputs();
    for (size_t i = 0; i < outs.size() && i < out_tans.size(); ++i) {
      // Integer and boolean results (argsort, comparisons, casts) are
      // piecewise constant: they carry no tangent further. Only tangents a
      // caller gives for integer inputs reach a primitive, which may reject
      // them (gather does, as MLX).
      if (!is_inexact(outs[i].dtype())) continue;
      tan.insert_or_assign(outs[i].id(), out_tans[i]);
    }
  }
  std::vector<array> result;
  for (auto& o : outputs) {
    auto t = tan.find(o.id());
    result.push_back(t != tan.end() ? t->second : zeros_like(o));
  }
  return {outputs, result};
}

std::pair<array, array> jvp(const std::function<array(const array&)>& fun, const array& primal,
                            const array& tangent) {
  auto [outs, tans] =
      jvp([&](const std::vector<array>& x) { return std::vector<array>{fun(x[0])}; }, {primal},
          {tangent});
  return {outs[0], tans[0]};
}

ValueAndGradFn value_and_grad(
    const std::function<std::vector<array>(const std::vector<array>&)>& fun,
    const std::vector<int>& argnums) {
  if (argnums.empty()) fail("grad", "Must specify at least one argument.");
  return [fun, argnums](const std::vector<array>& inputs) {
    std::vector<int> args;
    int n = static_cast<int>(inputs.size());
    for (int a : argnums) {
      // Negative argument numbers count from the end (as MLX).
      int arg = a < 0 ? a + n : a;
      if (arg < 0 || arg >= n) {
        fail("grad", "Invalid argument number for function with ", n, " inputs.");
      }
      args.push_back(arg);
    }
    std::vector<array> diff_inputs;
    for (int a : args) diff_inputs.push_back(inputs[a]);
    auto inner = [&](const std::vector<array>& xs) {
      auto all = inputs;
      for (size_t i = 0; i < args.size(); ++i) all[args[i]] = xs[i];
      auto outs = fun(all);
      if (outs.empty() || outs[0].size() != 1) {
        fail("grad", "The function must return a scalar as its first output, got shape ",
             outs.empty() ? Shape{} : outs[0].shape(), ".");
      }
      return outs;
    };
    // Only the first output is differentiated; the rest are carried along.
    std::vector<array> outputs;
    auto first_only = [&](const std::vector<array>& xs) {
      outputs = inner(xs);
      return std::vector<array>{outputs[0]};
    };
    auto [outs, grads] = vjp_impl(first_only, diff_inputs, [](const std::vector<array>& o) {
      return std::vector<array>{ones_like(o[0])};
    });
    (void)outs;
    return std::make_pair(outputs, grads);
  };
}

ValueAndGradFn value_and_grad(
    const std::function<std::vector<array>(const std::vector<array>&)>& fun, int argnum) {
  return value_and_grad(fun, std::vector<int>{argnum});
}

std::function<std::pair<array, array>(const array&)> value_and_grad(
    const std::function<array(const array&)>& fun) {
  auto vg =
      value_and_grad([fun](const std::vector<array>& x) { return std::vector<array>{fun(x[0])}; },
                     std::vector<int>{0});
  return [vg](const array& x) {
    auto [v, g] = vg({x});
    return std::make_pair(v[0], g[0]);
  };
}

SimpleValueAndGradFn value_and_grad(const std::function<array(const std::vector<array>&)>& fun,
                                    const std::vector<int>& argnums) {
  auto vg = value_and_grad(
      [fun](const std::vector<array>& x) { return std::vector<array>{fun(x)}; }, argnums);
  return [vg](const std::vector<array>& x) {
    auto [v, g] = vg(x);
    return std::make_pair(v[0], g);
  };
}

SimpleValueAndGradFn value_and_grad(const std::function<array(const std::vector<array>&)>& fun,
                                    int argnum) {
  return value_and_grad(fun, std::vector<int>{argnum});
}

std::function<std::vector<array>(const std::vector<array>&)> grad(
    const std::function<array(const std::vector<array>&)>& fun, const std::vector<int>& argnums) {
  auto vg = value_and_grad(fun, argnums);
  return [vg](const std::vector<array>& x) { return vg(x).second; };
}

std::function<std::vector<array>(const std::vector<array>&)> grad(
    const std::function<array(const std::vector<array>&)>& fun, int argnum) {
  return grad(fun, std::vector<int>{argnum});
}

std::function<array(const array&)> grad(const std::function<array(const array&)>& fun) {
  auto vg = value_and_grad(fun);
  return [vg](const array& x) { return vg(x).second; };
}

}  // namespace lmx
