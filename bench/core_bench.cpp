// Core engine figures beside libtorch and direct OpenBLAS:
//  - graph overhead: build and evaluate a chain of 1,000 tiny adds, and
//    evaluate after every tiny op;
//  - float32 GEMM on 256x784x32 and 1024^3;
//  - elementwise add of two 16M-float arrays; sum of 16M floats.
// Run through bench/run_core.sh, which prints medians and ratios.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <thread>

#include <lmx/lmx.h>

#ifdef LMX_WITH_TORCH
#include "torch_threads.h"
#endif

namespace mx = lmx;

namespace {

constexpr int kChain = 1000;
constexpr int kBig = 1 << 24;

void lmx_chain_build_and_eval(benchmark::State& state) {
  auto x = mx::array(1.0f);
  auto one = mx::array(1.0f);
  for (auto _ : state) {
    auto y = x;
    for (int i = 0; i < kChain; ++i) y = y + one;
    y.eval();
  }
  state.SetItemsProcessed(state.iterations() * kChain);
}

void lmx_eval_every_op(benchmark::State& state) {
  auto x = mx::array(1.0f);
  auto one = mx::array(1.0f);
  for (auto _ : state) {
    auto y = x;
    for (int i = 0; i < kChain; ++i) {
      y = y + one;
      y.eval();
    }
  }
  state.SetItemsProcessed(state.iterations() * kChain);
}

void lmx_gemm(benchmark::State& state) {
  int m = state.range(0), n = state.range(1), k = state.range(2);
  auto a = mx::random::normal({m, k}), b = mx::random::normal({k, n});
  mx::eval(a, b);
  for (auto _ : state) {
    auto c = mx::matmul(a, b);
    c.eval();
  }
  state.SetItemsProcessed(state.iterations() * 2LL * m * n * k);
}

void blas_gemm(benchmark::State& state) {
  int m = state.range(0), n = state.range(1), k = state.range(2);
  auto a = mx::random::normal({m, k}), b = mx::random::normal({k, n});
  mx::eval(a, b);
  std::vector<float> c(size_t(m) * n);
  mx::matmul(a, b).eval();  // lmx configures OpenBLAS's thread count once
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a.data<float>(), k,
                b.data<float>(), n, 0.0f, c.data(), n);
    benchmark::DoNotOptimize(c.data());
  }
  state.SetItemsProcessed(state.iterations() * 2LL * m * n * k);
}

void lmx_add_16m(benchmark::State& state) {
  auto a = mx::random::uniform({kBig}), b = mx::random::uniform({kBig});
  mx::eval(a, b);
  for (auto _ : state) {
    auto c = a + b;
    c.eval();
  }
  state.SetBytesProcessed(state.iterations() * 3LL * kBig * 4);
}

void lmx_sum_16m(benchmark::State& state) {
  auto a = mx::random::uniform({kBig});
  a.eval();
  for (auto _ : state) {
    auto s = mx::sum(a);
    s.eval();
  }
  state.SetBytesProcessed(state.iterations() * 1LL * kBig * 4);
}

#ifdef LMX_WITH_TORCH
void torch_chain(benchmark::State& state, bool grad) {
  torch_setup();
  auto x = torch::ones({}, torch::requires_grad(grad));
  auto one = torch::ones({});
  for (auto _ : state) {
    auto y = x;
    for (int i = 0; i < kChain; ++i) y = y + one;
    benchmark::DoNotOptimize(y.item<float>());
  }
  state.SetItemsProcessed(state.iterations() * kChain);
}
void torch_chain_no_grad(benchmark::State& s) {
  torch_chain(s, false);
}
void torch_chain_grad(benchmark::State& s) {
  torch_chain(s, true);
}

void torch_gemm(benchmark::State& state) {
  torch_setup();
  int m = state.range(0), n = state.range(1), k = state.range(2);
  auto a = torch::randn({m, k}), b = torch::randn({k, n});
  for (auto _ : state) {
    auto c = torch::mm(a, b);
    benchmark::DoNotOptimize(c.data_ptr());
  }
  state.SetItemsProcessed(state.iterations() * 2LL * m * n * k);
}

void torch_add_16m(benchmark::State& state) {
  torch_setup();
  auto a = torch::rand({kBig}), b = torch::rand({kBig});
  for (auto _ : state) {
    auto c = a + b;
    benchmark::DoNotOptimize(c.data_ptr());
  }
  state.SetBytesProcessed(state.iterations() * 3LL * kBig * 4);
}

void torch_sum_16m(benchmark::State& state) {
  torch_setup();
  auto a = torch::rand({kBig});
  for (auto _ : state) {
    auto s = a.sum();
    benchmark::DoNotOptimize(s.item<float>());
  }
  state.SetBytesProcessed(state.iterations() * 1LL * kBig * 4);
}
#endif

}  // namespace

BENCHMARK(lmx_chain_build_and_eval);
BENCHMARK(lmx_eval_every_op);
BENCHMARK(lmx_gemm)->Args({256, 32, 784})->Args({1024, 1024, 1024})->UseRealTime();
BENCHMARK(blas_gemm)->Args({256, 32, 784})->Args({1024, 1024, 1024})->UseRealTime();
BENCHMARK(lmx_add_16m)->UseRealTime();
BENCHMARK(lmx_sum_16m)->UseRealTime();
#ifdef LMX_WITH_TORCH
BENCHMARK(torch_chain_no_grad);
BENCHMARK(torch_chain_grad);
BENCHMARK(torch_gemm)->Args({256, 32, 784})->Args({1024, 1024, 1024})->UseRealTime();
BENCHMARK(torch_add_16m)->UseRealTime();
BENCHMARK(torch_sum_16m)->UseRealTime();
#endif

BENCHMARK_MAIN();
