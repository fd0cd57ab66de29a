// A small character-level transformer language model: token Embedding,
// pre-norm blocks of causal self-attention with RoPE (fast::rope and
// fast::scaled_dot_product_attention) and an MLP, RMSNorm/LayerNorm, trained
// with AdamW on a text file; prints the falling loss and samples.
#include <lmx/lmx.h>
#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

namespace mx = lmx;
namespace nn = lmx::nn;
namespace optim = lmx::optim;

// Causal self-attention with rotary positions on queries and keys.
struct CausalSelfAttention : nn::Module {
  int num_heads;
  nn::Linear query_proj, key_proj, value_proj, out_proj;
  nn::RoPE rope;
  CausalSelfAttention(int dims, int num_heads)
      : num_heads(num_heads),
        query_proj(dims, dims, false),
        key_proj(dims, dims, false),
        value_proj(dims, dims, false),
        out_proj(dims, dims, false),
        rope(dims / num_heads) {
    register_module("query_proj", query_proj);
    register_module("key_proj", key_proj);
    register_module("value_proj", value_proj);
    register_module("out_proj", out_proj);
    register_module("rope", rope);
  }
  mx::array operator()(mx::array x) override {
    int B = x.shape(0), L = x.shape(1);
    auto heads = [&](const mx::array& t) {
      return mx::transpose(mx::reshape(t, {B, L, num_heads, -1}), {0, 2, 1, 3});
    };
    auto q = rope(heads(query_proj(x))), k = rope(heads(key_proj(x)));
    auto v = heads(value_proj(x));
    float scale = 1.0f / std::sqrt(float(q.shape(-1)));
    auto o = mx::fast::scaled_dot_product_attention(q, k, v, scale, "causal");
    return out_proj(mx::reshape(mx::transpose(o, {0, 2, 1, 3}), {B, L, -1}));
  }
};

struct Block : nn::Module {
  nn::RMSNorm norm1, norm2;
  CausalSelfAttention attention;
  nn::Linear linear1, linear2;
  Block(int dims, int num_heads)
      : norm1(dims),
        norm2(dims),
        attention(dims, num_heads),
        linear1(dims, 4 * dims),
        linear2(4 * dims, dims) {
    register_module("norm1", norm1);
    register_module("attention", attention);
    register_module("norm2", norm2);
    register_module("linear1", linear1);
    register_module("linear2", linear2);
  }
  mx::array operator()(mx::array x) override {
    x = mx::add(x, attention(norm1(x)));
    return mx::add(x, linear2(nn::gelu(linear1(norm2(x)))));
  }
};

struct CharLM : nn::Module {
  nn::Embedding embedding;
  std::vector<Block> blocks;
  nn::LayerNorm norm;
  nn::Linear head;
  CharLM(int vocab, int dims, int num_heads, int num_layers)
      : embedding(vocab, dims), norm(dims), head(dims, vocab) {
    for (int i = 0; i < num_layers; ++i) blocks.emplace_back(dims, num_heads);
    register_module("embedding", embedding);
    register_module("blocks", blocks);
    register_module("norm", norm);
    register_module("head", head);
  }
  mx::array operator()(mx::array tokens) override {
    auto x = embedding(tokens);
    for (auto& b : blocks) x = b(x);
    return head(norm(x));
  }
};

