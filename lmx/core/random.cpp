#include "lmx/core/random.h"

#include <chrono>
#include <cmath>
#include <mutex>

#include "lmx/core/ops_common.h"
#include "lmx/core/threefry.h"

namespace lmx::random {

namespace {

// The global key: each draw without an explicit key takes a fresh subkey.
// Subkeys are derived on the host, so the sequence never grows a lazy graph.
class KeySequence {
 public:
  explicit KeySequence(uint64_t seed) { reseed(seed); }
  void reseed(uint64_t seed) {
    std::lock_guard<std::mutex> lock(mutex_);
    key_ = {static_cast<uint32_t>(seed >> 32), static_cast<uint32_t>(seed)};
    counter_ = 0;
  }
  array next() {
    std::lock_guard<std::mutex> lock(mutex_);
    auto k = threefry2x32(key_, {counter_++, 0x6b657973u});
    return array({k[0], k[1]}, uint32);
  }

 private:
  std::mutex mutex_;
  std::array<uint32_t, 2> key_{};
  uint32_t counter_ = 0;
};

KeySequence& key_sequence() {
  static KeySequence seq(
      static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()));
  return seq;
}

array get_key(const std::optional<array>& key, const char* who) {
  if (!key) return key_sequence().next();
  if (key->dtype() != uint32 || key->shape() != Shape{2}) {
    fail(who, "Expected key of shape (2,) and dtype uint32, got shape ", key->shape(),
         " and dtype ", key->dtype(), ".");
  }
  return *key;
}

void check_float(Dtype t, const char* who) {
  if (!is_floating_point(t))
    fail(who, "Can only generate uniform numbers with real floating point type, got ", t, ".");
}

// Uniform floats in [0, 1) with 23 random bits (exact in float32).
array unit_uniform(const Shape& shape, const std::optional<array>& key, StreamOrDevice s) {
  auto b = bits(shape, 4, key, s);
  auto mantissa = right_shift(b, array(9u, uint32), s);
  return multiply(astype(mantissa, float32, s), array(1.0f / (1 << 23)), s);
}

}  // namespace

void seed(uint64_t seed) {
  key_sequence().reseed(seed);
}

array key(uint64_t seed) {
  return array({static_cast<uint32_t>(seed >> 32), static_cast<uint32_t>(seed)}, uint32);
}

array bits(const Shape& shape, int width, const std::optional<array>& key_in, StreamOrDevice s) {
  if (width != 1 && width != 2 && width != 4) {
    fail("bits", "Width must be 1, 2 or 4 bytes, got ", width, ".");
  }
  for (auto d : shape) {
    if (d < 0) fail("bits", "Negative dimensions not allowed, got shape ", shape, ".");
  }
  auto k = get_key(key_in, "bits");
  Dtype t = width == 4 ? uint32 : width == 2 ? uint16 : uint8;
  return make_node<RandomBits>(shape, t, {k}, to_stream(s), shape, width);
}

array split(const array& k, int num, StreamOrDevice s) {
  if (num < 1) fail("split", "Number of keys must be positive, got ", num, ".");
  auto kk = get_key(k, "split");
  return reshape(bits({num * 2}, 4, kk, s), {num, 2}, s);
}

std::pair<array, array> split(const array& k, StreamOrDevice s) {
  auto keys = random::split(k, 2, s);
  return {take(keys, 0, 0, s), take(keys, 1, 0, s)};
}

array uniform(const array& low, const array& high, const Shape& shape, Dtype dtype,
              const std::optional<array>& key, StreamOrDevice s) {
  check_float(dtype, "uniform");
  Shape out_shape;
  try {
    out_shape = broadcast_shapes(broadcast_shapes(low.shape(), high.shape()), shape);
  } catch (const std::invalid_argument&) {
    fail("uniform", "Cannot generate random values of shape ", shape,
         " from broadcasted shape of low ", low.shape(), " and high ", high.shape(), ".");
  }
  if (out_shape != shape) {
    fail("uniform", "Cannot generate random values of shape ", shape, " from broadcasted shape ",
         out_shape, ".");
  }
  Dtype ct = dtype == float64 ? float64 : float32;
  auto lo = astype(low, ct, s), hi = astype(high, ct, s);
  auto u = astype(unit_uniform(shape, get_key(key, "uniform"), s), ct, s);
  auto out = add(multiply(subtract(hi, lo, s), u, s), lo, s);
  if (dtype == ct) return out;
  // Rounding to a narrower dtype must not reach the open upper bound.
  out = astype(out, dtype, s);
  return where(greater_equal(out, astype(hi, dtype, s), s), astype(lo, dtype, s), out, s);
}

