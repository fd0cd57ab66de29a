// Functions with user-given transforms (custom_function, custom_vjp),
// checkpoint (recompute the forward pass during the backward pass instead of
// keeping its intermediates) and depends (order evaluation without data).
#include "lmx/core/ops_common.h"
#include "lmx/core/transforms.h"

namespace lmx {

// ---- depends ----

std::vector<array> depends(const std::vector<array>& inputs,
                           const std::vector<array>& dependencies) {
  if (inputs.empty()) return {};
  std::vector<Shape> shapes;
  std::vector<Dtype> dtypes;
  for (auto& in : inputs) {
    shapes.push_back(in.shape());
    dtypes.push_back(in.dtype());
  }
  std::vector<array> all = inputs;
  all.insert(all.end(), dependencies.begin(), dependencies.end());
  auto prim =
      std::make_shared<Depends>(to_stream(StreamOrDevice{}), static_cast<int>(inputs.size()));
  return array::make_arrays(std::move(shapes), dtypes, prim, all);
}

std::vector<array> Depends::vjp(const std::vector<array>& primals,
                                const std::vector<array>& cotangents,
                                const std::vector<int>& argnums, const std::vector<array>&) {
  std::vector<array> out;
  for (int a : argnums) out.push_back(a < num_inputs_ ? cotangents[a] : zeros_like(primals[a]));
  return out;
}

std::vector<array> Depends::jvp(const std::vector<array>& primals,
                                const std::vector<array>& tangents,
                                const std::vector<int>& argnums) {
  std::vector<array> out;
  for (int i = 0; i < num_inputs_; ++i) out.push_back(zeros_like(primals[i]));
  for (size_t j = 0; j < argnums.size(); ++j) {
    if (argnums[j] < num_inputs_) out[argnums[j]] = tangents[j];
  }
  return out;
}

std::pair<std::vector<array>, std::vector<int>> Depends::vmap(const std::vector<array>& inputs,
                                                              const std::vector<int>& axes,
                                                              const std::vector<array>&) {
  std::vector<array> in(inputs.begin(), inputs.begin() + num_inputs_);
  std::vector<array> deps(inputs.begin() + num_inputs_, inputs.end());
  return {depends(in, deps), std::vector<int>(axes.begin(), axes.begin() + num_inputs_)};
}

// ---- custom_function ----

namespace {

std::vector<array> arguments(const std::vector<array>& primals, int num_outputs) {
  return std::vector<array>(primals.begin() + num_outputs, primals.end());
}

}  // namespace

std::vector<array> CustomTransforms::vjp(const std::vector<array>& primals,
                                         const std::vector<array>& cotangents,
                                         const std::vector<int>& argnums,
                                         const std::vector<array>& outputs) {
  auto args = arguments(primals, num_outputs_);
  std::vector<array> grads =
      vjp_ ? (*vjp_)(args, cotangents, outputs) : lmx::vjp(fun_, args, cotangents).second;
  if (grads.size() != args.size()) {
    fail("custom_vjp", "The vjp function must return one cotangent per input, got ", grads.size(),
         " for ", args.size(), " inputs.");
  }
  std::vector<array> out;
  for (int a : argnums) {
    if (a < num_outputs_) {
      out.push_back(zeros_like(primals[a]));
      continue;
    }
    auto& g = grads[a - num_outputs_];
    const array& x = primals[a];
    if (g.shape() != x.shape()) {
      fail("custom_vjp", "Cotangent ", a - num_outputs_, " has shape ", g.shape(),
           " but its input has shape ", x.shape(), ".");
    }
    out.push_back(astype(g, x.dtype()));
  }
  return out;
}

std::vector<array> CustomTransforms::jvp(const std::vector<array>& primals,
                                         const std::vector<array>& tangents,
                                         const std::vector<int>& argnums) {
  auto args = arguments(primals, num_outputs_);
  // Tangents of the arguments only (the outputs' inputs carry none).
  std::vector<array> tans;
  std::vector<int> arg_nums;
  for (size_t j = 0; j < argnums.size(); ++j) {
    if (argnums[j] < num_outputs_) continue;
    tans.push_back(tangents[j]);
    arg_nums.push_back(argnums[j] - num_outputs_);
  }
  if (jvp_) return (*jvp_)(args, tans, arg_nums);
  std::vector<array> full;
  for (auto& a : args) full.push_back(zeros_like(a));
  for (size_t j = 0; j < arg_nums.size(); ++j) full[arg_nums[j]] = tans[j];
  return lmx::jvp(fun_, args, full).second;
}

std::pair<std::vector<array>, std::vector<int>> CustomTransforms::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes, const std::vector<array>&) {
  auto args = arguments(inputs, num_outputs_);
  std::vector<int> arg_axes(axes.begin() + num_outputs_, axes.end());
  if (vmap_) return (*vmap_)(args, arg_axes);
  auto outs = detail::vmap_apply(fun_, args, arg_axes,
                                 [](const std::vector<array>&) { return std::vector<int>{}; });
  return {outs, std::vector<int>(outs.size(), 0)};
}

CustomFn custom_function(CustomFn fun, std::optional<CustomVjpFn> fun_vjp,
                         std::optional<CustomJvpFn> fun_jvp, std::optional<CustomVmapFn> fun_vmap) {
  if (!fun) fail("custom_function", "Cannot wrap an empty function.");
  return [fun, fun_vjp, fun_jvp, fun_vmap](const std::vector<array>& args) {
    auto outs = fun(args);
    // The outputs enter through stop_gradient: transforms reach the
    // arguments only through the user's rules.
    std::vector<array> inputs;
    std::vector<Shape> shapes;
    std::vector<Dtype> dtypes;
    for (auto& o : outs) {
      inputs.push_back(stop_gradient(o));
      shapes.push_back(o.shape());
      dtypes.push_back(o.dtype());
    }
    inputs.insert(inputs.end(), args.begin(), args.end());
    if (outs.empty()) return outs;
    auto prim = std::make_shared<CustomTransforms>(to_stream(StreamOrDevice{}),
                                                   static_cast<int>(outs.size()), fun, fun_vjp,
                                                   fun_jvp, fun_vmap);
    return array::make_arrays(std::move(shapes), dtypes, prim, inputs);
  };
}

CustomFn custom_vjp(CustomFn fun, CustomVjpFn fun_vjp) {
  return custom_function(std::move(fun), std::move(fun_vjp));
}

CustomFn checkpoint(CustomFn fun) {
  // The backward pass traces fun again on arguments that wait for the
  // cotangents, so the recomputation runs when the backward pass reaches
  // this function, and all of its cotangents are produced together, so the
  // recomputed intermediates are used up at once instead of waiting for
  // whichever gradient the evaluation visits last.
  auto recompute = [fun](const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<array>&) {
    auto grads = lmx::vjp(fun, depends(primals, cotangents), cotangents).second;
    return depends(grads, grads);
  };
  return custom_vjp(std::move(fun), recompute);
}

}  // namespace lmx
