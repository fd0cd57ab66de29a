// The C++ layers as Python classes with MLX's constructor keywords. Their
// parameters and submodules are reached through Module's attribute lookup
// (linear.weight), so nothing here repeats the registry.
#include <nanobind/stl/function.h>
#include <nanobind/stl/shared_ptr.h>

#include "python/src/python.h"

namespace nanobind::detail {
// Kernel sizes, strides and paddings: an int or a tuple, as MLX's layers take.
template <>
struct type_caster<lmx::nn::IntOrTuple> {
  NB_TYPE_CASTER(lmx::nn::IntOrTuple, const_name("int | tuple[int, ...]"))
  type_caster() : value(0) {}
  bool from_python(handle src, uint8_t, cleanup_list*) noexcept {
    if (PyLong_Check(src.ptr())) {
      value = lmx::nn::IntOrTuple(static_cast<int>(PyLong_AsLong(src.ptr())));
      return true;
    }
    if (!PySequence_Check(src.ptr())) return false;
    std::vector<int> v;
    for (Py_ssize_t i = 0; i < PySequence_Size(src.ptr()); ++i) {
      object item = steal(PySequence_GetItem(src.ptr(), i));
      if (!item.is_valid() || !PyLong_Check(item.ptr())) {
        PyErr_Clear();
        return false;
      }
      v.push_back(static_cast<int>(PyLong_AsLong(item.ptr())));
    }
    value = lmx::nn::IntOrTuple(std::move(v));
    return true;
  }
};
}  // namespace nanobind::detail