array uniform(const Shape& shape, Dtype dtype, const std::optional<array>& key, StreamOrDevice s) {
  return uniform(array(0.0f), array(1.0f), shape, dtype, key, s);
}
array uniform(const Shape& shape, const std::optional<array>& key, StreamOrDevice s) {
  return uniform(shape, float32, key, s);
}

array normal(const Shape& shape, Dtype dtype, const std::optional<array>& loc,
             const std::optional<array>& scale, const std::optional<array>& key, StreamOrDevice s) {
  check_float(dtype, "normal");
  Dtype ct = dtype == float64 ? float64 : float32;
  auto low = array(std::nextafter(-1.0f, 0.0f));
  auto u = uniform(low, array(1.0f), shape, ct, key, s);
  auto out = multiply(array(std::sqrt(2.0), ct), erfinv(u, s), s);
  if (scale) out = multiply(out, astype(*scale, ct, s), s);
  if (loc) out = add(out, astype(*loc, ct, s), s);
  if (out.shape() != shape) out = broadcast_to(out, shape, s);
  return astype(out, dtype, s);
}
array normal(const Shape& shape, Dtype dtype, float loc, float scale,
             const std::optional<array>& key, StreamOrDevice s) {
  std::optional<array> l, sc;
  if (loc != 0.0f) l = array(loc);
  if (scale != 1.0f) sc = array(scale);
  return normal(shape, dtype, l, sc, key, s);
}
array normal(const Shape& shape, Dtype dtype, const std::optional<array>& key, StreamOrDevice s) {
  return normal(shape, dtype, 0.0f, 1.0f, key, s);
}
array normal(const Shape& shape, const std::optional<array>& key, StreamOrDevice s) {
  return normal(shape, float32, 0.0f, 1.0f, key, s);
}
array normal(const Shape& shape, float loc, float scale, const std::optional<array>& key,
             StreamOrDevice s) {
  return normal(shape, float32, loc, scale, key, s);
}

array randint(const array& low, const array& high, const Shape& shape, Dtype dtype,
              const std::optional<array>& key, StreamOrDevice s) {
  if (!is_integral(dtype)) fail("randint", "randint only accepts integer dtypes, got ", dtype, ".");
  auto u = uniform(low, high, shape, float32, key, s);
  return astype(maximum(floor(u, s), astype(low, float32, s), s), dtype, s);
}

array bernoulli(const array& p, const Shape& shape, const std::optional<array>& key,
                StreamOrDevice s) {
  if (!is_floating_point(p.dtype()) && !is_integral(p.dtype())) {
    fail("bernoulli", "bernoulli probability `p` must be a float or int, got ", p.dtype(), ".");
  }
  Shape bs;
  try {
    bs = broadcast_shapes(p.shape(), shape);
  } catch (const std::invalid_argument&) {
    fail("bernoulli", "Shape of p ", p.shape(), " cannot be broadcast to ", shape, ".");
  }
  if (bs != shape)
    fail("bernoulli", "Shape of p ", p.shape(), " cannot be broadcast to ", shape, ".");
  return less(uniform(shape, float32, key, s), p, s);
}
array bernoulli(const array& p, const std::optional<array>& key, StreamOrDevice s) {
  return bernoulli(p, p.shape(), key, s);
}
array bernoulli(const std::optional<array>& key, StreamOrDevice s) {
  return bernoulli(array(0.5f), Shape{}, key, s);
}

