// The LeNet-style MNIST CNN of examples/mnist_cnn in libtorch C++, for
// bench/mnist/run_cnn.sh: the same layers (Conv2d 1->16 5x5, ReLU, MaxPool 2,
// Conv2d 16->32 5x5, ReLU, MaxPool 2, Linear 512->128, ReLU, Linear 128->10),
// Adam at 1e-3, batches of 128 in a new random order each epoch, and the same
// output lines. libtorch's layout is NCHW where lmx's is NHWC.
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "torch_idx.h"

struct CNNImpl : torch::nn::Module {
  torch::nn::Conv2d conv1{torch::nn::Conv2dOptions(1, 16, 5)};
  torch::nn::Conv2d conv2{torch::nn::Conv2dOptions(16, 32, 5)};
  torch::nn::Linear fc1{4 * 4 * 32, 128}, fc2{128, 10};
  CNNImpl() {
    register_module("conv1", conv1);
    register_module("conv2", conv2);
    register_module("fc1", fc1);
    register_module("fc2", fc2);
  }
  torch::Tensor forward(torch::Tensor x) {
    x = torch::max_pool2d(torch::relu(conv1->forward(x)), 2);
    x = torch::max_pool2d(torch::relu(conv2->forward(x)), 2);
    x = torch::relu(fc1->forward(x.flatten(1)));
    return fc2->forward(x);
  }
};
TORCH_MODULE(CNN);

int main(int argc, char** argv) {
  int epochs = 5, batch = 128, threads = 2;
  float lr = 1e-3f;
  std::string data_dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--epochs") epochs = std::stoi(argv[i + 1]);
    if (k == "--lr") lr = std::stof(argv[i + 1]);
    if (k == "--batch-size") batch = std::stoi(argv[i + 1]);
    if (k == "--data") data_dir = argv[i + 1];
    if (k == "--threads") threads = std::stoi(argv[i + 1]);
  }
  torch::set_num_threads(threads);
  torch::manual_seed(0);
  auto images = [&](const char* name) {
    return read_idx(data_dir + "/" + name).reshape({-1, 1, 28, 28}).to(torch::kFloat32) / 255.0;
  };
  auto labels = [&](const char* name) { return read_idx(data_dir + "/" + name).to(torch::kInt64); };
  auto xtr = images("train-images-idx3-ubyte.gz"), ytr = labels("train-labels-idx1-ubyte.gz");
  auto xte = images("t10k-images-idx3-ubyte.gz"), yte = labels("t10k-labels-idx1-ubyte.gz");
  CNN model;
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(lr));
  int64_t n = xtr.size(0);
  for (int e = 0; e < epochs; ++e) {
    auto start = std::chrono::steady_clock::now();
    auto perm = torch::randperm(n);
    double loss_sum = 0;
    int steps = 0;
    for (int64_t s = 0; s < n; s += batch) {
      auto ids = perm.slice(0, s, std::min(s + batch, n));
      auto x = xtr.index_select(0, ids), y = ytr.index_select(0, ids);
      opt.zero_grad();
      auto loss = torch::nn::functional::cross_entropy(model->forward(x), y);
      loss.backward();
      opt.step();
      loss_sum += loss.item<float>();
      ++steps;
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    torch::NoGradGuard no_grad;
    double correct = 0;
    for (int64_t s = 0; s < xte.size(0); s += 1000) {
      auto out = model->forward(xte.slice(0, s, s + 1000));
      correct += (out.argmax(1) == yte.slice(0, s, s + 1000)).sum().item<int64_t>();
    }
    std::printf("Epoch %d: Test accuracy %.4f, Time %.3f (s), Train loss %.4f\n", e,
                correct / xte.size(0), secs, loss_sum / steps);
    std::fflush(stdout);
  }
}