namespace lmx::python {

namespace {
using namespace nb::literals;
using nn::IntOrTuple;

template <typename T>
auto layer(nb::module_& m, const char* name) {
  return nb::class_<T, nn::Module>(m, name);
}

// Python activations (callables) for the layers that take one.
nn::Activation activation_of(nb::handle f) {
  if (f.is_none()) return nullptr;
  nb::object fn = nb::borrow(f);
  return [fn](const array& x) {
    nb::gil_scoped_acquire gil;
    return nb::cast<array>(fn(x));
  };
}

std::optional<array> opt_array(nb::handle h) {
  if (h.is_none()) return std::nullopt;
  return to_array(h);
}
}  // namespace

void init_nn_layers(nb::module_& m) {
  layer<nn::Identity>(m, "Identity").def("__init__", [](nn::Identity* self, nb::args, nb::kwargs) {
    new (self) nn::Identity();
  });
  layer<nn::Linear>(m, "Linear")
      .def(nb::init<int, int, bool>(), "input_dims"_a, "output_dims"_a, "bias"_a = true);
  layer<nn::Bilinear>(m, "Bilinear")
      .def(nb::init<int, int, int, bool>(), "input1_dims"_a, "input2_dims"_a, "output_dims"_a,
           "bias"_a = true)
      .def(
          "__call__", [](nn::Bilinear& l, const array& x1, const array& x2) { return l(x1, x2); },
          "x1"_a, "x2"_a);
  layer<nn::Sequential>(m, "Sequential")
      .def("__init__", [](nn::Sequential* self, nb::args modules) {
        new (self) nn::Sequential();
        for (nb::handle h : modules) {
          if (nb::isinstance<nn::Module>(h)) {
            self->layers.push_back(nb::cast<std::shared_ptr<nn::Module>>(h));
          } else if (PyCallable_Check(h.ptr())) {
            // A plain function (nn.relu) becomes a layer that calls it.
            auto fn = activation_of(h);
            struct Lambda : nn::Module {
              nn::Activation fn;
              array operator()(array x) override { return fn(x); }
              std::string name() const override { return "Lambda"; }
            };
            auto l = std::make_shared<Lambda>();
            l->fn = fn;
            self->layers.push_back(l);
          } else {
            type_error("Sequential",
                       "Expected modules or callables, got " + python_type_name(h) + ".");
          }
        }
      });
  layer<nn::Flatten>(m, "Flatten").def(nb::init<int, int>(), "start_axis"_a = 1, "end_axis"_a = -1);
  layer<nn::Unflatten>(m, "Unflatten")
      .def(
          "__init__",
          [](nn::Unflatten* self, int axis, const ShapeArg& shape) {
            new (self) nn::Unflatten(axis, shape.shape);
          },
          "axis"_a, "shape"_a);
  layer<nn::Embedding>(m, "Embedding")
      .def(nb::init<int, int>(), "num_embeddings"_a, "dims"_a)
      .def("as_linear", &nn::Embedding::as_linear, "x"_a);
  layer<nn::Dropout>(m, "Dropout").def(nb::init<float>(), "p"_a = 0.5f);
  layer<nn::Dropout2d>(m, "Dropout2d").def(nb::init<float>(), "p"_a = 0.5f);
  layer<nn::Dropout3d>(m, "Dropout3d").def(nb::init<float>(), "p"_a = 0.5f);
  layer<nn::LayerNorm>(m, "LayerNorm")
      .def(nb::init<int, float, bool, bool>(), "dims"_a, "eps"_a = 1e-5f, "affine"_a = true,
           "bias"_a = true);
  layer<nn::RMSNorm>(m, "RMSNorm").def(nb::init<int, float>(), "dims"_a, "eps"_a = 1e-5f);
  layer<nn::GroupNorm>(m, "GroupNorm")
      .def(nb::init<int, int, float, bool, bool>(), "num_groups"_a, "dims"_a, "eps"_a = 1e-5f,
           "affine"_a = true, "pytorch_compatible"_a = false);
  layer<nn::InstanceNorm>(m, "InstanceNorm")
      .def(nb::init<int, float, bool>(), "dims"_a, "eps"_a = 1e-5f, "affine"_a = false);
  layer<nn::BatchNorm>(m, "BatchNorm")
      .def(nb::init<int, float, float, bool, bool>(), "num_features"_a, "eps"_a = 1e-5f,
           "momentum"_a = 0.1f, "affine"_a = true, "track_running_stats"_a = true);

  // ---- Convolutions and pooling ----
  nb::class_<nn::ConvNd, nn::Module>(m, "_ConvNd");
  nb::class_<nn::Conv1d, nn::ConvNd>(m, "Conv1d")
      .def(nb::init<int, int, int, int, int, int, int, bool>(), "in_channels"_a, "out_channels"_a,
           "kernel_size"_a, "stride"_a = 1, "padding"_a = 0, "dilation"_a = 1, "groups"_a = 1,
           "bias"_a = true);
  nb::class_<nn::Conv2d, nn::ConvNd>(m, "Conv2d")
      .def(nb::init<int, int, const IntOrTuple&, const IntOrTuple&, const IntOrTuple&,
                    const IntOrTuple&, int, bool>(),
           "in_channels"_a, "out_channels"_a, "kernel_size"_a, "stride"_a = 1, "padding"_a = 0,
           "dilation"_a = 1, "groups"_a = 1, "bias"_a = true);
  nb::class_<nn::Conv3d, nn::ConvNd>(m, "Conv3d")
      .def(nb::init<int, int, const IntOrTuple&, const IntOrTuple&, const IntOrTuple&,
                    const IntOrTuple&, int, bool>(),
           "in_channels"_a, "out_channels"_a, "kernel_size"_a, "stride"_a = 1, "padding"_a = 0,
           "dilation"_a = 1, "groups"_a = 1, "bias"_a = true);
  nb::class_<nn::ConvTransposeNd, nn::ConvNd>(m, "_ConvTransposeNd");
  nb::class_<nn::ConvTranspose1d, nn::ConvTransposeNd>(m, "ConvTranspose1d")
      .def(nb::init<int, int, int, int, int, int, int, int, bool>(), "in_channels"_a,
           "out_channels"_a, "kernel_size"_a, "stride"_a = 1, "padding"_a = 0, "dilation"_a = 1,
           "output_padding"_a = 0, "groups"_a = 1, "bias"_a = true);
  nb::class_<nn::ConvTranspose2d, nn::ConvTransposeNd>(m, "ConvTranspose2d")
      .def(nb::init<int, int, const IntOrTuple&, const IntOrTuple&, const IntOrTuple&,
                    const IntOrTuple&, const IntOrTuple&, int, bool>(),
           "in_channels"_a, "out_channels"_a, "kernel_size"_a, "stride"_a = 1, "padding"_a = 0,
           "dilation"_a = 1, "output_padding"_a = 0, "groups"_a = 1, "bias"_a = true);
  nb::class_<nn::ConvTranspose3d, nn::ConvTransposeNd>(m, "ConvTranspose3d")
      .def(nb::init<int, int, const IntOrTuple&, const IntOrTuple&, const IntOrTuple&,
                    const IntOrTuple&, const IntOrTuple&, int, bool>(),
           "in_channels"_a, "out_channels"_a, "kernel_size"_a, "stride"_a = 1, "padding"_a = 0,
           "dilation"_a = 1, "output_padding"_a = 0, "groups"_a = 1, "bias"_a = true);
  nb::class_<nn::PoolNd, nn::Module>(m, "_PoolNd");
#define LMX_POOL(NAME)                                                                    \
  nb::class_<nn::NAME, nn::PoolNd>(m, #NAME).def(                                         \
      nb::init<const IntOrTuple&, const std::optional<IntOrTuple>&, const IntOrTuple&>(), \
      "kernel_size"_a, "stride"_a = nb::none(), "padding"_a = 0);
  LMX_POOL(MaxPool1d)
  LMX_POOL(MaxPool2d)
  LMX_POOL(MaxPool3d)
  LMX_POOL(AvgPool1d)
  LMX_POOL(AvgPool2d)
  LMX_POOL(AvgPool3d)
#undef LMX_POOL
  layer<nn::Upsample>(m, "Upsample")
      .def(
          "__init__",
          [](nn::Upsample* self, nb::handle scale_factor, const std::string& mode,
             bool align_corners) {
            std::vector<float> factors;
            if (PyFloat_Check(scale_factor.ptr()) || PyLong_Check(scale_factor.ptr())) {
              factors.push_back(nb::cast<float>(scale_factor));
            } else {
              factors = nb::cast<std::vector<float>>(scale_factor);
            }
            new (self) nn::Upsample(factors, mode, align_corners);
          },
          "scale_factor"_a, "mode"_a = "nearest", "align_corners"_a = false);

  // ---- Activations as modules ----
#define LMX_ACT(NAME) layer<nn::NAME>(m, #NAME).def(nb::init<>());
  LMX_ACT(ReLU)
  LMX_ACT(ReLU6)
  LMX_ACT(ReLU2)
  LMX_ACT(SELU)
  LMX_ACT(SiLU)
  LMX_ACT(Sigmoid)
  LMX_ACT(Tanh)
  LMX_ACT(LogSigmoid)
  LMX_ACT(Softplus)
  LMX_ACT(Softsign)
  LMX_ACT(Hardswish)
  LMX_ACT(Mish)
  LMX_ACT(Softmax)
  LMX_ACT(LogSoftmax)
  LMX_ACT(Softmin)
#undef LMX_ACT
  layer<nn::LeakyReLU>(m, "LeakyReLU").def(nb::init<float>(), "negative_slope"_a = 0.01f);
  layer<nn::ELU>(m, "ELU").def(nb::init<float>(), "alpha"_a = 1.0f);
  layer<nn::CELU>(m, "CELU").def(nb::init<float>(), "alpha"_a = 1.0f);
  layer<nn::Softshrink>(m, "Softshrink").def(nb::init<float>(), "lambd"_a = 0.5f);
  layer<nn::HardShrink>(m, "HardShrink").def(nb::init<float>(), "lambd"_a = 0.5f);
  layer<nn::HardTanh>(m, "HardTanh")
      .def(nb::init<float, float>(), "min_val"_a = -1.0f, "max_val"_a = 1.0f);
  layer<nn::GLU>(m, "GLU").def(nb::init<int>(), "axis"_a = -1);
  layer<nn::Step>(m, "Step").def(nb::init<float>(), "threshold"_a = 0.0f);
  layer<nn::GELU>(m, "GELU").def(nb::init<const std::string&>(), "approx"_a = "none");
  layer<nn::PReLU>(m, "PReLU")
      .def(nb::init<int, float>(), "num_parameters"_a = 1, "init"_a = 0.25f);

  // ---- Positional, attention, transformers, recurrent ----
  layer<nn::RoPE>(m, "RoPE")
      .def(nb::init<int, bool, float, float>(), "dims"_a, "traditional"_a = false,
           "base"_a = 10000.0f, "scale"_a = 1.0f)
      .def(
          "__call__", [](nn::RoPE& l, const array& x, int offset) { return l(x, offset); }, "x"_a,
          "offset"_a = 0);
  layer<nn::SinusoidalPositionalEncoding>(m, "SinusoidalPositionalEncoding")
      .def(nb::init<int, float, float, std::optional<float>, bool, bool>(), "dims"_a,
           "min_freq"_a = 0.0001f, "max_freq"_a = 1.0f, "scale"_a = nb::none(),
           "cos_first"_a = false, "full_turns"_a = false);
  layer<nn::ALiBi>(m, "ALiBi")
      .def(nb::init<>())
      .def(
          "__call__",
          [](nn::ALiBi& l, const array& scores, int offset, nb::handle mask) {
            return l(scores, offset, opt_array(mask));
          },
          "attention_scores"_a, "offset"_a = 0, "mask"_a = nb::none());
  layer<nn::MultiHeadAttention>(m, "MultiHeadAttention")
      .def(nb::init<int, int, std::optional<int>, std::optional<int>, std::optional<int>,
                    std::optional<int>, std::optional<int>, bool>(),
           "dims"_a, "num_heads"_a, "query_input_dims"_a = nb::none(),
           "key_input_dims"_a = nb::none(), "value_input_dims"_a = nb::none(),
           "value_dims"_a = nb::none(), "value_output_dims"_a = nb::none(), "bias"_a = false)
      .def(
          "__call__",
          [](nn::MultiHeadAttention& l, const array& q, const array& k, const array& v,
             nb::handle mask) { return l(q, k, v, opt_array(mask)); },
          "queries"_a, "keys"_a, "values"_a, "mask"_a = nb::none())
      .def_static(
          "create_additive_causal_mask",
          [](int n, Dtype dtype) {
            return nn::MultiHeadAttention::create_additive_causal_mask(n, dtype);
          },
          "N"_a, "dtype"_a = float32);
  layer<nn::TransformerEncoderLayer>(m, "TransformerEncoderLayer")
      .def(
          "__init__",
          [](nn::TransformerEncoderLayer* self, int dims, int num_heads,
             std::optional<int> mlp_dims, float dropout, nb::handle activation, bool norm_first) {
            new (self) nn::TransformerEncoderLayer(dims, num_heads, mlp_dims, dropout,
                                                   activation_of(activation), norm_first);
          },
          "dims"_a, "num_heads"_a, "mlp_dims"_a = nb::none(), "dropout"_a = 0.0f,
          "activation"_a = nb::none(), "norm_first"_a = true)
      .def(
          "__call__",
          [](nn::TransformerEncoderLayer& l, const array& x, nb::handle mask) {
            return l(x, opt_array(mask));
          },
          "x"_a, "mask"_a = nb::none());
  layer<nn::TransformerEncoder>(m, "TransformerEncoder")
      .def(
          "__init__",
          [](nn::TransformerEncoder* self, int num_layers, int dims, int num_heads,
             std::optional<int> mlp_dims, float dropout, nb::handle activation, bool norm_first) {
            new (self) nn::TransformerEncoder(num_layers, dims, num_heads, mlp_dims, dropout,
                                              activation_of(activation), norm_first);
          },
          "num_layers"_a, "dims"_a, "num_heads"_a, "mlp_dims"_a = nb::none(), "dropout"_a = 0.0f,
          "activation"_a = nb::none(), "norm_first"_a = true)
      .def(
          "__call__",
          [](nn::TransformerEncoder& l, const array& x, nb::handle mask) {
            return l(x, opt_array(mask));
          },
          "x"_a, "mask"_a = nb::none());
  layer<nn::TransformerDecoderLayer>(m, "TransformerDecoderLayer")
      .def(
          "__init__",
          [](nn::TransformerDecoderLayer* self, int dims, int num_heads,
             std::optional<int> mlp_dims, float dropout, nb::handle activation, bool norm_first) {
            new (self) nn::TransformerDecoderLayer(dims, num_heads, mlp_dims, dropout,
                                                   activation_of(activation), norm_first);
          },
          "dims"_a, "num_heads"_a, "mlp_dims"_a = nb::none(), "dropout"_a = 0.0f,
          "activation"_a = nb::none(), "norm_first"_a = true)
      .def(
          "__call__",
          [](nn::TransformerDecoderLayer& l, const array& x, const array& memory, nb::handle x_mask,
             nb::handle memory_mask) {
            return l(x, memory, opt_array(x_mask), opt_array(memory_mask));
          },
          "x"_a, "memory"_a, "x_mask"_a = nb::none(), "memory_mask"_a = nb::none());
  layer<nn::TransformerDecoder>(m, "TransformerDecoder")
      .def(
          "__init__",
          [](nn::TransformerDecoder* self, int num_layers, int dims, int num_heads,
             std::optional<int> mlp_dims, float dropout, nb::handle activation, bool norm_first) {
            new (self) nn::TransformerDecoder(num_layers, dims, num_heads, mlp_dims, dropout,
                                              activation_of(activation), norm_first);
          },
          "num_layers"_a, "dims"_a, "num_heads"_a, "mlp_dims"_a = nb::none(), "dropout"_a = 0.0f,
          "activation"_a = nb::none(), "norm_first"_a = true)
      .def(
          "__call__",
          [](nn::TransformerDecoder& l, const array& x, const array& memory, nb::handle x_mask,
             nb::handle memory_mask) {
            return l(x, memory, opt_array(x_mask), opt_array(memory_mask));
          },
          "x"_a, "memory"_a, "x_mask"_a = nb::none(), "memory_mask"_a = nb::none());
  layer<nn::Transformer>(m, "Transformer")
      .def(
          "__init__",
          [](nn::Transformer* self, int dims, int num_heads, int num_encoder_layers,
             int num_decoder_layers, std::optional<int> mlp_dims, float dropout,
             nb::handle activation, bool norm_first) {
            new (self) nn::Transformer(dims, num_heads, num_encoder_layers, num_decoder_layers,
                                       mlp_dims, dropout, activation_of(activation), norm_first);
          },
          "dims"_a = 512, "num_heads"_a = 8, "num_encoder_layers"_a = 6, "num_decoder_layers"_a = 6,
          "mlp_dims"_a = nb::none(), "dropout"_a = 0.0f, "activation"_a = nb::none(),
          "norm_first"_a = true)
      .def(
          "__call__",
          [](nn::Transformer& l, const array& src, const array& tgt, nb::handle src_mask,
             nb::handle tgt_mask, nb::handle memory_mask) {
            return l(src, tgt, opt_array(src_mask), opt_array(tgt_mask), opt_array(memory_mask));
          },
          "src"_a, "tgt"_a, "src_mask"_a = nb::none(), "tgt_mask"_a = nb::none(),
          "memory_mask"_a = nb::none());
  layer<nn::RNN>(m, "RNN")
      .def(
          "__init__",
          [](nn::RNN* self, int input_size, int hidden_size, bool bias, nb::handle nonlinearity) {
            new (self) nn::RNN(input_size, hidden_size, bias, activation_of(nonlinearity));
          },
          "input_size"_a, "hidden_size"_a, "bias"_a = true, "nonlinearity"_a = nb::none())
      .def(
          "__call__",
          [](nn::RNN& l, const array& x, nb::handle hidden) { return l(x, opt_array(hidden)); },
          "x"_a, "hidden"_a = nb::none());
  layer<nn::GRU>(m, "GRU")
      .def(nb::init<int, int, bool>(), "input_size"_a, "hidden_size"_a, "bias"_a = true)
      .def(
          "__call__",
          [](nn::GRU& l, const array& x, nb::handle hidden) { return l(x, opt_array(hidden)); },
          "x"_a, "hidden"_a = nb::none());
  layer<nn::LSTM>(m, "LSTM")
      .def(nb::init<int, int, bool>(), "input_size"_a, "hidden_size"_a, "bias"_a = true)
      .def(
          "__call__",
          [](nn::LSTM& l, const array& x, nb::handle hidden, nb::handle cell) {
            auto [h, c] = l(x, opt_array(hidden), opt_array(cell));
            return nb::make_tuple(h, c);
          },
          "x"_a, "hidden"_a = nb::none(), "cell"_a = nb::none());

  // ---- Quantized layers ----
  layer<nn::QuantizedLinear>(m, "QuantizedLinear")
      .def(nb::init<int, int, bool, int, int>(), "input_dims"_a, "output_dims"_a, "bias"_a = true,
           "group_size"_a = 64, "bits"_a = 4)
      .def_static(
          "from_linear",
          [](const nn::Linear& l, int group_size, int bits) {
            return std::make_shared<nn::QuantizedLinear>(
                nn::QuantizedLinear::from_linear(l, group_size, bits));
          },
          "linear_layer"_a, "group_size"_a = 64, "bits"_a = 4);
  layer<nn::QuantizedEmbedding>(m, "QuantizedEmbedding")
      .def(nb::init<int, int, int, int>(), "num_embeddings"_a, "dims"_a, "group_size"_a = 64,
           "bits"_a = 4)
      .def("as_linear", &nn::QuantizedEmbedding::as_linear, "x"_a);
  m.def(
      "quantize",
      [](nn::Module& model, int group_size, int bits, nb::handle class_predicate) {
        std::function<bool(const std::string&, nn::Module&)> pred;
        if (!class_predicate.is_none()) {
          nb::object fn = nb::borrow(class_predicate);
          pred = [fn](const std::string& path, nn::Module& mod) {
            return nb::cast<bool>(fn(path, nb::cast(&mod, nb::rv_policy::reference)));
          };
        }
        nn::quantize(model, group_size, bits, pred);
      },
      "model"_a, "group_size"_a = 64, "bits"_a = 4, "class_predicate"_a = nb::none());
}

}  // namespace lmx::python
