// Primitives: the nodes of the graph. Each one evaluates on a device and knows
// its vjp, jvp and vmap rules; the ops in ops.h only validate and build them.
// Backends define the eval_cpu methods (lmx/backend/cpu/*.cpp) and eval_gpu
// methods (lmx/backend/no_gpu.cpp where no GPU backend is built); every
// primitive declares both. Where each family's rules live: elementwise in
// grad_elementwise.cpp (their table in elementwise_ops.h), reductions, scans,
// sorts and softmax in grad_reduce.cpp, indexing and matmul in
// grad_index.cpp, layout and the rest in grad_structural.cpp, every vmap rule
// in vmap.cpp, every output_shapes rule in output_shapes.cpp.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <tuple>
#include <vector>

#include "lmx/core/array.h"
#include "lmx/core/conv.h"
#include "lmx/core/device.h"
#include "lmx/core/elementwise_ops.h"
#include "lmx/core/transforms.h"

namespace lmx {

class Primitive {
 public:
  explicit Primitive(Stream stream) : stream_(stream) {}
  virtual ~Primitive() = default;
  Primitive(const Primitive&) = delete;
  Primitive& operator=(const Primitive&) = delete;

  virtual void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) = 0;
  virtual void eval_gpu(const std::vector<array>& inputs, std::vector<array>& outputs) = 0;

  // Cotangents of the inputs listed in argnums, given the outputs' cotangents.
  virtual std::vector<array> vjp(const std::vector<array>& primals,
                                 const std::vector<array>& cotangents,
                                 const std::vector<int>& argnums,
                                 const std::vector<array>& outputs);
  // Tangents of the outputs, given tangents of the inputs listed in argnums.
  virtual std::vector<array> jvp(const std::vector<array>& primals,
                                 const std::vector<array>& tangents,
                                 const std::vector<int>& argnums);

  // Batching rule for vmap: the outputs for inputs that carry a batch axis at
  // axes[i] (-1: not batched), and the batch axis of each output. `outputs`
  // are this node's per-example outputs. The default applies the primitive
  // to each slice and stacks the results; primitives override it with
  // rules that batch in one node.
  virtual std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                               const std::vector<int>& axes,
                                                               const std::vector<array>& outputs);

  // The outputs' shapes for these inputs, where they follow from the inputs'
  // shapes alone: shapeless compile replays a graph on new shapes with them.
  // The default throws (the shapes were fixed when the node was built).
  virtual std::vector<Shape> output_shapes(const std::vector<array>& inputs);

  // Properties the transforms ask of a primitive.
  // One output, each element a function of the same element of the inputs
  // (broadcast to one shape): compile may fuse it, and evaluates it fused
  // with eval_elementwise_cpu.
  virtual bool is_elementwise() const { return false; }
  // Passes its input through and cuts gradients (stop_gradient).
  virtual bool is_stop_gradient() const { return false; }
  // For elementwise primitives: evaluates into `out`, which already has
  // storage, with the inputs broadcast to its shape.
  virtual void eval_elementwise_cpu(const std::vector<array>& inputs, array& out) const;

  virtual const char* name() const = 0;
  virtual void print(std::ostream& os) const { os << name(); }
  // Same computation on the same inputs gives the same outputs (used to remove
  // duplicate subexpressions).
  virtual bool is_equivalent(const Primitive&) const { return false; }

  const Stream& stream() const { return stream_; }
  Device device() const { return stream_.device; }

  // The constructor's arguments after the stream, as a tuple: an exported
  // function writes it and rebuilds the primitive from it (lmx/io/export.cpp).
  // Each primitive with parameters declares its own; this one is for those
  // without.
  std::tuple<> state() const { return {}; }

 private:
  Stream stream_;
};

class UnaryPrimitive : public Primitive {
 public:
  using Primitive::Primitive;
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) final {
    eval_cpu(inputs, outputs[0]);
  }
  void eval_gpu(const std::vector<array>& inputs, std::vector<array>& outputs) final {
    eval_gpu(inputs, outputs[0]);
  }
  virtual void eval_cpu(const std::vector<array>& inputs, array& out) = 0;
  virtual void eval_gpu(const std::vector<array>& inputs, array& out) = 0;
};

// Declarations every primitive repeats: evaluation on each device (one output
// or several), the gradient rules, the batching rule and output shapes.
#define LMX_EVAL_METHODS                                                \
  void eval_cpu(const std::vector<array>& inputs, array& out) override; \
  void eval_gpu(const std::vector<array>& inputs, array& out) override;

#define LMX_EVAL_MULTI_METHODS                                                           \
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override; \
  void eval_gpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;

