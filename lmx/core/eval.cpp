// Graph evaluation: synchronous on the calling thread, or queued on one
// background thread for async_eval.
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "lmx/core/graph.h"
#include "lmx/core/ops.h"
#include "lmx/core/primitives.h"

namespace lmx {

namespace {
thread_local int tracing_depth_ = 0;
// True on the async_eval worker, which must never wait on its own queue.
thread_local bool on_async_worker = false;
}  // namespace

int tracing_depth() {
  return tracing_depth_;
}
TracingScope::TracingScope() {
  ++tracing_depth_;
}
TracingScope::~TracingScope() {
  --tracing_depth_;
}

uint64_t GraphAccess::new_mark() {
  static std::atomic<uint64_t> mark{0};
  return ++mark;
}

std::vector<array> topological_order(const std::vector<array>& outputs,
                                     const std::function<bool(const array&)>& stop) {
  uint64_t mark = GraphAccess::new_mark();
  std::vector<array> order;
  // (node, index of the next input to visit)
  std::vector<std::pair<array, size_t>> stack;
  for (auto& out : outputs) {
    if (stop(out) || !GraphAccess::visit(out, mark)) continue;
    for (auto& s : out.siblings()) GraphAccess::visit(s, mark);
    stack.emplace_back(out, 0);
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next < node.inputs().size()) {
        const array& in = node.inputs()[next++];
        if (!stop(in) && GraphAccess::visit(in, mark)) {
          for (auto& s : in.siblings()) GraphAccess::visit(s, mark);
          stack.emplace_back(in, 0);
        }
      } else {
        order.push_back(std::move(node));
        stack.pop_back();
      }
    }
  }
  return order;
}

namespace {

// Runs one primitive and marks its outputs evaluated. Outside of tracing, the
// node then forgets its inputs so the graph is freed as evaluation proceeds.
void run_node(array& node) {
  auto outputs = node.outputs();
  auto prim = node.primitive_ptr();
  if (prim->device() == Device::cpu) {
    prim->eval_cpu(node.inputs(), outputs);
  } else {
    prim->eval_gpu(node.inputs(), outputs);
  }
  bool keep_graph = false;
  for (auto& o : outputs) {
    o.set_status(array::Status::available);
    keep_graph |= o.is_tracer();
  }
  if (!keep_graph) {
    for (auto& o : outputs) o.detach();
  }
}

void eval_now(const std::vector<array>& outputs) {
  auto is_done = [](const array& a) { return a.status() != array::Status::unscheduled; };
  // Fast path: a single node whose inputs are all evaluated.
  if (outputs.size() == 1 && !is_done(outputs[0])) {
    bool ready = true;
    for (auto& in : outputs[0].inputs()) ready &= is_done(in);
    if (ready) {
      array node = outputs[0];
      run_node(node);
      return;
    }
  }
  auto order = topological_order(outputs, is_done);
  for (auto& node : order) {
    array n = std::move(node);  // drop the tape's reference as we go
    if (n.status() == array::Status::unscheduled) run_node(n);
  }
}

// async_eval runs graphs on one worker thread. Any later eval waits until the
// queue is empty, so the caller never observes a half-evaluated graph.
class AsyncQueue {
 public:
  void push(std::vector<array> outputs) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!worker_.joinable()) worker_ = std::thread([this] { run(); });
    queue_.push_back(std::move(outputs));
    ++pending_;
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    done_cv_.wait(lock, [this] { return pending_ == 0; });
    if (error_) {
      auto e = error_;
      error_ = nullptr;
      std::rethrow_exception(e);
    }
  }
  bool idle() {
    std::unique_lock<std::mutex> lock(mutex_);
    return pending_ == 0 && !error_;
  }
  ~AsyncQueue() {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      stop_ = true;
      cv_.notify_all();
    }
    if (worker_.joinable()) worker_.join();
  }

 private:
  void run() {
    on_async_worker = true;
    for (;;) {
      std::vector<array> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
        if (queue_.empty()) return;
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      std::exception_ptr err;
      try {
        eval_now(job);
      } catch (...) {
        err = std::current_exception();
      }
      job.clear();
      std::unique_lock<std::mutex> lock(mutex_);
      if (err && !error_) error_ = err;
      --pending_;
      done_cv_.notify_all();
    }
  }

  std::mutex mutex_;
  std::condition_variable cv_, done_cv_;
  std::deque<std::vector<array>> queue_;
  int pending_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
  std::thread worker_;
};

AsyncQueue& async_queue() {
  static AsyncQueue q;
  return q;
}

std::atomic<int> async_in_flight{0};

}  // namespace

void eval(std::vector<array> outputs) {
  if (!on_async_worker && async_in_flight.load(std::memory_order_acquire) > 0) {
    async_queue().wait();
    async_in_flight.store(0, std::memory_order_release);
  }
  eval_now(outputs);
}

void async_eval(std::vector<array> outputs) {
  async_in_flight.fetch_add(1, std::memory_order_acq_rel);
  async_queue().push(std::move(outputs));
}

void Primitive::eval_gpu(const std::vector<array>&, std::vector<array>&) {
  std::ostringstream msg;
  msg << "[" << name() << "] No GPU backend is available in this build.";
  throw std::runtime_error(msg.str());
}

}  // namespace lmx
