#include "lmx/backend/cpu/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include <sched.h>

extern "C" void openblas_set_num_threads(int num_threads);

namespace lmx::cpu {

namespace {

int detect_threads() {
  if (const char* env = std::getenv("LMX_NUM_THREADS")) {
    int n = std::atoi(env);
    if (n > 0) return n;
  }
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

class ThreadPool {
 public:
  explicit ThreadPool(int n) : n_(n) {
    for (int i = 1; i < n_; ++i) workers_.emplace_back([this, i] { worker(i); });
  }
  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
  }
  int size() const { return n_; }

  // Chunk 0 runs on the caller; chunks 1.. on workers.
  void run(int chunks, const std::function<void(int)>& task) {
    std::unique_lock<std::mutex> run_lock(run_mutex_);  // one parallel region at a time
    {
      std::lock_guard<std::mutex> lock(mutex_);
      task_ = &task;
      chunks_ = chunks;
      remaining_.store(chunks - 1, std::memory_order_relaxed);
      error_ = nullptr;
      ++generation_;
      published_.store(generation_, std::memory_order_release);
    }
    cv_.notify_all();
    std::exception_ptr err;
    try {
      task(0);
    } catch (...) {
      err = std::current_exception();
    }
    // The other chunks are usually about to finish: spin before sleeping.
    spin_while([&] { return remaining_.load(std::memory_order_acquire) != 0; });
    std::unique_lock<std::mutex> lock(mutex_);
    done_cv_.wait(lock, [this] { return remaining_.load(std::memory_order_acquire) == 0; });
    task_ = nullptr;
    if (!err) err = error_;
    if (err) std::rethrow_exception(err);
  }

 private:
  // Spins while `busy()` holds, for at most kSpin. A sleeping thread takes tens
  // of microseconds to wake on a virtual machine, more than many whole
  // parallel regions, and training loops run one region after another, so
  // threads stay awake across the short serial stretches between them.
  template <typename F>
  static void spin_while(F busy) {
    constexpr auto kSpin = std::chrono::milliseconds(2);
    auto deadline = std::chrono::steady_clock::now() + kSpin;
    for (int i = 0; busy(); ++i) {
      __builtin_ia32_pause();
      if (i % 64 == 63 && std::chrono::steady_clock::now() > deadline) return;
    }
  }

  void worker(int id) {
    uint64_t seen = 0;
    for (;;) {
      const std::function<void(int)>* task;
      spin_while([&] { return published_.load(std::memory_order_acquire) == seen; });
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
        if (id >= chunks_) continue;
        task = task_;
      }
      std::exception_ptr err;
      try {
        (*task)(id);
      } catch (...) {
        err = std::current_exception();
      }
      std::lock_guard<std::mutex> lock(mutex_);
      if (err && !error_) error_ = err;
      if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) done_cv_.notify_all();
    }
  }

  int n_;
  std::vector<std::thread> workers_;
  std::mutex mutex_, run_mutex_;
  std::condition_variable cv_, done_cv_;
  const std::function<void(int)>* task_ = nullptr;
  int chunks_ = 0;
  std::atomic<int> remaining_{0};
  uint64_t generation_ = 0;
  std::atomic<uint64_t> published_{0};  // generation_, readable without the lock
  bool stop_ = false;
  std::exception_ptr error_;
};

ThreadPool& pool() {
  static ThreadPool* p = new ThreadPool(detect_threads());  // never destroyed: used at exit
  return *p;
}

thread_local bool in_parallel_region = false;

}  // namespace

int num_threads() {
  return pool().size();
}

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& f) {
  if (n <= 0) return;
  int threads = num_threads();
  int64_t chunks =
      std::min<int64_t>(threads, std::max<int64_t>(1, n / std::max<int64_t>(grain, 1)));
  if (chunks <= 1 || in_parallel_region) {
    f(0, n);
    return;
  }
  int64_t step = (n + chunks - 1) / chunks;
  pool().run(static_cast<int>(chunks), [&](int c) {
    in_parallel_region = true;
    int64_t b = c * step, e = std::min(n, b + step);
    if (b < e) f(b, e);
    in_parallel_region = false;
  });
}

// OpenBLAS's own threads are not used: on small machines its thread wake-ups
// make mid-sized products orders of magnitude slower (measured: 0.7 vs 100
// GFLOP/s for 256x784x32 on 2 cores). gemm.cpp splits large products across
// this pool instead, so BLAS and lmx never compete for cores.
void configure_blas_threads() {
  static std::once_flag once;
  std::call_once(once, [] { openblas_set_num_threads(1); });
}

}  // namespace lmx::cpu
