// Learning-rate schedules: functions of the optimizer's step count.
#pragma once

#include <functional>
#include <vector>

#include "lmx/core/array.h"

namespace lmx::optim {

using Schedule = std::function<array(const array& step)>;

Schedule exponential_decay(float init, float decay_rate);
Schedule step_decay(float init, float decay_rate, int step_size);
Schedule cosine_decay(float init, int decay_steps, float end = 0.0f);
Schedule linear_schedule(float init, float end, int steps);
// schedules[0] until boundaries[0], then schedules[1] (counting from the
// boundary), and so on.
Schedule join_schedules(const std::vector<Schedule>& schedules, const std::vector<int>& boundaries);

}  // namespace lmx::optim
