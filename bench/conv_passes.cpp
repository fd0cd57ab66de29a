// The three passes of a float32 convolution (forward, input gradient, weight
// gradient) one node at a time, on the Winograd kernels and on the unfolded
// products (cpu::set_winograd_enabled), the two taking turns call by call so
// a slow stretch of a noisy machine falls on both. Prints the median call of
// each, in milliseconds.
//
//   build-bench/bench/conv_passes [--rounds 15]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <vector>

#include <lmx/lmx.h>

#include "lmx/backend/cpu/winograd.h"

namespace mx = lmx;

namespace {

struct Case {
  const char* what;
  int batch, size, c_in, c_out, window, padding;
};

const Case kCases[] = {
    {"8x64x64x64 -> 64, 3x3 pad 1", 8, 64, 64, 64, 3, 1},
    {"4x32x32x128 -> 128, 3x3 pad 1", 4, 32, 128, 128, 3, 1},
    {"MNIST CNN conv2: 128x12x12x16 -> 32, 5x5", 128, 12, 16, 32, 5, 0},
};

double median_ms(std::vector<double>& v) {
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2] * 1e3;
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 15;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::max(1, std::atoi(argv[i + 1]));
  }
  std::printf(
      "| convolution | pass | unfolded ms | Winograd ms | ratio |\n|---|---|---|---|---|\n");
  for (const Case& c : kCases) {
    auto x = mx::random::normal({c.batch, c.size, c.size, c.c_in});
    auto w = mx::random::normal({c.c_out, c.window, c.window, c.c_in});
    auto g = mx::make_window_geometry("conv_passes", {c.size, c.size}, {c.window, c.window}, {1},
                                      {c.padding}, {c.padding}, {1}, {1});
    auto dy = mx::random::normal({c.batch, g.output[0], g.output[1], c.c_out});
    mx::eval(x, w, dy);
    const char* names[3] = {"forward", "input gradient", "weight gradient"};
    std::function<mx::array()> passes[3] = {
        [&] { return mx::convolution(x, w, g, 1); },
        [&] { return mx::convolution_input_grad(dy, w, g, 1); },
        [&] { return mx::convolution_weight_grad(x, dy, g, 1); },
    };
    for (int p = 0; p < 3; ++p) {
      std::vector<double> seconds[2];
      for (int r = 0; r < rounds + 1; ++r) {
        for (int winograd = 0; winograd < 2; ++winograd) {
          mx::cpu::set_winograd_enabled(winograd == 1);
          auto t0 = std::chrono::steady_clock::now();
          passes[p]().eval();
          double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
          if (r > 0) seconds[winograd].push_back(s);  // round 0 warms up
        }
      }
      double unfolded = median_ms(seconds[0]), winograd = median_ms(seconds[1]);
      std::printf("| %s | %s | %.3f | %.3f | %.2f |\n", c.what, names[p], unfolded, winograd,
                  winograd / unfolded);
      std::fflush(stdout);
    }
  }
  mx::cpu::set_winograd_enabled(true);
}
