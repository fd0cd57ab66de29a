// Where async_eval's graphs run. Core knows no backend: the CPU backend
// installs its thread pool here (backend/cpu/thread_pool.cpp), so the graphs
// run on a worker that would otherwise idle between parallel regions. Until a
// runner is installed, a job runs at once on the calling thread.
#pragma once

#include <functional>

namespace lmx {

// Runs each job off the calling thread, one at a time, in submission order.
// Jobs do not throw.
using BackgroundRunner = void (*)(std::function<void()> job);

void set_background_runner(BackgroundRunner runner);

}  // namespace lmx
