// The character transformer of examples/char_transformer in libtorch C++, for
// bench/transformer/run.sh: the same sizes (2 pre-norm blocks of 96 dims, 4
// heads, context 64, batch 32), the same layers (RMSNorm, bias-free q/k/v/out
// projections, rotary positions on half-split pairs as MLX's RoPE, causal
// softmax attention, a 4x GELU MLP, a final LayerNorm and a biased head),
// AdamW at 3e-3 with weight decay 0.01, random windows of the same text, and
// the same output lines. libtorch 1.13 has no fused attention or RMSNorm, so
// both are written out as a user of that version writes them.
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

// MLX's RoPE (traditional = false, base 10000): the first and second halves
// of each head's dims are rotated as pairs by position * base^(-2i/d).
torch::Tensor rope(const torch::Tensor& x) {
  int64_t L = x.size(2), d = x.size(3), half = d / 2;
  auto inv = torch::exp(torch::arange(0, half, torch::kFloat32) * (-std::log(10000.0) / half));
  auto theta = torch::arange(0, L, torch::kFloat32).unsqueeze(1) * inv.unsqueeze(0);
  auto c = torch::cos(theta), s = torch::sin(theta);
  auto x1 = x.slice(-1, 0, half), x2 = x.slice(-1, half, d);
  return torch::cat({x1 * c - x2 * s, x1 * s + x2 * c}, -1);
}

struct RMSNormImpl : torch::nn::Module {
  torch::Tensor weight;
  explicit RMSNormImpl(int64_t dims) { weight = register_parameter("weight", torch::ones({dims})); }
  torch::Tensor forward(const torch::Tensor& x) {
    return x * torch::rsqrt(x.pow(2).mean(-1, true) + 1e-5) * weight;
  }
};
TORCH_MODULE(RMSNorm);

struct BlockImpl : torch::nn::Module {
  int64_t heads;
  RMSNorm norm1, norm2;
  torch::nn::Linear q, k, v, o, fc1, fc2;
  BlockImpl(int64_t dims, int64_t heads_)
      : heads(heads_),
        norm1(dims),
        norm2(dims),
        q(torch::nn::LinearOptions(dims, dims).bias(false)),
        k(torch::nn::LinearOptions(dims, dims).bias(false)),
        v(torch::nn::LinearOptions(dims, dims).bias(false)),
        o(torch::nn::LinearOptions(dims, dims).bias(false)),
        fc1(dims, 4 * dims),
        fc2(4 * dims, dims) {
    register_module("norm1", norm1);
    register_module("norm2", norm2);
    register_module("q", q);
    register_module("k", k);
    register_module("v", v);
    register_module("o", o);
    register_module("fc1", fc1);
    register_module("fc2", fc2);
  }
  torch::Tensor attention(const torch::Tensor& x) {
    int64_t B = x.size(0), L = x.size(1);
    auto split = [&](const torch::Tensor& t) { return t.view({B, L, heads, -1}).transpose(1, 2); };
    auto qh = rope(split(q->forward(x))), kh = rope(split(k->forward(x))),
         vh = split(v->forward(x));
    auto scores = torch::matmul(qh, kh.transpose(-1, -2)) / std::sqrt(double(qh.size(-1)));
    auto mask = torch::ones({L, L}, torch::kBool).triu(1);
    scores = scores.masked_fill(mask, -std::numeric_limits<float>::infinity());
    auto out = torch::matmul(torch::softmax(scores, -1), vh);
    return o->forward(out.transpose(1, 2).reshape({B, L, -1}));
  }
  torch::Tensor forward(torch::Tensor x) {
    x = x + attention(norm1->forward(x));
    return x + fc2->forward(torch::gelu(fc1->forward(norm2->forward(x))));
  }
};
TORCH_MODULE(Block);

struct CharLMImpl : torch::nn::Module {
  torch::nn::Embedding embedding;
  torch::nn::ModuleList blocks;
  torch::nn::LayerNorm norm;
  torch::nn::Linear head;
  CharLMImpl(int64_t vocab, int64_t dims, int64_t heads, int64_t layers)
      : embedding(vocab, dims), norm(torch::nn::LayerNormOptions({dims})), head(dims, vocab) {
    for (int64_t i = 0; i < layers; ++i) blocks->push_back(Block(dims, heads));
    register_module("embedding", embedding);
    register_module("blocks", blocks);
    register_module("norm", norm);
    register_module("head", head);
  }
  torch::Tensor forward(const torch::Tensor& tokens) {
    auto x = embedding->forward(tokens);
    for (auto& b : *blocks) x = b->as<Block>()->forward(x);
    return head->forward(norm->forward(x));
  }
};
TORCH_MODULE(CharLM);

int main(int argc, char** argv) {
  std::string text_path = "examples/data/corpus.txt";
  int steps = 600, batch = 32, context = 64, dims = 96, heads = 4, layers = 2, threads = 2;
  double lr = 3e-3;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string key = argv[i];
    if (key == "--text") text_path = argv[i + 1];
    if (key == "--steps") steps = std::stoi(argv[i + 1]);
    if (key == "--threads") threads = std::stoi(argv[i + 1]);
  }
  torch::set_num_threads(threads);
  torch::manual_seed(0);
  std::ifstream file(text_path, std::ios::binary);
  std::stringstream buffer;
  buffer << file.rdbuf();
  std::string text = buffer.str();
  if (static_cast<int>(text.size()) <= context + 1) {
    std::fprintf(stderr, "Cannot read enough text from '%s'.\n", text_path.c_str());
    return 1;
  }
  std::map<unsigned char, int64_t> index;
  for (unsigned char c : text) index.emplace(c, 0);
  int64_t vocab = 0;
  for (auto& [c, i] : index) i = vocab++;
  std::vector<int64_t> ids;
  for (unsigned char c : text) ids.push_back(index[c]);
  auto data = torch::tensor(ids, torch::kInt64);
  std::printf("%zu characters, vocabulary of %lld\n", text.size(), static_cast<long long>(vocab));

  CharLM model(vocab, dims, heads, layers);
  torch::optim::AdamW opt(model->parameters(), torch::optim::AdamWOptions(lr).weight_decay(0.01));
  auto offsets = torch::arange(0, context).unsqueeze(0);
  auto start = std::chrono::steady_clock::now();
  double running = 0;
  for (int step = 1; step <= steps; ++step) {
    auto starts = torch::randint(0, int64_t(ids.size()) - context - 1, {batch, 1});
    auto pos = starts + offsets;
    auto x = data.index({pos}), y = data.index({pos + 1});
    opt.zero_grad();
    auto loss =
        torch::nn::functional::cross_entropy(model->forward(x).view({-1, vocab}), y.view({-1}));
    loss.backward();
    opt.step();
    running += loss.item<float>();
    if (step % 50 == 0) {
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::printf("step %4d  loss %.3f  (%.1f s)\n", step, running / 50, secs);
      std::fflush(stdout);
      running = 0;
    }
  }
}
