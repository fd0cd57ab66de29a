// Layer kernels beside libtorch, on the shapes issue 5 names:
//  - conv2d forward + backward (input and weight gradients): MNIST-sized
//    (128 x 28 x 28 x 1 -> 16 channels, 5x5) and 8 x 64 x 64 x 64 -> 64, 3x3 pad 1;
//  - attention softmax(q k^T / sqrt(d)) v on (batch 8, heads 8, seq 256, dim 64),
//    forward, and forward + backward under a causal mask;
//  - 4-bit quantized_matmul (group 64) against float32 matmul, 4096 x 4096
//    weight, for 1 and 64 rows.
// Run through bench/run_nn.sh, which prints medians and ratios.
#include <benchmark/benchmark.h>

#include <cmath>
#include <thread>

#include <lmx/lmx.h>

#ifdef LMX_WITH_TORCH
#include "torch_threads.h"
#endif

namespace mx = lmx;

namespace {

struct ConvCase {
  int n, hw, cin, cout, k, pad;
};
constexpr ConvCase kConv[] = {{128, 28, 1, 16, 5, 0}, {8, 64, 64, 64, 3, 1}};

void lmx_conv2d(benchmark::State& state) {
  auto c = kConv[state.range(0)];
  auto x = mx::random::normal({c.n, c.hw, c.hw, c.cin});
  auto w = mx::random::normal({c.cout, c.k, c.k, c.cin});
  mx::eval(x, w);
  auto f = mx::value_and_grad(
      [&](const std::vector<mx::array>& in) {
        return mx::sum(mx::conv2d(in[0], in[1], {1, 1}, {c.pad, c.pad}));
      },
      std::vector<int>{0, 1});
  for (auto _ : state) {
    auto [loss, grads] = f({x, w});
    grads.push_back(loss);
    mx::eval(grads);
  }
}

// Arg 0: the forward pass; arg 1: forward and backward (the gradients of
// q, k and v) under a causal mask.
void lmx_attention(benchmark::State& state) {
  auto q = mx::random::normal({8, 8, 256, 64}), k = mx::random::normal({8, 8, 256, 64}),
       v = mx::random::normal({8, 8, 256, 64});
  mx::eval(q, k, v);
  auto f = mx::value_and_grad(
      [](const std::vector<mx::array>& in) {
        return mx::sum(
            mx::fast::scaled_dot_product_attention(in[0], in[1], in[2], 0.125f, "causal"));
      },
      std::vector<int>{0, 1, 2});
  for (auto _ : state) {
    if (state.range(0) == 0) {
      auto o = mx::fast::scaled_dot_product_attention(q, k, v, 0.125f);
      o.eval();
      continue;
    }
    auto [loss, grads] = f({q, k, v});
    grads.push_back(loss);
    mx::eval(grads);
  }
}

constexpr int kQ = 4096;

void lmx_matmul_f32(benchmark::State& state) {
  int m = state.range(0);
  auto x = mx::random::normal({m, kQ}), w = mx::random::normal({kQ, kQ});
  mx::eval(x, w);
  for (auto _ : state) {
    auto y = mx::matmul(x, mx::transpose(w));
    y.eval();
  }
}

void lmx_qmm_4bit(benchmark::State& state) {
  int m = state.range(0);
  auto x = mx::random::normal({m, kQ});
  auto q = mx::quantize(mx::random::normal({kQ, kQ}), 64, 4);
  x.eval();
  mx::eval(q);
  for (auto _ : state) {
    auto y = mx::quantized_matmul(x, q[0], q[1], q[2], true, 64, 4);
    y.eval();
  }
}

#ifdef LMX_WITH_TORCH
void torch_conv2d(benchmark::State& state) {
  torch_setup();
  auto c = kConv[state.range(0)];
  auto x = torch::randn({c.n, c.cin, c.hw, c.hw}, torch::requires_grad());
  auto w = torch::randn({c.cout, c.cin, c.k, c.k}, torch::requires_grad());
  for (auto _ : state) {
    auto y = torch::conv2d(x, w, {}, 1, c.pad).sum();
    y.backward();
    benchmark::DoNotOptimize(w.grad().data_ptr());
    x.mutable_grad().reset();
    w.mutable_grad().reset();
  }
}

// The same two figures. Debian's libtorch (1.13) has no fused attention
// (at::scaled_dot_product_attention came with 2.0), so the causal one is
// written as its users write it: scores, masked_fill with a precomputed
// mask, softmax, product.
void torch_attention(benchmark::State& state) {
  torch_setup();
  bool backward = state.range(0) == 1;
  auto opts = torch::TensorOptions().requires_grad(backward);
  auto q = torch::randn({8, 8, 256, 64}, opts), k = torch::randn({8, 8, 256, 64}, opts),
       v = torch::randn({8, 8, 256, 64}, opts);
  auto hidden = torch::ones({256, 256}, torch::kBool).triu(1);
  for (auto _ : state) {
    if (!backward) {
      auto s = torch::matmul(q, k.transpose(-1, -2)) * 0.125;
      auto o = torch::matmul(torch::softmax(s, -1), v);
      benchmark::DoNotOptimize(o.data_ptr());
      continue;
    }
    auto s = (torch::matmul(q, k.transpose(-1, -2)) * 0.125).masked_fill(hidden, -INFINITY);
    auto o = torch::matmul(torch::softmax(s, -1), v);
    o.sum().backward();
    benchmark::DoNotOptimize(v.grad().data_ptr());
    for (auto* t : {&q, &k, &v}) t->mutable_grad().reset();
  }
}

void torch_matmul_f32(benchmark::State& state) {
  torch_setup();
  int m = state.range(0);
  auto x = torch::randn({m, kQ}), w = torch::randn({kQ, kQ});
  for (auto _ : state) {
    auto y = torch::matmul(x, w.t());
    benchmark::DoNotOptimize(y.data_ptr());
  }
}
#endif

}  // namespace

BENCHMARK(lmx_conv2d)->Arg(0)->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(lmx_attention)->Arg(0)->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(lmx_matmul_f32)->Arg(1)->Arg(64)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(lmx_qmm_4bit)->Arg(1)->Arg(64)->UseRealTime()->Unit(benchmark::kMillisecond);
#ifdef LMX_WITH_TORCH
BENCHMARK(torch_conv2d)->Arg(0)->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(torch_attention)->Arg(0)->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(torch_matmul_f32)->Arg(1)->Arg(64)->UseRealTime()->Unit(benchmark::kMillisecond);
#endif

BENCHMARK_MAIN();