#define LMX_GRAD_METHODS                                                                          \
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents, \
                         const std::vector<int>& argnums, const std::vector<array>& outputs)      \
      override;                                                                                   \
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,   \
                         const std::vector<int>& argnums) override;

#define LMX_PRIMITIVE_METHODS \
  LMX_EVAL_METHODS            \
  LMX_GRAD_METHODS

#define LMX_OUTPUT_SHAPES \
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;

#define LMX_VMAP_RULE                                                 \
  std::pair<std::vector<array>, std::vector<int>> vmap(               \
      const std::vector<array>& inputs, const std::vector<int>& axes, \
      const std::vector<array>& outputs) override;

#define LMX_PRIMITIVE_DECL(NAME)      \
  LMX_PRIMITIVE_METHODS               \
  const char* name() const override { \
    return #NAME;                     \
  }

// Elementwise maps of one input (the rows of LMX_UNARY_OPS).
class Unary : public UnaryPrimitive {
 public:
  Unary(Stream s, UnaryOp op) : UnaryPrimitive(s), op_(op) {}
  LMX_PRIMITIVE_METHODS
  LMX_OUTPUT_SHAPES
  LMX_VMAP_RULE
  const char* name() const override { return primitive_name(op_); }
  bool is_equivalent(const Primitive& other) const override;
  bool is_elementwise() const override { return true; }
  void eval_elementwise_cpu(const std::vector<array>& inputs, array& out) const override;
  UnaryOp op() const { return op_; }

  auto state() const { return std::make_tuple(op_); }

 private:
  UnaryOp op_;
};

// Elementwise maps of two inputs of one dtype, broadcast by the op (the rows
// of LMX_BINARY_OPS).
class Binary : public UnaryPrimitive {
 public:
  Binary(Stream s, BinaryOp op) : UnaryPrimitive(s), op_(op) {}
  LMX_PRIMITIVE_METHODS
  LMX_OUTPUT_SHAPES
  LMX_VMAP_RULE
  const char* name() const override { return primitive_name(op_); }
  bool is_equivalent(const Primitive& other) const override;
  bool is_elementwise() const override { return true; }
  void eval_elementwise_cpu(const std::vector<array>& inputs, array& out) const override;
  BinaryOp op() const { return op_; }

  auto state() const { return std::make_tuple(op_); }

 private:
  BinaryOp op_;
};

// Quotient and remainder at once: the library's two-output primitive.
class DivMod : public Primitive {
 public:
  using Primitive::Primitive;
  LMX_EVAL_MULTI_METHODS
  LMX_OUTPUT_SHAPES
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  const char* name() const override { return "DivMod"; }
  bool is_equivalent(const Primitive&) const override { return true; }
  LMX_VMAP_RULE
};

class Select : public UnaryPrimitive {
 public:
  using UnaryPrimitive::UnaryPrimitive;
  LMX_PRIMITIVE_DECL(Select)
  LMX_OUTPUT_SHAPES
  bool is_elementwise() const override { return true; }
  void eval_elementwise_cpu(const std::vector<array>& inputs, array& out) const override;
  bool is_equivalent(const Primitive&) const override { return true; }
  LMX_VMAP_RULE
};

class AsType : public UnaryPrimitive {
 public:
  AsType(Stream s, Dtype dtype) : UnaryPrimitive(s), dtype_(dtype) {}
  LMX_PRIMITIVE_DECL(AsType)
  LMX_OUTPUT_SHAPES
  bool is_elementwise() const override { return true; }
  void eval_elementwise_cpu(const std::vector<array>& inputs, array& out) const override;
  bool is_equivalent(const Primitive& other) const override;

  LMX_VMAP_RULE
  auto state() const { return std::make_tuple(dtype_); }

 private:
  Dtype dtype_;
};

// Shares its input's buffer: the identity, as a node of its own.
class Copy : public UnaryPrimitive {
 public:
  using UnaryPrimitive::UnaryPrimitive;
  LMX_PRIMITIVE_DECL(Copy)
  LMX_OUTPUT_SHAPES
  bool is_equivalent(const Primitive&) const override { return true; }
  LMX_VMAP_RULE
};

// Materialises its (possibly broadcast or strided) input into a fresh
// row-contiguous buffer.
class Full : public UnaryPrimitive {
 public:
  using UnaryPrimitive::UnaryPrimitive;
  LMX_PRIMITIVE_DECL(Full)
  LMX_OUTPUT_SHAPES
  bool is_equivalent(const Primitive&) const override { return true; }
  LMX_VMAP_RULE
};

