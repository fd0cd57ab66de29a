#include "lmx/nn/init.h"

#include <cmath>
#include <numeric>

#include "lmx/core/error.h"
#include "lmx/core/ops.h"
#include "lmx/core/random.h"
#include "lmx/core/utils.h"

namespace lmx::nn::init {

namespace {

std::pair<double, double> fan_in_fan_out(const array& a, const char* who) {
  if (a.ndim() < 2) {
    fail(who, "Glorot and He initialisation need at least 2 dimensions, got shape " +
                  to_string(a.shape()) + ".");
  }
  if (a.ndim() == 2) return {a.shape(1), a.shape(0)};
  double receptive = 1;
  for (int i = 1; i < a.ndim() - 1; ++i) receptive *= a.shape(i);
  return {a.shape(-1) * receptive, a.shape(0) * receptive};
}

double fan_for(const array& a, const std::string& mode, const char* who) {
  auto [fi, fo] = fan_in_fan_out(a, who);
  if (mode == "fan_in") return fi;
  if (mode == "fan_out") return fo;
  fail(who, "Invalid mode '" + mode + "'; must be 'fan_in' or 'fan_out'.");
}

}  // namespace

Initializer constant(float value, Dtype dtype) {
  return [=](const array& a) { return full(a.shape(), value, dtype); };
}

Initializer normal(float mean, float std, Dtype dtype) {
  return [=](const array& a) { return random::normal(a.shape(), dtype, mean, std); };
}

Initializer uniform(float low, float high, Dtype dtype) {
  return [=](const array& a) { return random::uniform(array(low), array(high), a.shape(), dtype); };
}

Initializer identity(Dtype dtype) {
  return [=](const array& a) {
    if (a.ndim() != 2 || a.shape(0) != a.shape(1)) {
      fail("identity",
           "The input array must be a square 2-D array, got shape " + to_string(a.shape()) + ".");
    }
    return eye(a.shape(0), dtype);
  };
}

Initializer glorot_normal(Dtype dtype, float gain) {
  return [=](const array& a) {
    auto [fi, fo] = fan_in_fan_out(a, "glorot_normal");
    float std = gain * static_cast<float>(std::sqrt(2.0 / (fi + fo)));
    return random::normal(a.shape(), dtype, 0.0f, std);
  };
}

Initializer glorot_uniform(Dtype dtype, float gain) {
  return [=](const array& a) {
    auto [fi, fo] = fan_in_fan_out(a, "glorot_uniform");
    float limit = gain * static_cast<float>(std::sqrt(6.0 / (fi + fo)));
    return random::uniform(array(-limit), array(limit), a.shape(), dtype);
  };
}

Initializer he_normal(Dtype dtype, const std::string& mode, float gain) {
  return [=](const array& a) {
    float std = gain / static_cast<float>(std::sqrt(fan_for(a, mode, "he_normal")));
    return random::normal(a.shape(), dtype, 0.0f, std);
  };
}

Initializer he_uniform(Dtype dtype, const std::string& mode, float gain) {
  return [=](const array& a) {
    float limit = gain * static_cast<float>(std::sqrt(3.0 / fan_for(a, mode, "he_uniform")));
    return random::uniform(array(-limit), array(limit), a.shape(), dtype);
  };
}

Initializer sparse(float sparsity, float mean, float std, Dtype dtype) {
  return [=](const array& a) {
    if (a.ndim() != 2)
      fail("sparse", "Only 2-D arrays are supported, got shape " + to_string(a.shape()) + ".");
    if (sparsity < 0 || sparsity > 1) fail("sparse", "Sparsity must be in [0, 1].");
    int rows = a.shape(0), cols = a.shape(1);
    int num_zeros = static_cast<int>(std::ceil(sparsity * rows));
    auto values = random::normal(a.shape(), dtype, mean, std);
    // Per column, the rows ranked lowest by a random key are zeroed.
    auto order = argsort(argsort(random::uniform({rows, cols}), 0), 0);
    auto keep = greater_equal(order, array(static_cast<uint32_t>(num_zeros)));
    return where(keep, values, zeros({}, dtype));
  };
}

Initializer orthogonal(float gain, Dtype dtype) {
  return [=](const array& a) {
    if (a.ndim() != 2)
      fail("orthogonal", "Only 2-D arrays are supported, got shape " + to_string(a.shape()) + ".");
    int rows = a.shape(0), cols = a.shape(1);
    // Orthonormalise the rows (or columns) of a Gaussian matrix with modified
    // Gram-Schmidt in double precision.
    bool tall = rows >= cols;
    int n = tall ? rows : cols, k = tall ? cols : rows;
    auto g = random::normal({k, n}, float64);
    g.eval();
    std::vector<double> m(g.data<double>(), g.data<double>() + g.size());
    for (int i = 0; i < k; ++i) {
      double* vi = &m[size_t(i) * n];
      for (int j = 0; j < i; ++j) {
        const double* vj = &m[size_t(j) * n];
        double dot = 0;
        for (int t = 0; t < n; ++t) dot += vi[t] * vj[t];
        for (int t = 0; t < n; ++t) vi[t] -= dot * vj[t];
      }
      double norm = 0;
      for (int t = 0; t < n; ++t) norm += vi[t] * vi[t];
      norm = std::sqrt(norm);
      for (int t = 0; t < n; ++t) vi[t] /= norm;
    }
    array q(m.begin(), {k, n}, float64);
    array out = tall ? transpose(q) : q;
    return astype(multiply(out, array(double(gain))), dtype);
  };
}

}  // namespace lmx::nn::init
