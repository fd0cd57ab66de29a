// Elementwise kernels shared by the primitives and by compiled (fused)
// graphs. `out` must already have storage; inputs broadcast to out's shape.
#pragma once

#include "lmx/core/array.h"
#include "lmx/core/primitives.h"

namespace lmx::cpu {

void apply_unary(UnaryOp op, const array& in, array& out);
void apply_binary(BinaryOp op, const array& a, const array& b, array& out);
void apply_select(const array& condition, const array& x, const array& y, array& out);

}  // namespace lmx::cpu
