#include "lmx/backend/cpu/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include <sched.h>

#include "lmx/core/background.h"

extern "C" void openblas_set_num_threads(int num_threads);

namespace lmx::cpu {

namespace {

// True while this thread runs a chunk of a region: any parallel_for it calls
// then runs inline.
thread_local bool in_parallel_region = false;
// True while this thread (a worker) runs a background job. The job's own
// loops run on this thread, in pieces, and between pieces it joins whatever
// region the caller has started, so that a long job (a minibatch gather)
// never leaves the caller alone in a matrix product for its whole length.
thread_local bool in_background_job = false;
// The last region this thread joined from inside a background job.
thread_local uint64_t joined_generation = 0;

// Sets a flag for a scope, and clears it even when the scope throws (a chunk
// that throws must not leave its thread believing it is still in a region).
class RegionFlag {
 public:
  explicit RegionFlag(bool& flag) : flag_(flag) { flag_ = true; }
  ~RegionFlag() { flag_ = false; }
  RegionFlag(const RegionFlag&) = delete;
  RegionFlag& operator=(const RegionFlag&) = delete;

 private:
  bool& flag_;
};

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
    for (int i = 1; i < n_; ++i) workers_.emplace_back([this] { worker(); });
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

  // Runs task(0) .. task(chunks - 1); the caller and free workers claim chunks.
  void run(int chunks, const std::function<void(int)>& task) {
    std::unique_lock<std::mutex> run_lock(run_mutex_);  // one parallel region at a time
    uint32_t gen;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      task_ = &task;
      chunks_ = chunks;
      remaining_.store(chunks, std::memory_order_relaxed);
      error_ = nullptr;
      gen = static_cast<uint32_t>(++generation_);
      claim_.store(uint64_t{gen} << 32, std::memory_order_relaxed);
      published_.store(generation_, std::memory_order_release);
    }
    cv_.notify_all();
    work_on(gen, task, chunks);
    // Chunks a worker claimed are usually about to finish: spin before sleeping.
    spin_while([&] { return remaining_.load(std::memory_order_acquire) != 0; });
    std::unique_lock<std::mutex> lock(mutex_);
    done_cv_.wait(lock, [this] { return remaining_.load(std::memory_order_acquire) == 0; });
    task_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

  void run_in_background(std::function<void()> job) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      background_.push_back(std::move(job));
      queued_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
  }

  // From inside a background job: runs what is left of the caller's current
  // region, if there is one this thread has not joined yet.
  void join_current_region() {
    uint64_t gen = published_.load(std::memory_order_acquire);
    if (gen == joined_generation) return;
    const std::function<void(int)>* task;
    int chunks;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      gen = generation_;
      task = task_;
      chunks = chunks_;
    }
    joined_generation = gen;
    if (task) work_on(static_cast<uint32_t>(gen), *task, chunks);
  }

 private:
  // Spins while `busy()` holds, for at most kSpin. A sleeping thread takes tens
  // of microseconds to wake on a virtual machine, more than many whole
  // parallel regions, and training loops run one region after another, so
  // threads stay awake across the short serial stretches between them.
  // The spin-wait hint of the architecture (x86's pause, Arm's yield).
  static void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
    asm volatile("yield");
