// A LeNet-style CNN on MNIST, written like the seeds' MLP program: an
// nn::Sequential of Conv2d / ReLU / MaxPool2d / Flatten / Linear, trained with
// nn::value_and_grad and Adam, printing test accuracy each epoch.
#include <lmx/lmx.h>
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "example_data.h"

namespace mx = lmx;
namespace nn = lmx::nn;
namespace optim = lmx::optim;

int train(int argc, char** argv) {
  CLI::App app{"Train a LeNet-style CNN on MNIST with lmx"};
  int batch_size = 128, num_epochs = 5;
  float learning_rate = 1e-3f;
  std::string data_dir, dataset = "mnist", save_path, load_path, optimizer_name = "adam";
  uint64_t seed = 0;
  app.add_option("--batch-size", batch_size)->capture_default_str();
  app.add_option("--epochs", num_epochs)->capture_default_str();
  app.add_option("--lr", learning_rate, "Learning rate")->capture_default_str();
  app.add_option("--optimizer", optimizer_name, "sgd, adam or adamw")->capture_default_str();
  app.add_option("--dataset", dataset, "mnist or fashion_mnist")->capture_default_str();
  app.add_option("--data", data_dir,
                 "Directory with the IDX .gz files (default: the download cache)");
  app.add_option("--seed", seed)->capture_default_str();
  app.add_option("--save", save_path, "Write the trained weights (.safetensors or .npz)");
  app.add_option("--load", load_path, "Start from saved weights (.safetensors or .npz)");
  CLI11_PARSE(app, argc, argv);

  auto optimizer = make_optimizer(optimizer_name, learning_rate);  // checks the name first
  mx::random::seed(seed);
  auto data = load_example_dataset(dataset, data_dir);
  // Images arrive flattened; the convolutions want (N, H, W, C).
  auto train_images = mx::reshape(data.train_images, {-1, 28, 28, 1});
  auto test_images = mx::reshape(data.test_images, {-1, 28, 28, 1});
  auto& train_labels = data.train_labels;
  auto& test_labels = data.test_labels;

  nn::Sequential model(nn::Conv2d(1, 16, 5), nn::ReLU(), nn::MaxPool2d(2),   //
                       nn::Conv2d(16, 32, 5), nn::ReLU(), nn::MaxPool2d(2),  //
                       nn::Flatten(), nn::Linear(4 * 4 * 32, 128), nn::ReLU(), nn::Linear(128, 10));
  if (!load_path.empty()) model.load_weights(load_path);
  mx::eval(model.parameters());
  std::cout << model << "\n";

  auto loss_fn = [](nn::Sequential& model, const mx::array& X, const mx::array& y) {
    return mx::mean(nn::losses::cross_entropy(model(X), y));
  };
  auto loss_and_grad_fn = nn::value_and_grad(model, loss_fn);

  // Test accuracy in batches keeps the unfolded patches small.
  auto accuracy = [&]() {
    model.eval();
    double correct = 0;
    int n = test_images.shape(0);
    for (int i = 0; i < n; i += 1000) {
      auto X = mx::slice(test_images, {i, 0, 0, 0}, {std::min(n, i + 1000), 28, 28, 1});
      auto y = mx::slice(test_labels, {i}, {std::min(n, i + 1000)});
      correct += mx::sum(mx::argmax(model(X), 1) == y).item<float>();
    }
    model.train();
    return correct / n;
  };

  for (int e = 0; e < num_epochs; ++e) {
    auto start = std::chrono::steady_clock::now();
    EpochProgress progress(e, train_images.shape(0), batch_size);
    for (auto [X, y] : mx::io::batch_iterate(batch_size, train_images, train_labels)) {
      auto [loss, grads] = loss_and_grad_fn(model, X, y);
      optimizer->update(model, grads);
      mx::eval(loss, model.parameters(), optimizer->state());
      progress.step(loss);
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    double acc = accuracy();
    progress.finish();
    std::printf("Epoch %d: Test accuracy %.4f, Time %.3f (s), Train loss %.4f\n", e, acc, seconds,
                progress.mean_loss());
    std::fflush(stdout);
  }
  if (!save_path.empty()) model.save_weights(save_path);
  return 0;
}

int main(int argc, char** argv) {
  return run_example([&] { return train(argc, argv); });
}
