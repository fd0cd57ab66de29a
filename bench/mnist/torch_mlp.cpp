// The seeds' MNIST MLP in libtorch C++, for bench/mnist/run.sh: the same
// data files, model, optimizer and batch policy as examples/mnist_mlp, and the
// same output lines. It does not link lmx, so the two never share a BLAS.
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "torch_idx.h"

struct MLPImpl : torch::nn::Module {
  torch::nn::ModuleList layers;
  MLPImpl(int num_layers, int in, int hidden, int out) {
    std::vector<int> sizes(num_layers + 2, hidden);
    sizes.front() = in;
    sizes.back() = out;
    for (size_t i = 0; i + 1 < sizes.size(); ++i)
      layers->push_back(torch::nn::Linear(sizes[i], sizes[i + 1]));
    register_module("layers", layers);
  }
  torch::Tensor forward(torch::Tensor x) {
    for (size_t i = 0; i + 1 < layers->size(); ++i)
      x = torch::relu(layers[i]->as<torch::nn::Linear>()->forward(x));
    return layers[layers->size() - 1]->as<torch::nn::Linear>()->forward(x);
  }
};
TORCH_MODULE(MLP);

int main(int argc, char** argv) {
  int hidden = 32, epochs = 10, batch = 256, threads = 2;
  float lr = 0.1f;
  std::string optimizer = "sgd", data_dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--hidden-dim") hidden = std::stoi(argv[i + 1]);
    if (k == "--epochs") epochs = std::stoi(argv[i + 1]);
    if (k == "--lr") lr = std::stof(argv[i + 1]);
    if (k == "--optimizer") optimizer = argv[i + 1];
    if (k == "--data") data_dir = argv[i + 1];
    if (k == "--threads") threads = std::stoi(argv[i + 1]);
  }
  torch::set_num_threads(threads);
  torch::manual_seed(0);
  auto images = [&](const char* name) {
    return read_idx(data_dir + "/" + name).reshape({-1, 784}).to(torch::kFloat32) / 255.0;
  };
  auto labels = [&](const char* name) { return read_idx(data_dir + "/" + name).to(torch::kInt64); };
  auto xtr = images("train-images-idx3-ubyte.gz"), ytr = labels("train-labels-idx1-ubyte.gz");
  auto xte = images("t10k-images-idx3-ubyte.gz"), yte = labels("t10k-labels-idx1-ubyte.gz");
  MLP model(2, 784, hidden, 10);
  std::unique_ptr<torch::optim::Optimizer> opt;
  if (optimizer == "adamw") {
    opt = std::make_unique<torch::optim::AdamW>(model->parameters(),
                                                torch::optim::AdamWOptions(lr).weight_decay(0.01));
  } else {
    opt = std::make_unique<torch::optim::SGD>(model->parameters(), torch::optim::SGDOptions(lr));
  }
  int64_t n = xtr.size(0);
  for (int e = 0; e < epochs; ++e) {
    auto start = std::chrono::steady_clock::now();
    auto perm = torch::randperm(n);
    for (int64_t s = 0; s < n; s += batch) {
      auto ids = perm.slice(0, s, std::min(s + batch, n));
      auto x = xtr.index_select(0, ids), y = ytr.index_select(0, ids);
      opt->zero_grad();
      auto loss = torch::nn::functional::cross_entropy(model->forward(x), y);
      loss.backward();
      opt->step();
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    torch::NoGradGuard no_grad;
    auto acc = (model->forward(xte).argmax(1) == yte).to(torch::kFloat32).mean().item<float>();
    std::printf("Epoch %d: Test accuracy %.3f, Time %.3f (s)\n", e, acc, secs);
    std::fflush(stdout);
  }
}
