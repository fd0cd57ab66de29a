// MLX's fast:: ops: normalisation, rotary embeddings and attention with MLX's
// signatures. Norms and RoPE are built from core ops, so they differentiate
// and compile like any other graph. float32 attention without sinks is one
// fused node (attention.h) whose scores are never written whole; other
// dtypes and sinks take the same computation as a graph of core ops.
#pragma once

#include <optional>
#include <string>

#include "lmx/core/array.h"
#include "lmx/core/device.h"

namespace lmx::fast {

// x * rsqrt(mean(x^2, -1) + eps) * weight, computed in float32 for half types.
array rms_norm(const array& x, const std::optional<array>& weight, float eps,
               StreamOrDevice s = {});

// (x - mean) * rsqrt(var + eps) * weight + bias over the last axis.
array layer_norm(const array& x, const std::optional<array>& weight,
                 const std::optional<array>& bias, float eps, StreamOrDevice s = {});

// Rotary position embedding of the first `dims` features of x (..., L, D) at
// positions offset + [0, L). `traditional` rotates adjacent pairs, otherwise
// the two halves. Frequencies are base^(-2i/dims), or 1/freqs when given.
array rope(const array& x, int dims, bool traditional, std::optional<float> base, float scale,
           int offset, const std::optional<array>& freqs = std::nullopt, StreamOrDevice s = {});
array rope(const array& x, int dims, bool traditional, std::optional<float> base, float scale,
           const array& offset, const std::optional<array>& freqs = std::nullopt,
           StreamOrDevice s = {});

// softmax(scale * q k^T + mask) v for q (B, Hq, L, D), k and v (B, Hkv, S, D)
// with Hq a multiple of Hkv (grouped-query attention). mask_mode is "" or
// "causal" (query i sees keys j <= i + S - L); mask is additive, or boolean
// (true = attend), broadcastable to (B, Hq, L, S). `sinks` (Hq,) adds one
// logit per head that takes probability mass but contributes no value.
array scaled_dot_product_attention(const array& queries, const array& keys, const array& values,
                                   float scale, const std::string& mask_mode = "",
                                   const std::optional<array>& mask = std::nullopt,
                                   const std::optional<array>& sinks = std::nullopt,
                                   StreamOrDevice s = {});

}  // namespace lmx::fast
