// The transformer step's per-activation layers at the training shapes of
// examples/char_transformer (batch 32, 64 positions, 96 features, 4 heads,
// MLP 384): RMSNorm, RoPE on one projection's heads, GELU (and the graph it
// replaced), and an add for scale. Each row is the median of `--reps` calls (default 30),
// milliseconds, of the forward alone and of the forward with its vjp, as a user's program runs them
// (building the graph, then eval).
//
//   ./build-bench/bench/layer_parts [--reps N]
#include <lmx/lmx.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

namespace mx = lmx;
namespace nn = lmx::nn;

namespace {

using Fn = std::function<std::vector<mx::array>(const std::vector<mx::array>&)>;

template <typename F>
double median_ms(F&& f, int reps) {
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    auto a = std::chrono::steady_clock::now();
    f();
    auto b = std::chrono::steady_clock::now();
    t.push_back(std::chrono::duration<double, std::milli>(b - a).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

void row(const char* name, const Fn& f, const std::vector<mx::array>& in, const mx::array& ct,
         int reps) {
  double fwd = median_ms([&] { mx::eval(f(in)); }, reps);
  double both = median_ms(
      [&] {
        auto [outs, grads] = mx::vjp(f, in, {ct});
        mx::eval(outs);
        mx::eval(grads);
      },
      reps);
  std::printf("| %s | %.3f | %.3f |\n", name, fwd, both);
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 30;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--reps") == 0) reps = std::max(1, std::stoi(argv[i + 1]));
  }
  auto x = mx::random::normal({32, 64, 96}), w = mx::ones({96});
  auto q = mx::random::normal({32, 4, 64, 24}), h = mx::random::normal({32, 64, 384});
  auto ct_x = mx::random::normal({32, 64, 96}), ct_q = mx::random::normal({32, 4, 64, 24}),
       ct_h = mx::random::normal({32, 64, 384});
  mx::eval({x, w, q, h, ct_x, ct_q, ct_h});
  std::printf("| layer | forward ms | forward + vjp ms |\n|---|---|---|\n");
  row(
      "rms_norm (32, 64, 96)",
      [](const std::vector<mx::array>& a) {
        return std::vector<mx::array>{mx::fast::rms_norm(a[0], a[1], 1e-5f)};
      },
      {x, w}, ct_x, reps);
  row(
      "rope (32, 4, 64, 24)",
      [](const std::vector<mx::array>& a) {
        return std::vector<mx::array>{mx::fast::rope(a[0], 24, false, 10000.0f, 1.0f, 0)};
      },
      {q}, ct_q, reps);
  row(
      "gelu (32, 64, 384)",
      [](const std::vector<mx::array>& a) { return std::vector<mx::array>{nn::gelu(a[0])}; }, {h},
      ct_h, reps);
  // The graph nn::gelu was before it became one map, for comparison.
  row(
      "gelu as a graph (32, 64, 384)",
      [](const std::vector<mx::array>& a) {
        auto c = [&](double v) { return mx::array(v, a[0].dtype()); };
        return std::vector<mx::array>{mx::divide(
            mx::multiply(a[0], mx::add(c(1), mx::erf(mx::divide(a[0], c(std::sqrt(2.0)))))), c(2))};
      },
      {h}, ct_h, reps);
  row(
      "add (32, 64, 384)",
      [](const std::vector<mx::array>& a) { return std::vector<mx::array>{mx::add(a[0], a[0])}; },
      {h}, ct_h, reps);
}
