// Graph evaluation: synchronous on the calling thread, or queued for the
// background runner with async_eval.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <unordered_set>

#include "lmx/core/background.h"
#include "lmx/core/error.h"
#include "lmx/core/graph.h"
#include "lmx/core/ops.h"
#include "lmx/core/primitives.h"

namespace lmx {

namespace {
thread_local int tracing_depth_ = 0;
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

std::vector<array> tape_between(const std::vector<array>& inputs, const std::vector<array>& outputs,
                                bool skip_stop_gradient) {
  std::unordered_set<std::uintptr_t> depends;
  for (auto& in : inputs) depends.insert(in.id());
  // Only tracers can depend on the inputs (an array built from a tracer is
  // one), so the walk stops at everything else: data and constants, which
  // may be evaluating on another thread (async_eval) and dropping their
  // inputs while this walks.
  TracingScope scope;  // is_tracer() answers inside a trace
  auto order = topological_order(outputs, [&](const array& a) {
    return !a.has_primitive() || depends.count(a.id()) > 0 || !a.is_tracer();
  });
  // Forward: the nodes that depend on an input.
  std::vector<char> dep(order.size(), 0);
  for (size_t i = 0; i < order.size(); ++i) {
    const array& node = order[i];
    if (skip_stop_gradient && node.primitive().is_stop_gradient()) continue;
    bool d = false;
    for (auto& in : node.inputs()) d |= depends.count(in.id()) > 0;
    if (!d) continue;
    dep[i] = 1;
    for (auto& o : node.outputs()) depends.insert(o.id());
  }
  // Backward: of those, the ones the outputs need. The walk stops at
  // stop_gradient, so what only feeds one (the inside of a custom_function)
  // gets no tangent or cotangent.
  std::unordered_set<std::uintptr_t> needed;
  for (auto& o : outputs) needed.insert(o.id());
  for (size_t i = order.size(); i-- > 0;) {
    if (!dep[i]) continue;
    const array& node = order[i];
    bool used = false;
    for (auto& o : node.outputs()) used |= needed.count(o.id()) > 0;
    if (!used) {
      dep[i] = 0;
      continue;
    }
    for (auto& in : node.inputs()) needed.insert(in.id());
  }
  std::vector<array> tape;
  for (size_t i = 0; i < order.size(); ++i)
    if (dep[i]) tape.push_back(order[i]);
  return tape;
}

namespace {

// Runs one primitive and marks its outputs evaluated. Outside of tracing, the
// node then forgets its inputs so the graph is freed as evaluation proceeds.
void run_node(array& node) {
  auto outputs = node.outputs();
  auto prim = node.primitive_ptr();
  try {
    if (prim->device() == Device::cpu) {
      prim->eval_cpu(node.inputs(), outputs);
    } else {
      prim->eval_gpu(node.inputs(), outputs);
    }
  } catch (...) {
    // Allocating an output marks it available; a kernel that then fails must
    // not leave it so, or the next eval would hand out its garbage.
    for (auto& o : outputs) o.set_status(array::Status::unscheduled);
    throw;
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

bool is_done(const array& a) {
  return a.status() != array::Status::unscheduled;
}

void run_in_order(std::vector<array>& order) {
  for (auto& node : order) {
    array n = std::move(node);  // drop the tape's reference as we go
    if (n.status() == array::Status::unscheduled) run_node(n);
  }
}

void eval_now(const std::vector<array>& outputs) {
  // A kernel of an async job reads its own outputs (data<T>()) while they are
  // still `scheduled`: nothing to do, and no graph walk for it.
  if (outputs.size() == 1 && is_done(outputs[0])) return;
  // Fast path: a single node whose inputs are all evaluated.
  if (outputs.size() == 1) {
    bool ready = true;
    for (auto& in : outputs[0].inputs()) ready &= in.is_available();
    if (ready) {
      array node = outputs[0];
      run_node(node);
      return;
    }
  }
  auto order = topological_order(outputs, is_done);
  run_in_order(order);
}

BackgroundRunner background_runner = nullptr;  // constant-initialised

// True while this thread runs an async_eval job: it must not wait for itself.
thread_local bool in_async_job = false;

// async_eval's bookkeeping. A job's nodes are put in order and marked
// `scheduled` on the caller, so that any later eval stops at them rather than
// evaluating them a second time, and waits for the queue only when its graph
// reaches one. Graphs that touch no scheduled node evaluate at once, beside
// the background job.
class AsyncQueue {
 public:
  void push(const std::vector<array>& outputs) {
    auto order = topological_order(outputs, is_done);
    if (order.empty()) return;
    for (auto& node : order) {
      for (auto& o : node.outputs()) o.set_status(array::Status::scheduled);
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++pending_;
      in_flight_.store(true, std::memory_order_release);
    }
    auto job = [this, order = std::move(order)]() mutable { run(order); };
    if (background_runner) {
      background_runner(std::move(job));
    } else {
      job();
    }
  }
  bool in_flight() const { return in_flight_.load(std::memory_order_acquire); }
  void wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    done_cv_.wait(lock, [this] { return pending_ == 0; });
  }
  ~AsyncQueue() { wait(); }

 private:
  void run(std::vector<array>& order) {
    in_async_job = true;
    for (size_t i = 0; i < order.size(); ++i) {
      array node = std::move(order[i]);
      try {
        run_node(node);
      } catch (...) {
        // The failed node and the ones after it go back to unscheduled: the
        // eval that needs them computes them again and raises the error there.
        // (run_node has already reset the failed node.)
        for (size_t j = i + 1; j < order.size(); ++j) unschedule(order[j]);
        break;
      }
    }
    order.clear();
    in_async_job = false;
    std::lock_guard<std::mutex> lock(mutex_);
    if (--pending_ == 0) in_flight_.store(false, std::memory_order_release);
    done_cv_.notify_all();
  }
  static void unschedule(const array& node) {
    for (auto& o : node.outputs()) {
      if (o.status() == array::Status::scheduled) o.set_status(array::Status::unscheduled);
    }
  }

  std::mutex mutex_;
  std::condition_variable done_cv_;
  int pending_ = 0;
  std::atomic<bool> in_flight_{false};
};

AsyncQueue& async_queue() {
  static AsyncQueue q;
  return q;
}

}  // namespace

void set_background_runner(BackgroundRunner runner) {
  background_runner = runner;
}

void eval(std::vector<array> outputs) {
  if (in_async_job || !async_queue().in_flight()) return eval_now(outputs);
  bool reaches_scheduled = false;
  auto order = topological_order(outputs, [&](const array& a) {
    auto s = a.status();
    reaches_scheduled |= s == array::Status::scheduled;
    return s != array::Status::unscheduled;
  });
  if (reaches_scheduled) {
    // Order again after the wait: a failed job puts its nodes back to
    // unscheduled, and they must run (and raise their error) here.
    order.clear();
    async_queue().wait();
    return eval_now(outputs);
  }
  run_in_order(order);
}

void async_eval(std::vector<array> outputs) {
  async_queue().push(outputs);
}

void Primitive::eval_elementwise_cpu(const std::vector<array>&, array&) const {
  fail(name(), "Not an elementwise primitive: it cannot be evaluated in a fused kernel.");
}

}  // namespace lmx
