// The C++ optimizers and schedules. lmx/optimizers/__init__.py wraps them in
// MLX's Python classes (keywords, a live `state` dict, callables as
// learning rates).
#include <nanobind/stl/function.h>
#include <nanobind/stl/shared_ptr.h>

#include "python/src/python.h"

namespace nanobind::detail {
// A learning rate: a number, an array or a callable of the step.
template <>
struct type_caster<lmx::optim::LearningRate> {
  NB_TYPE_CASTER(lmx::optim::LearningRate, const_name("float | Callable[[array], array]"))
  type_caster() : value(0.0f) {}
  bool from_python(handle src, uint8_t flags, cleanup_list* cleanup) noexcept {
    if (PyFloat_Check(src.ptr()) || (PyLong_Check(src.ptr()) && !PyBool_Check(src.ptr()))) {
      value = lmx::optim::LearningRate(PyFloat_AsDouble(src.ptr()));
      return true;
    }
    if (isinstance<lmx::array>(src)) {
      try {
        value = lmx::optim::LearningRate(cast<lmx::array>(src).item<float>());
      } catch (...) {
        return false;
      }
      return true;
    }
    if (PyCallable_Check(src.ptr())) {
      make_caster<lmx::optim::Schedule> fn;
      if (!fn.from_python(src, flags, cleanup)) return false;
      value = lmx::optim::LearningRate(fn.value);
      return true;
    }
    return false;
  }
};
}  // namespace nanobind::detail

