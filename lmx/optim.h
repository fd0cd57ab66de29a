// lmx::optim: optimizers, learning-rate schedules and gradient clipping.
#pragma once

#include "lmx/optim/optimizer.h"
#include "lmx/optim/optimizers.h"
#include "lmx/optim/schedulers.h"
