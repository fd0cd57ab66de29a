// The thread pool (lmx/backend/cpu/thread_pool.h) and async_eval on top of
// it: every chunk runs once, regions go on while the worker is busy with a
// background job, background jobs keep their order, errors reach the caller,
// and an eval waits for async work only when its graph needs it.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "../test_utils.h"
#include "lmx/backend/cpu/thread_pool.h"

namespace lmx::test {
namespace {

using Clock = std::chrono::steady_clock;

// Holds the pool's background worker until release() (or 10 s, so that a
// broken pool fails the test instead of hanging it).
class BusyWorker {
 public:
  BusyWorker() {
    cpu::run_in_background([this] {
      started_ = true;
      auto deadline = Clock::now() + std::chrono::seconds(10);
      while (!released_ && Clock::now() < deadline) std::this_thread::yield();
      finished_ = true;
    });
    while (!started_) std::this_thread::yield();
  }
  void release() {
    released_ = true;
    while (!finished_) std::this_thread::yield();
  }
  ~BusyWorker() { release(); }

 private:
  std::atomic<bool> started_{false}, released_{false}, finished_{false};
};

TEST(ThreadPool, ParallelTasksRunEveryIndexOnce) {
  std::vector<std::atomic<int>> hits(1000);
  cpu::parallel_tasks(1000, [&](int64_t i) { hits[i]++; });
  for (auto& h : hits) EXPECT_EQ(h.load(), 1);
  int calls = 0;
  cpu::parallel_tasks(0, [&](int64_t) { ++calls; });
  EXPECT_EQ(calls, 0);
}

TEST(ThreadPool, ChunkErrorsReachTheCaller) {
  EXPECT_THROW_MSG(cpu::parallel_tasks(16,
                                       [](int64_t i) {
                                         if (i == 11) throw std::runtime_error("[test] chunk 11");
                                       }),
                   std::runtime_error, "[test] chunk 11");
  // Every chunk throws, on whichever thread: one error reaches the caller, and
  // no thread is left believing it is still inside the region.
  EXPECT_THROW(cpu::parallel_tasks(64,
                                   [](int64_t) {
                                     std::this_thread::sleep_for(std::chrono::microseconds(200));
                                     throw std::runtime_error("[test] every chunk");
                                   }),
               std::runtime_error);
  std::mutex m;
  std::set<std::thread::id> threads;
  cpu::parallel_tasks(20, [&](int64_t) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    std::lock_guard<std::mutex> lock(m);
    threads.insert(std::this_thread::get_id());
  });
  EXPECT_EQ(static_cast<int>(threads.size()), std::min(cpu::num_threads(), 20));
}

TEST(ThreadPool, RegionsGoOnWhileTheWorkerRunsABackgroundJob) {
  if (cpu::num_threads() < 2) GTEST_SKIP() << "needs a worker thread";
  BusyWorker busy;
  std::mutex m;
  std::set<std::thread::id> threads;
  auto start = Clock::now();
  cpu::parallel_tasks(64, [&](int64_t) {
    std::lock_guard<std::mutex> lock(m);
    threads.insert(std::this_thread::get_id());
  });
  // With one worker, the caller took every chunk without waiting for it.
  if (cpu::num_threads() == 2) {
    EXPECT_EQ(threads, std::set<std::thread::id>{std::this_thread::get_id()});
  }
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
  busy.release();
}

// (Run after ChunkErrorsReachTheCaller, this also fails if a throwing chunk
// left the worker flagged as inside a region.)
TEST(ThreadPool, ABackgroundJobJoinsTheCallersRegionBetweenItsPieces) {
  if (cpu::num_threads() != 2) GTEST_SKIP() << "written for one worker";
  std::atomic<bool> region_running{false}, job_done{false};
  std::atomic<std::thread::id> job_thread{};
  cpu::run_in_background([&] {
    job_thread = std::this_thread::get_id();
    cpu::parallel_for(8, 1, [&](int64_t b, int64_t) {
      // The first piece holds the worker until the caller is inside its region.
      auto deadline = Clock::now() + std::chrono::seconds(10);
      while (b == 0 && !region_running && Clock::now() < deadline) std::this_thread::yield();
    });
    job_done = true;
  });
  std::mutex m;
  std::vector<std::thread::id> ran_on;
  cpu::parallel_tasks(20, [&](int64_t) {
    region_running = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    std::lock_guard<std::mutex> lock(m);
    ran_on.push_back(std::this_thread::get_id());
  });
  while (!job_done) std::this_thread::yield();
  EXPECT_EQ(ran_on.size(), 20u);
  // The worker left its job after the first piece and took some of the chunks.
  EXPECT_GT(std::count(ran_on.begin(), ran_on.end(), job_thread.load()), 0);
}

TEST(ThreadPool, BackgroundJobsRunInOrderOneAtATime) {
  std::mutex m;
  std::vector<int> order;
  std::atomic<int> running{0}, overlap{0};
  for (int i = 0; i < 200; ++i) {
    cpu::run_in_background([&, i] {
      if (running.fetch_add(1) != 0) overlap++;
      {
        std::lock_guard<std::mutex> lock(m);
        order.push_back(i);
      }
      running--;
    });
  }
  auto deadline = Clock::now() + std::chrono::seconds(10);
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(m);
      if (order.size() == 200 || Clock::now() > deadline) break;
    }
    std::this_thread::yield();
  }
  std::lock_guard<std::mutex> lock(m);
  ASSERT_EQ(order.size(), 200u);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(order[i], i);
  EXPECT_EQ(overlap.load(), 0);
}

