// Parameter initialisers (nn::init): each returns a function that maps an
// array to a new array of the same shape.
#pragma once

#include <functional>
#include <string>

#include "lmx/core/array.h"

namespace lmx::nn::init {

using Initializer = std::function<array(const array&)>;

Initializer constant(float value, Dtype dtype = float32);
Initializer normal(float mean = 0.0f, float std = 1.0f, Dtype dtype = float32);
Initializer uniform(float low = 0.0f, float high = 1.0f, Dtype dtype = float32);
// The identity matrix for square 2-D arrays.
Initializer identity(Dtype dtype = float32);
// MLX passes gain (and mode) when calling the initializer; here they are fixed
// when it is made.
Initializer glorot_normal(Dtype dtype = float32, float gain = 1.0f);
Initializer glorot_uniform(Dtype dtype = float32, float gain = 1.0f);
Initializer he_normal(Dtype dtype = float32, const std::string& mode = "fan_in", float gain = 1.0f);
Initializer he_uniform(Dtype dtype = float32, const std::string& mode = "fan_in",
                       float gain = 1.0f);
// Zeroes a fraction `sparsity` of each column of a 2-D array, the rest N(mean, std).
Initializer sparse(float sparsity, float mean = 0.0f, float std = 1.0f, Dtype dtype = float32);
// A (semi-)orthogonal matrix scaled by gain.
Initializer orthogonal(float gain = 1.0f, Dtype dtype = float32);

}  // namespace lmx::nn::init
