// Checks of the nodes an exported-function file describes (internal to
// lmx/io; export.cpp runs them on every node it rebuilds).
#pragma once

#include <vector>

#include "lmx/core/primitives.h"

namespace lmx::io {

// The node's parameters against its inputs, before a shape rule or a kernel
// reads them, and its output dtypes against what its kernel writes. Throws
// std::invalid_argument naming the primitive.
void check_node(const Primitive& p, const std::vector<array>& inputs,
                const std::vector<Dtype>& output_dtypes);

// The output shapes the kernel of a primitive without an output_shapes rule
// writes for these inputs (for factorizations, what the op that builds them
// makes). Throws for a primitive it does not know.
std::vector<Shape> kernel_output_shapes(const Primitive& p, const std::vector<array>& inputs,
                                        const std::vector<Dtype>& output_dtypes);

}  // namespace lmx::io
