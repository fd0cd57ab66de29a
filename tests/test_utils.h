// Helpers for lmx tests: reading arrays back, closeness checks, exception
// message checks, and finite-difference gradient checks.
#pragma once

#include <gtest/gtest.h>

#include <lmx/lmx.h>

#include <cmath>
#include <functional>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>
#include "lmx/core/ops_common.h"

namespace lmx::test {

// Whether this build runs under AddressSanitizer (GCC and clang say so
// differently). Its stack frames are several times larger than a plain
// build's, so a test of deep graphs that would overflow the stack through
// recursion overflows it at a tenth of the depth there too.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif
#else
inline constexpr bool kAddressSanitizer = false;
#endif

// What printing a module writes (as Python's repr of an MLX module).
inline std::string repr(const nn::Module& m) {
  std::ostringstream os;
  os << m;
  return os.str();
}

// Reference outputs written by tests/reference/make_torch_refs.py.
inline std::unordered_map<std::string, array> load_reference(const std::string& name) {
  return load_npz(std::string(LMX_SOURCE_DIR) + "/tests/reference/" + name);
}

template <typename T>
std::vector<T> to_vector(array a) {
  // Full materialises a row-contiguous copy of any view.
  // (dtype_of<double> is float32, as MLX; here the element type must match.)
  Dtype t = std::is_same_v<T, double> ? float64 : dtype_of<T>();
  auto c = full(a.shape(), astype(a, t));
  c.eval();
  const T* p = c.template data<T>();
  return std::vector<T>(p, p + c.size());
}

inline ::testing::AssertionResult all_close(const array& a, const array& b, double rtol = 1e-5,
                                            double atol = 1e-6) {
  if (a.shape() != b.shape()) {
    return ::testing::AssertionFailure()
           << "shapes differ: " << to_string(a.shape()) << " vs " << to_string(b.shape());
  }
  auto x = to_vector<double>(a), y = to_vector<double>(b);
  for (size_t i = 0; i < x.size(); ++i) {
    bool both_nan = std::isnan(x[i]) && std::isnan(y[i]);
    bool same_inf = std::isinf(x[i]) && x[i] == y[i];
    if (both_nan || same_inf) continue;
    if (!(std::abs(x[i] - y[i]) <= atol + rtol * std::abs(y[i]))) {
      return ::testing::AssertionFailure() << "element " << i << ": " << x[i] << " vs " << y[i];
    }
  }
  return ::testing::AssertionSuccess();
}

// Expects `stmt` to throw `E` whose message contains `substr`.
#define EXPECT_THROW_MSG(stmt, E, substr)                                   \
  do {                                                                      \
    try {                                                                   \
      stmt;                                                                 \
      ADD_FAILURE() << "expected " #E " containing \"" << (substr) << "\""; \
    } catch (const E& e) {                                                  \
      EXPECT_NE(std::string(e.what()).find(substr), std::string::npos)      \
          << "message was: " << e.what();                                   \
    }                                                                       \
  } while (0)

using Fn = std::function<array(const std::vector<array>&)>;

// Deterministic weights so a non-scalar output becomes a scalar whose
// gradient exercises every output element.
inline array weights_for(const array& out) {
  auto n = static_cast<int>(out.size());
  auto w = add(multiply(sin(astype(arange(0, n, 1), float64)), array(0.5)), array(1.0));
  return reshape(w, out.shape());
}

// Checks grad (vjp) and jvp of f at `inputs` against central differences, in
// float64. Inputs should be float64 and small.
inline void check_grad(const Fn& f, const std::vector<array>& inputs, double tol = 1e-5,
                       double eps = 1e-6) {
  auto out0 = f(inputs);
  auto w = weights_for(out0);
  auto scalar_f = [&](const std::vector<array>& xs) {
    return sum(multiply(astype(f(xs), float64), w));
  };
  std::vector<int> argnums(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) argnums[i] = static_cast<int>(i);
  auto grads = grad(scalar_f, argnums)(inputs);
  ASSERT_EQ(grads.size(), inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!is_floating_point(inputs[i].dtype())) continue;
    ASSERT_EQ(grads[i].shape(), inputs[i].shape());
    auto base = to_vector<double>(inputs[i]);
    auto g = to_vector<double>(grads[i]);
    for (size_t j = 0; j < base.size(); ++j) {
      auto perturbed = [&](double d) {
        auto v = base;
        v[j] += d;
        auto xs = inputs;
        xs[i] = astype(array(v.begin(), inputs[i].shape(), float64), inputs[i].dtype());
        return scalar_f(xs).template item<double>();
      };
      double num = (perturbed(eps) - perturbed(-eps)) / (2 * eps);
      EXPECT_NEAR(g[j], num, tol * (1 + std::abs(num))) << "input " << i << " element " << j;
    }
  }
  // jvp along a fixed direction equals the directional difference quotient.
  std::vector<array> tangents;
  for (auto& x : inputs) tangents.push_back(astype(weights_for(x), x.dtype()));
  auto [outs, tans] = jvp([&](const std::vector<array>& xs) { return std::vector<array>{f(xs)}; },
                          inputs, tangents);
  auto shifted = [&](double d) {
    std::vector<array> xs;
    for (size_t i = 0; i < inputs.size(); ++i) {
      xs.push_back(is_floating_point(inputs[i].dtype())
                       ? astype(add(astype(inputs[i], float64),
                                    multiply(array(d), astype(tangents[i], float64))),
                                inputs[i].dtype())
                       : inputs[i]);
    }
    return astype(f(xs), float64);
  };
  auto num_dir = divide(subtract(shifted(eps), shifted(-eps)), array(2 * eps));
  EXPECT_TRUE(all_close(astype(tans[0], float64), num_dir, tol * 10, tol * 10)) << "jvp";
}

// An input of a unary table row's dtype class with values inside every row's
// domain: integers are `base` times integer_scale, truncated.
inline array unary_table_input(DtypeClass c, UnaryOp op, const array& base, float integer_scale) {
  switch (c) {
    case DtypeClass::Integer:
      return astype(multiply(base, array(integer_scale)), int32);
    case DtypeClass::Bool:
      return greater(base, array(0.5f));
    case DtypeClass::Complex:
      return add(astype(base, complex64), multiply(array(complex64_t(0, 1)), base));
    default:
      return op == UnaryOp::ArcCosh ? add(base, array(1.0f)) : base;
  }
}

}  // namespace lmx::test
