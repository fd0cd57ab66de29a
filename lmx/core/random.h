// Counter-based random numbers (threefry2x32, as MLX and JAX): every draw is a
// pure function of a key, so the same seed gives the same numbers on any run
// and any thread count.
#pragma once

#include <optional>

#include "lmx/core/array.h"
#include "lmx/core/device.h"

namespace lmx::random {

using SOD = StreamOrDevice;

// The global key sequence used when no key is given.
void seed(uint64_t seed);
array key(uint64_t seed);
array split(const array& key, int num, SOD s = {});
std::pair<array, array> split(const array& key, SOD s = {});

array bits(const Shape& shape, int width, const std::optional<array>& key = std::nullopt,
           SOD s = {});
inline array bits(const Shape& shape, const std::optional<array>& key = std::nullopt, SOD s = {}) {
  return bits(shape, 4, key, s);
}
array uniform(const array& low, const array& high, const Shape& shape, Dtype dtype = float32,
              const std::optional<array>& key = std::nullopt, SOD s = {});
template <typename T, typename U>
array uniform(T low, U high, const Shape& shape, Dtype dtype = float32,
              const std::optional<array>& key = std::nullopt, SOD s = {}) {
  return uniform(array(low), array(high), shape, dtype, key, s);
}
array uniform(const Shape& shape, Dtype dtype, const std::optional<array>& key = std::nullopt,
              SOD s = {});
array uniform(const Shape& shape, const std::optional<array>& key = std::nullopt, SOD s = {});
array normal(const Shape& shape, Dtype dtype, const std::optional<array>& loc,
             const std::optional<array>& scale, const std::optional<array>& key, SOD s = {});
array normal(const Shape& shape, Dtype dtype, float loc, float scale,
             const std::optional<array>& key = std::nullopt, SOD s = {});
array normal(const Shape& shape, Dtype dtype, const std::optional<array>& key = std::nullopt,
             SOD s = {});
array normal(const Shape& shape, const std::optional<array>& key = std::nullopt, SOD s = {});
array normal(const Shape& shape, float loc, float scale,
             const std::optional<array>& key = std::nullopt, SOD s = {});
// Jointly normal samples of mean (..., n) and covariance cov (..., n, n),
// which must be positive semi-definite: shape + (n,), or the broadcast batch
// shapes + (n,) when shape is empty. float32 only (as MLX).
array multivariate_normal(const array& mean, const array& cov, const Shape& shape = {},
                          Dtype dtype = float32, const std::optional<array>& key = std::nullopt,
                          SOD s = {});
array randint(const array& low, const array& high, const Shape& shape, Dtype dtype = int32,
              const std::optional<array>& key = std::nullopt, SOD s = {});
template <typename T, typename U>
array randint(T low, U high, const Shape& shape, Dtype dtype = int32,
              const std::optional<array>& key = std::nullopt, SOD s = {}) {
  return randint(array(low), array(high), shape, dtype, key, s);
}
array bernoulli(const array& p, const Shape& shape, const std::optional<array>& key = std::nullopt,
                SOD s = {});
array bernoulli(const array& p, const std::optional<array>& key = std::nullopt, SOD s = {});
array bernoulli(const std::optional<array>& key = std::nullopt, SOD s = {});
template <typename T, typename = std::enable_if_t<is_scalar_v<T>>>
array bernoulli(T p, const std::optional<array>& key = std::nullopt, SOD s = {}) {
  return bernoulli(array(p), key, s);
}
template <typename T, typename = std::enable_if_t<is_scalar_v<T>>>
array bernoulli(T p, const Shape& shape, const std::optional<array>& key = std::nullopt,
                SOD s = {}) {
  return bernoulli(array(p), shape, key, s);
}
array truncated_normal(const array& lower, const array& upper, const Shape& shape,
                       Dtype dtype = float32, const std::optional<array>& key = std::nullopt,
                       SOD s = {});
array truncated_normal(const array& lower, const array& upper, Dtype dtype = float32,
                       const std::optional<array>& key = std::nullopt, SOD s = {});
array gumbel(const Shape& shape, Dtype dtype = float32,
             const std::optional<array>& key = std::nullopt, SOD s = {});
array categorical(const array& logits, int axis, const Shape& shape,
                  const std::optional<array>& key = std::nullopt, SOD s = {});
array categorical(const array& logits, int axis, int num_samples,
                  const std::optional<array>& key = std::nullopt, SOD s = {});
array categorical(const array& logits, int axis = -1,
                  const std::optional<array>& key = std::nullopt, SOD s = {});
array laplace(const Shape& shape, Dtype dtype, float loc, float scale,
              const std::optional<array>& key = std::nullopt, SOD s = {});
inline array laplace(const Shape& shape, float loc, float scale,
                     const std::optional<array>& key = std::nullopt, SOD s = {}) {
  return laplace(shape, float32, loc, scale, key, s);
}
array laplace(const Shape& shape, Dtype dtype, const std::optional<array>& key = std::nullopt,
              SOD s = {});
inline array laplace(const Shape& shape, const std::optional<array>& key = std::nullopt,
                     SOD s = {}) {
  return laplace(shape, float32, key, s);
}
array permutation(int n, const std::optional<array>& key = std::nullopt, SOD s = {});
array permutation(const array& x, int axis = 0, const std::optional<array>& key = std::nullopt,
                  SOD s = {});

}  // namespace lmx::random
