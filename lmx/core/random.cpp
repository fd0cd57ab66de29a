#include "lmx/core/random.h"

#include <chrono>
#include <cmath>
#include <mutex>

#include "lmx/core/linalg.h"
#include "lmx/core/ops_common.h"
#include "lmx/core/threefry.h"

namespace lmx::random {

namespace {

// The global key: each draw without an explicit key splits it, keeps the
// first half as the new key and uses the second (as MLX, so `seed(n)` gives
// MLX's sequence). The split is computed on the host with the layout of
// RandomBits, so the sequence never grows a lazy graph.
class KeySequence {
 public:
  explicit KeySequence(uint64_t seed) { reseed(seed); }
  void reseed(uint64_t seed) {
    std::lock_guard<std::mutex> lock(mutex_);
    key_ = {static_cast<uint32_t>(seed >> 32), static_cast<uint32_t>(seed)};
  }
  array next() {
    std::lock_guard<std::mutex> lock(mutex_);
    // split(key) is bits({2, 2}): words (0, 2) from counters (0, 2), (1, 3)
    // from (1, 3); row 0 is words 0 and 1, row 1 words 2 and 3.
    auto a = threefry2x32(key_, {0, 2});
    auto b = threefry2x32(key_, {1, 3});
    key_ = {a[0], b[0]};
    return array({a[1], b[1]}, uint32);
  }

 private:
  std::mutex mutex_;
  std::array<uint32_t, 2> key_{};
};

KeySequence& key_sequence() {
  static KeySequence seq(
      static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()));
  return seq;
}

array get_key(const std::optional<array>& key) {
  if (!key) return key_sequence().next();
  if (key->dtype() != uint32)
    fail("bits", "Expected key type uint32 but received ", key->dtype(), ".");
  if (key->shape() != Shape{2})
    fail("bits", "Expected key shape (2) but received ", key->shape(), ".");
  return *key;
}

// The largest value below one in `dtype`, as a float32 (uniform's samples lie
// in [0, below_one], so that low + range * u < high after rounding to dtype).
array below_one(Dtype dtype) {
  if (dtype == float16) return array(1.0f - 0x1p-11f);  // 0x3BFF
  if (dtype == bfloat16) return array(1.0f - 0x1p-8f);  // 0x3F7F
  if (dtype == float64) return array(std::nextafter(1.0, 0.0), float64);
  return array(std::nextafter(1.0f, 0.0f));
}

}  // namespace

void seed(uint64_t seed) {
  key_sequence().reseed(seed);
}

array key(uint64_t seed) {
  return array({static_cast<uint32_t>(seed >> 32), static_cast<uint32_t>(seed)}, uint32);
}

array bits(const Shape& shape, int width, const std::optional<array>& key_in, StreamOrDevice s) {
  auto k = get_key(key_in);
  if (width != 1 && width != 2 && width != 4) {
    fail("bits", "Bit width must be in {1, 2, 4} but got ", width, ".");
  }
  for (auto d : shape) {
    if (d < 0) fail("bits", "Negative dimensions not allowed, got shape ", shape, ".");
  }
  Dtype t = width == 4 ? uint32 : width == 2 ? uint16 : uint8;
  return make_node<RandomBits>(shape, t, {k}, to_stream(s), shape, width);
}

array split(const array& k, int num, StreamOrDevice s) {
  return bits({num, 2}, 4, k, s);
}

std::pair<array, array> split(const array& k, StreamOrDevice s) {
  auto keys = random::split(k, 2, s);
  return {take(keys, 0, 0, s), take(keys, 1, 0, s)};
}

