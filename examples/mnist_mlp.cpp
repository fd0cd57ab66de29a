// The seeds' MNIST MLP, line for line in C++: an nn::Module with a vector of
// nn::Linear layers, nn::value_and_grad, an optimizer, and per-epoch test
// accuracy. Also trains in the seeds' functional style (--style functional).
#include <lmx/lmx.h>
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>

#include "example_data.h"

namespace mx = lmx;
namespace nn = lmx::nn;
namespace optim = lmx::optim;

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
  CLI::App app{"Train the seeds' MLP on MNIST with lmx"};
  int num_layers = 2, hidden_dim = 32, batch_size = 256, num_epochs = 10;
  float learning_rate = 1e-1f;
  std::string data_dir, dataset = "mnist", optimizer_name = "sgd", style = "object", save_path,
                        load_path;
  uint64_t seed = 0;
  bool use_compile = true;  // as fast or faster on both configs; see bench/README.md
  bool prefetch = true;     // gather the next minibatch while this one trains
  int quantize_bits = 0;
  app.add_option("--num-layers", num_layers, "Hidden layers")->capture_default_str();
  app.add_option("--hidden-dim", hidden_dim, "Units per hidden layer")->capture_default_str();
  app.add_option("--batch-size", batch_size)->capture_default_str();
  app.add_option("--epochs", num_epochs)->capture_default_str();
  app.add_option("--lr", learning_rate, "Learning rate")->capture_default_str();
  app.add_option("--optimizer", optimizer_name, "sgd, adam or adamw")->capture_default_str();
  app.add_option("--dataset", dataset, "mnist or fashion_mnist")->capture_default_str();
  app.add_option("--data", data_dir,
                 "Directory with the IDX .gz files (default: the download cache)");
  app.add_option("--style", style, "object (MLX) or functional (the seeds' explicit parameters)")
      ->capture_default_str();
  app.add_option("--seed", seed)->capture_default_str();
  app.add_option("--save", save_path, "Write the trained weights (.safetensors or .npz)");
  app.add_option("--load", load_path, "Start from saved weights (.safetensors or .npz)");
  app.add_flag("--compile,!--no-compile", use_compile,
               "Compile the loss and gradient (object style)")
      ->capture_default_str();
  app.add_flag("--prefetch,!--no-prefetch", prefetch,
               "Gather the next minibatch in the background (batch_iterate's default)")
      ->capture_default_str();
  app.add_option("--quantize", quantize_bits,
                 "After training, quantize the Linear layers to this many bits (2-8) with "
                 "nn::quantize and report the test accuracy change")
      ->check(CLI::IsMember({0, 2, 3, 4, 5, 6, 8}));
  CLI11_PARSE(app, argc, argv);

  auto optimizer = make_optimizer(optimizer_name, learning_rate);  // checks the name first
  mx::random::seed(seed);
  auto data = load_example_dataset(dataset, data_dir);
  auto& train_images = data.train_images;
  auto& train_labels = data.train_labels;
  auto& test_images = data.test_images;
  auto& test_labels = data.test_labels;

  MLP model(num_layers, train_images.shape(-1), hidden_dim, 10);
  if (!load_path.empty()) model.load_weights(load_path);
  mx::eval(model.parameters());

  auto loss_fn = [](MLP& model, const mx::array& X, const mx::array& y) {
    return mx::mean(nn::losses::cross_entropy(model(X), y));
  };
  auto eval_fn = [](MLP& model, const mx::array& X, const mx::array& y) {
    return mx::mean(mx::argmax(model(X), 1) == y);
  };
  auto loss_and_grad_fn = nn::value_and_grad(model, loss_fn);

  // The same loss and gradient as one compiled function of (parameters..., X, y):
  // traced once, with elementwise chains (bias + ReLU, their gradients) fused.
  auto param_keys = mx::tree_flatten(model.trainable_parameters());
  size_t num_params = param_keys.size();
  auto compiled_step = mx::compile([&](const std::vector<mx::array>& in) {
    std::vector<mx::array> params(in.begin(), in.begin() + num_params);
    const auto& X = in[num_params];
    const auto& y = in[num_params + 1];
    std::vector<int> argnums(num_params);
    for (size_t i = 0; i < num_params; ++i) argnums[i] = static_cast<int>(i);
    auto saved = model.trainable_parameters();
    auto [loss, grads] = mx::value_and_grad(
        [&](const std::vector<mx::array>& ps) {
          std::vector<std::pair<std::string, mx::array>> items;
          for (size_t i = 0; i < ps.size(); ++i) items.emplace_back(param_keys[i].first, ps[i]);
          model.update(mx::tree_unflatten(items), false);
          return loss_fn(model, X, y);
        },
        argnums)(params);
    model.update(saved, false);
    std::vector<mx::array> out{loss};
    out.insert(out.end(), grads.begin(), grads.end());
    return out;
  });
  auto compiled_loss_and_grad = [&](const mx::array& X, const mx::array& y) {
    std::vector<mx::array> in;
    for (auto& [k, v] : mx::tree_flatten(model.trainable_parameters())) in.push_back(v);
    in.push_back(X);
    in.push_back(y);
    auto out = compiled_step(in);
    std::vector<std::pair<std::string, mx::array>> g;
    for (size_t i = 0; i < num_params; ++i) g.emplace_back(param_keys[i].first, out[i + 1]);
    return std::make_pair(out[0], mx::tree_unflatten(g));
  };

  // The seeds' functional style: explicit parameter trees.
  mx::Tree params = model.trainable_parameters();
  auto functional_loss = [&](const std::vector<mx::array>& flat, const mx::array& X,
                             const mx::array& y, const std::vector<std::string>& keys) {
    std::vector<std::pair<std::string, mx::array>> items;
    for (size_t i = 0; i < flat.size(); ++i) items.emplace_back(keys[i], flat[i]);
    return mx::mean(nn::losses::cross_entropy(model.apply(mx::tree_unflatten(items), X), y));
  };

  for (int e = 0; e < num_epochs; ++e) {
    auto start = std::chrono::steady_clock::now();
    EpochProgress progress(e, train_images.shape(0), batch_size);
    for (auto [X, y] : mx::io::batch_iterate(batch_size, train_images, train_labels, prefetch)) {
      if (style == "functional") {
        auto flat = mx::tree_flatten(params);
        std::vector<std::string> keys;
        std::vector<mx::array> values;
        for (auto& [k, v] : flat) {
          keys.push_back(k);
          values.push_back(v);
        }
        std::vector<int> argnums(values.size());
        for (size_t i = 0; i < values.size(); ++i) argnums[i] = static_cast<int>(i);
        auto [loss, grad_list] = mx::value_and_grad(
            [&](const std::vector<mx::array>& ps) { return functional_loss(ps, X, y, keys); },
            argnums)(values);
        std::vector<std::pair<std::string, mx::array>> g;
        for (size_t i = 0; i < keys.size(); ++i) g.emplace_back(keys[i], grad_list[i]);
        params = optimizer->apply_gradients(mx::tree_unflatten(g), params);
        mx::eval(loss, params, optimizer->state());
        progress.step(loss);
      } else {
        auto [loss, grads] =
            use_compile ? compiled_loss_and_grad(X, y) : loss_and_grad_fn(model, X, y);
        // Update the optimizer state and model parameters in a single call.
        optimizer->update(model, grads);
        // Force a graph evaluation.
        mx::eval(loss, model.parameters(), optimizer->state());
        progress.step(loss);
      }
    }
    if (style == "functional") model.update(params);
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    auto accuracy = eval_fn(model, test_images, test_labels);
    progress.finish();
    std::printf("Epoch %d: Test accuracy %.3f, Time %.3f (s), Train loss %.4f\n", e,
                accuracy.item<float>(), seconds, progress.mean_loss());
    std::fflush(stdout);
  }
  if (!save_path.empty()) model.save_weights(save_path);

  if (quantize_bits > 0) {
    // nn::quantize swaps modules held by shared_ptr, so the trained layers move
    // into an equivalent nn::Sequential first.
    nn::Sequential seq;
    for (size_t i = 0; i < model.layers.size(); ++i) {
      if (i > 0) seq.append(nn::ReLU());
      seq.append(model.layers[i]);
    }
    int group_size = train_images.shape(-1) % 64 == 0 && hidden_dim % 64 == 0 ? 64 : 32;
    auto before = mx::mean(mx::argmax(seq(test_images), 1) == test_labels).item<float>();
    // Layers whose input size is not a multiple of the group size stay float (as in MLX).
    std::string quantized;
    nn::quantize(seq, group_size, quantize_bits, [&](const std::string& path, nn::Module& m) {
      auto* linear = dynamic_cast<nn::Linear*>(&m);
      bool ok = linear && linear->weight.shape(1) % group_size == 0;
      if (ok) quantized += (quantized.empty() ? "" : ", ") + path;
      return ok;
    });
    auto after = mx::mean(mx::argmax(seq(test_images), 1) == test_labels).item<float>();
    std::printf("Quantized %s to %d bits (group size %d): test accuracy %.4f -> %.4f (%+.4f)\n",
                quantized.c_str(), quantize_bits, group_size, before, after, after - before);
  }
  return 0;
}

int main(int argc, char** argv) {
  return run_example([&] { return train(argc, argv); });
}