class StopGradient : public UnaryPrimitive {
 public:
  using UnaryPrimitive::UnaryPrimitive;
  LMX_PRIMITIVE_DECL(StopGradient)
  LMX_OUTPUT_SHAPES
  bool is_stop_gradient() const override { return true; }
  bool is_equivalent(const Primitive&) const override { return true; }
  LMX_VMAP_RULE
};

class Arange : public UnaryPrimitive {
 public:
  Arange(Stream s, double start, double stop, double step)
      : UnaryPrimitive(s), start_(start), stop_(stop), step_(step) {}
  LMX_PRIMITIVE_DECL(Arange)
  bool is_equivalent(const Primitive& other) const override;

  auto state() const { return std::make_tuple(start_, stop_, step_); }

 private:
  double start_, stop_, step_;
};

// A reshape to `shape`. Squeezes and expand_dims also record which unit axes
// they remove or insert, so their output shape follows from any input shape.
class Reshape : public UnaryPrimitive {
 public:
  enum class Rule { Fixed, Squeeze, ExpandDims };
  Reshape(Stream s, Shape shape, Rule rule = Rule::Fixed, std::vector<int> unit_axes = {})
      : UnaryPrimitive(s),
        shape_(std::move(shape)),
        rule_(rule),
        unit_axes_(std::move(unit_axes)) {}
  LMX_PRIMITIVE_DECL(Reshape)
  LMX_OUTPUT_SHAPES
  bool is_equivalent(const Primitive& other) const override;

  LMX_VMAP_RULE
  auto state() const { return std::make_tuple(shape_, rule_, unit_axes_); }

 private:
  Shape shape_;
  Rule rule_;
  std::vector<int> unit_axes_;
};

class Transpose : public UnaryPrimitive {
 public:
  Transpose(Stream s, std::vector<int> axes) : UnaryPrimitive(s), axes_(std::move(axes)) {}
  LMX_PRIMITIVE_DECL(Transpose)
  LMX_OUTPUT_SHAPES
  bool is_equivalent(const Primitive& other) const override;
  const std::vector<int>& axes() const { return axes_; }

  LMX_VMAP_RULE
  auto state() const { return std::make_tuple(axes_); }

 private:
  std::vector<int> axes_;
};

// The input's bytes read as another dtype (the last axis rescales when the
// item sizes differ).
class View : public UnaryPrimitive {
 public:
  View(Stream s, Dtype dtype) : UnaryPrimitive(s), dtype_(dtype) {}
  LMX_PRIMITIVE_DECL(View)
  bool is_equivalent(const Primitive& other) const override;

  auto state() const { return std::make_tuple(dtype_); }

 private:
  Dtype dtype_;
};

// The number of elements of the input along `axes` (or, inverted, its
// reciprocal) as a scalar: computed from the shape when the graph runs, so a
// shapeless compiled graph stays right for every shape.
class NumberOfElements : public UnaryPrimitive {
 public:
  NumberOfElements(Stream s, std::vector<int> axes, bool inverted, Dtype dtype)
      : UnaryPrimitive(s), axes_(std::move(axes)), inverted_(inverted), dtype_(dtype) {}
  LMX_PRIMITIVE_DECL(NumberOfElements)
  LMX_OUTPUT_SHAPES
  LMX_VMAP_RULE
  bool is_equivalent(const Primitive& other) const override;

  auto state() const { return std::make_tuple(axes_, inverted_, dtype_); }

 private:
  std::vector<int> axes_;
  bool inverted_;
  Dtype dtype_;
};

// A view of the (row-contiguous) input with any shape, strides and offset,
// checked to stay inside it.
class AsStrided : public UnaryPrimitive {
 public:
  AsStrided(Stream s, Shape shape, Strides strides, size_t offset)
      : UnaryPrimitive(s),
        shape_(std::move(shape)),
        strides_(std::move(strides)),
        offset_(offset) {}
  LMX_PRIMITIVE_DECL(AsStrided)
  bool is_equivalent(const Primitive& other) const override;

  auto state() const { return std::make_tuple(shape_, strides_, offset_); }

 private:
  Shape shape_;
  Strides strides_;
  size_t offset_;
};

class Broadcast : public UnaryPrimitive {
 public:
  Broadcast(Stream s, Shape shape) : UnaryPrimitive(s), shape_(std::move(shape)) {}
  LMX_PRIMITIVE_DECL(Broadcast)
  bool is_equivalent(const Primitive& other) const override;

  LMX_VMAP_RULE
  auto state() const { return std::make_tuple(shape_); }

 private:
  Shape shape_;
};