array truncated_normal(const array& lower, const array& upper, const Shape& shape, Dtype dtype,
                       const std::optional<array>& key, StreamOrDevice s) {
  check_float(dtype, "truncated_normal");
  Dtype ct = dtype == float64 ? float64 : float32;
  auto sqrt2 = array(std::sqrt(2.0), ct);
  auto lo = astype(lower, ct, s), hi = astype(upper, ct, s);
  auto lo_t = erf(divide(lo, sqrt2, s), s);
  auto hi_t = erf(divide(hi, sqrt2, s), s);
  auto u = uniform(lo_t, hi_t, shape, ct, key, s);
  auto out = multiply(sqrt2, erfinv(u, s), s);
  return astype(clip(out, lo, hi, s), dtype, s);
}
array truncated_normal(const array& lower, const array& upper, Dtype dtype,
                       const std::optional<array>& key, StreamOrDevice s) {
  return truncated_normal(lower, upper, broadcast_shapes(lower.shape(), upper.shape()), dtype, key,
                          s);
}

array gumbel(const Shape& shape, Dtype dtype, const std::optional<array>& key, StreamOrDevice s) {
  check_float(dtype, "gumbel");
  auto u = uniform(array(std::numeric_limits<float>::min()), array(1.0f), shape, float32, key, s);
  return astype(negative(log(negative(log(u, s), s), s), s), dtype, s);
}

array categorical(const array& logits, int axis, const Shape& shape,
                  const std::optional<array>& key, StreamOrDevice s) {
  axis = normalize_axis(axis, logits.ndim(), "categorical");
  auto lg = moveaxis(logits, axis, -1, s);
  Shape batch(lg.shape().begin(), lg.shape().end() - 1);
  Shape bs;
  try {
    bs = broadcast_shapes(shape, batch);
  } catch (const std::invalid_argument&) {
    fail("categorical", "Shape ", shape, " is not broadcast compatible with batch shape ", batch,
         ".");
  }
  if (bs != shape) {
    fail("categorical", "Shape ", shape, " is not broadcast compatible with batch shape ", batch,
         ".");
  }
  Shape full_shape = shape;
  full_shape.push_back(lg.shape(-1));
  auto g = gumbel(full_shape, float32, key, s);
  return argmax(add(astype(lg, float32, s), g, s), -1, false, s);
}
array categorical(const array& logits, int axis, int num_samples, const std::optional<array>& key,
                  StreamOrDevice s) {
  axis = normalize_axis(axis, logits.ndim(), "categorical");
  auto lg = expand_dims(moveaxis(logits, axis, -1, s), -2, s);
  Shape full_shape = lg.shape();
  full_shape[full_shape.size() - 2] = num_samples;
  auto g = gumbel(full_shape, float32, key, s);
  return argmax(add(astype(lg, float32, s), g, s), -1, false, s);
}
array categorical(const array& logits, int axis, const std::optional<array>& key,
                  StreamOrDevice s) {
  axis = normalize_axis(axis, logits.ndim(), "categorical");
  Shape shape = logits.shape();
  shape.erase(shape.begin() + axis);
  return categorical(logits, axis, shape, key, s);
}

array laplace(const Shape& shape, Dtype dtype, float loc, float scale,
              const std::optional<array>& key, StreamOrDevice s) {
  check_float(dtype, "laplace");
  auto u = uniform(array(std::nextafter(-1.0f, 0.0f)), array(1.0f), shape, float32, key, s);
  auto out = negative(multiply(sign(u, s), log1p(negative(abs(u, s), s), s), s), s);
  out = add(multiply(out, array(scale), s), array(loc), s);
  return astype(out, dtype, s);
}
array laplace(const Shape& shape, Dtype dtype, const std::optional<array>& key, StreamOrDevice s) {
  return laplace(shape, dtype, 0.0f, 1.0f, key, s);
}

array permutation(int n, const std::optional<array>& key, StreamOrDevice s) {
  if (n < 0) fail("permutation", "Size must be non-negative, got ", n, ".");
  return astype(argsort(bits({n}, 4, key, s), 0, s), int32, s);
}
array permutation(const array& x, int axis, const std::optional<array>& key, StreamOrDevice s) {
  axis = normalize_axis(axis, x.ndim(), "permutation");
  return take(x, permutation(x.shape(axis), key, s), axis, s);
}

}  // namespace lmx::random
