#include "lmx/core/fast.h"

#include <cmath>
#include <limits>

#include "lmx/core/attention.h"
#include "lmx/core/ops_common.h"
#include "lmx/core/rms_norm.h"
#include "lmx/core/rope.h"

namespace lmx::fast {

namespace {

// The dtype normalisation statistics are accumulated in.
Dtype stats_dtype(Dtype t) {
  return (t == float16 || t == bfloat16 || !is_inexact(t)) ? float32 : t;
}

void check_last_axis(const char* who, const array& x, const std::optional<array>& p,
                     const char* what) {
  if (x.ndim() == 0) fail(who, "Input must have at least 1 dimension but got a scalar.");
  if (p && (p->ndim() != 1 || p->shape(0) != x.shape(-1))) {
    fail(who, what, " must have shape (", x.shape(-1), ") to match input with shape ", x.shape(),
         " but has shape ", p->shape(), ".");
  }
}

// x[..., begin:end:stride]
array slice_last(const array& x, int begin, int end, int stride, StreamOrDevice s) {
  Shape b(x.ndim(), 0), e = x.shape(), st(x.ndim(), 1);
  b.back() = begin;
  e.back() = end;
  st.back() = stride;
  return slice(x, b, e, st, s);
}

}  // namespace

array rms_norm(const array& x, const std::optional<array>& weight, float eps, StreamOrDevice s) {
  check_last_axis("rms_norm", x, weight, "weight");
  if (weight && x.dtype() == float32 && weight->dtype() == float32) {
    return fused_rms_norm(x, *weight, eps, s);
  }
  auto out_dtype = weight ? promote_types(x.dtype(), weight->dtype()) : at_least_float(x.dtype());
  auto xf = astype(x, stats_dtype(out_dtype), s);
  auto ms = mean(square(xf, s), -1, true, s);
  auto y = astype(multiply(xf, rsqrt(add(ms, array(eps, ms.dtype()), s), s), s), out_dtype, s);
  return weight ? multiply(y, *weight, s) : y;
}

array layer_norm(const array& x, const std::optional<array>& weight,
                 const std::optional<array>& bias, float eps, StreamOrDevice s) {
  check_last_axis("layer_norm", x, weight, "weight");
  check_last_axis("layer_norm", x, bias, "bias");
  auto out_dtype = at_least_float(x.dtype());
  if (weight) out_dtype = promote_types(out_dtype, weight->dtype());
  if (bias) out_dtype = promote_types(out_dtype, bias->dtype());
  auto xf = astype(x, stats_dtype(out_dtype), s);
  auto mu = mean(xf, -1, true, s);
  auto centered = subtract(xf, mu, s);
  auto v = mean(square(centered, s), -1, true, s);
  auto y = astype(multiply(centered, rsqrt(add(v, array(eps, v.dtype()), s), s), s), out_dtype, s);
  if (weight) y = multiply(y, *weight, s);
  if (bias) y = add(y, *bias, s);
  return y;
}

array rope(const array& x, int dims, bool traditional, std::optional<float> base, float scale,
           const array& offset, const std::optional<array>& freqs, StreamOrDevice s) {
  if (x.ndim() < 2) {
    fail("rope", "Input must have at least 2 dimensions (..., L, D) but has shape ", x.shape(),
         ".");
  }
  int features = x.shape(-1), length = x.shape(-2);
  if (dims <= 0 || dims > features || dims % 2 != 0) {
    fail("rope", "dims must be even, positive and at most the feature size ", features, " but got ",
         dims, " for input with shape ", x.shape(), ".");
  }
  if (base.has_value() == freqs.has_value()) {
    fail("rope", "Exactly one of base and freqs must be given.");
  }
  if (offset.size() != 1 || !is_integral(offset.dtype())) {
    fail("rope", "offset must be one integer but has shape ", offset.shape(), " and dtype ",
         offset.dtype(), ".");
  }
  if (x.dtype() == float32 && !freqs) {
    return fused_rope(x, dims, traditional, *base, scale, offset, true, s);
  }
  int half = dims / 2;
  array inv_freq = array(0.0f);
  if (freqs) {
    if (freqs->ndim() != 1 || freqs->shape(0) != half) {
      fail("rope", "freqs must have shape (", half, ") but has shape ", freqs->shape(), ".");
    }
    inv_freq = reciprocal(astype(*freqs, float32, s), s);
  } else {
    inv_freq = exp(
        multiply(arange(0.0, double(half), float32, s), array(-2.0f * std::log(*base) / dims), s),
        s);
  }
  auto positions =
      add(astype(reshape(offset, {}, s), float32, s), arange(0.0, double(length), float32, s), s);
  auto theta = multiply(multiply(expand_dims(positions, 1, s), array(scale), s),
                        expand_dims(inv_freq, 0, s), s);  // (L, dims/2)
  auto dtype = at_least_float(x.dtype());
  auto cos_t = astype(cos(theta, s), dtype, s), sin_t = astype(sin(theta, s), dtype, s);
  auto xr = astype(slice_last(x, 0, dims, 1, s), dtype, s);
  // The two coordinates of each rotated pair: adjacent features, or halves.
  auto x1 = traditional ? slice_last(xr, 0, dims, 2, s) : slice_last(xr, 0, half, 1, s);
  auto x2 = traditional ? slice_last(xr, 1, dims, 2, s) : slice_last(xr, half, dims, 1, s);
  auto r1 = subtract(multiply(x1, cos_t, s), multiply(x2, sin_t, s), s);
  auto r2 = add(multiply(x1, sin_t, s), multiply(x2, cos_t, s), s);
  array rotated =
      traditional ? reshape(stack({r1, r2}, -1, s), xr.shape(), s) : concatenate({r1, r2}, -1, s);
  if (dims == features) return rotated;
  return concatenate({rotated, astype(slice_last(x, dims, features, 1, s), dtype, s)}, -1, s);
}

array rope(const array& x, int dims, bool traditional, std::optional<float> base, float scale,
           int offset, const std::optional<array>& freqs, StreamOrDevice s) {
  return rope(x, dims, traditional, base, scale, array(offset), freqs, s);
}

array scaled_dot_product_attention(const array& queries, const array& keys, const array& values,
                                   float scale, const std::string& mask_mode,
                                   const std::optional<array>& mask,
                                   const std::optional<array>& sinks, StreamOrDevice s) {
  const char* who = "scaled_dot_product_attention";
  if (queries.ndim() != 4 || keys.ndim() != 4 || values.ndim() != 4) {
    fail(who, "queries, keys and values must be (B, H, L, D); got shapes ", queries.shape(), ", ",
         keys.shape(), " and ", values.shape(), ".");
  }
  int heads = queries.shape(1), kv_heads = keys.shape(1);
  if (keys.shape(1) != values.shape(1) || keys.shape(2) != values.shape(2) ||
      keys.shape(0) != values.shape(0)) {
    fail(who, "keys with shape ", keys.shape(), " and values with shape ", values.shape(),
         " must agree in batch, heads and sequence length.");
  }
  if (queries.shape(-1) != keys.shape(-1) || queries.shape(0) != keys.shape(0)) {
    fail(who, "queries with shape ", queries.shape(), " and keys with shape ", keys.shape(),
         " must agree in batch and feature size.");
  }
  if (kv_heads == 0 || heads % kv_heads != 0) {
    fail(who, "The number of query heads (", heads, ") must be a multiple of the key/value heads (",
         kv_heads, ").");
  }
  if (!mask_mode.empty() && mask_mode != "causal" && mask_mode != "array") {
    fail(who, "mask_mode must be '', 'causal' or 'array' but got '", mask_mode, "'.");
  }
  if (mask_mode == "causal" && mask) fail(who, "A causal mask_mode cannot also take a mask array.");
  if (mask_mode == "array" && !mask) fail(who, "mask_mode 'array' needs a mask array.");
  auto dtype = promote_types(queries.dtype(), promote_types(keys.dtype(), values.dtype()));
  if (!is_floating_point(dtype)) fail(who, "Inputs must be floating point but got ", dtype, ".");
  int batch = queries.shape(0), length = queries.shape(2), src = keys.shape(2);
  auto q = astype(queries, dtype, s), k = astype(keys, dtype, s), v = astype(values, dtype, s);
  // The mask as an additive one of the scores' dtype, broadcast to their shape.
  std::optional<array> additive;
  if (mask) {
    Shape target{batch, heads, length, src};
    bool fits = mask->ndim() <= 4;
    for (int i = 1; fits && i <= mask->ndim(); ++i) {
      int m = mask->shape(-i);
      fits = m == 1 || m == target[4 - i];
    }
    if (!fits) {
      fail(who, "mask with shape ", mask->shape(), " does not broadcast to the scores' shape ",
           target, ".");
    }
    auto m = mask->dtype() == bool_
                 ? where(*mask, array(0.0, dtype),
                         array(-std::numeric_limits<double>::infinity(), dtype), s)
                 : astype(*mask, dtype, s);
    additive = broadcast_to(m, target, s);
  }
  if (sinks && (sinks->ndim() != 1 || sinks->shape(0) != heads)) {
    fail(who, "sinks must have shape (", heads, ") but has shape ", sinks->shape(), ".");
  }
  bool causal = mask_mode == "causal";
  // float32 attention without sinks on the CPU is one fused node.
  if (dtype == float32 && !sinks && to_stream(s).device.type == Device::cpu) {
    return lmx::fused_attention(q, k, v, additive, scale, causal, s)[0];
  }
  return composed_attention(q, k, v, additive, scale, causal, sinks, s)[0];
}

}  // namespace lmx::fast
