#include "lmx/nn/recurrent.h"

#include <cmath>
#include <stdexcept>

#include "lmx/core/error.h"
#include "lmx/core/ops.h"
#include "lmx/core/random.h"
#include "lmx/core/utils.h"
#include "lmx/nn/activations.h"

namespace lmx::nn {

namespace {

array init_uniform(int hidden, Shape shape) {
  float scale = 1.0f / std::sqrt(float(hidden));
  return random::uniform(array(-scale), array(scale), std::move(shape));
}

void check_sizes(const char* who, int input_size, int hidden_size) {
  if (input_size <= 0 || hidden_size <= 0) {
    fail(who, "input_size and hidden_size must be ", "positive but got ",
         std::to_string(input_size), " and ", std::to_string(hidden_size), ".");
  }
}

void check_input(const char* who, const array& x, int features) {
  if ((x.ndim() != 2 && x.ndim() != 3) || x.shape(-1) != features) {
    fail(who, "Expected input (N, L, ", std::to_string(features), ") or (L, ",
         std::to_string(features), ") but got ", to_string(x.shape()), ".");
  }
}

// x[..., t, :] for the time axis (second to last).
array step(const array& x, int t) {
  return take(x, t, x.ndim() - 2);
}

// Splits the last axis at `at`: x[..., :at], x[..., at:].
std::pair<array, array> split_features(const array& x, int at) {
  auto parts = split(x, Shape{at}, -1);
  return {parts[0], parts[1]};
}

}  // namespace

RNN::RNN(int input_size, int hidden_size_, bool use_bias, Activation act)
    : hidden_size(hidden_size_), Wxh(0.0f), Whh(0.0f) {
  check_sizes("RNN", input_size, hidden_size);
  Wxh = init_uniform(hidden_size, {hidden_size, input_size});
  Whh = init_uniform(hidden_size, {hidden_size, hidden_size});
  if (use_bias) bias = init_uniform(hidden_size, {hidden_size});
  nonlinearity = act ? act : Activation([](const array& x) { return nn::tanh(x); });
  register_parameter("Wxh", Wxh);
  register_parameter("Whh", Whh);
  register_parameter("bias", bias);
}

array RNN::operator()(const array& x_in, const std::optional<array>& hidden_in) {
  check_input("RNN", x_in, Wxh.shape(1));
  auto x = bias ? addmm(*bias, x_in, transpose(Wxh)) : matmul(x_in, transpose(Wxh));
  // A missing initial state means h_{-1} = 0, so its product is skipped.
  bool has_hidden = hidden_in.has_value();
  array hidden = has_hidden ? *hidden_in : array(0.0f);
  std::vector<array> all;
  for (int t = 0; t < x.shape(-2); ++t) {
    auto h = has_hidden ? addmm(step(x, t), hidden, transpose(Whh)) : step(x, t);
    hidden = nonlinearity(h);
    has_hidden = true;
    all.push_back(hidden);
  }
  return stack(all, -2);
}

std::string RNN::extra_repr() const {
  return "input_dims=" + std::to_string(Wxh.shape(1)) +
         ", hidden_size=" + std::to_string(hidden_size) + ", bias=" + py_repr(bias.has_value());
}

GRU::GRU(int input_size, int hidden_size_, bool use_bias)
    : hidden_size(hidden_size_), Wx(0.0f), Wh(0.0f) {
  check_sizes("GRU", input_size, hidden_size);
  Wx = init_uniform(hidden_size, {3 * hidden_size, input_size});
  Wh = init_uniform(hidden_size, {3 * hidden_size, hidden_size});
  if (use_bias) {
    b = init_uniform(hidden_size, {3 * hidden_size});
    bhn = init_uniform(hidden_size, {hidden_size});
  }
  register_parameter("Wx", Wx);
  register_parameter("Wh", Wh);
  register_parameter("b", b);
  register_parameter("bhn", bhn);
}

array GRU::operator()(const array& x_in, const std::optional<array>& hidden_in) {
  check_input("GRU", x_in, Wx.shape(1));
  int H = hidden_size;
  auto x = b ? addmm(*b, x_in, transpose(Wx)) : matmul(x_in, transpose(Wx));
  auto [x_rz, x_n] = split_features(x, 2 * H);
  bool has_hidden = hidden_in.has_value();
  array hidden = has_hidden ? *hidden_in : array(0.0f);
  std::vector<array> all;
  for (int t = 0; t < x.shape(-2); ++t) {
    auto rz = step(x_rz, t);
    auto n = step(x_n, t);
    // h_n = Wh_n h + bhn; a missing state is zero, leaving only bhn.
    std::optional<array> h_n;
    if (has_hidden) {
      auto h_proj = matmul(hidden, transpose(Wh));
      auto [h_rz, h_proj_n] = split_features(h_proj, 2 * H);
      rz = add(rz, h_rz);
      h_n = h_proj_n;
      if (bhn) h_n = add(*h_n, *bhn);
    } else if (bhn) {
      h_n = *bhn;
    }
    rz = lmx::sigmoid(rz);
    auto [r, z] = split_features(rz, H);
    if (h_n) n = add(n, multiply(r, *h_n));
    n = lmx::tanh(n);
    auto keep = subtract(array(1.0f), z);
    hidden = has_hidden ? add(multiply(keep, n), multiply(z, hidden)) : multiply(keep, n);
    has_hidden = true;
    all.push_back(hidden);
  }
  return stack(all, -2);
}

std::string GRU::extra_repr() const {
  return "input_dims=" + std::to_string(Wx.shape(1)) +
         ", hidden_size=" + std::to_string(hidden_size) + ", bias=" + py_repr(b.has_value());
}

LSTM::LSTM(int input_size, int hidden_size_, bool use_bias)
    : hidden_size(hidden_size_), Wx(0.0f), Wh(0.0f) {
  check_sizes("LSTM", input_size, hidden_size);
  Wx = init_uniform(hidden_size, {4 * hidden_size, input_size});
  Wh = init_uniform(hidden_size, {4 * hidden_size, hidden_size});
  if (use_bias) bias = init_uniform(hidden_size, {4 * hidden_size});
  register_parameter("Wx", Wx);
  register_parameter("Wh", Wh);
  register_parameter("bias", bias);
}

std::pair<array, array> LSTM::operator()(const array& x_in, const std::optional<array>& hidden_in,
                                         const std::optional<array>& cell_in) {
  check_input("LSTM", x_in, Wx.shape(1));
  auto x = bias ? addmm(*bias, x_in, transpose(Wx)) : matmul(x_in, transpose(Wx));
  bool has_hidden = hidden_in.has_value(), has_cell = cell_in.has_value();
  array hidden = has_hidden ? *hidden_in : array(0.0f);
  array cell = has_cell ? *cell_in : array(0.0f);
  std::vector<array> hs, cs;
  for (int t = 0; t < x.shape(-2); ++t) {
    auto ifgo = step(x, t);
    if (has_hidden) ifgo = addmm(ifgo, hidden, transpose(Wh));
    auto gates = split(ifgo, 4, -1);
    auto i = lmx::sigmoid(gates[0]);
    auto f = lmx::sigmoid(gates[1]);
    auto g = lmx::tanh(gates[2]);
    auto o = lmx::sigmoid(gates[3]);
    cell = has_cell ? add(multiply(f, cell), multiply(i, g)) : multiply(i, g);
    hidden = multiply(o, lmx::tanh(cell));
    has_hidden = has_cell = true;
    hs.push_back(hidden);
    cs.push_back(cell);
  }
  return {stack(hs, -2), stack(cs, -2)};
}

std::string LSTM::extra_repr() const {
  return "input_dims=" + std::to_string(Wx.shape(1)) +
         ", hidden_size=" + std::to_string(hidden_size) + ", bias=" + py_repr(bias.has_value());
}

}  // namespace lmx::nn