class Slice : public UnaryPrimitive {
 public:
  Slice(Stream s, Shape start, Shape stop, Shape strides)
      : UnaryPrimitive(s),
        start_(std::move(start)),
        stop_(std::move(stop)),
        strides_(std::move(strides)) {}
  LMX_PRIMITIVE_DECL(Slice)
  bool is_equivalent(const Primitive& other) const override;

  LMX_VMAP_RULE
  auto state() const { return std::make_tuple(start_, stop_, strides_); }

 private:
  Shape start_, stop_, strides_;
};

class SliceUpdate : public UnaryPrimitive {
 public:
  SliceUpdate(Stream s, Shape start, Shape stop, Shape strides)
      : UnaryPrimitive(s),
        start_(std::move(start)),
        stop_(std::move(stop)),
        strides_(std::move(strides)) {}
  LMX_PRIMITIVE_DECL(SliceUpdate)
  bool is_equivalent(const Primitive& other) const override;

  LMX_VMAP_RULE
  auto state() const { return std::make_tuple(start_, stop_, strides_); }

 private:
  Shape start_, stop_, strides_;
};

class Concatenate : public UnaryPrimitive {
 public:
  Concatenate(Stream s, int axis) : UnaryPrimitive(s), axis_(axis) {}
  LMX_PRIMITIVE_DECL(Concatenate)
  LMX_OUTPUT_SHAPES
  bool is_equivalent(const Primitive& other) const override;

  LMX_VMAP_RULE
  auto state() const { return std::make_tuple(axis_); }

 private:
  int axis_;
};

// Constant padding; the pad value is the second input.
class Pad : public UnaryPrimitive {
 public:
  Pad(Stream s, std::vector<int> axes, Shape low, Shape high)
      : UnaryPrimitive(s), axes_(std::move(axes)), low_(std::move(low)), high_(std::move(high)) {}
  LMX_PRIMITIVE_DECL(Pad)
  bool is_equivalent(const Primitive& other) const override;

  LMX_VMAP_RULE
  auto state() const { return std::make_tuple(axes_, low_, high_); }

 private:
  std::vector<int> axes_;
  Shape low_, high_;
};

// (N, spatial..., C) -> (N, output..., kernel..., C): the patch under each
// window (convolution and pooling). Taps on padding read `pad_value`.
class Unfold : public UnaryPrimitive {
 public:
  Unfold(Stream s, WindowGeometry g, double pad_value)
      : UnaryPrimitive(s), g_(std::move(g)), pad_value_(pad_value) {}
  LMX_PRIMITIVE_DECL(Unfold)
  bool is_equivalent(const Primitive& other) const override;
  const WindowGeometry& geometry() const { return g_; }

  LMX_VMAP_RULE
  auto state() const { return std::make_tuple(g_, pad_value_); }

 private:
  WindowGeometry g_;
  double pad_value_;
};

// Unfold's adjoint: sums every patch back onto (N, spatial..., C).
class Fold : public UnaryPrimitive {
 public:
  Fold(Stream s, WindowGeometry g) : UnaryPrimitive(s), g_(std::move(g)) {}
  LMX_PRIMITIVE_DECL(Fold)
  bool is_equivalent(const Primitive& other) const override;

  LMX_VMAP_RULE
  auto state() const { return std::make_tuple(g_); }

 private:
  WindowGeometry g_;
};

// The float32 convolutions, each a product of the unfolded input that is never
// written whole: the kernels unfold a tile of output positions at a time into
// a buffer that stays in cache and multiply it there (convolution.cpp).
// Together they are closed under vjp, so gradients of any order stay fused.
// With x (N, spatial..., C_in), w (C_out, kernel..., C_in / groups) and
// dy (N, output..., C_out):
//   Convolution            (x, w)  -> y  = unfold(x) . w
//   ConvolutionInputGrad   (dy, w) -> dx = fold(dy . w)        (N, spatial..., C_in)
//   ConvolutionWeightGrad  (x, dy) -> dw = dy^T . unfold(x)    (C_out, kernel..., C_in / groups)
// where each group's output channels see only its slice of input channels.
class ConvolutionBase : public UnaryPrimitive {
 public:
  ConvolutionBase(Stream s, WindowGeometry g, int groups)
      : UnaryPrimitive(s), g_(std::move(g)), groups_(groups) {}
  bool is_equivalent(const Primitive& other) const override;
  const WindowGeometry& geometry() const { return g_; }
  int groups() const { return groups_; }
  auto state() const { return std::make_tuple(g_, groups_); }

 protected:
  WindowGeometry g_;
  int groups_;
};

#define LMX_CONVOLUTION_PRIMITIVE(NAME)     \
  class NAME : public ConvolutionBase {     \
   public:                                  \
    using ConvolutionBase::ConvolutionBase; \
    LMX_PRIMITIVE_DECL(NAME)                \
    LMX_VMAP_RULE                           \
  };