array uniform(const array& low, const array& high, const Shape& shape, Dtype dtype,
              const std::optional<array>& key, StreamOrDevice s) {
  if (!is_floating_point(dtype)) {
    fail("uniform", "Can only generate uniform numbers with real floating point type.");
  }
  auto lo = astype(low, dtype, s), hi = astype(high, dtype, s);
  auto range = subtract(hi, lo, s);
  auto out_shape = broadcast_shapes(shape, range.shape());
  if (out_shape != shape) {
    fail("uniform", "Cannot generate random values of shape ", shape, " from broadcasted shape ",
         out_shape, ".");
  }
  // 32 random bits scaled to [0, 1] in float32 (float64 keeps the division
  // exact), capped below one.
  Dtype ct = dtype == float64 ? float64 : float32;
  auto maxval = array(static_cast<double>(std::numeric_limits<uint32_t>::max()), ct);
  auto u = divide(bits(shape, 4, key, s), maxval, s);
  u = astype(minimum(u, below_one(dtype), s), dtype, s);
  return add(multiply(range, u, s), lo, s);
}

array uniform(const Shape& shape, Dtype dtype, const std::optional<array>& key, StreamOrDevice s) {
  return uniform(array(0.0, dtype), array(1.0, dtype), shape, dtype, key, s);
}
array uniform(const Shape& shape, const std::optional<array>& key, StreamOrDevice s) {
  return uniform(shape, float32, key, s);
}

namespace {

// Uniform in (-1, 1): erfinv of it is a normal sample divided by sqrt(2).
array symmetric_uniform(const Shape& shape, const std::optional<array>& key, StreamOrDevice s) {
  return uniform(array(std::nextafter(-1.0f, 0.0f)), array(1.0f), shape, float32, key, s);
}

}  // namespace

array normal(const Shape& shape, Dtype dtype, const std::optional<array>& loc,
             const std::optional<array>& scale, const std::optional<array>& key, StreamOrDevice s) {
  if (dtype == complex64) {
    // Real and imaginary parts from one draw of shape (..., 2), each of
    // variance 1/2 (as MLX).
    Shape pairs = shape;
    pairs.push_back(2);
    auto parts = erfinv(symmetric_uniform(pairs, key, s), s);
    auto re = take(parts, 0, -1, s), im = take(parts, 1, -1, s);
    auto out = add(re, multiply(im, array(complex64_t(0.0f, 1.0f)), s), s);
    if (scale) out = multiply(*scale, out, s);
    if (loc) out = add(*loc, out, s);
    return out;
  }
  if (!is_floating_point(dtype)) {
    fail("normal", "Can only generate uniform numbers with floating point type.");
  }
  auto samples = symmetric_uniform(shape, key, s);
  auto applied_scale = array(std::sqrt(2.0), dtype);
  if (scale) applied_scale = multiply(applied_scale, astype(*scale, dtype, s), s);
  samples = multiply(applied_scale, astype(erfinv(samples, s), dtype, s), s);
  if (loc) samples = add(astype(*loc, dtype, s), samples, s);
  return samples;
}
array multivariate_normal(const array& mean, const array& cov, const Shape& shape, Dtype dtype,
                          const std::optional<array>& key, StreamOrDevice s) {
  const char* who = "multivariate_normal";
  if (dtype != float32) fail(who, "dtype must be float32.");
  if (mean.ndim() < 1) fail(who, "mean must have at least one dimension.");
  if (cov.ndim() < 2) fail(who, "cov must have at least two dimensions.");
  const int n = mean.shape(-1);
  if (cov.shape(-1) != n || cov.shape(-2) != n) {
    fail(who, "mean and cov must have compatible shapes.");
  }
  Shape batch;
  try {
    batch = broadcast_shapes(Shape(mean.shape().begin(), mean.shape().end() - 1),
                             Shape(cov.shape().begin(), cov.shape().end() - 2));
    if (!shape.empty()) batch = broadcast_shapes(batch, shape);
  } catch (const std::invalid_argument&) {
    fail(who, "The shape ", shape, " is not compatible with mean ", mean.shape(), " and cov ",
         cov.shape(), ".");
  }
  if (!shape.empty() && batch != shape) {
    fail(who, "The shape ", shape, " is not compatible with mean ", mean.shape(), " and cov ",
         cov.shape(), ".");
  }
  Shape out_shape = batch;
  out_shape.push_back(n);
  auto z = normal(out_shape, dtype, key, s);
  // cov = U diag(S) Vt; U sqrt(S) Vt is its square root, so z @ it has
  // covariance cov.
  auto usv = linalg::svd(astype(cov, float32, s), true, s);
  auto root = matmul(multiply(usv[0], expand_dims(sqrt(usv[1], s), -2, s), s), usv[2], s);
  return add(astype(mean, dtype, s), matmul(z, astype(root, dtype, s), s), s);
}

