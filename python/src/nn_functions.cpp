// nn.losses, the activation functions and nn.init, with MLX's keywords.
#include <nanobind/stl/function.h>

#include "python/src/python.h"

namespace lmx::python {

namespace {
using namespace nb::literals;
using A = const ArrayLike&;

std::optional<array> opt_array(nb::handle h) {
  if (h.is_none()) return std::nullopt;
  return to_array(h);
}

// MLX's initializers take the array (and for some gain or mode) when called.
nb::object initializer(std::function<array(const array&)> init) {
  return nb::cpp_function([init](const array& a) { return init(a); }, "a"_a);
}
}  // namespace

void init_nn_functions(nb::module_& m) {
  // ---- Activations ----
#define LMX_ACT(NAME) \
  m.def(              \
      #NAME, [](A x) { return nn::NAME(to_array(x)); }, "x"_a);
  LMX_ACT(relu)
  LMX_ACT(relu6)
  LMX_ACT(relu2)
  LMX_ACT(selu)
  LMX_ACT(silu)
  LMX_ACT(sigmoid)
  LMX_ACT(tanh)
  LMX_ACT(log_sigmoid)
  LMX_ACT(softplus)
  LMX_ACT(softsign)
  LMX_ACT(hardswish)
  LMX_ACT(mish)
  LMX_ACT(gelu)
  LMX_ACT(gelu_approx)
  LMX_ACT(gelu_fast_approx)
#undef LMX_ACT
  m.def(
      "leaky_relu", [](A x, float s) { return nn::leaky_relu(to_array(x), s); }, "x"_a,
      "negative_slope"_a = 0.01f);
  m.def(
      "elu", [](A x, float a) { return nn::elu(to_array(x), a); }, "x"_a, "alpha"_a = 1.0f);
  m.def(
      "celu", [](A x, float a) { return nn::celu(to_array(x), a); }, "x"_a, "alpha"_a = 1.0f);
  m.def(
      "log_softmax", [](A x, int axis) { return nn::log_softmax(to_array(x), axis); }, "x"_a,
      "axis"_a = -1);
  m.def(
      "softmax", [](A x, int axis) { return nn::softmax(to_array(x), axis); }, "x"_a,
      "axis"_a = -1);
  m.def(
      "softmin", [](A x, int axis) { return nn::softmin(to_array(x), axis); }, "x"_a,
      "axis"_a = -1);
  m.def(
      "softshrink", [](A x, float l) { return nn::softshrink(to_array(x), l); }, "x"_a,
      "lambd"_a = 0.5f);
  m.def(
      "hard_shrink", [](A x, float l) { return nn::hard_shrink(to_array(x), l); }, "x"_a,
      "lambd"_a = 0.5f);
  m.def(
      "hard_tanh", [](A x, float lo, float hi) { return nn::hard_tanh(to_array(x), lo, hi); },
      "x"_a, "min_val"_a = -1.0f, "max_val"_a = 1.0f);
  m.def(
      "glu", [](A x, int axis) { return nn::glu(to_array(x), axis); }, "x"_a, "axis"_a = -1);
  m.def(
      "step", [](A x, float t) { return nn::step(to_array(x), t); }, "x"_a, "threshold"_a = 0.0f);
  m.def(
      "prelu", [](A x, A alpha) { return nn::prelu(to_array(x), to_array(alpha)); }, "x"_a,
      "alpha"_a);

  // ---- Losses ----
  auto losses = m.def_submodule("losses", "Loss functions.");
  losses.def(
      "cross_entropy",
      [](A logits, A targets, nb::handle weights, int axis, float label_smoothing,
         const std::string& reduction) {
        return nn::losses::cross_entropy(to_array(logits), to_array(targets), opt_array(weights),
                                         axis, label_smoothing, reduction);
      },
      "logits"_a, "targets"_a, "weights"_a = nb::none(), "axis"_a = -1, "label_smoothing"_a = 0.0f,
      "reduction"_a = "none");
  losses.def(
      "binary_cross_entropy",
      [](A inputs, A targets, nb::handle weights, bool with_logits, const std::string& reduction) {
        return nn::losses::binary_cross_entropy(to_array(inputs), to_array(targets),
                                                opt_array(weights), with_logits, reduction);
      },
      "inputs"_a, "targets"_a, "weights"_a = nb::none(), "with_logits"_a = true,
      "reduction"_a = "mean");
#define LMX_LOSS2(NAME, DEFAULT)                                                      \
  losses.def(                                                                         \
      #NAME,                                                                          \
      [](A predictions, A targets, const std::string& reduction) {                    \
        return nn::losses::NAME(to_array(predictions), to_array(targets), reduction); \
      },                                                                              \
      "predictions"_a, "targets"_a, "reduction"_a = DEFAULT);
  LMX_LOSS2(l1_loss, "mean")
  LMX_LOSS2(mse_loss, "mean")
#undef LMX_LOSS2
  losses.def(
      "nll_loss",
      [](A inputs, A targets, int axis, const std::string& reduction) {
        return nn::losses::nll_loss(to_array(inputs), to_array(targets), axis, reduction);
      },
      "inputs"_a, "targets"_a, "axis"_a = -1, "reduction"_a = "none");
  losses.def(
      "gaussian_nll_loss",
      [](A inputs, A targets, A vars, bool full, float eps, const std::string& reduction) {
        return nn::losses::gaussian_nll_loss(to_array(inputs), to_array(targets), to_array(vars),
                                             full, eps, reduction);
      },
      "inputs"_a, "targets"_a, "vars"_a, "full"_a = false, "eps"_a = 1e-6f, "reduction"_a = "mean");
  losses.def(
      "kl_div_loss",
      [](A inputs, A targets, int axis, const std::string& reduction) {
        return nn::losses::kl_div_loss(to_array(inputs), to_array(targets), axis, reduction);
      },
      "inputs"_a, "targets"_a, "axis"_a = -1, "reduction"_a = "none");
  losses.def(
      "smooth_l1_loss",
      [](A predictions, A targets, float beta, const std::string& reduction) {
        return nn::losses::smooth_l1_loss(to_array(predictions), to_array(targets), beta,
                                          reduction);
      },
      "predictions"_a, "targets"_a, "beta"_a = 1.0f, "reduction"_a = "mean");
  losses.def(
      "triplet_loss",
      [](A anchors, A positives, A negatives, int axis, int p, float margin, float eps,
         const std::string& reduction) {
        return nn::losses::triplet_loss(to_array(anchors), to_array(positives), to_array(negatives),
                                        axis, p, margin, eps, reduction);
      },
      "anchors"_a, "positives"_a, "negatives"_a, "axis"_a = -1, "p"_a = 2, "margin"_a = 1.0f,
      "eps"_a = 1e-6f, "reduction"_a = "none");
  losses.def(
      "hinge_loss",
      [](A inputs, A targets, const std::string& reduction) {
        return nn::losses::hinge_loss(to_array(inputs), to_array(targets), reduction);
      },
      "inputs"_a, "targets"_a, "reduction"_a = "none");
  losses.def(
      "huber_loss",
      [](A inputs, A targets, float delta, const std::string& reduction) {
        return nn::losses::huber_loss(to_array(inputs), to_array(targets), delta, reduction);
      },
      "inputs"_a, "targets"_a, "delta"_a = 1.0f, "reduction"_a = "none");
  losses.def(
      "log_cosh_loss",
      [](A inputs, A targets, const std::string& reduction) {
        return nn::losses::log_cosh_loss(to_array(inputs), to_array(targets), reduction);
      },
      "inputs"_a, "targets"_a, "reduction"_a = "none");
  losses.def(
      "cosine_similarity_loss",
      [](A x1, A x2, int axis, float eps, const std::string& reduction) {
        return nn::losses::cosine_similarity_loss(to_array(x1), to_array(x2), axis, eps, reduction);
      },
      "x1"_a, "x2"_a, "axis"_a = 1, "eps"_a = 1e-8f, "reduction"_a = "none");
  losses.def(
      "margin_ranking_loss",
      [](A inputs1, A inputs2, A targets, float margin, const std::string& reduction) {
        return nn::losses::margin_ranking_loss(to_array(inputs1), to_array(inputs2),
                                               to_array(targets), margin, reduction);
      },
      "inputs1"_a, "inputs2"_a, "targets"_a, "margin"_a = 0.0f, "reduction"_a = "none");

  // ---- Initializers ----
  auto init = m.def_submodule("init", "Parameter initializers.");
  init.def(
      "constant",
      [](float value, Dtype dtype) { return initializer(nn::init::constant(value, dtype)); },
      "value"_a, "dtype"_a = float32);
  init.def(
      "normal",
      [](float mean, float std, Dtype dtype) {
        return initializer(nn::init::normal(mean, std, dtype));
      },
      "mean"_a = 0.0f, "std"_a = 1.0f, "dtype"_a = float32);
  init.def(
      "uniform",
      [](float low, float high, Dtype dtype) {
        return initializer(nn::init::uniform(low, high, dtype));
      },
      "low"_a = 0.0f, "high"_a = 1.0f, "dtype"_a = float32);
  init.def(
      "identity", [](Dtype dtype) { return initializer(nn::init::identity(dtype)); },
      "dtype"_a = float32);
  init.def(
      "sparse",
      [](float sparsity, float mean, float std, Dtype dtype) {
        return initializer(nn::init::sparse(sparsity, mean, std, dtype));
      },
      "sparsity"_a, "mean"_a = 0.0f, "std"_a = 1.0f, "dtype"_a = float32);
  init.def(
      "orthogonal",
      [](float gain, Dtype dtype) { return initializer(nn::init::orthogonal(gain, dtype)); },
      "gain"_a = 1.0f, "dtype"_a = float32);
  // The Glorot and He initializers take gain (and mode) per call, as MLX's.
  init.def(
      "glorot_normal",
      [](Dtype dtype) {
        return nb::cpp_function(
            [dtype](const array& a, float gain) { return nn::init::glorot_normal(dtype, gain)(a); },
            "a"_a, "gain"_a = 1.0f);
      },
      "dtype"_a = float32);
  init.def(
      "glorot_uniform",
      [](Dtype dtype) {
        return nb::cpp_function(
            [dtype](const array& a, float gain) {
              return nn::init::glorot_uniform(dtype, gain)(a);
            },
            "a"_a, "gain"_a = 1.0f);
      },
      "dtype"_a = float32);
  init.def(
      "he_normal",
      [](Dtype dtype) {
        return nb::cpp_function(
            [dtype](const array& a, const std::string& mode, float gain) {
              return nn::init::he_normal(dtype, mode, gain)(a);
            },
            "a"_a, "mode"_a = "fan_in", "gain"_a = 1.0f);
      },
      "dtype"_a = float32);
  init.def(
      "he_uniform",
      [](Dtype dtype) {
        return nb::cpp_function(
            [dtype](const array& a, const std::string& mode, float gain) {
              return nn::init::he_uniform(dtype, mode, gain)(a);
            },
            "a"_a, "mode"_a = "fan_in", "gain"_a = 1.0f);
      },
      "dtype"_a = float32);
}

}  // namespace lmx::python
