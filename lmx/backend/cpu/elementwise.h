// Elementwise kernels shared by the primitives and by compiled (fused)
// graphs. `out` must already have storage; inputs broadcast to out's shape.
#pragma once

#include "lmx/backend/cpu/isa.h"
#include "lmx/core/array.h"
#include "lmx/core/primitives.h"

namespace lmx::cpu {
// Rows of float32 elements for fused chains (compiled.cpp), with the op's own
// kernel: o[i] = op(x[i * sx], y[i * sy]) for strides of 0 or 1, and
// o[i] = op(x[i]). Null for ops without a float32 -> float32 form.
using FloatBinaryRow = void (*)(const float* x, int64_t sx, const float* y, int64_t sy, float* o,
                                int64_t n);
using FloatUnaryRow = void (*)(const float* x, float* o, int64_t n);
}  // namespace lmx::cpu

// In lmx::cpu each runs the active instruction set's kernel, kept in
// lmx::cpu::<set> (isa.h).
#define LMX_ELEMENTWISE_KERNELS                                                          \
  void apply_unary(UnaryOp op, const array& in, array& out);                             \
  void apply_binary(BinaryOp op, const array& a, const array& b, array& out);            \
  void apply_select(const array& condition, const array& x, const array& y, array& out); \
  FloatBinaryRow float_binary_row(BinaryOp op);                                          \
  FloatUnaryRow float_unary_row(UnaryOp op);
#define LMX_ELEMENTWISE_KERNELS_IN(ns) \
  namespace lmx::cpu::ns {             \
  LMX_ELEMENTWISE_KERNELS              \
  }
LMX_FOR_EACH_ISA(LMX_ELEMENTWISE_KERNELS_IN)
namespace lmx::cpu {
LMX_ELEMENTWISE_KERNELS
}
#undef LMX_ELEMENTWISE_KERNELS_IN
#undef LMX_ELEMENTWISE_KERNELS
