// float32 matmul GFLOP/s in every layout a user's program produces, for the
// shapes of the MLP, CNN and transformer workloads:
//   NN  a (m, k) @ b (k, n)              weights stored (in, out)
//   NT  a @ transpose(b), b (n, k)       nn.Linear's weight
//   TN  transpose(a) @ b, a (k, m)       a weight gradient: x^T @ dy
//   TT  transpose(a) @ transpose(b)
// batched (one product per leading index: attention) or broadcast (a batched
// a times one shared b: a Linear on (batch, length, dims) input) where the
// model has it. The four layouts of a shape take turns call by call, round
// after round, and the table gives each layout's GFLOP/s at its median call
// and its ratio to the shape's best layout.
//
//   build-bench/bench/matmul_layouts [--rounds 7]
// LMX_ISA and LMX_SGEMM=blas choose the kernels as for every lmx program.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <lmx/lmx.h>

namespace mx = lmx;

namespace {

struct Shape {
  const char* workload;
  int batch, m, n, k;
  bool broadcast_b = false;  // b has no batch axis
};

// The products of one training step of each workload (forward, then the
// gradients' shapes where they differ).
const std::vector<Shape> kShapes = {
    {"MLP layer 1 fwd (256x784 @ 784x32)", 1, 256, 32, 784},
    {"MLP layer 1 dW (784x256 @ 256x32)", 1, 784, 32, 256},
    {"MLP layer 1 dx (256x32 @ 32x784)", 1, 256, 784, 32},
    {"wide MLP fwd (256x784 @ 784x256)", 1, 256, 256, 784},
    {"wide MLP hidden (256x256 @ 256x256)", 1, 256, 256, 256},
    {"CNN conv2 im2col (8192x400 @ 400x32)", 1, 8192, 32, 400},
    {"CNN fc1 (128x512 @ 512x128)", 1, 128, 128, 512},
    {"conv 8x64x64x64 3x3 im2col (32768x576 @ 576x64)", 1, 32768, 64, 576},
    {"transformer qkv (32 x 64x96 @ 96x96, shared b)", 32, 64, 96, 96, true},
    {"transformer mlp (32 x 64x96 @ 96x384, shared b)", 32, 64, 384, 96, true},
    {"transformer mlp dW (96x2048 @ 2048x384)", 1, 96, 384, 2048},
    {"attention scores (128 x 64x24 @ 24x64)", 128, 64, 64, 24},
    {"attention values (128 x 64x64 @ 64x24)", 128, 64, 24, 64},
    {"attention (8x8 heads, 256x64 @ 64x256)", 64, 256, 256, 64},
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 7;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::max(1, std::atoi(argv[i + 1]));
  }
  const char* layouts[] = {"NN", "NT", "TN", "TT"};
  // Half a second of products first: on a virtual machine an idle second core
  // takes hundreds of milliseconds to come up to speed (the first shape's
  // two-thread figures were those of one thread until it did).
  {
    auto a = mx::random::normal({256, 256}), b = mx::random::normal({256, 256});
    mx::eval(a, b);
    for (auto t0 = std::chrono::steady_clock::now(); seconds_since(t0) < 0.5;) {
      mx::matmul(a, b).eval();
    }
  }
  std::printf("| product | NN | NT | TN | TT | worst / best |\n|---|---|---|---|---|---|\n");
  for (const auto& s : kShapes) {
    auto key = mx::random::key(s.m * 31 + s.n);
    mx::Shape lead = s.batch > 1 ? mx::Shape{s.batch} : mx::Shape{};
    auto with = [&](int r, int c, bool batched = true) {
      mx::Shape sh = batched ? lead : mx::Shape{};
      sh.push_back(r);
      sh.push_back(c);
      return sh;
    };
    auto swap_last = [](const mx::array& x) { return mx::swapaxes(x, -1, -2); };
    // Stored operands: a as (m, k) and as (k, m), b as (k, n) and as (n, k).
    auto a_n = mx::random::normal(with(s.m, s.k), mx::float32, key);
    auto b_n =
        mx::random::normal(with(s.k, s.n, !s.broadcast_b), mx::float32, mx::random::key(s.k));
    auto a_t = mx::contiguous(swap_last(a_n)), b_t = mx::contiguous(swap_last(b_n));
    mx::eval(a_n, b_n, a_t, b_t);
    auto product = [&](int layout) {
      const auto& a = layout / 2 ? swap_last(a_t) : a_n;
      const auto& b = layout % 2 ? swap_last(b_t) : b_n;
      return mx::matmul(a, b);
    };
    // Calls per round: about 20 ms of work per layout at 100 GFLOP/s. The
    // layouts take turns call by call, so a slow stretch of a noisy machine
    // falls on all four alike, and each layout's figure is its median call.
    double flops = 2.0 * s.batch * s.m * s.n * s.k;
    int calls = std::max(1, static_cast<int>(2e9 / flops));
    std::vector<std::vector<double>> seconds(4);
    for (int r = 0; r < rounds + 1; ++r) {
      for (int c = 0; c < calls; ++c) {
        for (int layout = 0; layout < 4; ++layout) {
          auto t0 = std::chrono::steady_clock::now();
          product(layout).eval();
          if (r > 0) seconds[layout].push_back(seconds_since(t0));  // round 0 warms up
        }
      }
    }
    double med[4], best = 0, worst = 1e30;
    for (int layout = 0; layout < 4; ++layout) {
      auto& v = seconds[layout];
      std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
      med[layout] = flops / v[v.size() / 2] / 1e9;
      best = std::max(best, med[layout]);
      worst = std::min(worst, med[layout]);
    }
    std::printf("| %s |", s.workload);
    for (int layout = 0; layout < 4; ++layout) std::printf(" %.0f |", med[layout]);
    std::printf(" %.2f |\n", worst / best);
    std::fflush(stdout);
  }
  std::printf("GFLOP/s at the median call of %d rounds; layouts: %s %s %s %s\n", rounds, layouts[0],
              layouts[1], layouts[2], layouts[3]);
  return 0;
}
