#include "lmx/nn/layers.h"

#include <cmath>
#include <cstdio>
#include <numeric>

#include "lmx/core/error.h"
#include "lmx/core/fast.h"
#include "lmx/core/ops.h"
#include "lmx/core/random.h"
#include "lmx/core/utils.h"

namespace lmx::nn {

std::string py_repr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof(buf), "%.*g", prec, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string s = buf;
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s;
}

std::string py_repr(float v) {
  if (std::isnan(v) || std::isinf(v)) return py_repr(double(v));
  char buf[64];
  for (int prec = 1; prec <= 9; ++prec) {
    std::snprintf(buf, sizeof(buf), "%.*g", prec, double(v));
    if (std::strtof(buf, nullptr) == v) break;
  }
  std::string s = buf;
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s;
}

namespace {}  // namespace

Linear::Linear(int input_dims, int output_dims, bool use_bias) : weight(0.0f) {
  if (input_dims <= 0 || output_dims <= 0) {
    fail("Linear", "Dimensions must be positive, got input_dims=" + std::to_string(input_dims) +
                       " and output_dims=" + std::to_string(output_dims) + ".");
  }
  float scale = std::sqrt(1.0f / input_dims);
  weight = random::uniform(array(-scale), array(scale), {output_dims, input_dims});
  register_parameter("weight", weight);
  if (use_bias) bias = random::uniform(array(-scale), array(scale), {output_dims});
  register_parameter("bias", bias);
}

array Linear::operator()(array x) {
  if (x.ndim() == 0 || x.shape(-1) != weight.shape(1)) {
    fail("Linear", "Input with shape " + to_string(x.shape()) + " does not have " +
                       std::to_string(weight.shape(1)) + " features in its last dimension.");
  }
  if (bias) return addmm(*bias, x, transpose(weight));
  return matmul(x, transpose(weight));
}

std::string Linear::extra_repr() const {
  return "input_dims=" + std::to_string(weight.shape(1)) +
         ", output_dims=" + std::to_string(weight.shape(0)) + ", bias=" + py_repr(bias.has_value());
}

array Flatten::operator()(array x) {
  return flatten(x, start_axis, end_axis);
}
std::string Flatten::extra_repr() const {
  return "start_axis=" + std::to_string(start_axis) + ", end_axis=" + std::to_string(end_axis);
}

array Unflatten::operator()(array x) {
  return unflatten(x, axis, shape);
}
std::string Unflatten::extra_repr() const {
  std::string t = "(";
  for (size_t i = 0; i < shape.size(); ++i) t += (i ? ", " : "") + std::to_string(shape[i]);
  return "axis=" + std::to_string(axis) + ", shape=" + t + (shape.size() == 1 ? ",)" : ")");
}

Bilinear::Bilinear(int in1, int in2, int out, bool use_bias) : weight(0.0f) {
  float scale = std::sqrt(1.0f / in1);
  weight = random::uniform(array(-scale), array(scale), {out, in2, in1});
  register_parameter("weight", weight);
  if (use_bias) bias = random::uniform(array(-scale), array(scale), {out});
  register_parameter("bias", bias);
}

array Bilinear::operator()(array x1, array x2) {
  int out = weight.shape(0), in2 = weight.shape(1), in1 = weight.shape(2);
  if (x1.shape(-1) != in1 || x2.shape(-1) != in2) {
    fail("Bilinear", "Inputs with shapes " + to_string(x1.shape()) + " and " +
                         to_string(x2.shape()) + " do not match input dims " + std::to_string(in1) +
                         " and " + std::to_string(in2) + ".");
  }
  Shape xshape(x1.shape().begin(), x1.shape().end() - 1);
  auto a = reshape(x1, {-1, in1});
  auto b = reshape(x2, {-1, 1, in2});
  auto w = reshape(weight, {out * in2, in1});
  auto y = swapaxes(reshape(matmul(a, transpose(w)), {-1, out, in2}), -2, -1);
  y = squeeze(matmul(b, y), 1);
  if (bias) y = add(y, *bias);
  xshape.push_back(out);
  return reshape(y, xshape);
}

std::string Bilinear::extra_repr() const {
  return "input1_dims=" + std::to_string(weight.shape(2)) +
         ", input2_dims=" + std::to_string(weight.shape(1)) +
         ", output_dims=" + std::to_string(weight.shape(0)) + ", bias=" + py_repr(bias.has_value());
}

array Sequential::operator()(array x) {
  for (auto& l : layers) x = (*l)(x);
  return x;
}