array normal(const Shape& shape, Dtype dtype, float loc, float scale,
             const std::optional<array>& key, StreamOrDevice s) {
  std::optional<array> l, sc;
  if (loc != 0.0f) l = array(loc, dtype);
  if (scale != 1.0f) sc = array(scale, dtype);
  return normal(shape, dtype, l, sc, key, s);
}
array normal(const Shape& shape, Dtype dtype, const std::optional<array>& key, StreamOrDevice s) {
  return normal(shape, dtype, std::nullopt, std::nullopt, key, s);
}
array normal(const Shape& shape, const std::optional<array>& key, StreamOrDevice s) {
  return normal(shape, float32, std::nullopt, std::nullopt, key, s);
}
array normal(const Shape& shape, float loc, float scale, const std::optional<array>& key,
             StreamOrDevice s) {
  return normal(shape, float32, loc, scale, key, s);
}

array randint(const array& low, const array& high, const Shape& shape, Dtype dtype,
              const std::optional<array>& key, StreamOrDevice s) {
  if (is_inexact(dtype)) {
    fail("randint", "randint only accepts integer dtypes and bool.");
  }
  auto u = uniform(low, high, shape, float32, key, s);
  return astype(maximum(floor(u, s), astype(low, float32, s), s), dtype, s);
}

array bernoulli(const array& p, const Shape& shape, const std::optional<array>& key,
                StreamOrDevice s) {
  if (!is_floating_point(p.dtype())) {
    fail("bernoulli", "bernoulli probability `p` must be a float type.");
  }
  // p on the scale of the bits, [0, just above UINT32_MAX]: p >= 1 gives all
  // true and p <= 0 all false.
  auto upper = array(std::nextafter(static_cast<float>(std::numeric_limits<uint32_t>::max()),
                                    std::numeric_limits<float>::max()));
  auto b = bits(shape, 4, key, s);
  Shape bs;
  try {
    bs = broadcast_shapes(b.shape(), p.shape());
  } catch (const std::invalid_argument&) {
    bs = {};
  }
  if (bs != shape) {
    fail("bernoulli", "shape of `p` is incompatible with argument `shape`.");
  }
  return less(b, multiply(p, upper, s), s);
}
array bernoulli(const array& p, const std::optional<array>& key, StreamOrDevice s) {
  return bernoulli(p, p.shape(), key, s);
}
array bernoulli(const std::optional<array>& key, StreamOrDevice s) {
  return bernoulli(array(0.5f), Shape{}, key, s);
}

array truncated_normal(const array& lower, const array& upper, const Shape& shape, Dtype dtype,
                       const std::optional<array>& key, StreamOrDevice s) {
  if (!is_floating_point(dtype)) {
    fail("trunc_normal", "trunc_normal only accepts floating point dtypes.");
  }
  auto sqrt2 = array(std::sqrt(2.0), dtype);
  auto lo = astype(lower, dtype, s), hi = astype(upper, dtype, s);
  auto a = erf(divide(lo, sqrt2, s), s);
  auto b = erf(divide(hi, sqrt2, s), s);
  auto out = multiply(sqrt2, erfinv(uniform(a, b, shape, dtype, key, s), s), s);
  return maximum(minimum(hi, out, s), lo, s);
}
array truncated_normal(const array& lower, const array& upper, Dtype dtype,
                       const std::optional<array>& key, StreamOrDevice s) {
  return truncated_normal(lower, upper, broadcast_shapes(lower.shape(), upper.shape()), dtype, key,
                          s);
}