#endif
  }

  template <typename F>
  static void spin_while(F busy) {
    constexpr auto kSpin = std::chrono::milliseconds(2);
    auto deadline = std::chrono::steady_clock::now() + kSpin;
    for (int i = 0; busy(); ++i) {
      cpu_relax();
      if (i % 64 == 63 && std::chrono::steady_clock::now() > deadline) return;
    }
  }

  // Claims and runs chunks of region `gen` until none are left. claim_ holds
  // the region's generation beside the next chunk, so a thread that looked at
  // an older region cannot claim (and run a dead task for) a newer one; and
  // a successful claim keeps the region, and so `task`, alive until the chunk
  // is counted off.
  void work_on(uint32_t gen, const std::function<void(int)>& task, int chunks) {
    for (;;) {
      uint64_t v = claim_.load(std::memory_order_acquire);
      do {
        if ((v >> 32) != gen || static_cast<int>(v & 0xffffffffu) >= chunks) return;
      } while (!claim_.compare_exchange_weak(v, v + 1, std::memory_order_acq_rel));
      try {
        task(static_cast<int>(v & 0xffffffffu));
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!error_) error_ = std::current_exception();
      }
      if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lock(mutex_);
        done_cv_.notify_all();
      }
    }
  }

  void worker() {
    uint64_t seen = 0;
    for (;;) {
      spin_while([&] {
        return published_.load(std::memory_order_acquire) == seen &&
               queued_.load(std::memory_order_acquire) == 0;
      });
      const std::function<void(int)>* task = nullptr;
      int chunks = 0;
      std::function<void()> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [&] {
          return stop_ || generation_ != seen || (!background_.empty() && !background_running_);
        });
        if (stop_) return;
        if (generation_ != seen) {
          seen = generation_;
          task = task_;  // null when that region has already finished
          chunks = chunks_;
        } else {
          job = std::move(background_.front());
          background_.pop_front();
          queued_.fetch_sub(1, std::memory_order_release);
          background_running_ = true;
        }
      }
      if (task) {
        work_on(static_cast<uint32_t>(seen), *task, chunks);
        continue;
      }
      if (!job) continue;
      {
        RegionFlag flag(in_background_job);
        job();
      }
      {
        std::lock_guard<std::mutex> lock(mutex_);
        background_running_ = false;
      }
      cv_.notify_all();  // the next job may go to any worker
    }
  }

  int n_;
  std::vector<std::thread> workers_;
  std::mutex mutex_, run_mutex_;
  std::condition_variable cv_, done_cv_;
  // The current parallel region.
  const std::function<void(int)>* task_ = nullptr;
  int chunks_ = 0;
  std::atomic<int> remaining_{0};
  uint64_t generation_ = 0;
  std::atomic<uint64_t> published_{0};  // generation_, readable without the lock
  std::atomic<uint64_t> claim_{0};      // (generation << 32) | next chunk
  std::exception_ptr error_;
  // Background jobs, run one at a time.
  std::deque<std::function<void()>> background_;
  std::atomic<int> queued_{0};  // background_.size(), readable without the lock
  bool background_running_ = false;
  bool stop_ = false;
};

ThreadPool& pool() {
  static ThreadPool* p = new ThreadPool(detect_threads());  // never destroyed: used at exit
  return *p;
}

}  // namespace

int num_threads() {
  return pool().size();
}

// parallel_for is parallel_tasks over contiguous ranges: as many as there
// are threads, one when already inside a region (the caller's loop stays one
// call), and about 8 inside a background job (see parallel_tasks).
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& f) {
  if (n <= 0) return;
  int64_t limit = in_parallel_region ? 1 : in_background_job ? 8 : num_threads();
  int64_t parts = std::clamp<int64_t>(n / std::max<int64_t>(grain, 1), 1, limit);
  if (parts == 1) return f(0, n);  // the common small-kernel case, without a wrapper
  int64_t step = (n + parts - 1) / parts;
  parallel_tasks((n + step - 1) / step,
                 [&](int64_t c) { f(c * step, std::min(n, c * step + step)); });
}

void parallel_tasks(int64_t n, const std::function<void(int64_t)>& f) {
  if (n <= 0) return;
  if (in_parallel_region || n == 1 || num_threads() == 1) {
    for (int64_t i = 0; i < n; ++i) f(i);
    return;
  }
  if (in_background_job) {
    // On this worker alone, joining the caller's region between tasks.
    for (int64_t i = 0; i < n; ++i) {
      f(i);
      pool().join_current_region();
    }
    return;
  }
  pool().run(static_cast<int>(n), [&](int c) {
    RegionFlag flag(in_parallel_region);
    f(c);
  });
}

void run_in_background(std::function<void()> job) {
  if (num_threads() == 1) return job();
  pool().run_in_background(std::move(job));
}

namespace {
// async_eval's graphs run on the pool (see lmx/core/background.h).
const bool background_runner_installed = (set_background_runner(&run_in_background), true);
}  // namespace

// OpenBLAS's own threads are not used: on small machines its thread wake-ups
// make mid-sized products orders of magnitude slower (measured: 0.7 vs 100
// GFLOP/s for 256x784x32 on 2 cores). gemm.cpp splits large products across
// this pool instead, so BLAS and lmx never compete for cores.
void configure_blas_threads() {
  static std::once_flag once;
  std::call_once(once, [] { openblas_set_num_threads(1); });
}

}  // namespace lmx::cpu
