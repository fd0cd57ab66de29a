// Peak memory of one gradient of a deep residual MLP (each block
// x + gelu(x W1) W2 with a 4x wider hidden layer, as a transformer's), with
// and without checkpoint around each block: lmx::checkpoint recomputes a
// block's forward pass during the backward pass instead of keeping its
// intermediates.
//   build-bench/bench/checkpoint_memory [blocks (16)] [width (256)] [batch (2048)]
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "lmx/lmx.h"

using namespace lmx;

namespace {

struct Result {
  double peak_mb, seconds, loss;
};

Result run(int layers, int width, int batch, bool checkpointed) {
  std::vector<array> weights;
  for (int i = 0; i < 2 * layers; ++i) {
    Shape shape = i % 2 == 0 ? Shape{width, 4 * width} : Shape{4 * width, width};
    weights.push_back(random::normal(shape, float32, random::key(i)) *
                      (0.5f / std::sqrt(static_cast<float>(shape[0]))));
  }
  auto x = random::normal({batch, width}, float32, random::key(1000));
  eval(weights);
  eval(x);
  auto layer = [](const std::vector<array>& v) {
    auto h = matmul(v[0], v[1]);
    auto g = h * sigmoid(h * 1.702f);
    return std::vector<array>{v[0] + matmul(g, v[2])};
  };
  CustomFn block = checkpointed ? checkpoint(layer) : CustomFn(layer);
  auto loss = [&](const std::vector<array>& w) {
    auto h = x;
    for (int i = 0; i < layers; ++i) h = block({h, w[2 * i], w[2 * i + 1]})[0];
    return mean(square(h));
  };
  std::vector<int> argnums(2 * layers);
  for (int i = 0; i < 2 * layers; ++i) argnums[i] = i;
  auto vg = value_and_grad(loss, argnums);
  clear_cache();
  reset_peak_memory();
  size_t before = get_active_memory();
  auto t0 = std::chrono::steady_clock::now();
  auto [value, grads] = vg(weights);
  eval(grads);
  eval(value);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return {(get_peak_memory() - before) / 1e6, secs, value.item<float>()};
}

}  // namespace

int main(int argc, char** argv) {
  int layers = argc > 1 ? std::atoi(argv[1]) : 16;
  int width = argc > 2 ? std::atoi(argv[2]) : 256;
  int batch = argc > 3 ? std::atoi(argv[3]) : 2048;
  std::printf(
      "residual MLP: %d blocks of x + gelu(x @ W1) @ W2, width %d (hidden %d), batch %d, "
      "float32\n",
      layers, width, 4 * width, batch);
  std::printf("peak memory above the weights and inputs during value_and_grad + eval:\n");
  for (bool ck : {false, true}) {
    auto r = run(layers, width, batch, ck);
    std::printf("  %-14s peak %8.1f MB   time %.3f s   loss %.6f\n", ck ? "checkpoint" : "plain",
                r.peak_mb, r.seconds, r.loss);
  }
  return 0;
}
