#include "lmx/nn/activations.h"

#include <cmath>
#include <numbers>

#include "lmx/core/error.h"
#include "lmx/core/gelu.h"
#include "lmx/core/ops.h"

namespace lmx::nn {

namespace {
array scalar(float v, const array& like) {
  return array(v, is_floating_point(like.dtype()) ? like.dtype() : float32);
}
}  // namespace

array relu(const array& x) {
  return maximum(x, scalar(0, x));
}
array relu6(const array& x) {
  return minimum(maximum(x, scalar(0, x)), scalar(6, x));
}
array relu2(const array& x) {
  return square(relu(x));
}
array leaky_relu(const array& x, float s) {
  return maximum(multiply(scalar(s, x), x), x);
}
array elu(const array& x, float alpha) {
  return where(greater(x, scalar(0, x)), x, multiply(scalar(alpha, x), expm1(x)));
}
array celu(const array& x, float alpha) {
  return add(maximum(x, scalar(0, x)),
             multiply(scalar(alpha, x), expm1(divide(minimum(x, scalar(0, x)), scalar(alpha, x)))));
}
array selu(const array& x) {
  return multiply(elu(x, 1.67326319217681884765625f), scalar(1.05070102214813232421875f, x));
}
array silu(const array& x) {
  return multiply(x, lmx::sigmoid(x));
}
array sigmoid(const array& x) {
  return lmx::sigmoid(x);
}
array tanh(const array& x) {
  return lmx::tanh(x);
}
array log_sigmoid(const array& x) {
  return negative(softplus(negative(x)));
}
array log_softmax(const array& x, int axis) {
  return subtract(x, logsumexp(x, axis, true));
}
array softmax(const array& x, int axis) {
  return lmx::softmax(x, axis);
}
array softmin(const array& x, int axis) {
  return lmx::softmax(negative(x), axis);
}
array softplus(const array& x) {
  return logaddexp(x, scalar(0, x));
}
array softsign(const array& x) {
  return divide(x, add(scalar(1, x), abs(x)));
}
array softshrink(const array& x, float l) {
  return where(greater(abs(x), scalar(l, x)), subtract(x, multiply(sign(x), scalar(l, x))),
               scalar(0, x));
}
array hard_shrink(const array& x, float l) {
  return where(greater(abs(x), scalar(l, x)), x, scalar(0, x));
}
array hard_tanh(const array& x, float lo, float hi) {
  return minimum(maximum(x, scalar(lo, x)), scalar(hi, x));
}
array hardswish(const array& x) {
  auto r6 = minimum(maximum(add(x, scalar(3, x)), scalar(0, x)), scalar(6, x));
  return divide(multiply(x, r6), scalar(6, x));
}
array mish(const array& x) {
  return multiply(x, lmx::tanh(softplus(x)));
}
array gelu(const array& x) {
  if (is_floating_point(x.dtype())) return gelu_map(x);
  return divide(multiply(x, add(scalar(1, x), erf(divide(x, scalar(std::numbers::sqrt2, x))))),
                scalar(2, x));
}
array gelu_approx(const array& x) {
  auto inner = multiply(scalar(std::sqrt(2.0 / std::numbers::pi), x),
                        add(x, multiply(scalar(0.044715f, x), power(x, scalar(3, x)))));
  return multiply(multiply(scalar(0.5f, x), x), add(scalar(1, x), lmx::tanh(inner)));
}
array gelu_fast_approx(const array& x) {
  return multiply(x, lmx::sigmoid(multiply(scalar(1.702f, x), x)));
}
array glu(const array& x, int axis) {
  auto parts = split(x, 2, axis);
  return multiply(parts[0], lmx::sigmoid(parts[1]));
}
array step(const array& x, float threshold) {
  return where(greater(x, scalar(threshold, x)), array(1), array(0));
}
array prelu(const array& x, const array& alpha) {
  return add(maximum(scalar(0, x), x), multiply(alpha, minimum(scalar(0, x), x)));
}

GELU::GELU(const std::string& a) : approx(a) {
  if (approx != "none" && approx != "precise" && approx != "tanh" && approx != "fast") {
    fail("GELU", "The approximation should be in ['none', 'precise', 'tanh', 'fast'] but '", approx,
         "' was given.");
  }
}
array GELU::operator()(array x) {
  if (approx == "none") return gelu(x);
  if (approx == "fast") return gelu_fast_approx(x);
  return gelu_approx(x);
}

PReLU::PReLU(int num_parameters, float init) : weight(full({num_parameters}, init)) {
  register_parameter("weight", weight);
}

}  // namespace lmx::nn
