// The fused rotary embedding: building the node and its rules. It is linear
// in x, so its jvp is itself applied to the tangent and its vjp the inverse
// rotation applied to the cotangent; the integer offset gets no gradient.
#include "lmx/core/rope.h"

#include "lmx/core/ops_common.h"

namespace lmx {

array fused_rope(const array& x, int dims, bool traditional, float base, float scale,
                 const array& offset, bool forward, StreamOrDevice s) {
  if (x.dtype() != float32 || x.ndim() < 2 || dims <= 0 || dims > x.shape(-1) || dims % 2 != 0) {
    fail("rope", "The fused kernel takes float32 (..., L, D) inputs with even dims <= D; got ",
         x.dtype(), " input with shape ", x.shape(), " and dims ", dims, ".");
  }
  if (offset.size() != 1 || !is_integral(offset.dtype())) {
    fail("rope", "offset must be one integer but has shape ", offset.shape(), " and dtype ",
         offset.dtype(), ".");
  }
  auto off = astype(reshape(offset, {}, s), int32, s);
  return make_node<Rope>(x.shape(), float32, {x, off}, to_stream(s), dims, traditional, base, scale,
                         forward);
}

bool Rope::is_equivalent(const Primitive& o) const {
  return state() == static_cast<const Rope&>(o).state();
}

std::vector<Shape> Rope::output_shapes(const std::vector<array>& inputs) {
  return {inputs[0].shape()};
}

std::vector<array> Rope::vjp(const std::vector<array>& primals,
                             const std::vector<array>& cotangents, const std::vector<int>& argnums,
                             const std::vector<array>&) {
  std::vector<array> out;
  for (int a : argnums) {
    out.push_back(a == 0 ? fused_rope(astype(cotangents[0], float32, stream()), dims_, traditional_,
                                      base_, scale_, primals[1], !forward_, stream())
                         : zeros_like(primals[1], stream()));
  }
  return out;
}

std::vector<array> Rope::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                             const std::vector<int>& argnums) {
  for (size_t i = 0; i < argnums.size(); ++i) {
    if (argnums[i] == 0) {
      return {fused_rope(astype(tangents[i], float32, stream()), dims_, traditional_, base_, scale_,
                         primals[1], forward_, stream())};
    }
  }
  return {zeros_like(primals[0], stream())};
}

}  // namespace lmx
