// The MNIST CNN step's layers at the training shapes of examples/mnist_cnn
// (batches of 128; Conv2d 1->16 5x5, ReLU, MaxPool2d(2), Conv2d 16->32 5x5,
// ReLU, MaxPool2d(2), Linear 512->128, ReLU, Linear 128->10, cross entropy),
// and the whole step (value_and_grad of the model plus Adam's update). Each
// row is the median of `--reps` calls (default 30), milliseconds, of the
// forward alone and of the forward with its vjp, as a user's program runs
// them (building the graph, then eval). The first convolution's input is data,
// so only its weight and bias get gradients, as in training.
//
//   ./build-bench/bench/cnn_parts [--reps N]
#include <lmx/lmx.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

namespace mx = lmx;
namespace nn = lmx::nn;
namespace optim = lmx::optim;

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

void row(const char* name, const Fn& f, const std::vector<mx::array>& in, int reps) {
  auto out = f(in);
  mx::eval(out);
  auto ct = mx::random::normal(out[0].shape());
  mx::eval(ct);
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

std::vector<mx::array> one(mx::array a) { return {std::move(a)}; }

}  // namespace

int main(int argc, char** argv) {
  int reps = 30;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--reps") == 0) reps = std::max(1, std::stoi(argv[i + 1]));
  }
  mx::random::seed(0);
  auto images = mx::random::uniform({128, 28, 28, 1});
  auto labels = mx::random::randint(0, 10, {128});
  auto w1 = mx::random::normal({16, 5, 5, 1}), b1 = mx::zeros({16});
  auto a1 = mx::random::normal({128, 24, 24, 16});
  auto p1 = mx::random::normal({128, 12, 12, 16});
  auto w2 = mx::random::normal({32, 5, 5, 16}), b2 = mx::zeros({32});
  auto a2 = mx::random::normal({128, 8, 8, 32});
  auto f = mx::random::normal({128, 512});
  auto l1 = mx::random::normal({128, 512}), l1b = mx::zeros({128});
  mx::eval({images, labels, w1, b1, a1, p1, w2, b2, a2, f, l1, l1b});
  nn::MaxPool2d pool(2);

  std::printf("| layer | forward ms | forward + vjp ms |\n|---|---|---|\n");
  row(
      "conv1 128x28x28x1 -> 16, 5x5, + bias (w, b)",
      [&](const std::vector<mx::array>& a) {
        return one(mx::add(mx::conv2d(images, a[0]), a[1]));
      },
      {w1, b1}, reps);
  row(
      "relu (128, 24, 24, 16)", [](const std::vector<mx::array>& a) { return one(nn::relu(a[0])); },
      {a1}, reps);
  row(
      "max_pool 2 (128, 24, 24, 16)",
      [&](const std::vector<mx::array>& a) { return one(pool(a[0])); }, {a1}, reps);
  row(
      "conv2 128x12x12x16 -> 32, 5x5, + bias (x, w, b)",
      [](const std::vector<mx::array>& a) { return one(mx::add(mx::conv2d(a[0], a[1]), a[2])); },
      {p1, w2, b2}, reps);
  row(
      "relu (128, 8, 8, 32)", [](const std::vector<mx::array>& a) { return one(nn::relu(a[0])); },
      {a2}, reps);
  row(
      "max_pool 2 (128, 8, 8, 32)",
      [&](const std::vector<mx::array>& a) { return one(pool(a[0])); }, {a2}, reps);
  row(
      "linear 512 -> 128 (x, w, b)",
      [](const std::vector<mx::array>& a) {
        return one(mx::addmm(a[2], a[0], mx::transpose(a[1])));
      },
      {f, l1, l1b}, reps);

  // The whole step as examples/mnist_cnn runs it.
  nn::Sequential model(nn::Conv2d(1, 16, 5), nn::ReLU(), nn::MaxPool2d(2),   //
                       nn::Conv2d(16, 32, 5), nn::ReLU(), nn::MaxPool2d(2),  //
                       nn::Flatten(), nn::Linear(4 * 4 * 32, 128), nn::ReLU(), nn::Linear(128, 10));
  mx::eval(model.parameters());
  auto loss_fn = [](nn::Sequential& m, const mx::array& X, const mx::array& y) {
    return mx::mean(nn::losses::cross_entropy(m(X), y));
  };
  auto loss_and_grad = nn::value_and_grad(model, loss_fn);
  optim::Adam opt(1e-3f);
  auto step = [&] {
    auto [loss, grads] = loss_and_grad(model, images, labels);
    opt.update(model, grads);
    mx::eval(loss, model.parameters(), opt.state());
  };
  step();
  std::printf("| training step (value_and_grad, Adam, eval) | | %.3f |\n", median_ms(step, reps));
}