LMX_CONVOLUTION_PRIMITIVE(Convolution)
LMX_CONVOLUTION_PRIMITIVE(ConvolutionInputGrad)
LMX_CONVOLUTION_PRIMITIVE(ConvolutionWeightGrad)
#undef LMX_CONVOLUTION_PRIMITIVE

// Fused float32 attention (attention.h builds them; kernels in
// lmx/backend/cpu/attention.cpp). With q (B, Hq, L, D), k (B, Hkv, S, D),
// v (B, Hkv, S, Dv), Hq a multiple of Hkv, and an optional additive mask
// broadcast to (B, Hq, L, S):
//   Attention      (q, k, v[, mask])              -> {o, lse}
//   AttentionGrad  (q, k, v, o, lse, do[, mask])  -> {dq, dk, dv}
// where o = softmax(scale q k^T + mask) v and lse (B, Hq, L) is the
// logsumexp of the scores, kept for the gradient. The scores are never
// written whole: blocks of queries against blocks of keys with an online
// softmax. `causal` hides key j from query i when j > i + S - L.
class AttentionBase : public Primitive {
 public:
  AttentionBase(Stream s, float scale, bool causal)
      : Primitive(s), scale_(scale), causal_(causal) {}
  bool is_equivalent(const Primitive& other) const override;
  float scale() const { return scale_; }
  bool causal() const { return causal_; }
  auto state() const { return std::make_tuple(scale_, causal_); }

 protected:
  float scale_;
  bool causal_;
};