TEST(AsyncEval, ValuesMatchAndDependentGraphsWait) {
  auto a = random::normal({128, 128}, random::key(3));
  auto c = sum(matmul(a, a), 1);
  async_eval({c});
  auto d = c * 2.0f + 1.0f;  // built on a node that may still be running
  auto expected = sum(matmul(a, a), 1) * 2.0f + 1.0f;
  EXPECT_TRUE(allclose(d, expected).item<bool>());
  EXPECT_TRUE(c.is_available());
}

TEST(AsyncEval, UnrelatedEvalDoesNotWait) {
  if (cpu::num_threads() < 2) GTEST_SKIP() << "needs a worker thread";
  auto a = random::normal({64, 64}, random::key(4));
  eval(a);
  auto c = exp(a) + 1.0f;
  {
    BusyWorker busy;  // c's job queues behind this one
    async_eval({c});
    EXPECT_EQ(c.status(), array::Status::scheduled);
    auto u = sum(arange(10));
    EXPECT_EQ(u.item<int>(), 45);  // evaluated while c is still queued
    EXPECT_EQ(c.status(), array::Status::scheduled);
    busy.release();
  }
  EXPECT_TRUE(allclose(c, exp(a) + 1.0f).item<bool>());
}

TEST(AsyncEval, ErrorsSurfaceWhenTheArrayIsEvaluated) {
  auto x = arange(5);
  auto bad = take(x, array({1, 7}), 0);  // index 7 is out of range
  auto y = bad + 1;
  async_eval({y});
  EXPECT_THROW_MSG(eval(y), std::out_of_range, "[gather] Index 7 is out of bounds");
  EXPECT_THROW_MSG(to_vector<int>(y), std::out_of_range, "[gather] Index 7");
  // The same holds without async_eval: a failed kernel leaves no output behind.
  auto bad_again = take(arange(5), array({7}), 0);
  EXPECT_THROW_MSG(eval(bad_again), std::out_of_range, "[gather] Index 7");
  EXPECT_FALSE(bad_again.is_available());
  EXPECT_THROW_MSG(eval(bad_again), std::out_of_range, "[gather] Index 7");
  // Later async work is unaffected.
  auto z = x * 3;
  async_eval({z});
  EXPECT_EQ(to_vector<int>(z), (std::vector<int>{0, 3, 6, 9, 12}));
}

}  // namespace
}  // namespace lmx::test