int main(int argc, char** argv) {
  CLI::App app{"Train a character-level transformer language model with lmx"};
  std::string text_path;
  int steps = 600, batch_size = 32, context = 64, dims = 96, num_heads = 4, num_layers = 2;
  int sample_length = 200;
  float learning_rate = 3e-3f;
  uint64_t seed = 0;
  bool bias_correction = false;
  app.add_option("--text", text_path, "Training text (default: examples/data/corpus.txt)");
  app.add_option("--steps", steps)->capture_default_str();
  app.add_option("--batch-size", batch_size)->capture_default_str();
  app.add_option("--context", context, "Characters per training window")->capture_default_str();
  app.add_option("--dims", dims)->capture_default_str();
  app.add_option("--heads", num_heads)->capture_default_str();
  app.add_option("--layers", num_layers)->capture_default_str();
  app.add_option("--lr", learning_rate)->capture_default_str();
  app.add_option("--sample-length", sample_length)->capture_default_str();
  app.add_option("--seed", seed)->capture_default_str();
  app.add_flag("--bias-correction", bias_correction,
               "Adam's bias correction (off by default, as in MLX; PyTorch always applies it)");
  CLI11_PARSE(app, argc, argv);

  if (text_path.empty()) {
    for (auto candidate : {"examples/data/corpus.txt", "../examples/data/corpus.txt",
                           "../../examples/data/corpus.txt"}) {
      if (std::filesystem::exists(candidate)) text_path = candidate;
    }
  }
  std::ifstream file(text_path, std::ios::binary);
  if (!file) {
    std::fprintf(stderr, "Cannot read the text file '%s' (use --text).\n", text_path.c_str());
    return 1;
  }
  std::stringstream buffer;
  buffer << file.rdbuf();
  std::string text = buffer.str();
  if (static_cast<int>(text.size()) <= context + 1) {
    std::fprintf(stderr, "The text needs more than %d characters.\n", context + 1);
    return 1;
  }

  // Vocabulary: the distinct bytes of the text, in byte order.
  std::map<unsigned char, int> index;
  for (unsigned char c : text) index.emplace(c, 0);
  std::vector<unsigned char> chars;
  for (auto& [c, i] : index) {
    i = static_cast<int>(chars.size());
    chars.push_back(c);
  }
  std::vector<int32_t> ids(text.size());
  for (size_t i = 0; i < text.size(); ++i) ids[i] = index[static_cast<unsigned char>(text[i])];
  auto data = mx::array(ids.begin(), {static_cast<int>(ids.size())}, mx::int32);
  int vocab = static_cast<int>(chars.size());
  std::printf("%zu characters, vocabulary of %d\n", text.size(), vocab);

  mx::random::seed(seed);
  CharLM model(vocab, dims, num_heads, num_layers);
  mx::eval(model.parameters());
  std::cout << model << "\n";

  auto loss_fn = [](CharLM& m, const mx::array& x, const mx::array& y) {
    return mx::mean(nn::losses::cross_entropy(m(x), y));
  };
  auto loss_and_grad = nn::value_and_grad(model, loss_fn);
  optim::AdamW optimizer(learning_rate, {0.9f, 0.999f}, 1e-8f, 0.01f, bias_correction);

  // Random windows: x = text[s : s + context], y = text[s + 1 : s + context + 1].
  auto offsets = mx::reshape(mx::arange(0, context), {1, context});
  auto start = std::chrono::steady_clock::now();
  double running = 0;
  for (int step = 1; step <= steps; ++step) {
    auto starts = mx::random::randint(mx::array(0), mx::array(int(ids.size()) - context - 1),
                                      {batch_size, 1});
    auto pos = mx::add(starts, offsets);
    auto x = mx::take(data, pos), y = mx::take(data, mx::add(pos, mx::array(1)));
    auto [loss, grads] = loss_and_grad(model, x, y);
    optimizer.update(model, grads);
    mx::eval(model.parameters(), optimizer.state(), loss);
    running += loss.item<float>();
    if (step % 50 == 0) {
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::printf("step %4d  loss %.3f  (%.1f s)\n", step, running / 50, secs);
      std::fflush(stdout);
      running = 0;
    }
  }

  // Sample: feed the last `context` characters, draw the next from the softmax.
  model.eval();
  std::vector<int32_t> generated(ids.begin(), ids.begin() + 16);
  for (int i = 0; i < sample_length; ++i) {
    int n = static_cast<int>(generated.size());
    int begin = std::max(0, n - context);
    auto x = mx::array(generated.begin() + begin, {1, n - begin}, mx::int32);
    auto logits = mx::take(model(x), n - begin - 1, 1);  // (1, vocab)
    auto next = mx::random::categorical(mx::multiply(logits, mx::array(1.0f / 0.8f)));
    generated.push_back(next.item<int32_t>());
  }
  std::string sample;
  for (int32_t t : generated) sample.push_back(static_cast<char>(chars[t]));
  std::printf("\nSample:\n%s\n", sample.c_str());
  return 0;
}
