// Function transformations: vjp, jvp, grad, value_and_grad.
#pragma once

#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "lmx/core/array.h"

namespace lmx {

std::pair<std::vector<array>, std::vector<array>> vjp(
    const std::function<std::vector<array>(const std::vector<array>&)>& fun,
    const std::vector<array>& primals, const std::vector<array>& cotangents);

std::pair<array, array> vjp(const std::function<array(const array&)>& fun, const array& primal,
                            const array& cotangent);

std::pair<std::vector<array>, std::vector<array>> jvp(
    const std::function<std::vector<array>(const std::vector<array>&)>& fun,
    const std::vector<array>& primals, const std::vector<array>& tangents);

std::pair<array, array> jvp(const std::function<array(const array&)>& fun, const array& primal,
                            const array& tangent);

using ValueAndGradFn =
    std::function<std::pair<std::vector<array>, std::vector<array>>(const std::vector<array>&)>;
using SimpleValueAndGradFn =
    std::function<std::pair<array, std::vector<array>>(const std::vector<array>&)>;

// The first output of `fun` must be a scalar; it is differentiated with respect
// to the inputs listed in argnums.
ValueAndGradFn value_and_grad(
    const std::function<std::vector<array>(const std::vector<array>&)>& fun,
    const std::vector<int>& argnums);
ValueAndGradFn value_and_grad(
    const std::function<std::vector<array>(const std::vector<array>&)>& fun, int argnum = 0);
std::function<std::pair<array, array>(const array&)> value_and_grad(
    const std::function<array(const array&)>& fun);
SimpleValueAndGradFn value_and_grad(const std::function<array(const std::vector<array>&)>& fun,
                                    const std::vector<int>& argnums);
SimpleValueAndGradFn value_and_grad(const std::function<array(const std::vector<array>&)>& fun,
                                    int argnum = 0);

std::function<std::vector<array>(const std::vector<array>&)> grad(
    const std::function<array(const std::vector<array>&)>& fun, const std::vector<int>& argnums);
std::function<std::vector<array>(const std::vector<array>&)> grad(
    const std::function<array(const std::vector<array>&)>& fun, int argnum = 0);
std::function<array(const array&)> grad(const std::function<array(const array&)>& fun);

// vmap: `fun` applied to every example of a batch. in_axes[i] is the batch
// axis of input i (-1: the input is shared by all examples), out_axes[j] the
// axis where output j's batch goes (-1: the output is not batched); empty
// means axis 0 for all. Composes with grad, vjp, jvp, compile and itself.
std::function<std::vector<array>(const std::vector<array>&)> vmap(
    const std::function<std::vector<array>(const std::vector<array>&)>& fun,
    const std::vector<int>& in_axes = {}, const std::vector<int>& out_axes = {});
std::function<array(const array&)> vmap(const std::function<array(const array&)>& fun,
                                        int in_axis = 0, int out_axis = 0);
std::function<array(const array&, const array&)> vmap(
    const std::function<array(const array&, const array&)>& fun, int in_axis_a = 0,
    int in_axis_b = 0, int out_axis = 0);

// Functions with user-given transforms, as MLX's. fun_vjp(primals,
// cotangents, outputs) returns one cotangent per input; fun_jvp(primals,
// tangents, argnums) the outputs' tangents for tangents of the inputs in
// argnums; fun_vmap(inputs, axes) the batched outputs and their axes. A
// rule not given transforms fun itself.
using CustomFn = std::function<std::vector<array>(const std::vector<array>&)>;
using CustomVjpFn = std::function<std::vector<array>(
    const std::vector<array>&, const std::vector<array>&, const std::vector<array>&)>;
using CustomJvpFn = std::function<std::vector<array>(
    const std::vector<array>&, const std::vector<array>&, const std::vector<int>&)>;
using CustomVmapFn = std::function<std::pair<std::vector<array>, std::vector<int>>(
    const std::vector<array>&, const std::vector<int>&)>;
CustomFn custom_function(CustomFn fun, std::optional<CustomVjpFn> fun_vjp = std::nullopt,
                         std::optional<CustomJvpFn> fun_jvp = std::nullopt,
                         std::optional<CustomVmapFn> fun_vmap = std::nullopt);
CustomFn custom_vjp(CustomFn fun, CustomVjpFn fun_vjp);
// fun with its forward pass recomputed during the backward pass: the
// gradient's memory holds fun's inputs and outputs instead of every
// intermediate.
CustomFn checkpoint(CustomFn fun);

// Identity on `inputs`, evaluated only after `dependencies` are.
std::vector<array> depends(const std::vector<array>& inputs,
                           const std::vector<array>& dependencies);

namespace detail {
// vmap applied once, with the out axes chosen once the traced outputs are
// known (the Python front end's trees of outputs need this).
std::vector<array> vmap_apply(
    const std::function<std::vector<array>(const std::vector<array>&)>& fun,
    const std::vector<array>& inputs, const std::vector<int>& in_axes,
    const std::function<std::vector<int>(const std::vector<array>&)>& out_axes);
}  // namespace detail

}  // namespace lmx