Embedding::Embedding(int num_embeddings, int dims) : weight(0.0f) {
  if (num_embeddings <= 0 || dims <= 0) fail("Embedding", "Dimensions must be positive.");
  float scale = std::sqrt(1.0f / dims);
  weight = random::normal({num_embeddings, dims}, float32, 0.0f, scale);
  register_parameter("weight", weight);
}
array Embedding::operator()(array x) {
  return take(weight, x, 0);
}
array Embedding::as_linear(const array& x) const {
  return matmul(x, transpose(weight));
}
std::string Embedding::extra_repr() const {
  return std::to_string(weight.shape(0)) + ", " + std::to_string(weight.shape(1));
}

namespace {
void check_p(float p, const char* who) {
  if (!(p >= 0.0f && p < 1.0f)) {
    fail(who, "The dropout probability " + py_repr(p) + " is not in [0, 1).");
  }
}
array drop(const array& x, float p, const Shape& mask_shape) {
  float keep = 1.0f - p;
  auto mask = random::bernoulli(array(keep), mask_shape);
  return multiply(multiply(astype(mask, x.dtype()), x), array(1.0f / keep, x.dtype()));
}
}  // namespace

Dropout::Dropout(float p) : p(p) {
  check_p(p, "Dropout");
}
array Dropout::operator()(array x) {
  if (!training() || p == 0.0f) return x;
  return drop(x, p, x.shape());
}
std::string Dropout::extra_repr() const {
  return "p=" + py_repr(p);
}

namespace {
// Drops whole channels: the mask is 1 along the `spatial` axes before the
// channel axis, for inputs with `spatial` + 1 or + 2 (batched) dimensions.
array channel_dropout(const array& x, float p, int spatial, bool training, const char* who) {
  if (x.ndim() != spatial + 1 && x.ndim() != spatial + 2) {
    fail(who, "Received input with " + std::to_string(x.ndim()) + " dimensions. Expected " +
                  std::to_string(spatial + 1) + " or " + std::to_string(spatial + 2) +
                  " dimensions.");
  }
  if (!training || p == 0.0f) return x;
  Shape m = x.shape();
  for (int i = 2; i <= spatial + 1; ++i) m[m.size() - i] = 1;
  return drop(x, p, m);
}
}  // namespace

Dropout2d::Dropout2d(float p) : p(p) {
  check_p(p, "Dropout2d");
}
array Dropout2d::operator()(array x) {
  return channel_dropout(x, p, 2, training(), "Dropout2d");
}
std::string Dropout2d::extra_repr() const {
  return "p=" + py_repr(p);
}

Dropout3d::Dropout3d(float p) : p(p) {
  check_p(p, "Dropout3d");
}
array Dropout3d::operator()(array x) {
  return channel_dropout(x, p, 3, training(), "Dropout3d");
}
std::string Dropout3d::extra_repr() const {
  return "p=" + py_repr(p);
}

namespace {
array normalize(const array& x, const std::vector<int>& axes, float eps) {
  auto mu = mean(x, axes, true);
  auto v = var(x, axes, true);
  return multiply(subtract(x, mu), rsqrt(add(v, array(eps, v.dtype()))));
}
void check_features(const array& x, int dims, const char* who) {
  if (x.ndim() == 0 || x.shape(-1) != dims) {
    fail(who, "Input with shape " + to_string(x.shape()) + " does not have " +
                  std::to_string(dims) + " features in its last dimension.");
  }
}
}  // namespace

LayerNorm::LayerNorm(int dims, float eps, bool affine, bool use_bias) : dims(dims), eps(eps) {
  if (affine) {
    weight = ones({dims});
    if (use_bias) bias = zeros({dims});
  }
  register_parameter("weight", weight);
  register_parameter("bias", bias);
}
array LayerNorm::operator()(array x) {
  check_features(x, dims, "LayerNorm");
  return fast::layer_norm(x, weight, bias, eps);
}
std::string LayerNorm::extra_repr() const {
  return std::to_string(dims) + ", eps=" + py_repr(eps) + ", affine=" + py_repr(weight.has_value());
}

RMSNorm::RMSNorm(int dims, float eps) : weight(ones({dims})), eps(eps) {
  register_parameter("weight", weight);
}
array RMSNorm::operator()(array x) {
  check_features(x, weight.shape(0), "RMSNorm");
  return fast::rms_norm(x, weight, eps);
}
std::string RMSNorm::extra_repr() const {
  return std::to_string(weight.shape(0)) + ", eps=" + py_repr(eps);
}

