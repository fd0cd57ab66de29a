#include "lmx/optim/schedulers.h"

#include <cmath>
#include <numbers>
#include <stdexcept>

#include "lmx/core/error.h"
#include "lmx/core/ops.h"

namespace lmx::optim {

namespace {
array f32(const array& step) {
  return astype(step, float32);
}
}  // namespace

Schedule exponential_decay(float init, float decay_rate) {
  return
      [=](const array& step) { return multiply(array(init), power(array(decay_rate), f32(step))); };
}

Schedule step_decay(float init, float decay_rate, int step_size) {
  if (step_size <= 0) fail("step_decay", "step_size must be positive.");
  return [=](const array& step) {
    auto k = floor_divide(astype(step, int64), array(int64_t{step_size}));
    return multiply(array(init), power(array(decay_rate), astype(k, float32)));
  };
}

Schedule cosine_decay(float init, int decay_steps, float end) {
  if (decay_steps <= 0) fail("cosine_decay", "decay_steps must be positive.");
  return [=](const array& step) {
    auto s = minimum(f32(step), array(float(decay_steps)));
    auto decay = multiply(
        array(0.5f),
        add(array(1.0f), cos(multiply(array(std::numbers::pi_v<float> / decay_steps), s))));
    return add(array(end), multiply(decay, array(init - end)));
  };
}

Schedule linear_schedule(float init, float end, int steps) {
  if (steps < 1)
    fail("linear_schedule", "steps must be greater than 0, but got ", std::to_string(steps), ".");
  return [=](const array& step) {
    auto s = minimum(f32(step), array(float(steps)));
    return add(multiply(s, array((end - init) / steps)), array(init));
  };
}

Schedule join_schedules(const std::vector<Schedule>& schedules,
                        const std::vector<int>& boundaries) {
  if (schedules.empty()) fail("join_schedules", "Must provide at least 1 schedule.");
  if (boundaries.size() + 1 != schedules.size()) {
    fail("join_schedules", "Received ", std::to_string(boundaries.size()),
         " boundaries but expected ", std::to_string(schedules.size() - 1), ".");
  }
  return [=](const array& step) {
    auto out = schedules[0](step);
    for (size_t i = 0; i < boundaries.size(); ++i) {
      auto b = array(static_cast<uint64_t>(boundaries[i]));
      auto shifted = subtract(astype(step, int64), astype(b, int64));
      out = where(less(astype(step, int64), astype(b, int64)), out, schedules[i + 1](shifted));
    }
    return out;
  };
}

}  // namespace lmx::optim
