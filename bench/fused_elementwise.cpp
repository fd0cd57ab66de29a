// Fused elementwise chains: the time of an AdamW step over float32
// parameters, as a user's program runs it, three ways in one process, taking
// turns call by call (this machine is too noisy for separate runs):
//   ops       the update's ops, unfused (CompileMode::no_fuse)
//   fused     the same update, as the optimizer runs it by default (its
//             chains fused for parameters of 2^19 elements or more)
//   compiled  the update written as a function of (p, g, m, v) and passed
//             through lmx::compile (every size fused)
// and, with --torch, libtorch's torch::optim::AdamW on the same sizes in its
// own process (run the two commands alternately; libtorch's OpenMP threads
// slow lmx's pool when both live in one process).
//
//   build-bench/bench/fused_elementwise [--reps 50] [--torch]
//
// Each line: parameter sizes, median microseconds per step of each way, and
// the ratios to the unfused ops.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <lmx/lmx.h>

#ifdef LMX_WITH_TORCH
#include "torch_threads.h"
#endif

namespace {

using Clock = std::chrono::steady_clock;

struct Case {
  const char* name;
  std::vector<lmx::Shape> shapes;
};

const std::vector<Case> kCases = {
    {"25K floats", {{25000}}},
    {"100K floats", {{100000}}},
    {"wide MLP params (270K)", {{256, 784}, {256}, {256, 256}, {256}, {10, 256}, {10}}},
    {"1M floats", {{1 << 20}}},
    {"4M floats", {{1 << 22}}},
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

constexpr float kLr = 1e-3f, kB1 = 0.9f, kB2 = 0.999f, kEps = 1e-8f, kWd = 0.01f;

// AdamW without bias correction (the optimizer's default), as one function.
std::vector<lmx::array> adamw_step(const std::vector<lmx::array>& in) {
  using namespace lmx;
  const array &p = in[0], &g = in[1], &m0 = in[2], &v0 = in[3];
  auto decayed = multiply(p, array(1.0f - kLr * kWd));
  auto m = add(multiply(array(kB1), m0), multiply(array(1.0f - kB1), g));
  auto v = add(multiply(array(kB2), v0), multiply(array(1.0f - kB2), square(g)));
  auto np = subtract(decayed, divide(multiply(array(kLr), m), add(sqrt(v), array(kEps))));
  return {np, m, v};
}

void run_lmx(int reps) {
  std::printf("| parameters | ops us | fused us | compiled us | fused / ops | compiled / ops |\n");
  std::printf("| --- | --- | --- | --- | --- | --- |\n");
  auto compiled = lmx::compile(adamw_step);
  for (auto& c : kCases) {
    lmx::Tree params = lmx::Tree::dict(), grads = lmx::Tree::dict();
    std::vector<std::vector<lmx::array>> state;  // per parameter: p, m, v
    for (size_t i = 0; i < c.shapes.size(); ++i) {
      auto key = "p" + std::to_string(i);
      params[key] = lmx::random::normal(c.shapes[i], lmx::random::key(i));
      grads[key] = lmx::random::normal(c.shapes[i], lmx::random::key(100 + i));
      state.push_back({params[key].as_array(), lmx::zeros(c.shapes[i]), lmx::zeros(c.shapes[i])});
    }
    lmx::eval(params, grads);
    lmx::optim::AdamW unfused_opt(kLr), fused_opt(kLr);
    lmx::Tree unfused_p = params, fused_p = params;
    std::vector<double> t_ops, t_fused, t_compiled;
    for (int r = 0; r < reps + 2; ++r) {
      auto start = Clock::now();
      lmx::set_compile_mode(lmx::CompileMode::no_fuse);
      unfused_p = unfused_opt.apply_gradients(grads, unfused_p);
      lmx::eval(unfused_p, unfused_opt.state());
      lmx::set_compile_mode(lmx::CompileMode::enabled);
      auto mid = Clock::now();
      fused_p = fused_opt.apply_gradients(grads, fused_p);
      lmx::eval(fused_p, fused_opt.state());
      auto mid2 = Clock::now();
      std::vector<lmx::array> outs;
      for (size_t i = 0; i < state.size(); ++i) {
        auto g = grads["p" + std::to_string(i)].as_array();
        auto o = compiled({state[i][0], g, state[i][1], state[i][2]});
        state[i] = o;
        outs.insert(outs.end(), o.begin(), o.end());
      }
      lmx::eval(outs);
      auto end = Clock::now();
      if (r < 2) continue;  // warm-up: first traces, allocator
      t_ops.push_back(std::chrono::duration<double, std::micro>(mid - start).count());
      t_fused.push_back(std::chrono::duration<double, std::micro>(mid2 - mid).count());
      t_compiled.push_back(std::chrono::duration<double, std::micro>(end - mid2).count());
    }
    double ops = median(t_ops), fused = median(t_fused), comp = median(t_compiled);
    std::printf("| %s | %.1f | %.1f | %.1f | %.2f | %.2f |\n", c.name, ops, fused, comp,
                fused / ops, comp / ops);
    std::fflush(stdout);
  }
}

#ifdef LMX_WITH_TORCH
void run_torch(int reps) {
  torch_setup();
  torch::NoGradGuard no_grad;
  std::printf("| parameters | libtorch AdamW us |\n| --- | --- |\n");
  for (auto& c : kCases) {
    std::vector<torch::Tensor> params;
    for (auto& s : c.shapes) {
      std::vector<int64_t> dims(s.begin(), s.end());
      auto p = torch::randn(dims).set_requires_grad(true);
      p.mutable_grad() = torch::randn(dims);
      params.push_back(p);
    }
    torch::optim::AdamW opt(params, torch::optim::AdamWOptions(kLr).weight_decay(kWd));
    std::vector<double> t;
    for (int r = 0; r < reps + 2; ++r) {
      auto start = Clock::now();
      opt.step();
      auto end = Clock::now();
      if (r >= 2) t.push_back(std::chrono::duration<double, std::micro>(end - start).count());
    }
    std::printf("| %s | %.1f |\n", c.name, median(t));
    std::fflush(stdout);
  }
}
#endif

}  // namespace

int main(int argc, char** argv) {
  int reps = 50;
  bool torch_peer = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--reps") == 0 && i + 1 < argc) {
      reps = std::max(1, std::atoi(argv[++i]));
    } else if (std::strcmp(argv[i], "--torch") == 0) {
      torch_peer = true;
    } else {
      std::fprintf(stderr, "usage: %s [--reps N] [--torch]\n", argv[0]);
      return 2;
    }
  }
  if (torch_peer) {
#ifdef LMX_WITH_TORCH
    run_torch(reps);
    return 0;
#else
    std::fprintf(stderr, "built without libtorch (apt-get install libtorch-dev)\n");
    return 2;
#endif
  }
  run_lmx(reps);
}
