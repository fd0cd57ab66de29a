#include "lmx/nn/positional.h"

#include <cmath>
#include <stdexcept>

#include "lmx/core/error.h"
#include "lmx/core/fast.h"
#include "lmx/core/ops.h"
#include "lmx/core/utils.h"
#include "lmx/nn/layers.h"

namespace lmx::nn {

RoPE::RoPE(int dims, bool traditional, float base, float scale)
    : dims(dims), traditional(traditional), base(base), scale(scale) {
  if (dims <= 0 || dims % 2 != 0) {
    fail("RoPE", "dims must be even and positive but got ", std::to_string(dims), ".");
  }
}
array RoPE::operator()(const array& x, int offset) {
  return fast::rope(x, dims, traditional, base, scale, offset);
}
std::string RoPE::extra_repr() const {
  return std::to_string(dims) + ", traditional=" + py_repr(traditional);
}

SinusoidalPositionalEncoding::SinusoidalPositionalEncoding(int dims, float min_freq, float max_freq,
                                                           std::optional<float> scale_,
                                                           bool cos_first, bool full_turns)
    : dims(dims),
      scale(scale_.value_or(std::sqrt(2.0f / dims))),
      cos_first(cos_first),
      sigmas(0.0f) {
  if (dims < 4 || dims % 2 != 0) {
    fail("SinusoidalPositionalEncoding", "dims must be even and at least 4 but got ",
         std::to_string(dims), ".");
  }
  int half = dims / 2;
  auto one_zero = subtract(array(1.0f), divide(arange(0, half), array(float(half - 1))));
  float lo = std::log(min_freq), hi = std::log(max_freq);
  sigmas = exp(add(multiply(one_zero, array(hi - lo)), array(lo)));
  if (full_turns) sigmas = multiply(sigmas, array(float(2 * M_PI)));
}
array SinusoidalPositionalEncoding::operator()(array x) {
  auto y = multiply(expand_dims(x, -1), sigmas);
  auto c = cos(y), s = sin(y);
  y = cos_first ? concatenate({c, s}, -1) : concatenate({s, c}, -1);
  return scale != 1.0f ? multiply(y, array(scale)) : y;
}
std::string SinusoidalPositionalEncoding::extra_repr() const {
  return "dims=" + std::to_string(dims) + ", scale=" + py_repr(scale) +
         ", cos_first=" + py_repr(cos_first);
}

array ALiBi::create_alibi_slope(int num_heads) {
  float base = std::pow(256.0f, 1.0f / float(num_heads));
  auto out = power(array(base), negative(arange(1.0, double(num_heads) + 1, float32)));
  return expand_dims(out, {1, 2});
}
array ALiBi::create_alibi_matrix(int q_len, int k_len, int num_heads, int offset, Dtype dtype) {
  auto x1 = arange(offset, q_len);
  auto x2 = arange(0, k_len);
  auto distance = negative(abs(subtract(expand_dims(x1, 1), expand_dims(x2, 0))));
  distance = expand_dims(distance, {0, 1});
  return astype(multiply(astype(distance, float32), create_alibi_slope(num_heads)), dtype);
}
array ALiBi::operator()(const array& scores, int offset, const std::optional<array>& mask) {
  if (scores.ndim() != 4) {
    fail("ALiBi", "Expected attention scores (B, H, L, S) but got shape ",
         to_string(scores.shape()), ".");
  }
  auto bias = create_alibi_matrix(scores.shape(-2) + offset, scores.shape(-1), scores.shape(1),
                                  offset, scores.dtype());
  if (mask) bias = add(bias, *mask);
  return add(scores, bias);
}

}  // namespace lmx::nn
