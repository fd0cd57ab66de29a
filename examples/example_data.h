// Data handling shared by the MNIST example programs: the shared data
// directory when it exists beside the repository, else the download cache.
#pragma once

#include <lmx/lmx.h>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

// Loads "mnist" or "fashion_mnist" from `data_dir`, or when that is empty from
// ../shared/data/<mnist|fashion-mnist> (seen from the repository or its build directory)
// if present, else from the cache (downloading when needed).
inline lmx::io::ImageDataset load_example_dataset(const std::string& dataset,
                                                  std::string data_dir) {
  if (dataset != "mnist" && dataset != "fashion_mnist") {
    throw std::invalid_argument("Unknown dataset '" + dataset + "': use mnist or fashion_mnist.");
  }
  if (data_dir.empty()) {
    // The shared directory spells it fashion-mnist.
    std::string folder = dataset == "fashion_mnist" ? "fashion-mnist" : dataset;
    for (auto candidate : {"../shared/data/" + folder, "../../shared/data/" + folder}) {
      if (std::filesystem::exists(candidate)) data_dir = candidate;
    }
  }
  auto spec = dataset == "fashion_mnist" ? lmx::io::fashion_mnist_spec() : lmx::io::mnist_spec();
  return lmx::io::load_dataset(spec, data_dir.empty() ? std::nullopt : std::optional(data_dir));
}

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