namespace lmx::python {

namespace {
using namespace nb::literals;
using optim::LearningRate;
using optim::Optimizer;

std::pair<float, float> betas_of(const std::vector<float>& v) {
  if (v.size() != 2) throw std::invalid_argument("[optimizer] betas must hold two values.");
  return {v[0], v[1]};
}
}  // namespace

void init_optim(nb::module_& m) {
  nb::class_<Optimizer>(m, "Optimizer")
      .def(
          "init", [](Optimizer& o, nb::handle params) { o.init(to_tree(params, "init")); },
          "parameters"_a)
      .def(
          "apply_gradients",
          [](Optimizer& o, nb::handle grads, nb::handle params) {
            return from_tree(o.apply_gradients(to_tree(grads, "apply_gradients"),
                                               to_tree(params, "apply_gradients")));
          },
          "gradients"_a, "parameters"_a)
      .def(
          "update_model",
          [](Optimizer& o, nn::Module& model, nb::handle grads) {
            o.update(model, to_tree(grads, "update"));
          },
          "model"_a, "gradients"_a)
      .def(
          "update_tree",
          [](Optimizer& o, nb::handle params, nb::handle grads) {
            return from_tree(o.update(to_tree(params, "update"), to_tree(grads, "update")));
          },
          "parameters"_a, "gradients"_a)
      .def("get_state", [](const Optimizer& o) { return from_tree(o.state()); })
      .def(
          "set_state", [](Optimizer& o, nb::handle s) { o.set_state(to_tree(s, "state")); },
          "state"_a)
      .def("set_learning_rate", &Optimizer::set_learning_rate, "learning_rate"_a)
      .def("get_learning_rate", [](const Optimizer& o) { return o.learning_rate(); })
      .def("get_step", [](const Optimizer& o) { return o.step(); });

  nb::class_<optim::SGD, Optimizer>(m, "SGD").def(
      nb::init<LearningRate, float, float, float, bool>(), "learning_rate"_a, "momentum"_a = 0.0f,
      "weight_decay"_a = 0.0f, "dampening"_a = 0.0f, "nesterov"_a = false);
  nb::class_<optim::RMSprop, Optimizer>(m, "RMSprop")
      .def(nb::init<LearningRate, float, float>(), "learning_rate"_a, "alpha"_a = 0.99f,
           "eps"_a = 1e-8f);
  nb::class_<optim::Adagrad, Optimizer>(m, "Adagrad")
      .def(nb::init<LearningRate, float>(), "learning_rate"_a, "eps"_a = 1e-8f);
  nb::class_<optim::AdaDelta, Optimizer>(m, "AdaDelta")
      .def(nb::init<LearningRate, float, float>(), "learning_rate"_a, "rho"_a = 0.9f,
           "eps"_a = 1e-6f);
  nb::class_<optim::Adam, Optimizer>(m, "Adam").def(
      "__init__",
      [](optim::Adam* self, LearningRate lr, std::vector<float> betas, float eps,
         bool bias_correction) {
        new (self) optim::Adam(lr, betas_of(betas), eps, bias_correction);
      },
      "learning_rate"_a, "betas"_a = std::vector<float>{0.9f, 0.999f}, "eps"_a = 1e-8f,
      "bias_correction"_a = false);
  nb::class_<optim::AdamW, optim::Adam>(m, "AdamW")
      .def(
          "__init__",
          [](optim::AdamW* self, LearningRate lr, std::vector<float> betas, float eps,
             float weight_decay, bool bias_correction) {
            new (self) optim::AdamW(lr, betas_of(betas), eps, weight_decay, bias_correction);
          },
          "learning_rate"_a, "betas"_a = std::vector<float>{0.9f, 0.999f}, "eps"_a = 1e-8f,
          "weight_decay"_a = 0.01f, "bias_correction"_a = false);
  nb::class_<optim::Adamax, optim::Adam>(m, "Adamax")
      .def(
          "__init__",
          [](optim::Adamax* self, LearningRate lr, std::vector<float> betas, float eps) {
            new (self) optim::Adamax(lr, betas_of(betas), eps);
          },
          "learning_rate"_a, "betas"_a = std::vector<float>{0.9f, 0.999f}, "eps"_a = 1e-8f);
  nb::class_<optim::Lion, Optimizer>(m, "Lion").def(
      "__init__",
      [](optim::Lion* self, LearningRate lr, std::vector<float> betas, float weight_decay) {
        new (self) optim::Lion(lr, betas_of(betas), weight_decay);
      },
      "learning_rate"_a, "betas"_a = std::vector<float>{0.9f, 0.99f}, "weight_decay"_a = 0.0f);
  nb::class_<optim::Adafactor, Optimizer>(m, "Adafactor")
      .def(
          "__init__",
          [](optim::Adafactor* self, std::optional<LearningRate> lr, std::vector<float> eps,
             float clip_threshold, float decay_rate, std::optional<float> beta_1,
             float weight_decay, bool scale_parameter, bool relative_step, bool warmup_init) {
            new (self) optim::Adafactor(lr, betas_of(eps), clip_threshold, decay_rate, beta_1,
                                        weight_decay, scale_parameter, relative_step, warmup_init);
          },
          "learning_rate"_a = nb::none(), "eps"_a = std::vector<float>{1e-30f, 1e-3f},
          "clip_threshold"_a = 1.0f, "decay_rate"_a = -0.8f, "beta_1"_a = nb::none(),
          "weight_decay"_a = 0.0f, "scale_parameter"_a = true, "relative_step"_a = true,
          "warmup_init"_a = false);
  nb::class_<optim::Muon, Optimizer>(m, "Muon").def(
      nb::init<LearningRate, float, float, bool, int>(), "learning_rate"_a, "momentum"_a = 0.95f,
      "weight_decay"_a = 0.01f, "nesterov"_a = true, "ns_steps"_a = 5);

  nb::class_<optim::MultiOptimizer, Optimizer>(m, "MultiOptimizer")
      .def(nb::init<std::vector<std::shared_ptr<Optimizer>>,
                    std::vector<optim::MultiOptimizer::Filter>>(),
           "optimizers"_a, "filters"_a);

  m.def(
      "clip_grad_norm",
      [](nb::handle grads, float max_norm) {
        auto [clipped, norm] = optim::clip_grad_norm(to_tree(grads, "clip_grad_norm"), max_norm);
        return nb::make_tuple(from_tree(clipped), norm);
      },
      "grads"_a, "max_norm"_a);
  m.def("exponential_decay", &optim::exponential_decay, "init"_a, "decay_rate"_a);
  m.def("step_decay", &optim::step_decay, "init"_a, "decay_rate"_a, "step_size"_a);
  m.def("cosine_decay", &optim::cosine_decay, "init"_a, "decay_steps"_a, "end"_a = 0.0f);
  m.def("linear_schedule", &optim::linear_schedule, "init"_a, "end"_a, "steps"_a);
  m.def("join_schedules", &optim::join_schedules, "schedules"_a, "boundaries"_a);
}

}  // namespace lmx::python
