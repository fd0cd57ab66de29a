// The library's one thread pool. Work below a size threshold stays on the
// calling thread; BLAS is told to use the same number of threads so the two
// never compete for cores.
#pragma once

#include <cstdint>
#include <functional>

namespace lmx::cpu {

int num_threads();

// Runs f(begin, end) over [0, n) split into at most num_threads() chunks,
// each at least `grain` long. Returns after every chunk has finished.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& f);

// Makes BLAS single-threaded once (idempotent); lmx parallelises around it.
void configure_blas_threads();

}  // namespace lmx::cpu
