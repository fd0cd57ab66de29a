// What the MNIST example programs share: loading the data (a directory the
// user names, else the download cache), choosing an optimizer, and the
// per-epoch progress line.
#pragma once

#include <lmx/lmx.h>
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

// Loads "mnist" or "fashion_mnist" from `data_dir` when given (it must
// exist), else from the download cache (downloading when needed).
inline lmx::io::ImageDataset load_example_dataset(const std::string& dataset,
                                                  const std::string& data_dir) {
  if (dataset != "mnist" && dataset != "fashion_mnist") {
    throw std::invalid_argument("Unknown dataset '" + dataset + "': use mnist or fashion_mnist.");
  }
  if (!data_dir.empty() && !std::filesystem::is_directory(data_dir)) {
    throw std::invalid_argument("--data: the directory '" + data_dir + "' does not exist.");
  }
  auto spec = dataset == "fashion_mnist" ? lmx::io::fashion_mnist_spec() : lmx::io::mnist_spec();
  return lmx::io::load_dataset(spec, data_dir.empty() ? std::nullopt : std::optional(data_dir));
}

// --optimizer sgd | adam | adamw.
inline std::unique_ptr<lmx::optim::Optimizer> make_optimizer(const std::string& name, float lr) {
  if (name == "sgd") return std::make_unique<lmx::optim::SGD>(lr);
  if (name == "adam") return std::make_unique<lmx::optim::Adam>(lr);
  if (name == "adamw") return std::make_unique<lmx::optim::AdamW>(lr);
  throw std::invalid_argument("--optimizer: unknown optimizer '" + name +
                              "': use sgd, adam or adamw.");
}

// The mean training loss of an epoch and, when stdout is a terminal, a
// progress bar over its minibatches (plain per-epoch lines otherwise, so logs
// and pipes stay readable).
class EpochProgress {
 public:
  EpochProgress(int epoch, int64_t samples, int batch_size)
      : epoch_(epoch),
        total_(static_cast<int>((samples + batch_size - 1) / batch_size)),
        tty_(isatty(fileno(stdout))) {}
  // Records one minibatch's (evaluated) loss.
  void step(const lmx::array& loss) {
    sum_ += loss.item<float>();
    ++done_;
    if (!tty_ || (done_ % 8 != 0 && done_ != total_)) return;
    int width = 30, filled = width * done_ / total_;
    std::printf("\rEpoch %d [%s%s] %d/%d loss %.4f", epoch_, std::string(filled, '=').c_str(),
                std::string(width - filled, ' ').c_str(), done_, total_, sum_ / done_);
    std::fflush(stdout);
  }
  float mean_loss() const { return done_ ? static_cast<float>(sum_ / done_) : 0.0f; }
  // Clears the bar so the epoch's summary line replaces it.
  void finish() const {
    if (tty_) std::printf("\r%s\r", std::string(80, ' ').c_str());
  }

 private:
  int epoch_, total_, done_ = 0;
  double sum_ = 0;
  bool tty_;
};

// Runs an example's body, turning an exception into a message and exit code 1.
template <typename F>
int run_example(F&& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
