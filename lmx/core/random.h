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

array bits(const Shape& shape, int width = 4, const std::optional<array>& key = std::nullopt,
           SOD s = {});
array uniform(const array& low, const array& high, const Shape& shape, Dtype dtype = float32,
              const std::optional<array>& key = std::nullopt, SOD s = {});
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
array randint(const array& low, const array& high, const Shape& shape, Dtype dtype = int32,
              const std::optional<array>& key = std::nullopt, SOD s = {});
array bernoulli(const array& p, const Shape& shape, const std::optional<array>& key = std::nullopt,
                SOD s = {});
array bernoulli(const array& p, const std::optional<array>& key = std::nullopt, SOD s = {});
array bernoulli(const std::optional<array>& key = std::nullopt, SOD s = {});
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
array laplace(const Shape& shape, Dtype dtype = float32,
              const std::optional<array>& key = std::nullopt, SOD s = {});
array permutation(int n, const std::optional<array>& key = std::nullopt, SOD s = {});
array permutation(const array& x, int axis = 0, const std::optional<array>& key = std::nullopt,
                  SOD s = {});

}  // namespace lmx::random