#define LMX_ATTENTION_PRIMITIVE(NAME)                   \
  class NAME : public AttentionBase {                   \
   public:                                              \
    using AttentionBase::AttentionBase;                 \
    LMX_EVAL_MULTI_METHODS                              \
    LMX_GRAD_METHODS                                    \
    LMX_VMAP_RULE                                       \
    const char* name() const override { return #NAME; } \
  };
LMX_ATTENTION_PRIMITIVE(Attention)
LMX_ATTENTION_PRIMITIVE(AttentionGrad)
#undef LMX_ATTENTION_PRIMITIVE

// Rotary position embedding of a float32 x (..., L, D), for fast::rope
// (rope.h builds it; kernel in lmx/backend/cpu/rope.cpp). Inputs {x, offset}
// (offset an int32 scalar). Feature pairs among the first `dims` (adjacent
// ones when traditional, else i and i + dims/2) turn by the angle
// (offset + l) * scale * base^(-2i/dims); the rest pass through. With
// `forward` false they turn the other way: the vjp, since a rotation's
// transpose is its inverse.
class Rope : public UnaryPrimitive {
 public:
  Rope(Stream s, int dims, bool traditional, float base, float scale, bool forward)
      : UnaryPrimitive(s),
        dims_(dims),
        traditional_(traditional),
        base_(base),
        scale_(scale),
        forward_(forward) {}
  LMX_PRIMITIVE_DECL(Rope)
  LMX_OUTPUT_SHAPES
  LMX_VMAP_RULE
  bool is_equivalent(const Primitive& other) const override;
  auto state() const { return std::make_tuple(dims_, traditional_, base_, scale_, forward_); }

 private:
  int dims_;
  bool traditional_;
  float base_, scale_;
  bool forward_;
};

// RMS normalisation over the last axis of a float32 x (..., D) with a float32
// weight (D), for fast::rms_norm (rms_norm.h builds them; kernels in
// lmx/backend/cpu/rms_norm.cpp):
//   RmsNorm      (x, w)     -> y = x * rsqrt(mean(x^2) + eps) * w
//   RmsNormGrad  (x, w, dy) -> {dx, dw}
// one pass over each row for y, two for dx, without the intermediates the
// composed graph writes.
class RmsNormBase : public Primitive {
 public:
  RmsNormBase(Stream s, float eps) : Primitive(s), eps_(eps) {}
  bool is_equivalent(const Primitive& other) const override;
  float eps() const { return eps_; }
  auto state() const { return std::make_tuple(eps_); }

 protected:
  float eps_;
};
class RmsNorm : public RmsNormBase {
 public:
  using RmsNormBase::RmsNormBase;
  LMX_EVAL_MULTI_METHODS
  LMX_GRAD_METHODS
  LMX_OUTPUT_SHAPES
  const char* name() const override { return "RmsNorm"; }
};
class RmsNormGrad : public RmsNormBase {
 public:
  using RmsNormBase::RmsNormBase;
  LMX_EVAL_MULTI_METHODS
  LMX_GRAD_METHODS
  LMX_OUTPUT_SHAPES
  const char* name() const override { return "RmsNormGrad"; }
};

// Affine quantization (see quantized.h): outputs {w_q, scales, biases}.
class AffineQuantize : public Primitive {
 public:
  AffineQuantize(Stream s, int group_size, int bits)
      : Primitive(s), group_size_(group_size), bits_(bits) {}
  LMX_EVAL_MULTI_METHODS
  const char* name() const override { return "AffineQuantize"; }
  bool is_equivalent(const Primitive& other) const override;
  LMX_VMAP_RULE

  auto state() const { return std::make_tuple(group_size_, bits_); }

 private:
  int group_size_, bits_;
};

// Inputs {w_q, scales, biases} -> scale * q + bias.
class AffineDequantize : public UnaryPrimitive {
 public:
  AffineDequantize(Stream s, int group_size, int bits)
      : UnaryPrimitive(s), group_size_(group_size), bits_(bits) {}
  LMX_PRIMITIVE_DECL(AffineDequantize)
  bool is_equivalent(const Primitive& other) const override;
  LMX_VMAP_RULE

  auto state() const { return std::make_tuple(group_size_, bits_); }

 private:
  int group_size_, bits_;
};

// Inputs {x, w_q, scales, biases} -> x @ W^T (transpose) or x @ W.
class QuantizedMatmul : public UnaryPrimitive {
 public:
  QuantizedMatmul(Stream s, int group_size, int bits, bool transpose)
      : UnaryPrimitive(s), group_size_(group_size), bits_(bits), transpose_(transpose) {}
  LMX_PRIMITIVE_DECL(QuantizedMatmul)
  bool is_equivalent(const Primitive& other) const override;
  LMX_VMAP_RULE

  auto state() const { return std::make_tuple(group_size_, bits_, transpose_); }

 private:
  int group_size_, bits_;
  bool transpose_;
};

enum class ReduceType { And, Or, Sum, Prod, Min, Max };

// Reduces over `axes`, keeping them as size-1 dimensions (ops reshape).
class Reduce : public UnaryPrimitive {
 public:
  Reduce(Stream s, ReduceType type, std::vector<int> axes)
      : UnaryPrimitive(s), type_(type), axes_(std::move(axes)) {}
  LMX_PRIMITIVE_METHODS
  LMX_OUTPUT_SHAPES
  const char* name() const override;
  bool is_equivalent(const Primitive& other) const override;
  ReduceType type() const { return type_; }
  const std::vector<int>& axes() const { return axes_; }

  LMX_VMAP_RULE
  auto state() const { return std::make_tuple(type_, axes_); }

 private:
  ReduceType type_;
  std::vector<int> axes_;
};

// The vjp of a max or min Reduce over `axes`, for float32 and float64
// (extreme_grad.h builds it): inputs (x, out, g), out and g shaped like x
// with 1 on the reduced axes. Each window's entries equal to out get
// g / count, the others (g / count) * 0 (MLX's rule: ties share, a NaN or
// infinite cotangent spreads). One pass counts and one writes per window,
// where the composed graph makes five passes over x's size (max pooling's
// gradient).
class ExtremeGrad : public UnaryPrimitive {
 public:
  ExtremeGrad(Stream s, std::vector<int> axes) : UnaryPrimitive(s), axes_(std::move(axes)) {}
  LMX_PRIMITIVE_DECL(ExtremeGrad)
  LMX_OUTPUT_SHAPES
  LMX_VMAP_RULE
  bool is_equivalent(const Primitive& other) const override;
  auto state() const { return std::make_tuple(axes_); }

 private:
  std::vector<int> axes_;
};

enum class ArgReduceType { ArgMin, ArgMax };

class ArgReduce : public UnaryPrimitive {
 public:
  ArgReduce(Stream s, ArgReduceType type, int axis) : UnaryPrimitive(s), type_(type), axis_(axis) {}
  LMX_PRIMITIVE_DECL(ArgReduce)
  LMX_OUTPUT_SHAPES
  bool is_equivalent(const Primitive& other) const override;

  LMX_VMAP_RULE
  auto state() const { return std::make_tuple(type_, axis_); }

 private:
  ArgReduceType type_;
  int axis_;
};

class Scan : public UnaryPrimitive {
 public:
  enum ScanType { Sum, Prod, Max, Min, LogAddExp };
  Scan(Stream s, ScanType type, int axis, bool reverse, bool inclusive)
      : UnaryPrimitive(s), type_(type), axis_(axis), reverse_(reverse), inclusive_(inclusive) {}
  LMX_PRIMITIVE_DECL(Scan)
  LMX_OUTPUT_SHAPES
  bool is_equivalent(const Primitive& other) const override;

  LMX_VMAP_RULE
  auto state() const { return std::make_tuple(type_, axis_, reverse_, inclusive_); }

 private:
  ScanType type_;
  int axis_;
  bool reverse_, inclusive_;
};

// Softmax over the last axis.
class Softmax : public UnaryPrimitive {
 public:
  Softmax(Stream s, bool precise) : UnaryPrimitive(s), precise_(precise) {}
  LMX_PRIMITIVE_DECL(Softmax)
  LMX_OUTPUT_SHAPES
  bool is_equivalent(const Primitive& other) const override;

  LMX_VMAP_RULE
  auto state() const { return std::make_tuple(precise_); }

 private:
  bool precise_;
};

// log(sum(exp(x))) over the last axis, computed stably in one pass.
class LogSumExp : public UnaryPrimitive {
 public:
  using UnaryPrimitive::UnaryPrimitive;
  LMX_PRIMITIVE_DECL(LogSumExp)
  LMX_OUTPUT_SHAPES
  bool is_equivalent(const Primitive&) const override { return true; }
  LMX_VMAP_RULE
};

class Matmul : public UnaryPrimitive {
 public:
  using UnaryPrimitive::UnaryPrimitive;
  LMX_PRIMITIVE_DECL(Matmul)
  LMX_OUTPUT_SHAPES
  bool is_equivalent(const Primitive&) const override { return true; }
  LMX_VMAP_RULE
};

// alpha * (a @ b) + beta * c
class AddMM : public UnaryPrimitive {
 public:
  AddMM(Stream s, float alpha, float beta) : UnaryPrimitive(s), alpha_(alpha), beta_(beta) {}
  LMX_PRIMITIVE_DECL(AddMM)
  LMX_OUTPUT_SHAPES
  bool is_equivalent(const Primitive& other) const override;

  LMX_VMAP_RULE
  auto state() const { return std::make_tuple(alpha_, beta_); }

 private:
  float alpha_, beta_;
};

// out[i..., s...] = a[idx_0[i...], ..., s...] for the indexed axes.
class Gather : public UnaryPrimitive {
 public:
  Gather(Stream s, std::vector<int> axes, Shape slice_sizes)
      : UnaryPrimitive(s), axes_(std::move(axes)), slice_sizes_(std::move(slice_sizes)) {}
  LMX_PRIMITIVE_DECL(Gather)
  bool is_equivalent(const Primitive& other) const override;

  LMX_VMAP_RULE
  auto state() const { return std::make_tuple(axes_, slice_sizes_); }

 private:
  std::vector<int> axes_;
  Shape slice_sizes_;
};

enum class ScatterType { None, Sum, Prod, Max, Min };

class Scatter : public UnaryPrimitive {
 public:
  Scatter(Stream s, ScatterType type, std::vector<int> axes)
      : UnaryPrimitive(s), type_(type), axes_(std::move(axes)) {}
  LMX_PRIMITIVE_DECL(Scatter)
  bool is_equivalent(const Primitive& other) const override;

  LMX_VMAP_RULE
  auto state() const { return std::make_tuple(type_, axes_); }

 private:
  ScatterType type_;
  std::vector<int> axes_;
};

class GatherAxis : public UnaryPrimitive {
 public:
  GatherAxis(Stream s, int axis) : UnaryPrimitive(s), axis_(axis) {}
  LMX_PRIMITIVE_DECL(GatherAxis)
  bool is_equivalent(const Primitive& other) const override;

  LMX_VMAP_RULE
  auto state() const { return std::make_tuple(axis_); }

 private:
  int axis_;
};

class ScatterAxis : public UnaryPrimitive {
 public:
  ScatterAxis(Stream s, ScatterType type, int axis) : UnaryPrimitive(s), type_(type), axis_(axis) {}
  LMX_PRIMITIVE_DECL(ScatterAxis)
  bool is_equivalent(const Primitive& other) const override;

  LMX_VMAP_RULE
  auto state() const { return std::make_tuple(type_, axis_); }

 private:
  ScatterType type_;
  int axis_;
};

class ArgSort : public UnaryPrimitive {
 public:
  ArgSort(Stream s, int axis) : UnaryPrimitive(s), axis_(axis) {}
  LMX_PRIMITIVE_DECL(ArgSort)
  LMX_OUTPUT_SHAPES
  bool is_equivalent(const Primitive& other) const override;

  LMX_VMAP_RULE
  auto state() const { return std::make_tuple(axis_); }

 private:
  int axis_;
};

class RandomBits : public UnaryPrimitive {
 public:
  RandomBits(Stream s, Shape shape, int width)
      : UnaryPrimitive(s), shape_(std::move(shape)), width_(width) {}
  LMX_PRIMITIVE_DECL(RandomBits)
  bool is_equivalent(const Primitive& other) const override;

  LMX_VMAP_RULE
  auto state() const { return std::make_tuple(shape_, width_); }

 private:
  Shape shape_;
  int width_;
};

// Identity on its first `num_inputs` inputs, which it waits for together
// with the rest (the dependencies): depends(inputs, dependencies).
class Depends : public Primitive {
 public:
  Depends(Stream s, int num_inputs) : Primitive(s), num_inputs_(num_inputs) {}
  LMX_EVAL_MULTI_METHODS
  LMX_OUTPUT_SHAPES
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  LMX_VMAP_RULE
  const char* name() const override { return "Depends"; }

  auto state() const { return std::make_tuple(num_inputs_); }

 private:
  int num_inputs_;
};

// A function with user-given transforms (custom_function): the inputs are
// the function's outputs, computed as usual, then its arguments. It passes
// the outputs through; its vjp, jvp and vmap call the user's rules with the
// arguments (or, for a rule not given, transform the function itself).
class CustomTransforms : public Primitive {
 public:
  // The rules' types are custom_function's (transforms.h).
  using Fn = CustomFn;
  using VjpFn = CustomVjpFn;
  using JvpFn = CustomJvpFn;
  using VmapFn = CustomVmapFn;
  CustomTransforms(Stream s, int num_outputs, Fn fun, std::optional<VjpFn> vjp,
                   std::optional<JvpFn> jvp, std::optional<VmapFn> vmap)
      : Primitive(s),
        num_outputs_(num_outputs),
        fun_(std::move(fun)),
        vjp_(std::move(vjp)),
        jvp_(std::move(jvp)),
        vmap_(std::move(vmap)) {}
  LMX_EVAL_MULTI_METHODS
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  LMX_VMAP_RULE
  const char* name() const override { return "CustomTransforms"; }

 private:
  int num_outputs_;
  Fn fun_;
  std::optional<VjpFn> vjp_;
  std::optional<JvpFn> jvp_;
  std::optional<VmapFn> vmap_;
};

// A fused chain of elementwise primitives (Unary, Binary, AsType, Select),
// evaluated block by block so intermediates stay in cache. Built by compile.
class Compiled : public UnaryPrimitive {
 public:
  struct Step {
    std::shared_ptr<Primitive> primitive;
    std::vector<int> args;  // registers: inputs first, then step results
    Dtype dtype;
  };
  Compiled(Stream s, std::vector<Step> steps, int num_inputs)
      : UnaryPrimitive(s), steps_(std::move(steps)), num_inputs_(num_inputs) {}
  LMX_PRIMITIVE_DECL(Compiled)
  LMX_OUTPUT_SHAPES
  const std::vector<Step>& steps() const { return steps_; }
  // The unfused graph of the steps on `inputs` (used for vjp and jvp).
  array expand(const std::vector<array>& inputs) const;

  LMX_VMAP_RULE
  auto state() const { return std::make_tuple(steps_, num_inputs_); }

 private:
  std::vector<Step> steps_;
  int num_inputs_;
};

// Every primitive class, for code that defines a method for each one
// (lmx/backend/no_gpu.cpp): X for one output, XM for several. The linear
// algebra ones are listed in linalg_primitives.h.
// clang-format off
#define LMX_PRIMITIVE_CLASSES(X, XM)                                                           \
  X(Unary) X(Binary) XM(DivMod) X(Select) X(AsType) X(Copy) X(Full) X(StopGradient) X(Arange) \
  X(Reshape) X(Transpose) X(View) X(NumberOfElements) X(AsStrided) X(Broadcast) X(Slice)      \
  X(SliceUpdate) X(Concatenate) X(Pad) X(Unfold) X(Fold) X(Convolution) X(ConvolutionInputGrad)  \
  X(ConvolutionWeightGrad) XM(Attention) XM(AttentionGrad) X(Rope) XM(RmsNorm) XM(RmsNormGrad) \
  XM(AffineQuantize)                                                                          \
  X(AffineDequantize) X(QuantizedMatmul) X(Reduce) X(ExtremeGrad) X(ArgReduce) X(Scan) X(Softmax)            \
  X(LogSumExp) X(Matmul) X(AddMM) X(Gather) X(Scatter) X(GatherAxis) X(ScatterAxis)           \
  X(ArgSort) X(RandomBits) XM(Depends) XM(CustomTransforms) X(Compiled)
// clang-format on

}  // namespace lmx
