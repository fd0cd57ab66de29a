// Activation functions and their modules, with MLX's names and defaults.
#pragma once

#include <string>

#include "lmx/nn/module.h"

namespace lmx::nn {

array relu(const array& x);
array relu6(const array& x);
array relu2(const array& x);
array leaky_relu(const array& x, float negative_slope = 0.01f);
array elu(const array& x, float alpha = 1.0f);
array celu(const array& x, float alpha = 1.0f);
array selu(const array& x);
array silu(const array& x);
array sigmoid(const array& x);
array tanh(const array& x);
array log_sigmoid(const array& x);
array log_softmax(const array& x, int axis = -1);
array softmax(const array& x, int axis = -1);
array softmin(const array& x, int axis = -1);
array softplus(const array& x);
array softsign(const array& x);
array softshrink(const array& x, float lambd = 0.5f);
array hard_shrink(const array& x, float lambd = 0.5f);
array hard_tanh(const array& x, float min_val = -1.0f, float max_val = 1.0f);
array hardswish(const array& x);
array mish(const array& x);
array gelu(const array& x);
array gelu_approx(const array& x);       // tanh approximation ("precise")
array gelu_fast_approx(const array& x);  // x * sigmoid(1.702 x) ("fast")
array glu(const array& x, int axis = -1);
array step(const array& x, float threshold = 0.0f);
array prelu(const array& x, const array& alpha);

// A module for a parameter-free activation.
#define LMX_ACTIVATION_MODULE(NAME, EXPR)               \
  struct NAME : Module {                                \
    array operator()(array x) override { return EXPR; } \
  };
LMX_ACTIVATION_MODULE(ReLU, nn::relu(x))
LMX_ACTIVATION_MODULE(ReLU6, nn::relu6(x))
LMX_ACTIVATION_MODULE(ReLU2, nn::relu2(x))
LMX_ACTIVATION_MODULE(SELU, nn::selu(x))
LMX_ACTIVATION_MODULE(SiLU, nn::silu(x))
LMX_ACTIVATION_MODULE(Sigmoid, nn::sigmoid(x))
LMX_ACTIVATION_MODULE(Tanh, nn::tanh(x))
LMX_ACTIVATION_MODULE(LogSigmoid, nn::log_sigmoid(x))
LMX_ACTIVATION_MODULE(Softplus, nn::softplus(x))
LMX_ACTIVATION_MODULE(Softsign, nn::softsign(x))
LMX_ACTIVATION_MODULE(Hardswish, nn::hardswish(x))
LMX_ACTIVATION_MODULE(Mish, nn::mish(x))
LMX_ACTIVATION_MODULE(Softmax, nn::softmax(x))
LMX_ACTIVATION_MODULE(LogSoftmax, nn::log_softmax(x))
LMX_ACTIVATION_MODULE(Softmin, nn::softmin(x))
#undef LMX_ACTIVATION_MODULE

struct LeakyReLU : Module {
  explicit LeakyReLU(float negative_slope = 0.01f) : negative_slope(negative_slope) {}
  array operator()(array x) override { return nn::leaky_relu(x, negative_slope); }
  float negative_slope;
};
struct ELU : Module {
  explicit ELU(float alpha = 1.0f) : alpha(alpha) {}
  array operator()(array x) override { return nn::elu(x, alpha); }
  float alpha;
};
struct CELU : Module {
  explicit CELU(float alpha = 1.0f) : alpha(alpha) {}
  array operator()(array x) override { return nn::celu(x, alpha); }
  float alpha;
};
struct Softshrink : Module {
  explicit Softshrink(float lambd = 0.5f) : lambd(lambd) {}
  array operator()(array x) override { return nn::softshrink(x, lambd); }
  float lambd;
};
struct HardShrink : Module {
  explicit HardShrink(float lambd = 0.5f) : lambd(lambd) {}
  array operator()(array x) override { return nn::hard_shrink(x, lambd); }
  float lambd;
};
struct HardTanh : Module {
  explicit HardTanh(float min_val = -1.0f, float max_val = 1.0f)
      : min_val(min_val), max_val(max_val) {}
  array operator()(array x) override { return nn::hard_tanh(x, min_val, max_val); }
  float min_val, max_val;
};
struct GLU : Module {
  explicit GLU(int axis = -1) : axis(axis) {}
  array operator()(array x) override { return nn::glu(x, axis); }
  int axis;
};
struct Step : Module {
  explicit Step(float threshold = 0.0f) : threshold(threshold) {}
  array operator()(array x) override { return nn::step(x, threshold); }
  float threshold;
};
// approx: "none" (exact, erf), "precise" or "tanh" (tanh approximation), "fast".
struct GELU : Module {
  explicit GELU(const std::string& approx = "none");
  array operator()(array x) override;
  std::string approx;
};
struct PReLU : Module {
  explicit PReLU(int num_parameters = 1, float init = 0.25f);
  array operator()(array x) override { return nn::prelu(x, weight); }
  array weight;
};

}  // namespace lmx::nn
