// The library's one thread pool. Work below a size threshold stays on the
// calling thread; BLAS is told to use the same number of threads so the two
// never compete for cores.
//
// Besides parallel regions, the pool runs background jobs (async_eval's
// graphs) on a worker that would otherwise sit idle: on a 2-core machine a
// separate thread would have to fight the spinning worker for the second core.
// The threads of a region claim its chunks as they come, so a region never
// waits for a worker busy with a background job: the caller takes the chunks
// itself, and the worker joins in when it is free.
#pragma once

#include <cstdint>
#include <functional>

namespace lmx::cpu {

int num_threads();

// Runs f(begin, end) over [0, n) split into at most num_threads() chunks,
// each at least `grain` long. Returns after every chunk has finished.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& f);

// Runs f(i) for every i in [0, n), each as its own chunk, claimed by whichever
// thread of the pool is free. For work that splits into more pieces than
// there are threads, so that a thread that arrives late still finds some.
void parallel_tasks(int64_t n, const std::function<void(int64_t)>& f);

// Queues `job` to run on a pool worker between parallel regions. Jobs run one
// at a time, in order. Inside a job, parallel_for and parallel_tasks run on
// that worker in pieces, and between pieces it joins the region the caller
// is in, if any. Without workers (one thread), the job runs now, on the
// caller. The job must not throw.
void run_in_background(std::function<void()> job);

// Makes BLAS single-threaded once (idempotent); lmx parallelises around it.
void configure_blas_threads();

}  // namespace lmx::cpu