array gumbel(const Shape& shape, Dtype dtype, const std::optional<array>& key, StreamOrDevice s) {
  return negative(log(negative(log(uniform(shape, dtype, key, s), s), s), s), s);
}

namespace {

int categorical_axis(int axis, int ndim) {
  int ax = axis < 0 ? axis + ndim : axis;
  if (ax < 0 || ax >= ndim) {
    fail("categorical", "Invalid axis ", axis, " for logits with ", ndim, " dimensions.");
  }
  return ax;
}

// Gumbel-max sampling: `shape` is the sample shape; the categories axis of
// the noise sits where `axis` lands once logits broadcast against it.
array categorical_samples(const array& logits, int axis, const Shape& shape,
                          const std::optional<array>& key, StreamOrDevice s) {
  Shape noise_shape = shape;
  int at = axis + static_cast<int>(shape.size()) - logits.ndim() + 1;
  noise_shape.insert(noise_shape.begin() + at, logits.shape(axis));
  auto g = gumbel(noise_shape, float32, key, s);
  return argmax(add(g, logits, s), at, false, s);
}

}  // namespace

array categorical(const array& logits, int axis, const Shape& shape,
                  const std::optional<array>& key, StreamOrDevice s) {
  axis = categorical_axis(axis, logits.ndim());
  Shape reduced = logits.shape();
  reduced.erase(reduced.begin() + axis);
  Shape bs;
  try {
    bs = broadcast_shapes(shape, reduced);
  } catch (const std::invalid_argument&) {
    bs = {};
  }
  if (bs != shape) {
    fail("categorical", "Requested shape ", shape,
         " is not broadcast compatible with reduced logits shape", reduced, ".");
  }
  return categorical_samples(logits, axis, shape, key, s);
}
array categorical(const array& logits, int axis, int num_samples, const std::optional<array>& key,
                  StreamOrDevice s) {
  axis = categorical_axis(axis, logits.ndim());
  auto lg = expand_dims(logits, -1, s);
  Shape shape = lg.shape();
  shape.erase(shape.begin() + axis);
  shape.back() = num_samples;
  return categorical_samples(lg, axis, shape, key, s);
}
array categorical(const array& logits, int axis, const std::optional<array>& key,
                  StreamOrDevice s) {
  axis = categorical_axis(axis, logits.ndim());
  Shape shape = logits.shape();
  shape.erase(shape.begin() + axis);
  return categorical_samples(logits, axis, shape, key, s);
}

array laplace(const Shape& shape, Dtype dtype, float loc, float scale,
              const std::optional<array>& key, StreamOrDevice s) {
  if (!is_floating_point(dtype)) {
    fail("laplace", "Can only generate uniform numbers with real floating point type.");
  }
  // The inverse CDF on a symmetric uniform (MLX's sign convention).
  auto u = symmetric_uniform(shape, key, s);
  auto out = multiply(sign(u, s), log1p(multiply(array(-1.0f, dtype), abs(u, s), s), s), s);
  out = astype(out, dtype, s);
  if (scale != 1.0f) out = multiply(array(scale, dtype), out, s);
  if (loc != 0.0f) out = add(array(loc, dtype), out, s);
  return out;
}
array laplace(const Shape& shape, Dtype dtype, const std::optional<array>& key, StreamOrDevice s) {
  return laplace(shape, dtype, 0.0f, 1.0f, key, s);
}

array permutation(int n, const std::optional<array>& key, StreamOrDevice s) {
  if (n < 0) fail("permutation", "Size must be non-negative, got ", n, ".");
  return argsort(bits({n}, 4, key, s), 0, s);
}
array permutation(const array& x, int axis, const std::optional<array>& key, StreamOrDevice s) {
  axis = normalize_axis(axis, x.ndim(), "permutation");
  return take(x, permutation(x.shape(axis), key, s), axis, s);
}

}  // namespace lmx::random