GroupNorm::GroupNorm(int num_groups, int dims, float eps, bool affine, bool pytorch_compatible)
    : num_groups(num_groups), dims(dims), eps(eps), pytorch_compatible(pytorch_compatible) {
  if (num_groups <= 0 || dims % num_groups != 0) {
    fail("GroupNorm", "The number of features " + std::to_string(dims) +
                          " must be divisible by the number of groups " +
                          std::to_string(num_groups) + ".");
  }
  if (affine) {
    weight = ones({dims});
    bias = zeros({dims});
  }
  register_parameter("weight", weight);
  register_parameter("bias", bias);
}
array GroupNorm::operator()(array x) {
  check_features(x, dims, "GroupNorm");
  if (x.ndim() < 2)
    fail("GroupNorm", "Expected a batch dimension, got shape " + to_string(x.shape()) + ".");
  Shape shape = x.shape();
  int batch = shape[0];
  array y = x;
  if (pytorch_compatible) {
    int group_size = dims / num_groups;
    y = reshape(y, {batch, -1, num_groups, group_size});
    y = reshape(transpose(y, {0, 2, 1, 3}), {batch, num_groups, -1});
    y = normalize(y, {-1}, eps);
    y = reshape(y, {batch, num_groups, -1, group_size});
    y = reshape(transpose(y, {0, 2, 1, 3}), shape);
  } else {
    y = reshape(y, {batch, -1, num_groups});
    y = normalize(y, {1}, eps);
    y = reshape(y, shape);
  }
  if (weight) y = add(multiply(*weight, y), *bias);
  return y;
}
std::string GroupNorm::extra_repr() const {
  return std::to_string(num_groups) + ", " + std::to_string(dims) + ", eps=" + py_repr(eps) +
         ", affine=" + py_repr(weight.has_value()) +
         ", pytorch_compatible=" + py_repr(pytorch_compatible);
}

InstanceNorm::InstanceNorm(int dims, float eps, bool affine) : dims(dims), eps(eps) {
  if (affine) {
    weight = ones({dims});
    bias = zeros({dims});
  }
  register_parameter("weight", weight);
  register_parameter("bias", bias);
}
array InstanceNorm::operator()(array x) {
  check_features(x, dims, "InstanceNorm");
  if (x.ndim() < 3) {
    fail("InstanceNorm",
         "Expected an input with a batch, spatial and feature dimension, got shape " +
             to_string(x.shape()) + ".");
  }
  std::vector<int> axes(x.ndim() - 2);
  std::iota(axes.begin(), axes.end(), 1);
  auto y = normalize(x, axes, eps);
  if (weight) y = add(multiply(*weight, y), *bias);
  return y;
}
std::string InstanceNorm::extra_repr() const {
  return std::to_string(dims) + ", eps=" + py_repr(eps) + ", affine=" + py_repr(weight.has_value());
}

BatchNorm::BatchNorm(int num_features, float eps, float momentum, bool affine, bool track)
    : num_features(num_features), eps(eps), momentum(momentum), track_running_stats(track) {
  if (affine) {
    weight = ones({num_features});
    bias = zeros({num_features});
  }
  if (track) {
    running_mean = zeros({num_features});
    running_var = ones({num_features});
  }
  register_parameter("weight", weight);
  register_parameter("bias", bias);
  register_parameter("running_mean", running_mean);
  register_parameter("running_var", running_var);
  mark_frozen("running_mean");
  mark_frozen("running_var");
}
array BatchNorm::operator()(array x) {
  if (x.ndim() < 2 || x.ndim() > 4) {
    fail("BatchNorm", "Expected input tensor to have 2, 3 or 4 dimensions, but got " +
                          std::to_string(x.ndim()) + ".");
  }
  check_features(x, num_features, "BatchNorm");
  std::vector<int> axes(x.ndim() - 1);
  std::iota(axes.begin(), axes.end(), 0);
  auto mu = mean(x, axes);
  auto v = var(x, axes);
  if (training() && track_running_stats) {
    // Statistics are state, not part of the differentiated computation.
    auto m = array(momentum, mu.dtype());
    auto one_minus = array(1.0f - momentum, mu.dtype());
    running_mean = stop_gradient(add(multiply(one_minus, *running_mean), multiply(m, mu)));
    running_var = stop_gradient(add(multiply(one_minus, *running_var), multiply(m, v)));
  } else if (track_running_stats) {
    mu = *running_mean;
    v = *running_var;
  }
  auto y = multiply(subtract(x, mu), rsqrt(add(v, array(eps, v.dtype()))));
  if (weight) y = add(multiply(*weight, y), *bias);
  return y;
}
Module& BatchNorm::unfreeze(bool recurse, const std::optional<std::vector<std::string>>& keys,
                            bool strict) {
  Module::unfreeze(recurse, keys, strict);
  mark_frozen("running_mean");
  mark_frozen("running_var");
  return *this;
}

std::string BatchNorm::extra_repr() const {
  return std::to_string(num_features) + ", eps=" + py_repr(eps) +
         ", momentum=" + py_repr(momentum) + ", affine=" + py_repr(weight.has_value()) +
         ", track_running_stats=" + py_repr(track_running_stats);
}

}  // namespace lmx::nn
