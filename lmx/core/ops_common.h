// Helpers shared by the ops_*.cpp files (internal).
#pragma once

#include <memory>
#include <sstream>
#include <stdexcept>

#include "lmx/core/error.h"
#include "lmx/core/ops.h"
#include "lmx/core/primitives.h"
#include "lmx/core/sizes.h"
#include "lmx/core/utils.h"

namespace lmx {

template <typename P, typename... Args>
array make_node(Shape shape, Dtype dtype, std::vector<array> inputs, Stream s, Args&&... args) {
  return array(std::move(shape), dtype, std::make_shared<P>(s, std::forward<Args>(args)...),
               std::move(inputs));
}

// The dtype float ops compute in: inexact inputs keep theirs, others get float32.
inline Dtype at_least_float(Dtype t) {
  return is_inexact(t) ? t : float32;
}

array unary_op(const array& a, UnaryOp op, Dtype out_dtype, StreamOrDevice s);
array binary_op(const array& a, const array& b, BinaryOp op, Dtype compute, Dtype out,
                StreamOrDevice s);

// Sums `x` down to `shape` (the inverse of broadcasting), for gradients.
array unbroadcast(const array& x, const Shape& shape, StreamOrDevice s = {});

// For jvp rules that differentiate a function of all of a node's inputs:
// a tangent for every primal, the given ones (at argnums, in their primal's
// dtype) and zeros elsewhere.
std::vector<array> tangents_for_all(const std::vector<array>& primals,
                                    const std::vector<array>& tangents,
                                    const std::vector<int>& argnums, StreamOrDevice s = {});

// The entries of `all` (one per input) that argnums asks for, in its order.
std::vector<array> at_argnums(const std::vector<array>& all, const std::vector<int>& argnums);

}  // namespace lmx

namespace lmx {
array scatter_add_axis(const array& a, const array& indices, const array& values, int axis,
                       StreamOrDevice s = {});
}  // namespace lmx
