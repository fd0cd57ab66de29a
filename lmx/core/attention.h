// The fused float32 attention nodes (primitives.h: Attention and
// AttentionGrad), for fast::scaled_dot_product_attention, their own rules and
// importers, and the composed graph their higher-order rules differentiate.
#pragma once

#include <optional>
#include <vector>

#include "lmx/core/array.h"
#include "lmx/core/device.h"

namespace lmx {

// {o, lse} of softmax(scale q k^T + mask) v for float32 q (B, Hq, L, D),
// k (B, Hkv, S, D), v (B, Hkv, S, Dv) and an optional float32 additive mask
// of shape (B, Hq, L, S) (a broadcast view costs nothing). Checks the shapes.
std::vector<array> fused_attention(const array& q, const array& k, const array& v,
                                   const std::optional<array>& mask, float scale, bool causal,
                                   StreamOrDevice s = {});

// {dq, dk, dv} for the cotangent `d_o` of o, given the forward node's o and
// lse.
std::vector<array> fused_attention_grad(const array& q, const array& k, const array& v,
                                        const array& o, const array& lse, const array& d_o,
                                        const std::optional<array>& mask, float scale, bool causal,
                                        StreamOrDevice s = {});

// The same {o, lse} as a graph of core ops, for any float dtype (q, k, v and
// mask of one dtype): what the fused nodes' jvp and higher-order rules
// differentiate, and attention itself where the fused nodes do not apply.
// `sinks` (Hq,) adds one logit per head that takes probability mass but
// contributes no value.
std::vector<array> composed_attention(const array& q, const array& k, const array& v,
                                      const std::optional<array>& mask, float scale, bool causal,
                                      const std::optional<array>& sinks = std::nullopt,
                                      StreamOrDevice s = {});

}  // namespace lmx
