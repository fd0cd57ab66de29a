// The seeds' MNIST MLP trained data-parallel over MPI: every rank starts from
// the same seed (the same weights), takes its shard of each minibatch and
// averages its gradients with the others' (nn::average_gradients) before the
// update, so the ranks keep identical weights. Rank 0 prints the accuracy.
//
//   lmx-launch -n 2 ./build/examples/mnist_distributed --data ../shared/data/mnist
//   ./build/examples/mnist_distributed            (one process, the same job)
#include <lmx/lmx.h>
#include <CLI/CLI.hpp>
#include <cstdio>

#include "example_data.h"

namespace mx = lmx;
namespace nn = lmx::nn;

struct MLP : nn::Module {
  std::vector<nn::Linear> layers;
  MLP(int num_layers, int input_dim, int hidden_dim, int output_dim) {
    std::vector<int> sizes(num_layers + 2, hidden_dim);
    sizes.front() = input_dim;
    sizes.back() = output_dim;
    for (size_t i = 0; i + 1 < sizes.size(); ++i) layers.emplace_back(sizes[i], sizes[i + 1]);
    register_module("layers", layers);
  }
  mx::array operator()(mx::array x) override {
    for (size_t i = 0; i + 1 < layers.size(); ++i) x = mx::maximum(layers[i](x), 0.0f);
    return layers.back()(x);
  }
};

int train(int argc, char** argv) {
  CLI::App app{"Train the seeds' MLP on MNIST data-parallel with lmx::distributed"};
  int batch_size = 256, num_epochs = 2;
  float learning_rate = 1e-1f;
  int64_t all_reduce_size = 32 * 1024 * 1024;
  uint64_t seed = 0;
  std::string data_dir;
  app.add_option("--batch-size", batch_size, "The total over all ranks")->capture_default_str();
  app.add_option("--epochs", num_epochs)->capture_default_str();
  app.add_option("--lr", learning_rate)->capture_default_str();
  app.add_option("--seed", seed)->capture_default_str();
  app.add_option("--all-reduce-size", all_reduce_size, "Gradient bucket bytes (0: per array)")
      ->capture_default_str();
  app.add_option("--data", data_dir, "Directory with the IDX .gz files (default: the cache)");
  CLI11_PARSE(app, argc, argv);

  auto world = mx::distributed::init();
  const int rank = world.rank(), size = world.size();
  if (batch_size % size != 0) {
    throw std::invalid_argument("--batch-size " + std::to_string(batch_size) +
                                " does not split over " + std::to_string(size) + " ranks.");
  }
  mx::random::seed(seed);
  auto data = load_example_dataset("mnist", data_dir);
  MLP model(2, data.train_images.shape(-1), 32, 10);
  mx::eval(model.parameters());
  mx::optim::SGD optimizer(learning_rate);
  auto loss_and_grad =
      nn::value_and_grad(model, [](MLP& m, const mx::array& x, const mx::array& y) {
        return mx::mean(nn::losses::cross_entropy(m(x), y));
      });

  const int n = data.train_images.shape(0), shard = batch_size / size;
  auto key = mx::random::key(seed);
  for (int e = 0; e < num_epochs; ++e) {
    // The same permutation on every rank; each takes its rows of a batch.
    auto [next, sub] = mx::random::split(key);
    key = next;
    auto perm = mx::random::permutation(n, sub);
    mx::eval(perm);
    for (int start = 0; start + batch_size <= n; start += batch_size) {
      auto ids = mx::slice(perm, {start + rank * shard}, {start + (rank + 1) * shard});
      auto [loss, grads] = loss_and_grad(model, mx::take(data.train_images, ids, 0),
                                         mx::take(data.train_labels, ids, 0));
      grads = nn::average_gradients(grads, world, all_reduce_size);
      optimizer.update(model, grads);
      mx::eval(model.parameters(), optimizer.state());
    }
    auto accuracy =
        mx::mean(mx::argmax(model(data.test_images), 1) == data.test_labels).item<float>();
    if (rank == 0) std::printf("Epoch %d: Test accuracy %.4f (%d ranks)\n", e, accuracy, size);
    std::fflush(stdout);
  }
  // Every rank's weights agree to the bit: check with a sum of their bits.
  uint64_t digest = 0;
  for (auto& [k, v] : mx::tree_flatten(model.parameters())) {
    auto bits = mx::view(v, mx::uint32);
    digest += mx::sum(mx::astype(bits, mx::uint64)).item<uint64_t>();
  }
  std::printf("rank %d weights %016llx\n", rank, static_cast<unsigned long long>(digest));
  return 0;
}

int main(int argc, char** argv) {
  return run_example([&] { return train(argc, argv); });
}
